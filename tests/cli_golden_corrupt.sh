#!/bin/sh
# `descent golden` on corrupt oracle files: each one must be an ERROR with
# exit status 2 and a message naming the file, line and problem, never a
# PASS (a corrupt oracle that passes checks nothing), never a hang.  The
# variants are made from the public files: non-finite and out-of-range
# values, truncation, extra words on a record, n 0, files that are not
# regular files.  Controls: the good files pass (0), a wrong value FAILs (1),
# and a float32 denormal is a value like any other.
. "$(dirname "$0")/tap.sh"
GOLDEN_DIR=${GOLDEN_DIR:-../shared/golden}
descent=$BUILDDIR/descent
good=$GOLDEN_DIR/optim/adam_default.txt
mlp=$GOLDEN_DIR/mlp/mlp_5_7_3_relu_ce_b4.txt
mse=$GOLDEN_DIR/mlp/mlp_4_6_6_2_tanh_mse_b3.txt
# Bounds every run, so that a regression that blocks (on a FIFO) shows as a
# failed case instead of a hung test suite.
if command -v timeout >/dev/null 2>&1; then run="timeout 10 $descent"; else run=$descent; fi

# poke SRC RECORD I VALUE DST: DST is SRC with value number I (from 1) of the
# record whose line begins with "RECORD " (e.g. "param 2") set to VALUE.
poke() {
    awk -v rec="$2 " -v i="$3" -v v="$4" \
        'index($0, rec) == 1 { $(split(rec, w, " ") + i) = v } { print }' "$1" >"$5"
}
# cut_bytes SRC K DST: DST is SRC without its last K bytes.
cut_bytes() {
    head -c "$(($(wc -c <"$1") - $2))" "$1" >"$3"
}
# corrupt NAME PATTERN [SHOWN]: the corrupt file $tmp/NAME.txt is an ERROR
# with status 2, its line matching "ERROR PATH:PATTERN" (SHOWN: PATTERN as
# the test name shows it, when PATTERN has regex syntax).
corrupt() {
    expect 2 "^ERROR $tmp/$1.txt:$2" "$1: exit 2, ERROR $1.txt:${3:-$2}" \
        $run golden --isa scalar "$tmp/$1.txt"
}

# ---------------------------------------------------------------- controls
expect 0 "^PASS +adam_default.txt" "control: adam_default.txt passes" $run golden "$good"
expect 0 "^PASS +mlp_5_7_3_relu_ce_b4.txt" "control: the MLP file passes" $run golden "$mlp"
poke "$good" "param 4" 2 5 "$tmp/wrong.txt"
expect 1 "^FAIL +wrong.txt +adam +step 4 index 1: .* want 5 " \
    "control: a param value changed a lot FAILs with status 1" $run golden "$tmp/wrong.txt"
# 1e-40 is a float32 denormal (strtof sets ERANGE for it): a value, not an
# error.  In place of a 0 of dW1, it is within the tolerance.
poke "$mlp" dW1 1 1e-40 "$tmp/denormal.txt"
expect 0 "^PASS +denormal.txt" "a float32 denormal (1e-40) is accepted" \
    $run golden "$tmp/denormal.txt"

# ------------------------------------------------ non-finite, out of range
poke "$good" "param 2" 3 nan "$tmp/param_nan.txt"
corrupt param_nan "16: not a finite number: nan"
poke "$good" "param 5" 16 inf "$tmp/param_inf.txt"
corrupt param_inf "22: not a finite number: inf"
poke "$good" "param 1" 1 -inf "$tmp/param_neginf.txt"
corrupt param_neginf "14: not a finite number: -inf"
poke "$good" "param 3" 7 1e39 "$tmp/param_1e39.txt"
corrupt param_1e39 "18: out of float32 range: 1e39"
poke "$good" "grad 2" 5 nan "$tmp/grad_nan.txt"
corrupt grad_nan "15: not a finite number: nan"
poke "$good" "grad 3" 2 inf "$tmp/grad_inf.txt"
corrupt grad_inf "17: not a finite number: inf"
poke "$good" "grad 1" 9 -inf "$tmp/grad_neginf.txt"
corrupt grad_neginf "13: not a finite number: -inf"
poke "$good" "grad 6" 1 1e39 "$tmp/grad_1e39.txt"
corrupt grad_1e39 "23: out of float32 range: 1e39"
poke "$good" "grad 4" 3 -1e39 "$tmp/grad_neg1e39.txt"
corrupt grad_neg1e39 "19: out of float32 range: -1e39"
poke "$good" init 4 1e39 "$tmp/init_1e39.txt"
corrupt init_1e39 "12: out of float32 range: 1e39"
poke "$good" init 1 nan "$tmp/init_nan.txt"
corrupt init_nan "12: not a finite number: nan"
sed 's/^lr 0.05$/lr inf/' "$good" >"$tmp/lr_inf.txt"
corrupt lr_inf "4: not a finite number: inf"
sed 's/^eps 1e-08$/eps 1e400/' "$good" >"$tmp/eps_1e400.txt"
corrupt eps_1e400 "7: out of range: 1e400"
poke "$mlp" W2 3 nan "$tmp/mlp_nan.txt"
corrupt mlp_nan "11: not a finite number: nan"
poke "$mlp" dW2 2 1e39 "$tmp/mlp_1e39.txt"
corrupt mlp_1e39 "18: out of float32 range: 1e39"
poke "$mlp" loss_value 1 1e39 "$tmp/loss_1e39.txt"
corrupt loss_1e39 "15: out of float32 range: 1e39"

