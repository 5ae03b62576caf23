/* Loads and stores of an array stored as `dtype` (include/descent_precision.h)
 * for the fused mixed-precision kernels (kernel.h: descent_fused_kernel).
 * dtype is always a compile-time constant at the call (the optimizer's one
 * definition is an always_inline function instantiated per combination), so
 * each helper folds to one access: fp32 is the layer's vf_load_n/vf_store_n,
 * exactly the fp32 kernel's code; bf16 and fp16 widen exactly and round to
 * nearest even, bit for bit as kernels/convert/ (a tail of fewer than
 * VEC_WIDTH elements goes through a lane buffer).  Layers without 16-bit
 * loads (VEC_HAVE_HALF 0) get fp32 only: no fused kernels there. */
#ifndef DESCENT_OPTIM_TYPED_IO_H
#define DESCENT_OPTIM_TYPED_IO_H

#include <string.h>

#include "../kernel.h"
#include "../vec/vec.h"

#define TYPED_INLINE static inline __attribute__((always_inline))

/* bf16 stored by the CPU's own conversion (VEC_HAVE_BF16_NATIVE: same bits
 * as vf_store_bf16, fewer instructions), for instances compiled with
 * VEC_BF16_NATIVE_TARGET and run only where the CPU has it; an internal
 * dtype code, never an index. */
#define TYPED_BF16_NATIVE ((descent_dtype)DESCENT_DTYPE_COUNT)

#if VEC_HAVE_HALF
TYPED_INLINE vf typed_load_half(descent_dtype dtype, const uint16_t *h)
{
    return dtype == DESCENT_FP16 ? vf_load_fp16(h) : vf_load_bf16(h);
}
TYPED_INLINE void typed_store_half(descent_dtype dtype, uint16_t *h, vf v)
{
#if VEC_HAVE_BF16_NATIVE
    if (dtype == TYPED_BF16_NATIVE) {
        vf_store_bf16_native(h, v);
        return;
    }
#endif
    if (dtype == DESCENT_BF16)
        vf_store_bf16(h, v);
    else
        vf_store_fp16(h, v);
}
#endif

TYPED_INLINE vf typed_load(descent_dtype dtype, const void *base, size_t i, size_t lanes)
{
#if VEC_HAVE_HALF
    if (dtype != DESCENT_FP32) {
        const uint16_t *h = (const uint16_t *)base + i;
        if (lanes == VEC_WIDTH)
            return typed_load_half(dtype, h);
        uint16_t buffer[VEC_MAX_WIDTH] = {0}, *tail = vec_lane_buffer(buffer);
        memcpy(tail, h, lanes * sizeof *h);
        return typed_load_half(dtype, tail);
    }
#endif
    (void)dtype;
    return vf_load_n((const float *)base + i, lanes);
}

TYPED_INLINE void typed_store(descent_dtype dtype, void *base, size_t i, vf v, size_t lanes)
{
#if VEC_HAVE_HALF
    if (dtype != DESCENT_FP32) {
        uint16_t *h = (uint16_t *)base + i;
        if (lanes == VEC_WIDTH) {
            typed_store_half(dtype, h, v);
            return;
        }
        uint16_t buffer[VEC_MAX_WIDTH], *tail = vec_lane_buffer(buffer);
        typed_store_half(dtype, tail, v);
        memcpy(h, tail, lanes * sizeof *h);
        return;
    }
#endif
    (void)dtype;
    vf_store_n((float *)base + i, v, lanes);
}

/* Every (param, grad, state) combination of the fused kernels: parameters
 * and gradients fp32/bf16/fp16, state fp32/bf16. */
#define TYPED_COMBINATIONS(X)                                                                     \
    X(FP32, FP32, FP32) X(FP32, FP32, BF16) X(FP32, BF16, FP32) X(FP32, BF16, BF16)              \
    X(FP32, FP16, FP32) X(FP32, FP16, BF16) X(BF16, FP32, FP32) X(BF16, FP32, BF16)              \
    X(BF16, BF16, FP32) X(BF16, BF16, BF16) X(BF16, FP16, FP32) X(BF16, FP16, BF16)              \
    X(FP16, FP32, FP32) X(FP16, FP32, BF16) X(FP16, BF16, FP32) X(FP16, BF16, BF16)              \
    X(FP16, FP16, FP32) X(FP16, FP16, BF16)

#endif
