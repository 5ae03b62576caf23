#!/bin/sh
# Runs every test of descent and ends with one line "N passed, M failed".
#
# Each test program prints TAP-style lines ("ok 3 - name", "not ok 4 - name")
# and the oracle runner prints PASS/FAIL/SKIP/ERROR per file; this script
# shows their output, counts those lines, counts a program that crashes or
# exits non-zero without reporting a failure as one failure, and exits
# non-zero if anything failed.
set -u
BUILDDIR=${BUILDDIR:-build}
GOLDEN_DIR=${GOLDEN_DIR:-../shared/golden}
export BUILDDIR GOLDEN_DIR
# The tests run teams of up to 3 threads on machines with 2 cores: idle
# OpenMP threads sleep instead of spinning, or a team that outnumbers the
# cores spends its time waiting for a preempted member (test_mixed: 8.2 s
# spinning, 3.3 s passive).  The results do not depend on it.
OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
export OMP_WAIT_POLICY

# make test SANITIZE=1 (ASan+UBSan build): leaks are errors except libgomp's
# thread pool, which lives until exit (tests/lsan.supp); huge allocations
# return NULL (the out-of-memory tests) instead of aborting; programs and
# scripts that honour DESCENT_TEST_QUICK use their smaller sizes.
if [ "${SANITIZE:-}" = 1 ]; then
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:detect_stack_use_after_return=1
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0
    DESCENT_TEST_QUICK=1
    export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS DESCENT_TEST_QUICK
fi

passed=0 failed=0 skipped=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

# run_suite TITLE COMMAND...: runs one suite and adds up its results.
run_suite() {
    title=$1
    shift
    echo "== $title"
    started=$(date +%s)
    "$@" >"$log" 2>&1
    status=$?
    cat "$log"
    echo "   ($title: $(($(date +%s) - started)) s)"
    p=$(grep -c -E '^(ok [0-9]|PASS )' "$log")
    f=$(grep -c -E '^(not ok [0-9]|FAIL |ERROR )' "$log")
    s=$(grep -c -E '^(SKIP |ok [0-9]+ .*# SKIP)' "$log")
    p=$((p - $(grep -c -E '^ok [0-9]+ .*# SKIP' "$log")))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $title exited with status $status without reporting a failure"
        f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        echo "not ok - $title ran no check"
        f=1
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

for t in "$BUILDDIR"/tests/test_*; do
    [ -x "$t" ] || continue
    run_suite "$(basename "$t")" "$t"
done

# The reference and every variant this machine runs against the public
# oracle vectors and the project's own (tests/golden: PyTorch at the
# extremes of float32, written by tests/golden/gen_extreme.py; Rprop, ASGD
# and maximize runs, by tests/golden/gen_optim_extra.py), and the
# optim-extra/ files of the optimizers implemented here (unquoted where
# used, so that the patterns expand).
# Every kind of oracle file: the shared ones (optimizers, MLP, L-BFGS,
# schedules, optim-extra, clipping) and the project's own (tests/golden, from
# PyTorch by the gen_*.py there).  A folder that is missing leaves its
# pattern unexpanded, which descent golden reports as an ERROR.
GOLDEN_FILES="$GOLDEN_DIR/optim/*.txt $GOLDEN_DIR/mlp/*.txt $GOLDEN_DIR/lbfgs/*.txt
              $GOLDEN_DIR/sched/*.txt $GOLDEN_DIR/optim-extra/*.txt $GOLDEN_DIR/clip/*.txt
              tests/golden/*.txt"
if [ -d "$GOLDEN_DIR/optim" ]; then
    # The variants this build has and this CPU runs, as `descent info` lists
    # them ("avx512(cpu lacks it)" for one it cannot run).
    variants=$("$BUILDDIR/descent" info | sed -n 's/^variants: *//p')
    if [ -z "$variants" ]; then
        echo "== golden"
        echo "not ok - '$BUILDDIR/descent info' listed no variants"
        failed=$((failed + 1))
    fi
    for isa in $variants; do
        case $isa in *'(cpu lacks it)') continue ;; esac
        # shellcheck disable=SC2086  # GOLDEN_FILES: patterns to expand
        run_suite "golden ($isa)" "$BUILDDIR/descent" golden --isa "$isa" $GOLDEN_FILES
    done
else
    echo "== golden"
    echo "not ok - oracle directory $GOLDEN_DIR/optim not found (set GOLDEN_DIR)"
    failed=$((failed + 1))
fi

