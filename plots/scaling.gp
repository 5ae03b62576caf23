# scaling.gp — thread scaling: the best variant of each optimizer on 1
# thread and on all cores, at the LLC and main-memory sizes.
load 'plots/common.gp'
load data.'/roof.gp'
set title sprintf("Thread scaling: best variant, 1 vs %d threads (Mparam/s); dashed: 4r3w ceiling in memory (28 B/param)", maxt)
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -35 scale 0
set ylabel "Mparam/s"
set yrange [0:*]
# The ceilings as arrows across the plot (functions would widen the x range
# of the histogram), with key entries of their own.
set arrow 1 from graph 0, first ceil_mem_1 to graph 1, first ceil_mem_1 nohead dt 2 lw 2 lc rgb "black"
set arrow 2 from graph 0, first ceil_mem_all to graph 1, first ceil_mem_all nohead dt 3 lw 2 lc rgb "red"
set key inside top right
plot for [i=2:5] data.'/scaling.dat' skip 1 using i:xtic(1) title word("LLC,1-thread LLC,all-cores mem,1-thread mem,all-cores", i - 1), \
     keyentry with lines dt 2 lw 2 lc rgb "black" title "4r3w ceiling, mem, 1 thread", \
     keyentry with lines dt 3 lw 2 lc rgb "red" title sprintf("4r3w ceiling, mem, %d threads", maxt)
