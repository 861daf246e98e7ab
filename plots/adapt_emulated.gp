# Links that change during a stream, on emulated links: the testbed's figure (plots/adapt_testbed.gp)
# for the same stream with the links emulated by halo's link model on the virtual clock: latency per
# frame over time, static (DPFP's plan throughout) vs adaptive, every pair of runs, the adaptive
# runs' re-plans marked; underneath, each ES's link rate as the trace sets it. MEASURED on the
# virtual clock (compute measured at one thread per rank, links by the fifo model).
# Data: results/adapt_emulated.csv (experiments/specs/adapt_emulated.sh).
links_basis = 'MEASURED on the virtual clock: halo run --clock virtual, links emulated (fifo model), compute at 1 thread per rank'
links_title = 'on emulated links'
load 'plots/adapt_testbed.gp'
