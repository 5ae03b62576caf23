/*
 * The optimizer registry (include/descent_optimizers.h) and the per-ISA
 * kernel tables:
 *  - every row is consistent: its call shape takes its state arrays, only
 *    NAdam's carries a product, its keys are known and unique, its state
 *    conditions and initial values name its own keys, its defaults pass the
 *    checks, every branch applies and passes them, tolerances have reasons;
 *  - the keys are the oracle files' keys in their order (FORMAT.md's table,
 *    read from GOLDEN_DIR);
 *  - the generic caller passes every argument where each call shape wants
 *    it (through stand-in ports that record what they get), and through the
 *    reference gives the bits of the scalar variant's table;
 *  - hyperparameter names, get/set and settings, with their errors;
 *  - every compiled ISA's table has every entry.
 */
#include <ctype.h>
#include <string.h>

#include "../kernels/kernel.h"
#include "check.h"
#include "descent.h"

static int shape_states(descent_call_shape shape)
{
    switch (shape) {
    case DESCENT_CALL_STATE1: return 1;
    case DESCENT_CALL_STATE2: return 2;
    case DESCENT_CALL_STATE3: return 3;
    case DESCENT_CALL_PRODUCT_STATE2: return 2;
    }
    return -1;
}

static int has_key(const descent_optim_info *info, descent_hparam_key key)
{
    return descent_optim_has_hparam(info->kind, key);
}

static void test_rows_are_consistent(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        EXPECT(info && info->kind == (descent_optim_kind)k, "row %d", k);
        if (!info)
            continue;
        const char *name = info->name;
        EXPECT(!strcmp(descent_optim_name(info->kind), name), "%s: name", name);
        EXPECT(info->reference != NULL, "%s: no reference", name);
        EXPECT(shape_states(info->call_shape) == info->state_count,
               "%s: call shape takes %d state arrays, the row has %d", name,
               shape_states(info->call_shape), info->state_count);
        EXPECT((info->call_shape == DESCENT_CALL_PRODUCT_STATE2) == (info->product_factor != NULL),
               "%s: a product factor goes with the product call shape", name);
        EXPECT(descent_optim_state_count(info->kind) == info->state_count, "%s: state count",
               name);
        for (int s = 0; s < info->state_count; s++) {
            const descent_optim_state_info *st = &info->states[s];
            EXPECT(!strcmp(descent_optim_state_name(info->kind, s), st->name), "%s: state %d",
                   name, s);
            EXPECT(st->used_if == DESCENT_HP_NONE || has_key(info, st->used_if),
                   "%s: %s is used under a key %s lacks", name, st->name, name);
            EXPECT(st->initial == DESCENT_HP_NONE || has_key(info, st->initial),
                   "%s: %s starts at a key %s lacks", name, st->name, name);
        }
        /* All but Rprop have weight_decay too (torch.optim 1.13's Rprop has none). */
        EXPECT(has_key(info, DESCENT_HP_LR) &&
                   (has_key(info, DESCENT_HP_WEIGHT_DECAY) || info->kind == DESCENT_RPROP),
               "%s: every torch.optim optimizer has lr and weight_decay", name);
        for (int a = 0; a < info->key_count; a++) {
            EXPECT(descent_hparam_name(info->keys[a].key) != NULL, "%s: key %d unknown", name, a);
            for (int b = a + 1; b < info->key_count; b++)
                EXPECT(info->keys[a].key != info->keys[b].key, "%s: key %s twice", name,
                       descent_hparam_name(info->keys[a].key));
        }
        descent_hparams h;
        descent_hparams_default(info->kind, &h);
        for (int a = 0; a < info->key_count; a++)
            EXPECT(descent_hparams_get(&h, info->keys[a].key) == info->keys[a].default_value,
                   "%s: default of %s", name, descent_hparam_name(info->keys[a].key));
        EXPECT(descent_hparams_validate(info->kind, &h) == DESCENT_OK, "%s defaults: %s", name,
               descent_last_error());
        EXPECT(info->branch_count >= 1, "%s: no branch", name);
        for (int b = 0; b < info->branch_count; b++) {
            const descent_optim_branch *br = &info->branches[b];
            descent_hparams_default(info->kind, &h);
            EXPECT(descent_hparams_apply(info->kind, &h, br->settings) == DESCENT_OK &&
                       descent_hparams_validate(info->kind, &h) == DESCENT_OK,
                   "%s/%s: %s", name, br->name, descent_last_error());
            for (int c = b + 1; c < info->branch_count; c++)
                EXPECT(strcmp(br->name, info->branches[c].name) != 0, "%s: branch %s twice",
                       name, br->name);
            EXPECT(!br->bench_name || br->bench_flops > 0, "%s/%s: bench flops", name, br->name);
        }
        EXPECT(info->flops > 0, "%s: flops", name);
        /* 0: the kernels give the reference's bits (Rprop); the reason says why */
        EXPECT(info->rtol >= 0 && info->rtol < 1e-4 && info->rtol_why && *info->rtol_why,
               "%s: tolerance %g needs a reason", name, info->rtol);
    }
    EXPECT(descent_optim_info_of(DESCENT_OPTIM_COUNT) == NULL, "row past the end");
    EXPECT(descent_optim_info_of((descent_optim_kind)-1) == NULL, "row -1");
}

