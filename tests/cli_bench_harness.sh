#!/bin/sh
# The benchmark harness (bench/harness.h) through its selftest program:
# Google Benchmark's flags, console/JSON/CSV output, repetitions and
# aggregates, atomic --benchmark_out, clear errors for bad input, and GB's
# own tools/compare.py reading the JSON.
. "$(dirname "$0")/tap.sh"
selftest=$BUILDDIR/bench/harness_selftest
fast=--benchmark_min_time=0.01s

if [ ! -x "$selftest" ]; then
    fail "selftest program $selftest is built (make $selftest)"
    exit 1
fi

# JSON checks need only Python's standard library.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo false)
cat >"$tmp/check.py" <<'EOF'
# check.py FILE CODE: loads FILE as strict JSON (NaN/Infinity refused) and
# runs CODE with the document as `d`; a failed assert names what broke.
import json, re, sys
def refuse(constant):
    raise ValueError("non-standard JSON constant " + constant)
with open(sys.argv[1]) as f:
    d = json.load(f, parse_constant=refuse)
runs = d["benchmarks"]
by_name = {}
for r in runs:
    by_name.setdefault(r["name"], []).append(r)
exec(sys.argv[2])
EOF
# json_check NAME FILE CODE
json_check() {
    out=$("$PY" "$tmp/check.py" "$2" "$3" 2>&1)
    if [ $? -eq 0 ]; then pass "$1"; else fail "$1" "$out"; fi
}

all_names='BM_memcpy/8
BM_memcpy/512
BM_memcpy/32768
BM_sqrt/libm/n:1000
BM_pause/iterations:20
BM_omp_sum/65536/real_time/threads:2
BM_skip'

# ------------------------------------------------------------- listing
expect 0 'benchmark_filter=<regex>' "--help" "$selftest" --help
out=$("$selftest" --benchmark_list_tests 2>&1)
if [ $? -eq 0 ] && [ "$out" = "$all_names" ]; then
    pass "--benchmark_list_tests prints every name, GB-style"
else
    fail "--benchmark_list_tests prints every name, GB-style" "$out"
fi
out=$("$selftest" --benchmark_list_tests=true '--benchmark_filter=memcpy/(8|512)$' 2>&1)
if [ "$out" = "BM_memcpy/8
BM_memcpy/512" ]; then
    pass "--benchmark_filter selects by regex"
else
    fail "--benchmark_filter selects by regex" "$out"
fi
out=$("$selftest" --benchmark_list_tests --benchmark_filter=-memcpy 2>&1)
if [ "$out" = "$(printf '%s\n' "$all_names" | grep -v memcpy)" ]; then
    pass "--benchmark_filter=-regex excludes"
else
    fail "--benchmark_filter=-regex excludes" "$out"
fi
expect 0 'Failed to match any benchmarks against regex: nomatch' "a filter that matches nothing" \
    "$selftest" --benchmark_filter=nomatch

# ------------------------------------------------------------- order
# Repetitions one instance after another (GB's order), or round-robin
# within a family with --benchmark_interleave_family; never across
# families, and the report in registration order either way.
order_run() {
    rm -f "$tmp/order.log"
    HARNESS_SELFTEST_ORDER=$tmp/order.log "$selftest" --benchmark_filter=BM_order \
        --benchmark_min_time=1x --benchmark_repetitions=3 "$@" >"$tmp/order.out" 2>&1 &&
        tr '\n' ' ' <"$tmp/order.log"
}
reported=$(printf '%s\n' BM_order/1 BM_order/1 BM_order/1 BM_order/2 BM_order/2 BM_order/2 \
    BM_order_other/3 BM_order_other/3 BM_order_other/3)
for mode in plain interleaved; do
    if [ $mode = plain ]; then want='1 1 1 2 2 2 3 3 3 '; got=$(order_run)
    else want='1 2 1 2 1 2 3 3 3 '; got=$(order_run --benchmark_interleave_family=true); fi
    names=$(grep -o -E '^BM_order[a-z_]*/[0-9]+ ' "$tmp/order.out" | tr -d ' ')
    if [ "$got" = "$want" ] && [ "$names" = "$reported" ]; then
        pass "repetitions $mode: run as $want, reported per instance in order"
    else
        fail "repetitions $mode: run as $want, reported per instance in order" "ran: $got" \
            "$(cat "$tmp/order.out")"
    fi
done
expect 2 "benchmark_interleave_family: 'maybe' is not a boolean" "--benchmark_interleave_family=maybe" \
    "$selftest" --benchmark_interleave_family=maybe

# ------------------------------------------------------------- console
"$selftest" "$fast" '--benchmark_filter=memcpy/8$|sqrt' >"$tmp/console.out" 2>"$tmp/console.err"
status=$?
if [ $status -eq 0 ] &&
    grep -q -E '^Benchmark +Time +CPU +Iterations UserCounters\.\.\.$' "$tmp/console.out" &&
    grep -q -E '^-+$' "$tmp/console.out" &&
    grep -q -E '^BM_memcpy/8 +[0-9.]+ ns +[0-9.]+ ns +[0-9]+ bytes_per_second=[0-9.]+[KMG]?i?/s$' \
        "$tmp/console.out" &&
    grep -q -E '^BM_sqrt/libm/n:1000 .* items_per_second=[0-9.]+[kMG]?/s .* libm sqrt$' \
        "$tmp/console.out"; then
    pass "console table: GB's header, times, iterations and counters"
else
    fail "console table: GB's header, times, iterations and counters" "status $status" \
        "$(cat "$tmp/console.out")"
fi
if grep -q -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}$' "$tmp/console.err" &&
    grep -q "^Running $selftest\$" "$tmp/console.err" &&
    grep -q -E '^Run on \([0-9]+ X [0-9.]+ MHz CPU s?\)$' "$tmp/console.err" &&
    grep -q -E '^Load Average: [0-9.]+, [0-9.]+, [0-9.]+$' "$tmp/console.err"; then
    pass "console context on stderr: date, executable, CPUs, load"
