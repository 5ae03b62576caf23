#!/bin/sh
# descent-bench --port NAME=LIB.so:SYMBOL and --gemm LIB.so:SYMBOL
# (bench/ports.c): a plain C Adam (tests/ports/adam_port.c) built here as a
# shared library gets its BM_step/adam/port:my_adam rows with the counters
# of descent's own rows; OpenBLAS's cblas_sgemm, loaded the same way, gets
# BM_mlp/<op>/gemm:cblas_sgemm rows; every bad argument is one line and exit
# status 2 before anything runs; GB's compare.py reads the rows.
. "$(dirname "$0")/tap.sh"
bench=$BUILDDIR/descent-bench
fast=--benchmark_min_time=0.01s
require_built "$bench"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo false)
cat >"$tmp/check.py" <<'EOF'
# check.py FILE CODE: runs CODE with `runs`, the benchmarks of JSON FILE.
import json, sys
with open(sys.argv[1]) as f:
    runs = json.load(f)["benchmarks"]
exec(sys.argv[2])
EOF
json_check() {
    out=$("$PY" "$tmp/check.py" "$2" "$3" 2>&1)
    if [ $? -eq 0 ]; then pass "$1"; else fail "$1" "$out"; fi
}

# refuse_port NAME PATTERN ARGS...: descent-bench with ARGS exits 2 with one
# line matching PATTERN; no benchmark ran (the filter would match rows).
refuse_port() {
    name=$1 pattern=$2
    shift 2
    refuse "$name" "$pattern" "$bench" "$@" "$fast" --benchmark_filter=BM_peak_fma
}

CC=${CC:-$(config CC)}
lib=$tmp/libp.so
here=$(dirname "$0")
if ! ${CC:-cc} -std=c11 -O2 -fPIC -shared -I"$here/../include" -o "$lib" \
    "$here/ports/adam_port.c" -lm >"$tmp/cc.log" 2>&1; then
    fail "the test port builds as a shared library" "$(cat "$tmp/cc.log")"
    exit 1
fi

# ------------------------------------------------------------ --port rows
if "$bench" --port "adam=$lib:my_adam" --benchmark_filter='BM_step/adam/port:my_adam/L1' "$fast" \
    --benchmark_format=json >"$tmp/port.json" 2>"$tmp/port.err"; then
    json_check "--port adam=LIB:my_adam: a BM_step/adam/port:my_adam/L1 row with its counters" \
        "$tmp/port.json" '
rows = [r for r in runs if r["name"].startswith("BM_step/adam/port:my_adam/L1/")]
assert len(rows) == 1, [r["name"] for r in runs]
r = rows[0]
assert r["name"].endswith("/real_time/threads:1"), r["name"]
assert "error_occurred" not in r, r
for key in ("items_per_second", "bytes_per_second", "ceiling_bytes_per_second",
            "ceiling_fraction", "GFLOPS", "arith_intensity"):
    assert r.get(key, 0) > 0, (key, r)
assert abs(r["arith_intensity"] - 13 / 28) < 1e-9, r  # adam: 13 flops, 28 B per parameter
'
else
    fail "--port adam=LIB:my_adam runs" "$(cat "$tmp/port.err")"
fi

# The rows sit beside descent's, at every size class, 1 and all threads
# where descent's have them; --port=VALUE works too; a benchmark
# configuration name (sgd_momentum) names the rows as descent's.
"$bench" --benchmark_list_tests >"$tmp/own.txt" 2>&1
"$bench" "--port=adam=$lib:my_adam" --port "sgd_momentum=$lib:my_adam" --benchmark_list_tests \
    >"$tmp/list.txt" 2>&1
want=$(grep '^BM_step/adam/scalar/' "$tmp/own.txt" | sed 's|/scalar/|/port:my_adam/|')
got=$(grep '^BM_step/adam/port:my_adam/' "$tmp/list.txt")
if [ -n "$got" ] && [ "$got" = "$want" ] &&
    grep -q '^BM_step/sgd_momentum/port:my_adam/L1/' "$tmp/list.txt" &&
    [ "$(grep -v 'port:' "$tmp/list.txt")" = "$(cat "$tmp/own.txt")" ]; then
    pass "--port rows: descent's sizes and threads, beside descent's own rows"
else
    fail "--port rows: descent's sizes and threads, beside descent's own rows" "got: $got" \
        "want: $want"
fi

# NAdam's running product: every call, and every block of a threaded row
# (LLC: more than one 16 Ki block), starts from mu_1 ... mu_{t-1}
# (nadam_check aborts otherwise).
out=$("$bench" --port "nadam=$lib:nadam_check" --benchmark_filter='port:nadam_check/(L1|LLC)/' \
    "$fast" 2>&1)
status=$?
if [ $status -eq 0 ] && printf '%s\n' "$out" | grep -q 'port:nadam_check/LLC/.*ceiling_fraction'
then
    pass "--port nadam: each call and each thread's block gets the step's running product"
else
    fail "--port nadam: each call and each thread's block gets the step's running product" \
        "status $status" "$out"
fi