/* The benchmarks' configuration names, the optimizers' and the branches',
 * are one namespace (BM_step/<name>/...). */
static void test_bench_names_are_unique(void)
{
    const char *names[64];
    int count = 0;
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        names[count++] = info->name;
        for (int b = 0; b < info->branch_count && count < 64; b++)
            if (info->branches[b].bench_name)
                names[count++] = info->branches[b].bench_name;
    }
    for (int a = 0; a < count; a++)
        for (int b = a + 1; b < count; b++)
            EXPECT(strcmp(names[a], names[b]) != 0, "benchmark name %s twice", names[a]);
}

/* FORMAT.md's table: "| sgd | lr momentum ... |", "| adam, adamw | ... |". */
static void test_keys_follow_format_md(void)
{
    const char *dir = getenv("GOLDEN_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/FORMAT.md", dir && *dir ? dir : "../shared/golden");
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("# SKIP %s not found: keys not compared\n", path);
        return;
    }
    int seen[DESCENT_OPTIM_COUNT] = {0};
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char names[128], keys[384];
        if (sscanf(line, " | %127[^|] | %383[^|] |", names, keys) != 2)
            continue;
        char want[384] = "";
        for (char *k = strtok(keys, " \t\n"); k; k = strtok(NULL, " \t\n"))
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", *want ? " " : "",
                     k);
        char *save;
        for (char *n = strtok_r(names, ", \t", &save); n; n = strtok_r(NULL, ", \t", &save)) {
            descent_optim_kind kind;
            if (descent_optim_from_name(n, &kind) != DESCENT_OK)
                continue; /* rprop, asgd, ...: not implemented here */
            const descent_optim_info *info = descent_optim_info_of(kind);
            char got[384] = "";
            for (int k = 0; k < info->key_count; k++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? " " : "",
                         descent_hparam_name(info->keys[k].key));
            /* FORMAT.md: maximize, when the table does not list it, is the line
             * after the table's keys in the *_maximize files. */
            const char *tail = " maximize";
            const size_t gl = strlen(got), tl = strlen(tail), wl = strlen(want);
            if (gl > tl && !strcmp(got + gl - tl, tail) &&
                !(wl >= tl && !strcmp(want + wl - tl, tail)))
                got[gl - tl] = '\0';
            EXPECT(!strcmp(got, want), "%s keys '%s', FORMAT.md '%s'", n, got, want);
            seen[kind] = 1;
        }
    }
    fclose(f);
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++)
        EXPECT(seen[k], "%s not in FORMAT.md's table", descent_optim_name((descent_optim_kind)k));
}

/* ------------------------------------------------------ the generic call */

/* What a stand-in port received. */
static struct {
    int shape;
    const descent_hparams *h;
    long t;
    size_t n;
    double *product;
    float *param, *s[3];
    const float *grad;
} got;

static void port1(const descent_hparams *h, long t, size_t n, float *p, const float *g, float *s0)
{
    got.shape = DESCENT_CALL_STATE1, got.h = h, got.t = t, got.n = n, got.param = p;
    got.grad = g, got.s[0] = s0;
}
static void port2(const descent_hparams *h, long t, size_t n, float *p, const float *g,
                  float *s0, float *s1)
{
    port1(h, t, n, p, g, s0);
    got.shape = DESCENT_CALL_STATE2, got.s[1] = s1;
}
static void port3(const descent_hparams *h, long t, size_t n, float *p, const float *g,
                  float *s0, float *s1, float *s2)
{
    port2(h, t, n, p, g, s0, s1);
    got.shape = DESCENT_CALL_STATE3, got.s[2] = s2;
}
static void port_product(const descent_hparams *h, long t, double *product, size_t n, float *p,
                         const float *g, float *s0, float *s1)
{
    port2(h, t, n, p, g, s0, s1);
    got.shape = DESCENT_CALL_PRODUCT_STATE2, got.product = product;
}

