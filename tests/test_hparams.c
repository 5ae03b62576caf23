/* Hyperparameter checks (what torch.optim rejects, with its messages), names,
 * defaults and ISA selection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "descent.h"

typedef struct bad_case {
    descent_optim_kind kind;
    const char *field;
    double value;
    const char *message; /* a part of the expected message */
} bad_case;

static void set_field(descent_hparams *h, const char *field, double v)
{
    descent_hparam_key key;
    EXPECT(descent_hparam_from_name(field, &key) == DESCENT_OK &&
               descent_hparams_set(h, key, v) == DESCENT_OK,
           "set %s: %s", field, descent_last_error());
}

static void test_invalid_hyperparameters_are_rejected(void)
{
    const bad_case cases[] = {
        {DESCENT_SGD, "lr", -0.1, "Invalid learning rate"},
        {DESCENT_SGD, "lr", NAN, "Invalid learning rate"},
        {DESCENT_SGD, "momentum", -0.5, "Invalid momentum value"},
        {DESCENT_SGD, "weight_decay", -1e-4, "Invalid weight_decay value"},
        {DESCENT_SGD, "nesterov", 1, "Nesterov momentum requires"},
        {DESCENT_ADAM, "lr", -1e-3, "Invalid learning rate"},
        {DESCENT_ADAM, "eps", -1e-8, "Invalid epsilon value"},
        {DESCENT_ADAM, "beta1", 1.0, "Invalid beta parameter at index 0"},
        {DESCENT_ADAM, "beta1", -0.1, "Invalid beta parameter at index 0"},
        {DESCENT_ADAM, "beta2", 1.0, "Invalid beta parameter at index 1"},
        {DESCENT_ADAM, "beta2", NAN, "Invalid beta parameter at index 1"},
        {DESCENT_ADAMW, "weight_decay", -0.01, "Invalid weight_decay value"},
        {DESCENT_ADAMW, "lr", INFINITY, "Invalid learning rate"},
        {DESCENT_RMSPROP, "alpha", -0.1, "Invalid alpha value"},
        {DESCENT_RMSPROP, "momentum", -0.1, "Invalid momentum value"},
        {DESCENT_RMSPROP, "eps", -1, "Invalid epsilon value"},
        {DESCENT_ADAGRAD, "lr_decay", -0.1, "Invalid lr_decay value"},
        {DESCENT_ADAGRAD, "initial_accumulator_value", -1, "Invalid initial_accumulator_value"},
        {DESCENT_ADAGRAD, "eps", -1e-10, "Invalid epsilon value"},
        {DESCENT_ADADELTA, "rho", 1.5, "Invalid rho value"},
        {DESCENT_ADADELTA, "rho", -0.1, "Invalid rho value"},
        {DESCENT_ADADELTA, "eps", -1e-6, "Invalid epsilon value"},
        {DESCENT_ADAMAX, "beta2", 1.0, "Invalid beta parameter at index 1"},
        {DESCENT_NADAM, "momentum_decay", -0.004, "Invalid momentum_decay value"},
        {DESCENT_NADAM, "beta1", 1.0, "Invalid beta parameter at index 0"},
        {DESCENT_RADAM, "eps", -1, "Invalid epsilon value"},
        {DESCENT_RADAM, "weight_decay", NAN, "Invalid weight_decay value"},
        /* Rprop: 0 < etaminus < 1 < etaplus, as torch.optim.Rprop checks */
        {DESCENT_RPROP, "etaminus", 0.0, "Invalid eta values: 0, 1.2"},
        {DESCENT_RPROP, "etaminus", 1.0, "Invalid eta values: 1, 1.2"},
        {DESCENT_RPROP, "etaplus", 1.0, "Invalid eta values: 0.5, 1"},
        {DESCENT_RPROP, "etaplus", NAN, "Invalid eta values"},
        {DESCENT_RPROP, "lr", -0.01, "Invalid learning rate"},
        {DESCENT_RPROP, "step_size_max", NAN, "Invalid step_size_max value"},
        {DESCENT_ASGD, "lr", -0.01, "Invalid learning rate"},
        {DESCENT_ASGD, "weight_decay", -1, "Invalid weight_decay value"},
        {DESCENT_ASGD, "t0", INFINITY, "Invalid t0 value"},
        {DESCENT_ASGD, "lambd", NAN, "Invalid lambd value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        descent_hparams h;
        descent_hparams_default(c->kind, &h);
        set_field(&h, c->field, c->value);
        descent_optimizer *opt = (descent_optimizer *)&h; /* must be reset to NULL */
        descent_status s = descent_optimizer_create(c->kind, &h, 4, &opt);
        EXPECT(s == DESCENT_ERR_INVALID, "%s %s=%g: status %d, want invalid",
               descent_optim_name(c->kind), c->field, c->value, (int)s);
        EXPECT(opt == NULL, "%s %s=%g: out not cleared", descent_optim_name(c->kind), c->field,
               c->value);
        EXPECT(strstr(descent_last_error(), c->message) != NULL,
               "%s %s=%g: message '%s' lacks '%s'", descent_optim_name(c->kind), c->field,
               c->value, descent_last_error(), c->message);
        if (s == DESCENT_OK)
            descent_optimizer_free(opt);
    }
}

static void test_nesterov_with_dampening_is_rejected(void)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_SGD, &h);
    h.momentum = 0.9, h.nesterov = 1, h.dampening = 0.1;
    EXPECT(descent_hparams_validate(DESCENT_SGD, &h) == DESCENT_ERR_INVALID,
           "nesterov with dampening accepted");
    h.dampening = 0;
    EXPECT(descent_hparams_validate(DESCENT_SGD, &h) == DESCENT_OK, "nesterov rejected: %s",
           descent_last_error());
}

