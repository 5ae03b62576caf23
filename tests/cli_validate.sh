#!/bin/sh
# `descent validate`: the example ports (examples/port/) pass, exit 0; each
# broken port (tests/ports/, one mistake per -D flag) exits 1 with a FAIL
# line naming the check it broke and the reason; usage errors exit 2; the
# printed rerun command reproduces a failure on its own; --json writes the
# report; descent's own kernels pass through the same tester (--isa).
# --gemm: a plain C sgemm and OpenBLAS's cblas_sgemm pass, the same C sgemm
# with one mistake per -D flag fails the check it breaks.
. "$(dirname "$0")/tap.sh"
descent=$BUILDDIR/descent
ports=$BUILDDIR/tests/ports
examples=$BUILDDIR/examples
require_built "$descent" "$examples/libadam_plain.so" "$ports/libadam_broken_TAIL.so" \
    "$examples/librprop_plain.so" "$examples/librprop_signs.so"
if command -v timeout >/dev/null 2>&1; then run="timeout 120 $descent"; else run=$descent; fi

expect 0 '^validate adam: [0-9]+ passed, 0 failed' "the plain C Adam port passes" \
    $run validate --optimizer adam "$examples/libadam_plain.so:adam_plain"
# Rounded as PyTorch rounds (g + wd*p and the first moment fused): just as
# right, though it differs from the reference where g + wd*p cancels.
expect 0 '^validate adam: [0-9]+ passed, 0 failed' "the plain C Adam port with fused sums passes" \
    $run validate --optimizer adam "$examples/libadam_plain_fused.so:adam_plain"
if ! grep -q '^flags.* avx512f' /proc/cpuinfo 2>/dev/null; then
    skip "the AVX-512 Adam port passes" "this CPU has no AVX-512F"
elif [ ! -f "$examples/libadam_avx512.so" ]; then
    skip "the AVX-512 Adam port passes" "the compiler has no AVX-512 (configure)"
else
    expect 0 '^validate adam: [0-9]+ passed, 0 failed' "the AVX-512 Adam port passes" \
        $run validate --optimizer adam "$examples/libadam_avx512.so:adam_avx512"
fi
expect 0 '^validate sgd: [0-9]+ passed, 0 failed' "a correct SGD port passes" \
    $run validate --optimizer sgd "$ports/libsgd_broken_NONE.so:sgd_broken"

# broken FLAG PATTERN: the Adam port built with -DFLAG exits 1, the report
# matching PATTERN (its FAIL line or the reason under it).
broken() {
    expect 1 "$2" "broken port $1 fails: $2" \
        $run validate --optimizer adam "$ports/libadam_broken_$1.so:adam_broken"
}
broken EPS_IN_SQRT '^FAIL  branch default .*'
broken TAIL '^FAIL  branch default'
broken WRITE_PAST 'the port wrote element [0-9]+ of param, outside'
broken READ_BEFORE 'the port read element -1 of grad, outside'
broken WRITES_GRAD 'the port wrote element 0 of grad, which is read-only'
broken NO_AMSGRAD '^FAIL  branch amsgrad'
broken NAN_TO_ZERO '^FAIL  nonfinite'
broken LR_OFF '^FAIL  branch default'
broken L2_DECOUPLED '^FAIL  branch weight_decay'
broken NULL_STATE 'the port dereferenced a NULL pointer'
broken HANG 'the port did not return within the time limit'
broken CRASH 'the port was killed by (Aborted|SIGABRT)'
expect 1 '^FAIL  branch nesterov' "SGD with Nesterov on the old buffer fails its nesterov branch" \
    $run validate --optimizer sgd "$ports/libsgd_broken_NESTEROV_OLD.so:sgd_broken"

# The rerun line of a failure runs that one case and fails the same way.
out=$($run validate --optimizer adam "$ports/libadam_broken_LR_OFF.so:adam_broken" 2>&1)
rerun=$(printf '%s\n' "$out" | sed -n 's/^ *rerun: descent validate //p' | head -n 1)
if [ -z "$rerun" ]; then
    fail "a failure prints a rerun command" "$out"
else
    # shellcheck disable=SC2086 # the command line is words
    expect 1 '^FAIL  branch default \(one case\) +1 cases' \
        "the rerun command reproduces the failure" \
        $run validate $rerun