else
    fail "console context on stderr: date, executable, CPUs, load" "$(cat "$tmp/console.err")"
fi
expect 0 "^BM_skip +ERROR OCCURRED: 'skipped on purpose" "console shows a skipped benchmark" \
    "$selftest" "$fast" --benchmark_filter=skip

# ---------------------------------------------------------------- JSON
if [ "$PY" = false ]; then
    skip "JSON checks" "no python3 to parse JSON"
else
    "$selftest" "$fast" --benchmark_format=json >"$tmp/all.json" 2>"$tmp/all.err"
    status=$?
    [ $status -eq 0 ] && pass "JSON run exits 0" || fail "JSON run exits 0" "$(cat "$tmp/all.err")"
    json_check "JSON context has GB's keys and types" "$tmp/all.json" '
c = d["context"]
assert c["json_schema_version"] == 1, c
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", c["date"]), c["date"]
for key, kind in [("host_name", str), ("executable", str), ("num_cpus", int),
                  ("mhz_per_cpu", int), ("cpu_scaling_enabled", bool), ("caches", list),
                  ("load_avg", list), ("library_build_type", str)]:
    assert type(c[key]) is kind, (key, c[key])
assert c["library_build_type"] == "release" and c["num_cpus"] >= 1
assert len(c["load_avg"]) == 3 and all(type(x) in (int, float) for x in c["load_avg"])
for cache in c["caches"]:
    assert cache["type"] in ("Data", "Instruction", "Unified"), cache
    assert all(type(cache[k]) is int for k in ("level", "size", "num_sharing")), cache'
    json_check "JSON benchmarks have GB's keys, types and order" "$tmp/all.json" '
names = """'"$all_names"'""".split()
assert [r["name"] for r in runs] == names, [r["name"] for r in runs]
for r in runs:
    for key, kind in [("name", str), ("family_index", int), ("per_family_instance_index", int),
                      ("run_name", str), ("run_type", str), ("repetitions", int),
                      ("repetition_index", int), ("threads", int), ("iterations", int),
                      ("real_time", float), ("cpu_time", float), ("time_unit", str)]:
        assert type(r[key]) is kind, (r["name"], key, r.get(key))
    assert r["run_type"] == "iteration" and r["name"] == r["run_name"], r
    assert r["time_unit"] in ("ns", "us", "ms", "s"), r
    assert r["repetitions"] == 1 and r["repetition_index"] == 0, r
assert [(r["family_index"], r["per_family_instance_index"]) for r in runs] == \
    [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (3, 0), (4, 0)]'
    json_check "JSON rates and counters (every flag) have GB's values" "$tmp/all.json" '
