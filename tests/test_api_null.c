/*
 * The NULL rule of descent.h, for every public function: a NULL pointer
 * where an object or array is needed is DESCENT_ERR_INVALID with a message
 * (functions returning a status), the documented 0 / NULL / sentinel
 * (getters), or nothing at all (functions returning void) -- never a crash.
 * Also enum values outside their enums, and MLP shapes and layer indices
 * outside their ranges (descent_mlp_param_count once read a 40-layer shape's
 * sizes far past sizes[]).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "descent.h"

/* Puts a known message in descent_last_error(), so that a check can tell
 * that the call under test wrote its own. */
static void prime_last_error(void)
{
    descent_optim_kind kind;
    (void)descent_optim_from_name("#primed#", &kind);
}

/* `call` returns DESCENT_ERR_INVALID and leaves a message of its own. */
#define EXPECT_INVALID(call)                                                              \
    do {                                                                                  \
        prime_last_error();                                                               \
        const descent_status status_ = (call);                                            \
        EXPECT(status_ == DESCENT_ERR_INVALID, "%s: status %d", #call, (int)status_);      \
        EXPECT(descent_last_error()[0] && !strstr(descent_last_error(), "#primed#"),      \
               "%s: no message", #call);                                                  \
    } while (0)

/* Values outside each enum, on both sides. */
static const int bad_enums[] = {-1000, -2, -1, 4, 9, 3, 1000, INT_MAX, INT_MIN};
#define BAD_ENUMS (int)(sizeof bad_enums / sizeof bad_enums[0])

/* ------------------------------------------------------------- shapes */

static descent_mlp_shape shape_of(int layers, int size)
{
    descent_mlp_shape s;
    memset(&s, 0, sizeof s);
    s.layers = layers;
    for (int l = 0; l <= DESCENT_MLP_MAX_LAYERS; l++)
        s.sizes[l] = size;
    s.activation = DESCENT_TANH;
    s.loss = DESCENT_MSE;
    return s;
}

static void test_param_count_rejects_bad_shapes(void)
{
    static const int bad_layers[] = {100, DESCENT_MLP_MAX_LAYERS + 1, 0, -1, INT_MAX, INT_MIN};
    for (size_t j = 0; j < sizeof bad_layers / sizeof bad_layers[0]; j++) {
        const descent_mlp_shape s = shape_of(bad_layers[j], 8);
        EXPECT(descent_mlp_param_count(&s) == 0, "%d layers: count %zu", s.layers,
               descent_mlp_param_count(&s));
        EXPECT(descent_mlp_weight_offset(&s, 1) == 0 && descent_mlp_bias_offset(&s, 1) == 0,
               "%d layers: offsets", s.layers);
    }
    static const int bad_sizes[] = {0, -1, -100, DESCENT_MLP_MAX_SIZE + 1, INT_MAX, INT_MIN};
    for (size_t j = 0; j < sizeof bad_sizes / sizeof bad_sizes[0]; j++) {
        descent_mlp_shape s = shape_of(3, 8);
        s.sizes[2] = bad_sizes[j];
        EXPECT(descent_mlp_param_count(&s) == 0, "size %d: count %zu", bad_sizes[j],
               descent_mlp_param_count(&s));
        EXPECT(descent_mlp_weight_offset(&s, 3) == 0 && descent_mlp_bias_offset(&s, 2) == 0,
               "size %d: offsets", bad_sizes[j]);
    }
    /* The activation and loss do not change the layout: an unset one is no
     * reason to refuse the count. */
    descent_mlp_shape s = shape_of(2, 8);
    s.sizes[0] = 4, s.sizes[1] = 3, s.sizes[2] = 2;
    s.activation = (descent_activation)77;
    EXPECT(descent_mlp_param_count(&s) == 23, "count %zu", descent_mlp_param_count(&s));
}

static void test_offsets_reject_bad_layers(void)
{
    descent_mlp_shape s = shape_of(2, 8);
    s.sizes[0] = 4, s.sizes[1] = 3, s.sizes[2] = 2; /* W1 12, b1 3, W2 6, b2 2 */
    EXPECT(descent_mlp_weight_offset(&s, 1) == 0 && descent_mlp_bias_offset(&s, 1) == 12 &&
               descent_mlp_weight_offset(&s, 2) == 15 && descent_mlp_bias_offset(&s, 2) == 21,
           "offsets");
    EXPECT(descent_mlp_weight_offset(&s, 3) == descent_mlp_param_count(&s),
           "weight offset L+1 is the count");
    static const int bad[] = {0, -1, 4, 17, 40, INT_MAX, INT_MIN};
    for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++)
        EXPECT(descent_mlp_weight_offset(&s, bad[j]) == 0, "weight offset of layer %d", bad[j]);
    static const int bad_bias[] = {0, -1, 3, 4, 17, 40, INT_MAX, INT_MIN};
    for (size_t j = 0; j < sizeof bad_bias / sizeof bad_bias[0]; j++)
        EXPECT(descent_mlp_bias_offset(&s, bad_bias[j]) == 0, "bias offset of layer %d",
               bad_bias[j]);
}

/* The largest shape: 16 layers of 2^24; its count needs no more than 53
 * bits, and size_t arithmetic must not wrap on the way. */
static void test_param_count_of_the_largest_shape(void)
{
    const descent_mlp_shape s = shape_of(DESCENT_MLP_MAX_LAYERS, DESCENT_MLP_MAX_SIZE);
    const double want = (double)DESCENT_MLP_MAX_LAYERS * ((double)DESCENT_MLP_MAX_SIZE + 1.0) *
                        (double)DESCENT_MLP_MAX_SIZE;
    if (want <= (double)(SIZE_MAX / sizeof(float)))
        EXPECT((double)descent_mlp_param_count(&s) == want, "count %zu, want %.0f",
               descent_mlp_param_count(&s), want);
    else
        EXPECT(descent_mlp_param_count(&s) == 0, "count %zu does not fit",
               descent_mlp_param_count(&s));
}

/* --------------------------------------------------------------- enums */

static void test_enums_out_of_range(void)
{
    descent_hparams h;
    for (int j = 0; j < BAD_ENUMS; j++) {
        const int v = bad_enums[j];
        if (v >= 0 && v < DESCENT_OPTIM_COUNT)
            continue;
        const descent_optim_kind kind = (descent_optim_kind)v;
        EXPECT(strcmp(descent_optim_name(kind), "unknown") == 0, "optim name %d", v);
        EXPECT(descent_optim_state_count(kind) == 0, "state count %d", v);
        EXPECT(descent_optim_state_name(kind, 0) == NULL, "state name %d", v);
        descent_hparams_default(kind, &h);
        EXPECT(h.lr == 0 && h.momentum == 0, "defaults of kind %d", v);
        EXPECT_INVALID(descent_hparams_validate(kind, &h));
        descent_optimizer *opt = (descent_optimizer *)&h;
        EXPECT_INVALID(descent_optimizer_create(kind, &h, 4, &opt));
        EXPECT(opt == NULL, "create %d left *out set", v);
    }
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        static const int bad_index[] = {-1, 3, INT_MAX, INT_MIN};
        for (int j = 0; j < 4; j++)
            EXPECT(descent_optim_state_name((descent_optim_kind)k, bad_index[j]) == NULL,
                   "state name %d of %d", bad_index[j], k);
    }
    for (int j = 0; j < BAD_ENUMS; j++) {
        const int v = bad_enums[j];
        if (v >= DESCENT_ISA_BEST && v < DESCENT_ISA_COUNT)
            continue;
        const descent_isa isa = (descent_isa)v;
        descent_isa chosen = DESCENT_ISA_SCALAR;
        EXPECT(strcmp(descent_isa_name(isa), "unknown") == 0, "isa name %d", v);
        EXPECT(!descent_isa_compiled(isa) && !descent_isa_supported(isa), "isa %d", v);
        EXPECT(descent_isa_resolve(isa, &chosen) == DESCENT_ERR_ISA, "resolve %d", v);
    }
    EXPECT(strcmp(descent_isa_name(DESCENT_ISA_COUNT), "unknown") == 0, "ISA_COUNT's name");
    for (int j = 0; j < BAD_ENUMS; j++) {
        const int v = bad_enums[j];
        if (v >= 0 && v < DESCENT_NONFINITE_COUNT)
            continue;
        EXPECT(strcmp(descent_nonfinite_name((descent_nonfinite_policy)v), "unknown") == 0,
               "policy name %d", v);
    }
    for (int j = 0; j < BAD_ENUMS; j++) {
        const int v = bad_enums[j];
        if (v >= 0 && v < DESCENT_ACTIVATION_COUNT)
            continue;
        EXPECT(strcmp(descent_activation_name((descent_activation)v), "unknown") == 0,
               "activation name %d", v);
        descent_mlp_shape s = shape_of(1, 2);
        s.activation = (descent_activation)v;
        EXPECT_INVALID(descent_mlp_shape_validate(&s));
    }
    for (int j = 0; j < BAD_ENUMS; j++) {
        const int v = bad_enums[j];
        if (v >= 0 && v < DESCENT_LOSS_COUNT)
            continue;
        EXPECT(strcmp(descent_loss_name((descent_loss)v), "unknown") == 0, "loss name %d", v);
        descent_mlp_shape s = shape_of(1, 2);
        s.loss = (descent_loss)v;
        EXPECT_INVALID(descent_mlp_shape_validate(&s));
    }
    EXPECT(strcmp(descent_status_string((descent_status)-1), "unknown status") == 0 &&
               strcmp(descent_status_string((descent_status)99), "unknown status") == 0,
           "status strings");
}

