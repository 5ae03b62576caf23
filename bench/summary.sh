#!/bin/sh
# bench/summary.sh RESULTS — the short table `make bench` prints at the end:
# the measured ceilings and peaks, the best variant of each optimizer at the
# main-memory size (params/s and fraction of its access pattern's
# ceiling), mixed-precision Adam per precision (BM_mixed), the MLP train
# step's GFLOP/s and fraction of the FMA peak, Hogwild's updates/s and time
# to target per thread count, every threads:1 row against its threads:2
# twin (bench/two_threads.awk), and the time-to-result table of
# descent-converge.  Reads
# RESULTS/throughput.json (medians over repetitions) and
# RESULTS/convergence_table.txt, and the peer table RESULTS/peers.txt
# (bench/torch_peer.py).  POSIX sh + awk.
set -u
R=${1:-results}
here=$(dirname "$0")
if [ -f "$R/throughput.json" ]; then
    awk -f "$here/json2tsv.awk" "$R/throughput.json" | awk -f "$here/medians.awk" |
    awk -F'\t' '
    function seg(name, i,   a) { split(name, a, "/"); return a[i] }
    function thr(name,   t) { t = name; sub(/.*threads:/, "", t); return t + 0 }
    {
        fam = seg($1, 1); t = thr($1)
        if (t > maxt) maxt = t
        if (fam == "BM_ceiling") {
            c[seg($1, 2), seg($1, 3), t] = $6; lv[seg($1, 3)] = seg($1, 4); haveceil = 1
        } else if (fam == "BM_peak_fma") {
            pk[seg($1, 2), t] = $7; isas[seg($1, 2)] = 1
        } else if (fam == "BM_peak_tile") {
            tl[seg($1, 2), t] = $7
        } else if (fam == "BM_step" && seg($1, 4) == "mem") {
            o = seg($1, 2); n_mem = seg($1, 5)
            if (!(o in seen)) { seen[o] = 1; opts[++no] = o }
            if ($5 > best[o, t]) { best[o, t] = $5; bv[o, t] = seg($1, 3); bc[o, t] = $8; bb[o, t] = $11 }
        } else if (fam == "BM_mlp") {
            op = seg($1, 2); v = seg($1, 3); b = seg($1, 4); sub(/batch:/, "", b)
            if (op == "train_step" && $7 > mg[b, t]) { mg[b, t] = $7; mv[b, t] = v; mf[b, t] = $9 }
            if (op == "forward_backward" && v == "openblas") ob[b, t] = $7
            if (op == "forward_backward" && v != "openblas" && $7 > fb[b, t]) { fb[b, t] = $7; fv[b, t] = v }
            if (op == "forward" && v != "openblas" && $7 > fw[b, t]) fw[b, t] = $7
            if (op == "backward" && v != "openblas" && $7 > bw[b, t]) bw[b, t] = $7
            batches[b] = 1
        } else if (fam == "BM_mixed") {
            pr = seg($1, 4); misa = seg($1, 3); mn = seg($1, 6)
            if (!(pr in mseen)) { mseen[pr] = 1; mpr[++nm] = pr }
            mi[pr, t] = $5; mcf[pr, t] = $8; if ($5 > 0) mbpp[pr] = $6 / $5
        } else if (fam == "BM_busy") {
            busy[seg($1, 4), seg($1, 5)] = $12; busy_isa = seg($1, 3); havebusy = 1
        }
    }
    function gb(x) { return x == "" ? "     -" : sprintf("%6.1f", x / 1e9) }
    function opt1(x) { return x == "" ? "-" : sprintf("%.1f", x) }
    function share(x, y) { return x == "" || y == "" || y + 0 <= 0 ? "-" : sprintf("%.2f", x / y) }
    END {
        if (haveceil) {
            print "Ceilings (BM_ceiling rows), GB/s (bytes the pattern must move / s; triad counts 12 B, moves 16):"
            printf "  %-4s %9s %7s %7s %7s %7s %7s\n", "size", "n", "threads", "2r1w", "3r2w", "4r3w", "triad"
            split("L1 L2 LLC mem", L, " ")
            for (i = 1; i <= 4; i++) for (t = 1; t <= maxt; t++) {
                if (c["4r3w", L[i], t] == "" && c["triad", L[i], t] == "") continue
                printf "  %-4s %9s %7d %s %s %s %s\n", L[i], lv[L[i]], t,
                    gb(c["2r1w", L[i], t]), gb(c["3r2w", L[i], t]), gb(c["4r3w", L[i], t]), gb(c["triad", L[i], t])
            }
        }
        line = ""
        nv = split("scalar avx2 avx512 neon", order, " ")
        for (k = 1; k <= nv; k++) for (t = 1; t <= maxt; t++)
            if (pk[order[k], t] != "") line = line sprintf("  %s/%dt %.1f", order[k], t, pk[order[k], t])
        if (line != "") print "FMA peak, GFLOP/s:" line
        line = ""
        for (k = 1; k <= nv; k++) for (t = 1; t <= maxt; t++)
            if (tl[order[k], t] != "") line = line sprintf("  %s/%dt %.1f", order[k], t, tl[order[k], t])
        if (line != "") print "FMA rate of a GEMM register tile, operands in L1 (BM_peak_tile), GFLOP/s:" line
        if (no > 0) {
            printf "Optimizers at the main-memory size (n = %s), best variant per thread count;\n", n_mem
            print "  ceiling: the in-place kernel of the same access pattern, measured around each row (GB/s), and the fraction reached:"
            printf "  %-13s", "optimizer"
            for (t = 1; t <= maxt; t++) if (t == 1 || t == maxt) printf "  %-7s %9s %8s %8s", "t=" t, "Mparam/s", "ceil GB/s", "fraction"
            printf "\n"
            for (k = 1; k <= no; k++) {
                o = opts[k]; printf "  %-13s", o
                for (t = 1; t <= maxt; t++) if (t == 1 || t == maxt) {
                    if (best[o, t] == "") { printf "  %-7s %9s %9s %8s", "-", "-", "-", "-"; continue }
                    printf "  %-7s %9.0f %9s %8s", bv[o, t], best[o, t] / 1e6, bb[o, t] == "-" ? "-" : sprintf("%.1f", bb[o, t] / 1e9),
                        bc[o, t] == "-" ? "-" : sprintf("%.2f", bc[o, t])
                }
                printf "\n"
            }
        }
        nb = 0
        for (b in batches) nb++
        if (nb > 0) {
            print "MLP 784-128-10 ReLU, train step (forward + backward + Adam), best variant; GFLOP/s of the parts (best variant);"
            print "  fwd+bwd as a fraction of the FMA peak and of the L1-fed tile (the medians above), and over OpenBLAS:"
            printf "  %-6s %7s %-7s %8s %8s   %7s %7s %7s %7s %7s   %8s %6s\n", "batch", "threads", "variant", "GFLOP/s", "of peak",
                "fwd", "bwd", "fwd+bwd", "of peak", "of tile", "OpenBLAS", "x"
            for (b in batches) for (t = 1; t <= maxt; t++) {
                if (mg[b, t] == "") continue
                printf "  %-6s %7d %-7s %8.1f %8s   %7s %7s %7s %7s %7s   %8s %6s\n", b, t, mv[b, t], mg[b, t],
                    mf[b, t] == "-" ? "-" : sprintf("%.2f", mf[b, t]), opt1(fw[b, t]), opt1(bw[b, t]),
                    opt1(fb[b, t]), share(fb[b, t], pk[fv[b, t], t]), share(fb[b, t], tl[fv[b, t], t]),
                    opt1(ob[b, t]), share(fb[b, t], ob[b, t])
            }
        }
        if (nm > 0) {
            printf "Mixed-precision Adam (BM_mixed, %s, n = %s, out of cache): param-grad-state dtypes; x fp32: params/s over the fp32 row'"'"'s:\n", misa, mn
            printf "  %-22s %7s", "precision", "B/param"
            for (t = 1; t <= maxt; t++) if (t == 1 || t == maxt) printf "  %-5s %9s %8s %7s", "t=" t, "Mparam/s", "fraction", "x fp32"
            printf "\n"
            for (k = 1; k <= nm; k++) {
                pr = mpr[k]
                printf "  %-22s %7s", pr, (pr in mbpp) ? sprintf("%.0f", mbpp[pr]) : "-"
                for (tt = 1; tt <= maxt; tt++) {
                    if (tt != 1 && tt != maxt) continue
                    if (!((pr, tt) in mi)) { printf "  %-5s %9s %8s %7s", "", "-", "-", "-"; continue }
                    base = mi["fp32-fp32-fp32", tt] + 0
                    frac = mcf[pr, tt] == "-" ? "-" : sprintf("%.2f", mcf[pr, tt])
                    ratio = base > 0 ? sprintf("%.2f", mi[pr, tt] / base) : "-"
                    printf "  %-5s %9.0f %8s %7s", "", mi[pr, tt] / 1e6, frac, ratio
                }
                printf "\n"
            }
        }
        if (havebusy) {
            print "Threads on an idle and a busy machine (BM_busy: MLP train step, batch 64, " busy_isa "; time per step / one thread'"'"'s, same run):"
            printf "  %-6s %12s %12s\n", "", "all threads", "auto (default)"
            split("idle busy", M, " ")
            for (i = 1; i <= 2; i++)
                printf "  %-6s %12s %12s\n", M[i], busy[M[i], "all"] == "" ? "-" : sprintf("%.2f", busy[M[i], "all"]),
                    busy[M[i], "auto"] == "" ? "-" : sprintf("%.2f", busy[M[i], "auto"])
        }
    }'
    # Hogwild's scaling (bench/bench_hogwild.c): the medians of its rows
    # (or the one run without repetitions), from the JSON.
    awk '
    function val(line,   v) {
        v = line; sub(/^[^:]*:[ \t]*/, "", v); sub(/,[ \t]*$/, "", v); gsub(/"/, "", v)
        return v
    }
    function known(x) { return x != "" && x != "-" }
    function flush(   base, t) {
        if (name !~ /^BM_hogwild\//) { name = ""; return }
        base = name; sub(/_median$/, "", base)
        if (base != name || !(base in got)) { # a median replaces its repetitions
            t = base; sub(/.*threads:/, "", t); t += 0
            got[base] = 1; ths[t] = 1
            if (base !~ /\/to_target\//) ups[t] = u
            else { sec[t] = st; ep[t] = et; tl = tg; sl = sy }
        }
        name = ""
    }
    /^    \{/ { flush(); u = st = et = tg = sy = "-"; next }
    /^      "name":/ { name = val($0); next }
    /^      "aggregate_name":/ { if (val($0) != "median") name = ""; next }
    /^      "updates_per_second":/ { u = val($0); next }
    /^      "seconds_to_target":/ { st = val($0); next }
    /^      "epochs_to_target":/ { et = val($0); next }
    /^      "target_loss":/ { tg = val($0); next }
    /^      "sync_loss":/ { sy = val($0); next }
    END {
        flush()
        n = 0
        for (t in ths) list[++n] = t + 0
        if (n == 0) exit
        for (i = 2; i <= n; i++) # insertion sort of the thread counts
            for (j = i; j > 1 && list[j - 1] > list[j]; j--) { x = list[j]; list[j] = list[j - 1]; list[j - 1] = x }
        printf "Hogwild (BM_hogwild: sparse-logreg, batch 1, lr 0.05"
        if (known(tl) && known(sl))
            printf "; target loss %.4f = 1.01 x synchronous SGD'"'"'s after 5 epochs, %.4f", tl, sl
        printf "):\n"
        printf "  %7s %11s %8s %18s %8s\n", "threads", "Mupdates/s", "speedup", "seconds to target", "epochs"
        one = ups[list[1]]
        for (i = 1; i <= n; i++) {
            t = list[i]
            printf "  %7d %11s %8s %18s %8s\n", t, known(ups[t]) ? sprintf("%.2f", ups[t] / 1e6) : "-",
                known(ups[t]) && known(one) ? sprintf("%.2f", ups[t] / one) : "-",
                known(sec[t]) ? sprintf("%.4f", sec[t]) : "-", known(ep[t]) ? sprintf("%.1f", ep[t]) : "-"
        }
    }' "$R/throughput.json"
    # 2 threads against 1 (bench/two_threads.awk), with the size under which
    # the optimizer steps run on one thread, to tell the noise apart, ...
    min_elements=$(sed -n 's/^#define PARALLEL_MIN_ELEMENTS ((size_t)\([0-9]*\))$/\1/p' \
        "$here/../kernels/parallel.c" 2>/dev/null)
    # and the optimizers whose scalar (reference) step is one tensor on one thread
    whole=$(sed -n 's/^#define DESCENT_PER_TENSOR_OPTIMIZERS(X) //p' \
        "$here/../include/descent_optimizers.h" 2>/dev/null |
        sed 's/X(\([A-Z0-9_]*\))/\1 /g; s/ *$//' | tr 'A-Z' 'a-z')
    awk -f "$here/json2tsv.awk" "$R/throughput.json" | awk -f "$here/medians.awk" |
        awk -v min_elements="$min_elements" -v whole="$whole" -f "$here/two_threads.awk"
    load=$(sed -n 's/.*"load_avg": \[\(.*\)\],*/\1/p' "$R/throughput.json" | head -n 1)
    [ -n "$load" ] && echo "(load average when the throughput run started: $load; other work on the machine disturbs the all-core rows)"
fi
if [ -f "$R/convergence_table.txt" ]; then
    echo "Time to result: median epochs (seconds) to target over the seeds at the chosen lr (see $R/convergence_summary.txt):"
    sed 's/^/  /' "$R/convergence_table.txt"
fi
if [ -f "$R/peers.txt" ]; then
    cat "$R/peers.txt"
fi