# A poisoned S_t: 1e39 in param 1 made S_t infinite, so the tolerance from
# step 1 on was infinite and a wrong trajectory after it passed.
poke "$good" "param 1" 2 1e39 "$tmp/poison.tmp"
poke "$tmp/poison.tmp" "param 3" 1 9 "$tmp/poison2.tmp"
poke "$tmp/poison2.tmp" "param 6" 5 -7 "$tmp/poisoned.txt"
corrupt poisoned "14: out of float32 range: 1e39"
expect 2 "golden: 0 passed, 1 failed" "poisoned: not counted as passed" \
    $run golden --isa scalar "$tmp/poisoned.txt"

# ---------------------------------------------------------------- truncated
for k in 1 3 10; do
    cut_bytes "$good" "$k" "$tmp/cut$k.txt"
    corrupt "cut$k" "24: truncated: the last line does not end with a newline"
done
cut_bytes "$mlp" 3 "$tmp/mlp_cut3.txt"
corrupt mlp_cut3 "19: truncated"

# ------------------------------------------------- extra words on a record
sed 's/^optimizer adam$/optimizer adam sgd/' "$good" >"$tmp/extra_optimizer.txt"
corrupt extra_optimizer "3: extra value on the 'optimizer' record: sgd"
sed 's/^n 16$/n 16 16/' "$good" >"$tmp/extra_n.txt"
corrupt extra_n "10: extra value on the 'n' record: 16"
sed 's/^model mlp$/model mlp extra/' "$mlp" >"$tmp/extra_model.txt"
corrupt extra_model "4: extra value on the 'model' record: extra"
sed 's/^activation relu$/activation relu x/' "$mlp" >"$tmp/extra_activation.txt"
corrupt extra_activation "6: extra value on the 'activation' record: x"
sed 's/^loss mse$/loss mse y/' "$mse" >"$tmp/extra_loss.txt"
corrupt extra_loss "7: extra value on the 'loss' record: y"
sed 's/^loss_value \(.*\)$/loss_value \1 0/' "$mlp" >"$tmp/extra_loss_value.txt"
corrupt extra_loss_value "15: extra value on the 'loss_value' record: 0"

# ------------------------------------- ASGD's ax rows and the maximize line
asgd=$GOLDEN_DIR/optim-extra/asgd_default.txt
maximize=$GOLDEN_DIR/optim-extra/adam_maximize.txt
if [ -f "$asgd" ] && [ -f "$maximize" ]; then
    # ax is checked like param: a wrong ax value FAILs, naming ax
    poke "$asgd" "ax 6" 3 5 "$tmp/ax_wrong.txt"
    expect 1 "^FAIL +ax_wrong.txt +asgd +step 6 ax index 2: .* want 5 " \
        "a wrong ax value FAILs, naming ax" $run golden --isa scalar "$tmp/ax_wrong.txt"
    # once step 1 has an ax row, every step needs one
    grep -v '^ax 4 ' "$asgd" >"$tmp/ax_missing.txt"
    corrupt ax_missing "[0-9]+: expected 'ax': grad" "N: expected 'ax': grad"
    # maximize is a flag; an adam_maximize file without its line is plain Adam
    sed 's/^maximize 1$/maximize 2/' "$maximize" >"$tmp/maximize_2.txt"
    corrupt maximize_2 "[0-9]+: boolean must be 0 or 1: maximize" \
        "N: boolean must be 0 or 1: maximize"
    grep -v '^maximize ' "$maximize" >"$tmp/maximize_dropped.txt"
    expect 1 "^FAIL +maximize_dropped.txt +adam +step [0-9]+ " \
        "without its maximize line the file is replayed as a minimizing Adam, and FAILs" \
        $run golden --isa scalar "$tmp/maximize_dropped.txt"
fi

# ------------------------------------------- nothing to check: n 0
awk '/^n / { print "n 0"; next } /^init / { print "init"; next }
     /^(grad|param) / { print $1 " " $2; next } { print }' "$good" >"$tmp/n0_empty.txt"
corrupt n0_empty "10: n must be an integer in [[]1, " "10: n must be an integer in [1, ..."

# ------------------------------------------------- L-BFGS files
lbfgs=$GOLDEN_DIR/lbfgs/lbfgs_quadratic.txt
expect 0 "^PASS +lbfgs_quadratic.txt +lbfgs +quadratic none n=16 steps=4 func_evals=16 " \
    "control: the L-BFGS file passes" $run golden "$lbfgs"
