#!/bin/sh
# Output files and exit statuses (descent.h, "Output files"): every writer
# (descent train --log, descent-bench --benchmark_out, descent-converge)
# leaves a device or FIFO a device or FIFO, never mixes two runs, leaves no
# partial file or temporary when killed or when a later output fails, finds
# an unwritable path before running, and reports a write error on the
# output or on stdout with exit status 2.
#
# Devices are private nodes made in $tmp (mknod, as root), never the real
# /dev/null: a regression must not be able to destroy the machine's.
. "$(dirname "$0")/tap.sh"
D=$BUILDDIR/descent
SELFTEST=$BUILDDIR/bench/harness_selftest
CONVERGE=$BUILDDIR/descent-converge
fast=--benchmark_min_time=0.01s
quick="--problem linreg --epochs 5 --quiet"

# leftovers DIR: the temporaries and partial files a writer may leave in DIR.
leftovers() { ls -A "$1" | grep '\.tmp' ; }

# is_char DEV: DEV is still a character device (not replaced by a file).
is_char() { [ -c "$1" ] && [ ! -L "$1" ]; }

# --------------------------------------------------------------- devices
have_nodes=0
if mknod "$tmp/null" c 1 3 2>/dev/null && mknod "$tmp/full" c 1 7 2>/dev/null; then
    have_nodes=1
fi
# device_stays NAME DEVICE COMMAND...: the command exits 0 and DEVICE is
# still a character device.
device_stays() {
    name=$1 dev=$2
    shift 2
    "$@" >/dev/null 2>&1
    status=$?
    if [ $status -eq 0 ] && is_char "$dev"; then
        pass "$name"
    else
        fail "$name" "status $status" "$(ls -l "$tmp")"
    fi
}
if [ $have_nodes = 1 ]; then
    device_stays "train --log on a null device: written directly, the device stays" \
        "$tmp/null" "$D" train $quick --log "$tmp/null"
    device_stays "descent-bench --benchmark_out on a null device: the device stays" \
        "$tmp/null" "$SELFTEST" "$fast" --benchmark_filter=memcpy/8 --benchmark_out="$tmp/null"
    expect 2 "--log: error writing $tmp/full: No space left on device" \
        "train --log on a full device (ENOSPC): exit 2" "$D" train $quick --log "$tmp/full"
    is_char "$tmp/full" && pass "the full device stays a device" ||
        fail "the full device stays a device" "$(ls -l "$tmp")"
    expect 2 "error writing $tmp/full: No space left on device" \
        "descent-bench --benchmark_out on a full device: exit 2" \
        "$SELFTEST" "$fast" --benchmark_filter=memcpy/8 --benchmark_out="$tmp/full"
    expect 2 "error writing standard output: No space left on device" \
        "train with stdout on a full device: exit 2" sh -c "'$D' train $quick >'$tmp/full'"
    expect 2 "error writing standard output: No space left on device" \
        "info with stdout on a full device: exit 2" sh -c "'$D' info >'$tmp/full'"
    expect 2 "error writing standard output" \
        "descent-bench with stdout on a full device: exit 2" \
        sh -c "'$SELFTEST' $fast --benchmark_filter=memcpy/8 >'$tmp/full'"
else
    skip "device nodes" "mknod needs root"
fi

# /dev/stdout is a link into /proc/self/fd: written through, the file the
# shell redirected stdout to keeps its inode and receives the log.
ln -s /proc/self/fd/1 "$tmp/stdout"
: >"$tmp/redirected"
inode=$(ls -i "$tmp/redirected" | cut -d' ' -f1)
"$D" train $quick --log "$tmp/stdout" >"$tmp/redirected" 2>&1
status=$?
if [ $status -eq 0 ] && [ -L "$tmp/stdout" ] && grep -q '^step,epoch' "$tmp/redirected" &&
    grep -q '^train: linreg' "$tmp/redirected" &&
    [ "$(ls -i "$tmp/redirected" | cut -d' ' -f1)" = "$inode" ]; then
    pass "train --log /dev/stdout-style link: log and summary on the redirected stdout"
else
    fail "train --log /dev/stdout-style link: log and summary on the redirected stdout" \
        "status $status" "$(ls -li "$tmp")" "$(head -n 3 "$tmp/redirected")"
fi

