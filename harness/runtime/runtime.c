/* runtime on MPI. Rank k runs plan device k. Per inference every rank posts its receives first,
 * then walks the schedule's steps in their global order, doing its own: wait for the input pieces
 * (MPI_Test + a 200 us sleep: a blocking wait would busy-poll a core), assemble, compute, post its
 * outputs (non-blocking sends, data packed as soon as it exists). The source also gathers and
 * forwards what the plan routes through it, and receives the logits.
 *
 * Links (--link emulated). Wall clock: the sender reserves its uplink for latency + bytes/bandwidth
 * from max(now, uplink free) and stamps the interval in the message header; the receiver delays
 * delivery to the end of that interval, re-reserving its downlink: start = max(sender's start,
 * downlink free), in the order it sees messages (each batch sorted by sender start). This is an
 * approximation of the plan's model: the sender's uplink is released at the sender's end even when
 * the receiver's downlink delayed the message, and messages are taken in arrival order rather than
 * per block by data-ready time. Compressed blocks' outputs travel as ADCNN's codec writes them
 * (exec/codec.h) and are timed at their real size; the source forwards what it holds raw, and a
 * device's own pieces stay exact. Virtual clock: data moves at transport speed while one rank at a
 * time computes (a token passed in step order carries the measured durations); the timeline comes
 * from vclock's replay of the plan's link model — exact, as halo_plan_simulate models it.
 *
 * Faults: every wait has a deadline (the inference's start + timeout). A rank past it reports to
 * the source what it waits for; the source, past the deadline plus a grace period, follows the
 * chain of "waits for" reports to the rank that sent none — dead or stalled — and names it. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/clock.h"
#include "core/image.h"
#include "exec/codec.h"
#include "exec/executor.h"
#include "model/weights.h"
#include "model/zoo.h"
#include "runtime/inject.h"
#include "partition/schedule.h"
#include "runtime/vclock.h"

#include <dirent.h>
#include <sched.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POLL_SLEEP_MS 0.2
/* Virtual clock: a rank that waits long (for its turn) backs off to this, so that a crowd of
 * waiting ranks does not steal time slices from the one computing; times are virtual anyway. */
#define POLL_SLEEP_MAX_VIRTUAL_MS 2.0
#define WIRE_MAGIC 0x68616c6fu
/* Setup (loading weights, building backends, the reference run) has no prediction to scale. */
#define SETUP_TIMEOUT_MS 300000.0
/* Relative tolerance of --verify on backends that reorder float sums (ref must be exact). */
#define VERIFY_FLOAT_TOL 1e-4

enum { TAG_INFO = 1, TAG_VERDICT, TAG_START, TAG_STALL, TAG_STATS, TAG_CLOCK, TAG_BASE = 32 };

/* What a rank waits for, in stall reports. */
enum wait_what { WAIT_MSG, WAIT_TOKEN, WAIT_START, WAIT_STATS, WAIT_SENDS, WAIT_SETUP };

struct wire_hdr {
    uint32_t magic;
    int32_t inference, msg, from;
    int64_t payload_bytes;
    double start_ms, end_ms; /* wall, emulated: the interval the sender reserved on its uplink */
    double vsend_ms;         /* virtual clock: when the sender had the data */
    double post_ms;          /* when the sender posted it */
    uint64_t checksum;       /* halo_hash_bytes of the payload: a message corrupted in transit is caught */
};
_Static_assert(sizeof(struct wire_hdr) % 16 == 0, "payload alignment");

struct rank_info {
    int32_t status, n_dev;
    uint64_t plan_hash, links_hash, weights_hash;
    double now_ms;
    char host[64];
    char err[512];
};

struct verdict {
    int32_t status, kind, rank, sync; /* sync: the rank's clock offset is measured next */
};
enum { VERDICT_OK, VERDICT_OWN, VERDICT_RANK_FAILED, VERDICT_PLAN, VERDICT_WEIGHTS };

struct start_msg {
    double t0_ms, timeout_ms, offset_ms;
    int32_t index, stop, seq, pad;
};

struct stall_msg {
    int32_t rank, waits_for, inference, what, detail, pad;
};

/* Stats a rank sends to the source after each inference (doubles). */
enum { ST_OVERHEAD, ST_ACTIVE, ST_COMPUTE, ST_WAIT, ST_CODEC, ST_HEAD = 8 };

struct halo_rt {
    int rank, size;
    MPI_Comm comm;
    long tag_ub;
    bool print_local;
    struct halo_run_opts opts;
    struct halo_plan **plans;  /* every plan of the job, for one graph */
    int n_plans, cur, max_dev;
    struct halo_plan *plan;    /* plans[cur] */
    const char *plan_path;
    struct halo_graph *g;
    struct halo_backend *be;
    struct halo_sched s;
    bool have_sched;
    struct halo_tensor image;
    struct halo_tensor reference;
    double ref_max;
    double speed;
    double offset_ms;          /* this rank's monotonic clock minus rank 0's */
    double timeout_ms;         /* in force for the current inference */
    double warm_wall_ms;
    /* hooks (tests) */
    int kill_rank, kill_block, stall_rank, stall_block, corrupt_rank;
    struct halo_faults faults; /* --inject */
    bool corrupt_done, drop_done;
    /* per message: wire buffer and request on the sender or the receiver */
    unsigned char **buf;
    size_t *buf_bytes;
    MPI_Request *req;
    bool *got;                 /* receiver: arrived; sender: send completed */
    double *deliver;           /* receiver: relative ms at which the data counts as arrived */
    int *batch;
    struct halo_tensor *dec;   /* receiver: decoded payload of compressed messages */
    /* tokens (virtual clock): per step */
    double **tok_in, **tok_out;
    MPI_Request *tok_req, *tok_sreq;
    bool *tok_got;
    int tok_len;
    double *vdur;              /* per step: virtual compute ms (token state) */
    double *vbytes;            /* per message: bytes on the link (token state) */
    /* control messages */
    struct start_msg start_in, *start_out;
    MPI_Request start_req, *start_sreq;
    struct stall_msg stall_in, stall_out;
    MPI_Request stall_req, stall_sreq;
    int *stall_for;            /* rank 0: per rank, whom it waits for (-1: no report) */
    int *stall_what, *stall_detail;
    bool stall_sent;
    int n_stats;
    double *stats;             /* this rank's */
    double *stats_all;         /* rank 0: size x n_stats */
    MPI_Request *stats_req;    /* rank 0: per rank */
    MPI_Request stats_sreq;
    bool *stats_got;
    /* per inference */
    int index;                 /* the caller's (restarts with each plan) */
    int seq;                   /* inferences of the job so far: identifies headers and stall reports */
    double t0;                 /* local monotonic ms of the inference's start */
    double deadline;           /* local monotonic ms */
    double wake;               /* local monotonic ms of the next emulated delivery */
    int wpeer, wdetail;        /* what the current wait misses */
    bool progressed;           /* a request completed since the last poll */
    bool hook_done;
    bool ready;                /* setup succeeded on every rank */
    double up_free, down_free; /* relative ms */
    double compute_ms, wait_ms, codec_ms, end_rel, result_rel;
    struct halo_tensor *out;   /* per step: own outputs */
    struct halo_tensor *full;  /* per block: the source's gathered copy */
    float *logits;
    int n_logits;
    struct halo_run_device *dev;
    struct halo_run_step *steps;
    struct halo_vclock pred;   /* the plan's prediction, replayed on its own sources and links */
};

/* ---- small helpers --------------------------------------------------------------------------- */

static enum halo_status mpi_fail(int rc, const char *call)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "error %d", rc);
    return halo_error(HALO_ERR_MPI, "%s: %s", call, s);
}

#define MPI_TRY(call)                                                                            \
    do {                                                                                         \
        int rc_ = (call);                                                                        \
        if (rc_ != MPI_SUCCESS) return mpi_fail(rc_, #call);                                     \
    } while (0)

static double rel(const struct halo_rt *rt) { return halo_now_ms() - rt->t0; }

static const char *dev_name(const struct halo_rt *rt, int r)
{
    return rt->plan && r >= 0 && r < rt->plan->n_dev ? rt->plan->dev[r].name : "?";
}

static bool wall_emulated(const struct halo_rt *rt)
{
    return rt->opts.clock == HALO_CLOCK_WALL && rt->opts.link == HALO_LINK_EMULATED;
}

static int env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : dflt;
}

bool halo_rt_should_print(const struct halo_rt *rt) { return rt->rank == 0 || rt->print_local; }
int halo_rt_rank(const struct halo_rt *rt) { return rt->rank; }
int halo_rt_size(const struct halo_rt *rt) { return rt->size; }
const struct halo_plan *halo_rt_plan(const struct halo_rt *rt) { return rt->plan; }
const char *halo_rt_backend_name(const struct halo_rt *rt) { return rt->be ? halo_backend_name(rt->be) : "-"; }
const char *halo_rt_backend_version(const struct halo_rt *rt) { return rt->be ? halo_backend_version(rt->be) : "-"; }
int halo_rt_backend_threads(const struct halo_rt *rt) { return rt->be ? halo_backend_threads(rt->be) : 0; }
double halo_rt_timeout_ms(const struct halo_rt *rt) { return rt->timeout_ms; }

/* ---- lifetime ---------------------------------------------------------------------------------- */

enum halo_status halo_rt_init(int *argc, char ***argv, struct halo_rt **out)
{
    *out = NULL;
    struct halo_rt *rt = halo_calloc(1, sizeof *rt);
    if (!rt) return HALO_ERR_NOMEM;
    rt->comm = MPI_COMM_NULL;
    rt->start_req = rt->stall_req = rt->stall_sreq = rt->stats_sreq = MPI_REQUEST_NULL;
    *out = rt;
    MPI_TRY(MPI_Init(argc, argv));
    MPI_TRY(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_TRY(MPI_Comm_dup(MPI_COMM_WORLD, &rt->comm));
    MPI_TRY(MPI_Comm_set_errhandler(rt->comm, MPI_ERRORS_RETURN));
    MPI_TRY(MPI_Comm_rank(rt->comm, &rt->rank));
    MPI_TRY(MPI_Comm_size(rt->comm, &rt->size));
    int *ub, flag = 0;
    MPI_TRY(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag));
    rt->tag_ub = flag ? *ub : 32767;
    return HALO_OK;
}

