/* Optimizer names, PyTorch's default hyperparameters, and the checks that
 * torch.optim's constructors make (with the same messages). */
#include <math.h>
#include <string.h>

#include "internal.h"

static const char *const optim_names[DESCENT_OPTIM_COUNT] = {
    "sgd", "adam", "adamw", "rmsprop", "adagrad",
    "adadelta", "adamax", "nadam", "radam",
};

/* State arrays per optimizer, named as torch.optim names them. */
static const char *const state_names[DESCENT_OPTIM_COUNT][3] = {
    [DESCENT_SGD] = {"momentum_buffer"},
    [DESCENT_ADAM] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    [DESCENT_ADAMW] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    [DESCENT_RMSPROP] = {"square_avg", "momentum_buffer", "grad_avg"},
    [DESCENT_ADAGRAD] = {"sum"},
    [DESCENT_ADADELTA] = {"square_avg", "acc_delta"},
    [DESCENT_ADAMAX] = {"exp_avg", "exp_inf"},
    [DESCENT_NADAM] = {"exp_avg", "exp_avg_sq"},
    [DESCENT_RADAM] = {"exp_avg", "exp_avg_sq"},
};

const char *descent_optim_name(descent_optim_kind kind)
{
    if ((unsigned)kind >= DESCENT_OPTIM_COUNT)
        return "unknown";
    return optim_names[kind];
}

descent_status descent_optim_from_name(const char *name, descent_optim_kind *kind)
{
    if (!name || !kind)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optim_from_name: NULL argument");
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        if (strcmp(name, optim_names[k]) == 0) {
            *kind = (descent_optim_kind)k;
            return DESCENT_OK;
        }
    }
    return descent_fail(DESCENT_ERR_INVALID,
                        "unknown optimizer '%s' (expected sgd, adam, adamw, rmsprop, "
                        "adagrad, adadelta, adamax, nadam or radam)",
                        name);
}

int descent_optim_state_count(descent_optim_kind kind)
{
    if ((unsigned)kind >= DESCENT_OPTIM_COUNT)
        return 0;
    int count = 0;
    while (count < 3 && state_names[kind][count])
        count++;
    return count;
}

const char *descent_optim_state_name(descent_optim_kind kind, int index)
{
    if (index < 0 || index >= descent_optim_state_count(kind))
        return NULL;
    return state_names[kind][index];
}

void descent_hparams_default(descent_optim_kind kind, descent_hparams *h)
{
    if (!h)
        return;
    memset(h, 0, sizeof *h);
    h->beta1 = 0.9;
    h->beta2 = 0.999;
    h->eps = 1e-8;
    switch (kind) {
    case DESCENT_SGD: h->lr = 1e-3; break;
    case DESCENT_ADAM: h->lr = 1e-3; break;
    case DESCENT_ADAMW: h->lr = 1e-3; h->weight_decay = 1e-2; break;
    case DESCENT_RMSPROP: h->lr = 1e-2; h->alpha = 0.99; break;
    case DESCENT_ADAGRAD: h->lr = 1e-2; h->eps = 1e-10; break;
    case DESCENT_ADADELTA: h->lr = 1.0; h->rho = 0.9; h->eps = 1e-6; break;
    case DESCENT_ADAMAX: h->lr = 2e-3; break;
    case DESCENT_NADAM: h->lr = 2e-3; h->momentum_decay = 4e-3; break;
    case DESCENT_RADAM: h->lr = 1e-3; break;
    default: break;
    }
}

/* The checks are written `!(lo <= x)` rather than `x < lo` so that NaN,
 * which compares false with everything, is rejected too (as in PyTorch). */
#define REQUIRE(ok, ...)                                          \
    do {                                                          \
        if (!(ok))                                                \
            return descent_fail(DESCENT_ERR_INVALID, __VA_ARGS__); \
    } while (0)

static descent_status check_common(const descent_hparams *h)
{
    REQUIRE(0.0 <= h->lr && isfinite(h->lr), "Invalid learning rate: %g", h->lr);
    REQUIRE(0.0 <= h->weight_decay && isfinite(h->weight_decay),
            "Invalid weight_decay value: %g", h->weight_decay);
    return DESCENT_OK;
}

static descent_status check_eps(const descent_hparams *h)
{
    REQUIRE(0.0 <= h->eps && isfinite(h->eps), "Invalid epsilon value: %g", h->eps);
    return DESCENT_OK;
}

static descent_status check_betas(const descent_hparams *h)
{
    REQUIRE(0.0 <= h->beta1 && h->beta1 < 1.0,
            "Invalid beta parameter at index 0: %g", h->beta1);
    REQUIRE(0.0 <= h->beta2 && h->beta2 < 1.0,
            "Invalid beta parameter at index 1: %g", h->beta2);
    return DESCENT_OK;
}

descent_status descent_hparams_validate(descent_optim_kind kind,
                                        const descent_hparams *h)
{
    descent_status s;
    if ((unsigned)kind >= DESCENT_OPTIM_COUNT)
        return descent_fail(DESCENT_ERR_INVALID, "unknown optimizer kind %d", (int)kind);
    if (!h)
        return descent_fail(DESCENT_ERR_INVALID, "hyperparameters are NULL");
    if ((s = check_common(h)) != DESCENT_OK)
        return s;

    switch (kind) {
    case DESCENT_SGD:
        REQUIRE(0.0 <= h->momentum && isfinite(h->momentum),
                "Invalid momentum value: %g", h->momentum);
        REQUIRE(isfinite(h->dampening), "Invalid dampening value: %g", h->dampening);
        REQUIRE(!h->nesterov || (h->momentum > 0 && h->dampening == 0),
                "Nesterov momentum requires a momentum and zero dampening");
        return DESCENT_OK;
    case DESCENT_ADAM:
    case DESCENT_ADAMW:
    case DESCENT_ADAMAX:
    case DESCENT_RADAM:
        if ((s = check_eps(h)) != DESCENT_OK)
            return s;
        return check_betas(h);
    case DESCENT_NADAM:
        if ((s = check_eps(h)) != DESCENT_OK || (s = check_betas(h)) != DESCENT_OK)
            return s;
        REQUIRE(0.0 <= h->momentum_decay && isfinite(h->momentum_decay),
                "Invalid momentum_decay value: %g", h->momentum_decay);
        return DESCENT_OK;
    case DESCENT_RMSPROP:
        if ((s = check_eps(h)) != DESCENT_OK)
            return s;
        REQUIRE(0.0 <= h->momentum && isfinite(h->momentum),
                "Invalid momentum value: %g", h->momentum);
        REQUIRE(0.0 <= h->alpha && h->alpha <= 1.0, "Invalid alpha value: %g", h->alpha);
        return DESCENT_OK;
    case DESCENT_ADAGRAD:
        if ((s = check_eps(h)) != DESCENT_OK)
            return s;
        REQUIRE(0.0 <= h->lr_decay && isfinite(h->lr_decay),
                "Invalid lr_decay value: %g", h->lr_decay);
        REQUIRE(0.0 <= h->initial_accumulator_value && isfinite(h->initial_accumulator_value),
                "Invalid initial_accumulator_value value: %g", h->initial_accumulator_value);
        return DESCENT_OK;
    case DESCENT_ADADELTA:
        if ((s = check_eps(h)) != DESCENT_OK)
            return s;
        REQUIRE(0.0 <= h->rho && h->rho <= 1.0, "Invalid rho value: %g", h->rho);
        return DESCENT_OK;
    default:
        return DESCENT_OK;
    }
}