# A FIFO: written directly (a reader gets the log), not replaced.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/fifo.out" &
reader=$!
timeout 20 "$D" train $quick --log "$tmp/fifo" >/dev/null 2>&1
status=$?
# The reader ends at the writer's close; one still blocked in open (the
# FIFO was replaced, never opened) is stopped after 5 s.
i=0
while [ $i -lt 50 ] && kill -0 $reader 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
kill $reader 2>/dev/null
wait $reader 2>/dev/null
if [ $status -eq 0 ] && [ -p "$tmp/fifo" ] && [ "$(wc -l <"$tmp/fifo.out")" -eq 6 ]; then
    pass "train --log on a FIFO: the reader gets the 6 lines, the FIFO stays"
else
    fail "train --log on a FIFO: the reader gets the 6 lines, the FIFO stays" \
        "status $status" "$(ls -l "$tmp")"
fi

# A symbolic link to a regular file stays a link; its target gets the log.
echo previous >"$tmp/target.csv"
ln -s target.csv "$tmp/link.csv"
"$D" train $quick --log "$tmp/link.csv" >/dev/null 2>&1
if [ -L "$tmp/link.csv" ] && [ "$(wc -l <"$tmp/target.csv")" -eq 6 ]; then
    pass "train --log through a symbolic link: the link stays, the target is replaced"
else
    fail "train --log through a symbolic link: the link stays, the target is replaced" \
        "$(ls -l "$tmp")"
fi

# --------------------------------------------------- two runs, one path
# Each writes its own temporary: the result is one run's complete log,
# never a mix, and both succeed.
rm -f "$tmp/same.csv"
"$D" train --problem rosenbrock --epochs 150000 --quiet --log "$tmp/same.csv" \
    >/dev/null 2>"$tmp/a.err" &
a=$!
"$D" train --problem rosenbrock --epochs 100000 --quiet --log "$tmp/same.csv" \
    >/dev/null 2>"$tmp/b.err" &
b=$!
wait $a; sa=$?
wait $b; sb=$?
lines=$(wc -l <"$tmp/same.csv")
headers=$(grep -c '^step,' "$tmp/same.csv")
contiguous=$(awk -F, 'NR > 1 && $1 != NR - 1 { bad = 1 } END { print bad ? 0 : 1 }' \
    "$tmp/same.csv")
if [ $sa -eq 0 ] && [ $sb -eq 0 ] && [ "$headers" -eq 1 ] && [ "$contiguous" = 1 ] &&
    { [ "$lines" -eq 150001 ] || [ "$lines" -eq 100001 ]; } && [ -z "$(leftovers "$tmp")" ]; then
    pass "two runs with one --log: both exit 0, the file is one whole log"
else
    fail "two runs with one --log: both exit 0, the file is one whole log" \
        "status $sa $sb, $lines lines, $headers headers, steps contiguous: $contiguous" \
        "$(cat "$tmp/a.err" "$tmp/b.err")" "$(leftovers "$tmp")"
fi

# ------------------------------------------------------- killed runs
# The background job's SIGINT is ignored by sh; python resets it to the
# default before exec, as an interactive shell would.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo)
for sig in INT TERM HUP; do
    mkdir -p "$tmp/kill$sig"
    echo previous >"$tmp/kill$sig/log.csv"
    if [ -n "$PY" ]; then
        "$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$D" train --problem rosenbrock --epochs 100000000 \
            --quiet --log "$tmp/kill$sig/log.csv" >/dev/null 2>&1 &
    else
        "$D" train --problem rosenbrock --epochs 100000000 --quiet \
            --log "$tmp/kill$sig/log.csv" >/dev/null 2>&1 &
    fi
    pid=$!
    # wait until the run is writing its temporary; the block's stderr is
    # the shell's, which would announce "Terminated"
    {
        i=0
        while [ $i -lt 100 ] && [ -z "$(leftovers "$tmp/kill$sig")" ]; do
            sleep 0.05
            i=$((i + 1))
        done
        sleep 0.2
        kill -$sig $pid
        wait $pid
        status=$?
    } 2>/dev/null
    if [ $status -ge 128 ] && [ "$(cat "$tmp/kill$sig/log.csv")" = previous ] &&
        [ -z "$(leftovers "$tmp/kill$sig")" ]; then
        pass "train --log killed by SIG$sig: old log kept, no temporary left"
    else
        fail "train --log killed by SIG$sig: old log kept, no temporary left" \
            "status $status" "$(ls -l "$tmp/kill$sig")"
    fi
done

# A file-size limit (SIGXFSZ): the write fails with EFBIG, exit 2, nothing left.
mkdir "$tmp/fsz"
out=$(ulimit -f 64 && "$D" train --problem rosenbrock --epochs 1000000 --quiet \
    --log "$tmp/fsz/big.csv" 2>&1)
