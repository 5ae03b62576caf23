# linreg_runs.gp — excess loss against epochs for the batch-size or the
# schedule comparison (results/curves/<prefix>*.csv).
load 'plots/common.gp'
set datafile separator ","
files = system("ls ".results."/curves/".prefix."*.csv")
name(f) = f[strstrt(f, prefix) + strlen(prefix) : strlen(f) - 4]
stats word(files, 1) using ($4 - $5) every ::1::1 nooutput
optimum = STATS_min
set title what
set logscale y
set format y "%.0e"
set xlabel "epoch (passes over the 100 points)"
set ylabel "full-data loss - least-squares optimum"
set key inside top right
plot for [f in files] f using 2:($5 > 0 ? $5 : NaN) every ::1 with lines lw 2 title name(f), \
     0.01 * optimum with lines dt 2 lc rgb "black" title "target: 1% of the optimum"
