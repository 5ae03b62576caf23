# bench/progress.awk — make bench's console while descent-bench runs: reads
# descent-bench's console output (stdout and stderr together; the whole of
# it goes to results/bench_console.txt beside) and prints one line per
# benchmark family (the name's first two parts: BM_step/adam, BM_mlp/forward)
# when the family is done, with how many benchmarks it ran and its seconds.
# Rows that report an error are passed through whole.  With tty=1 (stderr
# is a terminal) a progress bar on stderr shows how far the run is and the
# benchmark finished last.
#
#   awk -v total=N -v tty=0|1 -f bench/progress.awk
function now(   cmd, t) {
    cmd = "date +%s"
    cmd | getline t
    close(cmd)
    return t + 0
}
function clear_bar() {
    if (tty && bar_shown) { printf "\r\033[K" > "/dev/stderr"; fflush("/dev/stderr"); bar_shown = 0 }
}
function finish(   t) {
    if (family == "") return
    t = now()
    clear_bar()
    printf "  [%" width "d/%d] %-30s %4d benchmark%s %5d s\n", done, total, family, rows,
        rows == 1 ? " " : "s", t - family_start
    fflush()
    family_start = t
}
function bar(name,   cells, filled, s, i) {
    cells = 30
    filled = total > 0 ? int(cells * done / total) : 0
    if (filled > cells) filled = cells
    s = ""
    for (i = 0; i < cells; i++) s = s (i < filled ? "#" : ".")
    if (length(name) > 60) name = substr(name, 1, 57) "..."
    printf "\r\033[K[%s] %d/%d %s", s, done, total, name > "/dev/stderr"
    fflush("/dev/stderr")
    bar_shown = 1
}
BEGIN { width = length(total ""); family_start = now() }
/^BM_/ {
    base = $1
    sub(/_(mean|median|stddev|cv)$/, "", base)
    n = split(base, part, "/")
    fam = part[1] (n > 1 ? "/" part[2] : "")
    if (fam != family) { finish(); family = fam; rows = 0 }
    if (index($0, "ERROR OCCURRED")) { clear_bar(); print; fflush() }
    if (!(base in seen)) {
        seen[base] = 1; done++; rows++
        if (tty) bar(base)
    }
}
END { finish(); clear_bar() }
