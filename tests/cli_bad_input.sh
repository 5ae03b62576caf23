#!/bin/sh
# Bad input to the command-line tool: every case must print a clear message
# naming what was wrong and exit with the documented status (2 for usage
# errors and for an input file that is missing or malformed, 1 when a check
# fails), never crash.
. "$(dirname "$0")/tap.sh"
GOLDEN_DIR=${GOLDEN_DIR:-../shared/golden}
descent=$BUILDDIR/descent
good=$GOLDEN_DIR/optim/adam_default.txt

expect 2 'usage: descent' "no arguments prints usage" "$descent"
expect 0 'usage: descent' "--help" "$descent" --help
expect 0 '^descent [0-9]+\.[0-9]+' "--version" "$descent" --version
expect 2 "unknown command 'frobnicate'" "unknown command" "$descent" frobnicate
expect 2 "unknown option '--frobnicate'" "unknown top-level flag" "$descent" --frobnicate
expect 0 'chosen: +[a-z0-9]+' "info shows the chosen variant" "$descent" info
expect 2 "unknown argument" "info with an extra argument" "$descent" info extra
expect 2 "no files given" "golden without files" "$descent" golden
expect 2 "unknown option '--bogus'" "golden unknown flag" "$descent" golden --bogus "$good"
expect 2 "unknown ISA 'sse9'" "golden --isa unknown" "$descent" golden --isa sse9 "$good"
expect 2 "--isa needs a value" "golden --isa without value" "$descent" golden --isa
expect 2 "--threads: 0 is out of range" "golden --threads 0" "$descent" golden --threads 0 "$good"
expect 2 "--threads: 'abc' is not an integer" "golden --threads abc" \
    "$descent" golden --threads abc "$good"
expect 2 "--threads: '4x' is not an integer" "golden --threads 4x" \
    "$descent" golden --threads=4x "$good"
expect 2 "--threads: 99999 is out of range" "golden --threads huge" \
    "$descent" golden --threads 99999 "$good"
case $(uname -m) in
    x86_64) other=neon ;;
    *) other=avx2 ;;
esac
expect 2 "ISA '$other' is not compiled|does not support ISA '$other'" \
    "golden --isa $other on $(uname -m)" "$descent" golden --isa "$other" "$good"
expect 2 "DESCENT_ISA: unknown ISA 'bogus' \\(expected scalar" "DESCENT_ISA=bogus" \
    env DESCENT_ISA=bogus "$descent" golden "$good"
expect 2 "cannot open" "golden on a missing file" "$descent" golden "$tmp/missing.txt"
expect 2 "cannot open: not a regular file \\(a directory\\)" "golden on a directory" \
    "$descent" golden "$tmp"

# Malformed oracle files: each one a clear error naming the file and line.
: >"$tmp/empty.txt"
expect 2 "empty.txt:1: empty file" "empty oracle file" "$descent" golden "$tmp/empty.txt"
head -n 20 "$good" >"$tmp/truncated.txt"
expect 2 "truncated.txt:21: unexpected end of file, expected 'grad'" "truncated oracle file" \
    "$descent" golden "$tmp/truncated.txt"
sed 's/^init 1.61661959 /init 1.6166x959 /' "$good" >"$tmp/nonnumber.txt"
expect 2 "nonnumber.txt:12: not a number: 1.6166x959" "non-number value" \
    "$descent" golden "$tmp/nonnumber.txt"
sed 's/^n 16$/n 17/' "$good" >"$tmp/badcount.txt"
expect 2 "badcount.txt:12: 'init' has 16 values, expected 17" "n larger than the values" \
    "$descent" golden "$tmp/badcount.txt"
sed 's/^n 16$/n 1e300/' "$good" >"$tmp/hugen.txt"
expect 2 "hugen.txt:10: n must be an integer" "huge n" "$descent" golden "$tmp/hugen.txt"
sed 's/^n 16$/n -3/' "$good" >"$tmp/negn.txt"
expect 2 "negn.txt:10: n must be an integer" "negative n" "$descent" golden "$tmp/negn.txt"
sed 's/^optimizer adam$/optimizer adamx/' "$good" >"$tmp/unknownopt.txt"
expect 2 "unknownopt.txt:3: unknown optimizer: adamx" "unknown optimizer" \
    "$descent" golden "$tmp/unknownopt.txt"
sed '/^beta2 /d' "$good" >"$tmp/missingkey.txt"
expect 2 "missingkey.txt:6: expected 'beta2': eps" "missing hyperparameter" \
    "$descent" golden "$tmp/missingkey.txt"
sed 's/^lr 0.05$/lr -0.05/' "$good" >"$tmp/badlr.txt"
expect 2 "badlr.txt:9: invalid hyperparameters: Invalid learning rate" "negative lr in file" \
    "$descent" golden "$tmp/badlr.txt"
sed 's/^grad 2 /grad 3 /' "$good" >"$tmp/badstep.txt"
expect 2 "badstep.txt:15: expected 'grad 2': 3" "steps out of order" \
    "$descent" golden "$tmp/badstep.txt"
{ cat "$good"; echo "param 7 1 2 3"; } >"$tmp/trailing.txt"
expect 2 "trailing.txt:25: unexpected record" "trailing garbage" \
    "$descent" golden "$tmp/trailing.txt"
printf 'optimizer adam\nlr 0.1\0\n' >"$tmp/binary.txt"
expect 2 "binary.txt: binary data" "binary file" "$descent" golden "$tmp/binary.txt"

# A wrong expectation must fail, with the worst element located.
sed 's/^param 3 1.67470908 /param 3 1.67570908 /' "$good" >"$tmp/wrong.txt"
expect 1 "FAIL +wrong.txt +adam +step 3 index 0: got 1.67470908 want 1.675709" \
    "a wrong oracle value fails" "$descent" golden --isa scalar "$tmp/wrong.txt"
# ... while the good file, among bad ones, still passes and is counted.
expect 1 "golden: 1 passed, 1 failed, 0 skipped" "summary counts" \
    "$descent" golden --isa scalar "$good" "$tmp/wrong.txt"
