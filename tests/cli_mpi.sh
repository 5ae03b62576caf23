#!/bin/sh
# Distributed training under mpirun (configure's MPIRUN: Open MPI with
# --oversubscribe, and --allow-run-as-root as root): the library's checks
# (tests/mpi/test_train_mpi.c, on 2 processes, and 3 for linreg: data parallel against
# one process with the same global batch, ZeRO-1 against unsharded, bits
# on every rank and across runs, state per rank), then `descent train`
# under mpirun -np 2, plain and --shard-state, on Fashion-MNIST (200 steps
# of batch 64) against one process.  Without MPI: the CLI refuses to run
# under a launcher, and the rest is skipped with a SKIP line.
. "$(dirname "$0")/tap.sh"
descent=$BUILDDIR/descent
require_built "$descent"
# no CMA single-copy in containers (ptrace restricted): vader falls back;
# a waiting rank yields its core (2 ranks share 2 cores with the rest)
OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_mpi_yield_when_idle=1
export OMPI_MCA_btl_vader_single_copy_mechanism OMPI_MCA_mpi_yield_when_idle

if [ "$(config HAVE_MPI)" != 1 ]; then
    # a launcher's environment without MPI in the build: one line, exit 2,
    # rather than N independent copies
    refuse "without MPI, started by mpirun: refused" \
        "started as 2 processes \(mpirun\), but this descent was built without MPI" \
        env OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 "$descent" train --problem linreg
    why="configure found no MPI (apt-get install openmpi-bin libopenmpi-dev)"
    [ "${SANITIZE:-}" = 1 ] && why="the sanitizer build leaves MPI out (the normal build runs it)"
    skip "distributed training (mpirun -np 2)" "$why"
    exit "$((failures > 0))"
fi
mpirun=$(config MPIRUN)
require_built "$BUILDDIR/tests/mpi/test_train_mpi"

# test_train_mpi prints its own TAP lines; a crash or a hang is a failure
# (3 processes: parts and shares of unequal sizes; the small problem only)
for np in 2 3; do
    only=
    [ $np = 3 ] && only=--linreg-only
    # shellcheck disable=SC2086  # MPIRUN: the command and its options
    timeout 120 $mpirun -np $np "$BUILDDIR/tests/mpi/test_train_mpi" $only >"$tmp/lib.out" 2>&1
    status=$?
    cat "$tmp/lib.out"
    [ "$status" -eq 0 ] || fail "test_train_mpi -np $np exits 0" "status $status"
done

data=$(sed -n 's/^#define DESCENT_DATA_DIR "\(.*\)"$/\1/p' "$BUILDDIR/config.h" 2>/dev/null)
if [ -z "$data" ] || [ ! -r "$data/train-images-idx3-ubyte.gz" ]; then
    skip "descent train under mpirun on Fashion-MNIST" "no Fashion-MNIST data (configure)"
    exit "$((failures > 0))"
fi
# 200 steps of Adam, global batch 64, one thread per process
fm="train --problem fashion-mnist --train-limit 12800 --test-limit 1000 --batch 64 --epochs 1
    --threads 1 --seed 2 --quiet"
# the summary's final loss, and the dist line's numbers
final() { sed -n 's/.*final loss \([^,]*\),.*/\1/p' "$1"; }
state() { sed -n 's/^dist: .*optimizer state \([0-9]*\) bytes per process.*/\1/p' "$1"; }
same_log() { [ "$(cut -d, -f1,2,4- "$1")" = "$(cut -d, -f1,2,4- "$2")" ]; }
# shellcheck disable=SC2086  # $fm: the flags
"$descent" $fm --shard-state --log "$tmp/one.csv" >"$tmp/one.out" 2>&1
for run in plain plain2 shard; do
    flag=
    [ $run = shard ] && flag=--shard-state
    # shellcheck disable=SC2086
    timeout 120 $mpirun -np 2 "$descent" $fm $flag --log "$tmp/$run.csv" >"$tmp/$run.out" 2>&1
    echo "# $run: $(grep -E '^(train|dist):' "$tmp/$run.out" | tr '\n' ' ')"