static void free_inference_data(struct halo_rt *rt)
{
    for (int m = 0; rt->dec && m < rt->s.n_msg; m++) halo_tensor_free(&rt->dec[m]);
    for (int i = 0; rt->out && i < rt->s.n_step; i++) halo_tensor_free(&rt->out[i]);
    for (int b = 0; rt->full && b <= rt->s.n_blocks; b++) halo_tensor_free(&rt->full[b]);
}

/* Everything that belongs to the plan in use (not the graph, weights, image or reference). */
static void free_plan_state(struct halo_rt *rt)
{
    free_inference_data(rt);
    for (int m = 0; rt->buf && m < rt->s.n_msg; m++) halo_aligned_free(rt->buf[m]);
    for (int k = 0; rt->tok_in && k < rt->s.n_step; k++) {
        free(rt->tok_in[k]);
        free(rt->tok_out[k]);
    }
    void **arrays[] = {(void **)&rt->buf, (void **)&rt->buf_bytes, (void **)&rt->req, (void **)&rt->got,
                       (void **)&rt->deliver, (void **)&rt->batch, (void **)&rt->dec, (void **)&rt->tok_in,
                       (void **)&rt->tok_out, (void **)&rt->tok_req, (void **)&rt->tok_sreq, (void **)&rt->tok_got,
                       (void **)&rt->vdur, (void **)&rt->vbytes, (void **)&rt->stats, (void **)&rt->stats_all,
                       (void **)&rt->stats_req, (void **)&rt->stats_got, (void **)&rt->out, (void **)&rt->full,
                       (void **)&rt->dev, (void **)&rt->steps};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        free(*arrays[i]);
        *arrays[i] = NULL;
    }
    halo_vclock_free(&rt->pred);
    if (rt->have_sched) halo_sched_free(&rt->s);
    rt->have_sched = false;
}

void halo_rt_free(struct halo_rt *rt)
{
    if (!rt) return;
    free_plan_state(rt);
    free(rt->start_out);
    free(rt->start_sreq);
    free(rt->stall_for);
    free(rt->stall_what);
    free(rt->stall_detail);
    free(rt->logits);
    halo_tensor_free(&rt->image);
    halo_tensor_free(&rt->reference);
    halo_backend_free(rt->be);
    for (int i = 0; i < rt->n_plans; i++) halo_plan_free(rt->plans[i]);
    free(rt->plans);
    halo_graph_free(rt->g);
    halo_faults_free(&rt->faults);
    free(rt);
}

void halo_rt_abort(struct halo_rt *rt, int code)
{
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(rt && rt->comm != MPI_COMM_NULL ? rt->comm : MPI_COMM_WORLD, code);
    _exit(code); /* MPI_Abort does not return; if it did, the job must still end */
}

/* ---- progress and waiting ---------------------------------------------------------------------- */

static int cmp_batch_start(const void *a, const void *b, void *ctx)
{
    const struct halo_rt *rt = ctx;
    const struct wire_hdr *x = (const void *)rt->buf[*(const int *)a], *y = (const void *)rt->buf[*(const int *)b];
    return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
}

static void describe_wait(const struct halo_rt *rt, int what, int detail, char *buf, size_t size);

/* A received message: check its header, then decide when its data counts as arrived. */
static enum halo_status on_arrival(struct halo_rt *rt, int m)
{
    const struct wire_hdr *h = (const void *)rt->buf[m];
    const struct halo_sched_msg *mm = &rt->s.msg[m];
    if (h->magic != WIRE_MAGIC || h->msg != m || h->from != mm->from || h->inference != rt->seq)
        return halo_error(HALO_ERR_INTERNAL, "rank %d: message %d from rank %d has a bad header (inference %d, msg %d)",
                          rt->rank, m, mm->from, h->inference, h->msg);
    if (h->payload_bytes < 0 || (size_t)h->payload_bytes > rt->buf_bytes[m] - sizeof *h ||
        halo_hash_bytes(rt->buf[m] + sizeof *h, (size_t)h->payload_bytes) != h->checksum) {
        char w[160];
        describe_wait(rt, WAIT_MSG, m, w, sizeof w);
        return halo_error(HALO_ERR_MISMATCH, "%s: inference %d: rank %d (%s) received %s from rank %d (%s) with a wrong "
                                             "checksum: corrupted in transit, the run is not valid",
                          rt->plan_path, rt->index, rt->rank, dev_name(rt, rt->rank), w, mm->from, dev_name(rt, mm->from));
    }
    double now = rel(rt);
    int n = rt->plan->n_dev;
    double *st = rt->stats + ST_HEAD + 3 * rt->s.n_step + 4 * m;
    if (wall_emulated(rt)) {
        double start = h->start_ms > rt->down_free ? h->start_ms : rt->down_free;
        double end = start + rt->plan->lat_ms[mm->from * n + mm->to] +
                     (double)h->payload_bytes * 8e-3 / rt->plan->bw_mbps[mm->from * n + mm->to];
        rt->down_free = end;
        rt->deliver[m] = end;
        st[0] = start;
        st[1] = end;
    } else {
        rt->deliver[m] = now;
        st[0] = h->post_ms;
        st[1] = now;
    }
    st[2] = (double)h->payload_bytes;
    rt->got[m] = true;
    return HALO_OK;
}

/* Tests every outstanding request once; never blocks. */
static enum halo_status progress(struct halo_rt *rt)
{
    int n = rt->s.n_msg, out = 0;
    int *idx = rt->batch;
    if (!rt->req || !idx) return HALO_OK; /* setup: nothing of an inference is in flight */
    MPI_TRY(MPI_Testsome(n, rt->req, &out, idx, MPI_STATUSES_IGNORE));
    if (out != MPI_UNDEFINED && out > 0) {
        rt->progressed = true;
        int nr = 0;
        for (int i = 0; i < out; i++) {
            int m = idx[i];
            if (rt->s.msg[m].to == rt->rank) idx[nr++] = m;
            else rt->got[m] = true;
        }
        qsort_r(idx, (size_t)nr, sizeof *idx, cmp_batch_start, rt);
        for (int i = 0; i < nr; i++) HALO_TRY(on_arrival(rt, idx[i]));
    }
    if (rt->tok_req) {
        MPI_TRY(MPI_Testsome(rt->s.n_step, rt->tok_req, &out, idx, MPI_STATUSES_IGNORE));
        for (int i = 0; out != MPI_UNDEFINED && i < out; i++) rt->tok_got[idx[i]] = rt->progressed = true;
        MPI_TRY(MPI_Testsome(rt->s.n_step, rt->tok_sreq, &out, idx, MPI_STATUSES_IGNORE));
    }
    if (rt->rank == 0 && rt->stats_req) {
        MPI_TRY(MPI_Testsome(rt->size, rt->stats_req, &out, idx, MPI_STATUSES_IGNORE));
        for (int i = 0; out != MPI_UNDEFINED && i < out; i++) rt->stats_got[idx[i]] = true;
    }
    if (rt->rank == 0 && rt->stall_req != MPI_REQUEST_NULL) {
        int flag = 0;
        MPI_TRY(MPI_Test(&rt->stall_req, &flag, MPI_STATUS_IGNORE));
        if (flag) {
            const struct stall_msg *s = &rt->stall_in;
            if (s->inference == rt->seq && s->rank > 0 && s->rank < rt->size) {
                rt->stall_for[s->rank] = s->waits_for;
                rt->stall_what[s->rank] = s->what;
                rt->stall_detail[s->rank] = s->detail;
            }
            MPI_TRY(MPI_Irecv(&rt->stall_in, sizeof rt->stall_in, MPI_BYTE, MPI_ANY_SOURCE, TAG_STALL, rt->comm,
                              &rt->stall_req));
        }
    }
    return HALO_OK;
}

/* "its block 2 part 1 input", "the token for step 4", ... for the chain of waits. */
static void describe_wait(const struct halo_rt *rt, int what, int detail, char *buf, size_t size)
{
    if (what == WAIT_MSG && rt->have_sched && detail >= 0 && detail < rt->s.n_msg) {
        const struct halo_sched_msg *m = &rt->s.msg[detail];
        if (m->kind == HALO_SCHED_RESULT) snprintf(buf, size, "the logits");
        else if (m->kind == HALO_SCHED_GATHER) snprintf(buf, size, "block %d part %d's output (gather)", m->block, m->part);
        else if (m->block == rt->s.n_blocks) snprintf(buf, size, "a piece of the tail's input");
        else snprintf(buf, size, "a piece of block %d part %d's input", m->block, m->part);
    } else if (what == WAIT_TOKEN) {
        snprintf(buf, size, "its turn to compute (virtual clock, step %d)", detail);
    } else if (what == WAIT_STATS) {
        snprintf(buf, size, "its end-of-inference report");
    } else if (what == WAIT_SENDS) {
        snprintf(buf, size, "its sends to complete");
    } else if (what == WAIT_START) {
        snprintf(buf, size, "the start of the next inference");
    } else {
        snprintf(buf, size, "its setup");
    }
}

