/* libFuzzer target: the oracle-file parser (src/golden.c), on arbitrary
 * bytes.  A parse either succeeds (and is freed) or fails with a message;
 * ASan/UBSan report anything else. */
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
        /* A successful parse must describe arrays that really exist. */
        if (!g.is_mlp && g.optim.n > 0 && g.optim.steps > 0) {
            volatile float sink = g.optim.init[g.optim.n - 1] +
                                  g.optim.grads[(size_t)g.optim.steps * g.optim.n - 1] +
                                  g.optim.params[(size_t)g.optim.steps * g.optim.n - 1];
            (void)sink;
        }
        golden_free(&g);
    } else if (descent_last_error()[0] == '\0') {
        __builtin_trap(); /* every failure must say why */
    }
    return 0;
}
