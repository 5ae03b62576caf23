#!/bin/sh
# The benchmark suite (make bench): descent-bench lists every optimizer x
# variant this CPU runs, its JSON carries GB's keys and our counters,
# GB's compare.py reads two of its files, the quick suite writes the result
# files (and PNGs when gnuplot is there) and prints the summary, the
# summary's "2 threads against 1" section counts a fixture's pairs, and bad
# command lines exit with status 2.  About 10 seconds.
. "$(dirname "$0")/tap.sh"
bench=$BUILDDIR/descent-bench
conv=$BUILDDIR/descent-converge

require_built "$bench" "$conv"

# 1. every optimizer x every variant this CPU runs
list=$("$bench" --benchmark_list_tests 2>&1)
variants=$("$BUILDDIR/descent" info 2>/dev/null | sed -n 's/^variants: *//p')
[ -n "$variants" ] || variants=scalar
missing=
for opt in adam adamw sgd sgd_momentum nesterov rmsprop adagrad adadelta adamax nadam radam rprop asgd; do
    for isa in $variants; do
        printf '%s\n' "$list" | grep -q "^BM_step/$opt/$isa/mem/[0-9]*/real_time/threads:1$" ||
            missing="$missing $opt/$isa"
    done
done
for want in '^BM_ceiling/4r3w/mem/' '^BM_ceiling/triad/' '^BM_peak_fma/' '^BM_peak_tile/' \
    '^BM_mlp/train_step/[a-z0-9]*/batch:64/' '^BM_mlp/forward/' '^BM_mlp/backward/' \
    '^BM_mlp/forward_backward/'; do
    printf '%s\n' "$list" | grep -q "$want" || missing="$missing $want"
done
if [ -z "$missing" ]; then
    pass "--benchmark_list_tests lists every optimizer x variant ($variants), ceilings, peaks, MLP"
else
    fail "--benchmark_list_tests lists every optimizer x variant" "missing:$missing"
fi

# 2. a quick filtered run's JSON
filter='BM_(peak_(fma|tile)/scalar/|ceiling/4r3w/L2/[0-9]+/|step/(adam|sgd_momentum)/scalar/L2/[0-9]+/|mlp/(forward|backward)/scalar/batch:64/)real_time/threads:1$'
for f in a b; do
    "$bench" --benchmark_filter="$filter" --benchmark_min_time=0.005s \
        --benchmark_out="$tmp/$f.json" --benchmark_out_format=json >"$tmp/$f.out" 2>&1
    echo $? >"$tmp/$f.status"
done
PY=$(config COMPARE_PYTHON)
[ -n "$PY" ] && [ -x "$PY" ] || PY=$(command -v python3 || true)
if [ "$(cat "$tmp/a.status")" != 0 ]; then
    fail "filtered run exits 0" "$(cat "$tmp/a.out")"
elif [ -z "$PY" ]; then
    skip "filtered run's JSON has the keys and counters" "no python3 to parse JSON"
