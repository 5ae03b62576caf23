/* Declarations shared by the reference MLP (reference/mlp.c), the fast MLP
 * (src/mlp.c) and the model description (src/mlp_model.c); internal. */
#ifndef DESCENT_MLP_INTERNAL_H
#define DESCENT_MLP_INTERNAL_H

#include "descent.h"

/* Validates the shape and the arguments of a loss_grad/forward call:
 * batch >= 1, x and params not NULL, and for loss_grad (want_loss) labels
 * in [0, outputs) for cross-entropy or targets present for MSE.  `fn` names
 * the caller in the message. */
descent_status descent_mlp_check_call(const char *fn, const descent_mlp_shape *shape,
                                      const float *params, int batch, const float *x,
                                      int want_loss, const int *labels, const float *targets,
                                      const float *loss_out_or_out);

/* One example's loss and dloss/dz_L (the last layer's output z, `outputs`
 * values) into g, with PyTorch's mean reduction over `batch` examples:
 * cross-entropy (softmax over z, `label`) returns the example's loss;
 * MSE (`targets`, the example's row) returns 0, its sum of squares being
 * added up by the caller.  The reference (reference/mlp.c) and the fast MLP
 * (src/mlp.c) both use it, so their loss gradients are the same bits. */
float descent_mlp_output_gradient(const descent_mlp_shape *s, int batch, const float *z,
                                  int label, const float *targets, float *g);

#endif