/* --------------------------------------------------- names and lookups */

static void test_null_in_names_and_lookups(void)
{
    descent_optim_kind kind;
    descent_isa isa;
    descent_nonfinite_policy policy;
    descent_activation activation;
    descent_loss loss;
    EXPECT(descent_last_error() != NULL, "last error");
    EXPECT_INVALID(descent_optim_from_name(NULL, &kind));
    EXPECT_INVALID(descent_optim_from_name("adam", NULL));
    EXPECT_INVALID(descent_optim_from_name(NULL, NULL));
    EXPECT_INVALID(descent_isa_from_name(NULL, &isa));
    descent_dtype dtype;
    EXPECT_INVALID(descent_dtype_from_name(NULL, &dtype));
    EXPECT_INVALID(descent_dtype_from_name("bf16", NULL));
    EXPECT(descent_dtype_name(DESCENT_DTYPE_COUNT) == NULL, "dtype name");
    EXPECT_INVALID(descent_isa_from_name("scalar", NULL));
    EXPECT_INVALID(descent_isa_resolve(DESCENT_ISA_SCALAR, NULL));
    EXPECT_INVALID(descent_isa_resolve(DESCENT_ISA_BEST, NULL));
    EXPECT_INVALID(descent_nonfinite_from_name(NULL, &policy));
    EXPECT_INVALID(descent_nonfinite_from_name("skip", NULL));
    EXPECT_INVALID(descent_activation_from_name(NULL, &activation));
    EXPECT_INVALID(descent_activation_from_name("relu", NULL));
    EXPECT_INVALID(descent_loss_from_name(NULL, &loss));
    EXPECT_INVALID(descent_loss_from_name("mse", NULL));
    for (int k = -1; k <= DESCENT_OPTIM_COUNT; k++) {
        descent_hparams_default((descent_optim_kind)k, NULL); /* nothing to fill */
        EXPECT_INVALID(descent_hparams_validate((descent_optim_kind)k, NULL));
    }
    EXPECT(descent_nadam_momentum(NULL, 1) == 0.0, "nadam momentum of NULL");
}