else
    out=$("$PY" - "$tmp/a.json" <<'PYEOF' 2>&1
import json, sys
def refuse(c): raise ValueError("non-standard JSON constant " + c)
d = json.load(open(sys.argv[1]), parse_constant=refuse)
for k in ("date", "num_cpus", "caches", "json_schema_version"):
    assert k in d["context"], "context lacks " + k
runs = {r["name"]: r for r in d["benchmarks"]}
assert len(runs) == 7, "expected 7 runs, got %s" % sorted(runs)
for r in runs.values():
    for k in ("name", "family_index", "run_name", "run_type", "repetitions", "threads",
              "iterations", "real_time", "cpu_time", "time_unit"):
        assert k in r, r["name"] + " lacks " + k
    assert not r.get("error_occurred"), r["name"] + ": " + r.get("error_message", "")
steps = [r for n, r in runs.items() if n.startswith("BM_step/")]
assert len(steps) == 2
for r in steps:
    for k in ("items_per_second", "bytes_per_second", "GFLOPS", "arith_intensity", "ceiling_fraction",
              "ceiling_bytes_per_second"):
        assert k in r and r[k] > 0, r["name"] + " lacks " + k
    # the fraction is of the ceiling measured around the row itself
    frac = r["bytes_per_second"] / r["ceiling_bytes_per_second"]
    assert abs(frac / r["ceiling_fraction"] - 1) < 0.05, "%s: fraction %g, bytes/ceiling %g" % (
        r["name"], r["ceiling_fraction"], frac)
    ratio = r["bytes_per_second"] / r["items_per_second"]
    want = 28 if "/adam/" in r["name"] else 20
    assert abs(ratio - want) < 1e-6, "%s: %g bytes/param, want %d" % (r["name"], ratio, want)
mlp = runs["BM_mlp/forward/scalar/batch:64/real_time/threads:1"]
assert mlp["GFLOPS"] > 0 and mlp["peak_fraction"] > 0
# tile_fraction is of BM_peak_tile's rate, which the loads hold below the
# register-only peak: the two fractions' ratio is that of the two peaks
tile = runs["BM_peak_tile/scalar/real_time/threads:1"]
assert tile["GFLOPS"] > 0 and "operands from L1" in tile["label"], tile
assert mlp["tile_fraction"] > 0
assert abs(mlp["arith_intensity"] - 21.31) < 0.01, "MLP forward intensity %g" % mlp["arith_intensity"]
bwd = runs["BM_mlp/backward/scalar/batch:64/real_time/threads:1"]
assert bwd["GFLOPS"] > 0 and bwd["peak_fraction"] > 0
# backward's clocks stop for its forward: its time is a part of what
# forward + backward take, not the whole
assert bwd["real_time"] < 1.5 * mlp["real_time"], "backward %g vs forward %g" % (bwd["real_time"], mlp["real_time"])
assert runs["BM_peak_fma/scalar/real_time/threads:1"]["GFLOPS"] > 0
assert [r for n, r in runs.items() if n.startswith("BM_ceiling/4r3w/L2/")][0]["bytes_per_second"] > 0
print("fine")
PYEOF
)
    if [ "$out" = fine ]; then
        pass "filtered run's JSON has GB's keys, bytes/param 28 and 20, GFLOPS, the paired ceiling and its fraction, peak_fraction"
    else
        fail "filtered run's JSON has the keys and counters" "$out"
    fi
fi

# 3. GB's compare.py reads two descent-bench files
CMP=$(config COMPARE_PY)
if [ -z "$CMP" ] || [ ! -f "$CMP" ] || [ -z "$PY" ]; then
    skip "compare.py compares two descent-bench JSON files" "compare.py not installed"
elif [ "$(cat "$tmp/b.status")" != 0 ]; then
    fail "second filtered run exits 0" "$(cat "$tmp/b.out")"
else
    out=$("$PY" "$CMP" benchmarks "$tmp/a.json" "$tmp/b.json" 2>&1)
    if [ $? -eq 0 ] && printf '%s\n' "$out" | grep -q 'BM_step/adam/scalar/L2'; then
        pass "compare.py compares two descent-bench JSON files"
    else
        fail "compare.py compares two descent-bench JSON files" "$out"
    fi
fi

# 4. the quick suite writes its results (and plots) and the summary
GP=$(config GNUPLOT)
out=$(BUILDDIR=$BUILDDIR BENCH=quick RESULTS="$tmp/results" PLOTS="$tmp/plots" GNUPLOT="$GP" \
    GNUPLOT_TERM="$(config GNUPLOT_TERM)" DATA_DIR="$(config DATA_DIR)" sh bench/run_suite.sh 2>&1)
status=$?
missing=
for f in throughput.json convergence.json convergence_summary.txt convergence_table.txt \
    curves/linreg_adam.csv curves/rosenbrock_sgd.csv curves/batch_sgd_batch_1.csv \
    curves/schedule_cosine_annealing_lr.csv curves/lrsens_linreg_sgd.csv \
    paths/rosenbrock_adam.csv; do
    [ -s "$tmp/results/$f" ] || missing="$missing $f"
