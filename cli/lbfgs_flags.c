/* `descent train --optimizer lbfgs`: torch.optim.LBFGS's arguments as
 * flags (--max-iter, --max-eval, --tolerance-grad, --tolerance-change,
 * --history-size, --line-search-fn; --lr is the registry flag), and the
 * rules L-BFGS sets on the rest of the command line. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { L_LONG = CLI_LONG, L_DOUBLE = CLI_DOUBLE, L_LINE_SEARCH = CLI_VALUE_TYPES };

typedef struct lbfgs_def {
    const char *name;
    int type;
    size_t offset;
    long lo;
} lbfgs_def;

#define AT(field) offsetof(descent_lbfgs_options, field)
static const lbfgs_def lbfgs_flags[] = {
    {"--max-iter", L_LONG, AT(max_iter), 1},
    {"--max-eval", L_LONG, AT(max_eval), 1},
    {"--tolerance-grad", L_DOUBLE, AT(tolerance_grad), 0},
    {"--tolerance-change", L_DOUBLE, AT(tolerance_change), 0},
    {"--history-size", L_LONG, AT(history_size), 1},
    {"--line-search-fn", L_LINE_SEARCH, AT(line_search_fn), 0},
};
#define N_LBFGS (sizeof lbfgs_flags / sizeof lbfgs_flags[0])

void cli_lbfgs_default(cli_lbfgs *l)
{
    memset(l, 0, sizeof *l);
    descent_lbfgs_options_default(&l->options);
}

int cli_lbfgs_flag_of(const char *arg)
{
    for (size_t k = 0; k < N_LBFGS; k++)
        if (cli_is_flag(arg, lbfgs_flags[k].name))
            return (int)k;
    return -1;
}

int cli_parse_lbfgs_flag(int argc, char **argv, int *i, int k, cli_lbfgs *l)
{
    const lbfgs_def *f = &lbfgs_flags[k];
    void *field = (char *)&l->options + f->offset;
    const char *v = cli_flag_value(argc, argv, i, f->name);
    if (!v)
        return 0;
    int ok;
    if (f->type == L_LINE_SEARCH) {
        ok = descent_lbfgs_line_search_from_name(v, field) == DESCENT_OK;
        if (!ok)
            cli_error("%s: %s", f->name, descent_last_error());
    } else {
        ok = cli_parse_value(f->name, (cli_value_type)f->type, v, f->lo, 1L << 40, field);
        if (ok && f->type == L_DOUBLE && *(double *)field < 0) {
            cli_error("%s: %s must be >= 0", f->name, v);
            ok = 0;
        }
    }
    l->given |= ok ? 1u << k : 0;
    return ok;
}

int cli_lbfgs_check(cli_lbfgs *l, long batch, const cli_train_extras *x, int others_given)
{
    if (!l->on) {
        for (size_t k = 0; k < N_LBFGS; k++)
            if (l->given >> k & 1) {
                cli_error("%s applies to --optimizer lbfgs", lbfgs_flags[k].name);
                return 0;
            }
        return 1;
    }
    if (batch != 0) {
        cli_error("--optimizer lbfgs needs --batch full (every closure call must see the "
                  "same function)");
        return 0;
    }
    if (x->given & ~(1u << cli_train_extra_of("--init")) || others_given) {
        cli_error("--optimizer lbfgs takes no gradient noise, clipping, --no-bias-decay, "
                  "--on-nonfinite, --save-state or --resume");
        return 0;
    }
    if (descent_lbfgs_options_validate(&l->options) != DESCENT_OK) {
        cli_error("lbfgs: %s", descent_last_error());
        return 0;
    }
    return 1;
}

void cli_print_lbfgs_flags(FILE *out)
{
    fprintf(out,
            "  lbfgs (torch.optim.LBFGS; full batch; one step, its own iterations and line\n"
            "  search, per epoch; --lr default 1): --max-iter N (20), --max-eval N (max-iter\n"
            "  * 5/4), --tolerance-grad X (1e-7), --tolerance-change X (1e-9), --history-size\n"
            "  N (100), --line-search-fn none|strong_wolfe (none)\n");
}
