/* Mixed precision's loads and stores over the vector layer, compiled once
 * per ISA like kernels/optim/: descent_avx2_widen_bf16, ...  Whole vectors
 * through the layer's vf_load_bf16/vf_store_fp16/...; the tail (fewer than
 * VEC_WIDTH elements) through the reference's scalar conversions, which the
 * vector ones equal bit for bit (tests/test_mixed.c).  A layer without
 * those functions (VEC_HAVE_HALF unset) converts with the scalar ones
 * throughout. */
#include "../../reference/ref_internal.h"
#include "../kernel.h"
#include "../vec/vec.h"

void VEC_FN(widen_bf16)(size_t n, const uint16_t *x, float *out)
{
    size_t i = 0;
#if VEC_HAVE_HALF
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH)
        vf_store(out + i, vf_load_bf16(x + i));
#endif
    descent_ref_widen(n - i, DESCENT_BF16, x + i, out + i);
}

void VEC_FN(widen_fp16)(size_t n, const uint16_t *x, float *out)
{
    size_t i = 0;
#if VEC_HAVE_HALF
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH)
        vf_store(out + i, vf_load_fp16(x + i));
#endif
    descent_ref_widen(n - i, DESCENT_FP16, x + i, out + i);
}

#if VEC_HAVE_BF16_NATIVE
VEC_BF16_NATIVE_TARGET static size_t narrow_bf16_native(size_t n, const float *x, uint16_t *out)
{
    size_t i = 0;
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH)
        vf_store_bf16_native(out + i, vf_load(x + i));
    return i;
}
#endif

void VEC_FN(narrow_bf16)(size_t n, const float *x, uint16_t *out)
{
    size_t i = 0;
#if VEC_HAVE_BF16_NATIVE
    if (vec_bf16_native_cpu())
        i = narrow_bf16_native(n, x, out);
#endif
#if VEC_HAVE_HALF
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH)
        vf_store_bf16(out + i, vf_load(x + i));
#endif
    descent_ref_narrow(n - i, x + i, DESCENT_BF16, out + i);
}

void VEC_FN(narrow_fp16)(size_t n, const float *x, uint16_t *out)
{
    size_t i = 0;
#if VEC_HAVE_HALF
    for (; i + VEC_WIDTH <= n; i += VEC_WIDTH)
        vf_store_fp16(out + i, vf_load(x + i));
#endif
    descent_ref_narrow(n - i, x + i, DESCENT_FP16, out + i);
}
