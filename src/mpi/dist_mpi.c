/* Fixed-order collectives over MPI for descent_train (include/descent_mpi.h).
 * Built into libdescent_mpi.a, apart from libdescent.a, which needs no MPI. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descent_mpi.h"
#include "../internal.h"

struct descent_mpi {
    MPI_Comm comm;
    descent_train_comm callbacks;
    float *inbox; /* the other ranks' copies of this rank's part */
    size_t inbox_floats;
    double *values; /* sum: every rank's values */
    size_t values_len;
    descent_mpi_stats stats;
};

static descent_status mpi_failed(const char *what, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error %d", code);
    return descent_fail(DESCENT_ERR_IO, "MPI: %s: %s", what, text);
}

static int part_fits(const size_t *offsets, int size)
{
    for (int k = 0; k < size; k++)
        if (offsets[k + 1] - offsets[k] > INT_MAX)
            return 0;
    return 1;
}

static descent_status grow_inbox(descent_mpi *m, size_t floats)
{
    if (floats <= m->inbox_floats)
        return DESCENT_OK;
    float *p = realloc(m->inbox, floats * sizeof *p);
    if (!p)
        return descent_fail(DESCENT_ERR_NOMEM, "MPI: out of memory for %zu floats", floats);
    m->inbox = p, m->inbox_floats = floats;
    return DESCENT_OK;
}

static void count(descent_mpi *m, double t0, unsigned long long bytes)
{
    m->stats.calls++;
    m->stats.seconds += MPI_Wtime() - t0;
    m->stats.bytes_sent += bytes;
}

/* Every rank sends part k to rank k and receives the others' copies of its
 * own part, then adds them up in rank order: ((v_0 + v_1) + v_2) + ... */
static descent_status reduce_scatter(void *ctx, float *v, const size_t *offsets)
{
    descent_mpi *m = ctx;
    const int rank = m->callbacks.rank, size = m->callbacks.size;
    if (!part_fits(offsets, size))
        return descent_fail(DESCENT_ERR_INVALID, "MPI: a part of over INT_MAX floats");
    const double t0 = MPI_Wtime();
    float *own = v + offsets[rank];
    const size_t own_n = offsets[rank + 1] - offsets[rank];
    descent_status s = grow_inbox(m, own_n * (size_t)size);
    MPI_Request *req = malloc(2 * (size_t)size * sizeof *req);
    if (s != DESCENT_OK || !req)
        return free(req), s != DESCENT_OK ? s : descent_fail(DESCENT_ERR_NOMEM, "MPI: out of "
                                                             "memory");
    int nreq = 0, code = MPI_SUCCESS;
    unsigned long long sent = 0;
    for (int k = 0; k < size && code == MPI_SUCCESS; k++) {
        if (k == rank)
            continue;
        const int part_n = (int)(offsets[k + 1] - offsets[k]);
        code = MPI_Irecv(m->inbox + own_n * (size_t)k, (int)own_n, MPI_FLOAT, k, 1, m->comm,
                         &req[nreq++]);
        if (code == MPI_SUCCESS)
            code = MPI_Isend(v + offsets[k], part_n, MPI_FLOAT, k, 1, m->comm, &req[nreq++]);
        sent += (unsigned long long)part_n * sizeof(float);
    }
    if (code == MPI_SUCCESS)
        code = MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE);
    free(req);
    if (code != MPI_SUCCESS)
        return mpi_failed("reduce-scatter", code);
    memcpy(m->inbox + own_n * (size_t)rank, own, own_n * sizeof *own);
    memcpy(own, m->inbox, own_n * sizeof *own);
    for (int k = 1; k < size; k++) {
        const float *from = m->inbox + own_n * (size_t)k;
        for (size_t i = 0; i < own_n; i++)
            own[i] += from[i];
    }
    count(m, t0, sent);
    return DESCENT_OK;
}

