/* Multilayer perceptron — the reference forward, loss and backward pass,
 * in plain loops that read like the definition (nn.Linear layers, softmax
 * cross-entropy or MSE).  B is the batch, L the number of linear layers,
 * a_0 = x, and for l = 1..L:
 *
 *   z_l[b][o] = sum_i a_{l-1}[b][i] * W_l[o][i]  +  b_l[o]
 *   a_l = act(z_l)                       for l < L (none after the last)
 *
 *   cross_entropy: loss = 1/B sum_b (logsumexp(z_L[b]) - z_L[b][y_b])
 *                  dz_L[b][o] = (softmax(z_L[b])[o] - [o == y_b]) / B
 *   mse:           loss = 1/(B*out) sum_{b,o} (z_L[b][o] - t[b][o])^2
 *                  dz_L[b][o] = 2 (z_L[b][o] - t[b][o]) / (B*out)
 *
 *   dW_l[o][i]      = sum_b dz_l[b][o] * a_{l-1}[b][i]
 *   db_l[o]         = sum_b dz_l[b][o]
 *   da_{l-1}[b][i]  = sum_o dz_l[b][o] * W_l[o][i]
 *   dz_{l-1}        = da_{l-1} * act'(z_{l-1})
 *
 * with relu' = [z > 0] (0 at 0), tanh' = 1 - a^2, sigmoid' = a (1 - a).
 * logsumexp subtracts the row maximum first, so huge logits stay finite.
 * Every sum runs left to right in float; the batch loss sums the per-example
 * losses in double.  Workspace is allocated per call: clarity over speed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "descent.h"
#include "ref_internal.h"

float descent_mlp_activate(descent_activation act, float z)
{
    switch (act) {
    case DESCENT_RELU: return z > 0.0f ? z : 0.0f;
    case DESCENT_TANH: return tanhf(z);
    case DESCENT_SIGMOID: return 1.0f / (1.0f + expf(-z));
    default: return z;
    }
}

/* act'(z), written with a = act(z) where that is the usual form. */
static float activate_derivative(descent_activation act, float z, float a)
{
    switch (act) {
    case DESCENT_RELU: return z > 0.0f ? 1.0f : 0.0f;
    case DESCENT_TANH: return 1.0f - a * a;
    case DESCENT_SIGMOID: return a * (1.0f - a);
    default: return 1.0f;
    }
}

/* The activations of one pass: z[l] and a[l] are [batch][sizes[l]];
 * a[0] is x itself and a[L] is z[L] (no activation after the last layer). */
typedef struct pass {
    float *z[DESCENT_MLP_MAX_LAYERS + 1];
    float *a[DESCENT_MLP_MAX_LAYERS + 1];
} pass;

static void free_pass(const descent_mlp_shape *s, pass *p)
{
    for (int l = 1; l <= s->layers; l++) {
        if (p->a[l] != p->z[l])
            free(p->a[l]);
        free(p->z[l]);
    }
}

static descent_status forward(const descent_mlp_shape *s, const float *params, int batch,
                              const float *x, pass *p)
{
    memset(p, 0, sizeof *p);
    p->a[0] = (float *)x; /* read only */
    for (int l = 1; l <= s->layers; l++) {
        const int in = s->sizes[l - 1], out = s->sizes[l];
        const float *W = params + descent_mlp_weight_offset(s, l);
        const float *bias = params + descent_mlp_bias_offset(s, l);
        p->z[l] = malloc((size_t)batch * (size_t)out * sizeof(float));
        p->a[l] = (l < s->layers) ? malloc((size_t)batch * (size_t)out * sizeof(float))
                                  : p->z[l];
        if (!p->z[l] || !p->a[l]) {
            free_pass(s, p);
            return descent_fail(DESCENT_ERR_NOMEM, "out of memory in the reference MLP");
        }
        for (int b = 0; b < batch; b++) {
            const float *a_prev = p->a[l - 1] + (size_t)b * in;
            for (int o = 0; o < out; o++) {
                float sum = 0.0f;
                for (int i = 0; i < in; i++)
                    sum += a_prev[i] * W[(size_t)o * in + i];
                const float z = sum + bias[o];
                p->z[l][(size_t)b * out + o] = z;
                if (l < s->layers)
                    p->a[l][(size_t)b * out + o] = descent_mlp_activate(s->activation, z);
            }
        }
    }
    return DESCENT_OK;
}

/* The argument checks of the reference calls, which the fast MLP (src/mlp.c)
 * makes too, so that both reject the same calls with the same messages. */
descent_status descent_mlp_check_call(const char *fn, const descent_mlp_shape *shape,
                                      const float *params, int batch, const float *x,
                                      int want_loss, const int *labels, const float *targets,
                                      const float *loss_out_or_out)
{
    descent_status s = descent_mlp_shape_validate(shape);
    if (s != DESCENT_OK)
        return descent_fail(s, "%s: %s", fn, descent_last_error());
    if (batch < 1)
        return descent_fail(DESCENT_ERR_INVALID, "%s: batch %d, expected >= 1", fn, batch);
    if (!params || !x || !loss_out_or_out)
        return descent_fail(DESCENT_ERR_INVALID, "%s: NULL argument", fn);
    if (!want_loss)
        return DESCENT_OK;
    const int outputs = shape->sizes[shape->layers];
    if (shape->loss == DESCENT_CROSS_ENTROPY) {
        if (!labels)
            return descent_fail(DESCENT_ERR_INVALID, "%s: cross_entropy needs labels", fn);
        for (int b = 0; b < batch; b++) {
            if (labels[b] < 0 || labels[b] >= outputs)
                return descent_fail(DESCENT_ERR_INVALID,
                                    "%s: label %d of example %d is not in [0, %d)", fn,
                                    labels[b], b, outputs);
        }
    } else if (!targets) {
        return descent_fail(DESCENT_ERR_INVALID, "%s: mse needs targets", fn);
    }
    return DESCENT_OK;
}

