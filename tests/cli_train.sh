#!/bin/sh
# descent train: convergence on the synthetic problems (gradient descent,
# SGD and mini-batches reach the closed-form least-squares solution; the
# 2-D functions their minima), every optimizer lowering the loss on a small
# Fashion-MNIST subset (skipped when the data is not installed), the
# stopping rules, reproducible logs, and every bad flag rejected with exit
# status 2 and a one-line message.
. "$(dirname "$0")/tap.sh"
descent=$BUILDDIR/descent

# expect_le NAME VALUE LIMIT: VALUE <= LIMIT (floating point).
expect_le() {
    if [ -n "$2" ] && awk -v v="$2" -v l="$3" 'BEGIN { exit !(v + 0 <= l + 0) }'; then
        pass "$1 ($2 <= $3)"
    else
        fail "$1" "got '$2', want <= $3"
    fi
}

# bad PATTERN NAME ARGS...: descent train ARGS exits 2 with a line matching PATTERN.
bad() {
    pattern=$1 name=$2
    shift 2
    expect 2 "$pattern" "$name" "$descent" train "$@"
}

# theta_error ARGS...: runs a linear regression and prints max|theta - theta*|.
theta_error() {
    "$descent" train --quiet "$@" 2>&1 | sed -n 's/.*max|theta - theta\*| \([^;]*\);.*/\1/p'
}

# ----------------------------------------------- linear regression
# Tolerances on max|theta - theta*| (the least-squares solution in double):
# gradient descent 1e-4 (float32 converges to ~1e-6); SGD and mini-batches
# with a cosine-annealed lr 1e-2 (they end within ~1e-3).
for p in linreg-2x1 linreg-4-3x linreg-multi; do
    expect_le "$p: gradient descent (--batch full) reaches least squares" \
        "$(theta_error --problem $p --batch full --epochs 2000)" 1e-4
    expect_le "$p: SGD (--batch 1) reaches least squares" \
        "$(theta_error --problem $p --batch 1 --lr 0.05 --schedule cosine --epochs 60)" 1e-2
    expect_le "$p: mini-batch (--batch 10) reaches least squares" \
        "$(theta_error --problem $p --batch 10 --lr 0.1 --schedule cosine --epochs 100)" 1e-2
done
expect 0 "linreg sgd.*stopped: converged \\(gradient norm [0-9.e-]+ < 1e-05\\)" \
    "--grad-tol stops gradient descent as converged" \
    "$descent" train --problem linreg --grad-tol 1e-5 --quiet
out=$("$descent" train --problem linreg --grad-tol 1e-5 --quiet 2>&1)
steps=$(printf '%s\n' "$out" | sed -n 's/.*, \([0-9]*\) steps,.*/\1/p')
expect_le "--grad-tol fires well before the epoch limit (steps)" "$steps" 500

# ------------------------------------------------- 2-D functions
for f in quadratic rosenbrock beale; do
    d=$("$descent" train --problem $f --quiet 2>&1 | sed -n 's/.*distance to the minimum ([^)]*) \([^;]*\);.*/\1/p')
    expect_le "$f: the default run ends at the minimum (distance)" "$d" 1e-3
done
expect 0 "stopped: target loss reached" "--target-loss stops" \
    "$descent" train --problem quadratic --target-loss 1e-6 --quiet
expect 0 "stopped: step limit \\(10\\)" "--max-steps stops" \
    "$descent" train --problem rosenbrock --max-steps 10 --quiet
expect 1 "stopped: diverged" "a diverging run stops and exits 1" \
    "$descent" train --problem quadratic --lr 1 --optimizer sgd --quiet

# ------------------------------------------------- logs
log=$tmp/run.csv
"$descent" train --problem linreg-multi --batch 7 --epochs 3 --seed 5 --log "$log" --quiet >/dev/null 2>&1
if [ "$(head -n 1 "$log" 2>/dev/null)" = "step,epoch,time_s,loss,grad_norm,lr,test_accuracy" ] &&
    [ "$(wc -l <"$log")" -eq $((3 * 72 + 1)) ] && ! ls "$tmp" | grep -q 'run\.csv\.tmp'; then
    pass "--log writes the header and one row per step (216), no .tmp left"
