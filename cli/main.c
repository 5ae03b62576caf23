/* descent — command-line entry point: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command commands[] = {
    {"info", "show the CPU, the compiled variants and the one chosen", cmd_info},
    {"golden", "replay oracle files (../shared/golden) and compare", cmd_golden},
    {"train", "train a model (linear regression, Fashion-MNIST MLP, 2-D test functions)",
     cmd_train},
    {"validate", "check an optimizer port (LIB.so:SYMBOL) against the reference", cmd_validate},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: descent [--help] [--version] COMMAND [ARGS]\n"
            "\n"
            "Reference and SIMD/OpenMP kernels for deep-learning optimizers.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Run 'descent COMMAND --help' for a command's options.\n"
            "Environment: DESCENT_ISA=scalar|avx2|avx512|neon|sve|best forces a variant;\n"
            "OMP_NUM_THREADS sets the default thread count.\n");
}

int main(int argc, char **argv)
{
    descent_guard_std_fds();
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return descent_close_stdout("descent") != 0 ? EXIT_USAGE : 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("descent %s\n", DESCENT_VERSION_STRING);
        return descent_close_stdout("descent") != 0 ? EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (!strcmp(cmd, commands[i].name)) {
            const int status = commands[i].run(argc - 1, argv + 1);
            /* Output that never arrived (stdout closed or on a full disk)
             * is a failed run, not a silent success. */
            return descent_close_stdout("descent") != 0 ? EXIT_USAGE : status;
        }
    }
    if (cmd[0] == '-')
        cli_error("unknown option '%s'", cmd);
    else
        cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
