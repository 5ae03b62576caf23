/*
 * Portable vector exp and tanh, written against the layer's primitives, for
 * builds without SLEEF (and for the cross-compiled NEON build, since Debian
 * has no arm64 SLEEF for the build machine).  Cephes-style: range reduction
 * by ln 2 in two parts, then a degree-6 polynomial.  Stated error, which
 * tests/test_vec_math.c measures on every variant that uses them: exp at
 * most 2 ulp where its result is a normal float (+Inf above ln(FLT_MAX),
 * subnormals then 0 below ln(FLT_MIN)), tanh at most 2 ulp (measured:
 * 1.22 and 1.24 ulp).
 */
#ifndef DESCENT_VEC_MATH_H
#define DESCENT_VEC_MATH_H

static inline vf vf_exp(vf x)
{
    /* Beyond these bounds exp is +Inf (2^128 p with p >= 1 overflows) or
     * rounds to 0 (below 2^-150); the two-step scaling below reaches both. */
    x = vf_min(vf_max(x, vf_set1(-104.0f)), vf_set1(88.7228394f));
    const vf n = vf_round(vf_mul(x, vf_set1(1.44269504088896341f)));
    /* r = x - n*ln2 with ln2 split so that n*ln2_hi is exact. */
    vf r = vf_fnma(n, vf_set1(0.693359375f), x);
    r = vf_fnma(n, vf_set1(-2.12194440e-4f), r);
    vf p = vf_set1(1.9875691500e-4f);
    p = vf_fma(p, r, vf_set1(1.3981999507e-3f));
    p = vf_fma(p, r, vf_set1(8.3334519073e-3f));
    p = vf_fma(p, r, vf_set1(4.1665795894e-2f));
    p = vf_fma(p, r, vf_set1(1.6666665459e-1f));
    p = vf_fma(p, r, vf_set1(5.0000001201e-1f));
    p = vf_fma(p, vf_mul(r, r), vf_add(r, vf_set1(1.0f)));
    /* 2^n for n outside [-126, 127] has no exponent field: scale in two
     * steps of 2^(n/2), each one normal, the last one rounding once. */
    const vf half_n = vf_round(vf_mul(n, vf_set1(0.5f)));
    return vf_mul(vf_mul(p, vf_pow2i(half_n)), vf_pow2i(vf_sub(n, half_n)));
}

static inline vf vf_tanh(vf x)
{
    const vf ax = vf_abs(x);
    /* Large |x|: tanh = 1 - 2/(e^{2|x|} + 1), no cancellation there. */
    const vf e = vf_exp(vf_add(ax, ax));
    vf big = vf_sub(vf_set1(1.0f), vf_div(vf_set1(2.0f), vf_add(e, vf_set1(1.0f))));
    big = vf_select(vf_lt(x, vf_zero()), vf_sub(vf_zero(), big), big);
    /* Small |x|: odd polynomial, where the formula above would cancel. */
    const vf z = vf_mul(x, x);
    vf p = vf_set1(-5.70498872745e-3f);
    p = vf_fma(p, z, vf_set1(2.06390887954e-2f));
    p = vf_fma(p, z, vf_set1(-5.37397155531e-2f));
    p = vf_fma(p, z, vf_set1(1.33314422036e-1f));
    p = vf_fma(p, z, vf_set1(-3.33332819422e-1f));
    const vf small = vf_fma(vf_mul(p, z), x, x);
    return vf_select(vf_lt(ax, vf_set1(0.625f)), small, big);
}

#endif
