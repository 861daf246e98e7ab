/* link_fifo: the FIFO link model. A message holds the sender's uplink and the receiver's downlink
 * for its whole transfer, latency included; each link carries one message at a time, in the order
 * messages are submitted (a later message never overtakes an earlier one on a link). Its interval
 * is therefore fixed when it is submitted; the messages in flight wait in a heap by arrival. */
#include "partition/link.h"

#include <math.h>
#include <string.h>

struct fifo {
    int n_dev, cap, n;
    double *up, *down;            /* when each device's uplink and downlink are next free */
    struct halo_link_xfer **heap; /* in flight, by (end_ms, submission order) */
    long *seq;                    /* heap entries' submission numbers: equal ends leave in order */
    long next_seq;
};

static size_t fifo_state_size(int n_dev, int max_xfers)
{
    return sizeof(struct fifo) + 2 * (size_t)n_dev * sizeof(double) +
           (size_t)max_xfers * (sizeof(struct halo_link_xfer *) + sizeof(long));
}

static void fifo_reset(void *state, int n_dev, int max_xfers)
{
    struct fifo *f = state;
    char *p = (char *)state + sizeof *f;
    f->n_dev = n_dev;
    f->cap = max_xfers;
    f->n = 0;
    f->next_seq = 0;
    f->up = (double *)p;
    f->down = f->up + n_dev;
    memset(f->up, 0, 2 * (size_t)n_dev * sizeof(double));
    f->heap = (struct halo_link_xfer **)(f->down + n_dev);
    f->seq = (long *)(f->heap + max_xfers);
}

static inline int before(const struct fifo *f, int i, int j)
{
    double a = f->heap[i]->end_ms, b = f->heap[j]->end_ms;
    return a < b || (a == b && f->seq[i] < f->seq[j]);
}

static inline void swap(struct fifo *f, int i, int j)
{
    struct halo_link_xfer *x = f->heap[i];
    long s = f->seq[i];
    f->heap[i] = f->heap[j];
    f->seq[i] = f->seq[j];
    f->heap[j] = x;
    f->seq[j] = s;
}

static void fifo_submit(void *state, struct halo_link_xfer *x)
{
    struct fifo *f = state;
    double start = x->ready_ms;
    if (f->up[x->from] > start) start = f->up[x->from];
    if (f->down[x->to] > start) start = f->down[x->to];
    x->start_ms = start;
    x->end_ms = start + x->lat_ms + (double)x->bytes * 8e-3 / x->bw_mbps;
    f->up[x->from] = f->down[x->to] = x->end_ms;
    int i = f->n++;
    f->heap[i] = x;
    f->seq[i] = f->next_seq++;
    while (i > 0 && before(f, i, (i - 1) / 2)) {
        swap(f, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static double fifo_next_end(const void *state)
{
    const struct fifo *f = state;
    return f->n ? f->heap[0]->end_ms : INFINITY;
}

static struct halo_link_xfer *fifo_pop(void *state)
{
    struct fifo *f = state;
    if (!f->n) return NULL;
    struct halo_link_xfer *top = f->heap[0];
    f->n--;
    f->heap[0] = f->heap[f->n];
    f->seq[0] = f->seq[f->n];
    for (int i = 0;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < f->n && before(f, l, m)) m = l;
        if (r < f->n && before(f, r, m)) m = r;
        if (m == i) break;
        swap(f, i, m);
        i = m;
    }
    return top;
}

static void fifo_hold(const struct halo_link_xfer *x, double *up_ms, double *down_ms)
{
    *up_ms = *down_ms = x->lat_ms + (double)x->bytes * 8e-3 / x->bw_mbps;
}

const struct halo_link_model halo_link_fifo = {
    .name = "fifo",
    .help = "one message at a time per uplink and per downlink, in the order submitted; latency + bytes/bandwidth each",
    .state_size = fifo_state_size,
    .reset = fifo_reset,
    .submit = fifo_submit,
    .next_end = fifo_next_end,
    .pop = fifo_pop,
    .hold = fifo_hold,
};
