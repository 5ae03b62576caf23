/* PyTorch's default hyperparameters and the checks that torch.optim's
 * constructors make (with the same messages), from the registry
 * (include/descent_optimizers.h): each optimizer's keys and defaults, each
 * key's rule. */
#include <math.h>
#include <string.h>

#include "internal.h"

void descent_hparams_default(descent_optim_kind kind, descent_hparams *h)
{
    if (!h)
        return;
    memset(h, 0, sizeof *h);
    /* Shared by every kind, whether it reads them or not (the betas and eps
     * of an SGD optimizer hold these too); an unknown kind gets only these. */
    h->beta1 = 0.9;
    h->beta2 = 0.999;
    h->eps = 1e-8;
    const descent_optim_info *info = descent_optim_info_of(kind);
    for (int k = 0; info && k < info->key_count; k++)
        descent_hparams_set(h, info->keys[k].key, info->keys[k].default_value);
}

static const struct {
    hparam_rule rule;
    const char *message;
} key_rules[DESCENT_HP_COUNT] = {
#define KEY_RULE(KEY, field, rule, message) [DESCENT_HP_##KEY] = {HPARAM_##rule, message},
    DESCENT_HPARAM_KEYS(KEY_RULE)
#undef KEY_RULE
};

/* The checks are written `!(lo <= x)` rather than `x < lo` so that NaN,
 * which compares false with everything, is rejected too (as in PyTorch). */
static int accepts(hparam_rule rule, double x)
{
    switch (rule) {
    case HPARAM_NONNEG: return 0.0 <= x && isfinite(x);
    case HPARAM_UNIT_OPEN: return 0.0 <= x && x < 1.0;
    case HPARAM_UNIT_CLOSED: return 0.0 <= x && x <= 1.0;
    case HPARAM_FINITE: return isfinite(x);
    case HPARAM_BOOL: return 1;
    }
    return 0;
}

descent_status descent_hparams_validate(descent_optim_kind kind,
                                        const descent_hparams *h)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    if (!info)
        return descent_fail(DESCENT_ERR_INVALID, "unknown optimizer kind %d", (int)kind);
    if (!h)
        return descent_fail(DESCENT_ERR_INVALID, "hyperparameters are NULL");
    /* In the order of DESCENT_HPARAM_KEYS, PyTorch's: lr and weight_decay,
     * then eps, the betas, ... so that the first bad value is the one named. */
    for (int key = 0; key < DESCENT_HP_COUNT; key++) {
        if (!descent_optim_has_hparam(kind, (descent_hparam_key)key))
            continue;
        const double x = descent_hparams_get(h, (descent_hparam_key)key);
        if (!accepts(key_rules[key].rule, x))
            return descent_fail(DESCENT_ERR_INVALID, "%s: %g", key_rules[key].message, x);
    }
    /* The rules across keys (torch.optim.SGD's and Rprop's). */
    if (descent_optim_has_hparam(kind, DESCENT_HP_NESTEROV) && h->nesterov &&
        !(h->momentum > 0 && h->dampening == 0))
        return descent_fail(DESCENT_ERR_INVALID,
                            "Nesterov momentum requires a momentum and zero dampening");
    if (descent_optim_has_hparam(kind, DESCENT_HP_ETAMINUS) &&
        !(0.0 < h->etaminus && h->etaminus < 1.0 && 1.0 < h->etaplus))
        return descent_fail(DESCENT_ERR_INVALID, "Invalid eta values: %g, %g", h->etaminus,
                            h->etaplus);
    return DESCENT_OK;
}
