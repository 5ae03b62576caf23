/* `descent train` across processes: under mpirun (Open MPI's environment,
 * or a PMI launcher's) with MPI built in, MPI and the fixed-order
 * collectives of include/descent_mpi.h; without MPI, a refusal.
 * DESCENT_CLI_MPI is set by the Makefile for this file when configure found
 * MPI (not in config.h: the cross and fuzz builds of the CLI have none). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

#ifndef DESCENT_CLI_MPI
#define DESCENT_CLI_MPI 0
#endif
#if DESCENT_CLI_MPI
#include "descent_mpi.h"
#endif

/* The launcher's count and this process's place, from the environment
 * variable that the first launcher found sets; -1 when none does. */
static long launcher_env(const char *const *names)
{
    for (int k = 0; names[k]; k++) {
        const char *v = getenv(names[k]);
        char *end;
        if (v && *v) {
            const long n = strtol(v, &end, 10);
            return *end == '\0' && n >= 0 && n < (1L << 30) ? n : -1;
        }
    }
    return -1;
}

void cli_dist_launch(cli_dist *d)
{
    static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", NULL};
    static const char *const ranks[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", NULL};
    const long size = launcher_env(sizes), rank = launcher_env(ranks);
    *d = (cli_dist){.rank = 0, .size = 1};
    if (size > 1 && rank >= 0 && rank < size)
        d->size = (int)size, d->rank = (int)rank;
    if (d->rank > 0 && (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
        exit(EXIT_USAGE);
}

#if DESCENT_CLI_MPI
int cli_dist_start(cli_dist *d)
{
    if (d->size < 2)
        return 1;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        cli_error("train: MPI_Init failed");
        return 0;
    }
    d->mpi_started = 1;
    int size = 0, rank = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size), MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (size != d->size || rank != d->rank) {
        cli_error("train: MPI says rank %d of %d, the launcher %d of %d", rank, size, d->rank,
                  d->size);
        return 0;
    }
    descent_mpi *m = NULL;
    if (descent_mpi_create(MPI_COMM_WORLD, &m) != DESCENT_OK) {
        cli_error("train: %s", descent_last_error());
        return 0;
    }
    d->mpi = m, d->comm = descent_mpi_comm(m);
    return 1;
}

void cli_dist_finish(cli_dist *d)
{
    descent_mpi_free(d->mpi);
    d->mpi = NULL, d->comm = NULL;
    if (d->mpi_started)
        MPI_Finalize();
    d->mpi_started = 0;
}

double cli_dist_max(const cli_dist *d, double value)
{
    double most = value;
    if (d->mpi)
        MPI_Allreduce(&value, &most, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return most;
}

double cli_dist_bytes_sent(const cli_dist *d)
{
    descent_mpi_stats stats = {0};
    descent_mpi_get_stats(d->mpi, &stats);
    return (double)stats.bytes_sent;
}
#else
int cli_dist_start(cli_dist *d)
{
    if (d->size < 2)
        return 1;
    cli_error("train: started as %d processes (mpirun), but this descent was built without MPI "
              "(configure found no Open MPI: apt-get install openmpi-bin libopenmpi-dev, then "
              "./configure); not running %d independent copies", d->size, d->size);
    return 0;
}

void cli_dist_finish(cli_dist *d)
{
    (void)d;
}

double cli_dist_max(const cli_dist *d, double value)
{
    (void)d;
    return value;
}

double cli_dist_bytes_sent(const cli_dist *d)
{
    (void)d;
    return 0;
}
#endif
