# precision.gp — Fashion-MNIST test accuracy against epochs for Adam with
# the parameters and optimizer state kept at fp32, bf16 or fp16
# (results/curves/precision_<run>.csv, seed 1, the fmnist section's lr).
load 'plots/common.gp'
set datafile separator ","
files = system("ls ".results."/curves/precision_*.csv")
name(f) = f[strstrt(f, "precision_") + 10 : strlen(f) - 4]
set title "Mixed precision: Adam on Fashion-MNIST 784-128-10, batch 64, fp32 math " . \
    "(seed 1, the fp32 lr)"
set xlabel "epoch"
set ylabel "test accuracy"
set xtics 1
set key inside bottom right
plot for [i=1:words(files)] word(files, i) using 2:5 every ::1 with linespoints lw 2 lt i \
    title name(word(files, i))
