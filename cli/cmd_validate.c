/*
 * descent validate — checks an optimizer port (a function in a shared
 * library with the signature of the optimizer's reference, descent.h)
 * against the reference with descent_validate, or descent's own kernel of
 * one ISA (--isa) through the same tester; or a GEMM of cblas_sgemm's
 * signature (--gemm) with descent_validate_gemm.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: descent validate --optimizer NAME (LIB.so:SYMBOL | --isa ISA)\n"
            "                        [--json FILE] [--golden-dir DIR[:DIR...]] [--case SPEC]\n"
            "       descent validate --gemm LIB.so:SYMBOL [--json FILE] [--golden-dir DIRS]\n"
            "                        [--case SPEC]\n"
            "\n"
            "Runs the port against descent's reference for every option branch, many sizes,\n"
            "misaligned starts, extreme and non-finite gradients and the oracle files, each\n"
            "case in a child process with guard pages around the arrays; prints PASS/FAIL per\n"
            "check with the worst error and the command that reruns a failing case.\n"
            "Exit status: 0 all checks pass, 1 a check failed, 2 usage error.\n"
            "\n"
            "  --optimizer NAME ");
    /* the registry's names, in its order, wrapped at 80 columns */
    for (int k = 0, column = 18; k < DESCENT_OPTIM_COUNT; k++) {
        const char *name = descent_optim_name((descent_optim_kind)k);
        if (column + 2 + (int)strlen(name) > 80)
            column = fprintf(out, "\n                   ") - 1;
        column += fprintf(out, " %s%s", name, k + 1 < DESCENT_OPTIM_COUNT ? "," : "\n");
    }
    fprintf(out,
            "  LIB.so:SYMBOL     the port: a function with the reference's signature\n"
            "  --isa ISA         validate descent's own kernel of ISA instead\n"
            "  --gemm LIB.so:SYMBOL  a row-major sgemm with cblas_sgemm's signature, against\n"
            "                    a double-precision product (transposes, alpha, beta, padded\n"
            "                    strides, edge sizes, the MLP's products, MLP oracle files\n"
            "                    and gradients with the port doing every product)\n"
            "  --json FILE       write the full report as JSON\n"
            "  --golden-dir DIRS oracle-file folders (default: $GOLDEN_DIR/optim,\n"
            "                    $GOLDEN_DIR/optim-extra and tests/golden,\n"
            "                    --gemm: $GOLDEN_DIR/mlp, GOLDEN_DIR defaulting to\n"
            "                    ../shared/golden)\n"
            "  --case SPEC       run one case only, as printed after 'rerun:'\n");
}

typedef struct validate_args {
    const char *optimizer, *port, *isa, *gemm, *json, *golden, *only_case;
} validate_args;

static int parse(int argc, char **argv, validate_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = cli_is_flag(arg, "--optimizer")    ? &a->optimizer
                            : cli_is_flag(arg, "--isa")        ? &a->isa
                            : cli_is_flag(arg, "--gemm")       ? &a->gemm
                            : cli_is_flag(arg, "--json")       ? &a->json
                            : cli_is_flag(arg, "--golden-dir") ? &a->golden
                            : cli_is_flag(arg, "--case")       ? &a->only_case
                                                               : NULL;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 1;
        } else if (slot) {
            const char *flag = arg;
            char name[16];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(flag, "="), flag);
            if (!(*slot = cli_flag_value(argc, argv, &i, name)))
                return -1;
        } else if (arg[0] == '-' && arg[1]) {
            cli_error("validate: unknown option '%s'", arg);
            return -1;
        } else if (a->port) {
            cli_error("validate: one port only ('%s' and '%s')", a->port, arg);
            return -1;
        } else {
            a->port = arg;
        }
    }
    if (a->gemm && (a->optimizer || a->port || a->isa))
        return cli_error("validate: --gemm LIB.so:SYMBOL takes no --optimizer, --isa or "
                         "other port"), -1;
    if (a->gemm)
        return 0;
    if (!a->optimizer)
        return cli_error("validate: --optimizer NAME is required"), -1;
    if (!a->port == !a->isa)
        return cli_error("validate: give either LIB.so:SYMBOL or --isa ISA"), -1;
    return 0;
}

/* dlopen + dlsym of "LIB.so:SYMBOL"; NULL after a message. */
static descent_ref_fn load_port(const char *spec, void **handle)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        cli_error("validate: '%s' is not LIB.so:SYMBOL", spec);
        return NULL;
    }
    char *lib = strndup(spec, (size_t)(colon - spec));
    if (!lib)
        return NULL;
    /* a bare file name would make dlopen search the library path */
    char *path = strchr(lib, '/') ? lib : malloc(strlen(lib) + 3);
    if (path && path != lib)
        sprintf(path, "./%s", lib);
    *handle = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!*handle) {
        cli_error("validate: cannot load %s: %s", lib, dlerror());
        if (path != lib)
            free(path);
        free(lib);
        return NULL;
    }
    if (path != lib)
        free(path);
    free(lib);
    dlerror();
    void *sym = dlsym(*handle, colon + 1);
    if (!sym) {
        cli_error("validate: %s has no symbol '%s'", spec, colon + 1);
        dlclose(*handle);
        *handle = NULL;
        return NULL;
    }
    descent_ref_fn fn;
    memcpy(&fn, &sym, sizeof fn); /* object pointer to function pointer, as POSIX allows */
    return fn;
}

