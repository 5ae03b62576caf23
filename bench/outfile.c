/*
 * The --benchmark_out file, written atomically: the report goes to
 * FILE.tmp.PID, which is renamed over FILE once complete, so FILE is
 * always either the previous complete report or the new one.  The
 * temporary is removed if the run is killed by a signal or calls exit().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_internal.h"

static volatile sig_atomic_t temp_armed;
static char *temp_path;
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
                                    SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define NFATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction saved_actions[NFATAL];
static int handled[NFATAL];

static void remove_temp_output(void)
{
    if (temp_armed) {
        temp_armed = 0;
        unlink(temp_path);
    }
}

/* unlink and raise are async-signal-safe; SA_RESETHAND restored the
 * default action, which the re-raised signal takes once we return. */
static void on_fatal_signal(int sig)
{
    remove_temp_output();
    raise(sig);
}

static void arm_temp_cleanup(void)
{
    static int atexit_done;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    if (!atexit_done)
        atexit_done = atexit(remove_temp_output) == 0;
    temp_armed = 1;
    /* A signal our parent told us to ignore (nohup, a shell's background
     * job) stays ignored: catching it would make us killable by it. */
    for (size_t i = 0; i < NFATAL; i++) {
        handled[i] = sigaction(fatal_signals[i], NULL, &saved_actions[i]) == 0 &&
                     saved_actions[i].sa_handler != SIG_IGN &&
                     sigaction(fatal_signals[i], &sa, NULL) == 0;
    }
}

/* Handlers first: once temp_armed is 0 nothing reads temp_path. */
static void disarm_temp_cleanup(void)
{
    for (size_t i = 0; i < NFATAL; i++)
        if (handled[i])
            sigaction(fatal_signals[i], &saved_actions[i], NULL);
    temp_armed = 0;
    free(temp_path);
    temp_path = NULL;
}

FILE *bench_output_open(const char *path, const char *prog)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: --benchmark_out: cannot write '%s': Is a directory\n", prog, path);
        return NULL;
    }
    size_t size = strlen(path) + 32;
    temp_path = malloc(size);
    if (temp_path != NULL)
        snprintf(temp_path, size, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = temp_path != NULL ? fopen(temp_path, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "%s: --benchmark_out: cannot write '%s': %s\n", prog, path,
                temp_path != NULL ? strerror(errno) : "out of memory");
        free(temp_path);
        temp_path = NULL;
        return NULL;
    }
    arm_temp_cleanup();
    return f;
}

int bench_output_commit(FILE *f, const char *path, const char *prog)
{
    int failed = ferror(f) != 0;
    failed |= fflush(f) != 0;
    failed |= fsync(fileno(f)) != 0 && errno != EINVAL;
    failed |= fclose(f) != 0;
    int rc = 0;
    if (failed) {
        fprintf(stderr, "%s: --benchmark_out: error writing '%s': %s\n", prog, temp_path,
                strerror(errno));
        rc = 1;
    } else if (rename(temp_path, path) != 0) {
        fprintf(stderr, "%s: --benchmark_out: cannot rename '%s' to '%s': %s\n", prog,
                temp_path, path, strerror(errno));
        rc = 1;
    }
    if (rc != 0)
        unlink(temp_path);
    disarm_temp_cleanup();
    return rc;
}


void bench_output_discard(FILE *f)
{
    fclose(f);
    remove_temp_output();
    disarm_temp_cleanup();
}
