/*
 * A port of Adam with AVX-512 intrinsics: 16 floats per vector and the
 * last n % 16 elements through masked loads and stores (never a byte past
 * element n-1).  The signature is descent_ref_adam's (include/descent.h).
 *
 *     cc -O2 -mavx512f -mfma -fPIC -shared -o libadam_avx512.so \
 *         examples/port/adam_avx512.c -lm
 *     build/descent validate --optimizer adam ./libadam_avx512.so:adam_avx512
 *
 * It uses fused multiply-adds where the reference rounds twice, which the
 * registry's tolerance for Adam (2e-6 of the agreement scale) allows.
 */
#include <immintrin.h>
#include <math.h>

#include "descent.h"

void adam_avx512(const descent_hparams *h, long t, size_t n, float *param, const float *grad,
                 float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq)
{
    const __m512 step_size = _mm512_set1_ps((float)(h->lr / (1.0 - pow(h->beta1, (double)t))));
    const __m512 bc2_sqrt = _mm512_set1_ps((float)sqrt(1.0 - pow(h->beta2, (double)t)));
    const __m512 beta1 = _mm512_set1_ps((float)h->beta1);
    const __m512 one_minus_beta1 = _mm512_set1_ps((float)(1.0 - h->beta1));
    const __m512 beta2 = _mm512_set1_ps((float)h->beta2);
    const __m512 one_minus_beta2 = _mm512_set1_ps((float)(1.0 - h->beta2));
    const __m512 eps = _mm512_set1_ps((float)h->eps);
    const __m512 wd = _mm512_set1_ps((float)h->weight_decay);
    for (size_t i = 0; i < n; i += 16) {
        const size_t left = n - i;
        const __mmask16 k = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512 p = _mm512_maskz_loadu_ps(k, param + i);
        __m512 g = _mm512_maskz_loadu_ps(k, grad + i);
        if (h->maximize) /* ascend: -g */
            g = _mm512_sub_ps(_mm512_setzero_ps(), g);
        /* g + wd*p rounded twice as the reference does: where it nearly
         * cancels, a fused one moves the step by far more than an ulp */
        if (h->weight_decay != 0)
            g = _mm512_add_ps(g, _mm512_mul_ps(wd, p));
        __m512 m = _mm512_maskz_loadu_ps(k, exp_avg + i);
        m = _mm512_fmadd_ps(beta1, m, _mm512_mul_ps(one_minus_beta1, g));
        __m512 v = _mm512_maskz_loadu_ps(k, exp_avg_sq + i);
        v = _mm512_fmadd_ps(_mm512_mul_ps(one_minus_beta2, g), g, _mm512_mul_ps(beta2, v));
        _mm512_mask_storeu_ps(exp_avg + i, k, m);
        _mm512_mask_storeu_ps(exp_avg_sq + i, k, v);
        __m512 second = v;
        if (h->amsgrad) {
            const __m512 old = _mm512_maskz_loadu_ps(k, max_exp_avg_sq + i);
            /* max_ps returns its second operand when either is NaN: put a
             * NaN old value there so that it propagates, as torch.maximum */
            const __mmask16 old_nan = _mm512_cmp_ps_mask(old, old, _CMP_UNORD_Q);
            second = _mm512_mask_mov_ps(_mm512_max_ps(old, v), old_nan, old);
            _mm512_mask_storeu_ps(max_exp_avg_sq + i, k, second);
        }
        const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(second), bc2_sqrt), eps);
        p = _mm512_fnmadd_ps(step_size, _mm512_div_ps(m, denom), p);
        _mm512_mask_storeu_ps(param + i, k, p);
    }
}