else
    fail "--log writes the header and one row per step" "$(head -n 3 "$log" 2>&1)" \
        "$(wc -l <"$log" 2>&1) lines; tmp: $(ls "$tmp")"
fi
# same_log A B: the two logs agree apart from the time column
same_log() { [ "$(cut -d, -f1,2,4- "$1")" = "$(cut -d, -f1,2,4- "$2")" ]; }
"$descent" train --problem linreg-multi --batch 7 --epochs 3 --seed 5 --log "$tmp/again.csv" --quiet >/dev/null 2>&1
"$descent" train --problem linreg-multi --batch 7 --epochs 3 --seed 6 --log "$tmp/other.csv" --quiet >/dev/null 2>&1
if same_log "$log" "$tmp/again.csv" && ! same_log "$log" "$tmp/other.csv"; then
    pass "same seed, same log (apart from time); another seed, another log"
else
    fail "same seed, same log (apart from time); another seed, another log"
fi
# lr_column UNIT: the lr of each step of 2 epochs of 2 batches under a
# cosine_annealing_lr of T_max 4 stepped per UNIT.
lr_column() {
    "$descent" train --problem linreg --batch 50 --epochs 2 --schedule cosine_annealing_lr \
        --T_max 4 --schedule-unit "$1" --log "$tmp/lr_$1.csv" --quiet >/dev/null 2>&1
    cut -d, -f6 "$tmp/lr_$1.csv" | tail -n +2 | tr '\n' ' '
}
# lr 0.1: per step 0.1 (1 + cos(pi s/4)) / 2 for s = 0..3; per epoch s = 0, 0, 1, 1.
lrs=$(lr_column step)
if [ "$lrs" = "0.1 0.0853553391 0.05 0.0146446609 " ]; then
    pass "--schedule-unit step: the schedule moves after every step"
else
    fail "--schedule-unit step" "lr column: $lrs"
fi
lrs=$(lr_column epoch)
if [ "$lrs" = "0.1 0.1 0.0853553391 0.0853553391 " ]; then
    pass "--schedule-unit epoch: the schedule moves after every epoch"
else
    fail "--schedule-unit epoch" "lr column: $lrs"
fi

# ------------------------------------------------- --save-state and --resume
# resumed RUN_ARGS...: 6 epochs straight, and 3 epochs --save-state then
# --resume --epochs 6 (and a stop after STEPS steps, within an epoch, then
# --resume): the resumed logs are the straight log's rows after the stop.
resumed() {
    name=$1 steps=$2
    shift 2
    "$descent" train "$@" --epochs 6 --log "$tmp/straight.csv" --quiet >/dev/null 2>&1
    "$descent" train "$@" --epochs 3 --save-state "$tmp/s3.ckpt" --quiet >/dev/null 2>&1
    "$descent" train "$@" --epochs 6 --resume "$tmp/s3.ckpt" --log "$tmp/rest3.csv" --quiet >/dev/null 2>&1
    "$descent" train "$@" --epochs 6 --max-steps "$steps" --save-state "$tmp/sm.ckpt" --quiet >/dev/null 2>&1
    "$descent" train "$@" --epochs 6 --resume "$tmp/sm.ckpt" --log "$tmp/restm.csv" --quiet >/dev/null 2>&1
    awk -F, 'NR == 1 || $2 > 3' "$tmp/straight.csv" >"$tmp/after3.csv"
    awk -F, -v s="$steps" 'NR == 1 || $1 > s' "$tmp/straight.csv" >"$tmp/afterm.csv"
    if [ "$(wc -l <"$tmp/rest3.csv")" -gt 1 ] && same_log "$tmp/after3.csv" "$tmp/rest3.csv" &&
        same_log "$tmp/afterm.csv" "$tmp/restm.csv"; then
        pass "$name: 3 epochs, --save-state, --resume --epochs 6 (and from step $steps) = 6 epochs"
    else
        fail "$name: resume gives the straight run's log" \
            "$(diff "$tmp/after3.csv" "$tmp/rest3.csv" | head -n 4)" \
            "$(diff "$tmp/afterm.csv" "$tmp/restm.csv" | head -n 4)"
    fi
}
resumed "linreg-multi --batch 10 adam cosine" 125 --problem linreg-multi --batch 10 \
    --optimizer adam --lr 0.05 --schedule cosine --t-max 6
