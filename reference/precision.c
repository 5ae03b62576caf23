/*
 * Mixed precision, the reference (include/descent_precision.h): the scalar
 * conversions, written plainly from the formats' definitions, and each
 * combination's step: widen, the fp32 reference step, round.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/philox.h"
#include "ref_internal.h"

static uint32_t float_bits(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

static float bits_float(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* ------------------------------------------------------------ dtypes */

static const char *const dtype_names[DESCENT_DTYPE_COUNT] = {"fp32", "bf16", "fp16"};

const char *descent_dtype_name(descent_dtype dtype)
{
    return (unsigned)dtype < DESCENT_DTYPE_COUNT ? dtype_names[dtype] : NULL;
}

descent_status descent_dtype_from_name(const char *name, descent_dtype *dtype)
{
    if (!dtype)
        return descent_fail(DESCENT_ERR_INVALID, "descent_dtype_from_name: NULL dtype");
    for (int d = 0; name && d < DESCENT_DTYPE_COUNT; d++)
        if (strcmp(name, dtype_names[d]) == 0) {
            *dtype = (descent_dtype)d;
            return DESCENT_OK;
        }
    return descent_fail(DESCENT_ERR_INVALID, "unknown dtype '%s' (fp32, bf16 or fp16)",
                        name ? name : "(null)");
}

size_t descent_dtype_size(descent_dtype dtype)
{
    return dtype == DESCENT_FP32 ? 4 : (unsigned)dtype < DESCENT_DTYPE_COUNT ? 2 : 0;
}

/* ------------------------------------------------------------ bf16 */

/* bf16 is fp32's upper half, so widening appends 16 zero bits. */
float descent_bf16_to_float(uint16_t x)
{
    return bits_float((uint32_t)x << 16);
}

static int is_nan_bits(uint32_t b)
{
    return (b & 0x7FFFFFFFu) > 0x7F800000u;
}

/* Nearest even: add just under half of the dropped part's range, plus the
 * kept part's lowest bit (a tie then carries only onto an odd value), and
 * drop it; a carry out of the mantissa raises the exponent, and from the
 * largest exponent gives Inf, as rounding should.  A NaN keeps its sign
 * and upper payload and is made quiet (truncating could make it Inf). */
uint16_t descent_float_to_bf16(float x)
{
    const uint32_t b = float_bits(x);
    if (is_nan_bits(b))
        return (uint16_t)((b >> 16) | 0x0040u);
    return (uint16_t)((b + 0x7FFFu + ((b >> 16) & 1u)) >> 16);
}

/* Stochastic: the dropped 16 bits plus 16 random bits carry into the kept
 * part with probability (dropped / 2^16). */
static uint16_t float_to_bf16_stochastic(float x, uint32_t random16)
{
    const uint32_t b = float_bits(x);
    if (is_nan_bits(b))
        return (uint16_t)((b >> 16) | 0x0040u);
    if ((b & 0x7FFFFFFFu) == 0x7F800000u)
        return (uint16_t)(b >> 16);
    return (uint16_t)((b + random16) >> 16);
}

/* ------------------------------------------------------------ fp16 */

/* sign, 5 exponent bits (bias 15), 10 mantissa bits. */
float descent_fp16_to_float(uint16_t x)
{
    const int sign = x >> 15, exponent = (x >> 10) & 0x1F, mantissa = x & 0x3FF;
    if (exponent == 0x1F) {
        if (mantissa == 0)
            return sign ? -INFINITY : INFINITY;
        /* The payload, moved to fp32's, with the quiet bit set. */
        return bits_float((uint32_t)sign << 31 | 0x7FC00000u | (uint32_t)mantissa << 13);
    }
    const float magnitude = exponent == 0 ? ldexpf((float)mantissa, -24) /* subnormal */
                                          : ldexpf((float)(1024 + mantissa), exponent - 25);
    return sign ? -magnitude : magnitude;
}

/* Nearest even: the magnitude in units of the fp16 quantum of its binade
 * (a power of two, so the scaling is exact), rounded to an integer by
 * rint (the default mode: nearest even); a round-up to the next binade
 * carries into the exponent field by itself. */
