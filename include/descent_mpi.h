/*
 * descent_mpi.h — descent_train() over MPI (data parallel, ZeRO stage 1).
 * Not included by descent.h: it needs <mpi.h> and libdescent_mpi.a
 * (built when configure found MPI), linked before libdescent.a.
 *
 *     descent_mpi *m;
 *     descent_mpi_create(MPI_COMM_WORLD, &m);
 *     config.comm = descent_mpi_comm(m);   // every rank, the same config
 *     config.shard_state = 1;              // optional: ZeRO stage 1
 *     descent_train(problem, &config, params, &result);
 *     descent_mpi_free(m);
 *
 * The collectives sum in rank order, by point-to-point messages (each
 * rank receives every rank's copy of its part of the vector and adds them
 * up in rank order; MPI_Allreduce's order is left to the implementation),
 * then MPI_Allgatherv moves the sums, so that a run is the same bits every
 * time for a given number of processes.  The sums differ from one process's
 * in rounding only: see README.md for the agreement measured.
 */
#ifndef DESCENT_MPI_H
#define DESCENT_MPI_H

#include <mpi.h>

#include "descent.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct descent_mpi descent_mpi;

/* Collectives over a duplicate of comm (its own message space); call on
 * every rank of comm. */
descent_status descent_mpi_create(MPI_Comm comm, descent_mpi **out);
void descent_mpi_free(descent_mpi *m);
/* For descent_train_config.comm; valid while m lives. */
const descent_train_comm *descent_mpi_comm(const descent_mpi *m);

/* What this rank's collectives cost since create (or the last reset). */
typedef struct descent_mpi_stats {
    long calls;
    double seconds;                /* wall time inside the collectives */
    unsigned long long bytes_sent; /* payload this rank sent */
} descent_mpi_stats;
void descent_mpi_get_stats(const descent_mpi *m, descent_mpi_stats *out);
void descent_mpi_reset_stats(descent_mpi *m);

#ifdef __cplusplus
}
#endif

#endif