state=$tmp/s3.ckpt
bad "s3.ckpt: 3 epochs are done already" "--resume with no epochs left" \
    --problem linreg-multi --batch 10 --optimizer adam --lr 0.05 --schedule cosine --t-max 6 \
    --epochs 3 --resume "$state"
bad "a state of another run: its optimizer is adam, this run's sgd" "--resume, another optimizer" \
    --problem linreg-multi --batch 10 --schedule cosine --t-max 6 --epochs 9 --resume "$state"
bad "a state of another run: its parameter count \\(another model\\) is 6, this run's 2" \
    "--resume, another model" --problem linreg-2x1 --batch 10 --optimizer adam --lr 0.05 \
    --schedule cosine --t-max 6 --epochs 9 --resume "$state"
bad "a state of another run: its batch is 10, this run's 20" "--resume, another batch" \
    --problem linreg-multi --batch 20 --optimizer adam --lr 0.05 --schedule cosine --t-max 6 \
    --epochs 9 --resume "$state"
head -c 300 "$state" >"$tmp/truncated.ckpt"
bad "truncated.ckpt: not a valid descent checkpoint" "--resume, a truncated file" \
    --problem linreg-multi --batch 10 --optimizer adam --lr 0.05 --schedule cosine --t-max 6 \
    --epochs 9 --resume "$tmp/truncated.ckpt"
cp "$state" "$tmp/corrupt.ckpt"
printf 'X' | dd of="$tmp/corrupt.ckpt" bs=1 seek=500 conv=notrunc 2>/dev/null
bad "corrupt.ckpt: not a valid descent checkpoint: file checksum mismatch" "--resume, a corrupt file" \
    --problem linreg-multi --batch 10 --optimizer adam --lr 0.05 --schedule cosine --t-max 6 \
    --epochs 9 --resume "$tmp/corrupt.ckpt" --log "$tmp/not_written.csv"
if [ -e "$tmp/not_written.csv" ]; then
    fail "a refused --resume trains nothing" "the log was written"
else
    pass "a refused --resume trains nothing (no log)"
fi
bad "missing.ckpt: cannot open" "--resume, a missing file" --problem linreg --epochs 9 \
    --resume "$tmp/missing.ckpt"
bad "--save-every needs --save-state" "--save-every alone" --problem linreg --save-every 2
bad "cannot write $tmp/no/such/dir/s.ckpt" "--save-state in a missing directory" \
    --problem linreg --save-state "$tmp/no/such/dir/s.ckpt"
bad "lbfgs takes no .*--save-state" "--save-state with lbfgs" --problem linreg --optimizer lbfgs \
    --save-state "$tmp/l.ckpt"

