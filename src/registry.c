/* The optimizer registry (include/descent_optimizers.h) as data: one
 * descent_optim_info per row, the hyperparameter keys, the names and their
 * inverses, and the one generic caller of a reference-signature function. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------- hyperparameters */

static const struct {
    const char *name;
    size_t offset;
    int is_bool;
} hparam_keys[DESCENT_HP_COUNT] = {
#define KEY_ROW(KEY, field, rule, message)                                                  \
    [DESCENT_HP_##KEY] = {#field, offsetof(descent_hparams, field), HPARAM_##rule == HPARAM_BOOL},
    DESCENT_HPARAM_KEYS(KEY_ROW)
#undef KEY_ROW
};

/* get and set read and write a flag as an int, a number as a double. */
#define KEY_TYPE_CHECK(KEY, field, rule, message)                                           \
    _Static_assert(sizeof(((descent_hparams *)0)->field) ==                                 \
                       (HPARAM_##rule == HPARAM_BOOL ? sizeof(int) : sizeof(double)),       \
                   #field ": the field's type is not the one its rule says");
DESCENT_HPARAM_KEYS(KEY_TYPE_CHECK)
#undef KEY_TYPE_CHECK

static int known_key(descent_hparam_key key)
{
    return (unsigned)key < DESCENT_HP_COUNT;
}

const char *descent_hparam_name(descent_hparam_key key)
{
    return known_key(key) ? hparam_keys[key].name : NULL;
}

int descent_hparam_is_bool(descent_hparam_key key)
{
    return known_key(key) && hparam_keys[key].is_bool;
}

descent_status descent_hparam_from_name(const char *name, descent_hparam_key *key)
{
    if (!name || !key)
        return descent_fail(DESCENT_ERR_INVALID, "descent_hparam_from_name: NULL argument");
    const char *names[DESCENT_HP_COUNT];
    for (int k = 0; k < DESCENT_HP_COUNT; k++)
        names[k] = hparam_keys[k].name;
    const int k = descent_name_index("hyperparameter", names, DESCENT_HP_COUNT, name,
                                     DESCENT_ERR_INVALID);
    if (k < 0)
        return DESCENT_ERR_INVALID;
    *key = (descent_hparam_key)k;
    return DESCENT_OK;
}

double descent_hparams_get(const descent_hparams *h, descent_hparam_key key)
{
    if (!h || !known_key(key))
        return 0;
    const char *field = (const char *)h + hparam_keys[key].offset;
    return hparam_keys[key].is_bool ? (*(const int *)field != 0) : *(const double *)field;
}

descent_status descent_hparams_set(descent_hparams *h, descent_hparam_key key, double value)
{
    if (!h || !known_key(key))
        return descent_fail(DESCENT_ERR_INVALID, "descent_hparams_set: %s",
                            h ? "unknown hyperparameter" : "h is NULL");
    char *field = (char *)h + hparam_keys[key].offset;
    if (!hparam_keys[key].is_bool) {
        *(double *)field = value;
        return DESCENT_OK;
    }
    if (value != 0.0 && value != 1.0)
        return descent_fail(DESCENT_ERR_INVALID, "%s: %g is not 0 or 1",
                            hparam_keys[key].name, value);
    *(int *)field = value != 0.0;
    return DESCENT_OK;
}

/* ------------------------------------------------------------ the table */

/* Per row: its state arrays, keys and branches as arrays of their own. */
#define STATE_ROW(array, USED_IF, INITIAL) {#array, DESCENT_HP_##USED_IF, DESCENT_HP_##INITIAL},
#define KEY_DEFAULT(KEY, value) {DESCENT_HP_##KEY, value},
#define BRANCH_ROW(branch, settings, bench, flops) {branch, settings, bench, flops},
#define DESCENT_STATE STATE_ROW
#define DESCENT_KEY KEY_DEFAULT
#define DESCENT_BRANCH BRANCH_ROW
#define ROW_ARRAYS(KIND, id, call, product, flops, state_list, key_list, branch_list, ...) \
    static const descent_optim_state_info id##_states[] = {DESCENT_LIST(state_list)};      \
    static const descent_optim_key_info id##_keys[] = {DESCENT_LIST(key_list)};            \
    static const descent_optim_branch id##_branches[] = {DESCENT_LIST(branch_list)};
DESCENT_OPTIMIZERS(ROW_ARRAYS)
#undef ROW_ARRAYS

#define COUNT(array) ((int)(sizeof array / sizeof array[0]))

/* Each row's call shape is its reference's signature and takes its state
 * arrays: checked here, where a wrong row would otherwise call a function
 * through the wrong type. */
#define SHAPE_FN_DESCENT_CALL_STATE1 descent_ref_state1_fn
#define SHAPE_FN_DESCENT_CALL_STATE2 descent_ref_state2_fn
#define SHAPE_FN_DESCENT_CALL_STATE3 descent_ref_state3_fn
#define SHAPE_FN_DESCENT_CALL_PRODUCT_STATE2 descent_ref_product_state2_fn
#define SHAPE_STATES_DESCENT_CALL_STATE1 1
#define SHAPE_STATES_DESCENT_CALL_STATE2 2
#define SHAPE_STATES_DESCENT_CALL_STATE3 3
#define SHAPE_STATES_DESCENT_CALL_PRODUCT_STATE2 2
#define CHECK_SHAPE(KIND, id, call, ...)                                                    \
    _Static_assert(_Generic(descent_ref_##id, SHAPE_FN_##call: 1, default: 0),             \
                   "descent_ref_" #id " does not have the signature of " #call);            \
    _Static_assert(COUNT(id##_states) == SHAPE_STATES_##call,                               \
                   #id ": " #call " does not take the row's state arrays");
DESCENT_OPTIMIZERS(CHECK_SHAPE)
#undef CHECK_SHAPE

static const descent_optim_info registry[DESCENT_OPTIM_COUNT] = {
#define ROW_INFO(KIND, id, call, product, nominal_flops, state_list, key_list, branch_list, \
                 tolerance, why)                                                            \
    [DESCENT_##KIND] = {.kind = DESCENT_##KIND,                                            \
                        .name = #id,                                                       \
                        .state_count = COUNT(id##_states),                                 \
                        .states = id##_states,                                             \
                        .key_count = COUNT(id##_keys),                                     \
                        .keys = id##_keys,                                                 \
                        .branch_count = COUNT(id##_branches),                              \
                        .branches = id##_branches,                                         \
                        .call_shape = call,                                                \
                        .reference = (descent_ref_fn)descent_ref_##id,                     \
                        .product_factor = product,                                         \
                        .flops = nominal_flops,                                            \
                        .rtol = tolerance,                                                 \
                        .rtol_why = why},
    DESCENT_OPTIMIZERS(ROW_INFO)
#undef ROW_INFO
};

const descent_optim_info *descent_optim_info_of(descent_optim_kind kind)
{
    return (unsigned)kind < DESCENT_OPTIM_COUNT ? &registry[kind] : NULL;
}

/* -------------------------------------------------- names and state */

const char *descent_optim_name(descent_optim_kind kind)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    return info ? info->name : "unknown";
}

descent_status descent_optim_from_name(const char *name, descent_optim_kind *kind)
{
    if (!name || !kind)
        return descent_fail(DESCENT_ERR_INVALID, "descent_optim_from_name: NULL argument");
    const char *names[DESCENT_OPTIM_COUNT];
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++)
        names[k] = registry[k].name;
    const int k = descent_name_index("optimizer", names, DESCENT_OPTIM_COUNT, name,
                                     DESCENT_ERR_INVALID);
    if (k < 0)
        return DESCENT_ERR_INVALID;
    *kind = (descent_optim_kind)k;
    return DESCENT_OK;
}

int descent_optim_state_count(descent_optim_kind kind)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    return info ? info->state_count : 0;
}

const char *descent_optim_state_name(descent_optim_kind kind, int index)
{
    if (index < 0 || index >= descent_optim_state_count(kind))
        return NULL;
    return registry[kind].states[index].name;
}

int descent_optim_state_used(descent_optim_kind kind, const descent_hparams *h, int index)
{
    if (!h || index < 0 || index >= descent_optim_state_count(kind))
        return 0;
    const descent_hparam_key used_if = registry[kind].states[index].used_if;
    return used_if == DESCENT_HP_NONE || descent_hparams_get(h, used_if) != 0;
}

int descent_optim_per_tensor(descent_optim_kind kind)
{
#define PER_TENSOR_CASE(KIND) if (kind == DESCENT_##KIND) return 1;
    DESCENT_PER_TENSOR_OPTIMIZERS(PER_TENSOR_CASE)
#undef PER_TENSOR_CASE
    return 0;
}

/* ------------------------------------------------------------- settings */

int descent_optim_has_hparam(descent_optim_kind kind, descent_hparam_key key)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    for (int k = 0; info && k < info->key_count; k++)
        if (info->keys[k].key == key)
            return 1;
    return 0;
}

/* One "key=value" item (NUL-terminated) into h. */
static descent_status apply_item(const descent_optim_info *info, descent_hparams *h,
                                 char *item)
{
    char *eq = strchr(item, '=');
    if (!eq)
        return descent_fail(DESCENT_ERR_INVALID, "%s: '%s' is not key=value", info->name, item);
    *eq = '\0';
    descent_hparam_key key;
    if (descent_hparam_from_name(item, &key) != DESCENT_OK ||
        !descent_optim_has_hparam(info->kind, key))
        return descent_fail(DESCENT_ERR_INVALID, "%s has no hyperparameter '%s'", info->name,
                            item);
    char *end;
    errno = 0;
    const double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || errno == ERANGE)
        return descent_fail(DESCENT_ERR_INVALID, "%s: %s='%s' is not a number", info->name,
                            item, eq + 1);
    descent_status s = descent_hparams_set(h, key, v);
    return s == DESCENT_OK ? s : descent_fail(s, "%s: %s", info->name, descent_last_error());
}

descent_status descent_hparams_apply(descent_optim_kind kind, descent_hparams *h,
                                     const char *settings)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    if (!info || !h || !settings)
        return descent_fail(DESCENT_ERR_INVALID, "descent_hparams_apply: %s",
                            info ? "NULL argument" : "unknown optimizer kind");
    char *copy = strdup(settings);
    if (!copy)
        return descent_fail(DESCENT_ERR_NOMEM, "out of memory applying settings");
    descent_status s = DESCENT_OK;
    char *save;
    for (char *item = strtok_r(copy, " ", &save); item && s == DESCENT_OK;
         item = strtok_r(NULL, " ", &save))
        s = apply_item(info, h, item);
    free(copy);
    return s;
}

/* ------------------------------------------------------ the generic call */

descent_status descent_call_reference_signature(descent_optim_kind kind, descent_ref_fn fn,
                                                const descent_hparams *h, long t, size_t n,
                                                float *param, const float *grad,
                                                float *const state[3], double *mu_product)
{
    const descent_optim_info *info = descent_optim_info_of(kind);
    if (!info)
        return descent_fail(DESCENT_ERR_INVALID, "unknown optimizer kind %d", (int)kind);
    if (!fn)
        fn = info->reference;
    float *const none[3] = {NULL, NULL, NULL};
    float *const *s = state ? state : none;
    switch (info->call_shape) {
    case DESCENT_CALL_STATE1: ((descent_ref_state1_fn)fn)(h, t, n, param, grad, s[0]); break;
    case DESCENT_CALL_STATE2:
        ((descent_ref_state2_fn)fn)(h, t, n, param, grad, s[0], s[1]);
        break;
    case DESCENT_CALL_STATE3:
        ((descent_ref_state3_fn)fn)(h, t, n, param, grad, s[0], s[1], s[2]);
        break;
    case DESCENT_CALL_PRODUCT_STATE2:
        ((descent_ref_product_state2_fn)fn)(h, t, mu_product, n, param, grad, s[0], s[1]);
        break;
    }
    return DESCENT_OK;
}
