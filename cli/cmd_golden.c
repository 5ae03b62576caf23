/*
 * descent golden — replays oracle files through descent_golden_check (the
 * library's one replay, src/golden_replay.c, with FORMAT.md's tolerances)
 * and sums up: PASS, FAIL or ERROR per file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: descent golden [--isa NAME] [--threads N] FILE...\n"
            "\n"
            "Replays oracle files (format: ../shared/golden/FORMAT.md) with the chosen\n"
            "variant and prints PASS, FAIL, SKIP or ERROR per file, then a summary.\n"
            "Exit status: 0 if no file failed, 1 if a file FAILed (a value outside the\n"
            "tolerance), 2 if a file could not be read or is malformed (ERROR: the run is\n"
            "not a valid check, so 2 wins over 1), or on bad usage.\n"
            "\n"
            "  --isa NAME     scalar, avx2, avx512, neon, sve or best (default: best, or $DESCENT_ISA)\n"
            "  --threads N    OpenMP threads (default: OMP_NUM_THREADS or all cores)\n");
}

int cmd_golden(int argc, char **argv)
{
    struct {
        descent_isa isa;
        int threads;
    } opt = {.isa = DESCENT_ISA_BEST, .threads = 0};
    const char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            free(files);
            return 0;
        } else if (cli_is_flag(arg, "--isa")) {
            const char *v = cli_flag_value(argc, argv, &i, "--isa");
            descent_isa requested;
            if (!v || descent_isa_from_name(v, &requested) != DESCENT_OK ||
                descent_isa_resolve(requested, &opt.isa) != DESCENT_OK) {
                if (v)
                    cli_error("--isa: %s", descent_last_error());
                free(files);
                return EXIT_USAGE;
            }
        } else if (cli_is_flag(arg, "--threads")) {
            const char *v = cli_flag_value(argc, argv, &i, "--threads");
            long threads;
            if (!v || !cli_parse_int("--threads", v, 1, 1024, &threads)) {
                free(files);
                return EXIT_USAGE;
            }
            opt.threads = (int)threads;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            cli_error("golden: unknown option '%s'", arg);
            usage(stderr);
            free(files);
            return EXIT_USAGE;
        } else {
            files[nfiles++] = arg;
        }
    }
    if (nfiles == 0) {
        cli_error("golden: no files given");
        usage(stderr);
        free(files);
        return EXIT_USAGE;
    }
    if (opt.isa == DESCENT_ISA_BEST && descent_isa_resolve(DESCENT_ISA_BEST, &opt.isa)) {
        cli_error("%s", descent_last_error());
        free(files);
        return EXIT_USAGE;
    }

    printf("isa %s, threads %d; tolerance: %s\n", descent_isa_name(opt.isa), opt.threads,
           descent_golden_tolerances());
    int counts[DESCENT_GOLDEN_VERDICT_COUNT] = {0};
    for (int f = 0; f < nfiles; f++)
        counts[descent_golden_check(files[f], opt.isa, opt.threads, stdout)]++;
    /* A file that cannot be read counts as failed: it proves nothing.  It is
     * a data error (status 2), not a numerical failure (1), and takes
     * precedence: a run over a broken file is not a valid check. */
    printf("golden: %d passed, %d failed, %d skipped\n", counts[DESCENT_GOLDEN_PASS],
           counts[DESCENT_GOLDEN_FAIL] + counts[DESCENT_GOLDEN_ERROR], 0);
    free(files);
    if (counts[DESCENT_GOLDEN_ERROR])
        return EXIT_USAGE;
    return counts[DESCENT_GOLDEN_FAIL] ? 1 : 0;
}
