/*
 * Portable vector exp and tanh, written against the layer's primitives, for
 * builds without SLEEF (and for the cross-compiled NEON build, since Debian
 * has no arm64 SLEEF for the build machine).  Cephes-style: range reduction
 * by ln 2 in two parts, then a degree-6 polynomial; relative error about
 * 2 ulp over the float range (tests/test_vec_math.c measures it).
 */
#ifndef DESCENT_VEC_MATH_H
#define DESCENT_VEC_MATH_H

static inline vf vf_exp(vf x)
{
    /* Beyond these bounds expf over- or underflows anyway. */
    x = vf_min(vf_max(x, vf_set1(-87.33654f)), vf_set1(88.37626f));
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
    /* 2^n for n = -127 would be a zero exponent field: scale in two steps. */
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
