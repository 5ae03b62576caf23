/*
 * Reliability of the optimizer object:
 *  - the non-finite check kernel (every compiled variant this CPU runs)
 *    finds the first NaN/+Inf/-Inf at every position, in the body and the
 *    vector tail, whatever the thread count;
 *  - descent_optimizer_set_nonfinite: SKIP and STOP leave parameters, state
 *    and step count bitwise untouched (SKIP counts the step, STOP returns
 *    DESCENT_ERR_NONFINITE naming the index); PROPAGATE (the default, as
 *    torch.optim) puts NaN exactly where the scalar reference does, for
 *    every optimizer and every variant;
 *  - allocation failure is reported, not a crash: a huge n gives
 *    DESCENT_ERR_NOMEM with a message, n = 0 works.
 * Under AddressSanitizer the huge requests need ASAN_OPTIONS
 * allocator_may_return_null=1 (tests/run.sh sets it).
 */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "check.h"
#include "descent.h"

static descent_isa current_isa;

static float bad_value(int which)
{
    return which == 0 ? NAN : which == 1 ? INFINITY : -INFINITY;
}
static const char *const bad_names[3] = {"NaN", "+Inf", "-Inf"};

/* ------------------------------------------------------ the check kernel */

static void test_check_kernel_finds_first_bad(void)
{
    const descent_finite_fn check = descent_isa_table(current_isa)->first_nonfinite;
    EXPECT(check != NULL, "%s: no non-finite check", descent_isa_name(current_isa));
    if (!check)
        return;
    static const size_t sizes[] = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65,
                                   127, 1023, 1024, 1025, 4099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const size_t n = sizes[s];
        float *x = malloc((n + 1) * sizeof(float));
        /* Finite extremes must pass: FLT_MAX - FLT_MAX is 0, not Inf. */
        for (size_t i = 0; i < n; i++) {
            static const float finite[] = {1.0f, -0.0f, FLT_MAX, -FLT_MAX, FLT_MIN,
                                           1e-45f, -3.5f, 0.0f};
            x[i] = finite[i % 8];
        }
        EXPECT(check(n, x) == n, "%s n=%zu: all finite, got %zu", descent_isa_name(current_isa),
               n, check(n, x));
        /* Every position for small n, a spread and the last one for large n. */
        const size_t stride = n <= 130 ? 1 : n / 37;
        for (size_t p = 0; p < n; p = (p + stride < n || p == n - 1) ? p + stride : n - 1) {
            for (int b = 0; b < 3; b++) {
                const float saved = x[p];
                x[p] = bad_value(b);
                size_t got = check(n, x);
                EXPECT(got == p, "%s n=%zu: %s at %zu, check says %zu",
                       descent_isa_name(current_isa), n, bad_names[b], p, got);
                if (p + 1 < n) { /* a second bad value after the first changes nothing */
                    const float saved2 = x[n - 1];
                    x[n - 1] = NAN;
                    got = check(n, x);
                    EXPECT(got == p, "%s n=%zu: %s at %zu and NaN at %zu, check says %zu",
                           descent_isa_name(current_isa), n, bad_names[b], p, n - 1, got);
                    x[n - 1] = saved2;
                }
                x[p] = saved;
            }
        }
        free(x);
    }
}

static void test_check_threads_agree(void)
{
    const descent_finite_fn check = descent_isa_table(current_isa)->first_nonfinite;
    if (!check)
        return;
    /* blocks of 16384, a ragged last one, above the one-thread threshold */
    const size_t n = 4 * 16384 + 1000;
    EXPECT(descent_parallel_splits(n), "n = %zu is below the threshold: no split to test", n);
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = (float)i * 0.25f - 1000.0f;
    for (int threads = 1; threads <= 3; threads++) {
        EXPECT(descent_parallel_first_nonfinite(check, n, x, threads) == n,
               "%s threads=%d: all finite", descent_isa_name(current_isa), threads);
        /* Bad values in blocks 3 and 1: the smaller index wins on any split. */
        x[n - 1] = INFINITY;
        x[2 * 16384 + 5] = NAN;
        x[16384 + 17] = -INFINITY;
        size_t got = descent_parallel_first_nonfinite(check, n, x, threads);
        EXPECT(got == 16384 + 17, "%s threads=%d: got %zu, want %zu",
               descent_isa_name(current_isa), threads, got, (size_t)16384 + 17);
        x[16384 + 17] = 1.0f, x[2 * 16384 + 5] = 1.0f;
        got = descent_parallel_first_nonfinite(check, n, x, threads);
        EXPECT(got == n - 1, "%s threads=%d: tail Inf, got %zu", descent_isa_name(current_isa),
               threads, got);
        x[n - 1] = 1.0f;
    }
    free(x);
}

