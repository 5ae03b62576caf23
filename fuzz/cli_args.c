/* libFuzzer target: the command-line handling of `descent` (cli/main.c and
 * the subcommands' flag parsing).  The input is split at newlines into
 * argv[1..].  To parse without doing work:
 *  - the process runs in an empty temporary directory and '/' in an
 *    argument becomes '_', so every file named is missing (golden then only
 *    reports that it cannot open it);
 *  - `train` goes to cmd_train_check(), which parses and checks the options
 *    like `descent train` but trains nothing.
 * Every run must end with a status of 0, 1 or 2. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "fuzz_argv.h"

int descent_cli_main(int argc, char **argv); /* cli/main.c's main, renamed */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char dir[] = "/tmp/descent-fuzz-cli.XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        perror("cli_args: cannot make an empty working directory");
        exit(1);
    }
    /* Now that we are inside, the directory can go: nothing is written. */
    rmdir(dir);
    /* The subcommands print to stdout; libFuzzer reports on stderr. */
    if (!freopen("/dev/null", "w", stdout))
        exit(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_argv a;
    if (fuzz_argv_make(&a, "descent", data, size) != 0)
        return 0;
    for (size_t i = 0; i < size; i++) /* so that every file named is missing */
        if (a.text[i] == '/')
            a.text[i] = '_';
    int rc;
    if (a.argc >= 2 && strcmp(a.argv[1], "train") == 0)
        rc = cmd_train_check(a.argc - 1, a.argv + 1);
    else
        rc = descent_cli_main(a.argc, a.argv);
    if (rc < 0 || rc > 2)
        __builtin_trap();
    fuzz_argv_free(&a);
    return 0;
}
