/* `descent train`'s help: the stopping and run sections (the flag tables
 * and the problems' lines are cmd_train.c's), and the threads' wording. */
#include <stdio.h>

#include "cli.h"
#include "config.h"

#if DESCENT_HAVE_OPENMP
#include <omp.h>
#endif

/* "2 threads", or "auto threads (1 or 2)": the default measures per call
 * which one pays (descent_optimizer_set_threads). */
void cli_describe_threads(long threads, char *text, size_t size)
{
    int most = 1;
#if DESCENT_HAVE_OPENMP
    most = omp_get_max_threads();
#endif
    if (threads > 0 || most == 1)
        snprintf(text, size, "%ld threads", threads > 0 ? threads : 1);
    else
        snprintf(text, size, "auto threads (1 or %d)", most);
}

void cli_print_train_run_help(FILE *out)
{
    fprintf(out,
            "stopping (whichever comes first):\n"
            "  --epochs N            epoch limit (default: the problem's)\n"
            "  --max-steps N         optimizer step limit\n"
            "  --grad-tol X          stop when a step's batch gradient norm is below X\n"
            "  --target-loss X       stop when a step's batch loss is at most X\n"
            "  --target-accuracy X   stop at test accuracy (after each epoch) >= X (0..1]\n\n"
            "run:\n"
            "  --seed N              initialization, synthetic data, shuffling, noise (default 1)\n"
            "  --isa NAME            scalar, avx2, avx512, neon, sve or best (default best)\n"
            "  --threads N           OpenMP threads (default: auto, 1 or all; same results)\n"
            "  --data DIR            Fashion-MNIST directory (default: %s)\n"
            "  --train-limit N, --test-limit N  the first N training / test examples\n"
            "  --log FILE.csv        step,epoch,time_s,loss,grad_norm,lr,test_accuracy: a row\n"
            "                        per step (time_s: training work; the batch's loss and\n"
            "                        gradient norm before the step; accuracy at epoch ends)\n"
            "  --save-state FILE     the whole run's state at the end (--save-every N: and\n"
            "                        after every N-th epoch): parameters, optimizer, schedule,\n"
            "                        shuffling, counters and the place in the epoch\n"
            "  --resume FILE         go on from such a state: the same flags (schedule T_max\n"
            "                        included) give the bits of a run that never stopped;\n"
            "                        --epochs counts the whole run.  Another run's file: exit 2\n"
            "  --quiet               no progress lines\n"
            "  --shard-state         under mpirun -np N (data parallel: --batch is the global\n"
            "                        batch, each process computes the gradient on its share):\n"
            "                        each process keeps and steps the optimizer state of only\n"
            "                        its 1/N of the parameters (ZeRO stage 1), same result\n"
            "  --on-nonfinite POLICY propagate, skip (--max-skips N in a row, default 100,\n"
            "                        0 = none, end the run: exit 1) or stop; default: stop as\n"
            "                        diverged at a non-finite loss or gradient, unstepped\n",
            *DESCENT_DATA_DIR ? DESCENT_DATA_DIR : "none found by configure");
}
