# lr_sensitivity.gp — DeepOBS-style lr sensitivity of one problem from
# results/curves/lrsens_<prob>_<optimizer>.csv (lr, the value the lr was
# chosen on): one line per optimizer over the bracketed lr grid, log x.
load 'plots/common.gp'
set datafile separator ","
files = system("ls ".results."/curves/lrsens_".prob."_*.csv")
name(f) = f[strstrt(f, "lrsens_".prob."_") + strlen(prob) + 8 : strlen(f) - 4]
set title (prob eq "fmnist" ? "Fashion-MNIST 784-128-10 ReLU: final validation accuracy against the lr (tuning seeds' median)" : \
    "lr sensitivity on ".prob.": median steps to target against the lr (missing: never reached)")
set logscale x
set format x "%.0e"
set xlabel "learning rate"
if (prob eq "fmnist") {
    set ylabel "final validation accuracy"
    set key outside right top
} else {
    set logscale y
    set ylabel "steps to target"
}
nf = words(files)
plot for [i=1:nf] word(files, i) using 1:2 every ::1 with linespoints lw 2 pt 7 lt i title name(word(files, i))