uint16_t descent_float_to_fp16(float x)
{
    const uint32_t b = float_bits(x);
    const uint16_t sign = (uint16_t)((b >> 16) & 0x8000u);
    if (is_nan_bits(b))
        return (uint16_t)(sign | 0x7E00u | ((b >> 13) & 0x3FFu));
    const float a = fabsf(x);
    if (a >= 65520.0f) /* 65504 + half its ulp: the tie goes to the even 65536, Inf */
        return (uint16_t)(sign | 0x7C00u);
    if (a < 0x1p-14f) /* subnormal (or the smallest normal, which 1024 spells) */
        return (uint16_t)(sign | (uint16_t)rintf(a * 0x1p24f));
    int e;
    frexpf(a, &e); /* a = f * 2^e, 0.5 <= f < 1: fp16 exponent e - 1 */
    const uint32_t units = (uint32_t)rintf(ldexpf(a, 11 - e)); /* 1024 .. 2048 */
    return (uint16_t)(sign | (((uint32_t)(e - 1 + 15) << 10) + (units - 1024)));
}

/* ------------------------------------------------------------ arrays */

void descent_ref_widen(size_t n, descent_dtype from, const void *src, float *dst)
{
    const uint16_t *h = src;
    for (size_t i = 0; i < n; i++)
        dst[i] = from == DESCENT_FP32   ? ((const float *)src)[i]
                 : from == DESCENT_BF16 ? descent_bf16_to_float(h[i])
                                        : descent_fp16_to_float(h[i]);
}

void descent_ref_narrow(size_t n, const float *src, descent_dtype to, void *dst)
{
    uint16_t *h = dst;
    for (size_t i = 0; i < n; i++) {
        if (to == DESCENT_FP32)
            ((float *)dst)[i] = src[i];
        else
            h[i] = to == DESCENT_BF16 ? descent_float_to_bf16(src[i])
                                      : descent_float_to_fp16(src[i]);
    }
}

/* The stream of stochastic rounding, apart from gradient noise's: the same
 * seed gives unrelated numbers there. */
#define STOCHASTIC_KEY_TAG 0x53524E44u /* "SRND" */

/* Element i (global index first + k) of step t takes 16 bits of the
 * Philox block (seed, counter (i / 8, t)): word (i % 8) / 2, half i % 2. */
void descent_ref_narrow_bf16_stochastic(size_t n, const float *src, uint16_t *dst,
                                        unsigned long long seed, long t, size_t first)
{
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32) ^ STOCHASTIC_KEY_TAG};
    uint32_t words[4];
    uint64_t have = UINT64_MAX;
    for (size_t k = 0; k < n; k++) {
        const uint64_t i = (uint64_t)first + k, group = i / 8;
        if (group != have) {
            const uint32_t counter[4] = {(uint32_t)group, (uint32_t)(group >> 32), (uint32_t)t,
                                         (uint32_t)((uint64_t)t >> 32)};
            descent_philox4x32_10(counter, key, words);
            have = group;
        }
        const unsigned lane = (unsigned)(i % 8);
        const uint32_t random16 = (words[lane / 2] >> (16 * (lane % 2))) & 0xFFFFu;
        dst[k] = float_to_bf16_stochastic(src[k], random16);
    }
}

void descent_convert(size_t n, descent_dtype from, const void *src, descent_dtype to, void *dst)
{
    float buf[256];
    if ((unsigned)from >= DESCENT_DTYPE_COUNT || (unsigned)to >= DESCENT_DTYPE_COUNT ||
        (n && (!src || !dst)))
        return;
    for (size_t i = 0; i < n; i += 256) {
        const size_t m = n - i < 256 ? n - i : 256;
        descent_ref_widen(m, from, (const char *)src + i * descent_dtype_size(from), buf);
        descent_ref_narrow(m, buf, to, (char *)dst + i * descent_dtype_size(to));
    }
}

void descent_precision_default(descent_precision *p)
{
    if (p)
        *p = (descent_precision){DESCENT_FP32, DESCENT_FP32, DESCENT_FP32, 0, 0, 1.0f};
}

/* ------------------------------------------------------------ the step */

