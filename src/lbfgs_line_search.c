/*
 * The strong-Wolfe line search of torch.optim.LBFGS (torch/optim/lbfgs.py's
 * _strong_wolfe and _cubic_interpolate, ported there from Torch7's
 * lswolfe.lua and polyinterp.lua): a bracketing phase that extrapolates by
 * cubic interpolation until an interval holds a point that satisfies the
 * strong Wolfe conditions, then a zoom that shrinks it.  Scalars are kept
 * as torch keeps them (lbfgs_scalar), since which comparisons are float32
 * decides how many times the closure is called.
 */
#include <math.h>
#include <string.h>

#include "lbfgs_internal.h"

#define C1 1e-4
#define C2 0.9
#define TOLERANCE_CHANGE 1e-9 /* torch passes the default, not the optimizer's */
#define MAX_LS 25

/* The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1
 * and g2, clamped to [bounds[0], bounds[1]] (bounds NULL: the interval of
 * x1 and x2); its midpoint when the cubic has no minimum. */
static lbfgs_scalar cubic_interpolate(lbfgs_scalar x1, double f1, float g1, lbfgs_scalar x2,
                                      double f2, float g2, const lbfgs_scalar *bounds)
{
    lbfgs_scalar lo, hi;
    if (bounds)
        lo = bounds[0], hi = bounds[1];
    else if (lbfgs_le(x1, x2))
        lo = x1, hi = x2;
    else
        lo = x2, hi = x1;
    /* d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2): g1 + g2 is a tensor, so d1 is */
    const lbfgs_scalar slope = lbfgs_div(lbfgs_py(3 * (f1 - f2)), lbfgs_sub(x1, x2));
    const float d1 = (float)lbfgs_sub(lbfgs_tensor(g1 + g2), slope).value;
    const float d2_square = d1 * d1 - g1 * g2;
    if (d2_square >= 0) {
        const float d2 = sqrtf(d2_square);
        lbfgs_scalar min_pos;
        if (lbfgs_le(x1, x2)) {
            const float ratio = (g2 + d2 - d1) / (g2 - g1 + 2 * d2);
            min_pos = lbfgs_sub(x2, lbfgs_mul(lbfgs_sub(x2, x1), lbfgs_tensor(ratio)));
        } else {
            const float ratio = (g1 + d2 - d1) / (g1 - g2 + 2 * d2);
            min_pos = lbfgs_sub(x1, lbfgs_mul(lbfgs_sub(x1, x2), lbfgs_tensor(ratio)));
        }
        return lbfgs_min(lbfgs_max(min_pos, lo), hi);
    }
    return lbfgs_div(lbfgs_add(lo, hi), lbfgs_py(2.0));
}

/* The sufficient-decrease (Armijo) test fails: f_new > f + c1 t gtd. */
static int armijo_fails(double f_new, double f, lbfgs_scalar t, float gtd)
{
    const lbfgs_scalar bound =
        lbfgs_add(lbfgs_py(f), lbfgs_mul(lbfgs_mul(lbfgs_py(C1), t), lbfgs_tensor(gtd)));
    return lbfgs_lt(bound, lbfgs_py(f_new));
}

/* The curvature condition: |gtd_new| <= -c2 gtd (float32). */
static int curvature_holds(float gtd_new, float gtd)
{
    return fabsf(gtd_new) <= (float)-C2 * gtd;
}

static void copy(const descent_lbfgs *L, float *to, const float *from)
{
    if (to != from)
        memcpy(to, from, L->n * sizeof(float));
}

typedef struct bracket {
    int points; /* 1 (done) or 2 */
    lbfgs_scalar t[2];
    double f[2];
    float gtd[2];
    float *g[2]; /* L->bracket_g */
} bracket;

static void bracket_set(const descent_lbfgs *L, bracket *b, int i, lbfgs_scalar t, double f,
                        const float *g, float gtd)
{
    b->t[i] = t, b->f[i] = f, b->gtd[i] = gtd;
    copy(L, b->g[i], g);
}