static void test_boundary_values_are_accepted(void)
{
    /* What PyTorch accepts: lr = 0, beta = 0, eps = 0, rho = 1, alpha = 1. */
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    h.lr = 0, h.beta1 = 0, h.beta2 = 0, h.eps = 0;
    EXPECT(descent_hparams_validate(DESCENT_ADAM, &h) == DESCENT_OK, "%s", descent_last_error());
    descent_hparams_default(DESCENT_ADADELTA, &h);
    h.rho = 1;
    EXPECT(descent_hparams_validate(DESCENT_ADADELTA, &h) == DESCENT_OK, "%s",
           descent_last_error());
    descent_hparams_default(DESCENT_RMSPROP, &h);
    h.alpha = 1;
    EXPECT(descent_hparams_validate(DESCENT_RMSPROP, &h) == DESCENT_OK, "%s",
           descent_last_error());
}

static void test_defaults_match_pytorch(void)
{
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    EXPECT(h.lr == 1e-3 && h.beta1 == 0.9 && h.beta2 == 0.999 && h.eps == 1e-8 &&
               h.weight_decay == 0 && !h.amsgrad, "adam defaults");
    descent_hparams_default(DESCENT_ADAMW, &h);
    EXPECT(h.weight_decay == 1e-2, "adamw weight_decay default");
    descent_hparams_default(DESCENT_RMSPROP, &h);
    EXPECT(h.lr == 1e-2 && h.alpha == 0.99 && h.eps == 1e-8, "rmsprop defaults");
    descent_hparams_default(DESCENT_ADAGRAD, &h);
    EXPECT(h.lr == 1e-2 && h.eps == 1e-10 && h.initial_accumulator_value == 0, "adagrad");
    descent_hparams_default(DESCENT_ADADELTA, &h);
    EXPECT(h.lr == 1.0 && h.rho == 0.9 && h.eps == 1e-6, "adadelta defaults");
    descent_hparams_default(DESCENT_ADAMAX, &h);
    EXPECT(h.lr == 2e-3, "adamax lr");
    descent_hparams_default(DESCENT_NADAM, &h);
    EXPECT(h.lr == 2e-3 && h.momentum_decay == 4e-3, "nadam defaults");
    descent_hparams_default(DESCENT_RPROP, &h);
    EXPECT(h.lr == 1e-2 && h.etaminus == 0.5 && h.etaplus == 1.2 && h.step_size_min == 1e-6 &&
               h.step_size_max == 50 && !h.maximize, "rprop defaults");
    descent_hparams_default(DESCENT_ASGD, &h);
    EXPECT(h.lr == 1e-2 && h.lambd == 1e-4 && h.alpha == 0.75 && h.t0 == 1e6 &&
               h.weight_decay == 0 && !h.maximize, "asgd defaults");
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        descent_hparams_default((descent_optim_kind)k, &h);
        EXPECT(descent_hparams_validate((descent_optim_kind)k, &h) == DESCENT_OK,
               "defaults of %s invalid: %s", descent_optim_name((descent_optim_kind)k),
               descent_last_error());
    }
}

