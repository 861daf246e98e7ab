/* link_fair: the fair-share link model, TCP's behaviour in the large, and its variant tcp (one
 * in-order stream per pair of devices; link.h), which differs only in which messages flow. A message first waits its
 * latency (propagation and the transport's handshake: MPI's rendezvous costs a round trip before
 * a large message's bytes flow; none of it takes a link's capacity), then its bytes flow as a
 * fluid. The messages whose bytes flow at one time share every link max-min fairly (progressive
 * filling): each sender's uplink, each receiver's downlink and each pair's path (the pair's
 * bandwidth, which concurrent messages between the same two devices share) carry at most their
 * capacity, and no message can go faster without slowing one that is no faster than it. Rates
 * are recomputed whenever a message starts to flow or arrives. A message alone on its links
 * takes latency + bytes/bandwidth, exactly as under FIFO.
 *
 * Event-driven as link.h asks: the model's own events (a message's latency ends and its bytes
 * join the others) are reported by next_end, and pop returns NULL for them. Between two events
 * every rate is constant, so the fluid is advanced exactly from one event to the next. */
#include "partition/link.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A message past its latency: its bytes flow (fair; tcp: when it heads its pair's stream). */
struct flow {
    struct halo_link_xfer *x;
    double left;     /* kbit still to send at the fluid's time (bytes * 8e-3: kbit / Mbps = ms) */
    double rate;     /* Mbps now */
    double end;      /* when it ends at this rate */
    long seq;        /* submission order */
    long q;          /* tcp: its place in its pair's stream */
    int res[3];      /* its uplink, downlink and pair (indices into the resources) */
    int frozen;      /* progressive filling: its rate is settled */
    int active;      /* its bytes flow (fair: always; tcp: it heads its pair's stream) */
};

/* A message in its latency, by (join time, submission order). */
struct waiting {
    double join;
    long seq;
    struct halo_link_xfer *x;
};

/* Resources: uplinks [0, n), downlinks [n, 2n), pairs [2n, 2n + n * n). */
struct fair {
    int n_dev, n_res, cap;
    int streams;               /* tcp: one in-order stream per pair */
    long next_q;               /* tcp: the next message's place in its pair's stream */
    int *pair_head;            /* tcp, per resource (pairs only): scratch of activate() */
    double now;                /* the fluid's time: every flow's `left` is as of then */
    double next;               /* the next event (cached) */
    double *res_cap;           /* per resource: capacity (Mbps) as the latest message on it saw it */
    double *res_used;          /* progressive filling: rate of the settled flows through it */
    double *res_level;         /* progressive filling: the level at which it fills */
    int *res_n;                /* progressive filling: unsettled flows through it */
    int *res_list, n_list;     /* progressive filling: the resources the flows use */
    struct flow *flow;         /* [cap]: flowing */
    int n_flow;
    struct waiting *wait;      /* [cap]: a heap */
    int n_wait;
    struct halo_link_xfer **done; /* [cap]: arrived at `now`, in submission order, not yet popped */
    long *done_seq;
    int n_done, done_at;
    long next_seq;
};

/* Tolerance for "at the same time" (ms): far below any time the cost model resolves, above the
 * rounding of times up to about two hours (beyond, two arrivals a rounding apart are popped one
 * after the other, which changes nothing but the order of equal times). */
#define FAIR_EPS_MS 1e-9

static size_t fair_state_size(int n_dev, int max_xfers)
{
    size_t n_res = 2 * (size_t)n_dev + (size_t)n_dev * n_dev;
    return sizeof(struct fair) + n_res * (3 * sizeof(double) + 3 * sizeof(int)) +
           (size_t)max_xfers * (sizeof(struct flow) + sizeof(struct waiting) + sizeof(struct halo_link_xfer *) +
                                sizeof(long)) +
           4 * sizeof(double); /* alignment slack */
}

static void *align_up(void *p, size_t a) { return (void *)(((uintptr_t)p + a - 1) / a * a); }

static void reset(void *state, int n_dev, int max_xfers, int streams)
{
    struct fair *s = state;
    char *p = (char *)state + sizeof *s;
    s->n_dev = n_dev;
    s->n_res = 2 * n_dev + n_dev * n_dev;
    s->cap = max_xfers;
    s->now = 0;
    s->next = INFINITY;
    s->n_flow = s->n_wait = s->n_done = s->done_at = 0;
    s->next_seq = s->next_q = 0;
    s->streams = streams;
    p = align_up(p, sizeof(double));
    s->res_cap = (double *)p;
    s->res_used = s->res_cap + s->n_res;
    s->res_level = s->res_used + s->n_res;
    p = (char *)(s->res_level + s->n_res);
    s->flow = align_up(p, sizeof(double));
    s->wait = (struct waiting *)align_up(s->flow + max_xfers, sizeof(double));
    s->done = (struct halo_link_xfer **)align_up(s->wait + max_xfers, sizeof(void *));
    s->done_seq = (long *)(s->done + max_xfers);
    s->res_n = (int *)(s->done_seq + max_xfers);
    s->res_list = s->res_n + s->n_res;
    s->pair_head = s->res_list + s->n_res;
    for (int r = 0; r < s->n_res; r++) {
        s->res_cap[r] = INFINITY;
        s->res_n[r] = 0;
    }
}

