/*
 * Checkpoints (src/checkpoint.c, descent_optimizer_save/load):
 *  - every optimizer branch: 6 steps straight and 3 + save + load into a
 *    fresh object + 3 give the same bits (state, counters, NAdam's product);
 *  - a flipped byte anywhere, a truncated file, an empty file, a foreign
 *    file, another optimizer, another size, other state-changing options:
 *    DESCENT_ERR_FORMAT (or IO for a missing file) with a message, and the
 *    target optimizer unchanged;
 *  - section round trip of each type; a failed save leaves the old file.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "descent.h"

#define N 37

static char path[64];

static void grads(long t, float *g)
{
    for (int i = 0; i < N; i++)
        g[i] = (float)(((i * 7 + t * 3) % 11) - 5) * 0.1f + (i == 5 ? 0 : 0.01f * t);
}

static descent_optimizer *make(descent_optim_kind kind, const char *settings, size_t n)
{
    descent_hparams h;
    descent_hparams_default(kind, &h);
    EXPECT(descent_hparams_apply(kind, &h, settings) == DESCENT_OK, "%s", descent_last_error());
    descent_optimizer *opt = NULL;
    EXPECT(descent_optimizer_create(kind, &h, n, &opt) == DESCENT_OK, "%s", descent_last_error());
    return opt;
}

static void run(descent_optimizer *opt, float *p, long from, long to)
{
    float g[N];
    for (long t = from; t <= to; t++) {
        grads(t, g);
        EXPECT(descent_optimizer_step(opt, p, g) == DESCENT_OK, "%s", descent_last_error());
    }
}

static int save(const descent_optimizer *opt, const float *p)
{
    descent_ckpt_writer *w;
    if (descent_ckpt_create(path, &w) != DESCENT_OK)
        return 0;
    descent_status s = descent_optimizer_save(opt, w, "opt");
    if (s == DESCENT_OK)
        s = descent_ckpt_put(w, "params", DESCENT_CKPT_F32, p, N);
    if (s != DESCENT_OK) {
        descent_ckpt_discard(w);
        return 0;
    }
    return descent_ckpt_commit(w) == DESCENT_OK;
}

static void test_resume_gives_the_same_bits(void)
{
    for (int k = 0; k < DESCENT_OPTIM_COUNT; k++) {
        const descent_optim_info *info = descent_optim_info_of((descent_optim_kind)k);
        for (int b = 0; b < info->branch_count; b++) {
            const char *settings = info->branches[b].settings;
            float straight[N], resumed[N];
            for (int i = 0; i < N; i++)
                straight[i] = resumed[i] = 0.5f - 0.03f * i;
            descent_optimizer *a = make(info->kind, settings, N);
            run(a, straight, 1, 6);

            descent_optimizer *first = make(info->kind, settings, N);
            run(first, resumed, 1, 3);
            EXPECT(save(first, resumed), "%s %s: save: %s", info->name, settings,
                   descent_last_error());
            descent_optimizer_free(first);
            memset(resumed, 0, sizeof resumed);
            descent_optimizer *second = make(info->kind, settings, N);
            descent_ckpt *c = NULL;
            EXPECT(descent_ckpt_load(path, &c) == DESCENT_OK, "%s", descent_last_error());
            EXPECT(descent_optimizer_load(second, c, "opt") == DESCENT_OK, "%s %s: %s",
                   info->name, settings, descent_last_error());
            EXPECT(descent_ckpt_get(c, "params", DESCENT_CKPT_F32, resumed, N) == DESCENT_OK,
                   "%s", descent_last_error());
            descent_ckpt_free(c);
            EXPECT(descent_optimizer_step_count(second) == 3, "step count");
            run(second, resumed, 4, 6);
            EXPECT(memcmp(straight, resumed, sizeof straight) == 0, "%s %s: resumed run differs",
                   info->name, settings);
            for (int s = 0; s < info->state_count; s++)
                if (descent_optimizer_state(a, s))
                    EXPECT(memcmp(descent_optimizer_state(a, s), descent_optimizer_state(second, s),
                                  N * sizeof(float)) == 0,
                           "%s: state %s differs", info->name, info->states[s].name);
            descent_optimizer_free(a);
            descent_optimizer_free(second);
        }
    }
}

static unsigned char *slurp(size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 16);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static void spit(const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, len, f);
    fclose(f);
}

/* Loading the file at `path` into an Adam object must fail with `want`,
 * leaving the object's state and counters as they were. */
static void expect_refused(descent_status want, const char *why)
{
    descent_optimizer *opt = make(DESCENT_ADAM, "", N);
    float p[N] = {0};
    run(opt, p, 1, 2);
    float before[N];
    memcpy(before, descent_optimizer_state(opt, 0), sizeof before);
    descent_ckpt *c = NULL;
    descent_status s = descent_ckpt_load(path, &c);
    if (s == DESCENT_OK)
        s = descent_optimizer_load(opt, c, "opt");
    EXPECT(s == want, "%s: status %d, want %d (%s)", why, s, want, descent_last_error());
    if (want == DESCENT_OK) { /* the control: the file loads, the counter is its */
        EXPECT(descent_optimizer_step_count(opt) == 4, "%s: step count not restored", why);
        descent_ckpt_free(c);
        descent_optimizer_free(opt);
        return;
    }
    EXPECT(strlen(descent_last_error()) > 10, "%s: no message", why);
    EXPECT(descent_optimizer_step_count(opt) == 2, "%s: step count changed", why);
    EXPECT(memcmp(before, descent_optimizer_state(opt, 0), sizeof before) == 0,
           "%s: state changed", why);
    descent_ckpt_free(c);
    descent_optimizer_free(opt);
}

