#!/bin/sh
# bench/run_suite.sh — what `make bench` runs (the Makefile passes BUILDDIR,
# BENCH, RESULTS, PLOTS, GNUPLOT, GNUPLOT_TERM and DATA_DIR).
#
#   BENCH=         the default suite (about 7 minutes on 2 cores): every
#                  throughput benchmark but BM_threshold, 3 repetitions of 0.05 s with
#                  aggregates, the peers (descent's Fashion-MNIST recipe and
#                  PyTorch, when installed) and the convergence suite
#                  (scope default)
#   BENCH=quick    seconds: a few throughput rows (L2 size, adam and sgd,
#                  batch-64 MLP) once, the convergence suite's quick scope;
#                  no peers
#   BENCH=full     every throughput benchmark, 5 repetitions of 0.2 s, the
#                  peers, and the convergence suite's full scope
#   BENCH=<regex>  only the throughput benchmarks matching the regex (GB's
#                  --benchmark_filter), 3 repetitions; no convergence run
#
# Results go to RESULTS (results/): throughput.json (GB JSON),
# bench_console.txt (descent-bench's whole console table), convergence.json,
# convergence_summary.txt, convergence_table.txt, curves/*.csv (lrsens_*.csv
# included), paths/*.csv.
# Everything is written into a staging folder first and moved into place
# file by file (rename), so an interrupted run leaves the previous results
# whole.  Then plots/render.sh draws PLOTS/*.png, bench/summary.sh prints
# the summary and bench/index_html.sh writes RESULTS/index.html (summary,
# plots and machine in one page).  The console shows one line per benchmark
# family (bench/progress.awk; a progress bar too when stderr is a terminal).
set -u
B=${BUILDDIR:-build}
R=${RESULTS:-results}
P=${PLOTS:-plots}
scope=${BENCH:-default}
here=$(dirname "$0")
case $scope in
quick)
    filter='BM_(peak_fma/[^/]+/real_time/threads:1|ceiling/(2r1w|4r3w)/L2/.*threads:1|step/(adam|sgd)/[^/]+/L2/.*threads:1|mlp/train_step/[^/]+/batch:64/real_time/threads:1)$'
    reps=1 min_time=0.01s conv=quick ;;
default | '')
    # BM_threshold (the one-thread thresholds' crossover, a minute) runs in
    # the full scope and by name, not by default.
    scope=default filter=-BM_threshold reps=3 min_time=0.05s conv=default ;;
full)
    filter= reps=5 min_time=0.2s conv=full ;;
*)
    filter=$scope reps=3 min_time=0.05s conv= ;;
esac

mkdir -p "$R" || exit 1
stage=$R/.staging.$$
rm -rf "$stage"
mkdir -p "$stage" || exit 1
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
echo "== make bench: scope '$scope' (throughput: ${filter:-all benchmarks}, $reps x $min_time; convergence: ${conv:-skipped})"
total=$("$B/descent-bench" ${filter:+"--benchmark_filter=$filter"} --benchmark_list_tests | grep -c '^BM_')
tty=0
[ -t 2 ] && tty=1
echo "throughput: $total benchmarks (full console table: $R/bench_console.txt)"
{
    # a family's repetitions in turn: a threads:1 row and its threads:2 twin
    # then see the same bursts of other load (bench/README.md)
    "$B/descent-bench" ${filter:+"--benchmark_filter=$filter"} --benchmark_min_time=$min_time \
        --benchmark_interleave_family=true \
        --benchmark_repetitions=$reps --benchmark_display_aggregates_only=$([ "$reps" -gt 1 ] && echo true || echo false) \
        --benchmark_out="$stage/throughput.json" --benchmark_out_format=json 2>&1
    echo $? >"$stage/bench.status"
} | tee "$stage/bench_console.txt" | awk -v total="$total" -v tty=$tty -f "$here/progress.awk"
if [ "$(cat "$stage/bench.status" 2>/dev/null)" != 0 ]; then
    echo "descent-bench failed; the end of its console output:" >&2
    tail -n 20 "$stage/bench_console.txt" >&2
    exit 1