/* ------------------------------------------------ the optimizer policies */

/* Every option branch of every optimizer (the registry's). */
typedef struct setup {
    descent_optim_kind kind;
    const char *name;
    const char *settings;
} setup;

static setup setups[64];
static size_t n_setups;

static void collect_setups(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        for (int b = 0; b < info->branch_count; b++)
            if (n_setups < sizeof setups / sizeof setups[0])
                setups[n_setups++] = (setup){info->kind, info->branches[b].name,
                                             info->branches[b].settings};
    }
}

#define N 37 /* 4 + 1 AVX2 vectors, 2 AVX-512 + 5, NEON 9 + 1: a tail everywhere */

static void fill(float *x, size_t n, unsigned seed)
{
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((int)(s >> 9) - (1 << 22)) / (float)(1 << 22);
    }
}

static descent_optimizer *make(const setup *su, descent_isa isa, float *param)
{
    descent_hparams h;
    descent_hparams_default(su->kind, &h);
    descent_hparams_apply(su->kind, &h, su->settings);
    descent_optimizer *opt = NULL;
    if (descent_optimizer_create(su->kind, &h, N, &opt) != DESCENT_OK ||
        descent_optimizer_set_isa(opt, isa) != DESCENT_OK) {
        EXPECT(0, "%s/%s on %s: %s", descent_optim_name(su->kind), su->name,
               descent_isa_name(isa), descent_last_error());
        descent_optimizer_free(opt);
        return NULL;
    }
    fill(param, N, 1);
    float grad[N];
    for (unsigned t = 0; t < 2; t++) { /* some history in the state */
        fill(grad, N, 10 + t);
        descent_optimizer_step(opt, param, grad);
    }
    return opt;
}

/* Copies params and state, to check that nothing moved. */
typedef struct snapshot {
    float param[N], state[3][N];
    long t;
} snapshot;

static void take(snapshot *s, const descent_optimizer *opt, const float *param)
{
    memset(s, 0, sizeof *s);
    memcpy(s->param, param, sizeof s->param);
    for (int k = 0; k < 3; k++)
        if (descent_optimizer_state(opt, k))
            memcpy(s->state[k], descent_optimizer_state(opt, k), sizeof s->state[k]);
    s->t = descent_optimizer_step_count(opt);
}

static void test_skip_and_stop_leave_everything_untouched(void)
{
    static const size_t positions[] = {0, 17, N - 1};
    for (size_t u = 0; u < n_setups; u++) {
        const setup *su = &setups[u];
        for (int policy = DESCENT_NONFINITE_SKIP; policy <= DESCENT_NONFINITE_STOP; policy++) {
            for (size_t pi = 0; pi < 3; pi++) {
                for (int b = 0; b < 3; b++) {
                    float param[N], grad[N], clean_param[N];
                    descent_optimizer *opt = make(su, current_isa, param);
                    descent_optimizer *clean = make(su, current_isa, clean_param);
                    if (!opt || !clean) {
                        descent_optimizer_free(opt), descent_optimizer_free(clean);
                        return;
                    }
                    EXPECT(descent_optimizer_nonfinite(opt) == DESCENT_NONFINITE_PROPAGATE,
                           "default policy is propagate");
                    descent_optimizer_set_nonfinite(opt, (descent_nonfinite_policy)policy);
                    snapshot before, after;
                    take(&before, opt, param);
                    fill(grad, N, 99);
                    grad[positions[pi]] = bad_value(b);
                    descent_status s = descent_optimizer_step(opt, param, grad);
                    take(&after, opt, param);
                    const char *what = descent_nonfinite_name((descent_nonfinite_policy)policy);
                    EXPECT(!memcmp(&before, &after, sizeof before),
                           "%s %s/%s %s: %s at %zu changed params, state or step count",
                           descent_isa_name(current_isa), descent_optim_name(su->kind),
                           su->name, what, bad_names[b], positions[pi]);
                    if (policy == DESCENT_NONFINITE_SKIP) {
                        EXPECT(s == DESCENT_OK && descent_optimizer_skipped_steps(opt) == 1,
                               "%s %s skip: status %d, skipped %ld", descent_isa_name(current_isa),
                               descent_optim_name(su->kind), (int)s,
                               descent_optimizer_skipped_steps(opt));
                    } else {
                        char want[64];
                        snprintf(want, sizeof want, "grad[%zu] = ", positions[pi]);
                        EXPECT(s == DESCENT_ERR_NONFINITE &&
                                   strstr(descent_last_error(), want) &&
                                   descent_optimizer_skipped_steps(opt) == 0,
                               "%s %s stop: status %d, message '%s' (want '%s')",
                               descent_isa_name(current_isa), descent_optim_name(su->kind),
                               (int)s, descent_last_error(), want);
                    }
                    /* The next good step gives the bits of a run that never
                     * saw the bad gradient. */
                    fill(grad, N, 5);
                    EXPECT(descent_optimizer_step(opt, param, grad) == DESCENT_OK, "good step");
                    descent_optimizer_step(clean, clean_param, grad);
                    take(&before, clean, clean_param);
                    take(&after, opt, param);
                    EXPECT(!memcmp(&before, &after, sizeof before),
                           "%s %s/%s %s: the step after a rejected one differs from a clean run",
                           descent_isa_name(current_isa), descent_optim_name(su->kind),
                           su->name, what);
                    descent_optimizer_free(opt);
                    descent_optimizer_free(clean);
                }
            }
        }
    }
}

