/*
 * Hand-checked cases for the reference optimizers.  Each expected value is
 * worked out from the PyTorch pseudocode (as clarified by
 * ../shared/golden/SEMANTICS.md) in the comment beside it, with inputs chosen
 * so that the arithmetic is short and so that the usual misreadings (eps in
 * the wrong place, dampening on the first step, lr_decay with t instead of
 * t-1, AMSGrad over v-hat, ...) give visibly different numbers.
 */
#include <string.h>

#include "check.h"
#include "descent.h"

#define TOL 2e-6 /* float32 rounding over a few operations on O(1) values */

/* Runs `steps` steps of the reference of `kind` on one parameter starting at
 * p0 with the given gradients, writing the parameter after each step. */
static void run1(descent_optim_kind kind, const descent_hparams *h, float p0,
                 const float *grads, int steps, float *after)
{
    float p = p0, s0 = 0, s1 = 0, s2 = 0;
    double mu_product = 1.0;
    if (kind == DESCENT_ADAGRAD)
        s0 = (float)h->initial_accumulator_value;
    if (kind == DESCENT_RPROP)
        s1 = (float)h->lr; /* step_size starts at lr */
    for (int t = 1; t <= steps; t++) {
        const float *g = &grads[t - 1];
        switch (kind) {
        case DESCENT_SGD: descent_ref_sgd(h, t, 1, &p, g, &s0); break;
        case DESCENT_ADAM: descent_ref_adam(h, t, 1, &p, g, &s0, &s1, &s2); break;
        case DESCENT_ADAMW: descent_ref_adamw(h, t, 1, &p, g, &s0, &s1, &s2); break;
        case DESCENT_RMSPROP: descent_ref_rmsprop(h, t, 1, &p, g, &s0, &s1, &s2); break;
        case DESCENT_ADAGRAD: descent_ref_adagrad(h, t, 1, &p, g, &s0); break;
        case DESCENT_ADADELTA: descent_ref_adadelta(h, t, 1, &p, g, &s0, &s1); break;
        case DESCENT_ADAMAX: descent_ref_adamax(h, t, 1, &p, g, &s0, &s1); break;
        case DESCENT_NADAM: descent_ref_nadam(h, t, &mu_product, 1, &p, g, &s0, &s1); break;
        case DESCENT_RADAM: descent_ref_radam(h, t, 1, &p, g, &s0, &s1); break;
        case DESCENT_RPROP: descent_ref_rprop(h, t, 1, &p, g, &s0, &s1); break;
        case DESCENT_ASGD: descent_ref_asgd(h, t, 1, &p, g, &s0); break;
        case DESCENT_LION: descent_ref_lion(h, t, 1, &p, g, &s0); break;
        case DESCENT_LAMB: descent_ref_lamb(h, t, 1, &p, g, &s0, &s1); break;
        default: break;
        }
        after[t - 1] = p;
    }
}

static descent_hparams defaults(descent_optim_kind kind)
{
    descent_hparams h;
    descent_hparams_default(kind, &h);
    return h;
}

/* ------------------------------------------------------------------- SGD */

static void test_sgd_plain_is_gradient_descent(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1;
    const float g[] = {0.5f, -1.0f};
    float p[2];
    run1(DESCENT_SGD, &h, 1.0f, g, 2, p);
    EXPECT_NEAR(p[0], 0.95, TOL); /* 1 - 0.1*0.5 */
    EXPECT_NEAR(p[1], 1.05, TOL); /* 0.95 + 0.1 */
}

static void test_sgd_momentum_first_step_sets_buffer(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1, h.momentum = 0.9;
    const float g[] = {1, 1, 1};
    float p[3];
    run1(DESCENT_SGD, &h, 0.0f, g, 3, p);
    EXPECT_NEAR(p[0], -0.1, TOL);  /* b = 1 */
    EXPECT_NEAR(p[1], -0.29, TOL); /* b = 0.9 + 1 = 1.9 */
    EXPECT_NEAR(p[2], -0.561, TOL); /* b = 1.71 + 1 = 2.71 */
}

