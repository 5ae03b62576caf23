/*
 * Every compiled-in variant that this CPU runs, for every optimizer and
 * option branch, against the reference (the scalar variant), step by step.
 *
 * Data: parameters N(0,1); gradients N(0,1) times a per-element magnitude
 * 10^u, u uniform in [-6, 3] (tiny to large), with an all-zero gradient at
 * one step.  Sizes 0..65537 around the vector widths, with pointer offsets
 * that break the alignment of every array, over STEPS steps.
 *
 * Metric: src/agreement.h (the one definition, which descent validate uses
 * too): per element of the parameters, |got - want| <= rtol * (largest |want|
 * so far + sum of |changes|); for the state arrays, rtol * the largest |want|
 * of the whole array so far.
 * rtol per optimizer is in its registry row, with the reason; the worst
 * ratio seen per optimizer and variant is printed, so the margin is visible.
 *
 * Also: results are bitwise identical for 1, 2 and 3 threads; and every
 * variant, the reference included, forms the averages of squares bit for bit
 * as PyTorch's addcmul does (test_square_averages_are_addcmul).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "agreement.h"
#include "check.h"
#include "descent.h"

#define STEPS 100
#define QUICK_STEPS 20 /* DESCENT_TEST_QUICK=1 */

/* Every option branch of every optimizer, from the registry
 * (include/descent_optimizers.h), with the optimizer's tolerance: one
 * float32 ulp is 6e-8 relative; errors of a few ulp per step accumulate
 * over the 100 steps through the state. */
typedef struct branch {
    const descent_optim_info *info;
    const descent_optim_branch *b;
} branch;

static branch branches[64];
static size_t n_branches;

static void collect_branches(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        for (int b = 0; b < info->branch_count; b++)
            if (n_branches < sizeof branches / sizeof branches[0])
                branches[n_branches++] = (branch){info, &info->branches[b]};
    }
}

/* The branch's hyperparameters: the defaults with its settings. */
static descent_hparams branch_hparams(const branch *b)
{
    descent_hparams h;
    descent_hparams_default(b->info->kind, &h);
    EXPECT(descent_hparams_apply(b->info->kind, &h, b->b->settings) == DESCENT_OK, "%s/%s: %s",
           b->info->name, b->b->name, descent_last_error());
    return h;
}

static const size_t sizes[] = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 1000, 65537};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

/* ---------------------------------------------------------- random data */


/* ------------------------------------------------------------ one case */

typedef struct arrays {
    float *param, *state[3]; /* each offset from its allocation */
    void *blocks[4];
} arrays;

/* Parameters from init, each state array at its initial value. */
static void arrays_init(arrays *a, size_t n, size_t offset, const descent_hparams *h,
                        const descent_optim_info *info, const float *init)
{
    for (int k = 0; k < 4; k++) {
        a->blocks[k] = malloc((n + offset + 1) * sizeof(float));
        float *base = (float *)a->blocks[k] + offset;
        const descent_hparam_key initial =
            k > 0 && k <= info->state_count ? info->states[k - 1].initial : DESCENT_HP_NONE;
        const float fill =
            initial == DESCENT_HP_NONE ? 0.0f : (float)descent_hparams_get(h, initial);
        for (size_t i = 0; i < n; i++)
            base[i] = k == 0 ? init[i] : fill;
        if (k == 0)
            a->param = base;
        else
            a->state[k - 1] = base;
    }
}

static void arrays_free(arrays *a)
{
    for (int k = 0; k < 4; k++)
        free(a->blocks[k]);
}

static double worst[DESCENT_ISA_COUNT][DESCENT_OPTIM_COUNT];

/* DESCENT_TEST_QUICK=1 (the sanitizer, valgrind and qemu runs): the largest size,
 * 65537, becomes 1025, still many vectors with a ragged tail, and fewer
 * steps (QUICK_STEPS; 2 in the thread test). */
static size_t quick_size(size_t n)
{
    return (check_quick() && n > 1025) ? 1025 : n;
}

