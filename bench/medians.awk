# medians.awk — reads json2tsv.awk's rows and keeps one row per benchmark:
# its "_median" aggregate when the run had repetitions, else the mean of
# its iteration rows.  Output columns as json2tsv.awk's (name without the
# aggregate suffix; run_type/aggregate become "median"/"mean"; error "0").
# Errored runs are dropped.  POSIX awk.
BEGIN { FS = OFS = "\t" }
$13 == "1" { next }
$2 == "aggregate" && $3 == "median" {
    base = $1; sub(/_median$/, "", base)
    if (!(base in seen)) { seen[base] = 1; order[++n] = base }
    med[base] = $0; next
}
$2 == "iteration" {
    base = $1
    if (!(base in seen)) { seen[base] = 1; order[++n] = base }
    cnt[base]++; th[base] = $4
    for (i = 5; i <= 14; i++) {
        if (i == 13) continue # the error flag: errored rows are gone
        if ($i == "-") { miss[base, i] = 1; continue }
        sum[base, i] += $i
    }
}
END {
    for (k = 1; k <= n; k++) {
        b = order[k]
        if (b in med) {
            split(med[b], f, "\t")
            line = b "\tmedian\t-\t" f[4]
            for (i = 5; i <= 12; i++) line = line "\t" f[i]
            print line "\t0\t" f[14]
            continue
        }
        line = b "\tmean\t-\t" th[b]
        for (i = 5; i <= 14; i++)
            line = line "\t" (i == 13 ? 0 : (b, i) in miss ? "-" : sum[b, i] / cnt[b])
        print line
    }
}
