#!/bin/sh
# The unit test programs under valgrind's memcheck (when configure found
# valgrind): any invalid read or write, use of uninitialised memory, or a
# definite or indirect leak fails the program's line.  Quick sizes
# (DESCENT_TEST_QUICK=1) and one OpenMP thread by default keep it to about
# a minute; "possibly lost" blocks are not errors (libgomp keeps its thread
# pool until exit).  Valgrind does not emulate AVX-512, so under it the CPU
# looks like AVX2 at most and the AVX-512 checks report SKIP.
set -u
BUILDDIR=${BUILDDIR:-build}
VALGRIND=${VALGRIND:-}
n=0
if [ -z "$VALGRIND" ]; then
    echo "ok 1 - valgrind # SKIP configure found no valgrind"
    exit 0
fi
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
names=
# All at once, in the background: memcheck runs each program on one core,
# and the slow ones (test_mlp, test_agreement) then overlap.
for name in test_reference test_hparams test_reliability test_agreement test_mlp test_idx test_train \
    test_lbfgs test_train_dist; do
    t=$BUILDDIR/tests/$name
    [ -x "$t" ] || continue
    names="$names $name"
    (
        start=$(date +%s)
        OMP_NUM_THREADS=1 DESCENT_TEST_QUICK=1 "$VALGRIND" -q --error-exitcode=99 \
            --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect "$t" >"$dir/$name.log" 2>&1
        echo "$? $(($(date +%s) - start))" >"$dir/$name.status"
    ) &
done
wait
for name in $names; do
    n=$((n + 1))
    read -r status secs <"$dir/$name.status"
    log=$dir/$name.log
    if [ "$status" -eq 0 ]; then
        echo "ok $n - valgrind $name: no invalid access, no leak (${secs} s)"
    elif [ "$status" -eq 99 ]; then
        echo "not ok $n - valgrind $name: memcheck errors"
        grep '^==' "$log" | head -n 30 | sed 's/^/#   /'
    else
        echo "not ok $n - valgrind $name: exited with status $status"
        grep -E '^(not ok|#|==)' "$log" | head -n 30 | sed 's/^/#   /'
    fi
done