/* Runs the validator on opt (kind < 0: the GEMM port gemm) and writes the
 * JSON file; the exit status. */
static int run_validator(const validate_args *a, int kind, descent_ref_fn fn,
                         descent_sgemm_fn gemm, descent_validate_options opt)
{
    descent_outfile *json = NULL;
    if (a->json && descent_outfile_open(a->json, &json) != DESCENT_OK) {
        cli_error("validate: --json: %s", descent_last_error());
        return EXIT_USAGE;
    }
    opt.report = stdout;
    opt.json = json ? descent_outfile_stream(json) : NULL;
    const int failed = kind < 0 ? descent_validate_gemm(gemm, &opt)
                                : descent_validate((descent_optim_kind)kind, fn, &opt);
    int status = failed < 0 ? EXIT_USAGE : failed > 0 ? 1 : 0;
    if (failed < 0)
        cli_error("validate: %s", descent_last_error());
    if (json) {
        if (failed < 0)
            descent_outfile_discard(json);
        else if (descent_outfile_commit(json) != DESCENT_OK) {
            cli_error("validate: --json: %s", descent_last_error());
            status = EXIT_USAGE;
        }
    }
    return status;
}

/* The golden folders: --golden-dir, or $GOLDEN_DIR/<sub> for each of the
 * ':'-separated subs (GOLDEN_DIR defaulting to ../shared/golden), then
 * `local` (a folder of the project's own files) when not NULL. */
static const char *golden_dirs(const validate_args *a, const char *subs, const char *local,
                               char *buf, size_t len)
{
    if (a->golden)
        return a->golden;
    const char *env = getenv("GOLDEN_DIR");
    const char *root = env && *env ? env : "../shared/golden";
    size_t used = 0;
    buf[0] = '\0';
    for (const char *sub = subs; *sub;) {
        const size_t sublen = strcspn(sub, ":");
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s/%.*s",
                                 used ? ":" : "", root, (int)sublen, sub);
        sub += sublen + (sub[sublen] == ':');
    }
    if (local)
        snprintf(buf + used, used < len ? len - used : 0, ":%s", local);
    return buf;
}

static int validate_gemm(const validate_args *a)
{
    void *handle = NULL;
    const descent_ref_fn fn = load_port(a->gemm, &handle);
    if (!fn)
        return EXIT_USAGE;
    char golden[4096];
    const descent_validate_options opt = {.golden_dirs = golden_dirs(a, "mlp", NULL, golden,
                                                                     sizeof golden),
                                          .only_case = a->only_case, .port_name = a->gemm};
    const int status = run_validator(a, -1, NULL, (descent_sgemm_fn)fn, opt);
    dlclose(handle);
    return status;
}

int cmd_validate(int argc, char **argv)
{
    validate_args a = {0};
    const int parsed = parse(argc, argv, &a);
    if (parsed != 0)
        return parsed > 0 ? 0 : (usage(stderr), EXIT_USAGE);
    if (a.gemm)
        return validate_gemm(&a);
    descent_optim_kind kind;
    if (descent_optim_from_name(a.optimizer, &kind) != DESCENT_OK) {
        cli_error("validate: %s", descent_last_error());
        return EXIT_USAGE;
    }
    void *handle = NULL;
    descent_ref_fn fn = NULL;
    char label[64];
    if (a.isa) {
        descent_isa isa;
        if (descent_isa_from_name(a.isa, &isa) != DESCENT_OK ||
            descent_isa_resolve(isa, &isa) != DESCENT_OK ||
            !(fn = descent_isa_port(kind, isa))) {
            cli_error("validate: --isa: %s", descent_last_error());
            return EXIT_USAGE;
        }
        snprintf(label, sizeof label, "--isa %s", descent_isa_name(isa));
    } else if (!(fn = load_port(a.port, &handle))) {
        return EXIT_USAGE;
    }
    char golden[4096];
    const descent_validate_options opt = {.golden_dirs = golden_dirs(&a, "optim:optim-extra",
                                                                     "tests/golden", golden,
                                                                     sizeof golden),
                                          .only_case = a.only_case,
                                          .port_name = a.isa ? label : a.port};
    const int status = run_validator(&a, (int)kind, fn, NULL, opt);
    if (handle)
        dlclose(handle);
    return status;
}