static void fair_reset(void *state, int n_dev, int max_xfers) { reset(state, n_dev, max_xfers, 0); }
static void tcp_reset(void *state, int n_dev, int max_xfers) { reset(state, n_dev, max_xfers, 1); }

/* ---- the latency heap ---------------------------------------------------------------------- */

static inline int wait_before(const struct waiting *a, const struct waiting *b)
{
    return a->join < b->join || (a->join == b->join && a->seq < b->seq);
}

static void wait_push(struct fair *s, struct waiting w)
{
    int i = s->n_wait++;
    while (i > 0 && wait_before(&w, &s->wait[(i - 1) / 2])) {
        s->wait[i] = s->wait[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->wait[i] = w;
}

static struct waiting wait_pop(struct fair *s)
{
    struct waiting top = s->wait[0], last = s->wait[--s->n_wait];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = l;
        if (l >= s->n_wait) break;
        if (r < s->n_wait && wait_before(&s->wait[r], &s->wait[l])) m = r;
        if (!wait_before(&s->wait[m], &last)) break;
        s->wait[i] = s->wait[m];
        i = m;
    }
    if (s->n_wait) s->wait[i] = last;
    return top;
}

/* ---- the fluid ----------------------------------------------------------------------------- */

/* Max-min fair rates by progressive filling: every unsettled flow's rate rises together; when a
 * resource is full, the flows through it settle at that level. Each round settles at least one
 * flow: at most n_flow rounds over the resources in use and the flows. Then each flow's end at
 * its new rate. */
static void share(struct fair *s)
{
    s->n_list = 0;
    int left = 0;
    for (int i = 0; i < s->n_flow; i++) {
        struct flow *f = &s->flow[i];
        if (!f->active) {
            f->frozen = 2;
            f->rate = 0;
            continue;
        }
        f->frozen = 0;
        left++;
        for (int k = 0; k < 3; k++) {
            int r = f->res[k];
            if (s->res_n[r]++ == 0) {
                s->res_used[r] = 0;
                s->res_list[s->n_list++] = r;
            }
        }
    }
    while (left > 0) {
        /* the lowest level at which a resource still shared by unsettled flows fills */
        double level = INFINITY;
        for (int j = 0; j < s->n_list; j++) {
            int r = s->res_list[j];
            if (!s->res_n[r]) continue;
            double l = s->res_level[r] = (s->res_cap[r] - s->res_used[r]) / s->res_n[r];
            if (l < level) level = l;
        }
        if (level < 0) level = 0; /* rounding on a full resource */
        double at = level + level * 1e-12;
        int settled = 0;
        for (int i = 0; i < s->n_flow; i++) {
            struct flow *f = &s->flow[i];
            if (f->frozen) continue;
            if (s->res_level[f->res[0]] > at && s->res_level[f->res[1]] > at && s->res_level[f->res[2]] > at) continue;
            f->frozen = 1;
            f->rate = level;
            settled++;
        }
        /* the settled flows leave their resources' counts only now: a level must not change within
         * the round */
        for (int i = 0; i < s->n_flow; i++) {
            struct flow *f = &s->flow[i];
            if (f->frozen != 1) continue;
            f->frozen = 2;
            for (int k = 0; k < 3; k++) {
                s->res_used[f->res[k]] += f->rate;
                s->res_n[f->res[k]]--;
            }
        }
        if (!settled) break; /* cannot happen: the lowest level's flows settle */
        left -= settled;
    }
    for (int j = 0; j < s->n_list; j++) s->res_n[s->res_list[j]] = 0;
    for (int i = 0; i < s->n_flow; i++) {
        struct flow *f = &s->flow[i];
        f->end = f->rate > 0 ? s->now + f->left / f->rate : INFINITY;
    }
}

static void update_next(struct fair *s)
{
    double t = s->done_at < s->n_done ? s->now : INFINITY;
    if (s->n_wait && s->wait[0].join < t) t = s->wait[0].join;
    for (int i = 0; i < s->n_flow; i++)
        if (s->flow[i].end < t) t = s->flow[i].end;
    s->next = t;
}

/* Moves the fluid on to time t (no event lies before t). */
static void advance(struct fair *s, double t)
{
    if (t <= s->now) return;
    double dt = t - s->now;
    for (int i = 0; i < s->n_flow; i++) s->flow[i].left -= s->flow[i].rate * dt;
    s->now = t;
}

static void start_flow(struct fair *s, struct halo_link_xfer *x, long seq)
{
    int n = s->n_dev;
    struct flow *f = &s->flow[s->n_flow++];
    *f = (struct flow){.x = x, .left = (double)x->bytes * 8e-3, .seq = seq, .q = s->next_q++,
                       .res = {x->from, n + x->to, 2 * n + x->from * n + x->to}, .active = !s->streams};
}

/* tcp: every pair's stream with no message flowing starts its first queued one. */
static void activate(struct fair *s)
{
    if (!s->streams) return;
    for (int i = 0; i < s->n_flow; i++) s->pair_head[s->flow[i].res[2]] = -1;
    for (int i = 0; i < s->n_flow; i++)
        if (s->flow[i].active) s->pair_head[s->flow[i].res[2]] = -2;
    for (int i = 0; i < s->n_flow; i++) {
        const struct flow *f = &s->flow[i];
        int *h = &s->pair_head[f->res[2]];
        if (!f->active && *h != -2 && (*h == -1 || s->flow[*h].q > f->q)) *h = i;
    }
    for (int i = 0; i < s->n_flow; i++)
        if (s->pair_head[s->flow[i].res[2]] == i) s->flow[i].active = 1;
}

static void fair_submit(void *state, struct halo_link_xfer *x)
{
    struct fair *s = state;
    int n = s->n_dev;
    /* a link's capacity is as the latest message on it sees it (a stream's frames may see their
     * own rates); an unknown one (<= 0) does not limit */
    s->res_cap[x->from] = x->up_mbps > 0 ? x->up_mbps : INFINITY;
    s->res_cap[n + x->to] = x->down_mbps > 0 ? x->down_mbps : INFINITY;
    s->res_cap[2 * n + x->from * n + x->to] = x->bw_mbps;
    x->start_ms = x->ready_ms;
    long seq = s->next_seq++;
    if (x->lat_ms > 0) {
        wait_push(s, (struct waiting){x->ready_ms + x->lat_ms, seq, x});
    } else {
        advance(s, x->ready_ms);
        start_flow(s, x, seq);
        activate(s);
        share(s);
    }
    update_next(s);
}

static double fair_next_end(const void *state) { return ((const struct fair *)state)->next; }

/* Adds x to the arrived ones, in submission order. */
static void arrived(struct fair *s, struct halo_link_xfer *x, long seq)
{
    int i = s->n_done++;
    while (i > s->done_at && s->done_seq[i - 1] > seq) {
        s->done[i] = s->done[i - 1];
        s->done_seq[i] = s->done_seq[i - 1];
        i--;
    }
    s->done[i] = x;
    s->done_seq[i] = seq;
}

static struct halo_link_xfer *fair_pop(void *state)
{
    struct fair *s = state;
    if (s->done_at == s->n_done && isfinite(s->next)) {
        double t = s->next;
        s->n_done = s->done_at = 0;
        bool changed = false;
        advance(s, t);
        /* flows that end now (within rounding) arrive; the others moved on */
        for (int i = 0; i < s->n_flow; i++) {
            struct flow *f = &s->flow[i];
            if (f->end > t + FAIR_EPS_MS) continue;
            changed = true;
            f->x->end_ms = t;
            arrived(s, f->x, f->seq);
            s->flow[i--] = s->flow[--s->n_flow];
        }
        while (s->n_wait && s->wait[0].join <= t + FAIR_EPS_MS) {
            struct waiting w = wait_pop(s);
            start_flow(s, w.x, w.seq);
            changed = true;
        }
        if (changed) {
            activate(s);
            share(s);
        }
    }
    struct halo_link_xfer *x = s->done_at < s->n_done ? s->done[s->done_at++] : NULL;
    update_next(s);
    return x;
}

/* Alone, a message's bytes fill each of its links at that link's capacity; its latency keeps no
 * link from the others. */
static void fair_hold(const struct halo_link_xfer *x, double *up_ms, double *down_ms)
{
    double kbit = (double)x->bytes * 8e-3;
    *up_ms = x->up_mbps > 0 ? kbit / x->up_mbps : 0;
    *down_ms = x->down_mbps > 0 ? kbit / x->down_mbps : 0;
}

const struct halo_link_model halo_link_fair = {
    .name = "fair",
    .help = "TCP-like: after its latency a message's bytes share the sender's uplink, the receiver's downlink "
            "and the pair's path max-min fairly with the others in flight; latency + bytes/bandwidth alone",
    .state_size = fair_state_size,
    .reset = fair_reset,
    .submit = fair_submit,
    .next_end = fair_next_end,
    .pop = fair_pop,
    .hold = fair_hold,
};

const struct halo_link_model halo_link_tcp = {
    .name = "tcp",
    .help = "MPI over TCP: one in-order stream per pair of devices (a message's bytes wait for those sent "
            "before them to the same receiver); the pairs' streams share uplinks and downlinks max-min fairly; "
            "latency + bytes/bandwidth alone",
    .state_size = fair_state_size,
    .reset = tcp_reset,
    .submit = fair_submit,
    .next_end = fair_next_end,
    .pop = fair_pop,
    .hold = fair_hold,
};