/* PROPAGATE: NaN and Inf go where the scalar reference puts them, in the
 * parameters and in every state array, on the bad step and the next ones
 * (e.g. AMSGrad's running max keeps a NaN, as torch.maximum does). */
static void test_propagate_matches_reference(void)
{
    for (size_t u = 0; u < n_setups; u++) {
        const setup *su = &setups[u];
        for (int b = 0; b < 3; b++) {
            float param[N], ref_param[N], grad[N];
            descent_optimizer *opt = make(su, current_isa, param);
            descent_optimizer *ref = make(su, DESCENT_ISA_SCALAR, ref_param);
            if (!opt || !ref) {
                descent_optimizer_free(opt), descent_optimizer_free(ref);
                return;
            }
            for (int t = 0; t < 3; t++) {
                fill(grad, N, 40 + (unsigned)t);
                if (t == 0)
                    grad[N - 1] = bad_value(b), grad[3] = bad_value(b);
                EXPECT(descent_optimizer_step(opt, param, grad) == DESCENT_OK, "propagate step");
                descent_optimizer_step(ref, ref_param, grad);
                int nonfinite_seen = 0;
                for (int k = -1; k < 3; k++) {
                    const float *g = k < 0 ? param : descent_optimizer_state(opt, k);
                    const float *w = k < 0 ? ref_param : descent_optimizer_state(ref, k);
                    if (!g || !w)
                        continue;
                    for (size_t i = 0; i < N; i++) {
                        nonfinite_seen |= !isfinite(w[i]);
                        EXPECT(isnan(g[i]) == isnan(w[i]) && isinf(g[i]) == isinf(w[i]),
                               "%s %s/%s %s step +%d: %s[%zu] = %g, reference %g",
                               descent_isa_name(current_isa), descent_optim_name(su->kind),
                               su->name, bad_names[b], t + 1,
                               k < 0 ? "param" : descent_optim_state_name(su->kind, k), i,
                               (double)g[i], (double)w[i]);
                    }
                }
                EXPECT(nonfinite_seen, "%s/%s %s: the reference kept every value finite",
                       descent_optim_name(su->kind), su->name, bad_names[b]);
            }
            EXPECT(descent_optimizer_skipped_steps(opt) == 0 && descent_optimizer_step_count(opt) == 5,
                   "propagate counts steps as taken");
            descent_optimizer_free(opt);
            descent_optimizer_free(ref);
        }
    }
}

