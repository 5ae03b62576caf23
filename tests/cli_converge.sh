#!/bin/sh
# descent-converge: the lr grid is widened until the chosen lr is interior
# (an artificially narrow --lr-grid gets points added, and the JSON and
# summary say so), Fashion-MNIST chooses the lr on the validation split and
# reports the test split (JSON fields, when the data is installed), the
# mixed-precision section has its rows (Adam at that lr: fp32, bf16, fp16
# parameters, bf16 state, bf16 parameters rounded stochastically), and bad
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
    "$conv" --scope quick --only fmnist,precision --data "$data" --out "$tmp/fm" \
        >"$tmp/fm.log" 2>&1
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
    # the mixed-precision section: Adam at the fmnist section's lr, one row
    # per combination, accuracies in (0, 1] for each of the 2 epochs and at
    # the end; the fp32 row is the fmnist section's Adam run (same seeds and
    # epochs in scope quick) and 0 points from itself, the others differ
    # from it (1000 test images, 2 seeds: rounding every step moves them)
    adam=$(grep '"optimizer": "adam"' "$js" 2>/dev/null | head -n 1)
    if awk -v adam="$adam" '
        function num(line, key,   s) {
            if (!match(line, "\"" key "\": [^,}]*")) return "missing"
            s = substr(line, RSTART, RLENGTH); sub(/.*: /, "", s); return s
        }
        function accuracies(part, want,   k, v, c) {   # want numbers, each in (0, 1]
            gsub(/"[a-z]+": /, "", part); gsub(/[^0-9.e+-]+/, " ", part)
            c = split(part, v, " ")   # a null is no number: the count catches it
            if (c != want) bad = bad " count " c "/" want
            for (k = 1; k <= c; k++) if (!(v[k] + 0 > 0 && v[k] + 0 <= 1)) bad = bad " " v[k]
        }
        /"precision": \{/ { inside = 1; lr = num($0, "lr"); epochs = num($0, "epochs") }
        inside && /^    \{"run": / {
            rows++; run[rows] = num($0, "run") "/" num($0, "param_dtype") "/" num($0, "state_dtype") \
                "/" num($0, "stochastic_rounding")
            f = $0; sub(/.*"final_test_accuracy": \{/, "", f); sub(/\}.*/, "", f)
            accuracies(f, 3)
            e = $0; sub(/.*"test_accuracy_per_epoch": \{/, "", e); sub(/\}.*/, "", e)
            accuracies(e, 3 * epochs)
            if (rows == 1) { f32 = f; f32e = e; self = num($0, "final_minus_fp32_points") }
            # 16-bit storage reaches the loop: other accuracies than fp32 has
            else if (f " " e == f32 " " f32e) bad = bad " " run[rows] " same as fp32"
            if (rows == 2) { nearest = f " " e }
            # stochastic rounding reaches it too: other accuracies than nearest
            if (rows == 5 && f " " e == nearest) bad = bad " " run[rows] " same as bf16_params"
        }
        inside && /"wall_seconds"/ { inside = 0 }
        END {
            a = adam; sub(/.*"final": \{/, "", a); sub(/\}.*/, "", a)
            want = "\"fp32\"/\"fp32\"/\"fp32\"/false \"bf16_params\"/\"bf16\"/\"fp32\"/false " \
                   "\"bf16_params_state\"/\"bf16\"/\"bf16\"/false " \
                   "\"fp16_params\"/\"fp16\"/\"fp32\"/false " \
                   "\"bf16_params_sr\"/\"bf16\"/\"fp32\"/true"
            got = run[1] " " run[2] " " run[3] " " run[4] " " run[5]
            if (rows != 5 || got != want) bad = bad " rows " rows ": " got
            if (lr != num(adam, "best_lr")) bad = bad " lr " lr " vs adam " num(adam, "best_lr")
            if (epochs != 2 || self != 0 || f32 != a) bad = bad " fp32 row: " f32 " vs " a
            if (bad != "") { print bad; exit 1 }
        }' "$js" >"$tmp/prec.txt" 2>&1 &&
        for r in fp32 bf16_params bf16_params_state fp16_params bf16_params_sr; do
            c=$tmp/fm/curves/precision_$r.csv
            [ "$(head -n 1 "$c")" = step,epoch,seconds,train_loss,test_acc ] &&
                [ "$(wc -l <"$c")" -eq 3 ] || exit 1
        done &&
        [ "$(grep -c -E '^  (fp32|bf16_params(_state|_sr)?|fp16_params) +(fp32|bf16|fp16) ' \
            "$tmp/fm/convergence_summary.txt")" -eq 5 ]; then
        pass "precision: Adam at the fmnist lr, fp32/bf16/bf16+state/fp16/bf16-sr rows (JSON etc.)"
    else
        fail "precision: one row per dtype combination with accuracies in (0, 1]" \
            "$(cat "$tmp/prec.txt" 2>/dev/null)" "$(grep -A 6 '"precision"' "$js" 2>/dev/null)" \
            "$(tail -n 3 "$tmp/fm.log")"
    fi
else
    skip "fmnist: validation for the choice, test for the report" "no Fashion-MNIST data"
    skip "precision: one row per dtype combination" "no Fashion-MNIST data"
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