# ------------------------------------------------------------ --gemm rows
openblas=$(ldconfig -p 2>/dev/null | sed -n 's/.*libopenblas\.so\.0 .*=> //p' | head -n 1)
[ -n "$openblas" ] || openblas=/usr/lib/x86_64-linux-gnu/libopenblas.so.0
if [ ! -f "$openblas" ]; then
    skip "--gemm LIBOPENBLAS:cblas_sgemm rows" "no libopenblas.so.0"
elif "$bench" --gemm "$openblas:cblas_sgemm" "$fast" --benchmark_format=json \
    --benchmark_filter='BM_mlp/.*/gemm:cblas_sgemm/batch:64/.*threads:1$' \
    >"$tmp/gemm.json" 2>"$tmp/gemm.err"; then
    json_check "--gemm LIBOPENBLAS:cblas_sgemm: BM_mlp/<op>/gemm:cblas_sgemm rows, counters" \
        "$tmp/gemm.json" '
names = sorted(r["name"] for r in runs)
want = sorted("BM_mlp/%s/gemm:cblas_sgemm/batch:64/real_time/threads:1" % op
              for op in ("forward", "backward", "forward_backward", "train_step"))
assert names == want, names
for r in runs:
    assert "error_occurred" not in r, r
    for key in ("GFLOPS", "peak_fraction", "arith_intensity", "items_per_second"):
        assert r.get(key, 0) > 0, (key, r)
'
else
    fail "--gemm LIBOPENBLAS:cblas_sgemm runs" "$(cat "$tmp/gemm.err")"
fi

# ------------------------------------------------------------ bad arguments
refuse_port "--port without '='" "--port adam: expected NAME=LIB\.so:SYMBOL" --port adam
refuse_port "--port without ':SYMBOL'" "expected LIB\.so:SYMBOL" --port "adam=$lib"
refuse_port "--port with an empty library" "expected LIB\.so:SYMBOL" --port "adam=:my_adam"
refuse_port "--port with an unknown optimizer" "unknown optimizer 'adamx' \(one of: sgd .*radam.*\)" \
    --port "adamx=$lib:my_adam"
refuse_port "--port with a library that is not there" "cannot load the library: .*nope\.so" \
    --port "adam=$tmp/nope.so:my_adam"
refuse_port "--port with a file that is no library" "cannot load the library" \
    --port "adam=$tmp/check.py:my_adam"
refuse_port "--port with a symbol the library lacks" "no such symbol in the library: not_there" \
    --port "adam=$lib:not_there"
refuse_port "--port with no value" "--port needs a value \(NAME=LIB\.so:SYMBOL\)" --port
refuse_port "--port twice with the same NAME and SYMBOL (rows of one name)" \
    "an earlier --port has this NAME and SYMBOL" --port "adam=$lib:my_adam" \
    --port "adam=$tmp/../$(basename "$tmp")/libp.so:my_adam"
refuse_port "--gemm twice with the same SYMBOL" "an earlier --gemm has this SYMBOL" \
    --gemm "$lib:my_adam" --gemm "$lib:my_adam"
refuse_port "--gemm without ':SYMBOL'" "--gemm .*: expected LIB\.so:SYMBOL" --gemm "$lib"
refuse_port "--gemm with a symbol the library lacks" "no such symbol in the library: sgemm_x" \
    --gemm "$lib:sgemm_x"
refuse_port "--gemm with no value (the next flag is not one)" "--gemm needs a value" \
    --gemm --benchmark_list_tests

# ------------------------------------------------------------ compare.py
COMPARE_PY=${COMPARE_PY:-$(config COMPARE_PY)}
[ -n "$COMPARE_PY" ] || COMPARE_PY=/usr/share/benchmark/compare.py
COMPARE_PYTHON=${COMPARE_PYTHON:-$(config COMPARE_PYTHON)}
[ -n "$COMPARE_PYTHON" ] || COMPARE_PYTHON=/usr/bin/python3
if [ ! -f "$COMPARE_PY" ] || ! "$COMPARE_PYTHON" -c 'import scipy, numpy' >/dev/null 2>&1; then
    skip "compare.py reads the port rows" "compare.py not installed"
else
    "$bench" --port "adam=$lib:my_adam" --benchmark_filter='BM_step/adam/(port:my_adam|scalar)/L1' \
        "$fast" --benchmark_out="$tmp/cmp.json" >/dev/null 2>&1
    out=$("$COMPARE_PYTHON" "$COMPARE_PY" --no-color benchmarks "$tmp/port.json" "$tmp/cmp.json" \
        2>&1)
    status=$?
    out2=$("$COMPARE_PYTHON" "$COMPARE_PY" --no-color filters "$tmp/cmp.json" \
        'BM_step/adam/scalar/L1' 'BM_step/adam/port:my_adam/L1' 2>&1)
    status2=$?
    if [ $status -eq 0 ] && printf '%s\n' "$out" | grep -q '^BM_step/adam/port:my_adam/L1/' &&
        [ $status2 -eq 0 ] && printf '%s\n' "$out2" |
        grep -q '^\[BM_step/adam/scalar/L1 vs\. BM_step/adam/port:my_adam/L1\]'; then
        pass "compare.py reads the port rows (benchmarks; filters descent's row vs the port's)"
    else
        fail "compare.py reads the port rows" "status $status, $status2" "$out" "$out2"
    fi
fi

[ "$failures" -eq 0 ]
