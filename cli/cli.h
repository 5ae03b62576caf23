/* Shared pieces of the `descent` command-line tool. */
#ifndef DESCENT_CLI_H
#define DESCENT_CLI_H

#include "descent.h"

/* Exit statuses: 0 success, 1 the work found a failure, 2 bad usage/input. */
enum { EXIT_USAGE = 2 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

int cmd_info(int argc, char **argv);
int cmd_golden(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_validate(int argc, char **argv);
/* Parses and checks `descent train` options like cmd_train, but loads and
 * trains nothing: 0, or EXIT_USAGE after the message (fuzz/cli_args.c). */
int cmd_train_check(int argc, char **argv);

/* Strict number parsing for flag values: the whole string must be a finite
 * number in range; otherwise prints "descent: FLAG: why" and returns 0. */
int cli_parse_int(const char *flag, const char *text, long lo, long hi, long *out);
int cli_parse_double(const char *flag, const char *text, double *out);
/* Prints "descent: <message>" to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* For flags that take a value: returns argv[*i + 1] and advances *i, or
 * prints an error and returns NULL when the value is missing.  Also accepts
 * --flag=value, in which case arg points past the '='. */
const char *cli_flag_value(int argc, char **argv, int *i, const char *flag);
/* 1 if argv[i] is `flag` or `flag=...`. */
int cli_is_flag(const char *arg, const char *flag);

#endif