static descent_ref_fn port_for(descent_call_shape shape)
{
    switch (shape) {
    case DESCENT_CALL_STATE1: return (descent_ref_fn)port1;
    case DESCENT_CALL_STATE2: return (descent_ref_fn)port2;
    case DESCENT_CALL_STATE3: return (descent_ref_fn)port3;
    case DESCENT_CALL_PRODUCT_STATE2: return (descent_ref_fn)port_product;
    }
    return NULL;
}

static void test_generic_call_passes_every_argument(void)
{
    float param[4], grad[4], s0[4], s1[4], s2[4];
    float *const state[3] = {s0, s1, s2};
    double product = 1.0;
    descent_hparams h;
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        memset(&got, 0, sizeof got);
        EXPECT(descent_call_reference_signature(info->kind, port_for(info->call_shape), &h, 7, 3,
                                                param, grad, state, &product) == DESCENT_OK,
               "%s: %s", info->name, descent_last_error());
        const int arrays = info->state_count;
        EXPECT(got.shape == (int)info->call_shape && got.h == &h && got.t == 7 && got.n == 3 &&
                   got.param == param && got.grad == grad && got.s[0] == s0 &&
                   got.s[1] == (arrays > 1 ? s1 : NULL) && got.s[2] == (arrays > 2 ? s2 : NULL) &&
                   got.product == (info->product_factor ? &product : NULL),
               "%s: the port got other arguments", info->name);
        /* state NULL: every array NULL */
        memset(&got, 0, sizeof got);
        got.s[0] = s0;
        descent_call_reference_signature(info->kind, port_for(info->call_shape), &h, 1, 3, param,
                                         grad, NULL, &product);
        EXPECT(got.s[0] == NULL, "%s: state NULL", info->name);
    }
    EXPECT(descent_call_reference_signature(DESCENT_OPTIM_COUNT, NULL, &h, 1, 0, NULL, NULL, NULL,
                                            NULL) == DESCENT_ERR_INVALID,
           "unknown kind accepted");
}

/* fn NULL is the reference: the same bits as the scalar variant's table,
 * over several steps of every branch. */
static void test_generic_call_runs_the_reference(void)
{
    enum { N = 19 };
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        for (int b = 0; b < info->branch_count; b++) {
            descent_hparams h;
            descent_hparams_default(info->kind, &h);
            descent_hparams_apply(info->kind, &h, info->branches[b].settings);
            float p1[N], p2[N], a1[3][N], a2[3][N], g[N];
            for (int i = 0; i < N; i++) {
                p1[i] = p2[i] = 0.1f * (float)(i - 9);
                a1[0][i] = a1[1][i] = a1[2][i] = a2[0][i] = a2[1][i] = a2[2][i] = 0.0f;
            }
            float *const s1[3] = {a1[0], a1[1], a1[2]}, *const s2[3] = {a2[0], a2[1], a2[2]};
            double product = 1.0;
            for (long t = 1; t <= 4; t++) {
                for (int i = 0; i < N; i++)
                    g[i] = (float)((i * 7 + (int)t * 3) % 11 - 5) * 0.125f;
                const descent_step step = {info->kind, &h, t, product};
                descent_scalar_isa.optim[k](&step, N, p2, g, s2);
                descent_call_reference_signature(info->kind, NULL, &h, t, N, p1, g, s1, &product);
            }
            EXPECT(!memcmp(p1, p2, sizeof p1) && !memcmp(a1, a2, sizeof a1), "%s/%s differs",
                   info->name, info->branches[b].name);
        }
    }
}

/* ------------------------------------------------------ hyperparameters */

