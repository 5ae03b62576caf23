/* The scalar "variant": the reference optimizers behind the common kernel
 * signature, so that they can be dispatched and threaded like the others,
 * with the scalar non-finite check, gemm, the MLP's elementwise parts (the
 * reference's formulas, libm's tanhf/expf) and L-BFGS's vector work: the
 * table descent_scalar_isa. */
#include <math.h>

#include "../reference/ref_internal.h"
#include "clip/sum_squares.h"
#include "kernel.h"

/* Every optimizer's reference through the registry's generic caller, which
 * knows each one's signature. */
static void reference_step(const descent_step *s, size_t n, float *param, const float *grad,
                           float *const state[3])
{
    /* Each block starts from the same product; the caller advances it once. */
    double mu_product = s->mu_product_before;
    descent_call_reference_signature(s->kind, NULL, s->h, s->t, n, param, grad, state,
                                     &mu_product);
}

static size_t first_nonfinite(size_t n, const float *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return i;
    return n;
}

/* L-BFGS's vector work as plain loops (kernel.h): one float accumulator,
 * and y + a*x rounded twice, as written. */
static float lbfgs_dot(size_t n, const float *x, const float *y)
{
    float sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i] * y[i];
    return sum;
}

static float lbfgs_abs_sum(size_t n, const float *x)
{
    float sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += fabsf(x[i]);
    return sum;
}

static float lbfgs_abs_max(size_t n, const float *x)
{
    float best = 0;
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(x[i]) <= best)) /* NaN wins, as torch's max */
            best = fabsf(x[i]);
    return best;
}

static void lbfgs_axpy(size_t n, float a, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] + a * x[i];
}

static void lbfgs_scale(size_t n, float a, const float *x, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a * x[i];
}

static void lbfgs_sub(size_t n, const float *a, const float *b, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] - b[i];
}

static void mlp_bias_act(descent_activation act, size_t n, const float *bias, float *z)
{
    for (size_t i = 0; i < n; i++) {
        const float v = z[i] + bias[i];
        z[i] = act == DESCENT_MLP_LINEAR ? v : descent_mlp_activate(act, v);
    }
}

/* act'(z) from a = act(z): relu' = [a > 0] = [z > 0] (0 at 0). */
static float derivative_from_output(descent_activation act, float a)
{
    switch (act) {
    case DESCENT_RELU: return a > 0.0f ? 1.0f : 0.0f;
    case DESCENT_TANH: return 1.0f - a * a;
    case DESCENT_SIGMOID: return a * (1.0f - a);
    default: return 1.0f;
    }
}

static void mlp_act_grad(descent_activation act, size_t n, const float *a, float *d)
{
    for (size_t i = 0; i < n; i++)
        d[i] = d[i] * derivative_from_output(act, a[i]);
}

static float mlp_softmax_xent(size_t n, const float *z, int label, int batch, float *g)
{
    return descent_mlp_softmax_cross_entropy((int)n, z, label, batch, g);
}

void descent_mlp_transpose_scalar(size_t rows, size_t cols, const float *src, ptrdiff_t lds,
                                  float *dst, ptrdiff_t ldd)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            dst[j * ldd + i] = src[i * lds + j];
}

static void map_exp(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i]);
}

static void map_tanh(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

/* The clipping kernels, plain C: |x|^p summed in double in index order. */
static double norm_sum(size_t n, const float *x, double p)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const double a = fabs((double)x[i]);
        if (isinf(p))
            total = a != a || total != total ? NAN : (a > total ? a : total);
        else
            total += p == 1.0 ? a : p == 2.0 ? a * a : pow(a, p);
    }
    return total;
}

static void scale(size_t n, float *x, float factor)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] * factor;
}

static double sum_squares(size_t n, const float *x)
{
    return sum_squares_double(n, x);
}

static void clamp(size_t n, float *x, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] != x[i] ? x[i] : x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

/* One float at a time. */
static unsigned scalar_bits(void) { return 32; }
/* Mixed precision's conversions: the reference's. */
static void widen_bf16(size_t n, const uint16_t *x, float *out)
{
    descent_ref_widen(n, DESCENT_BF16, x, out);
}
static void widen_fp16(size_t n, const uint16_t *x, float *out)
{
    descent_ref_widen(n, DESCENT_FP16, x, out);
}
static void narrow_bf16(size_t n, const float *x, uint16_t *out)
{
    descent_ref_narrow(n, x, DESCENT_BF16, out);
}
static void narrow_fp16(size_t n, const float *x, uint16_t *out)
{
    descent_ref_narrow(n, x, DESCENT_FP16, out);
}

const descent_isa_kernels descent_scalar_isa = {
    .optim = {
#define OPTIM_ENTRY(KIND, ...) [DESCENT_##KIND] = reference_step,
        DESCENT_OPTIMIZERS(OPTIM_ENTRY)
#undef OPTIM_ENTRY
    },
    .first_nonfinite = first_nonfinite,
    .norm_sum = norm_sum,
    .scale = scale,
    .clamp = clamp,
    .sum_squares = sum_squares,
    .gemm = descent_gemm_scalar,
    .gemm_nt = descent_gemm_nt_scalar,
    .lbfgs = {lbfgs_dot, lbfgs_abs_sum, lbfgs_abs_max, lbfgs_axpy, lbfgs_scale, lbfgs_sub},
    .mlp_bias_act = mlp_bias_act,
    .mlp_act_grad = mlp_act_grad,
    .mlp_softmax_xent = mlp_softmax_xent,
    .mlp_transpose = descent_mlp_transpose_scalar,
    .map_exp = map_exp,
    .map_tanh = map_tanh,
    .vector_bits = scalar_bits,
    .convert = {widen_bf16, widen_fp16, narrow_bf16, narrow_fp16},
};