fi
expect 0 '^PASS  branch amsgrad \(one case\)' "--case runs one case of a good port" \
    $run validate --optimizer adam "$examples/libadam_plain.so:adam_plain" \
    --case check=branch,branch=amsgrad,n=17,offset=1,seed=3,steps=5

# --json: the whole report through the project's output writer.
expect 1 '^validate adam:' "--json with a failing port" \
    $run validate --optimizer adam "$ports/libadam_broken_TAIL.so:adam_broken" --json "$tmp/r.json"
if grep -q '"result": "FAIL"' "$tmp/r.json" && grep -q '"rerun": "descent validate' "$tmp/r.json" &&
    { ! command -v python3 >/dev/null 2>&1 || python3 -m json.tool "$tmp/r.json" >/dev/null; }; then
    pass "--json writes a valid report with the failure and its rerun command"
else
    fail "--json writes a valid report" "$(head -c 600 "$tmp/r.json" 2>&1)"
fi

# Usage errors: 2, one message.
expect 2 'has no symbol' "a missing symbol is a usage error" \
    $run validate --optimizer adam "$examples/libadam_plain.so:no_such_symbol"
expect 2 'cannot load' "a missing library is a usage error" \
    $run validate --optimizer adam "$tmp/none.so:f"
expect 2 "unknown optimizer" "an unknown optimizer is a usage error" \
    $run validate --optimizer adamz "$examples/libadam_plain.so:adam_plain"
expect 2 'is not LIB.so:SYMBOL' "a port without :SYMBOL is a usage error" \
    $run validate --optimizer adam "$examples/libadam_plain.so"
expect 2 '--case: .*not a number' "a bad --case is a usage error" \
    $run validate --optimizer adam "$examples/libadam_plain.so:adam_plain" --case n=x
expect 2 'required' "--optimizer is required" $run validate "$examples/libadam_plain.so:adam_plain"

# descent's own best kernels, behind the reference signature, pass the same tester.
for o in sgd adam adamw rmsprop adagrad adadelta adamax nadam radam rprop asgd; do
    expect 0 "^validate $o: [0-9]+ passed, 0 failed" "descent's best $o kernel passes validate" \
        $run validate --optimizer "$o" --isa best
done

# Lion and LAMB kernels of every variant, with their shared and own oracle files
# (LAMB's per tensor: the validator steps each segment of a file as one tensor).
for o in lion lamb; do
    for isa in $("$BUILDDIR/descent" info | sed -n 's/^variants: *//p'); do
        case $isa in *'(cpu lacks it)') continue ;; esac
        out=$($run validate --optimizer "$o" --isa "$isa" \
            --golden-dir "${GOLDEN_DIR:-../shared/golden}/optim-extra:tests/golden" 2>&1)
        status=$?
        if [ "$status" -eq 0 ] && printf '%s\n' "$out" | grep -q "^PASS  golden ${o}_default.txt" &&
            printf '%s\n' "$out" | grep -q "^PASS  golden ${o}_long.txt" &&
            printf '%s\n' "$out" | grep -q -E "^validate $o: [0-9]+ passed, 0 failed"; then
            pass "descent's $isa $o kernel passes validate with the oracle files"
        else
            fail "descent's $isa $o kernel passes validate with the oracle files" \
                "status $status" "$(printf '%s\n' "$out" | grep -v '^PASS' | head -n 8)"
        fi
    done
done
# The example Rprop port passes; with sign(g)*sign(prev) for the sign of the
# float32 product it fails where that product underflows (and on the oracle
# file with 1e-30 gradients).
expect 0 '^validate rprop: [0-9]+ passed, 0 failed' "the plain C Rprop port passes validate" \
    $run validate --optimizer rprop "$examples/librprop_plain.so:rprop_plain"
expect 1 '^FAIL  golden rprop_long_extreme.txt' "an Rprop port with the sign shortcut fails" \
    $run validate --optimizer rprop "$examples/librprop_signs.so:rprop_plain"

