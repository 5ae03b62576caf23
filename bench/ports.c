/*
 * descent-bench's --port and --gemm arguments: someone else's optimizer
 * step or GEMM, loaded from a shared library, timed beside descent's own
 * rows (bench_main.c's BM_step, bench_mlp.c's BM_mlp).
 *
 *   --port NAME=LIB.so:SYMBOL   SYMBOL has the signature of the reference of
 *       the BM_step configuration NAME (an optimizer of the registry, adam,
 *       sgd, ..., or one of its benchmark configurations, sgd_momentum,
 *       nesterov, run with that configuration's hyperparameters):
 *       descent_ref_<optimizer> of include/descent.h, called through
 *       descent_call_reference_signature.
 *   --gemm LIB.so:SYMBOL        SYMBOL has cblas_sgemm's signature
 *       (descent_sgemm_fn), given to the MLP by descent_mlp_set_sgemm.
 *
 * Both repeatable, also as --port=... and --gemm=...; LIB is passed to
 * dlopen as written (a name without '/' is looked up on the library path),
 * SYMBOL is what follows the last ':'.  They are taken out of argv before
 * the harness reads its flags; any bad one (no '=', no ':', an unknown
 * NAME, a library that does not load, a missing symbol) is one message and
 * exit status 2 before any benchmark runs, as is a repeat of the rows of
 * an earlier one (the same NAME and SYMBOL; for --gemm, the same SYMBOL).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MAX_PORTS BENCH_MAX_PORTS

static bench_step_port step_ports[MAX_PORTS];
static int n_step_ports;
static bench_gemm_port gemm_ports[MAX_PORTS];
static int n_gemm_ports;
static char *variants[2][MAX_PORTS]; /* of step_ports, gemm_ports */
static void *handles[2 * MAX_PORTS];
static int n_handles;

static int fail(const char *flag, const char *value, const char *why, const char *detail)
{
    fprintf(stderr, "descent-bench: %s %s: %s%s%s\n", flag, value, why, detail ? ": " : "",
            detail ? detail : "");
    return 2;
}

/* "LIB:SYMBOL" -> the symbol's address (as a void pointer; the caller
 * copies it into a function pointer, as POSIX's dlsym allows). */
static int load_symbol(const char *flag, const char *value, const char *lib_symbol,
                       const char *row_prefix, void **address, char **variant)
{
    const char *colon = strrchr(lib_symbol, ':');
    if (colon == NULL || colon == lib_symbol || colon[1] == '\0')
        return fail(flag, value, "expected LIB.so:SYMBOL", NULL);
    char *lib = strndup(lib_symbol, (size_t)(colon - lib_symbol));
    if (lib == NULL)
        return fail(flag, value, "out of memory", NULL);
    if (n_handles == 2 * MAX_PORTS) {
        free(lib);
        return fail(flag, value, "too many ports", NULL);
    }
    void *handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    free(lib);
    if (handle == NULL)
        return fail(flag, value, "cannot load the library", dlerror());
    handles[n_handles++] = handle;
    dlerror();
    *address = dlsym(handle, colon + 1);
    if (*address == NULL)
        return fail(flag, value, "no such symbol in the library", colon + 1);
    if ((*variant = malloc(strlen(row_prefix) + strlen(colon + 1) + 1)) == NULL)
        return fail(flag, value, "out of memory", NULL);
    strcat(strcpy(*variant, row_prefix), colon + 1);
    return 0;
}