/* Rank 0 past the deadline and the grace period: the rank at the end of the chain of waits. */
static enum halo_status diagnose(struct halo_rt *rt, int peer, int what, int detail)
{
    int cur = peer, hops = 0;
    char chain[1024] = "", w[160];
    describe_wait(rt, what, detail, w, sizeof w);
    size_t len = (size_t)snprintf(chain, sizeof chain, "the source waits for %s from rank %d", w, peer);
    while (cur > 0 && cur < rt->size && rt->stall_for[cur] >= 0 && hops++ < rt->size) {
        int next = rt->stall_for[cur];
        describe_wait(rt, rt->stall_what[cur], rt->stall_detail[cur], w, sizeof w);
        if (len < sizeof chain)
            len += (size_t)snprintf(chain + len, sizeof chain - len, "; rank %d (%s) waits for %s from rank %d", cur,
                                    dev_name(rt, cur), w, next);
        cur = next;
    }
    double t = rt->timeout_ms;
    if (cur <= 0 || hops > rt->size)
        return halo_error(HALO_ERR_TIMEOUT, "%s: inference %d: no progress within the %.0f ms timeout, ranks wait on "
                                            "each other (%s)", rt->plan_path, rt->index, t, chain);
    return halo_error(HALO_ERR_TIMEOUT, "%s: inference %d: rank %d (%s) did not respond within the %.0f ms timeout: it "
                                        "died or stalled (%s)", rt->plan_path, rt->index, cur, dev_name(rt, cur), t, chain);
}

/* Past the deadline: a rank reports what it waits for; the source names the culprit after a grace
 * period; a rank that hears nothing from the source gives up after a longer one. */
static enum halo_status overdue(struct halo_rt *rt, int peer, int what, int detail)
{
    double now = halo_now_ms(), grace = fmax(300, 0.15 * rt->timeout_ms);
    if (rt->rank == 0) {
        if (now > rt->deadline + grace) return diagnose(rt, peer, what, detail);
        return HALO_OK;
    }
    if (!rt->stall_sent) {
        rt->stall_out = (struct stall_msg){rt->rank, peer, rt->seq, what, detail, 0};
        MPI_TRY(MPI_Isend(&rt->stall_out, sizeof rt->stall_out, MPI_BYTE, 0, TAG_STALL, rt->comm, &rt->stall_sreq));
        rt->stall_sent = true;
    }
    if (now > rt->deadline + 4 * grace + 2000) {
        char w[160];
        describe_wait(rt, what, detail, w, sizeof w);
        return halo_error(HALO_ERR_TIMEOUT, "%s: inference %d: rank %d (%s) waited for %s from rank %d (%s) beyond "
                                            "the %.0f ms timeout and the source did not end the run",
                          rt->plan_path, rt->index, rt->rank, dev_name(rt, rt->rank), w, peer, dev_name(rt, peer), rt->timeout_ms);
    }
    return HALO_OK;
}

typedef bool (*ready_fn)(struct halo_rt *rt, const void *arg);

/* Polls until ready() or a fault. Sleeps between polls (to the next emulated delivery when sooner).
 * ready() may set rt->wpeer and rt->wdetail to what it still misses (for the stall report). */
static enum halo_status wait_until(struct halo_rt *rt, ready_fn ready, const void *arg, int peer, int what, int detail)
{
    rt->wpeer = peer;
    rt->wdetail = detail;
    double t_in = halo_now_ms(), nap = POLL_SLEEP_MS;
    enum halo_status st = HALO_OK;
    for (;;) {
        rt->wake = INFINITY;
        if ((st = progress(rt)) != HALO_OK || ready(rt, arg)) break;
        double now = halo_now_ms();
        if (now > rt->deadline && (st = overdue(rt, rt->wpeer, what, rt->wdetail)) != HALO_OK) break;
        if (rt->opts.clock == HALO_CLOCK_VIRTUAL && !rt->progressed) nap = fmin(1.5 * nap, POLL_SLEEP_MAX_VIRTUAL_MS);
        else nap = POLL_SLEEP_MS;
        rt->progressed = false;
        halo_sleep_ms(rt->wake - now < nap ? rt->wake - now : nap);
    }
    rt->wait_ms += halo_now_ms() - t_in;
    return st;
}

static bool req_done(struct halo_rt *rt, const void *arg)
{
    (void)rt;
    int flag = 0;
    return MPI_Test((MPI_Request *)arg, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag;
}

/* Waits for one request (completing it) with the fault handling of wait_until. */
static enum halo_status wait_req(struct halo_rt *rt, MPI_Request *r, int peer, int what)
{
    int flag = 0;
    MPI_TRY(MPI_Test(r, &flag, MPI_STATUS_IGNORE));
    return flag ? HALO_OK : wait_until(rt, req_done, r, peer, what, -1);
}

/* ---- setup ------------------------------------------------------------------------------------- */

static uint64_t links_hash(const struct halo_plan *p)
{
    uint64_t h = HALO_FNV1A_INIT;
    size_t n = (size_t)p->n_dev * p->n_dev;
    h = halo_fnv1a(h, p->bw_mbps, n * sizeof(double));
    return halo_fnv1a(h, p->lat_ms, n * sizeof(double));
}

/* Loads every plan (the first one's graph serves all) and checks what the runtime supports. */
static enum halo_status load_plans(struct halo_rt *rt)
{
    const struct halo_run_opts *o = &rt->opts;
    rt->plans = halo_calloc((size_t)o->n_plans, sizeof *rt->plans);
    if (!rt->plans) return HALO_ERR_NOMEM;
    for (int i = 0; i < o->n_plans; i++) {
        rt->plan_path = o->plan_paths[i];
        HALO_TRY(halo_rt_load_plan(o, o->plan_paths[i], &rt->plans[i], &rt->g));
        rt->n_plans++;
        struct halo_sched s;
        HALO_TRY(halo_sched_build(rt->plans[i], rt->g, &s));
        long tags = (long)TAG_BASE + s.n_msg + s.n_step;
        halo_sched_free(&s);
        if (tags > rt->tag_ub)
            return halo_error(HALO_ERR_UNSUPPORTED, "%s: its messages and steps need MPI tags up to %ld, this MPI "
                                                    "allows %ld", o->plan_paths[i], tags, rt->tag_ub);
        if (rt->plans[i]->n_dev > rt->max_dev) rt->max_dev = rt->plans[i]->n_dev;
    }
    rt->plan = rt->plans[0];
    rt->plan_path = o->plan_paths[0];
    return HALO_OK;
}

static enum halo_status alloc_buffers(struct halo_rt *rt);

/* Makes plan i the one the next inferences run: schedule, prediction, buffers. */
static enum halo_status activate(struct halo_rt *rt, int i)
{
    free_plan_state(rt);
    rt->cur = i;
    rt->plan = rt->plans[i];
    rt->plan_path = rt->opts.plan_paths[i];
    rt->warm_wall_ms = 0;
    HALO_TRY(halo_sched_build(rt->plan, rt->g, &rt->s));
    rt->have_sched = true;
    /* the prediction: the plan's compute times through its link model, on the sources the file
     * names (a loaded plan has no timeline; halo_plan_simulate would re-derive the sources) */
    double *ms = halo_malloc((size_t)rt->s.n_step, sizeof *ms);
    if (!ms) return HALO_ERR_NOMEM;
    for (int k = 0; k < rt->s.n_step; k++) {
        const struct halo_sched_step *sp = &rt->s.step[k];
        ms[k] = sp->block < rt->s.n_blocks ? rt->plan->block[sp->block].part[sp->part].compute_ms : rt->plan->tail.compute_ms;
    }
    enum halo_status st = halo_vclock_replay(rt->plan, &rt->s, ms, NULL, &rt->pred);
    free(ms);
    HALO_TRY(st);
    rt->speed = rt->rank < rt->plan->n_dev ? rt->plan->dev[rt->rank].speed : 1;
    return alloc_buffers(rt);
}

int halo_rt_n_plans(const struct halo_rt *rt) { return rt->n_plans; }

enum halo_status halo_rt_use_plan(struct halo_rt *rt, int i)
{
    HALO_ASSERT(i >= 0 && i < rt->n_plans);
    return i == rt->cur && rt->have_sched ? HALO_OK : activate(rt, i);
}

const char *halo_rt_plan_path(const struct halo_rt *rt) { return rt->plan_path; }

static enum halo_status alloc_buffers(struct halo_rt *rt)
{
    int nm = rt->s.n_msg, ns = rt->s.n_step;
    rt->buf = halo_calloc((size_t)nm, sizeof *rt->buf);
    rt->buf_bytes = halo_calloc((size_t)nm, sizeof *rt->buf_bytes);
    rt->req = halo_malloc((size_t)nm, sizeof *rt->req);
    rt->got = halo_calloc((size_t)nm, sizeof *rt->got);
    rt->deliver = halo_calloc((size_t)nm, sizeof *rt->deliver);
    rt->batch = halo_calloc((size_t)(nm > ns ? nm : ns) + (size_t)rt->size + 1, sizeof *rt->batch);
    rt->vdur = halo_calloc((size_t)ns, sizeof *rt->vdur);
    rt->vbytes = halo_calloc((size_t)nm, sizeof *rt->vbytes);
    rt->dec = halo_calloc((size_t)nm, sizeof *rt->dec);
    rt->out = halo_calloc((size_t)ns, sizeof *rt->out);
    rt->full = halo_calloc((size_t)rt->s.n_blocks + 1, sizeof *rt->full);
    rt->n_stats = ST_HEAD + 3 * ns + 4 * nm;
    rt->stats = halo_calloc((size_t)rt->n_stats, sizeof *rt->stats);
    rt->dev = halo_calloc((size_t)rt->size, sizeof *rt->dev);
    rt->steps = halo_calloc((size_t)ns, sizeof *rt->steps);
    if (!rt->buf || !rt->buf_bytes || !rt->req || !rt->got || !rt->deliver || !rt->batch || !rt->vdur || !rt->vbytes ||
        !rt->dec || !rt->out || !rt->full || !rt->stats || !rt->dev || !rt->steps)
        return HALO_ERR_NOMEM;
    for (int m = 0; m < nm; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        rt->req[m] = MPI_REQUEST_NULL;
        if (mm->from == mm->to || (mm->from != rt->rank && mm->to != rt->rank)) continue;
        size_t n = (size_t)mm->c * (size_t)halo_rect_area(mm->rect), raw = 4 * n;
        /* the codec's worst case: every element a level or a one-zero run (two codes) */
        size_t coded = HALO_CODEC_HEADER_BYTES + (n * 2 * (size_t)rt->plan->codec.bits + 7) / 8;
        rt->buf_bytes[m] = sizeof(struct wire_hdr) + (mm->compressed && coded > raw ? coded : raw);
        if (!(rt->buf[m] = halo_aligned_alloc(rt->buf_bytes[m]))) return HALO_ERR_NOMEM;
    }
    if (rt->opts.clock == HALO_CLOCK_VIRTUAL) {
        rt->tok_len = ns + nm;
        rt->tok_in = halo_calloc((size_t)ns, sizeof *rt->tok_in);
        rt->tok_out = halo_calloc((size_t)ns, sizeof *rt->tok_out);
        rt->tok_req = halo_malloc((size_t)ns, sizeof *rt->tok_req);
        rt->tok_sreq = halo_malloc((size_t)ns, sizeof *rt->tok_sreq);
        rt->tok_got = halo_calloc((size_t)ns, sizeof *rt->tok_got);
        if (!rt->tok_in || !rt->tok_out || !rt->tok_req || !rt->tok_sreq || !rt->tok_got) return HALO_ERR_NOMEM;
        for (int k = 0; k < ns; k++) {
            rt->tok_req[k] = rt->tok_sreq[k] = MPI_REQUEST_NULL;
            int d = rt->s.step[k].device, prev = k > 0 ? rt->s.step[k - 1].device : d;
            if (d == rt->rank && prev != d && !(rt->tok_in[k] = halo_malloc((size_t)rt->tok_len, sizeof(double))))
                return HALO_ERR_NOMEM;
            if (prev == rt->rank && d != prev && !(rt->tok_out[k] = halo_malloc((size_t)rt->tok_len, sizeof(double))))
                return HALO_ERR_NOMEM;
        }
    }
    if (rt->rank == 0) {
        rt->stats_all = halo_calloc((size_t)rt->size * rt->n_stats, sizeof *rt->stats_all);
        rt->stats_req = halo_malloc((size_t)rt->size, sizeof *rt->stats_req);
        rt->stats_got = halo_calloc((size_t)rt->size, sizeof *rt->stats_got);
        if (!rt->stats_all || !rt->stats_req || !rt->stats_got) return HALO_ERR_NOMEM;
        for (int r = 0; r < rt->size; r++) rt->stats_req[r] = MPI_REQUEST_NULL;
    }
    return HALO_OK;
}

/* Wall clock on one host: each computing rank gets its own share of the cores, so that ranks do
 * not all put their first thread on the same core; more computing ranks than cores share them
 * round robin. Ranks on several hosts (a real cluster) keep their cores. Returns the number of
 * CPUs in *set (0: leave the threads as the backend binds them). */
static int share_cores(const struct halo_rt *rt, cpu_set_t *set)
{
    const char *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (rt->opts.clock != HALO_CLOCK_WALL || !ls || atoi(ls) != rt->size) return 0;
    int n = 0, me = -1;
    for (int d = 0; d < rt->size; d++) {
        bool computes = false;
        for (int i = 0; i < rt->n_plans && !computes; i++) {
            const struct halo_plan *p = rt->plans[i];
            computes = d < p->n_dev && p->tail.device == d;
            for (int b = 0; b < p->n_blocks && !computes && d < p->n_dev; b++)
                for (int k = 0; k < p->block[b].n_parts && !computes; k++) computes = p->block[b].part[k].device == d;
        }
        if (computes && d == rt->rank) me = n;
        n += computes;
    }
    cpu_set_t have;
    if (me < 0 || sched_getaffinity(0, sizeof have, &have) != 0) return 0;
    int cpus[CPU_SETSIZE], c = 0;
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &have)) cpus[c++] = i;
    if (c <= 1) return 0;
    CPU_ZERO(set);
    int first = n <= c ? me * c / n : me % c, last = n <= c ? (me + 1) * c / n : first + 1;
    for (int i = first; i < last; i++) CPU_SET(cpus[i], set);
    return last - first;
}

