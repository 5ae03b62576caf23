#!/bin/sh
# plots/render.sh RESULTS OUTDIR — draws OUTDIR/*.png from RESULTS (what
# `make bench` wrote) with the gnuplot scripts plots/*.gp; `make plots`
# runs it alone.  Without gnuplot (GNUPLOT empty or missing) it says that
# the plots were skipped and succeeds: the data in RESULTS is the result.
# Each PNG is drawn to a temporary name and renamed when complete.
set -u
R=${1:-results}
O=${2:-plots}
here=$(dirname "$0")
bench=$here/../bench
GP=${GNUPLOT:-}
TERM_NAME=${GNUPLOT_TERM:-pngcairo}
if [ -z "$GP" ] || [ ! -x "$GP" ]; then
    echo "plots skipped: gnuplot not found (configure left GNUPLOT empty); the data is in $R/"
    exit 0
fi
mkdir -p "$O" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# ---- throughput tables for the gnuplot scripts
if [ -f "$R/throughput.json" ]; then
    awk -f "$bench/json2tsv.awk" "$R/throughput.json" | awk -f "$bench/medians.awk" > "$tmp/tp.tsv"
    awk -F'\t' -v dir="$tmp" '
    function seg(name, i,   a) { split(name, a, "/"); return a[i] }
    function thr(name,   t) { t = name; sub(/.*threads:/, "", t); return t + 0 }
    {
        fam = seg($1, 1); t = thr($1); if (t > maxt) maxt = t
        if (fam == "BM_step") {
            o = seg($1, 2); v = seg($1, 3); l = seg($1, 4)
            if (!(o in so)) { so[o] = 1; opts[++no] = o }
            if (!(v in sv)) { sv[v] = 1; vars[++nv] = v }
            ips[o, v, l, t] = $5; gf[o, v, l, t] = $7; ai[o] = $10
            if ($5 > best[o, l, t]) best[o, l, t] = $5
        } else if (fam == "BM_ceiling") {
            c[seg($1, 2), seg($1, 3), t] = $6
        } else if (fam == "BM_peak_fma") {
            pk[seg($1, 2), t] = $7 * 1e9
        } else if (fam == "BM_peak_tile") {
            tile[seg($1, 2), t] = $7 * 1e9
        } else if (fam == "BM_mlp" && t == 1 && seg($1, 2) != "forward") {
            b = seg($1, 4); sub(/batch:/, "", b)
            k = ++nm; mv[k] = seg($1, 3); ml[k] = (seg($1, 2) == "train_step" ? "step" : "fwd+bwd") "/b" b
            mai[k] = $10; mgf[k] = $7
        }
    }
    END {
        split("L1 L2 LLC mem", L, " ")
        for (i = 1; i <= 4; i++) {
            f = dir "/thr_" L[i] ".dat"
            printf "optimizer" > f
            for (k = 1; k <= nv; k++) printf " %s", vars[k] > f
            printf "\n" > f
            for (j = 1; j <= no; j++) {
                printf "%s", opts[j] > f
                for (k = 1; k <= nv; k++) {
                    x = ips[opts[j], vars[k], L[i], 1]
                    printf " %s", x == "" ? "NaN" : x / 1e6 > f
                }
                printf "\n" > f
            }
            close(f)
        }
        f = dir "/scaling.dat"
        printf "optimizer LLC_1 LLC_%d mem_1 mem_%d\n", maxt, maxt > f
        for (j = 1; j <= no; j++) {
            o = opts[j]; printf "%s", o > f
            split("LLC LLC mem mem", LL, " "); split("1 " maxt " 1 " maxt, TT, " ")
            for (k = 1; k <= 4; k++) { x = best[o, LL[k], TT[k]]; printf " %s", x == "" ? "NaN" : x / 1e6 > f }
            printf "\n" > f
        }
        close(f)
        # roofline: the widest variant, one thread
        wide = vars[nv]
        for (i = 1; i <= 4; i++) {
            f = dir "/roof_" L[i] ".dat"
            printf "# optimizer ai gflops\n" > f
            for (j = 1; j <= no; j++) {
                x = gf[opts[j], wide, L[i], 1]
                if (x != "") printf "%s %s %s\n", opts[j], ai[opts[j]], x > f
            }
            close(f)
        }
        # the MLP (784-128-10, same variant, 1 thread) at its nominal intensity
        f = dir "/roof_mlp.dat"
        printf "# label ai gflops\n" > f
        for (k = 1; k <= nm; k++) if (mv[k] == wide && mai[k] != "-") printf "%s %s %s\n", ml[k], mai[k], mgf[k] > f
        close(f)
        f = dir "/roof.gp"
        printf "wide = \"%s\"\n", wide > f
        printf "peak = %g\n", pk[wide, 1] / 1e9 > f
        printf "peak_all = %g\n", pk[wide, maxt] / 1e9 > f
        printf "tile_peak = %g\n", tile[wide, 1] / 1e9 > f
        for (i = 1; i <= 4; i++) printf "bw_%s = %g\n", L[i], c["4r3w", L[i], 1] / 1e9 > f
        printf "maxt = %d\n", maxt > f
        lvls = ""
        for (i = 1; i <= 4; i++) {
            any = 0
            for (j = 1; j <= no; j++) for (k = 1; k <= nv; k++) if (ips[opts[j], vars[k], L[i], 1] != "") any = 1
            if (any) lvls = lvls (lvls == "" ? "" : " ") L[i]
        }
        printf "levels = \"%s\"\n", lvls > f
        scal = 0
        for (j = 1; j <= no; j++) if (maxt > 1 && best[opts[j], "mem", maxt] != "") scal = 1
        print scal > (dir "/have_scaling")
        printf "ceil_mem_1 = %g\nceil_mem_all = %g\n", c["4r3w", "mem", 1] / 28e6, c["4r3w", "mem", maxt] / 28e6 > f
        close(f)
    }' "$tmp/tp.tsv"