/* ------------------------------------------------ reference functions */

#define N 5

/* Each pointer in turn NULL (h, param, grad, every state array the options
 * use, NAdam's product): the step does nothing, and touches nothing. */
static void test_null_in_reference_steps(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_kind kind = (descent_optim_kind)k;
        descent_hparams h;
        descent_hparams_default(kind, &h);
        h.momentum = 0.9, h.centered = 1, h.amsgrad = 1; /* every state array in use */
        const int arrays = descent_optim_state_count(kind);
        /* which: 0 h, 1 param, 2 grad, 3.. state arrays, then the mu product */
        const int cases = 3 + arrays + (descent_optim_info_of(kind)->product_factor != NULL);
        for (int which = 0; which < cases; which++) {
            float param[N], grad[N], state[3][N], before[N], state_before[3][N];
            for (int i = 0; i < N; i++) {
                param[i] = 1.0f + (float)i, grad[i] = 0.5f - (float)i;
                state[0][i] = state[1][i] = state[2][i] = 0.25f;
            }
            memcpy(before, param, sizeof param);
            memcpy(state_before, state, sizeof state);
            double mu_product = 1.0;
            float *st[3] = {state[0], state[1], state[2]};
            if (which >= 3 && which < 3 + arrays)
                st[which - 3] = NULL;
            descent_call_reference_signature(kind, NULL, which == 0 ? NULL : &h, 1, N,
                                             which == 1 ? NULL : param,
                                             which == 2 ? NULL : grad, st,
                                             which == 3 + arrays ? NULL : &mu_product);
            EXPECT(memcmp(before, param, sizeof param) == 0 &&
                       memcmp(state_before, state, sizeof state) == 0 && mu_product == 1.0,
                   "%s with pointer %d NULL changed something", descent_optim_name(kind),
                   which);
        }
    }
}

