/* Shared pieces of the `descent` command-line tool. */
#ifndef DESCENT_CLI_H
#define DESCENT_CLI_H

#include <stdio.h>

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

/* Table-driven flags: a value of one of these types into *field (long,
 * double, int 0/1, const char *, unsigned long long); POSITIVE is > 0,
 * FRACTION in (0, 1], BOOL takes [=0|1|true|false] (text NULL: 1), SWITCH
 * no value, TEXT a non-empty name.  0 after printing the error. */
typedef enum {
    CLI_LONG, CLI_DOUBLE, CLI_POSITIVE, CLI_FRACTION, CLI_BOOL, CLI_SWITCH, CLI_TEXT, CLI_SEED,
    CLI_VALUE_TYPES
} cli_value_type;
int cli_parse_value(const char *flag, cli_value_type type, const char *text, long lo, long hi,
                    void *field);

/* The schedule flags (cli/schedule_flags.c): --schedule NAME (torch's
 * names, or step, exponential, cosine: step_lr with a step size of a third
 * of the epochs, exponential_lr with gamma 0.9, cosine_annealing_lr) and
 * its arguments, torch's keys as flags (--T_max X); the last of a key
 * wins.  select: 0 after the error for an unknown name; key_of: the key an
 * argument "--KEY[=X]" names, or NULL; add: flag NULL reads "--KEY";
 * check: every argument given belongs to the schedule; args: the
 * "key=value ..." text for descent_schedule_create. */
#define CLI_SCHEDULE_KEYS 32
typedef struct cli_schedule {
    const char *name, *torch; /* as given; the torch schedule it is */
    int n_keys;
    const char *key[CLI_SCHEDULE_KEYS], *flag[CLI_SCHEDULE_KEYS], *value[CLI_SCHEDULE_KEYS];
    char flag_names[CLI_SCHEDULE_KEYS][48];
    char args[1024];
} cli_schedule;
int cli_schedule_select(cli_schedule *s, const char *flag, const char *name);
const char *cli_schedule_key_of(const char *arg);
int cli_schedule_add(cli_schedule *s, const char *flag, const char *key, const char *value);
int cli_schedule_check(const cli_schedule *s);
const char *cli_schedule_args(cli_schedule *s, long planned_epochs);
void cli_print_schedules(FILE *out);

/* The registry's hyperparameter flags (cli/hparam_flags.c): the flag of a
 * key ("--weight-decay"), the key an argument names (-1 for none), its
 * value (a boolean's [=0|1]; *i moves past a separate value), and the
 * help's lines for every optimizer. */
const char *cli_hparam_flag(descent_hparam_key key);
int cli_hparam_of(const char *arg);
int cli_parse_hparam(int argc, char **argv, int *i, int hp, double *value);
void cli_print_hparam_flags(FILE *out);

/* `descent train`'s gradient and model flags (cli/grad_flags.c): clipping,
 * noise, --no-bias-decay, --init.  extra_of: the flag's index for
 * argv's argument, or -1; parse: its value (*i moves past a separate one);
 * check: refining flags have their base, model flags a model; apply:
 * onto the loop's config (init goes to the problem's spec). */
typedef struct cli_train_extras {
    double clip_grad_norm, clip_norm_type, clip_grad_value, grad_noise, grad_noise_gamma;
    int clip_error_if_nonfinite, no_bias_decay;
    descent_init init;
    descent_dtype param_dtype, state_dtype;
    int stochastic_rounding; /* --stochastic-rounding: bf16 parameters only */
    unsigned given; /* a bit per flag */
} cli_train_extras;
void cli_train_extras_default(cli_train_extras *x);
int cli_train_extra_of(const char *arg);
int cli_parse_train_extra(int argc, char **argv, int *i, int k, cli_train_extras *x);
int cli_train_extras_check(const cli_train_extras *x, int has_model, const char *problem);
void cli_train_extras_apply(const cli_train_extras *x, descent_train_config *c);
void cli_print_train_extras(FILE *out);
/* "fp32", or "params bf16 (stochastic rounding), state fp32": the log's. */
void cli_describe_precision(const cli_train_extras *x, char *text, size_t size);
/* --optimizer lbfgs and its flags (cli/lbfgs_flags.c): flag_of/parse as
 * above; check: the L-BFGS flags only with lbfgs, and lbfgs only with the
 * full batch, none of the gradient flags but --init and none of the others
 * (others_given: --on-nonfinite, --save-state, --resume). */
typedef struct cli_lbfgs {
    int on;
    descent_lbfgs_options options;
    unsigned given; /* a bit per flag */
} cli_lbfgs;
void cli_lbfgs_default(cli_lbfgs *l);
int cli_lbfgs_flag_of(const char *arg);
int cli_parse_lbfgs_flag(int argc, char **argv, int *i, int k, cli_lbfgs *l);
int cli_lbfgs_check(cli_lbfgs *l, long batch, const cli_train_extras *x, int others_given);
void cli_print_lbfgs_flags(FILE *out);
/* The help's stopping and run sections, and "N threads" or "auto threads
 * (1 or N)" for --threads (0: auto) (cli/train_help.c). */
void cli_print_train_run_help(FILE *out);
void cli_describe_threads(long threads, char *text, size_t size);

/* `descent train` under mpirun (cli/dist.c).  cli_dist_launch reads the
 * launcher's environment (no MPI call): the rank and size, and ranks other
 * than 0 print nothing (every rank does the same work; rank 0 speaks).
 * cli_dist_start starts MPI and the collectives when size > 1; a build
 * without MPI refuses there (0 after the message) rather than running
 * `size` independent copies.  cli_dist_max: the ranks' largest value. */
typedef struct cli_dist {
    int rank, size;                 /* 0 and 1 outside mpirun */
    const descent_train_comm *comm; /* NULL for one process */
    void *mpi;                      /* the descent_mpi */
    int mpi_started;
} cli_dist;
void cli_dist_launch(cli_dist *d);
int cli_dist_start(cli_dist *d);
void cli_dist_finish(cli_dist *d);
double cli_dist_max(const cli_dist *d, double value);
/* The payload this rank sent (0 for one process). */
double cli_dist_bytes_sent(const cli_dist *d);

#endif
