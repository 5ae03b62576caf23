# roofline.gp — each optimizer kernel (widest variant, 1 thread) at its
# nominal arithmetic intensity (flop/byte) against achieved GFLOP/s, under
# the measured bandwidth ceilings (the 4r3w access pattern at each size
# class), the measured FMA peak and the FMA rate of a GEMM register tile
# fed from L1 (BM_peak_tile: 0 when the run had none); the MLP's
# forward+backward and train step (784-128-10, batch 64 and 256, same variant, 1 thread) at theirs
# (bench/bench_mlp.c says how its bytes are counted); log-log.
load 'plots/common.gp'
load data.'/roof.gp'
set title sprintf("Roofline, %s, 1 thread: measured FMA peak %.0f GFLOP/s; measured bandwidth (4r3w pattern) per size class", wide, peak)
set logscale xy
set xlabel "arithmetic intensity (flop/byte, nominal counts)"
set ylabel "GFLOP/s"
set xrange [0.05:200]
set yrange [0.5:2*peak]
roof(x, bw) = (bw > 0 ? ((bw * x < peak) ? bw * x : peak) : NaN)
set samples 400
set key outside right top
plot for [i=1:words(levels)] roof(x, value("bw_".word(levels, i))) with lines lw 2 lc i \
         title sprintf("%s bandwidth %.0f GB/s", word(levels, i), value("bw_".word(levels, i))), \
     peak with lines dt 2 lw 2 lc rgb "black" title "FMA peak", \
     (tile_peak > 0 ? tile_peak : NaN) with lines dt 3 lw 2 lc rgb "gray40" \
         title sprintf("GEMM tile, operands in L1: %.0f GFLOP/s", tile_peak), \
     for [i=1:words(levels)] data.'/roof_'.word(levels, i).'.dat' using 2:3 with points pt (4 + i) ps 1.4 lc i \
         title sprintf("kernels, %s size", word(levels, i)), \
     data.'/roof_'.word(levels, words(levels)).'.dat' using 2:3:1 with labels offset 0,-1 font ",8" notitle, \
     data.'/roof_mlp.dat' using 2:3 with points pt 7 ps 1.4 lc rgb "dark-red" title "MLP 784-128-10", \
     data.'/roof_mlp.dat' using 2:3:1 with labels offset 0,1 font ",8" notitle