/* --------------------------------------------------- optimizer objects */

static void test_null_optimizer(void)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    float param[4] = {1, 2, 3, 4}, grad[4] = {1, 1, 1, 1};
    descent_optimizer *opt = (descent_optimizer *)&h;

    EXPECT_INVALID(descent_optimizer_create(DESCENT_ADAM, &h, 4, NULL));
    EXPECT_INVALID(descent_optimizer_create(DESCENT_ADAM, NULL, 4, &opt));
    EXPECT(opt == NULL, "create with NULL h left *out set");
    descent_optimizer_free(NULL);
    descent_optimizer_reset(NULL);
    EXPECT_INVALID(descent_optimizer_set_isa(NULL, DESCENT_ISA_SCALAR));
    EXPECT_INVALID(descent_optimizer_set_isa(NULL, DESCENT_ISA_BEST));
    EXPECT(descent_optimizer_isa(NULL) == DESCENT_ISA_COUNT, "isa of NULL");
    EXPECT_INVALID(descent_optimizer_set_threads(NULL, 1));
    EXPECT_INVALID(descent_optimizer_set_lr(NULL, 0.1));
    EXPECT(descent_optimizer_hparams(NULL) == NULL, "hparams of NULL");
    EXPECT_INVALID(descent_optimizer_step(NULL, param, grad));
    EXPECT_INVALID(descent_optimizer_step(NULL, NULL, NULL));
    {
        descent_hparams mh;
        descent_hparams_default(DESCENT_ADAM, &mh);
        descent_precision mp;
        descent_precision_default(&mp);
        descent_precision_default(NULL);
        void *none[3] = {NULL, NULL, NULL};
        EXPECT_INVALID(descent_mixed_step(DESCENT_ADAM, NULL, 1, NULL, 4, param, grad, none, &mp,
                                          NULL, NULL));
        EXPECT_INVALID(descent_mixed_step(DESCENT_ADAM, &mh, 1, NULL, 4, param, grad, none, NULL,
                                          NULL, NULL));
        EXPECT_INVALID(descent_mixed_step(DESCENT_ADAM, &mh, 1, NULL, 4, NULL, NULL, NULL, &mp,
                                          NULL, NULL));
        EXPECT_INVALID(descent_mixed_step(DESCENT_OPTIM_COUNT, &mh, 1, NULL, 4, param, grad,
                                          none, &mp, NULL, NULL));
        EXPECT_INVALID(descent_ref_mixed_step(DESCENT_ADAM, &mh, 1, NULL, 4, NULL, grad, none,
                                              &mp, NULL));
        descent_convert(4, DESCENT_FP32, NULL, DESCENT_BF16, NULL);
        EXPECT_INVALID(descent_optimizer_set_storage_rounding(NULL, 1, 7, 0));
    }
    EXPECT(descent_optimizer_step_count(NULL) == 0, "step count of NULL");
    EXPECT(descent_optimizer_size(NULL) == 0, "size of NULL");
    for (int i = -1; i <= 3; i++)
        EXPECT(descent_optimizer_state(NULL, i) == NULL, "state %d of NULL", i);
    EXPECT_INVALID(descent_optimizer_set_nonfinite(NULL, DESCENT_NONFINITE_SKIP));
    EXPECT(descent_optimizer_nonfinite(NULL) == DESCENT_NONFINITE_COUNT, "policy of NULL");
    EXPECT(descent_optimizer_skipped_steps(NULL) == 0, "skipped steps of NULL");

    /* A live object with NULL arrays, and out-of-range values. */
    if (descent_optimizer_create(DESCENT_ADAM, &h, 4, &opt) != DESCENT_OK) {
        EXPECT(0, "create: %s", descent_last_error());
        return;
    }
    EXPECT_INVALID(descent_optimizer_step(opt, NULL, grad));
    EXPECT_INVALID(descent_optimizer_step(opt, param, NULL));
    EXPECT(descent_optimizer_step_count(opt) == 0, "a refused step was counted");
    const descent_isa isa = descent_optimizer_isa(opt);
    for (int j = 0; j < BAD_ENUMS; j++) {
        const int v = bad_enums[j];
        if (v >= DESCENT_ISA_BEST && v < DESCENT_ISA_COUNT)
            continue;
        EXPECT(descent_optimizer_set_isa(opt, (descent_isa)v) == DESCENT_ERR_ISA,
               "set_isa %d", v);
        if (v < 0 || v >= DESCENT_NONFINITE_COUNT)
            EXPECT_INVALID(descent_optimizer_set_nonfinite(opt, (descent_nonfinite_policy)v));
    }
    EXPECT(descent_optimizer_isa(opt) == isa, "a refused set_isa changed the variant");
    EXPECT(descent_optimizer_state(opt, -1) == NULL && descent_optimizer_state(opt, 3) == NULL &&
               descent_optimizer_state(opt, INT_MIN) == NULL,
           "state index out of range");
    descent_optimizer_free(opt);
}