status=$?
if [ $status -eq 2 ] && printf '%s\n' "$out" | grep -q 'File too large' &&
    [ -z "$(ls -A "$tmp/fsz")" ]; then
    pass "train --log over the file-size limit: exit 2 (EFBIG), no partial file"
else
    fail "train --log over the file-size limit: exit 2 (EFBIG), no partial file" \
        "status $status" "$out" "$(ls -l "$tmp/fsz")"
fi

# -------------------------------------------------- errors found early
mkdir "$tmp/logdir"
expect 2 "--log: cannot write $tmp/logdir: Is a directory" "train --log naming a directory" \
    "$D" train $quick --log "$tmp/logdir"
out=$("$D" train --problem linreg --epochs 5 --log "$tmp/logdir" 2>&1)
if printf '%s\n' "$out" | grep -q -E '^(train:|epoch )'; then
    fail "train --log naming a directory fails before training" "$out"
else
    pass "train --log naming a directory fails before training"
fi
expect 2 "--log: cannot write $tmp/no/such/dir.csv: No such file or directory" \
    "train --log in a missing folder" "$D" train $quick --log "$tmp/no/such/dir.csv"

# A closed stdout: exit 2, and no file opened later receives the output.
expect 2 "error writing standard output: Bad file descriptor" "train with stdout closed" \
    sh -c "'$D' train $quick >&-"
expect 2 "error writing standard output" "golden --help with stdout closed" \
    sh -c "'$D' golden --help >&-"
sh -c "'$D' train $quick --log '$tmp/closed.csv' >&-" 2>/dev/null
if [ "$(wc -l <"$tmp/closed.csv")" -eq 6 ] && ! grep -q '^train:' "$tmp/closed.csv"; then
    pass "stdout closed: the summary does not land in the --log file"
else
    fail "stdout closed: the summary does not land in the --log file" "$(cat "$tmp/closed.csv")"
fi
expect 2 "error writing standard output" "descent-bench with stdout closed" \
    sh -c "'$SELFTEST' $fast --benchmark_filter=memcpy/8 >&-"
expect 2 "error writing standard output" "descent-converge --help with stdout closed" \
    sh -c "'$CONVERGE' --help >&-"

# ------------------------------------------------------ exit statuses
# Huge but finite gradients walk the parameters to inf while every
# non-finite gradient after that is skipped: the run ends at its epoch
# limit with a non-finite loss, a failed run.
expect 1 "the final f is not finite" "--on-nonfinite skip ending non-finite: exit 1" \
    "$D" train --problem quadratic --optimizer sgd --lr 1e38 --on-nonfinite skip \
    --max-skips 0 --epochs 20 --quiet
if "$D" info | grep -q '^variants:.* neon'; then
    skip "DESCENT_ISA naming a variant this build lacks" "this build has neon"
else
    expect 2 "ISA 'neon' is not compiled into this build" \
        "DESCENT_ISA=neon descent info on a build without it: exit 2" \
        env DESCENT_ISA=neon "$D" info
fi

# ---------------------------------------------------- descent-converge
mkdir "$tmp/conv"
"$CONVERGE" --scope quick --only linreg --out "$tmp/conv" >/dev/null 2>&1
cp "$tmp/conv/convergence.json" "$tmp/conv.before"
expect 2 "--only: unknown name 'foo'" "descent-converge --only with an unknown name: exit 2" \
    "$CONVERGE" --scope quick --only linreg,foo --out "$tmp/conv"
cmp -s "$tmp/conv/convergence.json" "$tmp/conv.before" &&
    pass "an unknown --only name leaves the previous results" ||
    fail "an unknown --only name leaves the previous results"
# A later output that cannot be written (curves/ is a file): exit 2, and
# the reports already open are removed, not left as temporaries.
mkdir "$tmp/conv2"
: >"$tmp/conv2/curves"
expect 2 "cannot write $tmp/conv2/curves/.*Not a directory" \
    "descent-converge: a later output fails: exit 2" \
    "$CONVERGE" --scope quick --only linreg --out "$tmp/conv2"
if [ "$(ls -A "$tmp/conv2")" = curves ]; then
    pass "descent-converge: no temporary or partial report left after the failure"
else
    fail "descent-converge: no temporary or partial report left after the failure" \
        "$(ls -A "$tmp/conv2")"
fi

echo "# $n checks, $failures failed"
[ "$failures" -eq 0 ]
