#!/bin/sh
# Runs each libFuzzer target (fuzz/*.c, built by the Makefile when configure
# found clang with libFuzzer) for FUZZ_TIME seconds from its seed corpus
# fuzz/corpus/<target>, and prints one TAP line per target with the number
# of inputs executed.  `make test` runs them briefly (3 s each) on a
# throw-away corpus; `make fuzz` (FUZZ_LONG=1) runs them for FUZZ_TIME
# (default 60 s) and keeps what they find in $BUILDDIR/fuzz/corpus/<target>.
# A crash leaves its input in $BUILDDIR/fuzz/crash-<target>-*; replay it
# with $BUILDDIR/fuzz/<target> FILE.
set -u
BUILDDIR=${BUILDDIR:-build}
FUZZ_TARGETS=${FUZZ_TARGETS:-}
FUZZ_LONG=${FUZZ_LONG:-0}
if [ "$FUZZ_LONG" = 1 ]; then time=${FUZZ_TIME:-60}; else time=${FUZZ_TIME_TEST:-3}; fi
n=0
if [ -z "$FUZZ_TARGETS" ]; then
    echo "ok 1 - fuzz targets # SKIP configure found no clang with libFuzzer (FUZZ_CC)"
    exit 0
fi
# Absolute paths: a target may change directory (cli_args works in an
# empty one) before libFuzzer reads the corpus.
case $BUILDDIR in /*) ;; *) BUILDDIR=$PWD/$BUILDDIR ;; esac
seeds=$PWD/fuzz/corpus
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for t in $FUZZ_TARGETS; do
    n=$((n + 1))
    bin=$BUILDDIR/fuzz/$t
    if [ "$FUZZ_LONG" = 1 ]; then
        work=$BUILDDIR/fuzz/corpus/$t
    else
        work=$tmp/corpus-$t
    fi
    mkdir -p "$work"
    # -close_fd_mask=3: the targets' own messages go nowhere; libFuzzer and
    # the sanitizers keep a copy of stderr for their reports.
    "$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -close_fd_mask=3 -artifact_prefix="$BUILDDIR/fuzz/crash-$t-" \
        "$work" "$seeds/$t" >"$tmp/log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$tmp/log" | tail -n 1)
    if [ "$status" -eq 0 ] && [ -n "$execs" ]; then
        echo "ok $n - fuzz $t: ${execs} execs in ${time} s (${cov:-cov: ?}), no crash"
    else
        echo "not ok $n - fuzz $t: status $status after ${execs:-?} execs"
        grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written|runtime error|#0 |#1 |#2 |#3 ' "$tmp/log" |
            head -n 20 | sed 's/^/#   /'
    fi
done