/* ------------------------------------------------------- output files */

static void test_null_outfile(void)
{
    descent_outfile *f = (descent_outfile *)&f;
    EXPECT_INVALID(descent_outfile_open(NULL, &f));
    EXPECT(f == NULL, "open with a NULL path left *out set");
    EXPECT_INVALID(descent_outfile_open("", &f));
    EXPECT_INVALID(descent_outfile_open("/tmp/x", NULL));
    EXPECT(descent_outfile_stream(NULL) == NULL, "stream of NULL");
    EXPECT_INVALID(descent_outfile_commit(NULL));
    descent_outfile_discard(NULL);
}

/* --------------------------------------------------------------- MLP */

static void test_null_mlp(void)
{
    descent_mlp_shape s = shape_of(2, 3); /* 3-3-3, tanh, mse */
    s.loss = DESCENT_CROSS_ENTROPY;
    descent_mlp_shape mse = s;
    mse.loss = DESCENT_MSE;
    const size_t n = descent_mlp_param_count(&s);
    float params[64], grad[64], x[2 * 3] = {1, 2, 3, 4, 5, 6}, out[2 * 3], loss;
    float targets[2 * 3] = {0};
    const int labels[2] = {0, 2};
    EXPECT(n > 0 && n <= 64, "count %zu", n);
    EXPECT(descent_mlp_init_params(&s, params, 7) == DESCENT_OK, "init");

    EXPECT_INVALID(descent_mlp_shape_validate(NULL));
    EXPECT_INVALID(descent_mlp_shape_parse(NULL, &s));
    EXPECT_INVALID(descent_mlp_shape_parse("4-3", NULL));
    EXPECT(descent_mlp_param_count(NULL) == 0, "count of NULL");
    EXPECT(descent_mlp_weight_offset(NULL, 1) == 0, "weight offset of NULL");
    EXPECT(descent_mlp_bias_offset(NULL, 1) == 0, "bias offset of NULL");
    EXPECT_INVALID(descent_mlp_init_params(NULL, params, 1));
    EXPECT_INVALID(descent_mlp_init_params(&s, NULL, 1));

    EXPECT_INVALID(descent_ref_mlp_loss_grad(NULL, params, 2, x, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_ref_mlp_loss_grad(&s, NULL, 2, x, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_ref_mlp_loss_grad(&s, params, 2, NULL, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_ref_mlp_loss_grad(&s, params, 2, x, NULL, NULL, grad, &loss));
    EXPECT_INVALID(descent_ref_mlp_loss_grad(&mse, params, 2, x, NULL, NULL, grad, &loss));
    EXPECT_INVALID(descent_ref_mlp_loss_grad(&s, params, 2, x, labels, NULL, grad, NULL));
    EXPECT(descent_ref_mlp_loss_grad(&s, params, 2, x, labels, NULL, NULL, &loss) == DESCENT_OK,
           "grad NULL is allowed: %s", descent_last_error());
    EXPECT(descent_ref_mlp_loss_grad(&mse, params, 2, x, NULL, targets, grad, &loss) ==
               DESCENT_OK,
           "mse without labels: %s", descent_last_error());
    EXPECT_INVALID(descent_ref_mlp_forward(NULL, params, 2, x, out));
    EXPECT_INVALID(descent_ref_mlp_forward(&s, NULL, 2, x, out));
    EXPECT_INVALID(descent_ref_mlp_forward(&s, params, 2, NULL, out));
    EXPECT_INVALID(descent_ref_mlp_forward(&s, params, 2, x, NULL));

    descent_mlp *mlp = (descent_mlp *)&s;
    EXPECT_INVALID(descent_mlp_create(NULL, 2, &mlp));
    EXPECT(mlp == NULL, "create with NULL shape left *out set");
    EXPECT_INVALID(descent_mlp_create(&s, 2, NULL));
    descent_mlp_free(NULL);
    EXPECT_INVALID(descent_mlp_set_isa(NULL, DESCENT_ISA_SCALAR));
    EXPECT(descent_mlp_isa(NULL) == DESCENT_ISA_COUNT, "isa of NULL");
    EXPECT_INVALID(descent_mlp_set_threads(NULL, 1));
    EXPECT(descent_mlp_get_shape(NULL) == NULL, "shape of NULL");
    EXPECT(descent_mlp_max_batch(NULL) == 0, "max batch of NULL");
    EXPECT_INVALID(descent_mlp_loss_grad(NULL, params, 2, x, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_forward(NULL, params, 2, x, out));
    EXPECT_INVALID(descent_mlp_backward(NULL, params, 2, x, labels, NULL, grad, &loss));

    if (descent_mlp_create(&s, 2, &mlp) != DESCENT_OK) {
        EXPECT(0, "create: %s", descent_last_error());
        return;
    }
    EXPECT_INVALID(descent_mlp_loss_grad(mlp, NULL, 2, x, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_loss_grad(mlp, params, 2, NULL, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_loss_grad(mlp, params, 2, x, NULL, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_loss_grad(mlp, params, 2, x, labels, NULL, grad, NULL));
    {
        const long rows[2] = {1, 0};
        EXPECT_INVALID(descent_mlp_loss_grad_rows(NULL, params, 2, x, labels, NULL, 2, rows,
                                                  grad, &loss));
        EXPECT_INVALID(descent_mlp_loss_grad_rows(mlp, NULL, 2, x, labels, NULL, 2, rows,
                                                  grad, &loss));
        EXPECT_INVALID(descent_mlp_loss_grad_rows(mlp, params, 2, NULL, labels, NULL, 2, rows,
                                                  grad, &loss));
        EXPECT_INVALID(descent_mlp_loss_grad_rows(mlp, params, 2, x, NULL, NULL, 2, rows,
                                                  grad, &loss));
        EXPECT_INVALID(descent_mlp_loss_grad_rows(mlp, params, 2, x, labels, NULL, 2, NULL,
                                                  grad, &loss));
        EXPECT_INVALID(descent_mlp_loss_grad_rows(mlp, params, 2, x, labels, NULL, 2, rows,
                                                  grad, NULL));
        EXPECT(descent_mlp_loss_grad_rows(mlp, params, 2, x, labels, NULL, 2, rows, grad,
                                          &loss) == DESCENT_OK,
               "loss_grad_rows: %s", descent_last_error());
        EXPECT_INVALID(descent_mlp_prefetch_rows(NULL, 2, x, 2, rows));
        EXPECT_INVALID(descent_mlp_prefetch_rows(mlp, 2, NULL, 2, rows));
        EXPECT_INVALID(descent_mlp_prefetch_rows(mlp, 2, x, 2, NULL));
        EXPECT_INVALID(descent_mlp_prefetch_rows(mlp, 2, x, -1, rows));
    }
    EXPECT_INVALID(descent_mlp_forward(mlp, NULL, 2, x, out));
    EXPECT_INVALID(descent_mlp_forward(mlp, params, 2, NULL, out));
    EXPECT_INVALID(descent_mlp_forward(mlp, params, 2, x, NULL));
    EXPECT(descent_mlp_forward(mlp, params, 2, x, out) == DESCENT_OK, "forward: %s",
           descent_last_error());
    EXPECT_INVALID(descent_mlp_backward(mlp, NULL, 2, x, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_backward(mlp, params, 2, NULL, labels, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_backward(mlp, params, 2, x, NULL, NULL, grad, &loss));
    EXPECT_INVALID(descent_mlp_backward(mlp, params, 2, x, labels, NULL, grad, NULL));
    EXPECT(descent_mlp_backward(mlp, params, 2, x, labels, NULL, NULL, &loss) == DESCENT_OK,
           "backward with grad NULL: %s", descent_last_error());
    const descent_isa isa = descent_mlp_isa(mlp);
    EXPECT(descent_mlp_set_isa(mlp, DESCENT_ISA_COUNT) == DESCENT_ERR_ISA &&
               descent_mlp_set_isa(mlp, (descent_isa)-7) == DESCENT_ERR_ISA &&
               descent_mlp_isa(mlp) == isa,
           "mlp set_isa out of range");
    descent_mlp_free(mlp);
}

static float no_closure(void *ctx, const float *x, float *grad)
{
    (void)ctx, (void)x, (void)grad;
    return 0;
}

static void test_null_lbfgs(void)
{
    descent_lbfgs_options o;
    descent_lbfgs_options_default(NULL); /* nothing, no crash */
    descent_lbfgs_options_default(&o);
    descent_lbfgs_line_search ls;
    descent_lbfgs *L = (descent_lbfgs *)&o;
    EXPECT_INVALID(descent_lbfgs_line_search_from_name(NULL, &ls));
    EXPECT_INVALID(descent_lbfgs_line_search_from_name("none", NULL));
    EXPECT_INVALID(descent_lbfgs_options_validate(NULL));
    EXPECT_INVALID(descent_lbfgs_create(NULL, 4, &L));
    EXPECT(L == NULL, "create(NULL options) left *out set");
    EXPECT_INVALID(descent_lbfgs_create(&o, 4, NULL));
    float x[4] = {0};
    EXPECT_INVALID(descent_lbfgs_step(NULL, x, no_closure, NULL, NULL));
    EXPECT_INVALID(descent_lbfgs_set_isa(NULL, DESCENT_ISA_SCALAR));
    EXPECT_INVALID(descent_lbfgs_set_threads(NULL, 1));
    EXPECT_INVALID(descent_lbfgs_set_lr(NULL, 1));
    EXPECT(descent_lbfgs_get_options(NULL) == NULL, "get_options(NULL)");
    EXPECT(descent_lbfgs_isa(NULL) == DESCENT_ISA_COUNT, "isa(NULL)");
    EXPECT(descent_lbfgs_func_evals(NULL) == 0 && descent_lbfgs_iterations(NULL) == 0,
           "counters of NULL");
    for (size_t i = 0; i < sizeof bad_enums / sizeof *bad_enums; i++) {
        if (bad_enums[i] >= 0 && bad_enums[i] < DESCENT_LBFGS_LINE_SEARCH_COUNT)
            continue;
        EXPECT(descent_lbfgs_line_search_name((descent_lbfgs_line_search)bad_enums[i]) == NULL,
               "line search name of %d", bad_enums[i]);
        o.line_search_fn = (descent_lbfgs_line_search)bad_enums[i];
        EXPECT_INVALID(descent_lbfgs_options_validate(&o));
    }
    o.line_search_fn = DESCENT_LBFGS_LINE_SEARCH_NONE;
    EXPECT(descent_lbfgs_create(&o, 4, &L) == DESCENT_OK, "create");
    EXPECT_INVALID(descent_lbfgs_step(L, NULL, no_closure, NULL, NULL));
    EXPECT_INVALID(descent_lbfgs_step(L, x, NULL, NULL, NULL));
    descent_lbfgs_free(L);
    descent_lbfgs_free(NULL);
}

int main(void)
{
    /* The shape checks first: on the old code they read garbage (or far
     * past sizes[]) where the NULL checks below crash. */
    RUN(test_param_count_rejects_bad_shapes);
    RUN(test_offsets_reject_bad_layers);
    RUN(test_param_count_of_the_largest_shape);
    RUN(test_enums_out_of_range);
    RUN(test_null_in_names_and_lookups);
    RUN(test_null_in_reference_steps);
    RUN(test_null_optimizer);
    RUN(test_null_mlp);
    RUN(test_null_outfile);
    RUN(test_null_lbfgs);
    return CHECK_EXIT_STATUS();
}