/* Skips accumulate, reset clears them, and the policy names round-trip. */
static void test_policy_api(void)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    descent_optimizer *opt;
    float param[N] = {0}, grad[N] = {0};
    EXPECT(descent_optimizer_create(DESCENT_ADAM, &h, N, &opt) == DESCENT_OK, "create");
    EXPECT(descent_optimizer_set_nonfinite(opt, (descent_nonfinite_policy)7) == DESCENT_ERR_INVALID,
           "policy 7 rejected");
    EXPECT(descent_optimizer_set_nonfinite(opt, DESCENT_NONFINITE_SKIP) == DESCENT_OK, "skip");
    grad[5] = NAN;
    for (int i = 0; i < 3; i++)
        descent_optimizer_step(opt, param, grad);
    EXPECT(descent_optimizer_skipped_steps(opt) == 3 && descent_optimizer_step_count(opt) == 0,
           "3 skipped, 0 taken: got %ld, %ld", descent_optimizer_skipped_steps(opt),
           descent_optimizer_step_count(opt));
    grad[5] = 0;
    descent_optimizer_step(opt, param, grad);
    EXPECT(descent_optimizer_skipped_steps(opt) == 3 && descent_optimizer_step_count(opt) == 1,
           "then one taken");
    descent_optimizer_reset(opt);
    EXPECT(descent_optimizer_skipped_steps(opt) == 0, "reset clears the skip count");
    descent_optimizer_free(opt);
    for (int p = 0; p < DESCENT_NONFINITE_COUNT; p++) {
        descent_nonfinite_policy back;
        EXPECT(descent_nonfinite_from_name(descent_nonfinite_name((descent_nonfinite_policy)p),
                                           &back) == DESCENT_OK && back == (descent_nonfinite_policy)p,
               "name of policy %d round-trips", p);
    }
    descent_nonfinite_policy back;
    EXPECT(descent_nonfinite_from_name("ignore", &back) == DESCENT_ERR_INVALID &&
               strstr(descent_last_error(), "'ignore'"),
           "unknown policy name: %s", descent_last_error());
}

/* ------------------------------------------------------------ allocation */

static void test_huge_n_is_nomem(void)
{
    static const size_t huge[] = {SIZE_MAX / 8, SIZE_MAX / 4 + 1, SIZE_MAX};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        descent_hparams h;
        descent_hparams_default(DESCENT_ADAM, &h);
        descent_optimizer *opt = (descent_optimizer *)&h; /* must be set to NULL */
        descent_status s = descent_optimizer_create(DESCENT_ADAM, &h, huge[i], &opt);
        EXPECT(s == DESCENT_ERR_NOMEM && opt == NULL &&
                   strstr(descent_last_error(), "out of memory: exp_avg state for"),
               "n = %zu: status %d, message '%s'", huge[i], (int)s, descent_last_error());
    }
    /* An MLP whose workspace (activations for max_batch examples) would
     * take 2^30 x 2^24 floats; the object holds no copy of the weights. */
    descent_mlp_shape shape = {.layers = 1, .sizes = {1 << 24, 1 << 24},
                               .activation = DESCENT_RELU, .loss = DESCENT_MSE};
    descent_mlp *mlp = (descent_mlp *)&shape;
    descent_status s = descent_mlp_create(&shape, 1 << 30, &mlp);
    EXPECT(s == DESCENT_ERR_NOMEM && mlp == NULL && strstr(descent_last_error(), "out of memory"),
           "huge MLP: status %d, message '%s'", (int)s, descent_last_error());
}

static void test_n_zero_works(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        descent_hparams h;
        descent_hparams_default((descent_optim_kind)k, &h);
        descent_optimizer *opt;
        EXPECT(descent_optimizer_create((descent_optim_kind)k, &h, 0, &opt) == DESCENT_OK,
               "%s n=0: %s", descent_optim_name((descent_optim_kind)k), descent_last_error());
        if (!opt)
            continue;
        descent_optimizer_set_nonfinite(opt, DESCENT_NONFINITE_STOP);
        EXPECT(descent_optimizer_step(opt, NULL, NULL) == DESCENT_OK &&
                   descent_optimizer_step_count(opt) == 1,
               "%s n=0 step", descent_optim_name((descent_optim_kind)k));
        descent_optimizer_free(opt);
    }
}

int main(void)
{
    collect_setups();
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        current_isa = (descent_isa)isa;
        if (!CHECK_VARIANT_RUNS(current_isa))
            continue;
        RUN(test_check_kernel_finds_first_bad);
        RUN(test_check_threads_agree);
        RUN(test_skip_and_stop_leave_everything_untouched);
        RUN(test_propagate_matches_reference);
    }
    RUN(test_policy_api);
    RUN(test_huge_n_is_nomem);
    RUN(test_n_zero_works);
    return CHECK_EXIT_STATUS();
}
