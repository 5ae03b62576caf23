/*
 * The one output-file writer of the project (descent.h, "Output files").
 *
 * A regular file, or a path that does not exist yet, is written through a
 * temporary made by mkstemp in the same directory (rename only replaces
 * atomically within one file system, and a unique name keeps two runs that
 * write the same path from sharing one temporary).  Anything else (a
 * character device such as /dev/null or /dev/full, a FIFO, /dev/stdout
 * pointing at a pipe or terminal) is written directly: renaming a regular
 * file over it would destroy the device node, or replace the file a shell
 * redirected stdout to.
 *
 * Live temporaries are kept in a small table that a handler for the
 * terminating signals and an atexit hook unlink, so neither a SIGINT nor
 * an exit() on a later error leaves a partial file behind.
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct descent_outfile {
    FILE *stream; /* over fd, through the functions below */
    int fd;
    int write_errno; /* of the first failed write: ENOSPC, EFBIG, EIO, ... */
    char *path;      /* where the result goes */
    int slot;        /* index in live_temps, or -1 when written directly */
};

/* The stream writes through these so that the first write error's errno
 * is kept: a caller's own fflush (the bench reporters flush as they go)
 * would otherwise leave only ferror's "something failed" for commit. */
static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    descent_outfile *f = cookie;
    size_t done = 0;
    while (done < size) {
        const ssize_t n = write(f->fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!f->write_errno)
                f->write_errno = n < 0 ? errno : EIO;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static int stream_close(void *cookie)
{
    descent_outfile *f = cookie;
    return close(f->fd);
}

/* Wraps f->fd (owned from here on) in f->stream; 0 on failure. */
static int attach_stream(descent_outfile *f, int fd)
{
    static const cookie_io_functions_t io = {.write = stream_write, .close = stream_close};
    f->fd = fd;
    f->stream = fopencookie(f, "w", io);
    if (!f->stream)
        close(fd);
    return f->stream != NULL;
}

/* ------------------------------------------------ temporaries to clean up */

#define MAX_LIVE_TEMPS 64
static char *live_temps[MAX_LIVE_TEMPS];
static volatile sig_atomic_t live_armed[MAX_LIVE_TEMPS];
static int live_count;

/* The signals that end a process by default and that a user sends to stop
 * a run; SIGXFSZ is ignored instead (see arm_signals). */
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM,
                                    SIGUSR1, SIGUSR2, SIGABRT, SIGSEGV, SIGBUS, SIGFPE};
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction saved_fatal[N_FATAL], saved_xfsz;
static int installed_fatal[N_FATAL], installed_xfsz;

static void unlink_live_temps(void)
{
    for (int i = 0; i < MAX_LIVE_TEMPS; i++) {
        if (live_armed[i]) {
            live_armed[i] = 0;
            unlink(live_temps[i]); /* async-signal-safe */
        }
    }
}

/* Removes the temporaries, puts the previous action back and re-raises:
 * the signal is blocked while this runs and is delivered to that action
 * (the default: termination) once the handler returns. */
static void on_fatal_signal(int sig)
{
    unlink_live_temps();
    for (size_t i = 0; i < N_FATAL; i++)
        if (fatal_signals[i] == sig && installed_fatal[i])
            sigaction(sig, &saved_fatal[i], NULL);
    raise(sig);
}

/* A signal the parent set to be ignored (nohup, a background job) stays
 * ignored: catching it would make the run killable by it.  SIGXFSZ (a
 * file-size limit) is ignored while a file is open, so the write fails
 * with EFBIG and is reported as an error, instead of killing the run. */
static void arm_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_FATAL; i++)
        installed_fatal[i] = sigaction(fatal_signals[i], NULL, &saved_fatal[i]) == 0 &&
                             saved_fatal[i].sa_handler != SIG_IGN &&
                             sigaction(fatal_signals[i], &sa, NULL) == 0;
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    installed_xfsz = sigaction(SIGXFSZ, &ignore, &saved_xfsz) == 0;
}

static void disarm_signals(void)
{
    for (size_t i = 0; i < N_FATAL; i++)
        if (installed_fatal[i])
            sigaction(fatal_signals[i], &saved_fatal[i], NULL);
    if (installed_xfsz)
        sigaction(SIGXFSZ, &saved_xfsz, NULL);
    memset(installed_fatal, 0, sizeof installed_fatal);
    installed_xfsz = 0;
}

