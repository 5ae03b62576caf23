/* The strict line reader behind every oracle-file parser (golden.c and the
 * one file per kind of oracle): records, tokens and numbers, each error
 * naming the file and line. */
#ifndef DESCENT_GOLDEN_READER_H
#define DESCENT_GOLDEN_READER_H

#include <stddef.h>

#include "descent.h"

/* Bound on n, steps and layer sizes, so that a corrupt count is reported
 * instead of attempting an absurd allocation. */
#define GOLDEN_MAX_COUNT 100000000L

typedef struct golden_reader {
    const char *name;
    char *text; /* private, NUL-terminated copy */
    char *next; /* start of the next line */
    long lineno;
    char *key;  /* current record */
    char *rest; /* its values */
} golden_reader;

descent_status golden_bad(const golden_reader *r, const char *what, const char *detail);
int golden_next_record(golden_reader *r);
/* 1 if the next record (past comments and blank lines) has key `key`; reads
 * nothing, so an optional record can be told from the next required one. */
int golden_next_key_is(const golden_reader *r, const char *key);
descent_status golden_expect_key(golden_reader *r, const char *key);
int golden_is_space(char c);
char *golden_token(char **s);
descent_status golden_expect_end_of_record(golden_reader *r);
descent_status golden_parse_number(golden_reader *r, const char *tok, int as_float, double *out);
descent_status golden_parse_double_token(golden_reader *r, const char *tok, double *out);
descent_status golden_parse_float_token(golden_reader *r, const char *tok, float *out);
descent_status golden_read_number_as(golden_reader *r, const char *key, int as_float, double *out);
descent_status golden_read_number(golden_reader *r, const char *key, double *out);
descent_status golden_read_count(golden_reader *r, const char *key, long lo, long *out);
descent_status golden_parse_floats(golden_reader *r, size_t count, float *out);
descent_status golden_alloc_floats(golden_reader *r, size_t count, float **out);
descent_status golden_read_tensor(golden_reader *r, const char *key, size_t count, float **out);
/* A record `key k s_1 ... s_k`: k >= 1 sizes, each >= 1, adding up to n
 * (FORMAT.md's `segments`); *sizes is malloc'ed. */
descent_status golden_read_segments(golden_reader *r, const char *key, size_t n, size_t *count,
                                    size_t **sizes);
descent_status golden_read_step_row(golden_reader *r, const char *key, long t, size_t n, float *row);

/* The parser of each kind of oracle file beyond golden.c's (golden.h). */
struct golden_clip;
descent_status golden_parse_clip(golden_reader *r, struct golden_clip *c);
void golden_clip_free(struct golden_clip *c);

#endif
