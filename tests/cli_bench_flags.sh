#!/bin/sh
# Google Benchmark's flags (bench/flags.c) refuse what would crash, hang or
# run for days: filters too long, nested too deep, repeating too much or
# using back-references (the '-' negated form too), and numbers out of
# range or not plain decimal (hex, inf, nan, a sign).  Each refusal is one
# line and exit status 2, quickly: every command runs under `timeout 20`,
# so a regression fails (status 124) instead of hanging the suite.
. "$(dirname "$0")/tap.sh"
selftest=$BUILDDIR/bench/harness_selftest
bench=$BUILDDIR/descent-bench

require_built "$selftest" "$bench"

# refuse NAME PATTERN COMMAND... (tests/tap.sh): exit 2, one matching line.

# nested N: a pattern of N nested groups around 'a'.
nested() { printf "%${1}s" '' | tr ' ' '('; printf a; printf "%${1}s" '' | tr ' ' ')'; }
# ere TEXT: TEXT as an extended regex matching itself.
ere() { printf '%s' "$1" | sed 's/[].+*?()|{}^$\\[]/\\&/g'; }
parens=$(nested 30000)
backref='(.*)(.*)(.*)(.*)(.*)\5\4\3\2\1x'

# ------------------------------------------------------------ filters
for prog in "$selftest" "$bench"; do
    p=$(basename "$prog")
    list="$prog --benchmark_list_tests"
    refuse "$p: a filter of 30000 nested parentheses (regcomp's stack)" \
        "--benchmark_filter: regular expression '\(+\.\.\.' is longer than 1024 bytes" \
        $list "--benchmark_filter=$parens"
    refuse "$p: the same negated ('-' form)" "regular expression '-\(+\.\.\.' is longer" \
        $list "--benchmark_filter=-$parens"
    refuse "$p: a filter nesting 33 groups" "nests groups more than 32 deep" \
        $list "--benchmark_filter=$(nested 33)"
    refuse "$p: a back-reference filter (minutes of backtracking)" \
        "regular expression '\(\.\*\).*' uses a back-reference" \
        $list "--benchmark_filter=$backref"
    refuse "$p: a negated back-reference filter" "'-\(a\)\\\\1' uses a back-reference" \
        $list '--benchmark_filter=-(a)\1'
    refuse "$p: a back-reference after a bracket expression" "uses a back-reference" \
        $list '--benchmark_filter=(a)[[:alpha:]]\1'
    # 130 MB in regcomp: the optional copies' epsilon closures grow as n^2.
    refuse "$p: a filter repeating too much (a{0,4095})" "'a\{0,4095\}' repeats too much" \
        $list '--benchmark_filter=a{0,4095}'
done
# In a bracket expression '\' is an ordinary character; '\\' is a literal one.
out=$(timeout 20 "$selftest" --benchmark_list_tests '--benchmark_filter=[\1]' 2>&1)
if [ $? -eq 0 ] && [ "$out" = "BM_memcpy/512
BM_sqrt/libm/n:1000" ]; then
    pass "a bracket expression holding backslash and 1 is no back-reference"
else
    fail "a bracket expression holding backslash and 1 is no back-reference" "$out"
fi
expect 0 '^$' "an escaped backslash then 1 is no back-reference" \
    timeout 20 "$selftest" --benchmark_list_tests '--benchmark_filter=\\1'
expect 0 '^BM_memcpy/8$' "a filter nesting 32 groups is accepted" \
    timeout 20 "$selftest" --benchmark_list_tests "--benchmark_filter=$(nested 32 | tr a 8)\$"
expect 0 '^BM_step/adam/' "descent-bench: a plain filter still selects" \
    timeout 20 "$bench" --benchmark_list_tests '--benchmark_filter=^BM_step/adam/'

# ------------------------------------------------------------ numbers
for v in 1e308 3601 1e4 0x1p-3 0X1P-3 0x1p-3s inf nan infs -1 +1 ' 1' 1es 1000000001x 1e3x 0x10x
do
    refuse "--benchmark_min_time=$v is refused" \
        "--benchmark_min_time: '$(ere "$v")' is not (a time in seconds|a positive iteration)" \
        timeout 20 "$selftest" --benchmark_list_tests "--benchmark_min_time=$v"
done
for v in 0 1000001 0x10 1e3 inf nan 3.0 ' 3'; do
    refuse "--benchmark_repetitions=$v is refused" \
        "--benchmark_repetitions: '$(ere "$v")' is not a positive integer \(1\.\.1000000\)" \
        timeout 20 "$selftest" --benchmark_list_tests "--benchmark_repetitions=$v"
done
for v in 3600 3600s 0 .5 5. 1e-3s 2.5E-1 1000000000x; do
    expect 0 '^BM_memcpy/8$' "--benchmark_min_time=$v is accepted" \
        timeout 20 "$selftest" --benchmark_list_tests "--benchmark_min_time=$v" \
        '--benchmark_filter=memcpy/8$'
done
expect 0 '^BM_memcpy/8 +[0-9.]+ ns +[0-9.]+ ns +7 ' "a filter and --benchmark_min_time=7x run" \
    timeout 20 "$selftest" --benchmark_min_time=7x '--benchmark_filter=memcpy/8$'
expect 0 '^BM_memcpy/8 +[0-9.]+ ns' "a filter and --benchmark_min_time=0.001s run" \
    timeout 20 "$selftest" --benchmark_min_time=0.001s '--benchmark_filter=-^BM_[^m]|/512|/32768'

# ------------------------------------------------------------ --help
out=$("$selftest" --help 2>&1)
if printf '%s\n' "$out" | grep -q 'at most 1024 bytes, groups nested at' &&
    printf '%s\n' "$out" | grep -q 'most 32 deep, no back-references' &&
    printf '%s\n' "$out" | grep -q '(0 to 3600, default 0.5s)' &&
    printf '%s\n' "$out" | grep -q 'iterations (1 to 1000000000)' &&
    printf '%s\n' "$out" | grep -q 'repeat each benchmark (1 to 1000000)'; then
    pass "--help states the filter limits and the numbers' ranges"
else
    fail "--help states the filter limits and the numbers' ranges" "$out"
fi

[ "$failures" -eq 0 ]