fi
# BM_dist (bench/bench_dist.c): data-parallel training under mpirun -np 2,
# plain and ZeRO-1, into RESULTS/dist.json; skipped without MPI.
if [ -n "${MPIRUN:-}" ] && [ -x "$B/descent-bench-dist" ]; then
    dist_filter=
    [ "$scope" = quick ] && dist_filter=784-128-10
    echo "data parallel (BM_dist): mpirun -np 2 descent-bench-dist (console: $R/dist_console.txt)"
    # shellcheck disable=SC2086  # MPIRUN: the command and its options
    OMPI_MCA_btl_vader_single_copy_mechanism=none $MPIRUN -np 2 "$B/descent-bench-dist" \
        ${dist_filter:+"--benchmark_filter=$dist_filter"} --benchmark_repetitions=$reps \
        --benchmark_out="$stage/dist.json" --benchmark_out_format=json \
        >"$stage/dist_console.txt" 2>&1 ||
        echo "  descent-bench-dist failed: $(tail -n 1 "$stage/dist_console.txt")"
else
    echo "data parallel (BM_dist): skipped (configure found no MPI: apt-get install openmpi-bin libopenmpi-dev)" |
        tee "$stage/dist_console.txt"
fi
t_tp=$(date +%s)
# The peers, in the same run: descent train's default Fashion-MNIST recipe
# (its training loop's seconds, from the log) and PyTorch from Debian's
# python3-torch (bench/torch_peer.py: optimizer steps, MLP train step, the
# same recipe), compared in RESULTS/peers.txt.  Without torch they are
# reported as skipped; the quick scope skips them (they take a minute).
if [ "$conv" = quick ]; then
    echo "PyTorch peer: skipped in the quick scope (make bench runs it)" >"$stage/peers.txt"
elif [ -n "$conv" ]; then
    epochs=10
    echo "peers: descent train --problem fashion-mnist --epochs $epochs (the recipe), then PyTorch"
    if ! "$B/descent" train --problem fashion-mnist --epochs "$epochs" --quiet \
        --log "$stage/recipe_descent.csv" ${DATA_DIR:+--data "$DATA_DIR"} >"$stage/recipe_descent.txt" 2>&1; then
        echo "  the descent recipe did not run: $(tail -n 1 "$stage/recipe_descent.txt")"
        rm -f "$stage/recipe_descent.csv"
    fi
    python=${TORCH_PYTHON:-/usr/bin/python3} # configure's (build/config.mk), else Debian's
    if "$python" -c 'import torch' 2>/dev/null; then
        "$python" "$here/torch_peer.py" --out "$stage/torch_peer.json" --scope "$conv" \
            ${DATA_DIR:+--data "$DATA_DIR"} --descent-json "$stage/throughput.json" \
            --descent-recipe "$stage/recipe_descent.csv" --table "$stage/peers.txt" ||
            echo "PyTorch peer: skipped (bench/torch_peer.py failed)" >"$stage/peers.txt"
    else
        echo "PyTorch peer: skipped ($python cannot import torch: apt install python3-torch)" \
            >"$stage/peers.txt"
    fi
fi
t_peer=$(date +%s)
if [ -n "$conv" ]; then
    "$B/descent-converge" --scope "$conv" --out "$stage" ${DATA_DIR:+--data "$DATA_DIR"} || exit 1
fi
t_conv=$(date +%s)

# Move into place: single files by rename; the curve and path folders are
# swapped whole (old ones removed after), so no mix of two runs remains.
for f in throughput.json bench_console.txt dist.json dist_console.txt convergence.json \
    convergence_summary.txt convergence_table.txt torch_peer.json peers.txt recipe_descent.csv; do
    [ -f "$stage/$f" ] && mv -f "$stage/$f" "$R/$f"
done
for d in curves paths; do
    if [ -d "$stage/$d" ]; then
        rm -rf "$R/.old.$d.$$"
        [ -d "$R/$d" ] && mv "$R/$d" "$R/.old.$d.$$"
        mv "$stage/$d" "$R/$d" && rm -rf "$R/.old.$d.$$"
    fi
done

GNUPLOT=${GNUPLOT:-} GNUPLOT_TERM=${GNUPLOT_TERM:-} sh plots/render.sh "$R" "$P"
end=$(date +%s)
wall="$((end - start)) s (throughput $((t_tp - start)) s, peers $((t_peer - t_tp)) s, convergence $((t_conv - t_peer)) s, plots $((end - t_conv)) s)"
echo
echo "== summary ($R/)"
sh "$here/summary.sh" "$R" | tee "$stage/summary.txt"
BUILDDIR=$B SCOPE=$scope WALL=$wall sh "$here/index_html.sh" "$R" "$P" "$stage/summary.txt" \
    >"$stage/index.html" && mv -f "$stage/index.html" "$R/index.html" &&
    echo "== report: $R/index.html (summary, plots, machine; opens from disk)"
echo "== wall time: $wall"