/* Binds thread t of the backend's pool to the t-th CPU of `set` (OpenMP keeps its pool, so the
 * binding holds for every later parallel region of that size, as the cpu backend relies on). */
static void pin_threads(const cpu_set_t *set, int n_cpus, int threads)
{
    int cpus[CPU_SETSIZE], c = 0;
    for (int i = 0; i < CPU_SETSIZE && c < n_cpus; i++)
        if (CPU_ISSET(i, set)) cpus[c++] = i;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[t % c], &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0)
            fprintf(stderr, "halo run: cannot bind a thread to CPU %d; it runs where the OS puts it\n", cpus[t % c]);
    }
    (void)threads;
}

/* Everything a rank needs before the first inference (after the plan). */
static enum halo_status load_rest(struct halo_rt *rt, uint64_t *weights_hash)
{
    const struct halo_run_opts *o = &rt->opts;
    struct halo_weights *w = NULL;
    HALO_TRY(activate(rt, 0));
    if (rt->rank == 0) {
        rt->start_out = halo_calloc((size_t)rt->size, sizeof *rt->start_out);
        rt->start_sreq = halo_malloc((size_t)rt->size, sizeof *rt->start_sreq);
        if (!rt->start_out || !rt->start_sreq) return HALO_ERR_NOMEM;
        for (int r = 0; r < rt->size; r++) rt->start_sreq[r] = MPI_REQUEST_NULL;
    }
    HALO_TRY(o->weights_path ? halo_weights_load(rt->g, o->weights_path, &w)
                             : halo_weights_random(rt->g, o->weights_seed, &w));
    *weights_hash = w->hash;
    cpu_set_t share;
    int n_share = share_cores(rt, &share);
    struct halo_backend_opts bo = {o->threads ? o->threads : n_share, 0};
    enum halo_status st = halo_backend_new(o->backend, &bo, &rt->be);
    if (st == HALO_OK) st = halo_backend_load(rt->be, rt->g, w);
    halo_weights_free(w); /* the backend keeps its own copy */
    HALO_TRY(st);
    if (n_share) pin_threads(&share, n_share, halo_backend_threads(rt->be));
    if (rt->rank == 0) {
        HALO_TRY(o->image_path ? halo_image_load(o->image_path, rt->plan->h, rt->plan->w, &rt->image)
                               : halo_image_random(o->image_seed, rt->plan->h, rt->plan->w, &rt->image));
    }
    return HALO_OK;
}

/* Rank 0 measures the clock offset of each rank on another host (ping-pong, best of 8): wall-clock
 * emulation compares times stamped on different ranks. Ranks on the source's host share its clock.
 * remote[r] (rank 0) or remote[0] (other ranks: this rank) says who takes part. */
static enum halo_status sync_clocks(struct halo_rt *rt, const bool *remote)
{
    for (int r = 1; r < rt->size; r++) {
        if (rt->rank == 0 ? !remote[r] : (r != rt->rank || !remote[0])) continue;
        int peer = rt->rank == 0 ? r : 0;
        double best_rtt = INFINITY, best_off = 0, t0, t1;
        MPI_Request q;
        for (int i = 0; i < 8; i++) {
            if (rt->rank == 0) {
                t0 = halo_now_ms();
                MPI_TRY(MPI_Isend(&t0, 1, MPI_DOUBLE, r, TAG_CLOCK, rt->comm, &q));
                HALO_TRY(wait_req(rt, &q, r, WAIT_SETUP));
                MPI_TRY(MPI_Irecv(&t1, 1, MPI_DOUBLE, r, TAG_CLOCK, rt->comm, &q));
                HALO_TRY(wait_req(rt, &q, r, WAIT_SETUP));
                double back = halo_now_ms();
                if (back - t0 < best_rtt) {
                    best_rtt = back - t0;
                    best_off = t1 - 0.5 * (t0 + back);
                }
            } else {
                MPI_TRY(MPI_Irecv(&t0, 1, MPI_DOUBLE, 0, TAG_CLOCK, rt->comm, &q));
                HALO_TRY(wait_req(rt, &q, 0, WAIT_SETUP));
                t1 = halo_now_ms();
                MPI_TRY(MPI_Isend(&t1, 1, MPI_DOUBLE, 0, TAG_CLOCK, rt->comm, &q));
                HALO_TRY(wait_req(rt, &q, 0, WAIT_SETUP));
            }
        }
        if (rt->rank == 0) MPI_TRY(MPI_Isend(&best_off, 1, MPI_DOUBLE, peer, TAG_CLOCK, rt->comm, &q));
        else MPI_TRY(MPI_Irecv(&rt->offset_ms, 1, MPI_DOUBLE, peer, TAG_CLOCK, rt->comm, &q));
        HALO_TRY(wait_req(rt, &q, peer, WAIT_SETUP));
    }
    return HALO_OK;
}

static enum halo_status exchange_setup(struct halo_rt *rt, struct rank_info *mine, struct rank_info *info,
                                       struct verdict *v)
{
    rt->deadline = halo_now_ms() + fmax(SETUP_TIMEOUT_MS, rt->opts.timeout_ms);
    rt->timeout_ms = rt->deadline - halo_now_ms();
    if (rt->rank == 0) {
        MPI_Request *q = halo_malloc((size_t)rt->size, sizeof *q);
        if (!q) return HALO_ERR_NOMEM;
        info[0] = *mine;
        q[0] = MPI_REQUEST_NULL;
        enum halo_status st = HALO_OK;
        for (int r = 1; r < rt->size && st == HALO_OK; r++) {
            int rc = MPI_Irecv(&info[r], sizeof *info, MPI_BYTE, r, TAG_INFO, rt->comm, &q[r]);
            if (rc != MPI_SUCCESS) st = mpi_fail(rc, "MPI_Irecv(info)");
        }
        for (int r = 1; r < rt->size && st == HALO_OK; r++) st = wait_req(rt, &q[r], r, WAIT_SETUP);
        free(q);
        return st;
    }
    MPI_Request q;
    MPI_TRY(MPI_Isend(mine, sizeof *mine, MPI_BYTE, 0, TAG_INFO, rt->comm, &q));
    HALO_TRY(wait_req(rt, &q, 0, WAIT_SETUP));
    MPI_TRY(MPI_Irecv(v, sizeof *v, MPI_BYTE, 0, TAG_VERDICT, rt->comm, &q));
    return wait_req(rt, &q, 0, WAIT_SETUP);
}

