/* link_fifo: the FIFO link model. A message holds the sender's uplink and the receiver's downlink
 * for its whole transfer, latency included; each link carries one message at a time, in the order
 * messages are issued (a later message never overtakes an earlier one on a link). */
#include "partition/link.h"

#include <string.h>

/* state: when each device's uplink, then each device's downlink, is next free */
static size_t fifo_state_size(int n_dev) { return 2 * (size_t)n_dev * sizeof(double); }

static void fifo_reset(void *state, int n_dev) { memset(state, 0, fifo_state_size(n_dev)); }

static void fifo_send(void *state, const struct halo_link_env *env, struct halo_link_xfer *x, int n)
{
    double *up = state, *down = up + env->n_dev;
    /* the previous message's links and end: consecutive messages often share a link (a scatter
     * from the source, a gather to it), and reading its free time from here rather than from
     * memory keeps the chain of dependent messages short */
    int pa = -1, pb = -1;
    double pend = 0;
    for (int i = 0; i < n; i++) {
        int a = x[i].from, b = x[i].to, ab = a * env->n_dev + b;
        double start = x[i].ready_ms, ua = a == pa ? pend : up[a], db = b == pb ? pend : down[b];
        if (ua > start) start = ua;
        if (db > start) start = db;
        double end = start + env->lat_ms[ab] + (double)x[i].bytes * 8e-3 / env->bw_mbps[ab];
        up[a] = down[b] = end;
        x[i].start_ms = start;
        x[i].end_ms = end;
        pa = a;
        pb = b;
        pend = end;
    }
}

const struct halo_link_model halo_link_fifo = {
    .name = "fifo",
    .help = "one message at a time per uplink and per downlink, in issue order; latency + bytes/bandwidth each",
    .state_size = fifo_state_size,
    .reset = fifo_reset,
    .send = fifo_send,
};
