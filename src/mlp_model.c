/* The MLP's description: activation and loss names, the shape, the layout
 * of the flat parameter vector, and nn.Linear's default initialization. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rng.h"

static const char *const activation_names[DESCENT_ACTIVATION_COUNT] = {"relu", "tanh",
                                                                        "sigmoid"};
static const char *const loss_names[DESCENT_LOSS_COUNT] = {"cross_entropy", "mse"};

const char *descent_activation_name(descent_activation activation)
{
    if ((unsigned)activation >= DESCENT_ACTIVATION_COUNT)
        return "unknown";
    return activation_names[activation];
}

descent_status descent_activation_from_name(const char *name, descent_activation *activation)
{
    if (!name || !activation)
        return descent_fail(DESCENT_ERR_INVALID, "descent_activation_from_name: NULL argument");
    const int i = descent_name_index("activation", activation_names, DESCENT_ACTIVATION_COUNT,
                                     name, DESCENT_ERR_INVALID);
    if (i < 0)
        return DESCENT_ERR_INVALID;
    *activation = (descent_activation)i;
    return DESCENT_OK;
}

const char *descent_loss_name(descent_loss loss)
{
    if ((unsigned)loss >= DESCENT_LOSS_COUNT)
        return "unknown";
    return loss_names[loss];
}

descent_status descent_loss_from_name(const char *name, descent_loss *loss)
{
    if (!name || !loss)
        return descent_fail(DESCENT_ERR_INVALID, "descent_loss_from_name: NULL argument");
    const int i = descent_name_index("loss", loss_names, DESCENT_LOSS_COUNT, name,
                                     DESCENT_ERR_INVALID);
    if (i < 0)
        return DESCENT_ERR_INVALID;
    *loss = (descent_loss)i;
    return DESCENT_OK;
}

/* The fields that fix the parameter layout: layers, sizes, and a count that
 * fits in memory (so that the offsets below cannot overflow size_t). */
static descent_status validate_layout(const descent_mlp_shape *shape)
{
    if (!shape)
        return descent_fail(DESCENT_ERR_INVALID, "MLP shape is NULL");
    if (shape->layers < 1 || shape->layers > DESCENT_MLP_MAX_LAYERS)
        return descent_fail(DESCENT_ERR_INVALID, "MLP: %d layers, expected 1 to %d",
                            shape->layers, DESCENT_MLP_MAX_LAYERS);
    for (int l = 0; l <= shape->layers; l++) {
        if (shape->sizes[l] < 1 || shape->sizes[l] > DESCENT_MLP_MAX_SIZE)
            return descent_fail(DESCENT_ERR_INVALID, "MLP: size %d (sizes[%d]) is not in 1..%d",
                                shape->sizes[l], l, DESCENT_MLP_MAX_SIZE);
    }
    /* The parameter count must fit in memory terms: each layer has at most
     * 2^48 weights, and 16 of them cannot overflow a 64-bit size_t; on a
     * 32-bit size_t check explicitly. */
    double count = 0;
    for (int l = 1; l <= shape->layers; l++)
        count += ((double)shape->sizes[l - 1] + 1.0) * shape->sizes[l];
    if (count > (double)((size_t)-1 / sizeof(float)))
        return descent_fail(DESCENT_ERR_INVALID, "MLP: %.0f parameters do not fit in memory",
                            count);
    return DESCENT_OK;
}

descent_status descent_mlp_shape_validate(const descent_mlp_shape *shape)
{
    descent_status s = validate_layout(shape);
    if (s != DESCENT_OK)
        return s;
    if ((unsigned)shape->activation >= DESCENT_ACTIVATION_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "MLP: invalid activation %d",
                            (int)shape->activation);
    if ((unsigned)shape->loss >= DESCENT_LOSS_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "MLP: invalid loss %d", (int)shape->loss);
    return DESCENT_OK;
}

descent_status descent_mlp_shape_parse(const char *text, descent_mlp_shape *shape)
{
    if (!text || !shape)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_shape_parse: NULL argument");
    int sizes[DESCENT_MLP_MAX_LAYERS + 1];
    int count = 0;
    const char *p = text;
    for (;;) {
        /* Digits only: strtol alone would accept "+5", " 5" and "-5". */
        if (*p < '0' || *p > '9')
            return descent_fail(DESCENT_ERR_INVALID,
                                "model '%s': expected layer sizes like 784-128-10", text);
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno == ERANGE || v < 1 || v > DESCENT_MLP_MAX_SIZE)
            return descent_fail(DESCENT_ERR_INVALID, "model '%s': layer size %.*s is not in 1..%d",
                                text, (int)(end - p), p, DESCENT_MLP_MAX_SIZE);
        if (count == DESCENT_MLP_MAX_LAYERS + 1)
            return descent_fail(DESCENT_ERR_INVALID, "model '%s': more than %d linear layers",
                                text, DESCENT_MLP_MAX_LAYERS);
        sizes[count++] = (int)v;
        if (*end == '\0')
            break;
        if (*end != '-')
            return descent_fail(DESCENT_ERR_INVALID,
                                "model '%s': expected layer sizes like 784-128-10", text);
        p = end + 1;
    }
    if (count < 2)
        return descent_fail(DESCENT_ERR_INVALID,
                            "model '%s': needs at least two sizes (inputs-outputs)", text);
    shape->layers = count - 1;
    memset(shape->sizes, 0, sizeof shape->sizes);
    memcpy(shape->sizes, sizes, (size_t)count * sizeof sizes[0]);
    return DESCENT_OK;
}