/* Rank 0's decision on everyone's setup, and its message. */
static struct verdict judge(struct halo_rt *rt, const struct rank_info *info)
{
    if (info[0].status != HALO_OK) return (struct verdict){info[0].status, VERDICT_OWN, 0, 0};
    for (int r = 1; r < rt->size; r++)
        if (info[r].status != HALO_OK) {
            halo_error(info[r].status, "rank %d (%s) failed to set up: %s", r, dev_name(rt, r), info[r].err);
            return (struct verdict){info[r].status, VERDICT_RANK_FAILED, r, 0};
        }
    for (int r = 1; r < rt->size; r++)
        if (info[r].plan_hash != info[0].plan_hash || info[r].links_hash != info[0].links_hash) {
            halo_error(HALO_ERR_MISMATCH, "rank %d (%s) loaded a different plan than the source (plan hash %016llx vs "
                                          "%016llx%s): every rank must run the same plan files",
                       r, dev_name(rt, r), (unsigned long long)info[r].plan_hash, (unsigned long long)info[0].plan_hash,
                       info[r].plan_hash == info[0].plan_hash ? ", links differ" : "");
            return (struct verdict){HALO_ERR_MISMATCH, VERDICT_PLAN, r, 0};
        }
    for (int r = 1; r < rt->size; r++)
        if (info[r].weights_hash != info[0].weights_hash) {
            halo_error(HALO_ERR_MISMATCH, "rank %d (%s) loaded different weights than the source (hash %016llx vs "
                                          "%016llx): every rank must use the same --weights file or seed",
                       r, dev_name(rt, r), (unsigned long long)info[r].weights_hash,
                       (unsigned long long)info[0].weights_hash);
            return (struct verdict){HALO_ERR_MISMATCH, VERDICT_WEIGHTS, r, 0};
        }
    return (struct verdict){HALO_OK, VERDICT_OK, 0, 0};
}

enum halo_status halo_rt_setup(struct halo_rt *rt, const struct halo_run_opts *opts)
{
    rt->opts = *opts;
    rt->kill_rank = env_int("HALO_TEST_KILL_RANK", -1);
    rt->kill_block = env_int("HALO_TEST_KILL_BLOCK", 0);
    rt->stall_rank = env_int("HALO_TEST_STALL_RANK", -1);
    rt->stall_block = env_int("HALO_TEST_STALL_BLOCK", 0);
    rt->corrupt_rank = env_int("HALO_TEST_CORRUPT_RANK", -1);
    if (opts->inject) { /* --inject (checked against the plan by halo_rt_precheck): kill and stall use the hooks */
        enum halo_status ist = halo_faults_parse(opts->inject, 0, &rt->faults);
        if (ist != HALO_OK) return ist;
        const struct halo_fault *f;
        if ((f = halo_faults_find(&rt->faults, HALO_FAULT_KILL, rt->rank))) {
            rt->kill_rank = f->rank;
            rt->kill_block = f->block;
        }
        if ((f = halo_faults_find(&rt->faults, HALO_FAULT_STALL, rt->rank))) {
            rt->stall_rank = f->rank;
            rt->stall_block = f->block;
        }
    }
    struct rank_info mine = {0};
    uint64_t wh = 0;
    enum halo_status st = load_plans(rt);
    if (st == HALO_OK && rt->size != rt->max_dev) {
        if (opts->n_plans == 1)
            st = halo_error(HALO_ERR_INVALID, "%s: the plan has %d devices (the source and %d ESs) but %d MPI ranks "
                                              "were started: run it with mpirun -np %d, or without mpirun",
                            opts->plan_paths[0], rt->max_dev, rt->max_dev - 1, rt->size, rt->max_dev);
        else
            st = halo_error(HALO_ERR_INVALID, "the largest of the %d plans has %d devices but %d MPI ranks were "
                                              "started: run them with mpirun -np %d, or without mpirun",
                            opts->n_plans, rt->max_dev, rt->size, rt->max_dev);
    }
    if (st == HALO_OK) st = load_rest(rt, &wh);
    mine.status = st;
    mine.n_dev = rt->max_dev;
    mine.plan_hash = mine.links_hash = HALO_FNV1A_INIT;
    for (int i = 0; i < rt->n_plans; i++) {
        uint64_t h[2] = {halo_plan_hash(rt->plans[i]), links_hash(rt->plans[i])};
        mine.plan_hash = halo_fnv1a(mine.plan_hash, &h[0], sizeof h[0]);
        mine.links_hash = halo_fnv1a(mine.links_hash, &h[1], sizeof h[1]);
    }
    mine.weights_hash = wh;
    if (gethostname(mine.host, sizeof mine.host - 1) != 0) snprintf(mine.host, sizeof mine.host, "?");
    snprintf(mine.err, sizeof mine.err, "%s", st == HALO_OK ? "" : halo_error_msg());
    char own_err[sizeof mine.err];
    snprintf(own_err, sizeof own_err, "%s", mine.err);

    struct rank_info *info = rt->rank == 0 ? halo_calloc((size_t)rt->size, sizeof *info) : NULL;
    struct verdict v = {0};
    if (rt->rank == 0 && !info) return HALO_ERR_NOMEM;
    enum halo_status xs = exchange_setup(rt, &mine, info, &v);
    if (xs != HALO_OK) {
        free(info);
        return xs;
    }
    if (rt->rank == 0) {
        v = judge(rt, info);
        if (v.kind == VERDICT_OWN) halo_error(st, "%s", own_err);
        bool *remote = halo_calloc((size_t)rt->size, sizeof *remote);
        if (!remote) xs = HALO_ERR_NOMEM;
        /* emulated links on the wall clock compare times across ranks: other hosts' clocks differ */
        for (int r = 1; remote && r < rt->size; r++)
            remote[r] = v.status == HALO_OK && wall_emulated(rt) && strcmp(info[r].host, info[0].host) != 0;
        for (int r = 1; r < rt->size && xs == HALO_OK; r++) {
            MPI_Request q;
            struct verdict vr = v;
            vr.sync = remote[r];
            int rc = MPI_Isend(&vr, sizeof vr, MPI_BYTE, r, TAG_VERDICT, rt->comm, &q);
            xs = rc == MPI_SUCCESS ? wait_req(rt, &q, r, WAIT_SETUP) : mpi_fail(rc, "MPI_Isend(verdict)");
        }
        if (xs == HALO_OK && v.status == HALO_OK) xs = sync_clocks(rt, remote);
        free(remote);
        free(info);
        if (xs != HALO_OK) return xs;
        if (v.status != HALO_OK) return v.status;
    } else {
        if (v.status == HALO_OK) {
            bool me = v.sync;
            HALO_TRY(sync_clocks(rt, &me));
            rt->ready = true;
            return HALO_OK;
        }
        rt->print_local = v.kind == VERDICT_RANK_FAILED && v.rank == rt->rank;
        if (rt->print_local) halo_error(st, "rank %d (%s): %s", rt->rank, dev_name(rt, rt->rank), own_err);
        else halo_error(v.status, "the source ended the run (see its message)");
        return v.status;
    }
    /* rank 0: the single-device reference for --verify, then the stall reports */
    if (opts->verify) {
        HALO_TRY(halo_exec_graph(rt->be, rt->g, &rt->image, &rt->reference, NULL));
        rt->ref_max = 0;
        for (size_t i = 0; i < halo_tensor_numel(&rt->reference); i++)
            rt->ref_max = fmax(rt->ref_max, fabs(rt->reference.data[i]));
    }
    rt->stall_for = halo_malloc((size_t)rt->size, sizeof *rt->stall_for);
    rt->stall_what = halo_calloc((size_t)rt->size, sizeof *rt->stall_what);
    rt->stall_detail = halo_calloc((size_t)rt->size, sizeof *rt->stall_detail);
    if (!rt->stall_for || !rt->stall_what || !rt->stall_detail) return HALO_ERR_NOMEM;
    MPI_TRY(MPI_Irecv(&rt->stall_in, sizeof rt->stall_in, MPI_BYTE, MPI_ANY_SOURCE, TAG_STALL, rt->comm, &rt->stall_req));
    rt->ready = true;
    return HALO_OK;
}

/* ---- one inference ----------------------------------------------------------------------------- */

/* The tensor on this rank that holds message m's rect at the moment it is sent or copied. */
static const struct halo_tensor *holding(const struct halo_rt *rt, const struct halo_sched_msg *m)
{
    const struct halo_tensor *t = m->ready_step >= 0 ? &rt->out[m->ready_step]
                                  : m->ready_gather >= 0 ? &rt->full[m->ready_gather]
                                                         : &rt->image;
    HALO_ASSERT(t->data && halo_rect_contains(t->rect, m->rect));
    return t;
}

/* The payload of received message m as a tensor view (compressed ones decoded once, here). */
static enum halo_status payload_of(struct halo_rt *rt, int m, struct halo_tensor *t)
{
    const struct halo_sched_msg *mm = &rt->s.msg[m];
    const unsigned char *data = rt->buf[m] + sizeof(struct wire_hdr);
    *t = (struct halo_tensor){mm->c, mm->rect, (float *)data, false};
    if (!mm->compressed) return HALO_OK;
    if (!rt->dec[m].data) {
        const struct wire_hdr *h = (const void *)rt->buf[m];
        HALO_TRY(halo_tensor_alloc(&rt->dec[m], mm->c, mm->rect));
        double t = halo_now_ms();
        enum halo_status st = halo_codec_decode(data, (size_t)h->payload_bytes, &rt->plan->codec, rt->dec[m].data,
                                                halo_tensor_numel(&rt->dec[m]));
        rt->codec_ms += halo_now_ms() - t;
        if (st != HALO_OK) {
            halo_tensor_free(&rt->dec[m]);
            halo_error_prefix("rank %d: message %d from rank %d", rt->rank, m, mm->from);
            return st;
        }
    }
    *t = rt->dec[m];
    t->owned = false;
    return HALO_OK;
}