static int add_step_port(const char *value)
{
    const char *eq = strchr(value, '=');
    if (eq == NULL || eq == value)
        return fail("--port", value, "expected NAME=LIB.so:SYMBOL", NULL);
    bench_optim_config configs[BENCH_MAX_CONFIGS];
    const int count = bench_optim_configs(configs);
    int config = 0;
    while (config < count && (strlen(configs[config].name) != (size_t)(eq - value) ||
                              strncmp(configs[config].name, value, (size_t)(eq - value)) != 0))
        config++;
    if (config == count) {
        char names[512] = "";
        for (int i = 0; i < count; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? " " : "",
                     configs[i].name);
        fprintf(stderr, "descent-bench: --port %s: unknown optimizer '%.*s' (one of: %s)\n",
                value, (int)(eq - value), value, names);
        return 2;
    }
    if (n_step_ports == MAX_PORTS)
        return fail("--port", value, "too many ports", NULL);
    bench_step_port *p = &step_ports[n_step_ports];
    void *address;
    const int status =
        load_symbol("--port", value, eq + 1, "port:", &address, &variants[0][n_step_ports]);
    if (status != 0)
        return status;
    p->config = config;
    p->variant = variants[0][n_step_ports];
    for (int i = 0; i < n_step_ports; i++)
        if (step_ports[i].config == config && strcmp(step_ports[i].variant, p->variant) == 0)
            return fail("--port", value, "an earlier --port has this NAME and SYMBOL", NULL);
    memcpy(&p->fn, &address, sizeof p->fn);
    n_step_ports++;
    return 0;
}

static int add_gemm_port(const char *value)
{
    if (n_gemm_ports == MAX_PORTS)
        return fail("--gemm", value, "too many ports", NULL);
    bench_gemm_port *p = &gemm_ports[n_gemm_ports];
    void *address;
    const int status =
        load_symbol("--gemm", value, value, "gemm:", &address, &variants[1][n_gemm_ports]);
    if (status != 0)
        return status;
    p->variant = variants[1][n_gemm_ports];
    for (int i = 0; i < n_gemm_ports; i++)
        if (strcmp(gemm_ports[i].variant, p->variant) == 0)
            return fail("--gemm", value, "an earlier --gemm has this SYMBOL", NULL);
    memcpy(&p->fn, &address, sizeof p->fn);
    n_gemm_ports++;
    return 0;
}

/* argv[*i] is `flag` alone (its value next) or "flag=value": the value,
 * advancing *i past what was used; NULL when it is not this flag. */
static const char *flag_value(const char *flag, int argc, char **argv, int *i, int *missing)
{
    const size_t len = strlen(flag);
    if (strncmp(argv[*i], flag, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[(*i)++] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) { /* a flag is no value */
        *missing = 1;
        return NULL;
    }
    *i += 2;
    return argv[*i - 1];
}

int bench_take_port_args(int *argc, char **argv)
{
    int kept = 1, i = 1;
    while (i < *argc) {
        if (strcmp(argv[i], "--") == 0) /* the rest is not ours */
            break;
        int missing = 0, status = 0;
        const char *value;
        if ((value = flag_value("--port", *argc, argv, &i, &missing)) != NULL)
            status = add_step_port(value);
        else if ((value = flag_value("--gemm", *argc, argv, &i, &missing)) != NULL)
            status = add_gemm_port(value);
        else if (missing) {
            fprintf(stderr, "descent-bench: %s needs a value (%s)\n", argv[i],
                    strcmp(argv[i], "--port") == 0 ? "NAME=LIB.so:SYMBOL" : "LIB.so:SYMBOL");
            return 2;
        } else
            argv[kept++] = argv[i++];
        if (status != 0)
            return status;
    }
    while (i < *argc)
        argv[kept++] = argv[i++];
    argv[kept] = NULL;
    *argc = kept;
    return 0;
}

int bench_step_port_count(void)
{
    return n_step_ports;
}

const bench_step_port *bench_step_port_at(int i)
{
    return &step_ports[i];
}

int bench_gemm_port_count(void)
{
    return n_gemm_ports;
}

const bench_gemm_port *bench_gemm_port_at(int i)
{
    return &gemm_ports[i];
}

void bench_close_ports(void)
{
    while (n_handles > 0)
        dlclose(handles[--n_handles]);
    for (int kind = 0; kind < 2; kind++)
        for (int i = 0; i < MAX_PORTS; i++) {
            free(variants[kind][i]);
            variants[kind][i] = NULL;
        }
    n_step_ports = n_gemm_ports = 0;
}