static void test_hparam_names_get_and_set(void)
{
    descent_hparams h;
    memset(&h, 0, sizeof h);
    for (int k = 0; k < DESCENT_HP_COUNT; k++) {
        const descent_hparam_key key = (descent_hparam_key)k;
        const char *name = descent_hparam_name(key);
        descent_hparam_key back;
        EXPECT(name && descent_hparam_from_name(name, &back) == DESCENT_OK && back == key,
               "key %d: name", k);
        const double v = descent_hparam_is_bool(key) ? 1.0 : 0.25 + k;
        EXPECT(descent_hparams_set(&h, key, v) == DESCENT_OK && descent_hparams_get(&h, key) == v,
               "%s: set then get", name);
    }
    /* each key its own field: nothing above overwrote another */
    for (int k = 0; k < DESCENT_HP_COUNT; k++) {
        const descent_hparam_key key = (descent_hparam_key)k;
        const double v = descent_hparam_is_bool(key) ? 1.0 : 0.25 + k;
        EXPECT(descent_hparams_get(&h, key) == v, "%s overwritten", descent_hparam_name(key));
    }
    EXPECT(h.lr == 0.25 && h.nesterov == 1 && h.initial_accumulator_value ==
                                                  0.25 + DESCENT_HP_INITIAL_ACCUMULATOR_VALUE,
           "fields");
    EXPECT(descent_hparam_is_bool(DESCENT_HP_AMSGRAD) && !descent_hparam_is_bool(DESCENT_HP_EPS),
           "flags");
    descent_hparam_key key;
    /* whole names only: FORMAT.md warns that initial_accumulator_value starts with init */
    EXPECT(descent_hparam_from_name("init", &key) == DESCENT_ERR_INVALID, "prefix accepted");
    EXPECT(descent_hparam_from_name("betas", &key) == DESCENT_ERR_INVALID, "betas accepted");
    EXPECT(descent_hparams_set(&h, DESCENT_HP_CENTERED, 2) == DESCENT_ERR_INVALID &&
               strstr(descent_last_error(), "centered: 2 is not 0 or 1"),
           "flag 2: %s", descent_last_error());
    EXPECT(descent_hparams_set(&h, DESCENT_HP_COUNT, 1) == DESCENT_ERR_INVALID, "key past end");
    EXPECT(descent_hparams_set(NULL, DESCENT_HP_LR, 1) == DESCENT_ERR_INVALID, "NULL h");
    EXPECT(descent_hparam_name(DESCENT_HP_NONE) == NULL && descent_hparams_get(&h, -5) == 0,
           "outside the enum");
}

static void test_settings_apply_and_fail_clearly(void)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_SGD, &h);
    EXPECT(descent_hparams_apply(DESCENT_SGD, &h, "  lr=0.5 momentum=0.9  nesterov=1 ") ==
                   DESCENT_OK &&
               h.lr == 0.5 && h.momentum == 0.9 && h.nesterov == 1,
           "apply: %s", descent_last_error());
    EXPECT(descent_hparams_apply(DESCENT_SGD, &h, "") == DESCENT_OK, "empty settings");
    static const struct {
        descent_optim_kind kind;
        const char *settings, *message;
    } bad[] = {
        {DESCENT_SGD, "beta1=0.5", "sgd has no hyperparameter 'beta1'"},
        {DESCENT_ADAM, "momentum=0.5", "adam has no hyperparameter 'momentum'"},
        {DESCENT_ADAM, "lr", "adam: 'lr' is not key=value"},
        {DESCENT_ADAM, "lr=fast", "adam: lr='fast' is not a number"},
        {DESCENT_ADAM, "lr=", "adam: lr='' is not a number"},
        {DESCENT_ADAM, "lr=1e999", "adam: lr='1e999' is not a number"},
        {DESCENT_ADAM, "amsgrad=0.5", "adam: amsgrad: 0.5 is not 0 or 1"},
        {DESCENT_RMSPROP, "alpha=0.5 bogus=1", "rmsprop has no hyperparameter 'bogus'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        descent_hparams_default(bad[i].kind, &h);
        EXPECT(descent_hparams_apply(bad[i].kind, &h, bad[i].settings) == DESCENT_ERR_INVALID &&
                   !strcmp(descent_last_error(), bad[i].message),
               "'%s': '%s', want '%s'", bad[i].settings, descent_last_error(), bad[i].message);
    }
    EXPECT(descent_hparams_apply(DESCENT_OPTIM_COUNT, &h, "") == DESCENT_ERR_INVALID, "kind");
    EXPECT(descent_hparams_apply(DESCENT_SGD, NULL, "") == DESCENT_ERR_INVALID, "NULL h");
    EXPECT(descent_hparams_apply(DESCENT_SGD, &h, NULL) == DESCENT_ERR_INVALID, "NULL settings");
}