/* --inject corrupt / drop on the sender: the first message this rank sends for a block >= the
 * fault's block has one payload byte flipped after its checksum was taken (the header if it has no
 * payload), or is not sent at all (returns true: the sender believes it sent it). */
static bool inject_in_transit(struct halo_rt *rt, int m, unsigned char *data, size_t bytes)
{
    const struct halo_sched_msg *mm = &rt->s.msg[m];
    const struct halo_fault *f = halo_faults_find(&rt->faults, HALO_FAULT_CORRUPT, rt->rank);
    if (f && !rt->corrupt_done && mm->block >= f->block) {
        rt->corrupt_done = true;
        if (bytes) data[bytes / 2] ^= 0x10;
        else ((struct wire_hdr *)rt->buf[m])->checksum ^= 1;
        fprintf(stderr, "halo run: injected fault: rank %d (%s) corrupts message %d (to rank %d) in transit\n", rt->rank,
                dev_name(rt, rt->rank), m, mm->to);
    }
    f = halo_faults_find(&rt->faults, HALO_FAULT_DROP, rt->rank);
    if (f && !rt->drop_done && mm->block >= f->block) {
        rt->drop_done = true;
        rt->req[m] = MPI_REQUEST_NULL;
        fprintf(stderr, "halo run: injected fault: rank %d (%s) drops message %d (to rank %d)\n", rt->rank,
                dev_name(rt, rt->rank), m, mm->to);
        return true;
    }
    return false;
}

/* Packs message m from what this rank holds and posts it; wall + emulated links: reserves the
 * uplink and stamps the interval. */
static enum halo_status post_send(struct halo_rt *rt, int m, double vsend)
{
    const struct halo_sched_msg *mm = &rt->s.msg[m];
    struct wire_hdr *h = (struct wire_hdr *)rt->buf[m];
    unsigned char *data = rt->buf[m] + sizeof *h;
    struct halo_tensor view = {mm->c, mm->rect, (float *)data, false};
    int64_t bytes = 4 * (int64_t)mm->c * halo_rect_area(mm->rect);
    if (mm->compressed) { /* pack into a scratch tensor, then encode into the wire buffer */
        struct halo_tensor raw = {0};
        HALO_TRY(halo_tensor_alloc(&raw, mm->c, mm->rect));
        halo_tensor_copy_region(&raw, holding(rt, mm), mm->rect);
        uint8_t *coded = NULL;
        size_t n_coded = 0;
        double t = halo_now_ms();
        enum halo_status st = halo_codec_encode(raw.data, halo_tensor_numel(&raw), &rt->plan->codec, &coded, &n_coded);
        rt->codec_ms += halo_now_ms() - t;
        halo_tensor_free(&raw);
        HALO_TRY(st);
        if (sizeof *h + n_coded > rt->buf_bytes[m]) {
            free(coded);
            return halo_error(HALO_ERR_INTERNAL, "message %d: %zu coded bytes exceed the codec's bound", m, n_coded);
        }
        memcpy(data, coded, n_coded);
        free(coded);
        bytes = (int64_t)n_coded;
    } else {
        halo_tensor_copy_region(&view, holding(rt, mm), mm->rect);
    }
    double now = rel(rt), start = now, end = now;
    if (wall_emulated(rt)) {
        int n = rt->plan->n_dev;
        start = now > rt->up_free ? now : rt->up_free;
        end = start + rt->plan->lat_ms[mm->from * n + mm->to] + (double)bytes * 8e-3 / rt->plan->bw_mbps[mm->from * n + mm->to];
        rt->up_free = end;
    }
    *h = (struct wire_hdr){WIRE_MAGIC, rt->seq, m, rt->rank, bytes, start, end, vsend, now, 0};
    h->checksum = halo_hash_bytes(data, (size_t)bytes);
    rt->vbytes[m] = (double)bytes;
    if (inject_in_transit(rt, m, data, (size_t)bytes)) return HALO_OK; /* --inject drop: never sent */
    MPI_TRY(MPI_Isend(rt->buf[m], (int)(sizeof *h + (size_t)bytes), MPI_BYTE, mm->to, TAG_BASE + m, rt->comm,
                      &rt->req[m]));
    return HALO_OK;
}

/* Whether message m (to this rank) counts as arrived; notes when it will. */
static bool delivered(struct halo_rt *rt, int m)
{
    if (!rt->got[m]) return false;
    if (!wall_emulated(rt)) return true;
    double at = rt->t0 + rt->deliver[m];
    if (halo_now_ms() >= at) return true;
    if (at < rt->wake) rt->wake = at;
    return false;
}

static bool inputs_ready(struct halo_rt *rt, const void *arg)
{
    const struct halo_sched_step *sp = &rt->s.step[*(const int *)arg];
    bool ok = true;
    for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++)
        if (rt->s.msg[m].from != sp->device && !delivered(rt, m)) {
            if (ok) {
                rt->wpeer = rt->s.msg[m].from;
                rt->wdetail = m;
            }
            ok = false;
        }
    return ok;
}

static bool token_ready(struct halo_rt *rt, const void *arg) { return rt->tok_got[*(const int *)arg]; }

/* Test hooks: HALO_TEST_KILL_RANK / HALO_TEST_STALL_RANK make that rank exit or hang at the first
 * step of block >= HALO_TEST_*_BLOCK (or at the end of its inference); HALO_TEST_CORRUPT_RANK adds
 * 1 to the first value of that rank's output when it computes a block's first part (verify must
 * catch it). */
static void hooks(struct halo_rt *rt, int block)
{
    if (rt->hook_done) return;
    if (rt->rank == rt->kill_rank && block >= rt->kill_block) {
        fprintf(stderr, "halo run: test hook: rank %d (%s) exits at block %d\n", rt->rank, dev_name(rt, rt->rank), block);
        fflush(stderr);
        _exit(1);
    }
    if (rt->rank == rt->stall_rank && block >= rt->stall_block) {
        rt->hook_done = true;
        fprintf(stderr, "halo run: test hook: rank %d (%s) stalls at block %d\n", rt->rank, dev_name(rt, rt->rank), block);
        fflush(stderr);
        for (;;) halo_sleep_ms(100);
    }
}

/* The step's input rect from local holdings and received pieces (a view when one piece is it all). */
static enum halo_status assemble(struct halo_rt *rt, int s, struct halo_tensor *in)
{
    const struct halo_sched_step *sp = &rt->s.step[s];
    struct halo_tensor one;
    for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        if (mm->from == rt->rank) one = *holding(rt, mm);
        else HALO_TRY(payload_of(rt, m, &one));
        one.owned = false;
        if (sp->n_msg == 1 && halo_rect_eq(one.rect, sp->in)) {
            *in = one;
            return HALO_OK;
        }
        if (!in->data) HALO_TRY(halo_tensor_alloc(in, sp->in_c, sp->in));
        halo_tensor_copy_region(in, &one, mm->rect);
    }
    if (!in->data) return halo_error(HALO_ERR_INTERNAL, "step %d has no input pieces", s);
    return HALO_OK;
}

/* Whether a thread of this process other than the caller is running (Linux: /proc/self/task). */
static bool other_threads_running(void)
{
    bool busy = false;
#ifdef __linux__
    char self[32], path[64], buf[512];
    snprintf(self, sizeof self, "%ld", (long)gettid());
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && !busy && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, self)) continue;
        snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[n] = '\0';
        const char *q = strrchr(buf, ')'); /* the state follows the command name in parentheses */
        busy = q && q[1] == ' ' && q[2] == 'R';
    }
    if (d) closedir(d);
#endif
    return busy;
}

/* Virtual clock, before handing the cores to the next rank: the backend's idle worker threads
 * (OpenMP) spin for a while after each parallel region — libgomp's default 300000 pauses, tens of
 * ms here — on the very cores the next rank computes on; measured, that doubled some steps. Wait
 * (sleeping, at most 200 ms) until they sleep. Costs wall time, not virtual time. */
static void release_cores(struct halo_rt *rt)
{
    double t = halo_now_ms();
    while (other_threads_running() && halo_now_ms() - t < 200) halo_sleep_ms(POLL_SLEEP_MS);
    rt->wait_ms += halo_now_ms() - t;
}

/* The virtual time at which step s ends, from the token's durations (the replay is causal). */
static enum halo_status virtual_end(struct halo_rt *rt, int s, double *vend)
{
    int64_t *bytes = halo_malloc((size_t)rt->s.n_msg, sizeof *bytes);
    if (!bytes) return HALO_ERR_NOMEM;
    for (int m = 0; m < rt->s.n_msg; m++) bytes[m] = (int64_t)rt->vbytes[m];
    struct halo_vclock v;
    enum halo_status st = halo_vclock_replay(rt->plan, &rt->s, rt->vdur, bytes, &v);
    free(bytes);
    HALO_TRY(st);
    *vend = v.step_end[s];
    halo_vclock_free(&v);
    return HALO_OK;
}

