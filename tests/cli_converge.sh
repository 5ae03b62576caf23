#!/bin/sh
# descent-converge: the lr grid is widened until the chosen lr is interior
# (an artificially narrow --lr-grid gets points added, and the JSON and
# summary say so), Fashion-MNIST chooses the lr on the validation split and
# reports the test split (JSON fields, when the data is installed), and bad
# flags exit 2 with one line.  A few seconds (scope quick).
. "$(dirname "$0")/tap.sh"
conv=$BUILDDIR/descent-converge
require_built "$conv"

# 1. bracketing: a one-point grid far below every good lr is widened upwards
"$conv" --scope quick --only linreg --lr-grid 1e-5,1e-5,10 --out "$tmp/narrow" \
    >"$tmp/narrow.log" 2>&1
status=$?
js=$tmp/narrow/convergence.json
sgd=$(grep '"optimizer": "sgd"' "$js" 2>/dev/null | head -n 1)
if [ $status -eq 0 ] && printf '%s\n' "$sgd" | grep -q '"bracketed": true' &&
    printf '%s\n' "$sgd" | grep -q '"widened": true' &&
    printf '%s\n' "$sgd" | grep -q -E '"widened_high": [1-9]' &&
    ! printf '%s\n' "$sgd" | grep -q '"best_lr": 1e-05,'; then
    pass "--lr-grid 1e-5,1e-5: the grid is widened upwards until the best lr is bracketed"
else
    fail "--lr-grid 1e-5,1e-5: the grid is widened until bracketed" "status $status" \
        "$sgd" "$(tail -n 5 "$tmp/narrow.log")"
fi
if grep -q -E '^  sgd +[0-9.e-]+ (-[0-9]+)?\+[1-9]' "$tmp/narrow/convergence_summary.txt" 2>/dev/null; then
    pass "the summary marks the widened grid (+N points above)"
else
    fail "the summary marks the widened grid" "$(cat "$tmp/narrow/convergence_summary.txt")"
fi
# every lr the JSON lists was run: best_lr is one of them and not at an edge
if printf '%s\n' "$sgd" | awk '{
        match($0, /"best_lr": [^,]*/); best = substr($0, RSTART + 11, RLENGTH - 11)
        match($0, /"lr_grid": \[[^]]*/); n = split(substr($0, RSTART + 12, RLENGTH - 12), g, ", ")
        for (i = 2; i < n; i++) if (g[i] + 0 == best + 0) found = 1
        exit !(found && n >= 3)
    }'; then
    pass "the chosen lr is an interior point of the (widened) grid"
else
    fail "the chosen lr is an interior point of the grid" "$sgd"
fi

# 2. validation for the choice, test for the report (Fashion-MNIST)
data=$(config DATA_DIR)
if [ -n "$data" ] && [ -f "$data/train-images-idx3-ubyte.gz" -o -f "$data/train-images-idx3-ubyte" ]; then
    "$conv" --scope quick --only fmnist --data "$data" --out "$tmp/fm" >"$tmp/fm.log" 2>&1
    status=$?
    js=$tmp/fm/convergence.json
    if [ $status -eq 0 ] && grep -q '"selection_split": "validation"' "$js" &&
        grep -q '"selection_metric": "validation_accuracy"' "$js" &&
        grep -q '"validation_images": 500' "$js" && grep -q '"report_split": "test"' "$js" &&
        grep -q '"report_metric": "test_accuracy"' "$js" && grep -q '"test_images": 1000' "$js" &&
        head -n 1 "$tmp/fm/curves/lrsens_fmnist_adam.csv" | grep -q '^lr,validation_accuracy$' &&
        head -n 1 "$tmp/fm/curves/fmnist_adam.csv" | grep -q ',test_acc$'; then
        pass "fmnist: lr chosen on the validation split, the test split reported (JSON, CSV)"
    else
        fail "fmnist: validation for the choice, test for the report" "status $status" \
            "$(grep -E 'split|metric|images' "$js" 2>/dev/null | head -n 4)" \
            "$(tail -n 3 "$tmp/fm.log")"
    fi
else
    skip "fmnist: validation for the choice, test for the report" "no Fashion-MNIST data"
fi

# 3. bad flags: one line, exit 2, nothing written
for args in "--lr-grid" "--lr-grid abc" "--lr-grid 1e-2" "--lr-grid 1,0.1" \
    "--lr-grid 1e-3,1,1" "--lr-grid 1e-3,1,x" "--lr-grid 0,1" "--scope bogus" \
    "--only linreg,nope" "--bogus"; do
    # shellcheck disable=SC2086
    refuse "descent-converge $args" 'descent-converge: ' "$conv" $args --out "$tmp/bad"
done
if [ ! -e "$tmp/bad" ]; then
    pass "a refused command line writes no results"
else
    fail "a refused command line writes no results" "$(ls -A "$tmp/bad")"
fi

echo "1..$n"
[ "$failures" -eq 0 ]