# ------------------------------------------------- Fashion-MNIST
data=$(sed -n 's/^#define DESCENT_DATA_DIR "\(.*\)"$/\1/p' "$BUILDDIR/config.h" 2>/dev/null)
if [ -n "$data" ] && [ -r "$data/train-images-idx3-ubyte.gz" ]; then
    for opt in sgd adam adamw rmsprop adagrad adadelta adamax nadam radam; do
        lr=
        [ $opt = sgd ] && lr="--lr 0.1"
        # shellcheck disable=SC2086
        out=$("$descent" train --problem fashion-mnist --optimizer $opt $lr --train-limit 2000 \
            --test-limit 1000 --epochs 1 --log "$tmp/$opt.csv" --quiet 2>&1)
        first=$(sed -n 2p "$tmp/$opt.csv" | cut -d, -f4)
        final=$(printf '%s\n' "$out" | sed -n 's/.*final loss \([^,]*\),.*/\1/p')
        if [ -n "$final" ] && awk -v a="$final" -v b="$first" 'BEGIN { exit !(a + 0 < 0.95 * b) }'; then
            pass "fashion-mnist $opt: 1 epoch on 2000 images lowers the loss ($first -> $final)"
        else
            fail "fashion-mnist $opt lowers the loss" "first batch $first, final $final" "$out"
        fi
    done
    for threads in 1 2; do
        "$descent" train --problem fashion-mnist --train-limit 500 --test-limit 200 --epochs 2 \
            --threads $threads --seed 3 --log "$tmp/fm$threads.csv" --quiet >/dev/null 2>&1
    done
    "$descent" train --problem fashion-mnist --train-limit 500 --test-limit 200 --epochs 2 \
        --threads 1 --seed 3 --log "$tmp/fm1b.csv" --quiet >/dev/null 2>&1
    # the default: each call on 1 or all threads, as measured
    "$descent" train --problem fashion-mnist --train-limit 500 --test-limit 200 --epochs 2 \
        --seed 3 --log "$tmp/fm_auto.csv" --quiet >/dev/null 2>&1
    if same_log "$tmp/fm1.csv" "$tmp/fm1b.csv" && same_log "$tmp/fm1.csv" "$tmp/fm2.csv" &&
        same_log "$tmp/fm1.csv" "$tmp/fm_auto.csv" &&
        [ "$(wc -l <"$tmp/fm1.csv")" -eq 17 ] &&
        [ "$(awk -F, 'NR > 1 && $7 != ""' "$tmp/fm1.csv" | wc -l)" -eq 2 ]; then
        pass "fashion-mnist: same seed, same log, on 1, 2 and auto threads; accuracy after each epoch"
    else
        fail "fashion-mnist: reproducible logs" "$(diff "$tmp/fm1.csv" "$tmp/fm2.csv" | head -n 4)"
    fi
    resumed "fashion-mnist adam cosine, 600 images" 40 --problem fashion-mnist \
        --train-limit 600 --test-limit 100 --batch 50 --optimizer adam --schedule cosine --t-max 6
    expect 0 "stopped: target accuracy reached" "--target-accuracy stops" \
        "$descent" train --problem fashion-mnist --train-limit 2000 --test-limit 500 \
        --target-accuracy 0.5 --quiet
    expect 2 "fashion-mnist needs 784 inputs and 10 outputs" "--model with 9 outputs" \
        "$descent" train --problem fashion-mnist --model 784-128-9
    expect 2 "cannot open" "--data DIR without the files" \
        "$descent" train --problem fashion-mnist --data "$tmp"
    expect 2 "--batch 2001 is larger than the 2000 training examples" "--batch above the data" \
        "$descent" train --problem fashion-mnist --train-limit 2000 --batch 2001
else
    skip "fashion-mnist: every optimizer lowers the loss" "Fashion-MNIST not installed"
fi