/* Takes ownership of `temp`; returns its slot, or -1 if the table is full. */
static int track_temp(char *temp)
{
    static int atexit_done;
    if (!atexit_done)
        atexit_done = atexit(unlink_live_temps) == 0;
    for (int i = 0; i < MAX_LIVE_TEMPS; i++) {
        if (!live_armed[i] && !live_temps[i]) {
            live_temps[i] = temp;
            live_armed[i] = 1;
            if (live_count++ == 0)
                arm_signals();
            return i;
        }
    }
    return -1;
}

/* Disarm first: once live_armed is 0 no handler reads the path. */
static void untrack_temp(int slot)
{
    live_armed[slot] = 0;
    free(live_temps[slot]);
    live_temps[slot] = NULL;
    if (--live_count == 0)
        disarm_signals();
}

/* ------------------------------------------------------------ the writer */

/* The descriptor a path names when it, or a symbolic link on its way, is
 * /dev/fd/N or /proc/self/fd/N (/dev/stdout is a link to /proc/self/fd/1;
 * also /proc/thread-self/fd/N and /proc/<our pid>/fd/N);
 * -1 otherwise.  Such a path is written through dup(N): opening it anew
 * would truncate a regular file that stdout was redirected to and write
 * over what the program prints there, and resolving it to that file would
 * rename over it. */
static int named_descriptor(const char *path)
{
    char hop[PATH_MAX], link[PATH_MAX];
    snprintf(hop, sizeof hop, "%s", path);
    char own[48];
    snprintf(own, sizeof own, "/proc/%ld/fd/", (long)getpid());
    const char *const prefixes[] = {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", own};
    for (int depth = 0; depth < 16; depth++) {
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
            const size_t len = strlen(prefixes[i]);
            char *end;
            if (strncmp(hop, prefixes[i], len) == 0 && hop[len] >= '0' && hop[len] <= '9') {
                const long fd = strtol(hop + len, &end, 10);
                if (*end == '\0' && fd <= INT_MAX)
                    return (int)fd;
            }
        }
        const ssize_t got = readlink(hop, link, sizeof link - 1);
        if (got < 0)
            return -1;
        link[got] = '\0';
        if (link[0] == '/') {
            snprintf(hop, sizeof hop, "%s", link);
        } else { /* relative to the link's directory */
            char *slash = strrchr(hop, '/');
            if (slash)
                snprintf(slash + 1, sizeof hop - (size_t)(slash + 1 - hop), "%s", link);
            else
                snprintf(hop, sizeof hop, "%s", link);
        }
    }
    return -1;
}

/* Where the bytes for `path` go.  *direct = 1: write it directly (a
 * device, FIFO or socket); *direct = 0: through a temporary beside
 * *target, which is the path, or the regular file a symbolic link names
 * (so that the link survives). */