done
one=$(final "$tmp/one.out") plain=$(final "$tmp/plain.out") shard=$(final "$tmp/shard.out")
# the stated agreement: the final loss within 1e-4 relative of one process's
if [ -n "$one" ] && [ -n "$plain" ] &&
    awk -v a="$plain" -v b="$one" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-4 * b) }'
then
    pass "mpirun -np 2 descent train: final loss $plain within 1e-4 relative of one process ($one)"
else
    fail "mpirun -np 2 final loss within 1e-4 of one process" "np 2: '$plain', one: '$one'" \
        "$(cat "$tmp/plain.out")"
fi
if [ -n "$plain" ] && [ "$shard" = "$plain" ] && same_log "$tmp/plain.csv" "$tmp/shard.csv"; then
    pass "--shard-state: the same log and final loss as unsharded"
else
    fail "--shard-state: the same log as unsharded" "$(diff "$tmp/plain.csv" "$tmp/shard.csv" |
        head -n 4)" "$(cat "$tmp/shard.out")"
fi
if [ -s "$tmp/plain.csv" ] && same_log "$tmp/plain.csv" "$tmp/plain2.csv" &&
    [ "$(wc -l <"$tmp/plain.csv")" -eq 201 ]; then
    pass "mpirun -np 2: a second run, the same log (200 steps, written by rank 0)"
else
    fail "mpirun -np 2: reproducible logs" "$(diff "$tmp/plain.csv" "$tmp/plain2.csv" | head -n 4)"
fi
full=$(state "$tmp/one.out") half=$(state "$tmp/shard.out") unsharded=$(state "$tmp/plain.out")
# halved, up to the parts' 16-float alignment (Adam: 2 state arrays)
if [ -n "$full" ] && [ "$unsharded" = "$full" ] && [ -n "$half" ] &&
    [ "$((2 * half))" -ge "$full" ] && [ "$((2 * half))" -le "$((full + 2 * 2 * 64))" ]; then
    pass "--shard-state on 2 processes: optimizer state $half bytes per process, of $full"
else
    fail "--shard-state halves the optimizer state" "one: '$full', np 2: '$unsharded'," \
        "np 2 sharded: '$half'"
fi
# the BM_dist rows run under mpirun (the small model, once)
# shellcheck disable=SC2086
timeout 120 $mpirun -np 2 "$BUILDDIR/descent-bench-dist" --benchmark_filter=784-128-10 \
    --benchmark_out="$tmp/dist.json" --benchmark_out_format=json >"$tmp/dist.out" 2>&1
rows=$(grep -c '"name": "BM_dist/fashion-mnist/784-128-10/\(plain\|shard\)/np:2' "$tmp/dist.json")
counters=$(grep -c '"\(compute_s\|comm_s\|bytes_sent\)_per_step"' "$tmp/dist.json")
if [ "$rows" -eq 2 ] && [ "$counters" -eq 6 ] && ! grep -q error_occurred "$tmp/dist.json"; then
    pass "descent-bench-dist under mpirun -np 2: BM_dist rows with compute, comm and bytes"
else
    fail "descent-bench-dist BM_dist rows" "$rows rows, $counters counters" "$(cat "$tmp/dist.out")"
fi
# shellcheck disable=SC2086
refuse "--shard-state refuses lamb under mpirun (one line, exit 2)" \
    "shard-state: lamb reduces over whole tensors" \
    $mpirun -q -np 2 "$descent" $fm --shard-state --optimizer lamb
# shellcheck disable=SC2086
refuse "mpirun -np 2 refuses --save-state (one line, exit 2)" \
    "distributed training \(2 processes\) does not take checkpoints" \
    $mpirun -q -np 2 "$descent" $fm --save-state "$tmp/x.ckpt"
exit "$((failures > 0))"
