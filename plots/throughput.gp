# throughput.gp — optimizer steps per second (Mparam/s) per optimizer and
# variant, one thread, at each size class (from results/throughput.json).
load 'plots/common.gp'
load data.'/roof.gp'
nl = words(levels)
set multiplot layout (nl > 2 ? 2 : 1),(nl > 1 ? 2 : 1) title "descent optimizer step throughput, 1 thread (Mparam/s, log scale; higher is better)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set logscale y
set xtics rotate by -35 scale 0
set ylabel "Mparam/s"
set key inside top center horizontal
set offsets 0, 0, graph 0.15, 0
do for [lv in levels] {
    set title sprintf("size class %s", lv)
    plot for [i=2:*] data.'/thr_'.lv.'.dat' using i:xtic(1) title columnheader(i)
}
unset multiplot