static void test_state_use_follows_the_options(void)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_SGD, &h);
    EXPECT(!descent_optim_state_used(DESCENT_SGD, &h, 0), "sgd without momentum: no buffer");
    h.momentum = 0.9;
    EXPECT(descent_optim_state_used(DESCENT_SGD, &h, 0), "sgd momentum: buffer");
    descent_hparams_default(DESCENT_ADAM, &h);
    EXPECT(descent_optim_state_used(DESCENT_ADAM, &h, 1) &&
               !descent_optim_state_used(DESCENT_ADAM, &h, 2),
           "adam without amsgrad");
    h.amsgrad = 1;
    EXPECT(descent_optim_state_used(DESCENT_ADAM, &h, 2), "amsgrad: max_exp_avg_sq");
    descent_hparams_default(DESCENT_RMSPROP, &h);
    h.centered = 1;
    EXPECT(descent_optim_state_used(DESCENT_RMSPROP, &h, 0) &&
               !descent_optim_state_used(DESCENT_RMSPROP, &h, 1) &&
               descent_optim_state_used(DESCENT_RMSPROP, &h, 2),
           "rmsprop centered, no momentum");
    EXPECT(!descent_optim_state_used(DESCENT_RMSPROP, &h, 3) &&
               !descent_optim_state_used(DESCENT_RMSPROP, NULL, 0) &&
               !descent_optim_state_used(DESCENT_OPTIM_COUNT, &h, 0),
           "outside");
    EXPECT(descent_optim_info_of(DESCENT_ADAGRAD)->states[0].initial ==
               DESCENT_HP_INITIAL_ACCUMULATOR_VALUE,
           "adagrad's sum starts at initial_accumulator_value");
}

static void test_unknown_name_lists_every_optimizer(void)
{
    descent_optim_kind kind;
    EXPECT(descent_optim_from_name("adamx", &kind) == DESCENT_ERR_INVALID, "adamx accepted");
    char want[256] = "unknown optimizer 'adamx' (expected ";
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
                 k == 0 ? "" : k == DESCENT_OPTIM_COUNT - 1 ? " or " : ", ",
                 descent_optim_name((descent_optim_kind)k));
    snprintf(want + strlen(want), sizeof want - strlen(want), ")");
    EXPECT(!strcmp(descent_last_error(), want), "'%s', want '%s'", descent_last_error(), want);
}

/* ------------------------------------------------------------- ISA tables */

static void test_isa_tables_are_complete(void)
{
    for (int isa = 0; isa < DESCENT_ISA_COUNT; isa++) {
        const descent_isa_kernels *t = descent_isa_table((descent_isa)isa);
        EXPECT((t != NULL) == descent_isa_compiled((descent_isa)isa), "%s: table iff compiled",
               descent_isa_name((descent_isa)isa));
        if (!t)
            continue;
        for (int k = 0; k < DESCENT_OPTIM_COUNT; k++)
            EXPECT(t->optim[k] != NULL, "%s: no %s kernel", descent_isa_name((descent_isa)isa),
                   descent_optim_name((descent_optim_kind)k));
        EXPECT(t->first_nonfinite && t->gemm && t->gemm_nt, "%s: a missing entry",
               descent_isa_name((descent_isa)isa));
    }
    EXPECT(descent_isa_table(DESCENT_ISA_SCALAR) == &descent_scalar_isa, "scalar table");
    EXPECT(descent_isa_table(DESCENT_ISA_COUNT) == NULL &&
               descent_isa_table(DESCENT_ISA_BEST) == NULL,
           "not an ISA");
}

int main(void)
{
    RUN(test_rows_are_consistent);
    RUN(test_bench_names_are_unique);
    RUN(test_keys_follow_format_md);
    RUN(test_generic_call_passes_every_argument);
    RUN(test_generic_call_runs_the_reference);
    RUN(test_hparam_names_get_and_set);
    RUN(test_settings_apply_and_fail_clearly);
    RUN(test_state_use_follows_the_options);
    RUN(test_unknown_name_lists_every_optimizer);
    RUN(test_isa_tables_are_complete);
    return CHECK_EXIT_STATUS();
}