# The example port benchmarked beside descent's own Adam rows.
expect 0 '^BM_step/adam/port:adam_plain/L1/[0-9]+/real_time/threads:1 .*ceiling_fraction=' \
    "the plain C Adam port's BM_step row, with its ceiling fraction" \
    "$BUILDDIR/descent-bench" --port "adam=$examples/libadam_plain.so:adam_plain" \
    --benchmark_filter='BM_step/adam/port:adam_plain/L1/' --benchmark_min_time=0.01s
# --gemm: a GEMM port against a double-precision product.
gemm() { $run validate --gemm "$@"; }
expect 0 '^validate gemm: [0-9]+ passed, 0 failed' "a plain C sgemm passes validate --gemm" \
    gemm "$ports/libsgemm_port.so:sgemm_port"
expect 0 '^PASS  golden mlp_5_7_3_relu_ce_b4.txt' "validate --gemm replays the MLP oracle files" \
    gemm "$ports/libsgemm_port.so:sgemm_port"
openblas=$(ldconfig -p 2>/dev/null | sed -n 's/.*libopenblas\.so\.0 .*=> //p' | head -n 1)
if [ "$(sed -n 's/^HAVE_OPENBLAS := //p' "$BUILDDIR/config.mk" 2>/dev/null)" != 1 ] ||
    [ -z "$openblas" ]; then
    skip "OpenBLAS's cblas_sgemm passes validate --gemm" "no OpenBLAS (configure)"
else
    expect 0 '^validate gemm: [0-9]+ passed, 0 failed' \
        "OpenBLAS's cblas_sgemm passes validate --gemm" gemm "$openblas:cblas_sgemm"
fi
# broken_gemm FLAG PATTERN: the sgemm built with -DFLAG exits 1 matching PATTERN.
broken_gemm() {
    expect 1 "$2" "broken sgemm $1 fails: $2" gemm "$ports/libsgemm_broken_$1.so:sgemm_port"
}
broken_gemm IGNORE_BETA '^FAIL  transpose NN .*'
broken_gemm IGNORE_BETA 'smallest failing case: .*alpha=0,beta=1,'
broken_gemm IGNORE_TRANSB '^FAIL  transpose NT'
broken_gemm K_TAIL '^FAIL  edge'
broken_gemm WRITE_PAST 'the port wrote element [0-9]+ of C, outside'
broken_gemm READS_C 'C held NaN, not to be read when beta = 0'
out=$(gemm "$ports/libsgemm_broken_IGNORE_TRANSB.so:sgemm_port" 2>&1)
if printf '%s\n' "$out" | grep -q '^PASS  transpose NN' &&
    printf '%s\n' "$out" | grep -q '^PASS  transpose TN'; then
    pass "ignoring TransB fails only the checks with B transposed"
else
    fail "ignoring TransB fails only the checks with B transposed" "$out"
fi
rerun=$(printf '%s\n' "$out" | sed -n 's/^ *rerun: descent validate //p' | head -n 1)
# shellcheck disable=SC2086 # the command line is words
expect 1 '^FAIL  transpose \(one case\) +1 cases' "the --gemm rerun command reproduces the failure" \
    $run validate $rerun
expect 1 '^validate gemm:' "--gemm --json with a failing port" \
    gemm "$ports/libsgemm_broken_K_TAIL.so:sgemm_port" --json "$tmp/g.json"
if grep -q '"result": "FAIL"' "$tmp/g.json" && grep -q '"rerun": "descent validate --gemm' \
    "$tmp/g.json" && { ! command -v python3 >/dev/null 2>&1 ||
    python3 -m json.tool "$tmp/g.json" >/dev/null; }; then
    pass "--gemm --json writes a valid report with the failure and its rerun command"
else
    fail "--gemm --json writes a valid report" "$(head -c 600 "$tmp/g.json" 2>&1)"
fi
expect 2 'takes no --optimizer' "--gemm with --optimizer is a usage error" \
    gemm "$ports/libsgemm_port.so:sgemm_port" --optimizer adam
expect 2 '--case: .*not a number' "a bad --gemm --case is a usage error" \
    gemm "$ports/libsgemm_port.so:sgemm_port" --case m=x
expect 2 'has no symbol' "a --gemm port without the symbol is a usage error" \
    gemm "$ports/libsgemm_port.so:no_such"
[ "$failures" -eq 0 ]