# aarch64: the cross-compiled kernel tests and the oracle files under qemu,
# NEON and SVE.  Emulation is about 15x slower than the native runs, so the
# test programs run at their quick sizes there (DESCENT_TEST_QUICK=1: every
# tail length and edge case, fewer steps and a smaller largest size); the
# oracle files run whole.
#
# SVE's vector length is set by qemu (-cpu max,sve-default-vector-length=
# BYTES): every test program runs at 128 bits (with NEON and scalar, which
# do not depend on it), the oracle files and `descent info` (which must
# report the length asked for) at 128, 256 and 512 bits, and the test
# programs in SVE_LENGTH_TESTS at 256 and 512 as well, for the sve variant
# alone where they loop over variants (DESCENT_TEST_VARIANTS, tests/check.h).
# Left out there, for time (about 20 s a length under qemu): test_mlp and
# test_lbfgs, whose oracle files run at every length, and test_vec_math
# (lane-wise exp and tanh).
A64=$BUILDDIR/aarch64
SVE_LENGTH_TESTS="test_agreement test_mlp_gemm_blocks test_clip test_segments test_reference
                  test_hparams test_registry test_mixed"

# sve_info BITS QEMU...: descent info under that qemu reports BITS-bit SVE.
sve_info() {
    bits=$1
    shift
    out=$("$@" "$A64/descent" info)
    info_status=$?
    printf '%s\n' "$out"
    if [ "$info_status" -eq 0 ] && printf '%s\n' "$out" | grep -q "^vector bits:.* sve $bits\( \|\$\)"; then
        echo "ok 1 - descent info reports $bits-bit SVE vectors"
    else
        echo "not ok 1 - descent info does not report $bits-bit SVE vectors (status $info_status)"
    fi
}

if [ "${HAVE_NEON_CROSS:-0}" = 1 ] && [ -n "${QEMU_AARCH64:-}" ] && [ -x "$A64/descent" ]; then
    sve_lengths=
    first_cpu=
    if [ "${QEMU_SVE_LENGTHS:-0}" = 1 ]; then
        sve_lengths="16 32 64"
        first_cpu="-cpu max,sve-default-vector-length=16"
    fi
    for t in "$A64"/tests/test_*; do
        [ -x "$t" ] || continue
        # shellcheck disable=SC2086  # QEMU_AARCH64 may carry options (-L ...)
        run_suite "$(basename "$t") (aarch64, qemu${first_cpu:+, sve 128-bit})" \
            env DESCENT_TEST_QUICK=1 $QEMU_AARCH64 $first_cpu "$t"
    done
    if [ -d "$GOLDEN_DIR/optim" ]; then
        # shellcheck disable=SC2086  # QEMU_AARCH64's options, GOLDEN_FILES' patterns
        run_suite "golden (neon, qemu)" $QEMU_AARCH64 "$A64/descent" golden --isa neon \
            $GOLDEN_FILES
    fi
    for bytes in $sve_lengths; do
        bits=$((bytes * 8))
        cpu="-cpu max,sve-default-vector-length=$bytes"
        # shellcheck disable=SC2086  # QEMU_AARCH64's and cpu's options
        run_suite "descent info (sve $bits-bit, qemu)" sve_info "$bits" $QEMU_AARCH64 $cpu
        if [ "$bytes" != 16 ]; then
            for name in $SVE_LENGTH_TESTS; do
                t=$A64/tests/$name
                [ -x "$t" ] || continue
                # shellcheck disable=SC2086
                run_suite "$name (aarch64, qemu, sve $bits-bit)" \
                    env DESCENT_TEST_QUICK=1 DESCENT_TEST_VARIANTS=sve $QEMU_AARCH64 $cpu "$t"
            done
        fi
        if [ -d "$GOLDEN_DIR/optim" ]; then
            # shellcheck disable=SC2086
            run_suite "golden (sve $bits-bit, qemu)" $QEMU_AARCH64 $cpu "$A64/descent" golden \
                --isa sve $GOLDEN_FILES
        fi
    done
    if [ "${QEMU_SVE_LENGTHS:-0}" != 1 ]; then
        echo "== sve"
        echo "SKIP  SVE not built, or this qemu cannot set its vector length (configure: aarch64 SVE)"
        skipped=$((skipped + 1))
    fi
else
    echo "== neon"
    echo "SKIP  NEON variants not built or not runnable (configure found no aarch64 cross compiler or qemu-aarch64)"
    skipped=$((skipped + 1))
fi

for t in tests/cli_*.sh; do
    run_suite "$(basename "$t")" sh "$t"
done

# Memory checks and fuzzing, in the normal build only (valgrind cannot run
# ASan binaries; the fuzz targets carry their own sanitizers).
if [ "${SANITIZE:-}" != 1 ]; then
    run_suite "valgrind (memcheck, quick sizes)" sh tests/valgrind_run.sh
    run_suite "fuzz (libFuzzer, a few seconds per target; make fuzz for longer)" \
        sh tests/fuzz_run.sh
fi

echo
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