sed 's/^func_evals 3 12$/func_evals 3 11/' "$lbfgs" >"$tmp/lbfgs_evals.txt"
expect 1 "^FAIL +lbfgs_evals.txt +lbfgs +step 3: func_evals 12, want 11" \
    "an L-BFGS func_evals one off FAILs with status 1" $run golden "$tmp/lbfgs_evals.txt"
poke "$lbfgs" "param 2" 3 2 "$tmp/lbfgs_wrong.txt"
expect 1 "^FAIL +lbfgs_wrong.txt +lbfgs +step 2 index 2: .* want 2 " \
    "an L-BFGS param value changed FAILs with status 1" $run golden "$tmp/lbfgs_wrong.txt"
sed 's/^problem quadratic$/problem sphere/' "$lbfgs" >"$tmp/lbfgs_problem.txt"
corrupt lbfgs_problem "10: unknown problem: sphere"
sed 's/^line_search_fn none$/line_search_fn wolfe/' "$lbfgs" >"$tmp/lbfgs_ls.txt"
corrupt lbfgs_ls "9: unknown line_search_fn: wolfe"
sed 's/^history_size 3$/history_size 0/' "$lbfgs" >"$tmp/lbfgs_history.txt"
corrupt lbfgs_history "8: history_size must be an integer in [[]1, " \
    "8: history_size must be an integer in [1, ..."
sed 's/^func_evals 2 8$/func_evals 2 8.5/' "$lbfgs" >"$tmp/lbfgs_fraction.txt"
corrupt lbfgs_fraction "19: func_evals must be a positive integer"
sed '$d' "$lbfgs" >"$tmp/lbfgs_short.txt"
corrupt lbfgs_short "23: unexpected end of file, expected 'func_evals'"
# ------------------------------------- segments (LAMB) and clipping files
lamb=$GOLDEN_DIR/optim-extra/lamb_default.txt
clip=$GOLDEN_DIR/clip/clip_grad_norm_inf.txt
expect 0 "^PASS +clip_grad_norm_inf.txt" "control: a clipping file passes" $run golden "$clip"
poke "$clip" clipped 3 0.1 "$tmp/clip_wrong.txt"
expect 1 "^FAIL +clip_wrong.txt +clip_norm index 2: " \
    "control: a clipped value changed FAILs with status 1" $run golden "$tmp/clip_wrong.txt"
sed 's/^segments 3 16 5 3$/segments 3 16 5 4/' "$lamb" >"$tmp/lamb_seg_sum.txt"
corrupt lamb_seg_sum "[0-9]+: a segment size must be an integer >= 1 within n: 4" \
    "N: a segment size must be an integer >= 1 within n: 4"
sed 's/^segments 3 16 5 3$/segments 3 16 5/' "$lamb" >"$tmp/lamb_seg_few.txt"
corrupt lamb_seg_few "[0-9]+: fewer segment sizes than the count says" \
    "N: fewer segment sizes than the count says"
sed '/^segments /d' "$lamb" >"$tmp/lamb_no_segments.txt"
corrupt lamb_no_segments "[0-9]+: expected 'segments'" "N: expected 'segments'"
sed 's/^norm_type inf$/norm_type -1/' "$clip" >"$tmp/clip_norm_type.txt"
corrupt clip_norm_type "4: norm_type must be > 0 or inf: -1"
sed 's/^clip clip_grad_norm$/clip clip_grad_max/' "$clip" >"$tmp/clip_kind.txt"
corrupt clip_kind "2: clip must be clip_grad_norm or clip_grad_value: clip_grad_max"
sed '/^total_norm /d' "$clip" >"$tmp/clip_no_total.txt"
corrupt clip_no_total "[0-9]+: expected 'total_norm'" "N: expected 'total_norm'"

# ------------------------------------------------- not a regular file
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$tmp/fifo.txt" 2>/dev/null; then
    expect 2 "^ERROR $tmp/fifo.txt: cannot open: not a regular file \\(a FIFO\\)" \
        "a FIFO is refused at once, not waited on" $run golden "$tmp/fifo.txt"
else
    skip "a FIFO is refused at once" "mkfifo not available"
fi
mkdir "$tmp/dir.txt"
expect 2 "^ERROR $tmp/dir.txt: cannot open: not a regular file \\(a directory\\)" \
    "a directory is refused" $run golden "$tmp/dir.txt"
expect 2 "^ERROR /dev/null: cannot open: not a regular file \\(a character device\\)" \
    "/dev/null is refused" $run golden /dev/null

# ------------------------------------------------- status precedence
expect 2 "golden: 1 passed, 2 failed, 0 skipped" \
    "a malformed file among a PASS and a FAIL: status 2 (the run is not a valid check)" \
    $run golden --isa scalar "$good" "$tmp/wrong.txt" "$tmp/cut3.txt"
expect 0 "^Exit status: 0 .* 1 .*FAIL" "golden --help documents the exit statuses" \
    $run golden --help
[ "$failures" -eq 0 ]