static void test_sgd_dampening_skips_first_step(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1, h.momentum = 0.9, h.dampening = 0.5;
    const float g[] = {1, 1, 1};
    float p[3];
    run1(DESCENT_SGD, &h, 0.0f, g, 3, p);
    EXPECT_NEAR(p[0], -0.1, TOL);   /* b = g = 1: no dampening at t = 1 */
    EXPECT_NEAR(p[1], -0.24, TOL);  /* b = 0.9 + 0.5 = 1.4 */
    EXPECT_NEAR(p[2], -0.416, TOL); /* b = 1.26 + 0.5 = 1.76 */
}

static void test_sgd_nesterov_uses_updated_buffer(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1, h.momentum = 0.9, h.nesterov = 1;
    const float g[] = {1, 1};
    float p[2];
    run1(DESCENT_SGD, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -0.19, TOL);  /* b = 1, step g + 0.9 b = 1.9 */
    EXPECT_NEAR(p[1], -0.461, TOL); /* b = 1.9, step 1 + 1.71 = 2.71 */
}

static void test_sgd_weight_decay_adds_to_gradient(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1, h.weight_decay = 0.1;
    const float g[] = {0, 0};
    float p[2];
    run1(DESCENT_SGD, &h, 1.0f, g, 2, p);
    EXPECT_NEAR(p[0], 0.99, TOL);   /* g = 0.1*1 */
    EXPECT_NEAR(p[1], 0.9801, TOL); /* g = 0.1*0.99 */
}

/* ------------------------------------------------------------------ Adam */

static void test_adam_constant_gradient_moves_lr_per_step(void)
{
    /* m_t = 2(1-b1^t), v_t = 4(1-b2^t): the bias corrections give m^ = 2,
     * sqrt(v^) = 2, so every step is lr * 2/(2 + eps) ~ lr. */
    descent_hparams h = defaults(DESCENT_ADAM);
    h.lr = 0.1;
    const float g[] = {2, 2, 2};
    float p[3];
    run1(DESCENT_ADAM, &h, 0.0f, g, 3, p);
    EXPECT_NEAR(p[0], -0.1, TOL);
    EXPECT_NEAR(p[1], -0.2, TOL);
    EXPECT_NEAR(p[2], -0.3, TOL);
}

static void test_adam_eps_after_bias_correction(void)
{
    /* g = eps = 1e-8: sqrt(v)/sqrt(1-b2) = 1e-8, denom = 2e-8, step = lr/2.
     * eps before the correction would give 0.03 lr, eps inside the root 1e-4 lr. */
    descent_hparams h = defaults(DESCENT_ADAM);
    h.lr = 1.0;
    const float g[] = {1e-8f};
    float p[1];
    run1(DESCENT_ADAM, &h, 0.0f, g, 1, p);
    EXPECT_NEAR(p[0], -0.5, 1e-5);
}

static void test_adam_weight_decay_is_l2(void)
{
    /* g = 0 + 0.5*1 = 0.5, a normal Adam step of ~lr. */
    descent_hparams h = defaults(DESCENT_ADAM);
    h.lr = 0.1, h.weight_decay = 0.5;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_ADAM, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 0.9, TOL);
}

static void test_adamw_weight_decay_is_decoupled(void)
{
    /* p <- 1*(1 - 0.1*0.5) = 0.95; then g = 0 gives m = 0 and no step. */
    descent_hparams h = defaults(DESCENT_ADAMW);
    h.lr = 0.1, h.weight_decay = 0.5;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_ADAMW, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 0.95, TOL);
}