descent_status descent_ref_mlp_forward(const descent_mlp_shape *shape, const float *params,
                                       int batch, const float *x, float *out)
{
    descent_status st = descent_mlp_check_call("descent_ref_mlp_forward", shape, params, batch,
                                               x, 0, NULL, NULL, out);
    if (st != DESCENT_OK)
        return st;
    pass p;
    if ((st = forward(shape, params, batch, x, &p)) != DESCENT_OK)
        return st;
    const int L = shape->layers;
    memcpy(out, p.z[L], (size_t)batch * (size_t)shape->sizes[L] * sizeof(float));
    free_pass(shape, &p);
    return DESCENT_OK;
}

float descent_mlp_softmax_cross_entropy(int outputs, const float *z, int label, int batch,
                                        float *g)
{
    /* log-softmax with the max subtracted, so large logits stay finite */
    float max = z[0];
    for (int o = 1; o < outputs; o++)
        max = z[o] > max ? z[o] : max;
    float sum = 0.0f;
    for (int o = 0; o < outputs; o++)
        sum += expf(z[o] - max);
    const float logsumexp = max + logf(sum);
    for (int o = 0; o < outputs; o++) {
        const float softmax = expf(z[o] - max) / sum;
        g[o] = (softmax - (o == label ? 1.0f : 0.0f)) / (float)batch;
    }
    return logsumexp - z[label];
}

float descent_mlp_output_gradient(const descent_mlp_shape *s, int batch, const float *z,
                                  int label, const float *targets, float *g)
{
    const int outputs = s->sizes[s->layers];
    if (s->loss == DESCENT_CROSS_ENTROPY)
        return descent_mlp_softmax_cross_entropy(outputs, z, label, batch, g);
    const float n = (float)batch * (float)outputs;
    for (int o = 0; o < outputs; o++)
        g[o] = 2.0f * (z[o] - targets[o]) / n;
    return 0.0f;
}

descent_status descent_ref_mlp_loss_grad(const descent_mlp_shape *shape, const float *params,
                                         int batch, const float *x, const int *labels,
                                         const float *targets, float *grad, float *loss)
{
    descent_status st = descent_mlp_check_call("descent_ref_mlp_loss_grad", shape, params,
                                               batch, x, 1, labels, targets, loss);
    if (st != DESCENT_OK)
        return st;
    const descent_mlp_shape *s = shape;
    const int L = s->layers, outputs = s->sizes[L];
    pass p;
    if ((st = forward(s, params, batch, x, &p)) != DESCENT_OK)
        return st;

    /* dz holds dloss/dz_l of the layer being processed, starting with l = L. */
    int widest = 0;
    for (int l = 0; l <= L; l++)
        widest = s->sizes[l] > widest ? s->sizes[l] : widest;
    float *dz = malloc((size_t)batch * (size_t)widest * sizeof(float));
    float *da = malloc((size_t)batch * (size_t)widest * sizeof(float));
    if (!dz || !da) {
        free(dz), free(da), free_pass(s, &p);
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory in the reference MLP");
    }

    /* The loss and its gradient with respect to the last layer's output. */
    double total = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *z = p.z[L] + (size_t)b * outputs;
        if (s->loss == DESCENT_CROSS_ENTROPY) {
            total += (double)descent_mlp_output_gradient(s, batch, z, labels[b], NULL,
                                                         dz + (size_t)b * outputs);
        } else {
            const float *t = targets + (size_t)b * outputs;
            descent_mlp_output_gradient(s, batch, z, 0, t, dz + (size_t)b * outputs);
            for (int o = 0; o < outputs; o++) {
                const float diff = z[o] - t[o];
                total += (double)(diff * diff);
            }
        }
    }
    *loss = (float)(s->loss == DESCENT_CROSS_ENTROPY ? total / batch
                                                     : total / ((double)batch * outputs));

    if (grad) {
        for (int l = L; l >= 1; l--) {
            const int in = s->sizes[l - 1], out = s->sizes[l];
            const float *W = params + descent_mlp_weight_offset(s, l);
            float *dW = grad + descent_mlp_weight_offset(s, l);
            float *db = grad + descent_mlp_bias_offset(s, l);
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    float sum = 0.0f;
                    for (int b = 0; b < batch; b++)
                        sum += dz[(size_t)b * out + o] * p.a[l - 1][(size_t)b * in + i];
                    dW[(size_t)o * in + i] = sum;
                }
                float sum = 0.0f;
                for (int b = 0; b < batch; b++)
                    sum += dz[(size_t)b * out + o];
                db[o] = sum;
            }
            if (l == 1)
                break; /* no gradient with respect to the input is needed */
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < in; i++) {
                    float sum = 0.0f;
                    for (int o = 0; o < out; o++)
                        sum += dz[(size_t)b * out + o] * W[(size_t)o * in + i];
                    const size_t k = (size_t)b * in + i;
                    da[k] = sum * activate_derivative(s->activation, p.z[l - 1][k],
                                                      p.a[l - 1][k]);
                }
            }
            float *swap = dz;
            dz = da, da = swap; /* dz_{l-1} becomes the current gradient */
        }
    }
    free(dz), free(da), free_pass(s, &p);
    return DESCENT_OK;
}
