/*
 * descent-bench's busy-machine rows: what the default thread count costs
 * when another process holds a core, as a user's machine usually has.
 *
 *   BM_busy/train_step/<isa>/<idle|busy>/<all|auto>/batch:64
 *
 * One iteration is one MLP train step (784-128-10 ReLU, loss_grad and an
 * Adam step) with the objects on all threads ("all", the old default) or
 * at the default thread count, measured per call ("auto",
 * src/thread_tuner.h); "busy" runs a child process spinning on one of the
 * cores for the whole row.  Each row also runs the same steps on one
 * thread, half before and half after its timed loop, under the same load,
 * and reports vs_1_thread = its time per step / the one-thread time per
 * step: 1.0 means threads cost nothing, 0.6 that they pay, 3 that they
 * triple the time.  Every row runs at least 0.3 s, about the 938 steps of
 * one Fashion-MNIST epoch at batch 64, so that the auto rows include the
 * tuner's first measurements as a real run does.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_* */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"

#define IN 784
#define HID 128
#define OUT 10
#define BATCH 64

typedef struct busy_case {
    descent_isa isa;
    int busy; /* a spinning process on one core */
    int auto_threads;
} busy_case;

/* A child spinning on the last CPU this process may use; -1 if there is
 * no second CPU or fork fails. */
static pid_t start_spinner(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2)
        return -1;
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            last = c;
    const pid_t pid = fork();
    if (pid == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(last, &one);
        sched_setaffinity(0, sizeof one, &one);
        for (volatile unsigned long spin = 0;; spin++)
            ;
    }
    return pid;
}

static void stop_spinner(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

/* An MLP and an Adam optimizer over its parameters, at `threads`. */
typedef struct trainer {
    descent_mlp *mlp;
    descent_optimizer *opt;
    float *params, *grad;
} trainer;

static const descent_mlp_shape shape = {.layers = 2, .sizes = {IN, HID, OUT},
                                        .activation = DESCENT_RELU,
                                        .loss = DESCENT_CROSS_ENTROPY};

static int trainer_make(trainer *t, descent_isa isa, int threads)
{
    const size_t n = descent_mlp_param_count(&shape);
    descent_hparams h;
    descent_hparams_default(DESCENT_ADAM, &h);
    t->params = malloc(n * sizeof *t->params);
    t->grad = malloc(n * sizeof *t->grad);
    return t->params && t->grad && descent_mlp_init_params(&shape, t->params, 1) == DESCENT_OK &&
           descent_mlp_create(&shape, BATCH, &t->mlp) == DESCENT_OK &&
           descent_mlp_set_isa(t->mlp, isa) == DESCENT_OK &&
           descent_mlp_set_threads(t->mlp, threads) == DESCENT_OK &&
           descent_optimizer_create(DESCENT_ADAM, &h, n, &t->opt) == DESCENT_OK &&
           descent_optimizer_set_isa(t->opt, isa) == DESCENT_OK &&
           descent_optimizer_set_threads(t->opt, threads) == DESCENT_OK;
}

static void trainer_free(trainer *t)
{
    descent_optimizer_free(t->opt);
    descent_mlp_free(t->mlp);
    free(t->params);
    free(t->grad);
}

static void train_step(trainer *t, const float *x, const int *labels)
{
    float loss;
    descent_mlp_loss_grad(t->mlp, t->params, BATCH, x, labels, NULL, t->grad, &loss);
    descent_optimizer_step(t->opt, t->params, t->grad);
}

/* Seconds for `steps` steps. */
static double time_steps(trainer *t, long long steps, const float *x, const int *labels)
{
    const double t0 = descent_seconds();
    for (long long i = 0; i < steps; i++)
        train_step(t, x, labels);
    return descent_seconds() - t0;
}

static void bm_busy(bench_state *s)
{
    const busy_case *c = bench_data(s);
    float *x = malloc((size_t)BATCH * IN * sizeof *x);
    int labels[BATCH];
    trainer tested = {0}, single = {0};
    pid_t spinner = -1;
    if (!x) {
        bench_skip_with_error(s, "out of memory");
        goto done;
    }
    bench_fill_random(x, (size_t)BATCH * IN, 5);
    for (int i = 0; i < BATCH; i++)
        labels[i] = i % OUT;
    if (!trainer_make(&tested, c->isa, c->auto_threads ? 0 : bench_all_threads()) ||
        !trainer_make(&single, c->isa, 1)) {
        bench_skip_with_error(s, "%s", descent_last_error());
        goto done;
    }
    if (c->busy && (spinner = start_spinner()) < 0) {
        bench_skip_with_error(s, "no second CPU to keep busy");
        goto done;
    }
    const long long steps = bench_iterations(s);
    double single_seconds = time_steps(&single, steps / 2, x, labels);
    const double t0 = descent_seconds();
    while (bench_keep_running(s))
        train_step(&tested, x, labels);
    const double seconds = descent_seconds() - t0;
    single_seconds += time_steps(&single, steps - steps / 2, x, labels);
    bench_set_items_processed(s, (double)steps * BATCH);
    if (single_seconds > 0)
        bench_set_counter(s, "vs_1_thread", seconds / single_seconds, 0);
done:
    stop_spinner(spinner);
    trainer_free(&tested);
    trainer_free(&single);
    free(x);
}

void bench_register_busy(descent_isa isa)
{
    static busy_case cases[4];
    if (bench_all_threads() < 2)
        return; /* nothing to choose between */
    int k = 0;
    for (int busy = 0; busy <= 1; busy++)
        for (int auto_threads = 0; auto_threads <= 1; auto_threads++) {
            busy_case *c = &cases[k++];
            *c = (busy_case){.isa = isa, .busy = busy, .auto_threads = auto_threads};
            bench_register("BM_busy", bm_busy,
                           &(bench_args){.variant = {"train_step", descent_isa_name(isa),
                                                     busy ? "busy" : "idle",
                                                     auto_threads ? "auto" : "all"},
                                         .arg = {BATCH}, .nargs = 1, .arg_name = {"batch"},
                                         .use_real_time = 1, .min_time = 0.3, .data = c});
        }
}