static enum halo_status do_step(struct halo_rt *rt, int s)
{
    const struct halo_sched_step *sp = &rt->s.step[s];
    bool virt = rt->opts.clock == HALO_CLOCK_VIRTUAL;
    hooks(rt, sp->block);
    const struct halo_fault *delay = halo_faults_find(&rt->faults, HALO_FAULT_DELAY, rt->rank);
    if (delay && sp->block >= delay->block) halo_sleep_ms(delay->delay_ms); /* --inject delay: a slow rank */
    if (virt && rt->tok_in[s]) {
        HALO_TRY(wait_until(rt, token_ready, &s, rt->s.step[s - 1].device, WAIT_TOKEN, s));
        memcpy(rt->vdur, rt->tok_in[s], (size_t)rt->s.n_step * sizeof(double));
        memcpy(rt->vbytes, rt->tok_in[s] + rt->s.n_step, (size_t)rt->s.n_msg * sizeof(double));
    }
    HALO_TRY(wait_until(rt, inputs_ready, &s, -1, WAIT_MSG, -1));
    struct halo_tensor in = {0};
    HALO_TRY(assemble(rt, s, &in));
    double t = halo_now_ms();
    enum halo_status st = halo_exec_rect(rt->be, rt->g, sp->first, sp->last, sp->out, sp->mode, &in, &rt->out[s]);
    double ms = halo_now_ms() - t;
    halo_tensor_free(&in);
    if (st != HALO_OK) {
        halo_error_prefix("rank %d (%s): block %d part %d", rt->rank, dev_name(rt, rt->rank), sp->block, sp->part);
        return st;
    }
    if (rt->rank == rt->corrupt_rank && s == rt->s.block_step0[sp->block]) /* test hook: a wrong value */
        rt->out[s].data[0] += 1.0f;
    double scaled = ms / rt->speed;
    /* a slower device on the wall clock: hold the result back for the extra time */
    if (!virt && scaled > ms) halo_sleep_ms(scaled - ms);
    double end = rel(rt);
    rt->compute_ms += virt ? ms : end - (t - rt->t0);
    double *st3 = rt->stats + ST_HEAD + 3 * s;
    st3[0] = t - rt->t0;
    st3[1] = end;
    st3[2] = scaled;
    rt->vdur[s] = scaled;
    double vend = 0;
    if (virt) HALO_TRY(virtual_end(rt, s, &vend));
    for (int m = 0; m < rt->s.n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        if (mm->ready_step == s && mm->from == rt->rank && mm->to != rt->rank) HALO_TRY(post_send(rt, m, vend));
    }
    if (virt && s + 1 < rt->s.n_step && rt->tok_out[s + 1]) {
        release_cores(rt);
        memcpy(rt->tok_out[s + 1], rt->vdur, (size_t)rt->s.n_step * sizeof(double));
        memcpy(rt->tok_out[s + 1] + rt->s.n_step, rt->vbytes, (size_t)rt->s.n_msg * sizeof(double));
        MPI_TRY(MPI_Isend(rt->tok_out[s + 1], rt->tok_len, MPI_DOUBLE, rt->s.step[s + 1].device,
                          TAG_BASE + rt->s.n_msg + s + 1, rt->comm, &rt->tok_sreq[s + 1]));
    }
    return HALO_OK;
}

struct msg_set {
    int kind, block;
};

static bool set_delivered(struct halo_rt *rt, const void *arg)
{
    const struct msg_set *w = arg;
    bool ok = true;
    for (int m = 0; m < rt->s.n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        if ((int)mm->kind == w->kind && mm->block == w->block && mm->to == rt->rank && mm->from != rt->rank &&
            !delivered(rt, m)) {
            if (ok) {
                rt->wpeer = mm->from;
                rt->wdetail = m;
            }
            ok = false;
        }
    }
    return ok;
}

/* The source: every part's output of block b, stitched, then forwarded where the plan says. */
static enum halo_status do_gather(struct halo_rt *rt, int b)
{
    struct msg_set w = {HALO_SCHED_GATHER, b};
    HALO_TRY(wait_until(rt, set_delivered, &w, -1, WAIT_MSG, -1));
    const struct halo_plan_block *bl = &rt->plan->block[b];
    struct halo_shape os = rt->g->nodes[bl->last - 1].out_shape;
    HALO_TRY(halo_tensor_alloc(&rt->full[b], os.c, halo_rect_full(os)));
    for (int m = 0; m < rt->s.n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        if (mm->kind != HALO_SCHED_GATHER || mm->block != b) continue;
        struct halo_tensor src;
        if (mm->from == 0) src = *holding(rt, mm);
        else HALO_TRY(payload_of(rt, m, &src));
        halo_tensor_copy_region(&rt->full[b], &src, mm->rect);
    }
    for (int m = 0; m < rt->s.n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        if (mm->ready_gather == b && mm->from == 0 && mm->to != 0) HALO_TRY(post_send(rt, m, 0));
    }
    return HALO_OK;
}

