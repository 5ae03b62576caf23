# json2tsv.awk — flattens a Google Benchmark JSON file (as bench/harness.h
# and GB write it: one key per line inside "benchmarks") to tab-separated
# rows, one per run or aggregate, for the summary and the plots:
#   name run_type aggregate threads items_per_second bytes_per_second
#   GFLOPS ceiling_fraction peak_fraction arith_intensity
#   ceiling_bytes_per_second vs_1_thread error real_time_ns
# (real_time converted from its time_unit to ns; a speed for the rows
# without items_per_second: every iteration does the same work.)
# Missing values are "-".  POSIX awk.
function ns(t, unit) {
    if (t == "-" || unit == "ns") return t
    return sprintf("%.17g", t * (unit == "s" ? 1e9 : unit == "ms" ? 1e6 : 1e3))
}
function flush() {
    if (name != "")
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, rt, ag, th,
            ips, bps, gf, cf, pf, ai, cb, v1, err, ns(real, unit)
    name = ""; rt = "-"; ag = "-"; th = "-"; ips = "-"; bps = "-"; gf = "-"; cf = "-"; pf = "-"; ai = "-"; cb = "-"; v1 = "-"; err = "0"
    real = "-"; unit = "ns"
}
function val(line,   v) {
    v = line
    sub(/^[^:]*:[ \t]*/, "", v)
    sub(/,[ \t]*$/, "", v)
    gsub(/"/, "", v)
    return v
}
BEGIN { inb = 0; flush() }
/"benchmarks":/ { inb = 1; next }
!inb { next }
/^    \{/ { flush(); next }
/^      "name":/ { name = val($0); next }
/^      "run_type":/ { rt = val($0); next }
/^      "aggregate_name":/ { ag = val($0); next }
/^      "threads":/ { th = val($0); next }
/^      "items_per_second":/ { ips = val($0); next }
/^      "bytes_per_second":/ { bps = val($0); next }
/^      "GFLOPS":/ { gf = val($0); next }
/^      "ceiling_fraction":/ { cf = val($0); next }
/^      "peak_fraction":/ { pf = val($0); next }
/^      "arith_intensity":/ { ai = val($0); next }
/^      "ceiling_bytes_per_second":/ { cb = val($0); next }
/^      "real_time":/ { real = val($0); next }
/^      "time_unit":/ { unit = val($0); next }
/^      "vs_1_thread":/ { v1 = val($0); next }
/^      "error_occurred": true/ { err = "1"; next }
END { flush() }