m = by_name["BM_memcpy/8"][0]
assert m["bytes_per_second"] > 0 and "items_per_second" not in m, m
s = by_name["BM_sqrt/libm/n:1000"][0]
assert s["items_per_second"] > 0 and s["label"] == "libm sqrt", s
assert s["per_iteration"] == 1000 and s["per_thread"] == 3, s
assert s["invariant"] == s["iterations"], s
assert abs(s["calls"] * s["seconds_per_call"] - 1) < 1e-9, s
assert abs(s["calls"] - 1000 / (s["cpu_time"] * 1e-9)) < 1e-6 * s["calls"], s'
    json_check "min_time: iterations grow until a run lasts 0.01 s" "$tmp/all.json" '
for r in runs:
    if r["name"].startswith("BM_memcpy"):
        seconds_cpu = r["cpu_time"] * r["iterations"] * 1e-9
        seconds_real = r["real_time"] * r["iterations"] * 1e-9
        assert r["iterations"] > 100 and (seconds_cpu >= 0.01 or seconds_real >= 0.05), r'
    json_check "pause/resume keeps setup out of the time; .iterations fixes the count" \
        "$tmp/all.json" '
p = by_name["BM_pause/iterations:20"][0]
assert p["iterations"] == 20, p
assert p["real_time"] < 0.5e6, p  # a 1 ms sleep per iteration is paused'
    json_check "threads: name suffix, reported count, real_time and per-thread counters" \
        "$tmp/all.json" '
o = by_name["BM_omp_sum/65536/real_time/threads:2"][0]
assert o["time_unit"] == "us", o
if o.get("error_occurred"):
    assert o["error_message"] == "built without OpenMP", o
else:
    assert o["threads"] == 2 and o["work_per_thread"] == 7, o
    assert abs(o["items_per_second"] - 65536 / (o["real_time"] * 1e-6)) < 1e-6 * o["items_per_second"], o'
    json_check "skip with error: error_occurred, message escaped and intact" "$tmp/all.json" '
k = by_name["BM_skip"][0]
assert k["error_occurred"] is True, k
assert k["error_message"] == "skipped on purpose: \"quoted\" \\ back\tslash", k'

    # -------------------------------------------------------- repetitions
    "$selftest" "$fast" --benchmark_repetitions=3 --benchmark_format=json \
        >"$tmp/reps.json" 2>/dev/null
    json_check "repetitions: 3 runs, then mean/median/stddev/cv aggregates" "$tmp/reps.json" '
reps = by_name["BM_memcpy/8"]
assert [r["repetition_index"] for r in reps] == [0, 1, 2], reps
assert all(r["repetitions"] == 3 for r in reps), reps
assert len({r["iterations"] for r in reps}) == 1, "repetitions reuse the iteration count"
units = {"mean": "time", "median": "time", "stddev": "time", "cv": "percentage"}
for stat, unit in units.items():
    [a] = by_name["BM_memcpy/8_" + stat]
    assert a["run_type"] == "aggregate" and a["aggregate_name"] == stat, a
    assert a["aggregate_unit"] == unit and a["run_name"] == "BM_memcpy/8", a
    assert a["iterations"] == 3 and "repetition_index" not in a, a
    assert a["family_index"] == 0 and a["per_family_instance_index"] == 0, a
times = sorted(r["real_time"] for r in reps)
assert abs(by_name["BM_memcpy/8_median"][0]["real_time"] - times[1]) <= 1e-9 * times[1]
mean = by_name["BM_memcpy/8_mean"][0]
assert abs(mean["real_time"] - sum(times) / 3) <= 1e-9 * mean["real_time"]
cv = by_name["BM_memcpy/8_cv"][0]
assert abs(cv["real_time"] - by_name["BM_memcpy/8_stddev"][0]["real_time"] / mean["real_time"]) < 1e-9
assert "BM_skip_mean" not in by_name, "no aggregates over failed runs"
names = [r["name"] for r in runs]
assert names.index("BM_memcpy/8_cv") < names.index("BM_memcpy/512"), "aggregates follow their runs"'
    "$selftest" "$fast" --benchmark_repetitions=2 --benchmark_report_aggregates_only=true \
        --benchmark_format=json >"$tmp/aggonly.json" 2>/dev/null
    json_check "--benchmark_report_aggregates_only: aggregates alone (errors still shown)" \
        "$tmp/aggonly.json" '