static void test_bad_files_are_refused(void)
{
    float p[N] = {0};
    descent_optimizer *adam = make(DESCENT_ADAM, "", N);
    run(adam, p, 1, 4);
    EXPECT(save(adam, p), "save: %s", descent_last_error());
    size_t len;
    unsigned char *good = slurp(&len);
    for (size_t at = 0; at < len; at += len / 97 + 1) { /* a flipped byte anywhere */
        good[at] ^= 0x20;
        spit(good, len);
        expect_refused(DESCENT_ERR_FORMAT, "flipped byte");
        good[at] ^= 0x20;
    }
    const size_t cuts[] = {0, 7, 16, len / 2, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        spit(good, cuts[i]);
        expect_refused(DESCENT_ERR_FORMAT, "truncated");
    }
    spit((const unsigned char *)"optimizer adam\nlr 0.001\n", 24);
    expect_refused(DESCENT_ERR_FORMAT, "foreign file");
    unlink(path);
    expect_refused(DESCENT_ERR_IO, "missing file");
    spit(good, len);
    expect_refused(DESCENT_OK, "the good file"); /* the control: it loads */
    free(good);

    /* Another optimizer, size or state-changing option. */
    descent_optimizer *sgd = make(DESCENT_SGD, "momentum=0.9", N);
    descent_optimizer *bigger = make(DESCENT_ADAM, "", N + 1);
    descent_optimizer *ams = make(DESCENT_ADAM, "amsgrad=1", N);
    descent_ckpt *c = NULL;
    EXPECT(descent_ckpt_load(path, &c) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(descent_optimizer_load(sgd, c, "opt") == DESCENT_ERR_FORMAT, "sgd loaded adam");
    EXPECT(descent_optimizer_load(bigger, c, "opt") == DESCENT_ERR_FORMAT, "size mismatch");
    EXPECT(strstr(descent_last_error(), "37") != NULL, "message names the size: %s",
           descent_last_error());
    EXPECT(descent_optimizer_load(ams, c, "opt") == DESCENT_ERR_FORMAT, "amsgrad mismatch");
    EXPECT(descent_optimizer_step_count(ams) == 0, "amsgrad object changed");
    EXPECT(descent_optimizer_load(adam, c, "other") == DESCENT_ERR_FORMAT, "missing prefix");
    descent_ckpt_free(c);
    descent_optimizer_free(sgd), descent_optimizer_free(bigger), descent_optimizer_free(ams);
    descent_optimizer_free(adam);
}

static void test_sections_and_failed_saves(void)
{
    const double d[3] = {1.5, -0.0, 1e300};
    const int64_t i[2] = {INT64_MIN, 42};
    descent_ckpt_writer *w;
    EXPECT(descent_ckpt_create(path, &w) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(descent_ckpt_put(w, "d", DESCENT_CKPT_F64, d, 3) == DESCENT_OK, "put d");
    EXPECT(descent_ckpt_put(w, "i", DESCENT_CKPT_I64, i, 2) == DESCENT_OK, "put i");
    EXPECT(descent_ckpt_put(w, "", DESCENT_CKPT_I64, i, 2) == DESCENT_ERR_INVALID, "empty name");
    EXPECT(descent_ckpt_commit(w) == DESCENT_OK, "%s", descent_last_error());
    descent_ckpt *c;
    double d2[3];
    int64_t i2[2];
    EXPECT(descent_ckpt_load(path, &c) == DESCENT_OK, "%s", descent_last_error());
    EXPECT(descent_ckpt_get(c, "d", DESCENT_CKPT_F64, d2, 3) == DESCENT_OK &&
               memcmp(d, d2, sizeof d) == 0, "f64 round trip");
    EXPECT(descent_ckpt_get(c, "i", DESCENT_CKPT_I64, i2, 2) == DESCENT_OK &&
               memcmp(i, i2, sizeof i) == 0, "i64 round trip");
    EXPECT(descent_ckpt_get(c, "i", DESCENT_CKPT_F64, d2, 2) == DESCENT_ERR_FORMAT, "wrong type");
    descent_ckpt_free(c);
    /* A discarded writer and an unwritable path leave the file as it was. */
    size_t len;
    unsigned char *before = slurp(&len);
    EXPECT(descent_ckpt_create(path, &w) == DESCENT_OK, "create");
    EXPECT(descent_ckpt_put(w, "x", DESCENT_CKPT_F64, d, 1) == DESCENT_OK, "put x");
    descent_ckpt_discard(w);
    EXPECT(descent_ckpt_create("/nonexistent-dir/ckpt", &w) == DESCENT_ERR_IO, "bad path");
    size_t len2;
    unsigned char *after = slurp(&len2);
    EXPECT(len == len2 && memcmp(before, after, len) == 0, "discard changed the file");
    free(before), free(after);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/descent-ckpt-test.%ld", (long)getpid());
    RUN(test_resume_gives_the_same_bits);
    RUN(test_bad_files_are_refused);
    RUN(test_sections_and_failed_saves);
    unlink(path);
    return CHECK_EXIT_STATUS();
}