static descent_status allgather(void *ctx, float *v, const size_t *offsets)
{
    descent_mpi *m = ctx;
    const int rank = m->callbacks.rank, size = m->callbacks.size;
    if (!part_fits(offsets, size) || offsets[size] > INT_MAX)
        return descent_fail(DESCENT_ERR_INVALID, "MPI: a vector of over INT_MAX floats");
    const double t0 = MPI_Wtime();
    int *counts = malloc(2 * (size_t)size * sizeof *counts);
    if (!counts)
        return descent_fail(DESCENT_ERR_NOMEM, "MPI: out of memory");
    for (int k = 0; k < size; k++)
        counts[k] = (int)(offsets[k + 1] - offsets[k]), counts[size + k] = (int)offsets[k];
    const int code = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, v, counts,
                                    counts + size, MPI_FLOAT, m->comm);
    const unsigned long long sent = (unsigned long long)counts[rank] * sizeof(float) *
                                    (unsigned long long)(size - 1);
    free(counts);
    if (code != MPI_SUCCESS)
        return mpi_failed("all-gather", code);
    count(m, t0, sent);
    return DESCENT_OK;
}

/* Every rank's values to every rank, added up in rank order. */
static descent_status sum(void *ctx, double *v, int n)
{
    descent_mpi *m = ctx;
    const int size = m->callbacks.size;
    const double t0 = MPI_Wtime();
    const size_t need = (size_t)n * (size_t)size;
    if (need > m->values_len) {
        double *p = realloc(m->values, need * sizeof *p);
        if (!p)
            return descent_fail(DESCENT_ERR_NOMEM, "MPI: out of memory");
        m->values = p, m->values_len = need;
    }
    const int code = MPI_Allgather(v, n, MPI_DOUBLE, m->values, n, MPI_DOUBLE, m->comm);
    if (code != MPI_SUCCESS)
        return mpi_failed("sum", code);
    for (int i = 0; i < n; i++) {
        v[i] = m->values[i];
        for (int k = 1; k < size; k++)
            v[i] += m->values[(size_t)k * (size_t)n + (size_t)i];
    }
    count(m, t0, (unsigned long long)n * sizeof(double) * (unsigned long long)(size - 1));
    return DESCENT_OK;
}

descent_status descent_mpi_create(MPI_Comm comm, descent_mpi **out)
{
    if (!out)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mpi_create: out is NULL");
    *out = NULL;
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mpi_create: MPI_Init first");
    descent_mpi *m = calloc(1, sizeof *m);
    if (!m)
        return descent_fail(DESCENT_ERR_NOMEM, "descent_mpi_create: out of memory");
    int code = MPI_Comm_dup(comm, &m->comm);
    if (code == MPI_SUCCESS)
        code = MPI_Comm_rank(m->comm, &m->callbacks.rank);
    if (code == MPI_SUCCESS)
        code = MPI_Comm_size(m->comm, &m->callbacks.size);
    if (code != MPI_SUCCESS) {
        free(m);
        return mpi_failed("descent_mpi_create", code);
    }
    m->callbacks.reduce_scatter = reduce_scatter;
    m->callbacks.allgather = allgather;
    m->callbacks.sum = sum;
    m->callbacks.ctx = m;
    *out = m;
    return DESCENT_OK;
}

void descent_mpi_free(descent_mpi *m)
{
    if (!m)
        return;
    MPI_Comm_free(&m->comm);
    free(m->inbox), free(m->values);
    free(m);
}

const descent_train_comm *descent_mpi_comm(const descent_mpi *m)
{
    return m ? &m->callbacks : NULL;
}

void descent_mpi_get_stats(const descent_mpi *m, descent_mpi_stats *out)
{
    if (m && out)
        *out = m->stats;
}

void descent_mpi_reset_stats(descent_mpi *m)
{
    if (m)
        memset(&m->stats, 0, sizeof m->stats);
}
