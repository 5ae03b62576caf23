/* The optimizer hyperparameter flags of the registry (descent.h), one per
 * hyperparameter with PyTorch's name: --lr, --weight-decay,
 * --initial-accumulator-value, ...; a flag (nesterov, amsgrad, centered)
 * takes [=0|1]. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* One flag per hyperparameter of the registry (descent.h), with PyTorch's
 * name: --lr, --weight-decay, --initial-accumulator-value, ...; a flag
 * (nesterov, amsgrad, centered) takes [=0|1]. */
const char *cli_hparam_flag(descent_hparam_key key)
{
    static char flags[DESCENT_HP_COUNT][48];
    char *f = flags[key];
    if (!f[0]) {
        snprintf(f, sizeof flags[key], "--%s", descent_hparam_name(key));
        for (char *c = f + 2; *c; c++)
            if (*c == '_')
                *c = '-';
    }
    return f;
}

static int same_hparams(descent_optim_kind a, descent_optim_kind b)
{
    for (int k = 0; k < DESCENT_HP_COUNT; k++)
        if (descent_optim_has_hparam(a, (descent_hparam_key)k) !=
            descent_optim_has_hparam(b, (descent_hparam_key)k))
            return 0;
    return 1;
}

/* The help's optimizer flags: those every optimizer has, then one line per
 * group of optimizers with the same others, in the registry's order. */
void cli_print_hparam_flags(FILE *out)
{
    int common[DESCENT_HP_COUNT];
    for (int k = 0; k < DESCENT_HP_COUNT; k++) {
        common[k] = 1;
        for (int o = 0; o < DESCENT_OPTIM_COUNT; o++)
            common[k] &= descent_optim_has_hparam((descent_optim_kind)o, (descent_hparam_key)k);
    }
    for (int k = 0; k < DESCENT_HP_COUNT; k++) /* indented by 2, 2 apart */
        if (common[k])
            fprintf(out, "  %s X%s", cli_hparam_flag((descent_hparam_key)k),
                    k == DESCENT_HP_LR ? " (> 0)" : "");
    fprintf(out, "\n");
    int printed[DESCENT_OPTIM_COUNT] = {0};
    for (int o = 0; o < DESCENT_OPTIM_COUNT; o++) {
        if (printed[o])
            continue;
        char names[256] = ""; /* "adam, adamw" and room for the ':' */
        for (int p = o; p < DESCENT_OPTIM_COUNT; p++) {
            if (printed[p] || !same_hparams((descent_optim_kind)o, (descent_optim_kind)p))
                continue;
            printed[p] = 1;
            const size_t used = strlen(names);
            snprintf(names + used, sizeof names - 1 - used, "%s%s", used ? ", " : "",
                     descent_optim_name((descent_optim_kind)p));
        }
        fprintf(out, "  %-10s", strcat(names, ":"));
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)o);
        const char *gap = " ";
        for (int k = 0; k < info->key_count; k++) {
            const descent_hparam_key key = info->keys[k].key;
            if (common[key])
                continue;
            fprintf(out, "%s%s%s", gap, cli_hparam_flag(key),
                    descent_hparam_is_bool(key) ? "[=0|1]" : " X");
            gap = "  ";
        }
        fprintf(out, "\n");
    }
}

int cli_hparam_of(const char *arg)
{
    for (int k = 0; k < DESCENT_HP_COUNT; k++)
        if (cli_is_flag(arg, cli_hparam_flag((descent_hparam_key)k)))
            return k;
    return -1;
}

/* An optimizer hyperparameter flag (--lr, --nesterov[=0|1], ...). */
int cli_parse_hparam(int argc, char **argv, int *i, int hp, double *value)
{
    const char *flag = cli_hparam_flag((descent_hparam_key)hp), *text = strchr(argv[*i], '=');
    double v = 1;
    if (descent_hparam_is_bool((descent_hparam_key)hp)) {
        if (text && (!strcmp(text + 1, "0") || !strcmp(text + 1, "false")))
            v = 0;
        else if (text && strcmp(text + 1, "1") && strcmp(text + 1, "true")) {
            cli_error("%s: '%s' is not 0, 1, true or false", flag, text + 1);
            return 0;
        }
    } else if (!(text = cli_flag_value(argc, argv, i, flag)) ||
               !cli_parse_double(flag, text, &v)) {
        return 0;
    } else if (hp == DESCENT_HP_LR && !(v > 0)) {
        cli_error("--lr: %s must be greater than 0", text);
        return 0;
    }
    *value = v;
    return 1;
}