# ------------------------------------------------- bad flags: exit 2
bad "--problem is required" "no --problem"
bad "unknown problem 'linreg-5'" "unknown problem" --problem linreg-5
bad "--problem needs a value" "--problem without value" --problem
bad "unknown option '--frobnicate'" "unknown flag" --problem linreg --frobnicate
bad "unexpected argument 'extra'" "stray argument" --problem linreg extra
bad "--lr: 'abc' is not a finite number" "--lr abc" --problem linreg --lr abc
bad "--lr: 'nan' is not a finite number" "--lr nan" --problem linreg --lr nan
bad "--lr: 'inf' is not a finite number" "--lr inf" --problem linreg --lr inf
bad "--lr: 0 must be greater than 0" "--lr 0" --problem linreg --lr 0
bad "--lr: -0.1 must be greater than 0" "--lr negative" --problem linreg --lr=-0.1
bad "--lr: '1e-3x' is not a finite number" "--lr trailing junk" --problem linreg --lr 1e-3x
bad "--lr needs a value" "--lr without value" --problem linreg --lr
bad "Invalid beta parameter at index 0: 1" "--beta1 1" --problem linreg --optimizer adam --beta1 1
bad "Invalid beta parameter at index 1: 1.5" "--beta2 1.5" --problem linreg --optimizer adam --beta2 1.5
bad "Invalid epsilon value: -1" "--eps negative" --problem linreg --optimizer adam --eps -1
bad "Invalid weight_decay value" "--weight-decay negative" --problem linreg --weight-decay -0.1
bad "Invalid momentum value" "--momentum negative" --problem linreg --momentum -0.5
bad "Nesterov momentum requires" "--nesterov without momentum" --problem linreg --nesterov
bad "--nesterov: 'maybe' is not 0, 1" "--nesterov=maybe" --problem linreg --nesterov=maybe
bad "Invalid rho value" "--rho 2" --problem linreg --optimizer adadelta --rho 2
bad "Invalid alpha value" "--alpha 1.5" --problem linreg --optimizer rmsprop --alpha 1.5
bad "--momentum does not apply to --optimizer adam" "flag of another optimizer" \
    --problem linreg --optimizer adam --momentum 0.9
bad "--amsgrad does not apply to --optimizer sgd" "--amsgrad with sgd" --problem linreg --amsgrad
bad "unknown optimizer 'adamx'" "unknown optimizer" --problem linreg --optimizer adamx
bad "--threads: 0 is out of range" "--threads 0" --problem linreg --threads 0
bad "--threads: 99999 is out of range" "--threads huge" --problem linreg --threads 99999
bad "--threads: 'two' is not an integer" "--threads two" --problem linreg --threads two
bad "--batch: 0 is out of range" "--batch 0" --problem linreg --batch 0
bad "--batch: -3 is out of range" "--batch negative" --problem linreg --batch -3
bad "--batch: 'half' is not an integer" "--batch half" --problem linreg --batch half
bad "--batch 101 is larger than the 100 training examples" "--batch above the data" \
    --problem linreg --batch 101
bad "--batch does not apply to --problem rosenbrock" "--batch on a 2-D function" \
    --problem rosenbrock --batch 4
bad "--epochs: 0 is out of range" "--epochs 0" --problem linreg --epochs 0
bad "--max-steps: -1 is out of range" "--max-steps negative" --problem linreg --max-steps -1
bad "--grad-tol: 0 must be greater than 0" "--grad-tol 0" --problem linreg --grad-tol 0
bad "--target-accuracy: 88 is not in \\(0, 1\\]" "--target-accuracy 88" \
    --problem fashion-mnist --target-accuracy 88
bad "--target-accuracy does not apply to --problem linreg" "--target-accuracy on linreg" \
    --problem linreg --target-accuracy 0.9
bad "unknown schedule 'linear'" "unknown schedule" --problem linreg --schedule linear
bad "--gamma applies to --schedule step_lr" "--gamma without schedule" \
    --problem linreg --gamma 0.5
bad "--gamma: 0 must be greater than 0" "--gamma 0" --problem linreg --schedule step --gamma 0
bad "--t-max applies to --schedule cosine" "--t-max with step" --problem linreg --schedule step --t-max 3
bad "--step-size: 0 is out of range" "--step-size 0" --problem linreg --schedule step --step-size 0
bad "unknown option '--warmup'" "--warmup is gone (the schedules have warm-ups)" \
    --problem linreg --warmup 5
bad "--seed: '-1' is not an unsigned 64-bit integer" "--seed negative" --problem linreg --seed -1
bad "--seed: '99999999999999999999' is not" "--seed too large" --problem linreg --seed 99999999999999999999
bad "--isa: unknown ISA 'sse9'" "--isa unknown" --problem linreg --isa sse9
bad "--model: model '784-0-10': layer size 0" "--model with a 0 layer" \
    --problem fashion-mnist --model 784-0-10
