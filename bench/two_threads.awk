# two_threads.awk — the summary's "2 threads against 1" section: pairs every
# row whose name ends in threads:1 with its threads:2 twin (the same name
# otherwise) and compares their speeds, items_per_second of 2 threads over
# 1's, else GFLOPS (the BM_peak_* rows, whose iteration runs its loop once
# per thread), else real time of 1 over 2's (the other rows' iterations
# do the same work on any thread count, so that is the same ratio).  Reads
# medians.awk's rows (json2tsv.awk's columns, real_time_ns the 14th).
# Ratios inside [lo, hi] (-v lo=, hi=; 0.97 and 1.03 unless given) are
# noise.  With -v min_elements= (kernels/parallel.c's PARALLEL_MIN_ELEMENTS)
# the BM_step and BM_mixed pairs of fewer parameters, which run on one
# thread either way, are marked and their spread printed: the run's noise.
# So are, with -v whole= (the per-tensor optimizers' names, space-separated:
# DESCENT_PER_TENSOR_OPTIMIZERS), their scalar BM_step pairs: the scalar
# variant is the reference, which steps a tensor whole on one thread.
# Peer rows (OpenBLAS's BM_mlp rows, PyTorch's BM_peer/torch rows)
# are counted apart and left out of the verdict.  POSIX awk.
BEGIN {
    FS = "\t"
    if (lo == "") lo = 0.97
    if (hi == "") hi = 1.03
}
function known(x) { return x != "" && x != "-" && x + 0 > 0 }
function peer(name) {
    if (name ~ /^BM_peer\/torch\//) return "PyTorch"
    if (name ~ /\/openblas\//) return "OpenBLAS"
    return ""
}
# A speed for the figures: M items/s, or the real time in a unit that
# keeps 1 to 3 digits before the point.
function figure(kind, v) {
    if (kind == "items") return sprintf("%.4g M/s", v / 1e6)
    if (kind == "flops") return sprintf("%.4g GF/s", v)
    if (v < 1e3) return sprintf("%.4g ns", v)
    if (v < 1e6) return sprintf("%.4g us", v / 1e3)
    if (v < 1e9) return sprintf("%.4g ms", v / 1e6)
    return sprintf("%.4g s", v / 1e9)
}
# The parameter count of a BM_step or BM_mixed row (its first all-digit
# name segment), or -1.
function params(name,   seg, m, i) {
    if (name !~ /^BM_(step|mixed)\//) return -1
    m = split(name, seg, "/")
    for (i = 2; i <= m; i++) if (seg[i] ~ /^[0-9]+$/) return seg[i] + 0
    return -1
}
function reference_whole(name,   seg, names, m, i) {
    if (whole == "" || name !~ /^BM_step\/[^\/]*\/scalar\//) return 0
    split(name, seg, "/")
    m = split(whole, names, " ")
    for (i = 1; i <= m; i++) if (seg[2] == names[i]) return 1
    return 0
}
function one_thread_either_way(name,   n) {
    if (reference_whole(name)) return 1
    if (min_elements == "") return 0
    n = params(name)
    return n >= 0 && n < min_elements + 0
}
# Sorts v[1..n] ascending, carrying w[] along.  Insertion sort: a few hundred rows.
function sort2(v, w, n,   i, j, x) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
            x = v[j]; v[j] = v[j - 1]; v[j - 1] = x
            x = w[j]; w[j] = w[j - 1]; w[j - 1] = x
        }
}
$1 ~ /threads:[12]$/ {
    key = $1; sub(/\/?threads:[12]$/, "", key)
    t = substr($1, length($1))
    ips[key, t] = $5; gflops[key, t] = $7; real[key, t] = $14; have[key, t] = 1
    if (t == "1" && !(key in listed)) { listed[key] = 1; keys[++nk] = key }
}
function count(who, r) {
    pairs[who]++
    if (r > hi) faster[who]++
    else if (r >= lo) within[who]++
    else slower[who]++
}
function tally(who) {
    return sprintf("%d pair%s: %d faster on 2 threads, %d within %.2f-%.2f, %d slower",
        pairs[who], pairs[who] == 1 ? "" : "s", faster[who], within[who], lo, hi, slower[who])
}
END {
    for (k = 1; k <= nk; k++) {
        key = keys[k]
        if (!((key, 2) in have)) continue
        if (known(ips[key, 1]) && known(ips[key, 2])) {
            kind = "items"; a = ips[key, 1]; b = ips[key, 2]; r = b / a
        } else if (known(gflops[key, 1]) && known(gflops[key, 2])) {
            kind = "flops"; a = gflops[key, 1]; b = gflops[key, 2]; r = b / a
        } else if (known(real[key, 1]) && known(real[key, 2])) {
            kind = "time"; a = real[key, 1]; b = real[key, 2]; r = a / b
        } else continue
        who = peer(key)
        if (who != "") { if (!(who in pairs)) peers[++np] = who; count(who, r); continue }
        count("", r)
        mark = one_thread_either_way(key) ? "*" : " "
        if (mark == "*") { nq++; qr[nq] = r; ql[nq] = "" }
        if (r >= lo) continue
        ns++; sr[ns] = r
        name = key; sub(/\/real_time$/, "", name)
        sl[ns] = sprintf("%s %-56s %11s %11s", mark, name, figure(kind, a), figure(kind, b))
    }
    printf "2 threads against 1 (each threads:1 row and its threads:2 twin; speed: items/s, else GFLOP/s,"
    printf " else 1 / real time):\n"
    if (pairs[""] + np == 0) { print "  no pairs: this run has no threads:2 rows"; exit }
    print "  descent: " tally("")
    print "  Equal is expected below the one-thread thresholds (kernels/parallel.c PARALLEL_MIN_ELEMENTS,"
    print "  src/mlp.c PARALLEL_MIN_MADDS), where both rows run on one thread: the band allows for noise."
    if (nq > 0) {
        sort2(qr, ql, nq)
        printf "  This run's noise: the %d pair%s (*) under PARALLEL_MIN_ELEMENTS = %d parameters\n", nq,
            nq == 1 ? "" : "s", min_elements
        if (whole != "")
            printf "  (BM_step, BM_mixed) or of the scalar %s (the reference: one tensor, one thread)\n", whole
        printf "  span %.2f-%.2f, their middle half %.2f-%.2f.\n", qr[1], qr[nq],
            qr[int((nq + 3) / 4)], qr[int((3 * nq + 3) / 4)]
    }
    if (ns == 0) print "  No descent row is slower on 2 threads beyond the band."
    else {
        sort2(sr, sl, ns)
        print "  Slower on 2 threads beyond the band, worst first (2 threads / 1, the row without"
        print "  /real_time/threads:N, the speeds: M items/s, GFLOP/s, or time per iteration):"
        for (i = 1; i <= ns; i++) printf "  %5.3f %s\n", sr[i], sl[i]
    }
    for (i = 1; i <= np; i++) print "  peer " peers[i] " (not in the verdict): " tally(peers[i])
}