for r in runs:
    assert r["run_type"] == "aggregate" or r.get("error_occurred"), r["name"]
assert len(by_name["BM_skip"]) == 2 and "BM_memcpy/8_cv" in by_name'
    "$selftest" "$fast" --benchmark_repetitions=2 --benchmark_display_aggregates_only \
        --benchmark_filter=memcpy --benchmark_out="$tmp/display.json" \
        >"$tmp/display.out" 2>/dev/null
    if grep -q '^BM_memcpy/8_mean ' "$tmp/display.out" && ! grep -q '^BM_memcpy/8 ' "$tmp/display.out"; then
        pass "--benchmark_display_aggregates_only: the display shows aggregates only"
    else
        fail "--benchmark_display_aggregates_only: the display shows aggregates only" \
            "$(cat "$tmp/display.out")"
    fi
    json_check "--benchmark_display_aggregates_only: the file keeps every run" \
        "$tmp/display.json" '
assert len(by_name["BM_memcpy/8"]) == 2 and len(by_name["BM_memcpy/8_mean"]) == 1'

    # ------------------------------------------------- units, min_time
    "$selftest" --benchmark_min_time=5x --benchmark_time_unit=ms --benchmark_format=json \
        >"$tmp/fixed.json" 2>/dev/null
    json_check "--benchmark_min_time=5x and --benchmark_time_unit=ms (registration wins)" \
        "$tmp/fixed.json" '
for r in runs:
    want = 0 if r.get("error_occurred") else 20 if r["name"].startswith("BM_pause") else 5
    assert r["iterations"] == want, r
    assert r["time_unit"] == ("us" if r["name"].startswith("BM_omp") else "ms"), r'
fi
expect 0 'BM_memcpy/8' "--benchmark_min_time=0.01 (no unit: seconds, as older GB)" \
    "$selftest" --benchmark_min_time=0.01 --benchmark_filter=memcpy/8

# ----------------------------------------------------------------- CSV
"$selftest" "$fast" --benchmark_format=csv >"$tmp/all.csv" 2>"$tmp/csv.err"
header='name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message'
# (work_per_thread only where OpenMP was built in.)
counters=',"calls","invariant","per_iteration","per_thread","seconds_per_call"'
case $(head -n 1 "$tmp/all.csv") in
"$header$counters" | "$header$counters"',"work_per_thread"') csv_header=ok ;;
*) csv_header=bad ;;
esac
if [ $csv_header = ok ] && grep -q '^Run on' "$tmp/csv.err"; then
    pass "CSV header: GB's columns, then the user counters"
else
    fail "CSV header: GB's columns, then the user counters" "$(head -n 3 "$tmp/all.csv")"
fi
if [ "$PY" != false ]; then
    out=$("$PY" - "$tmp/all.csv" <<'EOF' 2>&1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
skip = [r for r in rows if r[0] == "BM_skip"][0]
assert skip[8] == "true" and skip[9] == 'skipped on purpose: "quoted" \\ back\tslash', skip
memcpy = [r for r in rows if r[0] == "BM_memcpy/8"][0]
assert int(memcpy[1]) > 0 and memcpy[4] == "ns" and float(memcpy[5]) > 0, memcpy
EOF
    )
    [ $? -eq 0 ] && pass "CSV rows parse, quotes doubled" || fail "CSV rows parse, quotes doubled" "$out"
fi

# ------------------------------------------------------- output file
"$selftest" "$fast" --benchmark_filter=memcpy/8 --benchmark_out="$tmp/out.json" \
    >"$tmp/out.stdout" 2>&1
status=$?
if [ $status -eq 0 ] && [ -s "$tmp/out.json" ] && grep -q '^BM_memcpy/8 ' "$tmp/out.stdout" &&
    [ -z "$(ls "$tmp" | grep 'out\.json\.tmp')" ]; then
    pass "--benchmark_out writes the file (json by default), no temporary left"
else
    fail "--benchmark_out writes the file (json by default), no temporary left" \
        "status $status" "$(cat "$tmp/out.stdout")" "$(ls "$tmp")"
