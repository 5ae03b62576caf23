#!/bin/sh
# `descent golden` on schedule oracle files (FORMAT.md "Schedule files"):
# the public ones pass, a changed value FAILs (1), and every malformed
# variant is an ERROR (2) naming the file and line: an unknown scheduler or
# argument, an argument given twice or refused by the schedule, a record
# with too few or too many values, a missing or unexpected record.
. "$(dirname "$0")/tap.sh"
GOLDEN_DIR=${GOLDEN_DIR:-../shared/golden}
descent=$BUILDDIR/descent
cosine=$GOLDEN_DIR/sched/cosine_annealing_lr.txt
cyclic=$GOLDEN_DIR/sched/cyclic_lr.txt
plateau=$GOLDEN_DIR/sched/reduce_lr_on_plateau.txt
if command -v timeout >/dev/null 2>&1; then run="timeout 10 $descent"; else run=$descent; fi

# edit NAME SRC SED-SCRIPT: $tmp/NAME.txt is SRC edited by sed.
edit() {
    sed -e "$3" "$2" >"$tmp/$1.txt"
}
# corrupt NAME PATTERN: $tmp/NAME.txt is an ERROR with status 2 whose line
# matches "ERROR PATH:PATTERN".
corrupt() {
    expect 2 "^ERROR $tmp/$1.txt:$2" "$1: exit 2, ERROR $1.txt:$2" \
        $run golden "$tmp/$1.txt"
}

# ---------------------------------------------------------------- controls
expect 0 "^PASS +cosine_annealing_lr.txt +sched +cosine_annealing_lr steps=25 " \
    "control: cosine_annealing_lr.txt passes" $run golden "$cosine"
expect 0 "^PASS +cyclic_lr.txt +sched +cyclic_lr steps=20 \(with momentum\) " \
    "control: cyclic_lr.txt passes with its momentum values" $run golden "$cyclic"
# The third lr value, 0.0905463412215599, changed by 2e-12.
edit wrong_lr "$cosine" '/^lr_values/s/ 0\.0905463412215599 / 0.0905463412235599 /'
expect 1 "^FAIL +wrong_lr.txt +sched +lr after step 2: " \
    "control: an lr changed by 2e-12 FAILs with status 1" $run golden "$tmp/wrong_lr.txt"
edit wrong_momentum "$cyclic" '/^momentum_values/s/^momentum_values 0\.9 /momentum_values 0.9000001 /'
expect 1 "^FAIL +wrong_momentum.txt +sched +momentum after step 0: " \
    "control: a changed momentum FAILs with status 1" $run golden "$tmp/wrong_momentum.txt"

# ---------------------------------------------------------------- malformed
edit unknown_scheduler "$cosine" 's/^scheduler cosine_annealing_lr$/scheduler cosine_lr/'
corrupt unknown_scheduler "2: unknown scheduler: cosine_lr"
edit constant_scheduler "$cosine" 's/^scheduler cosine_annealing_lr$/scheduler constant/'
corrupt constant_scheduler "2: unknown scheduler: constant"
edit unknown_key "$cosine" 's/^eta_min /eta_minimum /'
corrupt unknown_key "5: unknown argument of cosine_annealing_lr: eta_minimum"
edit twice "$cosine" 's/^eta_min \(.*\)$/eta_min \1\nT_max 10/'
corrupt twice "6: argument given twice: T_max"
edit two_values "$cosine" 's/^T_max 10$/T_max 10 11/'
corrupt two_values "4: extra value on the record: T_max"
edit no_value "$cosine" 's/^T_max 10$/T_max/'
corrupt no_value "4: missing value: T_max"
edit refused "$cosine" 's/^T_max 10$/T_max 0/'
corrupt refused "2: invalid scheduler arguments: T_max 0 must be >= 1"
edit not_integer "$cosine" 's/^T_max 10$/T_max 10.5/'
corrupt not_integer "2: invalid scheduler arguments: cosine_annealing_lr: T_max=10.5 must be an integer"
edit missing_required "$cosine" '/^T_max /d'
corrupt missing_required "2: invalid scheduler arguments: cosine_annealing_lr: missing required argument 'T_max'"
edit no_lr "$cosine" '/^lr /d'
corrupt no_lr "3: expected 'lr': T_max"
edit steps_zero "$cosine" 's/^steps 25$/steps 0/'
corrupt steps_zero "6: steps must be an integer in \[1, "
edit no_steps "$cosine" '/^steps /,$d'
corrupt no_steps "[0-9]+: unexpected end of file, expected 'steps'"
edit short_lrs "$cosine" '/^lr_values/s/ [^ ]*$//'
corrupt short_lrs "7: 'lr_values' has 25 values, expected 26"
edit long_lrs "$cosine" '/^lr_values/s/$/ 0.1/'
corrupt long_lrs "7: extra value on the 'lr_values' record: 0.1"
edit nan_lr "$cosine" '/^lr_values/s/^lr_values 0\.1 /lr_values nan /'
corrupt nan_lr "7: not a finite number: nan"
edit no_momentum "$cyclic" '/^momentum_values/d'
corrupt no_momentum "[0-9]+: unexpected end of file, expected 'momentum_values'"
# cycle_momentum 0: the momentum_values record is one too many.
edit extra_momentum "$cyclic" 's/^cycle_momentum 1$/cycle_momentum 0/'
corrupt extra_momentum "15: unexpected record after the last expected one: momentum_values"
edit no_metrics "$plateau" '/^metrics/d'
corrupt no_metrics "13: expected 'metrics': lr_values"
edit short_metrics "$plateau" '/^metrics/s/ [^ ]*$//'
corrupt short_metrics "13: 'metrics' has 39 values, expected 40"
edit bad_mode "$plateau" 's/^mode min$/mode minimum/'
corrupt bad_mode "2: invalid scheduler arguments: reduce_lr_on_plateau: mode minimum is unknown!"
# One step more than one_cycle_lr's total_steps: PyTorch raises there.
onecycle=$GOLDEN_DIR/sched/one_cycle_lr.txt
edit past_total "$onecycle" 's/^steps 19$/steps 21/; /_values/s/$/ 0.1 0.1/'
expect 2 "^ERROR past_total.txt: step 21: one_cycle_lr: Tried to step 22 times" \
    "past_total: stepping past total_steps is an ERROR with exit 2" \
    $run golden "$tmp/past_total.txt"

[ "$failures" -eq 0 ]
