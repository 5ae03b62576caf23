# rosenbrock_paths.gp — the paths (x, y per step, best lr) of several
# optimizers over the contour of the Rosenbrock function.
load 'plots/common.gp'
files = system("ls ".results."/paths/rosenbrock_*.csv")
name(f) = f[strstrt(f, "rosenbrock_") + 11 : strlen(f) - 4]
rosen(x, y) = (1 - x)**2 + 100 * (y - x**2)**2
set xrange [-2:2]
set yrange [-1:3]
set isosamples 200, 200
set contour base
set cntrparam levels discrete 0.1, 0.5, 2, 5, 10, 30, 100, 300, 1000
unset surface
set view map
set table data.'/contour.dat'
splot rosen(x, y)
unset table
unset contour
set title "Optimizer paths over the Rosenbrock contour from (-1.5, 2) (best lr per optimizer); minimum at (1, 1)"
set xlabel "x"
set ylabel "y"
set size ratio -1
set key outside right top
plot data.'/contour.dat' using 1:2 with lines lc rgb "gray70" notitle, \
     for [f in files] '< tr "," " " < '.f using 2:3 every ::1 with lines lw 2 title name(f), \
     "+" using (1):(1) every ::0::0 with points pt 3 ps 2.5 lw 2 lc rgb "black" title "minimum"
