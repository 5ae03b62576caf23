#!/bin/sh
# More bad input to the command-line tool (tests/cli_bad_input.sh has the
# first set, tests/cli_train.sh the `train` flags): each case must exit
# non-zero with a one-line message naming what was wrong, never crash, and
# leave no output or temporary file behind.  Also --on-nonfinite.
. "$(dirname "$0")/tap.sh"
GOLDEN_DIR=${GOLDEN_DIR:-../shared/golden}
descent=$BUILDDIR/descent
good=$GOLDEN_DIR/optim/adam_default.txt

# no_files_left NAME DIR: DIR holds nothing (no partial output, no .tmp).
no_files_left() {
    left=$(ls -A "$2")
    if [ -z "$left" ]; then
        pass "$1: no file left behind"
    else
        fail "$1: left $left"
    fi
}

# ------------------------------------------------------- top level, info
expect 2 "unknown command ''" "empty command" "$descent" ""
expect 2 "info: unknown argument '--bogus'" "info --bogus" "$descent" info --bogus

# ------------------------------------------------------------ golden flags
expect 2 "--threads: -1 is out of range" "golden --threads -1" "$descent" golden --threads -1 "$good"
expect 2 "--threads: '' is not an integer" "golden --threads=''" "$descent" golden --threads= "$good"
expect 2 "unknown ISA '' \\(expected" "golden --isa ''" "$descent" golden --isa "" "$good"
expect 2 "unknown ISA 'AVX2'" "golden --isa AVX2 (names are lower case)" \
    "$descent" golden --isa AVX2 "$good"
expect 2 "DESCENT_ISA: unknown ISA 'avx3'" "DESCENT_ISA=avx3 for train" \
    env DESCENT_ISA=avx3 "$descent" train --problem quadratic --quiet

# ------------------------------------------------------ malformed oracles
sed 's/^n 16$/n 0/' "$good" >"$tmp/n0.txt"
expect 2 "n0.txt:10: n must be an integer in \\[1, 100000000\\]" "oracle with n 0" \
    "$descent" golden "$tmp/n0.txt"
sed 's/^n 16$/n 100000001/' "$good" >"$tmp/nbig.txt"
expect 2 "nbig.txt:10: n must be an integer in \\[1, 100000000\\]" "oracle with n above the limit" \
    "$descent" golden "$tmp/nbig.txt"
sed 's/^lr 0.05$/lr nan/' "$good" >"$tmp/lrnan.txt"
expect 2 "lrnan.txt:4: not a finite number: nan" \
    "oracle with lr nan" "$descent" golden "$tmp/lrnan.txt"
sed 's/^beta1 0.9$/beta1 1/' "$good" >"$tmp/beta1.txt"
expect 2 "beta1.txt:[0-9]+: invalid hyperparameters: Invalid beta parameter at index 0: 1" \
    "oracle with beta1 1" "$descent" golden "$tmp/beta1.txt"
sed 's/^steps 6$/steps 0/' "$good" >"$tmp/steps0.txt"
expect 2 "steps0.txt:11: steps must be an integer" "oracle with steps 0" \
    "$descent" golden "$tmp/steps0.txt"
head -c 300 "$good" >"$tmp/cut.txt"
expect 2 "cut.txt:12: " "oracle cut in the middle of a line" "$descent" golden "$tmp/cut.txt"

# -------------------------------------------------------- train: values
expect 2 "--lr: '1e400' is not a finite number" "train --lr 1e400 (overflows)" \
    "$descent" train --problem quadratic --lr 1e400
expect 2 "--lr: '-nan' is not a finite number" "train --lr -nan" \
    "$descent" train --problem quadratic --lr -nan
expect 2 "Invalid beta parameter at index 0: 1.0001" "train --beta1 1.0001" \
    "$descent" train --problem quadratic --optimizer adam --beta1 1.0001
expect 2 "--threads: -2 is out of range" "train --threads -2" \
    "$descent" train --problem quadratic --threads -2
expect 2 "--threads: '1e3' is not an integer" "train --threads 1e3" \
    "$descent" train --problem quadratic --threads 1e3
expect 2 "--max-steps: '12abc' is not an integer" "train --max-steps 12abc" \
    "$descent" train --problem quadratic --max-steps 12abc