/* Runs one branch at one size on `isa` and the reference side by side. */
static void agree(descent_isa isa, const branch *b, size_t n, size_t offset)
{
    const descent_optim_kind kind = b->info->kind;
    const descent_hparams h = branch_hparams(b);
    const descent_kernel_fn fast = descent_isa_table(isa)->optim[kind];
    const descent_kernel_fn ref = descent_scalar_isa.optim[kind];

    float *init = malloc((n + 1) * sizeof(float));
    float *magnitude = malloc((n + 1) * sizeof(float));
    float *grad_block = malloc((n + offset + 1) * sizeof(float));
    float *grad = grad_block + offset;
    for (size_t i = 0; i < n; i++) {
        init[i] = (float)check_normal();
        magnitude[i] = (float)pow(10.0, -6.0 + 9.0 * check_uniform());
    }
    arrays got, want;
    arrays_init(&got, n, offset, &h, b->info, init);
    arrays_init(&want, n, offset, &h, b->info, init);
    const int states = b->info->state_count;
    const float *got_arrays[4] = {got.param, got.state[0], got.state[1], got.state[2]};
    const float *want_arrays[4] = {want.param, want.state[0], want.state[1], want.state[2]};
    agreement a; /* the metric of the header, src/agreement.c: the validator's too */
    EXPECT(agreement_init(&a, n, 1 + states, want_arrays) == 0, "out of memory");
    const double rtol = b->info->rtol;
    double mu_product = 1.0;

    const long steps = check_quick() ? QUICK_STEPS : STEPS;
    for (long t = 1; t <= steps; t++) {
        for (size_t i = 0; i < n; i++)
            grad[i] = (t == steps / 2) ? 0.0f : (float)(check_normal() * magnitude[i]);
        const descent_step step = {kind, &h, t, mu_product};
        fast(&step, n, got.param, grad, got.state);
        ref(&step, n, want.param, grad, want.state);
        if (b->info->product_factor)
            mu_product *= b->info->product_factor(&h, t);
        agreement_step(&a, t, got_arrays, want_arrays);
    }
    const double worst_here = a.worst;
    if (worst_here > worst[isa][kind])
        worst[isa][kind] = worst_here;
    EXPECT(worst_here <= rtol,
           "%s %s/%s n=%zu offset=%zu: %s[%zu] at step %ld: got %.9g want %.9g "
           "(error %.3g of its scale > rtol %.1g)",
           descent_isa_name(isa), b->info->name, b->b->name, n, offset,
           a.worst_array == 0 ? "param" : b->info->states[a.worst_array - 1].name,
           a.worst_index, a.worst_step, a.worst_got, a.worst_want, worst_here, rtol);
    agreement_free(&a);
    arrays_free(&got);
    arrays_free(&want);
    free(init);
    free(magnitude);
    free(grad_block);
}

static descent_isa current_isa;


static void test_variant_agrees_with_reference(void)
{
    check_seed(42);
    for (size_t b = 0; b < n_branches; b++)
        for (size_t s = 0; s < N_SIZES; s++)
            agree(current_isa, &branches[b], quick_size(sizes[s]), s % 4); /* offsets 0..3 floats */
}

/* Threads split the arrays into blocks (LAMB's tensor into shares of its
 * two passes); every element must come out the same whatever the split. */
static void test_threads_bitwise_identical(void)
{
    /* more blocks than threads, a ragged end, and above the one-thread
     * threshold: below it every thread count runs the kernel whole */
    const size_t n = 4 * 16384 + 1000;
    EXPECT(descent_parallel_splits(n), "n = %zu is below the threshold: no split to test", n);
    for (size_t b = 0; b < n_branches; b++) {
        const descent_optim_info *info = branches[b].info;
        const descent_hparams h = branch_hparams(&branches[b]);
        const descent_kernel_fn fast = descent_isa_table(current_isa)->optim[info->kind];
        float *runs[3];
        check_seed(7);
        float *init = malloc(n * sizeof(float)), *grad = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            init[i] = (float)check_normal();
        for (int r = 0; r < 3; r++) {
            arrays a;
            arrays_init(&a, n, 0, &h, info, init);
            double mu_product = 1.0;
            check_seed(11);
            for (long t = 1; t <= (check_quick() ? 2 : 5); t++) {
                for (size_t i = 0; i < n; i++)
                    grad[i] = (float)check_normal();
                const descent_step step = {info->kind, &h, t, mu_product};
                descent_parallel_step(fast, &descent_isa_table(current_isa)->tensor_passes[info->kind],
                                      &step, n, a.param, grad, a.state, r + 1);
                if (info->product_factor)
                    mu_product *= info->product_factor(&h, t);
            }
            /* params then the three state arrays (unused ones stay zero) */
            runs[r] = malloc(4 * n * sizeof(float));
            memcpy(runs[r], a.param, n * sizeof(float));
            for (int k = 0; k < 3; k++)
                memcpy(runs[r] + (size_t)(k + 1) * n, a.state[k], n * sizeof(float));
            arrays_free(&a);
        }
        EXPECT(!memcmp(runs[0], runs[1], 4 * n * sizeof(float)) &&
                   !memcmp(runs[0], runs[2], 4 * n * sizeof(float)),
               "%s %s/%s: parameters or state differ between 1, 2 and 3 threads",
               descent_isa_name(current_isa), info->name, branches[b].b->name);
        for (int r = 0; r < 3; r++)
            free(runs[r]);
        free(init);
        free(grad);
    }
}

/* ------------------------------------------- averages of squares, bitwise */

/* PyTorch forms every average of squares with addcmul, which its CPU kernel
 * computes as one fused multiply-add (measured bit for bit on 1.13.1):
 * avg.mul_(beta).addcmul_(x, x, value=1 - beta) is fma((1 - beta)*x, x,
 * beta*avg), and Adagrad's sum.addcmul_(g, g, value=1) is fma(g, g, sum).
 * With x*x rounded on its own, the average was inf from |x| ~ 1.8e19 (a
 * frozen parameter) where PyTorch's is finite up to ~5.8e20 (beta 0.999). */
