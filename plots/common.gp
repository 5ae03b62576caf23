# common.gp — shared settings, loaded by every plots/*.gp (render.sh passes
# term, out, data and results with -e).
set terminal term size 1200,700 font ",11" noenhanced
set output out
set datafile separator whitespace
set grid
set key outside right top
# beyond the 8 default colours: distinct dashed ones (11 optimizers)
set linetype 9 lc rgb "black" dt 2
set linetype 10 lc rgb "brown" dt 2
set linetype 11 lc rgb "dark-violet" dt 4
set linetype 12 lc rgb "gray40" dt 4