expect 2 "--epochs: '99999999999999999999' is not an integer" "train --epochs overflowing long" \
    "$descent" train --problem quadratic --epochs 99999999999999999999
case $(uname -m) in
    x86_64) other=neon ;;
    *) other=avx2 ;;
esac
expect 2 "ISA '$other' is not compiled|does not support ISA '$other'" \
    "train --isa $other on $(uname -m)" "$descent" train --problem quadratic --isa "$other"
if ! grep -q avx512f /proc/cpuinfo 2>/dev/null && "$descent" info | grep -q "avx512(cpu lacks it)"; then
    expect 2 "this CPU does not support ISA 'avx512'" "train --isa avx512 on a CPU without it" \
        "$descent" train --problem quadratic --isa avx512
fi
expect 2 "--on-nonfinite: unknown non-finite policy 'ignore' \\(expected propagate, skip or stop\\)" \
    "train --on-nonfinite ignore" "$descent" train --problem quadratic --on-nonfinite ignore
expect 2 "--on-nonfinite needs a value" "train --on-nonfinite without value" \
    "$descent" train --problem quadratic --on-nonfinite

# ------------------------------------------------- train: output paths
mkdir "$tmp/out"
expect 2 "--log: cannot write /nonexistent/x.csv: No such file or directory" \
    "train --log /nonexistent/x.csv" "$descent" train --problem quadratic --log /nonexistent/x.csv
expect 2 "--log: empty file name" "train --log ''" "$descent" train --problem quadratic --log ""
mkdir "$tmp/out/taken.csv" # the log's name is a directory: refused before the run
expect 2 "--log: cannot write $tmp/out/taken.csv: Is a directory" "train --log onto a directory" \
    "$descent" train --problem quadratic --max-steps 3 --quiet --log "$tmp/out/taken.csv"
rmdir "$tmp/out/taken.csv"
no_files_left "failed --log runs" "$tmp/out"

# ------------------------------------------------ train: bad IDX files
# A tiny Fashion-MNIST directory (20 training, 10 test images of 28x28),
# then one defect at a time in the training images or labels.
be32() {
    printf "\\$(printf '%03o' $((($1 >> 24) & 255)))\\$(printf '%03o' $((($1 >> 16) & 255)))"
    printf "\\$(printf '%03o' $((($1 >> 8) & 255)))\\$(printf '%03o' $(($1 & 255)))"
}
images() { # COUNT FILE [DECLARED_COUNT [MAGIC]]
    { be32 "${4:-2051}"; be32 "${3:-$1}"; be32 28; be32 28; yes descent | head -c $(($1 * 784)); } >"$2"
}
labels() { # COUNT FILE [DECLARED_COUNT [FIRST_LABEL]]
    {
        be32 2049
        be32 "${3:-$1}"
        printf "\\$(printf '%03o' "${4:-0}")"
        head -c $(($1 - 1)) /dev/zero
    } >"$2"
}
fm=$tmp/fm
make_data() {
    rm -rf "$fm" && mkdir "$fm"
    images 20 "$fm/train-images-idx3-ubyte"
    labels 20 "$fm/train-labels-idx1-ubyte"
    images 10 "$fm/t10k-images-idx3-ubyte"
    labels 10 "$fm/t10k-labels-idx1-ubyte"
}
train_fm() { "$descent" train --problem fashion-mnist --data "$fm" --epochs 1 --batch 5 --quiet; }
make_data
expect 0 "stopped: epoch limit" "the tiny Fashion-MNIST set trains (fixture check)" train_fm
make_data && rm "$fm/train-images-idx3-ubyte"
expect 2 "train-images-idx3-ubyte(.gz)?: cannot open" "IDX: missing images file" train_fm
make_data && : >"$fm/train-images-idx3-ubyte"
expect 2 "train-images-idx3-ubyte: empty file" "IDX: empty images file" train_fm
make_data && images 19 "$fm/train-images-idx3-ubyte" 20
expect 2 "train-images-idx3-ubyte: truncated: the header declares 20 images of 28x28" \
    "IDX: truncated images file" train_fm