bad "--model: model '784x10'" "--model malformed" --problem fashion-mnist --model 784x10
bad "--model does not apply to --problem linreg" "--model on linreg" --problem linreg --model 1-1
bad "unknown activation 'gelu'" "--activation unknown" --problem fashion-mnist --activation gelu
bad "--data: $tmp/missing: No such file or directory" "--data missing" \
    --problem fashion-mnist --data "$tmp/missing"
bad "--data: .*: not a directory" "--data on a file" --problem fashion-mnist --data "$log"
bad "--train-limit: 0 is out of range" "--train-limit 0" --problem fashion-mnist --train-limit 0
bad "--train-limit does not apply to --problem beale" "--train-limit on beale" \
    --problem beale --train-limit 5
bad "--log: cannot write $tmp/no/such/dir/x.csv" "--log in a missing directory" \
    --problem linreg --log "$tmp/no/such/dir/x.csv"
bad "cycle_momentum: sgd was created with momentum 0" \
    "one_cycle_lr cycling the momentum of a momentum-free SGD is refused before a step" \
    --problem linreg --schedule one_cycle_lr --max_lr 0.1
bad "cycle_momentum: adagrad has neither momentum nor beta1" \
    "one_cycle_lr on an optimizer without momentum is refused" \
    --problem linreg --optimizer adagrad --schedule one_cycle_lr --max_lr 0.1
expect 0 "stopped: epoch limit" "one_cycle_lr cycles a momentum SGD was given" \
    "$descent" train --problem linreg --momentum 0.9 --schedule one_cycle_lr --max_lr 0.1 --quiet
# ------------------------------------------------- gradient clipping, noise, tensors, init
for threads in 1 2 3; do
    "$descent" train --problem linreg-multi --batch 10 --epochs 3 --optimizer adam --lr 0.05 \
        --grad-noise 0.3 --threads $threads --log "$tmp/noise$threads.csv" --quiet >/dev/null 2>&1
done
"$descent" train --problem linreg-multi --batch 10 --epochs 3 --optimizer adam --lr 0.05 \
    --threads 1 --log "$tmp/quiet.csv" --quiet >/dev/null 2>&1
if same_log "$tmp/noise1.csv" "$tmp/noise2.csv" && same_log "$tmp/noise1.csv" "$tmp/noise3.csv" &&
    ! same_log "$tmp/noise1.csv" "$tmp/quiet.csv" && [ "$(wc -l <"$tmp/noise1.csv")" -eq 151 ]; then
    pass "--grad-noise: the same log on 1, 2 and 3 threads, not the log without noise"
else
    fail "--grad-noise: thread-independent" "$(diff "$tmp/noise1.csv" "$tmp/noise2.csv" | head -n 4)"
fi
# one gradient-descent step of lr 0.1 on linreg-2x1: clipping shortens it
first_step() {
    "$descent" train --problem linreg-2x1 --epochs 1 --quiet "$@" 2>&1 |
        sed -n 's/.*max|theta - theta\*| \([^;]*\);.*/\1/p'
}
plain=$(first_step) valued=$(first_step --clip-grad-value 1) clipped=$(first_step --clip-grad-norm 0.01)
if [ -n "$plain" ] && awk -v a="$plain" -v b="$clipped" -v c="$valued" \
    'BEGIN { exit !(c + 0 > a + 0 && b + 0 > c + 0) }'; then
    pass "--clip-grad-value and --clip-grad-norm shorten the first step ($plain < $valued < $clipped)"
else
    fail "clipping shortens the step" "plain $plain, norm-clipped $clipped, value-clipped $valued"
fi
expect 1 "total norm of order 2 for gradients is non-finite" \
    "--clip-error-if-nonfinite: a non-finite norm ends the run as diverged, exit 1" \
    "$descent" train --problem quadratic --lr 2 --on-nonfinite skip --clip-grad-norm 1e30 \
    --clip-error-if-nonfinite --quiet
