/* This ISA's row of the dispatch table (descent_avx2_kernels, ...). */
#include "../kernel.h"
#include "../vec/vec.h"

#define DECLARE(name)                                                                  \
    void VEC_FN(name)(const descent_step *s, size_t n, float *param, const float *grad, \
                      float *const state[3]);
DECLARE(sgd)
DECLARE(adam)
DECLARE(adamw)
DECLARE(rmsprop)
DECLARE(adagrad)
DECLARE(adadelta)
DECLARE(adamax)
DECLARE(nadam)
DECLARE(radam)

const descent_kernel_fn VEC_FN(kernels)[DESCENT_OPTIM_COUNT] = {
    [DESCENT_SGD] = VEC_FN(sgd),           [DESCENT_ADAM] = VEC_FN(adam),
    [DESCENT_ADAMW] = VEC_FN(adamw),       [DESCENT_RMSPROP] = VEC_FN(rmsprop),
    [DESCENT_ADAGRAD] = VEC_FN(adagrad),   [DESCENT_ADADELTA] = VEC_FN(adadelta),
    [DESCENT_ADAMAX] = VEC_FN(adamax),     [DESCENT_NADAM] = VEC_FN(nadam),
    [DESCENT_RADAM] = VEC_FN(radam),
};