make_data && images 21 "$fm/train-images-idx3-ubyte" 20
expect 2 "train-images-idx3-ubyte: 784 bytes of trailing data after the 20 images" \
    "IDX: oversized images file" train_fm
make_data && images 20 "$fm/train-images-idx3-ubyte" 20 2049
expect 2 "train-images-idx3-ubyte: magic number 0x00000801, expected 0x00000803" \
    "IDX: wrong magic (a label file as images)" train_fm
make_data && images 1 "$fm/train-images-idx3-ubyte" 9999999
expect 2 "train-images-idx3-ubyte: truncated: the header declares 9999999 images" \
    "IDX: header claims 9999999 images (7.8 GB) in a 1 KB file" train_fm
make_data && images 1 "$fm/train-images-idx3-ubyte" 10000001
expect 2 "train-images-idx3-ubyte: image count 10000001 is not in 1..10000000" \
    "IDX: image count above the limit" train_fm
make_data && head -c 10 "$fm/train-images-idx3-ubyte" >"$tmp/h" && mv "$tmp/h" "$fm/train-images-idx3-ubyte"
expect 2 "train-images-idx3-ubyte: truncated header \\(10 of 16 bytes\\)" "IDX: truncated header" train_fm
make_data && labels 20 "$fm/train-labels-idx1-ubyte" 20 10
expect 2 "train-labels-idx1-ubyte: label 10 of example 0 is not in 0..9" "IDX: label out of range" train_fm
make_data && labels 19 "$fm/train-labels-idx1-ubyte"
expect 2 "19 labels|20 images|counts? differ|does not match" "IDX: 20 images but 19 labels" train_fm
make_data && rm "$fm/train-images-idx3-ubyte" && printf '\037\213\010\000garbage' >"$fm/train-images-idx3-ubyte.gz"
expect 2 "train-images-idx3-ubyte.gz: (corrupt gzip data|truncated|empty file)" "IDX: corrupt gzip file" \
    train_fm

# ------------------------------------------ benchmark harness: filters
# glibc's regcomp needs memory exponential in stacked repetitions; the
# harness refuses them (fuzz/bench_flags.c found 42 '+' taking > 2 GB).
expect 2 "--benchmark_filter: regular expression 'a\+{40}' repeats too much" \
    "bench --benchmark_filter with 40 stacked '+'" "$BUILDDIR/bench/harness_selftest" \
    --benchmark_list_tests "--benchmark_filter=a++++++++++++++++++++++++++++++++++++++++"
expect 2 "repeats too much" "bench --benchmark_filter='((a{99}){99}){99}'" \
    "$BUILDDIR/bench/harness_selftest" --benchmark_list_tests "--benchmark_filter=((a{99}){99}){99}"

# ---------------------------------------------- train: --on-nonfinite
# SGD at lr 0.01 on Rosenbrock overflows to an infinite gradient at step 6.
nf() { "$descent" train --problem rosenbrock --optimizer sgd --lr 0.01 --quiet "$@"; }
expect 1 "stopped: diverged" "default: a non-finite gradient stops the run unstepped" nf
expect 1 "grad\\[0\\] = -inf \\(first bad element of 2\\); step not taken" \
    "--on-nonfinite stop names the element" nf --on-nonfinite stop
expect 1 "final f -?nan at \\(inf, inf\\).*stopped: diverged" \
    "--on-nonfinite propagate steps into inf/NaN, then stops" nf --on-nonfinite propagate
expect 1 "5 steps, 100 skipped \\(non-finite gradient\\).*stopped: 100 steps in a row skipped" \
    "--on-nonfinite skip: a gradient that stays non-finite stops after --max-skips (100)" \
    nf --on-nonfinite skip
expect 1 "5 steps, 7 skipped .*stopped: 7 steps in a row skipped" "--max-skips 7" \
    nf --on-nonfinite skip --max-skips 7
expect 0 "5 steps, 9995 skipped \\(non-finite gradient\\).*stopped: epoch limit" \
    "--on-nonfinite skip --max-skips 0 leaves the bad steps out and goes on" \
    nf --on-nonfinite skip --max-skips 0
expect 2 "--max-skips: -1 is out of range" "--max-skips -1" nf --max-skips -1
expect 2 "--max-skips: 'x' is not an integer" "--max-skips x" nf --max-skips x