static void test_amsgrad_max_of_raw_second_moment(void)
{
    /* b1 = 0 (m = g), b2 = 0.5, eps = 0, lr = 1.
     * t=1: v = 0.5, vmax = 0.5, denom = sqrt(.5)/sqrt(.5) = 1, p = -1.
     * t=2: g = 0.1, v = 0.255, vmax = 0.5, denom = sqrt(.5)/sqrt(.75),
     *      p = -1 - 0.1/0.81650 = -1.12247449.
     * (Without amsgrad: -1.17149859; max over v-hat: -1.1.) */
    descent_hparams h = defaults(DESCENT_ADAM);
    h.lr = 1, h.beta1 = 0, h.beta2 = 0.5, h.eps = 0, h.amsgrad = 1;
    const float g[] = {1, 0.1f};
    float p[2];
    run1(DESCENT_ADAM, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -1.0, TOL);
    EXPECT_NEAR(p[1], -1.12247449, TOL);
    h.amsgrad = 0;
    run1(DESCENT_ADAM, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[1], -1.17149859, TOL);
    h.amsgrad = 1;
    run1(DESCENT_ADAMW, &h, 0.0f, g, 2, p); /* AdamW (wd 0) has the same branch */
    EXPECT_NEAR(p[1], -1.12247449, TOL);
}

/* --------------------------------------------------------------- RMSprop */

static void test_rmsprop_plain(void)
{
    /* alpha = .99: v = 0.01, step = lr*1/(0.1 + 1e-8) = 0.1. */
    descent_hparams h = defaults(DESCENT_RMSPROP);
    const float g[] = {1};
    float p[1];
    run1(DESCENT_RMSPROP, &h, 0.0f, g, 1, p);
    EXPECT_NEAR(p[0], -0.1, TOL);
}

static void test_rmsprop_eps_outside_root(void)
{
    /* alpha = .5, g = 2e-8, eps = 1e-8: v = 2e-16, step = lr*2e-8/(1.41421e-8 + 1e-8)
     * = 0.828427 lr (eps inside the root would give ~2e-4 lr). */
    descent_hparams h = defaults(DESCENT_RMSPROP);
    h.lr = 1, h.alpha = 0.5;
    const float g[] = {2e-8f};
    float p[1];
    run1(DESCENT_RMSPROP, &h, 0.0f, g, 1, p);
    EXPECT_NEAR(p[0], -0.828427125, 1e-6);
}

static void test_rmsprop_centered(void)
{
    /* alpha = .5, g = 1: v = .5, gbar = .5, v~ = .25, step = lr/0.5 = 2 lr
     * (non-centered: lr/sqrt(.5) = 1.414 lr). */
    descent_hparams h = defaults(DESCENT_RMSPROP);
    h.lr = 0.1, h.alpha = 0.5, h.centered = 1;
    const float g[] = {1};
    float p[1];
    run1(DESCENT_RMSPROP, &h, 0.0f, g, 1, p);
    EXPECT_NEAR(p[0], -0.2, TOL);
}

static void test_rmsprop_momentum(void)
{
    /* alpha = .5, mu = .9, lr = .1, g = 1, 1:
     * t=1: d = 1/sqrt(.5) = 1.41421356, b = d, p = -0.141421356
     * t=2: d = 1/sqrt(.75) = 1.15470054, b = 1.27279221 + d, p = -0.38417063 */
    descent_hparams h = defaults(DESCENT_RMSPROP);
    h.lr = 0.1, h.alpha = 0.5, h.momentum = 0.9;
    const float g[] = {1, 1};
    float p[2];
    run1(DESCENT_RMSPROP, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -0.141421356, TOL);
    EXPECT_NEAR(p[1], -0.38417063, TOL);
}

static void test_rmsprop_weight_decay(void)
{
    /* g = 0 + 1*1 = 1 with alpha .5: same first step as g = 1: lr*sqrt(2). */
    descent_hparams h = defaults(DESCENT_RMSPROP);
    h.lr = 0.1, h.alpha = 0.5, h.weight_decay = 1;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_RMSPROP, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 1 - 0.141421356, TOL);
}

/* --------------------------------------------------------------- Adagrad */

static void test_adagrad_accumulates(void)
{
    /* sum = 1, 2: p = -0.1, -0.1 - 0.1/sqrt(2) */
    descent_hparams h = defaults(DESCENT_ADAGRAD);
    h.lr = 0.1;
    const float g[] = {1, 1};
    float p[2];
    run1(DESCENT_ADAGRAD, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -0.1, TOL);
    EXPECT_NEAR(p[1], -0.170710678, TOL);
}