for nb in "" --no-bias-decay; do
    "$descent" train --problem linreg-multi --optimizer sgd --weight-decay 1 --epochs 2 $nb \
        --log "$tmp/decay$nb.csv" --quiet >/dev/null 2>&1
done
if [ "$(sed -n 2p "$tmp/decay.csv" | cut -d, -f4)" = "$(sed -n 2p "$tmp/decay--no-bias-decay.csv" | cut -d, -f4)" ] &&
    [ -n "$(sed -n 3p "$tmp/decay.csv")" ] && ! same_log "$tmp/decay.csv" "$tmp/decay--no-bias-decay.csv"; then
    pass "--no-bias-decay: the same first step, then another run (the bias out of weight decay)"
else
    fail "--no-bias-decay changes the run" "$(cat "$tmp/decay--no-bias-decay.csv")"
fi
"$descent" train --problem linreg-multi --epochs 1 --init kaiming_normal --log "$tmp/kn.csv" \
    --quiet >/dev/null 2>&1
"$descent" train --problem linreg-multi --epochs 1 --log "$tmp/default.csv" --quiet >/dev/null 2>&1
if [ -s "$tmp/kn.csv" ] && ! same_log "$tmp/kn.csv" "$tmp/default.csv"; then
    pass "--init kaiming_normal starts elsewhere than the default"
else
    fail "--init kaiming_normal" "$(cat "$tmp/kn.csv")"
fi
bad "--clip-norm-type needs --clip-grad-norm" "--clip-norm-type alone" \
    --problem linreg --clip-norm-type inf
bad "--clip-error-if-nonfinite needs --clip-grad-norm" "--clip-error-if-nonfinite alone" \
    --problem linreg --clip-error-if-nonfinite
bad "--grad-noise-gamma needs --grad-noise" "--grad-noise-gamma alone" \
    --problem linreg --grad-noise-gamma 0.5
bad "--clip-grad-norm: -1 must be greater than 0" "--clip-grad-norm negative" \
    --problem linreg --clip-grad-norm -1
bad "--clip-norm-type: 'max' is not a finite number" "--clip-norm-type max" \
    --problem linreg --clip-grad-norm 1 --clip-norm-type max
bad "--grad-noise: 'x' is not a finite number" "--grad-noise x" --problem linreg --grad-noise x
bad "--init: unknown" "--init unknown" --problem linreg --init he
bad "--init does not apply to --problem rosenbrock" "--init on a 2-D function" \
    --problem rosenbrock --init kaiming_normal
bad "--no-bias-decay does not apply to --problem beale" "--no-bias-decay on a 2-D function" \
    --problem beale --no-bias-decay
expect 0 "rosenbrock lbfgs, 50 steps \\([0-9]+ function evaluations\\).*distance to the minimum \\(1, 1\\) [0-9.]+e-0[5-9]" \
    "--optimizer lbfgs: rosenbrock's minimum in 50 steps, function evaluations reported" \
    "$descent" train --problem rosenbrock --optimizer lbfgs --epochs 50 --quiet
expect 0 "linreg-multi lbfgs.*max\\|theta - theta\\*\\| [0-9.]+e-0[6-9]" \
    "--optimizer lbfgs --line-search-fn strong_wolfe: linreg-multi's least squares in 20 steps" \
    "$descent" train --problem linreg-multi --optimizer lbfgs --line-search-fn strong_wolfe \
    --history-size 10 --max-iter 20 --tolerance-grad 1e-9 --epochs 20 --quiet
expect 0 "rosenbrock lbfgs, 5 steps \\(5 function evaluations\\)" \
    "--max-iter 1: one closure call per step" \
    "$descent" train --problem rosenbrock --optimizer lbfgs --max-iter 1 --epochs 5 --quiet
expect 0 "rosenbrock lbfgs, 5 steps \\(10 function evaluations\\)" \
    "--max-eval 2: two closure calls per step" \
    "$descent" train --problem rosenbrock --optimizer lbfgs --max-iter 3 --max-eval 2 --epochs 5 --quiet
