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

#endif
