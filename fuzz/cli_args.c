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

#define MAX_ARGS 32

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
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < size; i++)
        if (text[i] == '/')
            text[i] = '_';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "descent";
    if (size > 0) {
        for (char *p = text; argc <= MAX_ARGS;) {
            argv[argc++] = p;
            char *nl = memchr(p, '\n', (size_t)(text + size - p));
            if (!nl)
                break;
            *nl = '\0';
            p = nl + 1;
        }
    }
    argv[argc] = NULL;
    int rc;
    if (argc >= 2 && strcmp(argv[1], "train") == 0)
        rc = cmd_train_check(argc - 1, argv + 1);
    else
        rc = descent_cli_main(argc, argv);
    if (rc < 0 || rc > 2)
        __builtin_trap();
    free(text);
    return 0;
}
