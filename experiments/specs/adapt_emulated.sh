# Links that change during a stream, on emulated links: the testbed's experiment
# (experiments/specs/adapt_testbed.sh: resnet18 at 128x128, the source and 4 identical ESs priced
# by a one-thread profile of this host, 100 Mbit/s links given as nominal, DPFP's plan widened to
# every ES, 80 frames at 8 frames/s, deadline 1.5 x the first plan's predicted latency, es1's and
# es2's links cut to a quarter from 2 s to 7 s, AT_REPS static/adaptive pairs) with the links
# emulated by halo's link model and the virtual clock (`halo run --clock virtual --link-trace`:
# the trace's rates from the stream's start on the virtual timeline; compute measured at one
# thread per rank, ranks computing one at a time), so that the two figures show the same stream
# on the model's links and on real ones. kind = measured (virtual clock).
SPEC_TITLE="Latency per frame under a link trace on emulated links (halo run, virtual clock), static vs adaptive"

. "$root/experiments/specs/adapt_testbed.sh"
SPEC_TITLE="Latency per frame under a link trace on emulated links (halo run, virtual clock), static vs adaptive"

spec_run()
{
    at_run emulated
}