static float ema_square(double beta, float avg, float x)
{
    return fmaf((float)(1.0 - beta) * x, x, (float)beta * avg);
}

/* The first element whose bits differ between got and want, or n. */
static size_t first_difference(size_t n, const float *got, const float *want)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
            return i;
    return n;
}

static void test_square_averages_are_addcmul(void)
{
    static const descent_optim_kind kinds[] = {DESCENT_ADAM, DESCENT_ADAMW, DESCENT_NADAM,
                                               DESCENT_RADAM, DESCENT_RMSPROP, DESCENT_ADADELTA,
                                               DESCENT_ADAGRAD};
    enum { N = 37 }; /* vectors and a ragged tail on every width */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const descent_optim_kind kind = kinds[k];
        descent_hparams h;
        descent_hparams_default(kind, &h);
        const descent_isa_kernels *table = descent_isa_table(current_isa);
        descent_kernel_fn kernel = table ? table->optim[kind] : NULL;
        EXPECT(kernel, "%s %s: no kernel", descent_isa_name(current_isa), descent_optim_name(kind));
        if (!kernel)
            continue;
        float param[N], grad[N], before[3][N], after[3][N], want[N];
        check_seed(5 + k);
        for (size_t i = 0; i < N; i++) {
            param[i] = (float)check_normal();
            /* |g| from 1e-3 to 1e21, the window 1.8e19 .. 5.8e20 included */
            grad[i] = i < 3 ? (float)((i % 2 ? -1 : 1) * (3e19 * pow(4.0, (double)i)))
                            : (float)(check_normal() * pow(10.0, -3.0 + 24.0 * check_uniform()));
            for (int a = 0; a < 3; a++)
                before[a][i] = after[a][i] = (float)(fabs(check_normal()) * pow(10.0, 4.0 * check_uniform()));
        }
        float *state[3] = {after[0], after[1], after[2]};
        const descent_step step = {kind, &h, 3, 0.5};
        kernel(&step, N, param, grad, state);

        /* the average of squares: state 1 of the Adam family, state 0 of the others */
        const int sq = (kind == DESCENT_RMSPROP || kind == DESCENT_ADADELTA ||
                        kind == DESCENT_ADAGRAD) ? 0 : 1;
        const double beta = kind == DESCENT_RMSPROP ? h.alpha
                          : kind == DESCENT_ADADELTA ? h.rho : h.beta2;
        for (size_t i = 0; i < N; i++)
            want[i] = kind == DESCENT_ADAGRAD ? fmaf(grad[i], grad[i], before[0][i])
                                              : ema_square(beta, before[sq][i], grad[i]);
        size_t bad = first_difference(N, after[sq], want);
        EXPECT(bad == N, "%s %s: %s[%zu] = %.9g, want %.9g (g = %.9g; PyTorch's addcmul)",
               descent_isa_name(current_isa), descent_optim_name(kind),
               descent_optim_state_name(kind, sq), bad, after[sq][bad % N], want[bad % N],
               grad[bad % N]);
        if (kind != DESCENT_ADADELTA)
            continue;
        /* Adadelta's second average, of delta = sqrt(u + eps)/sqrt(v + eps)*g */
        const float eps = (float)h.eps;
        for (size_t i = 0; i < N; i++) {
            const float delta = sqrtf(before[1][i] + eps) / sqrtf(after[0][i] + eps) * grad[i];
            want[i] = ema_square(h.rho, before[1][i], delta);
        }
        bad = first_difference(N, after[1], want);
        EXPECT(bad == N, "%s adadelta: acc_delta[%zu] = %.9g, want %.9g (PyTorch's addcmul)",
               descent_isa_name(current_isa), bad, after[1][bad % N], want[bad % N]);
    }
}

int main(void)
{
    int ran = 0;
    collect_branches();
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        current_isa = (descent_isa)isa;
        if (isa == DESCENT_ISA_SCALAR || !CHECK_VARIANT_RUNS(current_isa))
            continue;
        RUN(test_variant_agrees_with_reference);
        RUN(test_threads_bitwise_identical);
        RUN(test_square_averages_are_addcmul);
        ran++;
    }
    /* The scalar variant through the threading layer must be bitwise too. */
    current_isa = DESCENT_ISA_SCALAR;
    RUN(test_threads_bitwise_identical);
    RUN(test_square_averages_are_addcmul);

    printf("# worst error per kernel, as a fraction of the scale S_i defined above:\n");
    printf("# %-9s %-8s %-10s %s\n", "optimizer", "variant", "worst", "tolerance (why)");
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        for (int isa = 1; isa < DESCENT_ISA_COUNT; isa++)
            if (descent_isa_supported((descent_isa)isa))
                printf("# %-9s %-8s %-10.2e %.0e (%s)\n", info->name,
                       descent_isa_name((descent_isa)isa), worst[isa][k], info->rtol,
                       info->rtol_why);
    }
    if (!ran)
        printf("# no SIMD variant compiled in or supported: only the threading check ran\n");
    return CHECK_EXIT_STATUS();
}
