#!/bin/sh
# bench/index_html.sh RESULTS PLOTS SUMMARY — writes to stdout the page
# `make bench` leaves as RESULTS/index.html: the machine the run happened
# on (CPU, variants, threads, compiler, date, OPENBLAS_CORETYPE, load), the
# summary tables (SUMMARY: what bench/summary.sh printed), every PLOTS/*.png
# by a link relative to RESULTS, and links to the raw result files.  One
# self-contained page: inline style, no script, nothing fetched from the
# network, so it opens from disk.  BUILDDIR (for descent info and the
# compiler configure chose), SCOPE and WALL (the run's) come from
# bench/run_suite.sh.  POSIX sh + sed.
set -u
R=${1:-results}
P=${2:-plots}
summary=${3:-}
B=${BUILDDIR:-build}

html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
# The first value of a JSON string or number key in the run's context.
json_value() {
    [ -f "$R/throughput.json" ] || return 0
    sed -n "s/^ *\"$1\": *\"*\([^\",]*\)\"*,*$/\1/p" "$R/throughput.json" | head -n 1
}
row() { # KEY VALUE
    printf '<tr><th>%s</th><td>%s</td></tr>\n' "$1" "$(printf '%s' "$2" | html_escape)"
}
# PLOTS as seen from RESULTS, for relative links.
plots_rel=$(realpath -m --relative-to="$R" "$P" 2>/dev/null) || plots_rel=$P

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
info=$("$B/descent" info 2>/dev/null)
info_line() { printf '%s\n' "$info" | sed -n "s/^$1: *//p"; }
cc=$(sed -n 's/^CC := //p' "$B/config.mk" 2>/dev/null)
compiler=$(${cc:-cc} --version 2>/dev/null | head -n 1)
# descent-bench sets SkylakeX itself when the variable is unset and the
# CPU has AVX-512; its OpenBLAS rows' labels say which it ran with.
core=$(sed -n 's/.*OPENBLAS_CORETYPE=\([A-Za-z0-9_]*\).*/\1/p' "$R/throughput.json" 2>/dev/null |
    head -n 1)
if [ -n "$core" ]; then
    core="$core (the OpenBLAS rows' label)"
elif [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    core="$OPENBLAS_CORETYPE (environment; no OpenBLAS row ran)"
else
    core="unset (no OpenBLAS row ran)"
fi
load=$(sed -n 's/.*"load_avg": \[\(.*\)\],*/\1/p' "$R/throughput.json" 2>/dev/null | head -n 1)
threads=$(sed -n 's/.*"name": "BM_[^"]*threads:\([0-9]*\)".*/\1/p' "$R/throughput.json" 2>/dev/null |
    sort -n -u | tr '\n' ' ' | sed 's/ $//')

cat <<'EOF'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>descent benchmark results</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
pre { background: #f8f8f8; border: 1px solid #ddd; padding: 0.8em; overflow-x: auto; }
figure { margin: 1em 0 2em; }
img { max-width: 100%; border: 1px solid #ddd; }
</style>
</head>
<body>
<h1>descent benchmark results</h1>
<h2 id="machine">Machine</h2>
<table>
EOF
row "Date" "$(json_value date)"
row "Host" "$(json_value host_name)"
row "CPU" "${cpu:-$(info_line cpu)} ($(json_value num_cpus) CPUs, $(json_value mhz_per_cpu) MHz)"
row "CPU features" "$(info_line features)"
row "Variants (ISA)" "$(info_line variants); chosen by default: $(info_line chosen)"
row "Threads" "$(info_line openmp); OMP_NUM_THREADS ${OMP_NUM_THREADS:-unset}; rows measured with: ${threads:-?}"
row "SLEEF" "$(info_line sleef)"
row "Compiler" "${compiler:-unknown}"
row "OPENBLAS_CORETYPE" "$core"
row "Load average at start" "${load:-?} (other work on the machine disturbs the all-core rows)"
row "Scope" "${SCOPE:-?}, wall time ${WALL:-?}"
echo "</table>"

echo '<h2 id="summary">Summary</h2>'
if [ -n "$summary" ] && [ -s "$summary" ]; then
    echo '<pre>'
    html_escape <"$summary"
    echo '</pre>'
else
    echo '<p>No summary (no throughput or convergence results).</p>'
fi

echo '<h2 id="plots">Plots</h2>'
found=0
for png in "$P"/*.png; do
    [ -f "$png" ] || continue
    found=1
    name=$(basename "$png")
    printf '<figure><img src="%s/%s" alt="%s"><figcaption>%s</figcaption></figure>\n' \
        "$plots_rel" "$name" "$name" "$name"
done
[ "$found" = 1 ] || echo '<p>No plots (gnuplot not found: the data is in the files below).</p>'

echo '<h2 id="files">Result files</h2>'
echo '<ul>'
for f in bench_console.txt throughput.json convergence_summary.txt convergence_table.txt \
    convergence.json; do
    [ -f "$R/$f" ] && printf '<li><a href="%s">%s</a></li>\n' "$f" "$f"
done
echo '</ul>'
echo '</body>'
echo '</html>'