descent_status descent_mixed_check_call(const char *fn, descent_optim_kind kind,
                                        const descent_hparams *h, long t,
                                        const double *mu_product, size_t n, const void *param,
                                        const void *grad, void *const state[3],
                                        const descent_precision *p)
{
    if (!h || !p)
        return descent_fail(DESCENT_ERR_INVALID, "%s: NULL hparams or precision", fn);
    const descent_status s = descent_hparams_validate(kind, h);
    if (s != DESCENT_OK)
        return s;
    if (t < 1)
        return descent_fail(DESCENT_ERR_INVALID, "%s: step %ld (steps are 1-based)", fn, t);
    if ((unsigned)p->param >= DESCENT_DTYPE_COUNT || (unsigned)p->grad >= DESCENT_DTYPE_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "%s: unknown parameter or gradient dtype", fn);
    if (p->state != DESCENT_FP32 && p->state != DESCENT_BF16)
        return descent_fail(DESCENT_ERR_INVALID, "%s: state dtype must be fp32 or bf16", fn);
    if (p->stochastic_rounding && p->param != DESCENT_BF16)
        return descent_fail(DESCENT_ERR_INVALID,
                            "%s: stochastic rounding is for bf16 parameters only", fn);
    if (!(p->inv_scale > 0) || !isfinite(p->inv_scale))
        return descent_fail(DESCENT_ERR_INVALID, "%s: inv_scale %g (need > 0 and finite)", fn,
                            (double)p->inv_scale);
    if (descent_optim_info_of(kind)->product_factor && !mu_product)
        return descent_fail(DESCENT_ERR_INVALID, "%s: %s needs mu_product", fn,
                            descent_optim_name(kind));
    if (n == 0)
        return DESCENT_OK;
    if (!param || !grad)
        return descent_fail(DESCENT_ERR_INVALID, "%s: NULL param or grad", fn);
    for (int k = 0; k < descent_optim_state_count(kind); k++)
        if (descent_optim_state_used(kind, h, k) && (!state || !state[k]))
            return descent_fail(DESCENT_ERR_INVALID, "%s: state %d (%s) is NULL", fn, k,
                                descent_optim_state_name(kind, k));
    return DESCENT_OK;
}

static int any_nonfinite(size_t n, const float *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 1;
    return 0;
}

descent_status descent_ref_mixed_step(descent_optim_kind kind, const descent_hparams *h, long t,
                                      double *mu_product, size_t n, void *param,
                                      const void *grad, void *const state[3],
                                      const descent_precision *p, int *found_inf)
{
    descent_status s = descent_mixed_check_call("descent_ref_mixed_step", kind, h, t,
                                                mu_product, n, param, grad, state, p);
    if (s != DESCENT_OK)
        return s;
    void *const no_state[3] = {NULL, NULL, NULL};
    if (!state) /* allowed for n = 0 */
        state = no_state;
    const int states = descent_optim_state_count(kind);
    float *p32 = malloc((n ? n : 1) * sizeof *p32), *g32 = malloc((n ? n : 1) * sizeof *g32);
    float *s32[3] = {NULL, NULL, NULL};
    int ok = p32 && g32;
    for (int k = 0; k < states && ok; k++)
        if (descent_optim_state_used(kind, h, k))
            ok = (s32[k] = malloc((n ? n : 1) * sizeof(float))) != NULL;
    if (!ok) {
        s = descent_fail(DESCENT_ERR_NOMEM, "descent_ref_mixed_step: no memory for %zu elements",
                         n);
        goto out;
    }
    descent_ref_widen(n, p->grad, grad, g32);
    if (found_inf && (*found_inf = any_nonfinite(n, g32)))
        goto out; /* skipped: nothing changes */
    if (p->inv_scale != 1.0f)
        for (size_t i = 0; i < n; i++)
            g32[i] = g32[i] * p->inv_scale;
    descent_ref_widen(n, p->param, param, p32);
    for (int k = 0; k < states; k++)
        if (s32[k])
            descent_ref_widen(n, p->state, state[k], s32[k]);
    descent_call_reference_signature(kind, NULL, h, t, n, p32, g32, s32, mu_product);
    if (p->stochastic_rounding)
        descent_ref_narrow_bf16_stochastic(n, p32, param, p->seed, t, 0);
    else
        descent_ref_narrow(n, p32, p->param, param);
    for (int k = 0; k < states; k++)
        if (s32[k])
            descent_ref_narrow(n, s32[k], p->state, state[k]);
out:
    free(p32);
    free(g32);
    for (int k = 0; k < 3; k++)
        free(s32[k]);
    return s;
}