done
leftover=$(ls -A "$tmp/results" | grep -e '^\.' -e '\.tmp')
if [ $status -eq 0 ] && [ -z "$missing" ] && [ -z "$leftover" ] &&
    printf '%s\n' "$out" | grep -q 'Time to result' && printf '%s\n' "$out" | grep -q 'FMA peak'; then
    pass "BENCH=quick suite writes results/*.json, curves, paths and prints the summary"
else
    fail "BENCH=quick suite writes its results" "status $status, missing:$missing, leftover: $leftover" "$out"
fi
if [ -z "$GP" ] || [ ! -x "$GP" ]; then
    if printf '%s\n' "$out" | grep -q 'plots skipped'; then
        pass "without gnuplot the suite says the plots were skipped"
    else
        fail "without gnuplot the suite says the plots were skipped" "$out"
    fi
else
    missing=
    for f in throughput roofline loss_linreg loss_rosenbrock batch_sizes schedules rosenbrock_paths \
        lr_sensitivity_linreg; do
        [ -s "$tmp/plots/$f.png" ] || missing="$missing $f.png"
    done
    if [ -z "$missing" ] && [ -z "$(ls "$tmp/plots" | grep -v '\.png$')" ]; then
        pass "BENCH=quick suite renders the PNGs with gnuplot"
    else
        fail "BENCH=quick suite renders the PNGs" "missing:$missing" "$out"
    fi
fi
# 4b. the console: one line per benchmark family, no table rows (those are
# in results/bench_console.txt), and a short whole
rows=$(printf '%s\n' "$out" | grep -c '^BM_')
families=$(printf '%s\n' "$out" | grep -c -E '^  \[ *[0-9]+/[0-9]+\] BM_[a-z_]+/[a-z0-9_]+ ')
lines=$(printf '%s\n' "$out" | wc -l)
console=$tmp/results/bench_console.txt
if [ "$rows" -eq 0 ] && [ "$families" -ge 4 ] && [ "$lines" -le 60 ] &&
    grep -q '^Benchmark  *Time' "$console" && grep -q '^BM_peak_fma/' "$console" &&
    grep -q '^BM_mlp/train_step/' "$console"; then
    pass "make bench's console: $families family lines, no table rows, $lines lines; the table in bench_console.txt"
else
    fail "make bench's console is one line per family, the table in bench_console.txt" \
        "$rows table rows, $families family lines, $lines lines" "$out"
fi

# 4c. results/index.html: a whole page, the machine and summary tables,
# every <img> a file that exists (links relative to results/), nothing
# fetched from the network
page=$tmp/results/index.html
problems=
if [ ! -s "$page" ]; then
    problems=" no index.html"
else
    head -n 1 "$page" | grep -q '^<!DOCTYPE html>$' || problems="$problems no-doctype"
    [ "$(tail -n 1 "$page")" = '</html>' ] || problems="$problems no-closing-html"
    for want in '<table>' '</table>' '<pre>' 'FMA peak' 'Time to result' '<th>CPU</th>' \
        '<th>Compiler</th>' '<th>OPENBLAS_CORETYPE</th>' '<th>Date</th>' '<th>Threads</th>' \
        '<th>Variants (ISA)</th>'; do
        grep -q -F "$want" "$page" || problems="$problems missing:$want"
    done
    [ "$(grep -c '<table>' "$page")" = "$(grep -c '</table>' "$page")" ] ||
        problems="$problems unbalanced-tables"
    grep -q '://' "$page" && problems="$problems network-link"
    for src in $(sed -n 's/.*<img src="\([^"]*\)".*/\1/p' "$page"); do
        [ -f "$tmp/results/$src" ] || problems="$problems missing-img:$src"
    done
    if [ -n "$GP" ] && [ -x "$GP" ]; then
        imgs=$(grep -c '<img src=' "$page")
        pngs=$(ls "$tmp/plots" | grep -c '\.png$')
        [ "$imgs" -eq "$pngs" ] && [ "$imgs" -gt 0 ] || problems="$problems $imgs-imgs-for-$pngs-pngs"
    fi
