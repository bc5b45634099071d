# Latency against offered load for CheckTrust and FindVouchers (depth 2),
# with the no-op Health/Check measured at the same rates: the distance
# between the curves is what the service itself costs.
# Usage: gnuplot -e "dir='bench/results/small'" bench/latency_vs_load.gp
set terminal pngcairo size 1200,500 font ",10"
set output dir."/latency_vs_load.png"
set multiplot layout 1,2
set logscale y
set grid
set key top left
set xlabel "offered load (calls/s, open loop)"
set ylabel "latency (µs)"
set title "CheckTrust (relationships)"
data = dir."/sweep_CheckTrust.dat"
plot data using 2:4 with linespoints title "CheckTrust p50", \
     data using 2:6 with linespoints title "CheckTrust p99", \
     data using 2:9 with linespoints dashtype 2 title "Health/Check p99"
set title "FindVouchers, depth 2 (relationships)"
data = dir."/sweep_FindVouchers2.dat"
plot data using 2:4 with linespoints title "FindVouchers p50", \
     data using 2:6 with linespoints title "FindVouchers p99", \
     data using 2:9 with linespoints dashtype 2 title "Health/Check p99"
unset multiplot