static void test_adagrad_lr_decay_from_second_step(void)
{
    /* clr = lr/(1 + (t-1)*.5): 0.1 then 0.0666667; p2 = -0.1 - 0.0666667/sqrt 2 */
    descent_hparams h = defaults(DESCENT_ADAGRAD);
    h.lr = 0.1, h.lr_decay = 0.5;
    const float g[] = {1, 1};
    float p[2];
    run1(DESCENT_ADAGRAD, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -0.1, TOL);
    EXPECT_NEAR(p[1], -0.147140452, TOL);
}

static void test_adagrad_initial_accumulator(void)
{
    /* sum = 3 + 1 = 4: step = 0.1 * 1/2 */
    descent_hparams h = defaults(DESCENT_ADAGRAD);
    h.lr = 0.1, h.initial_accumulator_value = 3;
    const float g[] = {1};
    float p[1];
    run1(DESCENT_ADAGRAD, &h, 0.0f, g, 1, p);
    EXPECT_NEAR(p[0], -0.05, TOL);
}

static void test_adagrad_weight_decay(void)
{
    /* g = 0 + 2*0.5 = 1: sum = 1, step 0.1 */
    descent_hparams h = defaults(DESCENT_ADAGRAD);
    h.lr = 0.1, h.weight_decay = 2;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_ADAGRAD, &h, 0.5f, g, 1, p);
    EXPECT_NEAR(p[0], 0.4, TOL);
}

/* -------------------------------------------------------------- Adadelta */

static void test_adadelta_eps_inside_both_roots(void)
{
    /* rho = .9, eps = 1e-6, lr = 1, g = 1, 1:
     * t=1: v = .1, d = sqrt(1e-6)/sqrt(.100001) = 0.00316226185, u = 1e-6
     * t=2: v = .19, d = sqrt(2e-6)/sqrt(.190001), p = -0.00640667362.
     * (eps outside the roots would not move at t = 1.) */
    descent_hparams h = defaults(DESCENT_ADADELTA);
    const float g[] = {1, 1};
    float p[2];
    run1(DESCENT_ADADELTA, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -0.00316226185, 1e-9);
    EXPECT_NEAR(p[1], -0.00640667362, 1e-9);
}

static void test_adadelta_weight_decay(void)
{
    /* g = 0 + 1*1 = 1: the same first step as above */
    descent_hparams h = defaults(DESCENT_ADADELTA);
    h.weight_decay = 1;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_ADADELTA, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 1 - 0.00316226185, 1e-7);
}

/* ---------------------------------------------------------------- Adamax */

static void test_adamax_infinity_norm(void)
{
    /* lr = .1, g = 2, -1:
     * t=1: m = .2, u = 2, clr = .1/.1 = 1, p = -0.1
     * t=2: m = .08, u = max(1.998, 1) = 1.998, clr = .1/.19, p = -0.121073705 */
    descent_hparams h = defaults(DESCENT_ADAMAX);
    h.lr = 0.1;
    const float g[] = {2, -1};
    float p[2];
    run1(DESCENT_ADAMAX, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[0], -0.1, TOL);
    EXPECT_NEAR(p[1], -0.121073705, TOL);
}

static void test_adamax_eps_inside_max(void)
{
    /* A zero first gradient: u = max(0, 0 + eps) = eps, m = 0, no step (and no 0/0). */
    descent_hparams h = defaults(DESCENT_ADAMAX);
    const float g[] = {0};
    float p[1];
    run1(DESCENT_ADAMAX, &h, 0.5f, g, 1, p);
    EXPECT(p[0] == 0.5f, "p = %.9g, want 0.5 exactly", p[0]);
}

/* ----------------------------------------------------------------- NAdam */

