/* fuzz/fuzz_argv.h: turns a fuzzer input into a command line for the
 * targets that fuzz argument parsers (cli_args.c, bench_flags.c).  The
 * input is copied to a NUL-terminated string (it owns `text`, free it with
 * fuzz_argv_free) and split at newlines into argv[1..], at most
 * FUZZ_MAX_ARGS of them; an empty input gives no arguments. */
#ifndef DESCENT_FUZZ_ARGV_H
#define DESCENT_FUZZ_ARGV_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_ARGS 32

typedef struct fuzz_argv {
    char *text;
    int argc;
    char *argv[FUZZ_MAX_ARGS + 2];
} fuzz_argv;

/* 0, or -1 when out of memory (the target then returns 0). */
static inline int fuzz_argv_make(fuzz_argv *a, const char *program, const uint8_t *data,
                                 size_t size)
{
    a->text = malloc(size + 1);
    if (!a->text)
        return -1;
    memcpy(a->text, data, size);
    a->text[size] = '\0';
    a->argc = 0;
    a->argv[a->argc++] = (char *)program;
    if (size > 0) {
        for (char *p = a->text; a->argc <= FUZZ_MAX_ARGS;) {
            a->argv[a->argc++] = p;
            char *nl = memchr(p, '\n', (size_t)(a->text + size - p));
            if (!nl)
                break;
            *nl = '\0';
            p = nl + 1;
        }
    }
    a->argv[a->argc] = NULL;
    return 0;
}

static inline void fuzz_argv_free(fuzz_argv *a)
{
    free(a->text);
}

#endif