static void test_names_round_trip(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        descent_optim_kind back;
        EXPECT(descent_optim_from_name(descent_optim_name((descent_optim_kind)k), &back) ==
                       DESCENT_OK && back == (descent_optim_kind)k,
               "optimizer name %d", k);
        EXPECT(descent_optim_state_count((descent_optim_kind)k) >= 1, "state count");
    }
    descent_optim_kind kind;
    EXPECT(descent_optim_from_name("adamx", &kind) == DESCENT_ERR_INVALID, "unknown name");
    EXPECT(strstr(descent_last_error(), "adamx") != NULL, "message names it");
    EXPECT(!strcmp(descent_optim_state_name(DESCENT_ADAM, 1), "exp_avg_sq"), "state name");
}

static void test_isa_selection(void)
{
    descent_isa isa;
    EXPECT(descent_isa_from_name("scalar", &isa) == DESCENT_OK && isa == DESCENT_ISA_SCALAR,
           "scalar");
    EXPECT(descent_isa_from_name("sse9", &isa) == DESCENT_ERR_ISA, "unknown isa name");
    EXPECT(descent_isa_supported(DESCENT_ISA_SCALAR), "scalar always runs");
    EXPECT(descent_isa_resolve(DESCENT_ISA_SCALAR, &isa) == DESCENT_OK, "resolve scalar");
    for (int i = 0; i < DESCENT_ISA_COUNT; i++) {
        descent_status s = descent_isa_resolve((descent_isa)i, &isa);
        EXPECT((s == DESCENT_OK) == (descent_isa_supported((descent_isa)i) != 0),
               "resolve %s agrees with supported", descent_isa_name((descent_isa)i));
    }
    /* DESCENT_ISA in the environment forces a variant; a bad value is an error. */
    setenv("DESCENT_ISA", "scalar", 1);
    EXPECT(descent_isa_resolve(DESCENT_ISA_BEST, &isa) == DESCENT_OK && isa == DESCENT_ISA_SCALAR,
           "DESCENT_ISA=scalar");
    setenv("DESCENT_ISA", "bogus", 1);
    EXPECT(descent_isa_resolve(DESCENT_ISA_BEST, &isa) == DESCENT_ERR_ISA, "DESCENT_ISA=bogus");
    EXPECT(strstr(descent_last_error(), "DESCENT_ISA") != NULL, "message names the variable: %s",
           descent_last_error());
    unsetenv("DESCENT_ISA");
    EXPECT(descent_isa_resolve(DESCENT_ISA_BEST, &isa) == DESCENT_OK, "best");
}

int main(void)
{
    RUN(test_invalid_hyperparameters_are_rejected);
    RUN(test_nesterov_with_dampening_is_rejected);
    RUN(test_boundary_values_are_accepted);
    RUN(test_defaults_match_pytorch);
    RUN(test_names_round_trip);
    RUN(test_isa_selection);
    return CHECK_EXIT_STATUS();
}