fi
[ "$PY" != false ] && json_check "--benchmark_out file is valid JSON" "$tmp/out.json" '
assert [r["name"] for r in runs] == ["BM_memcpy/8"], runs'
"$selftest" "$fast" --benchmark_filter=memcpy/8 --benchmark_out="$tmp/out.csv" \
    --benchmark_out_format=csv >/dev/null 2>&1
if [ "$(head -n 1 "$tmp/out.csv")" = "$header" ] && [ "$(wc -l <"$tmp/out.csv")" -eq 2 ]; then
    pass "--benchmark_out_format=csv: the file holds the table alone"
else
    fail "--benchmark_out_format=csv: the file holds the table alone" "$(cat "$tmp/out.csv")"
fi
"$selftest" "$fast" --benchmark_filter=memcpy/8 --benchmark_out="$tmp/out.txt" \
    --benchmark_out_format=console --benchmark_format=json >/dev/null 2>&1
if grep -q '^Run on' "$tmp/out.txt" && grep -q '^BM_memcpy/8 ' "$tmp/out.txt"; then
    pass "--benchmark_out_format=console: context and table in the file"
else
    fail "--benchmark_out_format=console: context and table in the file" "$(cat "$tmp/out.txt")"
fi
out=$("$selftest" "$fast" --benchmark_out="$tmp/missing/dir/x.json" 2>&1)
status=$?
if [ $status -eq 2 ] && printf '%s\n' "$out" | grep -q "cannot write $tmp/missing/dir/x.json" &&
    ! printf '%s\n' "$out" | grep -q '^BM_'; then
    pass "unwritable --benchmark_out: exit 2 before running anything"
else
    fail "unwritable --benchmark_out: exit 2 before running anything" "status $status" "$out"
fi
expect 2 "cannot write $tmp: Is a directory" "--benchmark_out naming a directory" \
    "$selftest" "$fast" --benchmark_out="$tmp"

# A killed run leaves the previous report untouched and no temporary.
# (The block's stderr is the shell's, which would announce "Terminated".)
echo previous >"$tmp/kill.json"
{
    "$selftest" --benchmark_min_time=5s --benchmark_filter=memcpy \
        --benchmark_out="$tmp/kill.json" >/dev/null 2>&1 &
    pid=$!
    sleep 1
    kill -TERM "$pid"
    wait "$pid"
    status=$?
} 2>/dev/null
if [ $status -ne 0 ] && [ "$(cat "$tmp/kill.json")" = previous ] &&
    [ -z "$(ls "$tmp" | grep 'kill\.json\.tmp')" ]; then
    pass "a run killed by SIGTERM leaves the old file and no temporary"
else
    fail "a run killed by SIGTERM leaves the old file and no temporary" "status $status" \
        "$(ls "$tmp")" "$(head -c 200 "$tmp/kill.json")"
fi

# ------------------------------------------------------------ bad input
expect 2 "unknown flag '--benchmark_bogus=1'" "unknown flag" "$selftest" --benchmark_bogus=1
expect 2 "unexpected argument 'extra'" "positional argument" "$selftest" extra
expect 2 "--benchmark_min_time: 'abc' is not a time" "min_time not a number" \
    "$selftest" --benchmark_min_time=abc
expect 2 "--benchmark_min_time: '-1s' is not a time" "negative min_time" \
    "$selftest" --benchmark_min_time=-1s
expect 2 "--benchmark_min_time: '0x' is not a positive iteration count" "min_time 0x" \
    "$selftest" --benchmark_min_time=0x
expect 2 "--benchmark_repetitions: '-2' is not a positive integer" "negative repetitions" \
    "$selftest" --benchmark_repetitions=-2
expect 2 "--benchmark_repetitions: 'three' is not a positive integer" "repetitions not a number" \
    "$selftest" --benchmark_repetitions=three
expect 2 "--benchmark_filter: bad regular expression '\(\['" "bad regex" \
    "$selftest" '--benchmark_filter=(['
expect 2 "--benchmark_format: unknown format 'xml'" "unknown format" \
    "$selftest" --benchmark_format=xml
expect 2 "--benchmark_out_format: unknown format 'html'" "unknown out format" \
    "$selftest" --benchmark_out_format=html
expect 2 "--benchmark_time_unit: unknown unit 'ps'" "unknown time unit" \
    "$selftest" --benchmark_time_unit=ps
expect 2 "--benchmark_report_aggregates_only: 'maybe' is not a boolean" "bad boolean" \
    "$selftest" --benchmark_report_aggregates_only=maybe
