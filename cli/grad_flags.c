/* `descent train`'s gradient and model flags, with PyTorch's names:
 * clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_), gradient
 * noise, --no-bias-decay (the usual two param groups), --init
 * (torch.nn.init) and the precision the parameters and the state are kept
 * at (--param-dtype, --state-dtype, --stochastic-rounding).  They fill a
 * cli_train_extras that goes onto the loop's config as it is. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { X_POSITIVE = CLI_POSITIVE, X_SWITCH = CLI_SWITCH, X_NORM_TYPE = CLI_VALUE_TYPES, X_INIT,
       X_DTYPE, X_STATE_DTYPE };

typedef struct extra_def {
    const char *name;
    int type;
    size_t offset;
    const char *needs; /* a flag this one refines, or NULL */
    int model_only;    /* the MLP problems (linreg, fashion-mnist) only */
} extra_def;

#define AT(field) offsetof(cli_train_extras, field)
static const extra_def extras[] = {
    {"--clip-grad-norm", X_POSITIVE, AT(clip_grad_norm), NULL, 0},
    {"--clip-norm-type", X_NORM_TYPE, AT(clip_norm_type), "--clip-grad-norm", 0},
    {"--clip-error-if-nonfinite", X_SWITCH, AT(clip_error_if_nonfinite), "--clip-grad-norm", 0},
    {"--clip-grad-value", X_POSITIVE, AT(clip_grad_value), NULL, 0},
    {"--grad-noise", X_POSITIVE, AT(grad_noise), NULL, 0},
    {"--grad-noise-gamma", X_POSITIVE, AT(grad_noise_gamma), "--grad-noise", 0},
    {"--no-bias-decay", X_SWITCH, AT(no_bias_decay), NULL, 1},
    {"--init", X_INIT, AT(init), NULL, 1},
    {"--param-dtype", X_DTYPE, AT(param_dtype), NULL, 0},
    {"--state-dtype", X_STATE_DTYPE, AT(state_dtype), NULL, 0},
    {"--stochastic-rounding", X_SWITCH, AT(stochastic_rounding), NULL, 0},
};
#define N_EXTRAS (sizeof extras / sizeof extras[0])

void cli_train_extras_default(cli_train_extras *x)
{
    memset(x, 0, sizeof *x);
    x->clip_norm_type = 2;
    x->grad_noise_gamma = 0.55;
    x->init = DESCENT_INIT_DEFAULT;
}

int cli_train_extra_of(const char *arg)
{
    for (size_t k = 0; k < N_EXTRAS; k++)
        if (cli_is_flag(arg, extras[k].name))
            return (int)k;
    return -1;
}

static int parse_norm_type(const char *flag, const char *v, double *out)
{
    if (!strcmp(v, "inf"))
        return *out = INFINITY, 1;
    return cli_parse_value(flag, CLI_POSITIVE, v, 0, 0, out);
}

int cli_parse_train_extra(int argc, char **argv, int *i, int k, cli_train_extras *x)
{
    const extra_def *f = &extras[k];
    void *field = (char *)x + f->offset;
    const char *eq = strchr(argv[*i], '=');
    const char *v = f->type == X_SWITCH ? (eq ? eq + 1 : NULL)
                                        : cli_flag_value(argc, argv, i, f->name);
    if (f->type != X_SWITCH && !v)
        return 0;
    int ok;
    if (f->type == X_NORM_TYPE)
        ok = parse_norm_type(f->name, v, field);
    else if (f->type == X_INIT) {
        ok = descent_init_from_name(v, field) == DESCENT_OK;
        if (!ok)
            cli_error("%s: %s", f->name, descent_last_error());
    } else if (f->type == X_DTYPE || f->type == X_STATE_DTYPE) {
        ok = descent_dtype_from_name(v, field) == DESCENT_OK;
        if (!ok)
            cli_error("%s: %s", f->name, descent_last_error());
        else if (f->type == X_STATE_DTYPE && *(descent_dtype *)field == DESCENT_FP16) {
            cli_error("%s: fp32 or bf16 (fp16 state underflows: g^2)", f->name);
            ok = 0;
        }
    } else
        ok = cli_parse_value(f->name, (cli_value_type)f->type, v, 0, 0, field);
    x->given |= ok ? 1u << k : 0;
    return ok;
}