static void test_nadam_documented_formula(void)
{
    /* Worked in double from the documented formula (SEMANTICS.md), p0 = .5,
     * g = 1, -0.5, 2, defaults (lr 2e-3, momentum_decay 4e-3). */
    descent_hparams h = defaults(DESCENT_NADAM);
    const float g[] = {1, -0.5f, 2};
    float p[3];
    run1(DESCENT_NADAM, &h, 0.5f, g, 3, p);
    EXPECT_NEAR(p[0], 0.497887096, TOL);
    EXPECT_NEAR(p[1], 0.498709316, TOL);
    EXPECT_NEAR(p[2], 0.496713112, TOL);
}

static void test_nadam_momentum_decay(void)
{
    /* lr = .1, momentum_decay = .1: mu_t varies strongly with t, so the
     * product P_t (and mu_{t+1}) are exercised. */
    descent_hparams h = defaults(DESCENT_NADAM);
    h.lr = 0.1, h.momentum_decay = 0.1;
    const float g[] = {1, -0.5f, 2};
    float p[3];
    run1(DESCENT_NADAM, &h, 0.5f, g, 3, p);
    EXPECT_NEAR(p[0], 0.394293755, TOL);
    EXPECT_NEAR(p[1], 0.435220531, TOL);
    EXPECT_NEAR(p[2], 0.335925514, TOL);
}

static void test_nadam_weight_decay(void)
{
    /* wd as L2: g = 0 + 2*0.5 = 1 reproduces the first step of the default case. */
    descent_hparams h = defaults(DESCENT_NADAM);
    h.weight_decay = 2;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_NADAM, &h, 0.5f, g, 1, p);
    EXPECT_NEAR(p[0], 0.497887096, TOL);
}

/* ----------------------------------------------------------------- RAdam */

static void test_radam_rectifies_from_step_6(void)
{
    /* rho_5 = 4.996 (not > 5): steps 1-5 are p -= lr*m^ = lr (g = 1).
     * rho_6 = 5.99416, r = 0.0258211128: step 6 is lr*r*sqrt(bc2)/(sqrt(v)+eps). */
    descent_hparams h = defaults(DESCENT_RADAM);
    h.lr = 0.1;
    const float g[] = {1, 1, 1, 1, 1, 1};
    float p[6];
    run1(DESCENT_RADAM, &h, 0.0f, g, 6, p);
    EXPECT_NEAR(p[4], -0.5, TOL);
    EXPECT_NEAR(p[5], -0.502582111, TOL);
}

static void test_radam_weight_decay(void)
{
    /* g = 0 + 1*1 = 1: first step unrectified, p = 1 - lr */
    descent_hparams h = defaults(DESCENT_RADAM);
    h.lr = 0.1, h.weight_decay = 1;
    const float g[] = {0};
    float p[1];
    run1(DESCENT_RADAM, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 0.9, TOL);
}

/* ------------------------------------------------- sizes and zero steps */

static void test_zero_gradient_step_advances_state(void)
{
    /* Adam, g = 1 then 0: the zero step still decays m and advances t.
     * t=2: m = .09, v = .000999, m^ = .09/.19, sqrt(v^) = sqrt(.000999/.001999),
     * p2 = -0.1 - 0.1*(0.473684211/0.706929)= -0.16700563 */
    descent_hparams h = defaults(DESCENT_ADAM);
    h.lr = 0.1;
    const float g[] = {1, 0};
    float p[2];
    run1(DESCENT_ADAM, &h, 0.0f, g, 2, p);
    EXPECT_NEAR(p[1], -0.1 - 0.1 * ((0.09 / 0.19) / sqrt(0.000999 / (1 - 0.999 * 0.999))),
                TOL);
}

/* Rprop: the step size grows while the sign holds, shrinks on a flip, where
 * the gradient then counts as 0 (no move, prev 0), and is clamped. */