expect 2 "--benchmark_out needs a value" "--benchmark_out without a value" \
    "$selftest" --benchmark_out

# Mistakes in a benchmark program are reported, not ignored.
expect 1 "BM_memcpy/8: registered twice" "a name registered twice refuses to run" \
    env HARNESS_SELFTEST_MISUSE=register "$selftest" "$fast"
expect 0 "BM_early_return +ERROR OCCURRED: 'the benchmark returned before bench_keep_running" \
    "a benchmark leaving its loop early is an error run" \
    env HARNESS_SELFTEST_MISUSE=loop "$selftest" "$fast" --benchmark_filter=early
expect 0 "BM_reserved_counter +ERROR OCCURRED: .*'real_time' cannot name a counter" \
    "a counter named like a JSON key is an error run" \
    env HARNESS_SELFTEST_MISUSE=counter "$selftest" "$fast" --benchmark_filter=reserved

# ---------------------------------------------------------- compare.py
# GB's comparison tool (Debian: libbenchmark-tools) must read our JSON.
# configure records where it is; otherwise look where Debian puts it.
config_value() { sed -n "s/^$1 := //p" "$BUILDDIR/config.mk" 2>/dev/null; }
COMPARE_PY=${COMPARE_PY:-$(config_value COMPARE_PY)}
[ -n "$COMPARE_PY" ] || COMPARE_PY=$(dpkg -L libbenchmark-tools 2>/dev/null | grep '/compare\.py$' | head -n 1)
[ -n "$COMPARE_PY" ] || COMPARE_PY=/usr/share/benchmark/compare.py
COMPARE_PYTHON=${COMPARE_PYTHON:-$(config_value COMPARE_PYTHON)}
[ -n "$COMPARE_PYTHON" ] || COMPARE_PYTHON=/usr/bin/python3
if [ ! -f "$COMPARE_PY" ] || ! "$COMPARE_PYTHON" -c 'import scipy, numpy' >/dev/null 2>&1; then
    skip "compare.py benchmarks A.json B.json" "compare.py not installed"
    skip "compare.py filters" "compare.py not installed"
    skip "compare.py runs the benchmark program itself" "compare.py not installed"
else
    for f in a b; do
        "$selftest" "$fast" --benchmark_repetitions=3 --benchmark_filter=-BM_pause \
            --benchmark_out="$tmp/cmp_$f.json" >/dev/null 2>&1
    done
    out=$("$COMPARE_PYTHON" "$COMPARE_PY" --no-color benchmarks "$tmp/cmp_a.json" "$tmp/cmp_b.json" 2>&1)
    status=$?
    if [ $status -eq 0 ] && printf '%s\n' "$out" | grep -q '^BM_memcpy/8 ' &&
        printf '%s\n' "$out" | grep -q '^BM_sqrt/libm/n:1000_mean ' &&
        printf '%s\n' "$out" | grep -q '^BM_memcpy/512_pvalue .*U Test, Repetitions: 3 vs 3'; then
        pass "compare.py benchmarks A.json B.json (with the U test)"
    else
        fail "compare.py benchmarks A.json B.json (with the U test)" "status $status" "$out"
    fi
    out=$("$COMPARE_PYTHON" "$COMPARE_PY" --no-color filters "$tmp/cmp_a.json" \
        BM_memcpy/8 BM_memcpy/512 2>&1)
    status=$?
    if [ $status -eq 0 ] && printf '%s\n' "$out" | grep -q '^\[BM_memcpy/8 vs\. BM_memcpy/512\] ' &&
        printf '%s\n' "$out" | grep -q '^OVERALL_GEOMEAN '; then
        pass "compare.py filters"
    else
        fail "compare.py filters" "status $status" "$out"
    fi
    out=$("$COMPARE_PYTHON" "$COMPARE_PY" --no-color benchmarks "$selftest" "$selftest" \
        "$fast" --benchmark_filter=memcpy/8 2>&1)
    status=$?
    if [ $status -eq 0 ] && printf '%s\n' "$out" | grep -q '^OVERALL_GEOMEAN '; then
        pass "compare.py runs the benchmark program itself (--benchmark_out)"
    else
        fail "compare.py runs the benchmark program itself (--benchmark_out)" "status $status" "$out"
    fi
fi

[ "$failures" -eq 0 ]