static int extra_given(const cli_train_extras *x, const char *name)
{
    const int k = cli_train_extra_of(name);
    return k >= 0 && (x->given >> k & 1);
}

int cli_train_extras_check(const cli_train_extras *x, int has_model, const char *problem)
{
    for (size_t k = 0; k < N_EXTRAS; k++) {
        if (!(x->given >> k & 1))
            continue;
        if (extras[k].model_only && !has_model) {
            cli_error("%s does not apply to --problem %s", extras[k].name, problem);
            return 0;
        }
        if (extras[k].needs && !extra_given(x, extras[k].needs)) {
            cli_error("%s needs %s", extras[k].name, extras[k].needs);
            return 0;
        }
    }
    if (x->stochastic_rounding && x->param_dtype != DESCENT_BF16) {
        cli_error("--stochastic-rounding needs --param-dtype bf16 (it rounds bf16 parameters), "
                  "not %s", descent_dtype_name(x->param_dtype));
        return 0;
    }
    return 1;
}

void cli_train_extras_apply(const cli_train_extras *x, descent_train_config *c)
{
    c->clip_grad_norm = x->clip_grad_norm, c->clip_norm_type = x->clip_norm_type;
    c->clip_error_if_nonfinite = x->clip_error_if_nonfinite;
    c->clip_grad_value = x->clip_grad_value;
    c->grad_noise_eta = x->grad_noise, c->grad_noise_gamma = x->grad_noise_gamma;
    c->no_bias_decay = x->no_bias_decay;
    c->param_dtype = x->param_dtype, c->state_dtype = x->state_dtype;
    c->stochastic_rounding = x->stochastic_rounding;
}

void cli_describe_precision(const cli_train_extras *x, char *text, size_t size)
{
    if (x->param_dtype == DESCENT_FP32 && x->state_dtype == DESCENT_FP32)
        snprintf(text, size, "fp32");
    else
        snprintf(text, size, "params %s%s, state %s", descent_dtype_name(x->param_dtype),
                 x->stochastic_rounding ? " (stochastic rounding)" : "",
                 descent_dtype_name(x->state_dtype));
}

void cli_print_train_extras(FILE *out)
{
    fprintf(out,
            "gradient (applied between the gradient and the step, in this order: noise,\n"
            "value clipping, norm clipping; the log's grad_norm is the norm before them):\n"
            "  --grad-noise ETA      add N(0, ETA / (1 + t)^gamma) to every element at step t\n"
            "                        (Neelakantan et al.; the same bits on any thread count)\n"
            "  --grad-noise-gamma G  its decay (default 0.55)\n"
            "  --clip-grad-value X   clip_grad_value_: clamp every element to [-X, X]\n"
            "  --clip-grad-norm X    clip_grad_norm_: scale the gradient to norm <= X\n"
            "  --clip-norm-type P|inf  its norm (default 2)\n"
            "  --clip-error-if-nonfinite  a NaN/Inf total norm ends the run as diverged\n\n"
            "model parameters (linreg, fashion-mnist):\n"
            "  --init NAME           default (nn.Linear's), kaiming_uniform, kaiming_normal,\n"
            "                        xavier_uniform or xavier_normal (biases 0)\n"
            "  --no-bias-decay       biases get weight_decay 0 (torch's two param groups);\n"
            "                        every W and b is its own tensor (LAMB's trust ratio)\n\n"
            "precision (fp32 math; the values kept rounded to nearest even after every step):\n"
            "  --param-dtype D       the parameters at fp32 (default), bf16 or fp16\n"
            "  --state-dtype D       the optimizer state at fp32 (default) or bf16\n"
            "  --stochastic-rounding  bf16 parameters rounded stochastically instead (unbiased;\n"
            "                        needs --param-dtype bf16; the bits a function of --seed,\n"
            "                        the step and the element: the same on any thread count)\n\n");
}