/* Floats before W_layer, layer in 1..L+1 (L+1: all of them), for a shape
 * whose layout is valid. */
static size_t floats_before(const descent_mlp_shape *shape, int layer)
{
    size_t offset = 0;
    for (int l = 1; l < layer; l++)
        offset += ((size_t)shape->sizes[l - 1] + 1) * (size_t)shape->sizes[l];
    return offset;
}

/* 0 for an invalid layout (descent.h): the sizes of a bad shape may lie
 * outside sizes[] or multiply past size_t. */
size_t descent_mlp_param_count(const descent_mlp_shape *shape)
{
    if (validate_layout(shape) != DESCENT_OK)
        return 0;
    return floats_before(shape, shape->layers + 1);
}

size_t descent_mlp_weight_offset(const descent_mlp_shape *shape, int layer)
{
    if (validate_layout(shape) != DESCENT_OK || layer < 1 || layer > shape->layers + 1)
        return 0;
    return floats_before(shape, layer);
}

size_t descent_mlp_bias_offset(const descent_mlp_shape *shape, int layer)
{
    if (validate_layout(shape) != DESCENT_OK || layer < 1 || layer > shape->layers)
        return 0;
    return floats_before(shape, layer) +
           (size_t)shape->sizes[layer - 1] * (size_t)shape->sizes[layer];
}

static const char *const init_names[DESCENT_INIT_COUNT] = {
    "default", "kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal"};

const char *descent_init_name(descent_init init)
{
    return (unsigned)init < DESCENT_INIT_COUNT ? init_names[init] : NULL;
}

descent_status descent_init_from_name(const char *name, descent_init *init)
{
    if (!init)
        return descent_fail(DESCENT_ERR_INVALID, "descent_init_from_name: init is NULL");
    const int i = descent_name_index("initialisation", init_names, DESCENT_INIT_COUNT, name,
                                     DESCENT_ERR_INVALID);
    if (i < 0)
        return DESCENT_ERR_INVALID;
    *init = (descent_init)i;
    return DESCENT_OK;
}

/* One weight of layer l: uniform in (-bound, bound) or normal(0, std^2). */
static float draw(descent_rng *rng, int normal, double scale)
{
    if (normal)
        return (float)(scale * descent_rng_normal(rng));
    return (float)scale * (2.0f * descent_rng_uniform(rng) - 1.0f);
}

descent_status descent_mlp_init_params_as(const descent_mlp_shape *shape, descent_init init,
                                          float *params, unsigned long long seed)
{
    descent_status s = descent_mlp_shape_validate(shape);
    if (s != DESCENT_OK)
        return s;
    if (!params)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_init_params: params is NULL");
    if ((unsigned)init >= DESCENT_INIT_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "descent_mlp_init_params: init %d unknown",
                            (int)init);
    descent_rng rng;
    descent_rng_seed(&rng, seed);
    float *p = params;
    for (int l = 1; l <= shape->layers; l++) {
        const size_t in = (size_t)shape->sizes[l - 1], out = (size_t)shape->sizes[l];
        const double fan_in = (double)in, fans = (double)(in + out);
        /* the bound of a uniform, or the standard deviation of a normal */
        double scale = 1.0 / sqrt(fan_in);
        int normal = 0;
        switch (init) {
        case DESCENT_INIT_KAIMING_UNIFORM: scale = sqrt(6.0 / fan_in); break;
        case DESCENT_INIT_KAIMING_NORMAL: scale = sqrt(2.0 / fan_in), normal = 1; break;
        case DESCENT_INIT_XAVIER_UNIFORM: scale = sqrt(6.0 / fans); break;
        case DESCENT_INIT_XAVIER_NORMAL: scale = sqrt(2.0 / fans), normal = 1; break;
        default: break;
        }
        /* W_l (out x in) then b_l (out) */
        for (size_t i = 0; i < in * out; i++)
            *p++ = draw(&rng, normal, scale);
        for (size_t i = 0; i < out; i++)
            *p++ = init == DESCENT_INIT_DEFAULT ? draw(&rng, 0, scale) : 0.0f;
    }
    return DESCENT_OK;
}

descent_status descent_mlp_init_params(const descent_mlp_shape *shape, float *params,
                                       unsigned long long seed)
{
    return descent_mlp_init_params_as(shape, DESCENT_INIT_DEFAULT, params, seed);
}