bad "--optimizer lbfgs needs --batch full" "lbfgs on mini-batches" \
    --problem linreg --optimizer lbfgs --batch 10
bad "--max-iter applies to --optimizer lbfgs" "--max-iter without lbfgs" --problem linreg --max-iter 5
bad "--momentum does not apply to --optimizer lbfgs" "--momentum with lbfgs" \
    --problem linreg --optimizer lbfgs --momentum 0.9
bad "--optimizer lbfgs takes no gradient noise, clipping" "lbfgs with clipping" \
    --problem linreg --optimizer lbfgs --clip-grad-norm 1
bad "--line-search-fn: unknown line search 'backtracking'" "--line-search-fn unknown" \
    --problem linreg --optimizer lbfgs --line-search-fn backtracking
bad "--tolerance-grad: -1 must be >= 0" "--tolerance-grad negative" \
    --problem linreg --optimizer lbfgs --tolerance-grad -1
# ----------------------------------------------- precision
# --param-dtype/--state-dtype keep the parameters and Adam's state rounded to
# bf16/fp16 after every step: the run ends at another loss than fp32's (the
# rounding is applied), the same on a rerun; bad dtypes are refused.
final_loss() {
    "$descent" train --problem linreg --optimizer adam --lr 0.01 --epochs 50 --quiet "$@" 2>&1 |
        sed -n 's/.*final loss \([^ ]*\) .*/\1/p'
}
loss32=$(final_loss)
for d in "bf16 fp32" "bf16 bf16" "fp16 fp32" "fp32 bf16"; do
    set -- $d
    got=$(final_loss --param-dtype "$1" --state-dtype "$2")
    again=$(final_loss --param-dtype "$1" --state-dtype "$2")
    if [ -n "$got" ] && [ "$got" != "$loss32" ] && [ "$got" = "$again" ]; then
        pass "--param-dtype $1 --state-dtype $2: final loss $got (fp32 $loss32), the same again"
    else
        fail "--param-dtype $1 --state-dtype $2" "got '$got' and '$again', fp32 '$loss32'"
    fi
done
bad "--state-dtype: fp32 or bf16" "--state-dtype fp16" --problem linreg --state-dtype fp16
# --stochastic-rounding: bf16 parameters rounded stochastically, another loss
# than nearest's, the same on a rerun and on 2 threads, said in the log;
# refused (usage) without bf16 parameters.
near=$(final_loss --param-dtype bf16)
sr=$(final_loss --param-dtype bf16 --stochastic-rounding)
sr2=$(final_loss --param-dtype bf16 --stochastic-rounding --threads 2)
if [ -n "$sr" ] && [ "$sr" != "$near" ] && [ "$sr" = "$sr2" ]; then
    pass "--stochastic-rounding: final loss $sr (nearest $near), the same on 2 threads"
else
    fail "--stochastic-rounding" "got '$sr' and '$sr2' (2 threads), nearest '$near'"
fi
expect 0 "params bf16 \(stochastic rounding\), state fp32" "--stochastic-rounding in the log" \
    "$descent" train --problem linreg --epochs 1 --param-dtype bf16 --stochastic-rounding
bad "--stochastic-rounding needs --param-dtype bf16 .*not fp32" "--stochastic-rounding on fp32" \
    --problem linreg --stochastic-rounding
bad "--stochastic-rounding needs --param-dtype bf16 .*not fp16" "--stochastic-rounding on fp16" \
    --problem linreg --param-dtype fp16 --stochastic-rounding
expect 0 "--stochastic-rounding +bf16 parameters rounded stochastically" \
    "train --help: --stochastic-rounding" "$descent" train --help
bad "--param-dtype: unknown dtype 'fp8'" "--param-dtype fp8" --problem linreg --param-dtype fp8
bad "--optimizer lbfgs takes no" "lbfgs with --param-dtype" \
    --problem linreg --optimizer lbfgs --param-dtype bf16
expect 0 "usage: descent train" "train --help" "$descent" train --help