static void test_rprop_sign_rule(void)
{
    descent_hparams h = defaults(DESCENT_RPROP);
    h.lr = 0.1;
    const float g[] = {1.0f, 1.0f, -1.0f, -1.0f};
    float p[4];
    run1(DESCENT_RPROP, &h, 1.0f, g, 4, p);
    EXPECT_NEAR(p[0], 0.9, TOL);         /* s = 0: eta = lr */
    EXPECT_NEAR(p[1], 0.9 - 0.12, TOL);  /* s > 0: eta *= 1.2 */
    EXPECT_NEAR(p[2], 0.78, TOL);        /* s < 0: eta = 0.06, no move */
    EXPECT_NEAR(p[3], 0.78 + 0.06, TOL); /* prev was zeroed: s = 0, eta stays */
    h.step_size_max = 0.11;
    run1(DESCENT_RPROP, &h, 1.0f, g, 2, p);
    EXPECT_NEAR(p[1], 0.9 - 0.11, TOL); /* clamped to step_size_max */
}

/* The sign is that of the float32 product g*prev, as PyTorch computes it:
 * for tiny gradients it underflows to 0 and the step size does not grow. */
static void test_rprop_tiny_product_underflows(void)
{
    descent_hparams h = defaults(DESCENT_RPROP);
    const float g[] = {1e-30f, 1e-30f};
    float p[2];
    run1(DESCENT_RPROP, &h, 1.0f, g, 2, p);
    EXPECT(p[1] == (1.0f - 0.01f) - 0.01f, "tiny g: eta stays lr (got %.9g)", p[1]);
}

/* maximize negates the gradient before everything else, weight decay included. */
static void test_maximize_ascends(void)
{
    descent_hparams h = defaults(DESCENT_SGD);
    h.lr = 0.1;
    h.weight_decay = 0.5;
    h.maximize = 1;
    const float g[] = {1.0f};
    float p[1];
    run1(DESCENT_SGD, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 1.0 - 0.1 * (-1.0 + 0.5), TOL);
    h = defaults(DESCENT_RPROP);
    h.maximize = 1;
    run1(DESCENT_RPROP, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 1.01, TOL);
    h = defaults(DESCENT_ADAM);
    h.lr = 0.1;
    h.maximize = 1;
    run1(DESCENT_ADAM, &h, 1.0f, g, 1, p);
    EXPECT_NEAR(p[0], 1.1, 1e-5);
}

/* ASGD: eta_t = lr/(1 + lambd lr (t-1))^alpha and mu_t = 1/max(1, t-1-t0),
 * float32; ax copies p while mu = 1 and averages after. */
static void test_asgd_eta_mu_and_average(void)
{
    descent_hparams h = defaults(DESCENT_ASGD);
    h.lr = 0.1;
    h.lambd = 0.1;
    h.alpha = 0.5;
    h.t0 = 1;
    EXPECT(descent_asgd_eta(&h, 1) == 0.1f, "eta_1 = lr");
    EXPECT(descent_asgd_eta(&h, 3) == (float)(0.1 / sqrt(1.02)), "eta_3");
    EXPECT(descent_asgd_mu(&h, 3) == 1.0f && descent_asgd_mu(&h, 4) == 0.5f &&
               descent_asgd_mu(&h, 5) == (float)(1.0 / 3),
           "mu_t = 1/max(1, t-1-t0)");
    float p = 1.0f, ax = 0.0f, want_p = 1.0f, want_ax = 0.0f;
    const float g = 0.5f;
    for (long t = 1; t <= 5; t++) {
        descent_ref_asgd(&h, t, 1, &p, &g, &ax);
        const double eta = descent_asgd_eta(&h, t), mu = descent_asgd_mu(&h, t);
        want_p = (float)(want_p * (1 - 0.1 * eta) - eta * 0.5);
        want_ax = mu == 1 ? want_p : (float)(want_ax + mu * (want_p - want_ax));
    }
    EXPECT_NEAR(p, want_p, TOL);
    EXPECT_NEAR(ax, want_ax, TOL);
    EXPECT(fabsf(ax - p) > 1e-3f, "ax averages once mu < 1 (ax %.9g, p %.9g)", ax, p);
}