static descent_status choose_target(const char *path, int *direct, char **target)
{
    struct stat link_st, st;
    *direct = 0;
    *target = NULL;
    const int exists = lstat(path, &link_st) == 0;
    if (!exists && errno != ENOENT)
        return descent_fail(DESCENT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    const int is_link = exists && S_ISLNK(link_st.st_mode);
    /* a new path, or a dangling link: written as a new file there */
    if (!exists || (is_link && stat(path, &st) != 0)) {
        if (!(*target = strdup(path)))
            return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", path);
        return DESCENT_OK;
    }
    if (!is_link)
        st = link_st;
    if (S_ISDIR(st.st_mode))
        return descent_fail(DESCENT_ERR_IO, "cannot write %s: Is a directory", path);
    if (!S_ISREG(st.st_mode)) {
        *direct = 1;
        return DESCENT_OK;
    }
    *target = is_link ? realpath(path, NULL) : strdup(path);
    if (!*target)
        return descent_fail(DESCENT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return DESCENT_OK;
}

/* The mode a new file gets from open(..., 0666): 0666 less the umask. */
static mode_t new_file_mode(void)
{
    const mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static descent_status open_through_temp(descent_outfile *f, const char *target)
{
    const size_t len = strlen(target) + sizeof ".tmp.XXXXXX";
    char *temp = malloc(len);
    if (!temp)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", target);
    snprintf(temp, len, "%s.tmp.XXXXXX", target);
    const int fd = mkostemp(temp, O_CLOEXEC);
    if (fd < 0) {
        descent_status s = descent_fail(DESCENT_ERR_IO, "cannot write %s: %s", target,
                                        strerror(errno));
        free(temp);
        return s;
    }
    /* mkstemp makes the file 0600; the result keeps an existing file's
     * mode, and a new one gets what fopen would have given it. */
    struct stat st;
    fchmod(fd, stat(target, &st) == 0 ? (st.st_mode & 07777) : new_file_mode());
    f->slot = track_temp(temp);
    if (f->slot < 0) {
        close(fd);
        unlink(temp);
        free(temp);
        return descent_fail(DESCENT_ERR_IO, "cannot write %s: too many open output files",
                            target);
    }
    if (!attach_stream(f, fd)) {
        descent_status s = descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", target);
        unlink(temp);
        untrack_temp(f->slot);
        f->slot = -1;
        return s;
    }
    return DESCENT_OK;
}

descent_status descent_outfile_open(const char *path, descent_outfile **out)
{
    if (out)
        *out = NULL;
    if (!path || !out || !*path)
        return descent_fail(DESCENT_ERR_INVALID, "descent_outfile_open: %s",
                            !out ? "NULL result pointer" : "empty or NULL path");
    descent_outfile *f = calloc(1, sizeof *f);
    if (!f)
        return descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", path);
    f->slot = -1;
    int direct = 0;
    const int fd = named_descriptor(path);
    descent_status s = fd >= 0 ? DESCENT_OK : choose_target(path, &direct, &f->path);
    if (fd >= 0 || (s == DESCENT_OK && direct)) {
        free(f->path);
        f->path = strdup(path);
        const int out_fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3)
                                   : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (out_fd < 0) {
            s = descent_fail(DESCENT_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        } else if (!f->path) {
            close(out_fd);
            s = descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", path);
        } else if (!attach_stream(f, out_fd)) {
            s = descent_fail(DESCENT_ERR_NOMEM, "%s: out of memory", path);
        }
    } else if (s == DESCENT_OK) {
        s = open_through_temp(f, f->path);
    }
    if (s != DESCENT_OK) {
        free(f->path);
        free(f);
        return s;
    }
    *out = f;
    return DESCENT_OK;
}

FILE *descent_outfile_stream(const descent_outfile *f)
{
    return f ? f->stream : NULL;
}

static void outfile_free(descent_outfile *f)
{
    if (f->slot >= 0)
        untrack_temp(f->slot);
    free(f->path);
    free(f);
}

descent_status descent_outfile_commit(descent_outfile *f)
{
    if (!f)
        return descent_fail(DESCENT_ERR_INVALID, "descent_outfile_commit: NULL file");
    /* fflush: the last buffer; ferror: an earlier write failed (its errno
     * kept by stream_write: ENOSPC, EFBIG); fsync: a full disk that only
     * shows at write-back.
     * fsync fails with EINVAL on a pipe or terminal: nothing to sync. */
    int err = 0;
    if (fflush(f->stream) != 0 || ferror(f->stream))
        err = f->write_errno ? f->write_errno : EIO;
    if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS && !err)
        err = errno;
    if (fclose(f->stream) != 0 && !err)
        err = errno;
    const char *temp = f->slot >= 0 ? live_temps[f->slot] : NULL;
    if (!err && temp && rename(temp, f->path) != 0)
        err = errno;
    if (err && temp)
        unlink(temp);
    descent_status s = err ? descent_fail(DESCENT_ERR_IO, "error writing %s: %s", f->path,
                                          strerror(err))
                           : DESCENT_OK;
    outfile_free(f);
    return s;
}

void descent_outfile_discard(descent_outfile *f)
{
    if (!f)
        return;
    fclose(f->stream);
    if (f->slot >= 0)
        unlink(live_temps[f->slot]);
    outfile_free(f);
}

/* ------------------------------------------------------- standard output */

void descent_guard_std_fds(void)
{
    /* A descriptor the caller closed is re-opened read-only on /dev/null:
     * output to it still fails (EBADF), as it would have, but no file the
     * program opens later can take its number and receive that output. */
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        const int null = open("/dev/null", O_RDONLY);
        if (null >= 0 && null != fd) {
            dup2(null, fd);
            close(null);
        }
    }
}

int descent_close_stdout(const char *prog)
{
    if (!prog)
        prog = "descent";
    /* ferror: an earlier printf failed; fflush: the last buffer. */
    errno = 0;
    int failed = ferror(stdout) != 0;
    int err = errno;
    if (fflush(stdout) != 0) {
        failed = 1;
        err = errno;
    }
    if (!failed)
        return 0;
    /* Without errno the failed write happened in an earlier fflush. */
    fprintf(stderr, "%s: error writing standard output: %s\n", prog,
            err ? strerror(err) : "a write failed (a full disk, or a closed output)");
    return 1;
}