static bool start_ready(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    int flag = 0;
    return MPI_Test(&rt->start_req, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && flag;
}

/* Rank 0 sends the start (or stop) to every rank; the others wait for it. */
static enum halo_status exchange_start(struct halo_rt *rt, int index, bool stop, struct start_msg *sm)
{
    if (rt->rank == 0) {
        for (int r = 1; r < rt->size; r++) {
            rt->start_out[r] = *sm;
            MPI_TRY(MPI_Isend(&rt->start_out[r], sizeof *sm, MPI_BYTE, r, TAG_START, rt->comm, &rt->start_sreq[r]));
        }
        for (int r = 1; r < rt->size; r++) HALO_TRY(wait_req(rt, &rt->start_sreq[r], r, WAIT_START));
        return HALO_OK;
    }
    rt->deadline = halo_now_ms() + (index == 0 ? SETUP_TIMEOUT_MS : fmax(60000, 4 * rt->timeout_ms));
    MPI_TRY(MPI_Irecv(&rt->start_in, sizeof rt->start_in, MPI_BYTE, 0, TAG_START, rt->comm, &rt->start_req));
    HALO_TRY(wait_until(rt, start_ready, NULL, 0, WAIT_START, -1));
    *sm = rt->start_in;
    if (sm->stop != stop || (!stop && sm->index != index))
        return halo_error(HALO_ERR_INTERNAL, "rank %d expected %s %d, the source sent %s %d", rt->rank,
                          stop ? "the end" : "inference", index, sm->stop ? "the end" : "inference", sm->index);
    return HALO_OK;
}

static double choose_timeout(const struct halo_rt *rt, int index)
{
    const struct halo_plan *p = rt->plan;
    if (rt->opts.timeout_ms > 0) return rt->opts.timeout_ms;
    /* the warm-up has nothing measured to scale: the prediction, with room for slow backends and,
     * on the virtual clock, for every device computing in turn */
    double scale = rt->opts.clock == HALO_CLOCK_VIRTUAL ? p->n_dev : 1;
    if (index == 0) return fmax(30000, 20 * scale * rt->pred.total_ms);
    return fmax(2000, fmax(5 * rt->pred.total_ms, 3 * rt->warm_wall_ms));
}

static enum halo_status begin(struct halo_rt *rt, int index)
{
    struct start_msg sm = {0};
    rt->index = index;
    if (rt->rank == 0) {
        rt->timeout_ms = choose_timeout(rt, index);
        rt->deadline = halo_now_ms() + fmax(60000, 4 * rt->timeout_ms);
        sm = (struct start_msg){halo_now_ms() + 2 + 0.1 * rt->size, rt->timeout_ms, 0, index, 0, rt->seq + 1, 0};
    }
    HALO_TRY(exchange_start(rt, index, false, &sm));
    rt->seq = sm.seq;
    rt->timeout_ms = sm.timeout_ms;
    rt->t0 = sm.t0_ms + rt->offset_ms;
    rt->deadline = rt->t0 + rt->timeout_ms;
    rt->up_free = rt->down_free = 0;
    rt->stall_sent = rt->hook_done = false;
    memset(rt->stats, 0, (size_t)rt->n_stats * sizeof *rt->stats);
    memset(rt->vdur, 0, (size_t)rt->s.n_step * sizeof *rt->vdur);
    for (int m = 0; m < rt->s.n_msg; m++) {
        const struct halo_sched_msg *mm = &rt->s.msg[m];
        rt->got[m] = false;
        rt->deliver[m] = 0;
        rt->vbytes[m] = (double)mm->bytes;
        if (mm->to == rt->rank && mm->from != rt->rank)
            MPI_TRY(MPI_Irecv(rt->buf[m], (int)rt->buf_bytes[m], MPI_BYTE, mm->from, TAG_BASE + m, rt->comm, &rt->req[m]));
    }
    for (int k = 0; rt->tok_in && k < rt->s.n_step; k++) {
        rt->tok_got[k] = false;
        if (rt->tok_in[k])
            MPI_TRY(MPI_Irecv(rt->tok_in[k], rt->tok_len, MPI_DOUBLE, rt->s.step[k - 1].device,
                              TAG_BASE + rt->s.n_msg + k, rt->comm, &rt->tok_req[k]));
    }
    if (rt->rank == 0) {
        for (int r = 0; r < rt->size; r++) {
            rt->stall_for[r] = -1;
            rt->stats_got[r] = r == 0;
            if (r > 0)
                MPI_TRY(MPI_Irecv(rt->stats_all + (size_t)r * rt->n_stats, rt->n_stats, MPI_DOUBLE, r, TAG_STATS,
                                  rt->comm, &rt->stats_req[r]));
        }
    }
    halo_sleep_ms(rt->t0 - halo_now_ms());
    rt->compute_ms = rt->wait_ms = rt->codec_ms = 0;
    if (rt->rank == 0)
        for (int m = 0; m < rt->s.n_msg; m++) {
            const struct halo_sched_msg *mm = &rt->s.msg[m];
            if (mm->ready_step < 0 && mm->ready_gather < 0 && mm->from == 0 && mm->to != 0) HALO_TRY(post_send(rt, m, 0));
        }
    return HALO_OK;
}

static bool sends_done(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    for (int m = 0; m < rt->s.n_msg; m++)
        if (rt->s.msg[m].from == rt->rank && rt->req[m] != MPI_REQUEST_NULL) {
            rt->wpeer = rt->s.msg[m].to;
            rt->wdetail = m;
            return false;
        }
    for (int k = 0; rt->tok_sreq && k < rt->s.n_step; k++)
        if (rt->tok_sreq[k] != MPI_REQUEST_NULL) {
            rt->wpeer = rt->s.step[k].device;
            return false;
        }
    return true;
}

static bool stats_ready(struct halo_rt *rt, const void *arg)
{
    (void)arg;
    for (int r = 0; r < rt->size; r++)
        if (!rt->stats_got[r]) {
            rt->wpeer = r;
            return false;
        }
    return true;
}

static bool result_ready(struct halo_rt *rt, const void *arg) { return delivered(rt, *(const int *)arg); }

static enum halo_status run_steps(struct halo_rt *rt)
{
    const struct halo_sched *s = &rt->s;
    for (int b = 0; b <= s->n_blocks; b++) {
        for (int k = s->block_step0[b]; k < s->block_step0[b + 1]; k++)
            if (s->step[k].device == rt->rank) HALO_TRY(do_step(rt, k));
        if (rt->rank == 0 && b < s->n_blocks && rt->plan->block[b].gather) HALO_TRY(do_gather(rt, b));
        if (b > 0) { /* block b-1's outputs are packed or used: free them */
            for (int k = s->block_step0[b - 1]; k < s->block_step0[b]; k++) halo_tensor_free(&rt->out[k]);
            halo_tensor_free(&rt->full[b - 1]);
        }
    }
    if (rt->rank != 0) return HALO_OK;
    int m = s->n_msg - 1, tail = s->n_step - 1;
    const struct halo_tensor *y;
    struct halo_tensor view;
    if (s->msg[m].from != 0) {
        HALO_TRY(wait_until(rt, result_ready, &m, s->msg[m].from, WAIT_MSG, m));
        HALO_TRY(payload_of(rt, m, &view));
        y = &view;
        rt->result_rel = wall_emulated(rt) ? rt->deliver[m] : rel(rt);
    } else {
        y = &rt->out[tail];
        rt->result_rel = rt->stats[ST_HEAD + 3 * tail + 1];
    }
    size_t n = halo_tensor_numel(y);
    if (!rt->logits && !(rt->logits = halo_malloc(n, sizeof *rt->logits))) return HALO_ERR_NOMEM;
    memcpy(rt->logits, y->data, n * sizeof *rt->logits);
    rt->n_logits = (int)n;
    return HALO_OK;
}

static enum halo_status end_inference(struct halo_rt *rt)
{
    HALO_TRY(wait_until(rt, sends_done, NULL, -1, WAIT_SENDS, -1));
    hooks(rt, rt->s.n_blocks + 1);
    double end = rel(rt);
    rt->stats[ST_ACTIVE] = end;
    rt->stats[ST_COMPUTE] = rt->compute_ms;
    rt->stats[ST_WAIT] = rt->wait_ms;
    rt->stats[ST_CODEC] = rt->codec_ms;
    rt->stats[ST_OVERHEAD] = fmax(0, end - rt->compute_ms - rt->wait_ms - rt->codec_ms);
    if (rt->rank != 0) {
        MPI_TRY(MPI_Isend(rt->stats, rt->n_stats, MPI_DOUBLE, 0, TAG_STATS, rt->comm, &rt->stats_sreq));
        return wait_req(rt, &rt->stats_sreq, 0, WAIT_STATS);
    }
    memcpy(rt->stats_all, rt->stats, (size_t)rt->n_stats * sizeof *rt->stats);
    return wait_until(rt, stats_ready, NULL, -1, WAIT_STATS, -1);
}

/* Rank 0: the measured timeline (wall: stamped intervals; virtual: the replay), per-device times
 * beside the plan's, overhead, and the comparison with single-device inference. */
static enum halo_status make_report(struct halo_rt *rt, struct halo_run_report *rep)
{
    const struct halo_sched *s = &rt->s;
    const struct halo_plan *p = rt->plan;
    int ns = s->n_step, nm = s->n_msg;
    const double *all = rt->stats_all;
    size_t stride = (size_t)rt->n_stats;
    struct halo_plan_event *ev = halo_malloc((size_t)ns + 2 * (size_t)nm + 1, sizeof *ev);
    double *dur = halo_malloc((size_t)ns, sizeof *dur);
    int64_t *bytes = halo_malloc((size_t)nm, sizeof *bytes);
    if (!ev || !dur || !bytes) {
        free(ev);
        free(dur);
        free(bytes);
        return HALO_ERR_NOMEM;
    }
    int n_ev = 0;
    int64_t moved = 0;
    for (int k = 0; k < ns; k++) dur[k] = all[stride * s->step[k].device + ST_HEAD + 3 * k + 2];
    for (int m = 0; m < nm; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        bytes[m] = mm->from == mm->to ? 0 : (int64_t)all[stride * mm->to + ST_HEAD + 3 * ns + 4 * m + 2];
        moved += bytes[m];
    }
    double latency;
    struct halo_vclock v = {0};
    enum halo_status st = HALO_OK;
    if (rt->opts.clock == HALO_CLOCK_VIRTUAL) {
        st = halo_vclock_replay(p, s, dur, bytes, &v);
        latency = v.total_ms;
        if (st == HALO_OK) {
            free(ev);
            ev = v.events;
            n_ev = v.n_events;
            v.events = NULL;
        }
    } else {
        latency = rt->result_rel;
        for (int k = 0; k < ns; k++) {
            const double *x = all + stride * s->step[k].device + ST_HEAD + 3 * k;
            int b = s->step[k].block;
            ev[n_ev++] = (struct halo_plan_event){s->step[k].device, s->step[k].device, b, s->step[k].part,
                                                  HALO_EVENT_COMPUTE, x[0], x[1], 0};
        }
        for (int m = 0; m < nm; m++) {
            const struct halo_sched_msg *mm = &s->msg[m];
            if (mm->from == mm->to) continue;
            const double *x = all + stride * mm->to + ST_HEAD + 3 * ns + 4 * m;
            int b = mm->kind == HALO_SCHED_RESULT ? -1 : mm->block;
            ev[n_ev++] = (struct halo_plan_event){mm->from, mm->to, b, mm->part, HALO_EVENT_SEND, x[0], x[1], bytes[m]};
            ev[n_ev++] = (struct halo_plan_event){mm->to, mm->from, b, mm->part, HALO_EVENT_RECV, x[0], x[1], bytes[m]};
        }
    }
    if (st == HALO_OK) {
        double worst = -1, wall = 0;
        for (int k = 0; k < p->n_dev; k++) {
            struct halo_run_device *d = &rt->dev[k];
            halo_timeline_device_times(ev, n_ev, latency, k, &d->compute_ms, &d->recv_ms, &d->send_ms, &d->idle_ms);
            halo_timeline_device_times(rt->pred.events, rt->pred.n_events, rt->pred.total_ms, k, &d->pred_compute_ms,
                                       &d->pred_recv_ms, &d->pred_send_ms, &d->pred_idle_ms);
            d->overhead_ms = all[stride * k + ST_OVERHEAD];
            d->codec_ms = all[stride * k + ST_CODEC];
            d->active_ms = all[stride * k + ST_ACTIVE];
            wall = fmax(wall, d->active_ms);
            if (d->overhead_ms > worst) {
                worst = d->overhead_ms;
                rep->overhead_rank = k;
            }
        }
        rep->index = rt->index;
        rep->latency_ms = latency;
        rep->pred_latency_ms = rt->pred.total_ms;
        rep->bytes_moved = moved;
        rep->pred_bytes_moved = rt->pred.bytes_moved;
        rep->overhead_frac = latency > 0 ? worst / latency : 0;
        rep->wall_ms = wall;
        rep->n_dev = p->n_dev;
        rep->dev = rt->dev;
        rep->logits = rt->logits;
        rep->n_logits = rt->n_logits;
        for (int k = 0; k < ns; k++) {
            const struct halo_sched_step *sp = &s->step[k];
            double start = v.step_start ? v.step_start[k] : all[stride * sp->device + ST_HEAD + 3 * k];
            double end = v.step_end ? v.step_end[k] : all[stride * sp->device + ST_HEAD + 3 * k + 1];
            rt->steps[k] = (struct halo_run_step){sp->block, sp->part, sp->device, start, end, dur[k],
                                                  rt->pred.step_end[k] - rt->pred.step_start[k]};
        }
        rep->n_steps = ns;
        rep->steps = rt->steps;
        rep->verified = rt->opts.verify;
        rep->tolerance = strcmp(halo_backend_name(rt->be), "ref") ? VERIFY_FLOAT_TOL : 0;
        if (rt->opts.verify) {
            size_t n = halo_tensor_numel(&rt->reference);
            if (n != (size_t)rt->n_logits) {
                st = halo_error(HALO_ERR_INTERNAL, "logits: %d values, the reference has %zu", rt->n_logits, n);
            } else {
                halo_compare(rt->logits, rt->reference.data, n, &rep->max_abs_err, &rep->max_rel_err);
                rep->max_rel_err = rt->ref_max > 0 ? rep->max_abs_err / rt->ref_max : rep->max_abs_err;
                rep->pass = p->lossless && (rep->tolerance == 0 ? rep->max_abs_err == 0 : rep->max_rel_err <= rep->tolerance);
            }
        }
        if (rt->index == 0) rt->warm_wall_ms = wall;
    }
    halo_vclock_free(&v);
    free(ev);
    free(dur);
    free(bytes);
    return st;
}

enum halo_status halo_rt_infer(struct halo_rt *rt, int index, struct halo_run_report *rep)
{
    memset(rep, 0, sizeof *rep);
    enum halo_status st = begin(rt, index);
    if (st == HALO_OK) st = run_steps(rt);
    if (st == HALO_OK) st = end_inference(rt);
    if (st == HALO_OK && rt->rank == 0) st = make_report(rt, rep);
    free_inference_data(rt);
    return st;
}

enum halo_status halo_rt_finish(struct halo_rt *rt)
{
    enum halo_status st = HALO_OK;
    if (rt->ready) {
        struct start_msg sm = {0, 0, 0, -1, 1, rt->seq + 1, 0};
        if (rt->rank == 0) rt->deadline = halo_now_ms() + fmax(60000, 4 * rt->timeout_ms);
        st = exchange_start(rt, -1, true, &sm);
    }
    if (rt->rank == 0 && rt->stall_req != MPI_REQUEST_NULL) {
        MPI_Cancel(&rt->stall_req);
        MPI_Wait(&rt->stall_req, MPI_STATUS_IGNORE);
    }
    if (rt->stall_sreq != MPI_REQUEST_NULL) MPI_Wait(&rt->stall_sreq, MPI_STATUS_IGNORE);
    if (st != HALO_OK) return st;
    MPI_TRY(MPI_Finalize());
    return HALO_OK;
}