static void test_n_zero_touches_nothing(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        descent_hparams h = defaults((descent_optim_kind)k);
        descent_optimizer *opt;
        EXPECT(descent_optimizer_create((descent_optim_kind)k, &h, 0, &opt) == DESCENT_OK,
               "%s n=0: %s", descent_optim_name((descent_optim_kind)k), descent_last_error());
        if (!opt)
            continue;
        EXPECT(descent_optimizer_step(opt, NULL, NULL) == DESCENT_OK, "step with n = 0");
        EXPECT(descent_optimizer_step_count(opt) == 1, "step count advances");
        descent_optimizer_free(opt);
    }
}

/* The object must give exactly the reference's numbers, step after step,
 * including NAdam's running product; and reset must start over. */
static void test_optimizer_object_matches_reference_and_resets(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        descent_optim_kind kind = (descent_optim_kind)k;
        descent_hparams h = defaults(kind);
        h.lr = 0.05;
        const float g[] = {0.3f, -1.2f, 0.7f, 0.0f, 2.5f, -0.4f, 1.1f};
        float want[7], got[7];
        run1(kind, &h, 0.25f, g, 7, want);
        descent_optimizer *opt;
        if (descent_optimizer_create(kind, &h, 1, &opt) != DESCENT_OK) {
            EXPECT(0, "%s: %s", descent_optim_name(kind), descent_last_error());
            continue;
        }
        EXPECT(descent_optimizer_set_isa(opt, DESCENT_ISA_SCALAR) == DESCENT_OK, "scalar isa");
        for (int round = 0; round < 2; round++) {
            float p = 0.25f;
            for (int t = 0; t < 7; t++) {
                descent_optimizer_step(opt, &p, &g[t]);
                got[t] = p;
            }
            EXPECT(memcmp(got, want, sizeof got) == 0, "%s round %d: object differs from "
                   "reference (last %.9g vs %.9g)", descent_optim_name(kind), round, got[6],
                   want[6]);
            descent_optimizer_reset(opt);
            EXPECT(descent_optimizer_step_count(opt) == 0, "reset clears the step count");
        }
        descent_optimizer_free(opt);
    }
}

int main(void)
{
    RUN(test_sgd_plain_is_gradient_descent);
    RUN(test_sgd_momentum_first_step_sets_buffer);
    RUN(test_sgd_dampening_skips_first_step);
    RUN(test_sgd_nesterov_uses_updated_buffer);
    RUN(test_sgd_weight_decay_adds_to_gradient);
    RUN(test_adam_constant_gradient_moves_lr_per_step);
    RUN(test_adam_eps_after_bias_correction);
    RUN(test_adam_weight_decay_is_l2);
    RUN(test_adamw_weight_decay_is_decoupled);
    RUN(test_amsgrad_max_of_raw_second_moment);
    RUN(test_rmsprop_plain);
    RUN(test_rmsprop_eps_outside_root);
    RUN(test_rmsprop_centered);
    RUN(test_rmsprop_momentum);
    RUN(test_rmsprop_weight_decay);
    RUN(test_adagrad_accumulates);
    RUN(test_adagrad_lr_decay_from_second_step);
    RUN(test_adagrad_initial_accumulator);
    RUN(test_adagrad_weight_decay);
    RUN(test_adadelta_eps_inside_both_roots);
    RUN(test_adadelta_weight_decay);
    RUN(test_adamax_infinity_norm);
    RUN(test_adamax_eps_inside_max);
    RUN(test_nadam_documented_formula);
    RUN(test_nadam_momentum_decay);
    RUN(test_nadam_weight_decay);
    RUN(test_radam_rectifies_from_step_6);
    RUN(test_radam_weight_decay);
    RUN(test_zero_gradient_step_advances_state);
    RUN(test_rprop_sign_rule);
    RUN(test_rprop_tiny_product_underflows);
    RUN(test_maximize_ascends);
    RUN(test_asgd_eta_mu_and_average);
    RUN(test_n_zero_touches_nothing);
    RUN(test_optimizer_object_matches_reference_and_resets);
    return CHECK_EXIT_STATUS();
}
