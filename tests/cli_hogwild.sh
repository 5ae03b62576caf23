#!/bin/sh
# descent train --hogwild: asynchronous lock-free SGD on sparse-logreg
# reaching the loss of synchronous SGD with the same lr, batch and epochs (on
# 1 and 2 threads: the loss, not bits, since the threads race), its summary
# and per-epoch log, and every setting it does not take refused with exit
# status 2 and one line before anything runs; descent-bench's BM_hogwild rows.
. "$(dirname "$0")/tap.sh"
descent=$BUILDDIR/descent
require_built "$descent" "$BUILDDIR/descent-bench"

# final_loss ARGS...: descent train's final full-data loss.
final_loss() {
    "$descent" train --problem sparse-logreg --quiet "$@" 2>&1 |
        sed -n 's/.*; final loss \([0-9.e+-]*\).*/\1/p'
}

# within NAME GOT WANT TOL: |GOT - WANT| <= TOL.
within() {
    if [ -n "$2" ] && [ -n "$3" ] &&
        awk -v g="$2" -v w="$3" -v t="$4" 'BEGIN { d = g - w; exit !(d <= t && -d <= t) }'; then
        pass "$1 ($2, synchronous $3, tolerance $4)"
    else
        fail "$1" "got '$2', want '$3' within $4"
    fi
}

# The recipe of tests/test_hogwild.c: 5 epochs of batch 100 at lr 5; the
# loss falls from log 2 = 0.693 to 0.331, and Hogwild lands within 1e-3 of
# synchronous SGD (a run that loses one thread's updates: 0.06 off).
recipe="--batch 100 --lr 5 --epochs 5"
sync=$(final_loss $recipe)
two=$("$descent" train --problem sparse-logreg $recipe --hogwild --threads 2 --quiet 2>&1)
within "--hogwild --threads 2 reaches the synchronous SGD loss" \
    "$(printf '%s\n' "$two" | sed -n 's/.*; final loss \([0-9.e+-]*\).*/\1/p')" "$sync" 0.01
within "--hogwild --threads 1 reaches the synchronous SGD loss" \
    "$(final_loss $recipe --hogwild --threads 1)" "$sync" 0.01
summary="^train: sparse-logreg sgd, 5000 steps, 5 epochs, .*hogwild on 2 threads; final loss [0-9.]+ \\(training [0-9.]+ s, [0-9.e+]+ updates/s\\); stopped: epoch limit \\(5\\)$"
if printf '%s\n' "$two" | grep -q -E "$summary"; then
    pass "the summary: updates, epochs, threads, training seconds apart"
else
    fail "the summary: updates, epochs, threads, training seconds apart" "$two"
fi
expect 0 "stopped: target loss reached" "--target-loss (the full-data loss after an epoch) stops" \
    "$descent" train --problem sparse-logreg $recipe --epochs 50 --hogwild --threads 2 \
    --target-loss "$(awk -v s="$sync" 'BEGIN { print s + 0.01 }')" --quiet
if "$descent" train --problem sparse-logreg $recipe --epochs 3 --hogwild --threads 2 \
    --schedule step --step-size 1 --log "$tmp/log.csv" --quiet >/dev/null 2>&1 &&
    awk -F, 'NR == 1 { next }
             { n++; d = $6 - 5 * 0.1 ^ (n - 1); ok += $1 == n * 1000 && $2 == n && d * d < 1e-20 }
             END { exit !(n == 3 && ok == 3) }' "$tmp/log.csv"; then
    pass "--log: one row per epoch (updates so far, epoch, the schedule's lr)"
else
    fail "--log: one row per epoch" "$(cat "$tmp/log.csv" 2>&1)"
fi

# (tests/test_hogwild.c refuses every other setting through the library)
run="$descent train --problem sparse-logreg --hogwild --epochs 1"
refuse "sparse-logreg has no MLP to --init" "--init does not apply to --problem sparse-logreg" \
    "$descent" train --problem sparse-logreg --init kaiming_normal
refuse "--hogwild on a dense problem" "--hogwild needs a sparse problem" \
    "$descent" train --problem linreg --hogwild
refuse "--hogwild --optimizer adam" "hogwild: plain SGD only, not adam" $run --optimizer adam
refuse "--hogwild --momentum" "hogwild: SGD without momentum" $run --momentum 0.9
refuse "--hogwild --batch full" "hogwild: mini-batches .*not the full batch" $run --batch full
refuse "--hogwild --max-steps" "hogwild: no max_steps" $run --max-steps 10
refuse "--hogwild --schedule-unit step" "hogwild: no per-step schedule" $run --schedule-unit step
refuse "--hogwild --save-state" "hogwild: no checkpoints" $run --save-state "$tmp/x.ckpt"
[ ! -e "$tmp/x.ckpt" ] && pass "a refused --save-state writes nothing" ||
    fail "a refused --save-state writes nothing"

# The bench rows: in the default suite (no filter), and their counters.
bench=$BUILDDIR/descent-bench
list=$("$bench" --benchmark_list_tests 2>&1)
missing=
for t in 1 2; do
    for kind in epoch/batch:1/real_time to_target/batch:1/iterations:1/real_time; do
        printf '%s\n' "$list" | grep -q "^BM_hogwild/sparse_logreg/$kind/threads:$t\$" ||
            missing="$missing $kind/threads:$t"
    done
done
[ -z "$missing" ] && pass "descent-bench lists BM_hogwild's rows on 1 and 2 threads" ||
    fail "descent-bench lists BM_hogwild's rows" "missing:$missing"
if "$bench" '--benchmark_filter=^BM_hogwild/.*threads:2$' --benchmark_min_time=0.01s \
    --benchmark_out="$tmp/bench.json" --benchmark_out_format=json >/dev/null 2>&1 &&
    awk '/"updates_per_second": [1-9]/ { u++ } /"seconds_to_target": [0-9]/ { s++ }
         /"epochs_to_target": [1-9]/ { e++ } /"sync_loss": [1-9]/ { y++ }
         END { exit !(u == 2 && s == 1 && e == 1 && y == 1) }' "$tmp/bench.json"; then
    pass "BM_hogwild's JSON: updates_per_second, seconds_to_target, epochs_to_target, sync_loss"
else
    fail "BM_hogwild's JSON counters" "$(grep -E 'name|_per_second|_target|_loss' "$tmp/bench.json" 2>&1 | head -n 12)"
fi

echo "# $n checks, $failures failed"
[ "$failures" -eq 0 ]
