/*
 * The step number at the top of its range (descent.h: t in 1..LONG_MAX):
 *  - every reference step function and every compiled variant's kernel, at
 *    t = LONG_MAX - 1 and t = LONG_MAX, computes without overflow (NAdam's
 *    mu_{t+1} once overflowed t + 1: `make test SANITIZE=1` aborts on that)
 *    and gives the same bits as at t = 10^7, where every bias correction and
 *    NAdam's 0.96^(t*momentum_decay) have long reached their limits;
 *  - the optimizer object takes its step number LONG_MAX and refuses the
 *    next with DESCENT_ERR_INVALID, leaving everything untouched, until a
 *    reset.
 */
#include <limits.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "check.h"
#include "descent.h"
#include "internal.h"

#define N 37 /* a vector body and a tail for every vector width */
#define LATE_STEP 10000000L

/* Hyperparameters that use every state array of `kind`. */
static descent_hparams busy_hparams(descent_optim_kind kind)
{
    descent_hparams h;
    descent_hparams_default(kind, &h);
    h.weight_decay = 0.01;
    if (kind == DESCENT_SGD || kind == DESCENT_RMSPROP)
        h.momentum = 0.9;
    h.centered = 1;
    h.amsgrad = 1;
    h.lr_decay = 0; /* Adagrad's lr would otherwise depend on t */
    /* ASGD's eta and mu depend on t without a limit; with lambd 0 and t0
     * past LONG_MAX both stay constant (eta = lr, mu = 1), and the step is
     * still computed from t (in double, so without overflow). */
    h.lambd = 0;
    h.t0 = 1e19;
    return h;
}

typedef struct run {
    float param[N], state[3][N];
    double mu_product;
} run;

static void start(run *r, descent_optim_kind kind)
{
    memset(r, 0, sizeof *r); /* padding too, for memcmp */
    for (int i = 0; i < N; i++) {
        r->param[i] = 0.5f - 0.03f * (float)i;
        for (int s = 0; s < 3; s++)
            r->state[s][i] = kind == DESCENT_ADAGRAD && s == 0 ? 0.1f : 0.0f;
    }
    r->mu_product = 0.7;
}

static void gradient(float *g)
{
    for (int i = 0; i < N; i++)
        g[i] = (float)((i % 7) - 3) * 0.25f + 0.01f;
}

/* One step of the reference (kernel NULL) or of `kernel`, at step t. */
static void step(run *r, descent_optim_kind kind, const descent_hparams *h, long t,
                 descent_kernel_fn kernel)
{
    float g[N];
    gradient(g);
    float *const state[3] = {r->state[0], r->state[1], r->state[2]};
    if (kernel) {
        const descent_step s = {.kind = kind, .h = h, .t = t, .mu_product_before = r->mu_product};
        kernel(&s, N, r->param, g, state);
        return;
    }
    descent_call_reference_signature(kind, NULL, h, t, N, r->param, g, state, &r->mu_product);
}

/* The step at t = LONG_MAX - 1 and LONG_MAX against the step at 10^7, with
 * the reference (use_kernel 0) or with the kernels of `isa`. */
static void check_last_steps(descent_isa isa, int use_kernel)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_kind kind = (descent_optim_kind)k;
        const descent_hparams h = busy_hparams(kind);
        const descent_kernel_fn kernel = use_kernel ? descent_isa_table(isa)->optim[kind] : NULL;
        EXPECT(kernel || !use_kernel, "no %s kernel for %s", descent_isa_name(isa),
               descent_optim_name(kind));
        if (use_kernel && !kernel)
            continue;
        run late, last;
        start(&late, kind);
        step(&late, kind, &h, LATE_STEP, kernel);
        static const long last_steps[] = {LONG_MAX - 1, LONG_MAX};
        for (int j = 0; j < 2; j++) {
            start(&last, kind);
            step(&last, kind, &h, last_steps[j], kernel);
            int finite = 1;
            for (int i = 0; i < N; i++)
                finite &= isfinite(last.param[i]) != 0;
            EXPECT(finite, "%s %s t=%ld: non-finite parameters", descent_isa_name(isa),
                   descent_optim_name(kind), last_steps[j]);
            EXPECT(memcmp(&late, &last, sizeof late) == 0,
                   "%s %s t=%ld: not the step of t=%ld", descent_isa_name(isa),
                   descent_optim_name(kind), last_steps[j], LATE_STEP);
        }
    }
}

static void test_reference_at_the_last_steps(void)
{
    check_last_steps(DESCENT_ISA_SCALAR, 0);
}

/* Every variant this CPU runs (the scalar one is the reference again,
 * through the kernel signature). */
static void test_variants_at_the_last_steps(void)
{
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        if (descent_isa_supported((descent_isa)isa))
            check_last_steps((descent_isa)isa, 1);
    }
}

static void test_optimizer_refuses_past_the_last_step(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_kind kind = (descent_optim_kind)k;
        const descent_hparams h = busy_hparams(kind);
        descent_optimizer *opt;
        if (descent_optimizer_create(kind, &h, N, &opt) != DESCENT_OK) {
            EXPECT(0, "%s: %s", descent_optim_name(kind), descent_last_error());
            continue;
        }
        float param[N], g[N], before[N];
        for (int i = 0; i < N; i++)
            param[i] = 0.5f - 0.03f * (float)i;
        gradient(g);
        descent_optimizer_set_step_count(opt, LONG_MAX - 1);
        EXPECT(descent_optimizer_step(opt, param, g) == DESCENT_OK, "%s step LONG_MAX: %s",
               descent_optim_name(kind), descent_last_error());
        EXPECT(descent_optimizer_step_count(opt) == LONG_MAX, "%s: count %ld",
               descent_optim_name(kind), descent_optimizer_step_count(opt));
        int finite = 1;
        for (int i = 0; i < N; i++)
            finite &= isfinite(param[i]) != 0;
        EXPECT(finite, "%s step LONG_MAX: non-finite parameters", descent_optim_name(kind));

        memcpy(before, param, sizeof param);
        const descent_status s = descent_optimizer_step(opt, param, g);
        EXPECT(s == DESCENT_ERR_INVALID, "%s: a step past LONG_MAX gave status %d",
               descent_optim_name(kind), (int)s);
        EXPECT(strstr(descent_last_error(), "reset") != NULL, "%s: message '%s'",
               descent_optim_name(kind), descent_last_error());
        EXPECT(memcmp(before, param, sizeof param) == 0 &&
                   descent_optimizer_step_count(opt) == LONG_MAX,
               "%s: the refused step changed something", descent_optim_name(kind));

        descent_optimizer_reset(opt);
        EXPECT(descent_optimizer_step(opt, param, g) == DESCENT_OK &&
                   descent_optimizer_step_count(opt) == 1,
               "%s: no step after reset", descent_optim_name(kind));
        descent_optimizer_free(opt);
    }
}

int main(void)
{
    RUN(test_reference_at_the_last_steps);
    RUN(test_variants_at_the_last_steps);
    RUN(test_optimizer_refuses_past_the_last_step);
    return CHECK_EXIT_STATUS();
}
