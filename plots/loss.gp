# loss.gp — one problem's curves (best lr, first seed) from
# results/curves/<prob>_<optimizer>.csv: the target metric against steps
# and against seconds of optimizer + gradient work.
load 'plots/common.gp'
set datafile separator ","
files = system("ls ".results."/curves/".prob."_*.csv")
name(f) = f[strstrt(f, prob."_") + strlen(prob) + 1 : strlen(f) - 4]
set multiplot layout 1,2 title (prob eq "linreg" ? "linreg-2x1, full batch: excess loss (loss - least-squares optimum), target 1% of the optimum" : \
    prob eq "rosenbrock" ? "Rosenbrock from (-1.5, 2): f(x, y), target 1e-4" : \
    "Fashion-MNIST 784-128-10 ReLU, batch 64: test accuracy (subset)")
set key inside top right font ",9"
if (prob eq "fmnist") {
    set ylabel "test accuracy"
    set key inside bottom right
    col = 5
} else {
    set logscale y
    set format y "%.0e"
    set ylabel (prob eq "linreg" ? "loss - optimum" : "f")
    col = (prob eq "linreg") ? 5 : 4
}
set logscale x
set xlabel "step"
set title "against steps"
nf = words(files)
# linetypes 9.. are set in common.gp (dashed, distinct colours)
plot for [i=1:nf] word(files, i) using ($1 > 0 ? $1 : NaN):(column(col) > 0 ? column(col) : NaN) every ::1 with lines lw 2 lt i title name(word(files, i))
set xlabel "seconds (gradient + step)"
set title "against seconds"
set format x "%.0e"
plot for [i=1:nf] word(files, i) using ($3 > 0 ? $3 : NaN):(column(col) > 0 ? column(col) : NaN) every ::1 with lines lw 2 lt i title name(word(files, i))
unset multiplot