descent_status lbfgs_strong_wolfe(descent_lbfgs *L, lbfgs_scalar *t_io, double *f_io, float gtd,
                                  long *evals)
{
    const float *d = L->d;
    const double f = *f_io;
    float *const g = L->flat_grad;
    lbfgs_scalar t = *t_io;
    const float d_norm = lbfgs_abs_max(L, d);
    descent_status st;
    double f_new;
    *evals = 0;

    if ((st = lbfgs_evaluate_at(L, t, L->g_new, &f_new)) != DESCENT_OK)
        return ++*evals, st;
    ++*evals;
    float gtd_new = lbfgs_dot(L, L->g_new, d);

    /* Bracket an interval containing a point satisfying the Wolfe criteria. */
    lbfgs_scalar t_prev = lbfgs_py(0);
    double f_prev = f;
    float gtd_prev = gtd;
    copy(L, L->g_prev, g);
    bracket b = {.g = {L->bracket_g[0], L->bracket_g[1]}};
    int done = 0, ls_iter = 0;
    while (ls_iter < MAX_LS) {
        if (armijo_fails(f_new, f, t, gtd) || (ls_iter > 1 && f_new >= f_prev) ||
            (!curvature_holds(gtd_new, gtd) && gtd_new >= 0)) {
            b.points = 2;
            bracket_set(L, &b, 0, t_prev, f_prev, L->g_prev, gtd_prev);
            bracket_set(L, &b, 1, t, f_new, L->g_new, gtd_new);
            break;
        }
        if (curvature_holds(gtd_new, gtd)) {
            b.points = 1;
            bracket_set(L, &b, 0, t, f_new, L->g_new, gtd_new);
            done = 1;
            break;
        }
        /* Extrapolate by interpolation within [t + 0.01 (t - t_prev), 10 t]. */
        const lbfgs_scalar bounds[2] = {
            lbfgs_add(t, lbfgs_mul(lbfgs_py(0.01), lbfgs_sub(t, t_prev))),
            lbfgs_mul(t, lbfgs_py(10)),
        };
        const lbfgs_scalar previous = t;
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds);
        t_prev = previous;
        f_prev = f_new;
        copy(L, L->g_prev, L->g_new);
        gtd_prev = gtd_new;
        st = lbfgs_evaluate_at(L, t, L->g_new, &f_new);
        ++*evals;
        if (st != DESCENT_OK)
            return st;
        gtd_new = lbfgs_dot(L, L->g_new, d);
        ls_iter++;
    }
    if (ls_iter == MAX_LS) { /* no bracket found: between 0 and the last t */
        b.points = 2;
        bracket_set(L, &b, 0, lbfgs_py(0), f, g, 0);
        bracket_set(L, &b, 1, t, f_new, L->g_new, 0);
    }

    /* Zoom: refine the bracket until a point satisfies the criteria. */
    int insuf_progress = 0;
    int low = b.f[0] <= b.f[b.points - 1] ? 0 : 1, high = 1 - low;
    while (!done && ls_iter < MAX_LS) {
        /* the bracket is too small */
        if ((float)lbfgs_abs(lbfgs_sub(b.t[1], b.t[0])).value * d_norm < (float)TOLERANCE_CHANGE)
            break;
        t = cubic_interpolate(b.t[0], b.f[0], b.gtd[0], b.t[1], b.f[1], b.gtd[1], NULL);

        /* A trial too close to an end of the bracket (within a tenth of its
         * length) is moved that far from it, unless the previous trial made
         * progress and this one is strictly inside. */
        const lbfgs_scalar top = lbfgs_max(b.t[0], b.t[1]), bottom = lbfgs_min(b.t[0], b.t[1]);
        const lbfgs_scalar eps = lbfgs_mul(lbfgs_py(0.1), lbfgs_sub(top, bottom));
        if (lbfgs_lt(lbfgs_min(lbfgs_sub(top, t), lbfgs_sub(t, bottom)), eps)) {
            if (insuf_progress || lbfgs_le(top, t) || lbfgs_le(t, bottom)) {
                if (lbfgs_lt(lbfgs_abs(lbfgs_sub(t, top)), lbfgs_abs(lbfgs_sub(t, bottom))))
                    t = lbfgs_sub(top, eps);
                else
                    t = lbfgs_add(bottom, eps);
                insuf_progress = 0;
            } else {
                insuf_progress = 1;
            }
        } else {
            insuf_progress = 0;
        }

        st = lbfgs_evaluate_at(L, t, L->g_new, &f_new);
        ++*evals;
        if (st != DESCENT_OK)
            return st;
        gtd_new = lbfgs_dot(L, L->g_new, d);
        ls_iter++;

        if (armijo_fails(f_new, f, t, gtd) || f_new >= b.f[low]) {
            /* not lower than the lowest point: the new high end */
            bracket_set(L, &b, high, t, f_new, L->g_new, gtd_new);
            low = b.f[0] <= b.f[1] ? 0 : 1, high = 1 - low;
        } else {
            if (curvature_holds(gtd_new, gtd)) {
                done = 1;
            } else if (lbfgs_le(lbfgs_py(0),
                                lbfgs_mul(lbfgs_tensor(gtd_new),
                                          lbfgs_sub(b.t[high], b.t[low])))) {
                /* the old low end becomes the high end */
                bracket_set(L, &b, high, b.t[low], b.f[low], b.g[low], b.gtd[low]);
            }
            bracket_set(L, &b, low, t, f_new, L->g_new, gtd_new);
        }
    }
    *t_io = b.t[low];
    *f_io = b.f[low];
    copy(L, g, b.g[low]);
    return DESCENT_OK;
}