fi
if [ -z "$problems" ]; then
    pass "results/index.html: machine and summary tables, every <img> exists, no network links"
else
    fail "results/index.html is a whole page" "$problems"
fi

# 4d. the summary's "2 threads against 1" section on a fixture: medians
# (not the mean of the repetitions), items/s, else GFLOP/s (the peaks),
# else real time in its unit,
# the slower pairs worst first with both speeds, peers (OpenBLAS) apart,
# and the page carries it
fx=$tmp/fixture
mkdir -p "$fx"
row() { # NAME RUN_TYPE AGGREGATE THREADS REAL_TIME TIME_UNIT [ITEMS_PER_SECOND|- [GFLOPS]]
    printf '    {\n      "name": "%s",\n      "run_type": "%s",\n' "$1" "$2"
    [ "$3" = - ] || printf '      "aggregate_name": "%s",\n' "$3"
    printf '      "threads": %s,\n      "real_time": %s,\n      "time_unit": "%s"' "$4" "$5" "$6"
    [ $# -lt 7 ] || [ "$7" = - ] || printf ',\n      "items_per_second": %s' "$7"
    [ $# -lt 8 ] || printf ',\n      "GFLOPS": %s' "$8"
    printf '\n    },\n'
}
{
    printf '{\n  "context": {\n    "load_avg": [0.1,0.1,0.1]\n  },\n  "benchmarks": [\n'
    s=BM_step/adam/avx512/mem/16777216/real_time/threads
    row $s:1 iteration - 1 16 ms 1.0e9
    row $s:2 iteration - 2 11 ms 1.5e9 # faster: 1.5
    s=BM_step/sgd/avx512/L2/32768/real_time/threads
    row $s:1 iteration - 1 32 us 1.00e9
    row $s:2 iteration - 2 33 us 0.99e9 # within, one thread either way
    row BM_step/sgd/avx512/L1/2048/real_time/threads:1 iteration - 1 2 us 1.0e9 # no twin
    s=BM_step/lamb/scalar/L2/65536/real_time/threads
    row $s:1 iteration - 1 700 us 0.94e8
    row $s:2 iteration - 2 690 us 0.95e8 # within, the reference steps one tensor on one thread
    s=BM_step/lamb/avx512/L2/65536/real_time/threads
    row $s:1 iteration - 1 120 us 5.4e8
    row $s:2 iteration - 2 65 us 10.0e8 # faster: LAMB's two passes are shared out
    m=BM_mlp/train_step/avx512/batch:256/real_time/threads
    row $m:1_median aggregate median 1 500 us 1.0e5
    for v in 0.7e5 0.8e5 1.5e5; do row $m:2 iteration - 2 600 us $v; done
    row $m:2_mean aggregate mean 2 600 us 1.0e5
    row $m:2_median aggregate median 2 600 us 0.8e5 # slower: 0.8 (the mean is 1.0)
    h=BM_hogwild/sparse_logreg/to_target/batch:1/iterations:1/real_time/threads
    row $h:1 iteration - 1 90 ms
    row $h:2 iteration - 2 100 ms # no items rate: 90 ms / 100 ms = 0.9
    p=BM_peak_tile/avx512/real_time/threads
    row $p:1 iteration - 1 300 us - 150
    row $p:2 iteration - 2 300 us - 280 # each thread runs the loop: GFLOP/s 1.87, not time 1.0
    p=BM_peak_fma/avx512/real_time/threads
    row $p:1 iteration - 1 300 us - 160
    row $p:2 iteration - 2 200 us - 100 # slower: 0.625, though its time is shorter
    o=BM_mlp/forward_backward/openblas/batch:64/real_time/threads
    row $o:1 iteration - 1 100 us 2.0e5
    row $o:2 iteration - 2 200 us 1.0e5 # a peer, slower: 0.5
    printf '    {\n      "name": "BM_end",\n      "run_type": "iteration",\n      "threads": 1\n    }\n'
    printf '  ]\n}\n'
} >"$fx/throughput.json"
sh bench/summary.sh "$fx" >"$fx/summary.txt" 2>&1
status=$?
section=$(sed -n '/^2 threads against 1/,/^[^ ]/p' "$fx/summary.txt")
slower=$(printf '%s\n' "$section" | grep -E '^  [0-9.]+ [* ] BM_' |
    sed 's/^  \([0-9.]*\) . \(BM_[^ ]*\) *\([0-9.]* [a-zA-Z/]*\) *\([0-9.]* [a-zA-Z/]*\)$/\1 \2 \3 \4/')
want_slower='0.625 BM_peak_fma/avx512 160 GF/s 100 GF/s
0.800 BM_mlp/train_step/avx512/batch:256 0.1 M/s 0.08 M/s
0.900 BM_hogwild/sparse_logreg/to_target/batch:1/iterations:1 90 ms 100 ms'
problems=
[ $status -eq 0 ] || problems="$problems status-$status"
printf '%s\n' "$section" |
    grep -q -F 'descent: 8 pairs: 3 faster on 2 threads, 2 within 0.97-1.03, 3 slower' ||
    problems="$problems counts"
[ "$slower" = "$want_slower" ] || problems="$problems slower-list"
printf '%s\n' "$section" | grep -q -F 'the 2 pairs (*) under PARALLEL_MIN_ELEMENTS' ||
    problems="$problems noise-line"
printf '%s\n' "$section" | grep -q -F 'or of the scalar lamb (the reference: one tensor, one thread)' ||
    problems="$problems whole-line"
printf '%s\n' "$section" | grep -q -F \
    'peer OpenBLAS (not in the verdict): 1 pair: 0 faster on 2 threads, 0 within 0.97-1.03, 1 slower' ||
    problems="$problems peer-line"
sh bench/index_html.sh "$fx" "$fx/plots" "$fx/summary.txt" >"$fx/index.html" 2>/dev/null
grep -q -F '0.800   BM_mlp/train_step/avx512/batch:256' "$fx/index.html" ||
    problems="$problems not-in-index.html"
if [ -z "$problems" ]; then
    pass "summary's 2 threads against 1: 8 pairs (the peaks by GFLOP/s, scalar LAMB marked as one thread), 3 faster, 2 within, the 3 slower worst first, OpenBLAS apart; in index.html"
else
    fail "summary's 2 threads against 1 on a fixture" "$problems" "$section"
fi

out=$(GNUPLOT= sh plots/render.sh "$tmp/results" "$tmp/noplots" 2>&1)
if [ $? -eq 0 ] && printf '%s\n' "$out" | grep -q 'plots skipped' && [ ! -e "$tmp/noplots" ]; then
    pass "plots/render.sh without gnuplot skips and says so"
else
    fail "plots/render.sh without gnuplot skips and says so" "$out"
fi

# 5. bad command lines
expect2() {
    name=$1
    shift
    out=$("$@" 2>&1)
    status=$?
    if [ $status -eq 2 ] && [ -n "$out" ]; then
        pass "$name exits 2 with a message"
    else
        fail "$name exits 2 with a message" "status $status" "$out"
    fi
}
expect2 "descent-bench --benchmark_nonsense" "$bench" --benchmark_nonsense
expect2 "descent-bench --benchmark_min_time=abc" "$bench" --benchmark_min_time=abc
expect2 "descent-bench --benchmark_filter='('" "$bench" '--benchmark_filter=('
expect2 "descent-converge --scope bogus" "$conv" --scope bogus --out "$tmp/x"
expect2 "descent-converge --bogus" "$conv" --bogus

echo "1..$n"
[ "$failures" -eq 0 ]
