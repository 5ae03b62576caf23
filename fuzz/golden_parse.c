/* libFuzzer target: the oracle-file parser (src/golden.c), on arbitrary
 * bytes.  A parse either succeeds (and is freed) or fails with a message;
 * ASan/UBSan report anything else. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../src/golden.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    golden_file g;
    descent_status s = golden_parse("fuzz.txt", (const char *)data, size, &g);
    if (s == DESCENT_OK) {
        /* A successful parse must describe arrays that really exist, with
         * something to check (n >= 1) and only finite values in them. */
        if (g.is_lbfgs) {
            const golden_lbfgs *l = &g.lbfgs;
            if (l->n == 0 || l->steps < 1)
                __builtin_trap();
            for (size_t i = 0; i < (size_t)l->steps * l->n; i++)
                if (!isfinite(l->params[i]))
                    __builtin_trap();
            for (long t = 0; t < l->steps; t++)
                if (l->func_evals[t] < 1)
                    __builtin_trap();
        } else if (g.is_sched) {
            const golden_sched *c = &g.sched;
            if (c->steps < 1 || !c->lr_values)
                __builtin_trap();
            for (long t = 0; t <= c->steps; t++)
                if (!isfinite(c->lr_values[t]) ||
                    (c->momentum_values && !isfinite(c->momentum_values[t])))
                    __builtin_trap();
        } else if (g.is_clip) {
            if (g.clip.n == 0)
                __builtin_trap();
        } else if (!g.is_mlp) {
            const size_t n = g.optim.n, rows = (size_t)g.optim.steps * n;
            if (n == 0 || g.optim.steps < 1)
                __builtin_trap();
            for (size_t i = 0; i < n; i++)
                if (!isfinite(g.optim.init[i]))
                    __builtin_trap();
            for (size_t i = 0; i < rows; i++)
                if (!isfinite(g.optim.grads[i]) || !isfinite(g.optim.params[i]))
                    __builtin_trap();
        } else if (!isfinite(g.mlp.loss_value)) {
            __builtin_trap();
        }
        golden_free(&g);
    } else if (descent_last_error()[0] == '\0') {
        __builtin_trap(); /* every failure must say why */
    }
    return 0;
}
