/*
 * MLP initialisations (torch.nn.init's names) and deep shapes:
 *  - "default" is nn.Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W and b,
 *    the same bits as descent_mlp_init_params;
 *  - kaiming/xavier uniform stay within their bounds and fill them; the
 *    normal ones have their variance; the named ones zero the biases;
 *  - 64 linear layers are accepted, 65 refused; names round-trip.
 */
#include <string.h>

#include "check.h"
#include "descent.h"

static descent_mlp_shape shape_of(const char *sizes)
{
    descent_mlp_shape s = {.activation = DESCENT_RELU, .loss = DESCENT_CROSS_ENTROPY};
    EXPECT(descent_mlp_shape_parse(sizes, &s) == DESCENT_OK, "%s", descent_last_error());
    return s;
}

/* max|W|, the variance of W and max|b| of layer 1. */
static void layer1_stats(const descent_mlp_shape *s, const float *p, double *max_w, double *var,
                         double *max_b)
{
    const size_t nw = (size_t)s->sizes[0] * s->sizes[1];
    double sum_sq = 0;
    *max_w = 0, *max_b = 0;
    for (size_t i = 0; i < nw; i++)
        *max_w = fmax(*max_w, fabs(p[i])), sum_sq += (double)p[i] * p[i];
    *var = sum_sq / nw;
    for (int i = 0; i < s->sizes[1]; i++)
        *max_b = fmax(*max_b, fabs(p[nw + i]));
}

static void test_each_initialisation(void)
{
    const descent_mlp_shape s = shape_of("400-300-10");
    const size_t n = descent_mlp_param_count(&s);
    float *p = malloc(n * sizeof(float)), *q = malloc(n * sizeof(float));
    const double fan_in = 400, fans = 700;
    double max_w, var, max_b;

    EXPECT(descent_mlp_init_params_as(&s, DESCENT_INIT_DEFAULT, p, 7) == DESCENT_OK, "default");
    EXPECT(descent_mlp_init_params(&s, q, 7) == DESCENT_OK, "init_params");
    EXPECT(memcmp(p, q, n * sizeof(float)) == 0, "default differs from init_params");
    layer1_stats(&s, p, &max_w, &var, &max_b);
    EXPECT(max_w <= 1 / sqrt(fan_in) && max_w > 0.99 / sqrt(fan_in), "default max|W| %g", max_w);
    EXPECT(max_b <= 1 / sqrt(fan_in) && max_b > 0.9 / sqrt(fan_in), "default max|b| %g", max_b);

    const struct {
        descent_init init;
        double bound, var; /* bound 0: a normal */
    } cases[] = {
        {DESCENT_INIT_KAIMING_UNIFORM, sqrt(6 / fan_in), 2 / fan_in},
        {DESCENT_INIT_KAIMING_NORMAL, 0, 2 / fan_in},
        {DESCENT_INIT_XAVIER_UNIFORM, sqrt(6 / fans), 2 / fans},
        {DESCENT_INIT_XAVIER_NORMAL, 0, 2 / fans},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *name = descent_init_name(cases[c].init);
        EXPECT(descent_mlp_init_params_as(&s, cases[c].init, p, 7) == DESCENT_OK, "%s", name);
        layer1_stats(&s, p, &max_w, &var, &max_b);
        /* 120000 weights: the variance is within 2% (about 5 standard errors) */
        EXPECT(fabs(var / cases[c].var - 1) < 0.02, "%s: variance %g, want %g", name, var,
               cases[c].var);
        if (cases[c].bound > 0)
            EXPECT(max_w <= cases[c].bound && max_w > 0.99 * cases[c].bound,
                   "%s: max|W| %g, bound %g", name, max_w, cases[c].bound);
        else
            EXPECT(max_w > 3.5 * sqrt(cases[c].var), "%s: no tail (max|W| %g)", name, max_w);
        EXPECT(max_b == 0, "%s: biases not zero", name);
        descent_init back;
        EXPECT(descent_init_from_name(name, &back) == DESCENT_OK && back == cases[c].init,
               "%s does not round-trip", name);
    }
    descent_init back;
    EXPECT(descent_init_from_name("he", &back) == DESCENT_ERR_INVALID, "unknown name accepted");
    EXPECT(strstr(descent_last_error(), "kaiming_normal") != NULL, "message lists the names: %s",
           descent_last_error());
    EXPECT(descent_mlp_init_params_as(&s, DESCENT_INIT_COUNT, p, 7) == DESCENT_ERR_INVALID,
           "init out of range accepted");
    free(p), free(q);
}

static void test_64_layers(void)
{
    char sizes[512] = "20";
    for (int l = 0; l < 63; l++)
        strcat(sizes, "-16");
    strcat(sizes, "-10");
    descent_mlp_shape s = shape_of(sizes);
    EXPECT(s.layers == 64, "layers %d", s.layers);
    EXPECT(descent_mlp_shape_validate(&s) == DESCENT_OK, "%s", descent_last_error());
    strcat(sizes, "-10");
    descent_mlp_shape t = {.activation = DESCENT_RELU, .loss = DESCENT_CROSS_ENTROPY};
    EXPECT(descent_mlp_shape_parse(sizes, &t) == DESCENT_ERR_INVALID, "65 layers accepted");
}

int main(void)
{
    RUN(test_each_initialisation);
    RUN(test_64_layers);
    return CHECK_EXIT_STATUS();
}
