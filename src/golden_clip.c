/* Oracle files of gradient clipping, clip/<name>.txt (FORMAT.md "Clipping
 * files"): the strict parser and the replay through descent_clip_grad_norm
 * and descent_clip_grad_value, with FORMAT.md's tolerance: total_norm
 * within 1e-5 relative, clipped values within 1e-6 * max|want|. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "golden_reader.h"
#include "internal.h"

#define CLIP_NORM_RTOL 1e-5
#define CLIP_VALUE_RTOL 1e-6

/* `norm_type P`: a number > 0, or inf. */
static descent_status read_norm_type(golden_reader *r, double *p)
{
    descent_status s = golden_expect_key(r, "norm_type");
    if (s != DESCENT_OK)
        return s;
    char *tok = golden_token(&r->rest);
    if (!tok)
        return golden_bad(r, "norm_type needs a value", NULL);
    if (!strcmp(tok, "inf"))
        *p = INFINITY;
    else if ((s = golden_parse_double_token(r, tok, p)) != DESCENT_OK)
        return s;
    if (!(*p > 0))
        return golden_bad(r, "norm_type must be > 0 or inf", tok);
    return golden_expect_end_of_record(r);
}

descent_status golden_parse_clip(golden_reader *r, golden_clip *c)
{
    descent_status s;
    char *kind = golden_token(&r->rest);
    if (!kind || (strcmp(kind, "clip_grad_norm") && strcmp(kind, "clip_grad_value")))
        return golden_bad(r, "clip must be clip_grad_norm or clip_grad_value",
                          kind ? kind : "(missing)");
    c->by_norm = !strcmp(kind, "clip_grad_norm");
    if ((s = golden_expect_end_of_record(r)) != DESCENT_OK)
        return s;
    if (c->by_norm) {
        if ((s = golden_read_number(r, "max_norm", &c->max_norm)) != DESCENT_OK ||
            (s = read_norm_type(r, &c->norm_type)) != DESCENT_OK)
            return s;
        if (!(c->max_norm >= 0))
            return golden_bad(r, "max_norm must be >= 0", NULL);
    } else if ((s = golden_read_number(r, "clip_value", &c->clip_value)) != DESCENT_OK) {
        return s;
    }
    long n;
    if ((s = golden_read_count(r, "n", 1, &n)) != DESCENT_OK ||
        (s = golden_read_segments(r, "segments", (size_t)n, &c->segment_count, &c->segments)) ||
        (s = golden_read_tensor(r, "grad", (size_t)n, &c->grad)) != DESCENT_OK)
        return s;
    c->n = (size_t)n;
    if (c->by_norm && (s = golden_read_number_as(r, "total_norm", 1, &c->total_norm)))
        return s;
    return golden_read_tensor(r, "clipped", c->n, &c->clipped);
}

void golden_clip_free(golden_clip *c)
{
    free(c->segments);
    free(c->grad);
    free(c->clipped);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int golden_clip_replay(FILE *out, const char *path, const golden_clip *c, descent_isa isa,
                       int threads)
{
    float *grad = malloc(c->n * sizeof *grad);
    if (!grad) {
        fprintf(out, "ERROR %s: out of memory\n", base_name(path));
        return 2;
    }
    memcpy(grad, c->grad, c->n * sizeof *grad);
    const descent_exec exec = {.isa = isa, .threads = threads};
    float norm = 0;
    const descent_status s =
        c->by_norm ? descent_clip_grad_norm(grad, c->n, c->max_norm, c->norm_type, 0, &exec, &norm)
                   : descent_clip_grad_value(grad, c->n, c->clip_value, &exec);
    if (s != DESCENT_OK) {
        fprintf(out, "ERROR %s: %s\n", base_name(path), descent_last_error());
        free(grad);
        return 2;
    }
    double scale = 0, worst = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < c->n; i++) {
        scale = fmax(scale, fabs(c->clipped[i]));
        const double err = isfinite(grad[i]) ? fabs((double)grad[i] - c->clipped[i]) : INFINITY;
        if (err > worst || i == 0)
            worst = err, worst_i = i;
    }
    const double norm_err = c->by_norm ? fabs((double)norm - c->total_norm) : 0;
    const int norm_ok = !c->by_norm || norm_err <= CLIP_NORM_RTOL * fabs(c->total_norm);
    const int values_ok = worst <= CLIP_VALUE_RTOL * scale;
    const char *what = c->by_norm ? "clip_norm" : "clip_val";
    if (norm_ok && values_ok) {
        fprintf(out, "PASS  %-40s %-8s n=%-6zu segments=%-3zu worst max|err|/max|want| %.2e",
               base_name(path), what, c->n, c->segment_count, scale > 0 ? worst / scale : worst);
        if (c->by_norm)
            fprintf(out, ", norm rel %.2e", c->total_norm ? norm_err / fabs(c->total_norm) : norm_err);
        fprintf(out, "\n");
        free(grad);
        return 0;
    }
    if (!norm_ok)
        fprintf(out, "FAIL  %-40s %-8s total_norm: got %.9g want %.9g (rel err %.3g > %.0e)\n",
               base_name(path), what, (double)norm, c->total_norm,
               norm_err / fabs(c->total_norm), CLIP_NORM_RTOL);
    else
        fprintf(out, "FAIL  %-40s %-8s index %zu: got %.9g want %.9g (err %.3g > tol %.3g)\n",
               base_name(path), what, worst_i, (double)grad[worst_i], (double)c->clipped[worst_i],
               worst, CLIP_VALUE_RTOL * scale);
    free(grad);
    return 1;
}