fi

status=0
# draw NAME SCRIPT [extra gnuplot assignments]: OUTDIR/NAME.png from plots/SCRIPT.gp
draw() {
    name=$1 script=$2
    shift 2
    if "$GP" -e "term='$TERM_NAME'; out='$tmp/$name.png'; data='$tmp'; results='$R'; $*" \
        "$here/$script.gp" > "$tmp/$name.log" 2>&1 && [ -s "$tmp/$name.png" ]; then
        mv -f "$tmp/$name.png" "$O/$name.png"
        echo "  $O/$name.png"
    else
        echo "plots: $script.gp failed for $name:" >&2
        sed 's/^/  /' "$tmp/$name.log" | tail -n 8 >&2
        status=1
    fi
}
echo "plots:"
if [ -f "$tmp/tp.tsv" ] && [ -s "$tmp/tp.tsv" ]; then
    if grep -q '^BM_step' "$tmp/tp.tsv"; then
        draw throughput throughput
        [ "$(cat "$tmp/have_scaling")" = 1 ] && draw scaling scaling
        draw roofline roofline
    fi
fi
for p in linreg rosenbrock fmnist; do
    ls "$R/curves/${p}_"*.csv > /dev/null 2>&1 && draw "loss_$p" loss "prob='$p'"
done
for p in fmnist linreg rosenbrock; do
    ls "$R/curves/lrsens_${p}_"*.csv > /dev/null 2>&1 && draw "lr_sensitivity_$p" lr_sensitivity "prob='$p'"
done
ls "$R/curves/batch_"*.csv > /dev/null 2>&1 && draw batch_sizes linreg_runs "prefix='batch_'; what='Full-batch GD vs mini-batch vs SGD (batch 1): plain SGD on linreg-2x1, lr tuned'"
ls "$R/curves/schedule_"*.csv > /dev/null 2>&1 && draw schedules linreg_runs "prefix='schedule_'; what='Learning-rate schedules: SGD, batch 10, lr 0.1 on linreg-2x1 (descent_train schedule fields)'"
ls "$R/curves/precision_"*.csv > /dev/null 2>&1 && draw precision precision
ls "$R/paths/rosenbrock_"*.csv > /dev/null 2>&1 && draw rosenbrock_paths rosenbrock_paths
exit $status
