/* rt_internal: what the pieces of the MPI runtime share — struct halo_rt, cut into one sub-struct
 * per concern, and the functions they call across files. Only runtime/runtime.c and runtime/rt_*.c
 * include it; everyone else sees runtime.h.
 *
 *   runtime.c      lifetime (init, free, abort) and the small accessors of runtime.h
 *   rt_setup.c     struct rt_job: loading plans, weights, image and backend; every rank's plan,
 *                  links and weights checked against the source's; clock offsets
 *   rt_wire.c      struct rt_wire: message buffers, header, packing, checksum, link emulation
 *   rt_wait.c      struct rt_wait: non-blocking waits with deadlines; naming a dead or stalled rank
 *   rt_platform.c  no state: the cores a rank gets and their binding, /proc scraping
 *   rt_engine.c    struct rt_engine: one inference's start, steps, gathers and end
 *   rt_token.c     struct rt_token: the virtual clock's turn-taking (a token in step order)
 *   rt_report.c    struct rt_report: per-rank stats, and what rank 0 learns per inference
 *
 * Each file owns its sub-struct: it allocates, resets and frees it and keeps its invariants; the
 * others read it, and write it only through that file's functions — except the wait's deadline and
 * timeout ("set by the caller" below), and the null requests halo_rt_init puts in every piece. */
#ifndef HALO_RT_INTERNAL_H
#define HALO_RT_INTERNAL_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/tensor.h"
#include "exec/backend.h"
#include "partition/schedule.h"
#include "runtime/inject.h"
#include "runtime/runtime.h"
#include "runtime/vclock.h"

/* MPI tags, one list for the job so that no two kinds of message can match each other. Message m
 * of the schedule uses TAG_BASE + m; the virtual clock's token into step k, TAG_BASE + n_msg + k. */
enum { TAG_INFO = 1, TAG_VERDICT, TAG_START, TAG_STALL, TAG_STATS, TAG_CLOCK, TAG_BASE = 32 };

/* Every wait polls (MPI_Test) and sleeps this long between polls: a blocking wait would busy-poll
 * a core that a computing rank needs. */
#define RT_POLL_SLEEP_MS 0.2
/* Setup (loading weights, building backends, the reference run) has no prediction to scale. */
#define RT_SETUP_TIMEOUT_MS 300000.0

/* What a rank waits for, in stall reports. */
enum rt_wait_what { WAIT_MSG, WAIT_TOKEN, WAIT_START, WAIT_STATS, WAIT_SENDS, WAIT_SETUP };

/* ---- the sub-structs ------------------------------------------------------------------------- */

/* rt_setup.c: what the job runs, the same on every rank once setup has agreed. */
struct rt_job {
    struct halo_run_opts opts;
    struct halo_plan **plans;  /* every plan of the job, for one graph */
    int n_plans, cur, max_dev;
    struct halo_plan *plan;    /* plans[cur] */
    const char *plan_path;
    struct halo_graph *g;
    struct halo_backend *be;
    struct halo_sched s;       /* the plan in use as steps and messages in one global order */
    bool have_sched;
    struct halo_vclock pred;   /* the plan's prediction, replayed on its own sources and links */
    struct halo_faults faults; /* --inject */
    struct halo_tensor image;  /* rank 0: the input */
    double speed;              /* this rank's device speed in the plan in use */
    double offset_ms;          /* this rank's monotonic clock minus rank 0's */
    bool ready;                /* setup succeeded on every rank */
    bool print_local;          /* this rank's own setup error is the one to print */
};

/* rt_wire.c: per message of the schedule, its wire buffer and request on the sender or the
 * receiver; link emulation's reservations. */
struct rt_wire {
    unsigned char **buf;       /* header + payload */
    size_t *buf_bytes;
    MPI_Request *req;
    bool *got;                 /* receiver: arrived; sender: send completed */
    double *deliver;           /* receiver: relative ms at which the data counts as arrived */
    struct halo_tensor *dec;   /* receiver: decoded payload of compressed messages */
    double up_free, down_free; /* wall clock, emulated links: when this rank's uplink and downlink
                                  are free (relative ms) */
    double codec_ms;           /* this inference's time in ADCNN's codec */
    bool corrupt_done, drop_done; /* --inject corrupt / drop act once per job */
};

/* A rank past its deadline tells the source what it waits for. */
struct rt_stall_msg {
    int32_t rank, waits_for, inference, what, detail, pad;
};

/* rt_wait.c: the deadline, what the current wait misses, and the stall reports. */
struct rt_wait {
    double deadline;           /* local monotonic ms; set by the caller: the phase that waits */
    double timeout_ms;         /* the timeout in force, for messages; set by the caller with the deadline */
    double wake;               /* local monotonic ms of the next emulated delivery (rt_wait_wake_at) */
    int peer, detail;          /* what the current wait misses (rt_wait_missing) */
    bool progressed;           /* a request completed since the last poll */
    double waited_ms;          /* this inference's time in waits */
    int *idx;                  /* per plan: the pollers' scratch of request indices */
    struct rt_stall_msg stall_in, stall_out;
    MPI_Request stall_req, stall_sreq;
    bool stall_sent;
    int *stall_for;            /* rank 0: per rank, whom it waits for (-1: no report) */
    int *stall_what, *stall_detail;
};

/* The start of an inference (or the end of the job), from the source to every rank. */
struct rt_start_msg {
    double t0_ms, timeout_ms, offset_ms;
    int32_t index, stop, seq, pad;
};

/* rt_engine.c: one inference on this rank — its steps' outputs, the start message, and the test
 * hooks. */
struct rt_engine {
    int index;                 /* the caller's (restarts with each plan) */
    int seq;                   /* inferences of the job so far: identifies headers and stall reports */
    double t0;                 /* local monotonic ms of the inference's start */
    double compute_ms;         /* this inference's compute on this rank (wall ms) */
    double result_rel;         /* rank 0: when the logits were there (relative ms) */
    struct halo_tensor *out;   /* per step: own outputs */
    struct halo_tensor *full;  /* per block: the source's gathered copy */
    float *logits;
    int n_logits;
    struct rt_start_msg start_in, *start_out;
    MPI_Request start_req, *start_sreq;
    /* test hooks (HALO_TEST_*) and --inject kill / stall */
    int kill_rank, kill_block, stall_rank, stall_block, corrupt_rank;
    bool hook_done;
};

/* rt_token.c: the virtual clock's token — per step, its buffer in (from the previous step's rank)
 * or out (to the next step's rank) where the rank changes — and the state it carries. */
struct rt_token {
    double **in, **out;
    MPI_Request *req, *sreq;
    bool *got;
    int len;                   /* doubles in a token: n_step durations, then n_msg sizes */
    double *vdur;              /* per step: compute ms scaled by the device's speed */
    double *vbytes;            /* per message: bytes on the link */
};

/* rt_report.c: the stats each rank sends the source after an inference, and what the source makes
 * of them. */
struct rt_report {
    int n_stats;
    double *stats;             /* this rank's (layout: rt_stats_step, rt_stats_msg) */
    double *stats_all;         /* rank 0: size x n_stats */
    MPI_Request *stats_req;    /* rank 0: per rank */
    MPI_Request stats_sreq;
    bool *stats_got;
    struct halo_run_device *dev;
    struct halo_run_step *steps;
    struct halo_tensor reference; /* rank 0, --verify: single-device inference's logits */
    double ref_max;            /* max |reference| */
    double warm_wall_ms;       /* the plan's warm-up wall time (later timeouts scale with it) */
};

struct halo_rt {
    int rank, size;            /* set once by halo_rt_init; read everywhere */
    MPI_Comm comm;
    long tag_ub;
    struct rt_job job;
    struct rt_wire wire;
    struct rt_wait wait;
    struct rt_engine eng;
    struct rt_token tok;
    struct rt_report rep;
};

/* ---- small helpers (rt_mpi_fail in runtime.c, the rest inline) -------------------------------- */

/* An MPI error as a halo error naming the call. */
enum halo_status rt_mpi_fail(int rc, const char *call);

#define MPI_TRY(call)                                                                            \
    do {                                                                                         \
        int rc_ = (call);                                                                        \
        if (rc_ != MPI_SUCCESS) return rt_mpi_fail(rc_, #call);                                  \
    } while (0)

/* Ms since the inference's start on this rank. */
static inline double rt_rel(const struct halo_rt *rt) { return halo_now_ms() - rt->eng.t0; }

/* The plan's name of rank r's device, or "?". */
static inline const char *rt_dev_name(const struct halo_rt *rt, int r)
{
    return rt->job.plan && r >= 0 && r < rt->job.plan->n_dev ? rt->job.plan->dev[r].name : "?";
}

/* Wall clock with emulated links: messages are held back to the link model's times. */
static inline bool rt_wall_emulated(const struct halo_rt *rt)
{
    return rt->job.opts.clock == HALO_CLOCK_WALL && rt->job.opts.link == HALO_LINK_EMULATED;
}

/* ---- setup (rt_setup.c) ------------------------------------------------------------------------ */

/* Frees everything that belongs to the plan in use, in every piece (not the graph, weights, image
 * or reference). */
void rt_free_plan_state(struct halo_rt *rt);
/* Frees the job: plans, graph, backend, image, faults. */
void rt_job_free(struct halo_rt *rt);

/* ---- the wire (rt_wire.c) ---------------------------------------------------------------------- */

/* Per plan: a buffer for every message this rank sends or receives, sized for the codec's worst
 * case when compressed. */
enum halo_status rt_wire_alloc(struct halo_rt *rt);
void rt_wire_free(struct halo_rt *rt);
/* Per inference: frees the decoded payloads. */
void rt_wire_free_data(struct halo_rt *rt);
/* Per inference: clears arrivals and the links' reservations, posts this rank's receives. */
enum halo_status rt_wire_begin(struct halo_rt *rt);
/* Tests every message request once (never blocks); checks the header and checksum of what arrived
 * and decides when it counts as delivered. *progressed is set when a request completed. */
enum halo_status rt_wire_poll(struct halo_rt *rt, int *idx, bool *progressed);
/* Packs message m from `src` (the tensor on this rank that holds its rect), encodes it when
 * compressed, stamps and checksums the header, and posts it; *bytes: the payload's size on the
 * link. vsend_ms: virtual clock, when the sender had the data. */
enum halo_status rt_wire_post(struct halo_rt *rt, int m, const struct halo_tensor *src, double vsend_ms,
                              int64_t *bytes);
/* The payload of received message m as a view (compressed ones decoded once, here). */
enum halo_status rt_wire_payload(struct halo_rt *rt, int m, struct halo_tensor *t);
/* Whether message m (to this rank) counts as arrived; when it will later, tells the wait. */
bool rt_wire_delivered(struct halo_rt *rt, int m);
/* A message this rank sent whose send has not completed, or -1. */
int rt_wire_pending_send(const struct halo_rt *rt);

/* ---- waiting and diagnosis (rt_wait.c) --------------------------------------------------------- */

typedef bool (*rt_ready_fn)(struct halo_rt *rt, const void *arg);

/* Per plan: the pollers' scratch. */
enum halo_status rt_wait_alloc(struct halo_rt *rt);
void rt_wait_free_plan(struct halo_rt *rt);
/* Rank 0, after setup: listens for stall reports. */
enum halo_status rt_wait_listen(struct halo_rt *rt);
/* Per inference: no reports yet, no time waited. */
void rt_wait_begin(struct halo_rt *rt);
/* The end of the job: completes the stall requests. */
void rt_wait_close(struct halo_rt *rt);
void rt_wait_free(struct halo_rt *rt);

/* Polls until ready() or a fault; sleeps between polls (to the next emulated delivery when
 * sooner). Past the deadline it reports what it waits for (peer, what, detail), and the source
 * names the culprit. ready() may narrow peer and detail with rt_wait_missing. */
enum halo_status rt_wait_until(struct halo_rt *rt, rt_ready_fn ready, const void *arg, int peer, int what, int detail);
/* Waits for one request (completing it) the same way. */
enum halo_status rt_wait_req(struct halo_rt *rt, MPI_Request *r, int peer, int what);
/* For ready(): what the wait still misses (the stall report's peer and detail). */
void rt_wait_missing(struct halo_rt *rt, int peer, int detail);
/* For ready(): something becomes ready at local monotonic ms `at`; the wait wakes up then. */
void rt_wait_wake_at(struct halo_rt *rt, double at);
/* "a piece of block 2 part 1's input", "its turn to compute ...": what a rank waits for. */
void rt_describe_wait(const struct halo_rt *rt, int what, int detail, char *buf, size_t size);
/* Virtual clock, before handing the cores to the next rank: waits (at most 200 ms) until this
 * process's other threads sleep; counted as waiting. */
void rt_wait_cores(struct halo_rt *rt);

/* ---- the platform (rt_platform.c) -------------------------------------------------------------- */

struct halo_topology;

/* A rank's share of its host's PUs: [first, first + n) in core/topology's numbering of the
 * process's PUs, and the topology that binds threads to them. */
struct rt_cpu_share {
    struct halo_topology *topo;
    int first, n;
};
/* Wall clock on one host: this rank's share of the cores; returns share->n (0: none, share->topo
 * is NULL). The caller frees share->topo with halo_topology_free. */
int rt_share_cores(const struct halo_rt *rt, struct rt_cpu_share *share);
/* Binds the backend's `threads` threads round robin to the share's PUs. */
void rt_pin_threads(const struct rt_cpu_share *share, int threads);
/* Whether a thread of this process other than the caller is running (Linux: /proc/self/task). */
bool rt_other_threads_running(void);

/* ---- the step engine (rt_engine.c) ------------------------------------------------------------- */

/* Reads the test hooks (HALO_TEST_* variables) and --inject kill / stall from the job's faults. */
void rt_engine_init_hooks(struct halo_rt *rt);
/* Once per job, after the first plan: rank 0's start messages. */
enum halo_status rt_engine_setup(struct halo_rt *rt);
/* Per plan: step outputs and gathered blocks. */
enum halo_status rt_engine_alloc(struct halo_rt *rt);
void rt_engine_free_plan(struct halo_rt *rt);
/* Per inference: frees the step outputs and gathered blocks. */
void rt_engine_free_data(struct halo_rt *rt);
void rt_engine_free(struct halo_rt *rt);

/* ---- the virtual clock's token (rt_token.c) ---------------------------------------------------- */

/* Per plan: durations and sizes; on the virtual clock the token's buffers. */
enum halo_status rt_token_alloc(struct halo_rt *rt);
void rt_token_free(struct halo_rt *rt);
/* Per inference: no durations, the plan's sizes; posts the receives of the token. */
enum halo_status rt_token_begin(struct halo_rt *rt);
/* Tests the token's requests once. */
enum halo_status rt_token_poll(struct halo_rt *rt, int *idx, bool *progressed);
/* Before step s: waits for the token when it comes from another rank, and takes its state. */
enum halo_status rt_token_take(struct halo_rt *rt, int s);
/* Records step s's scaled compute ms, and message m's bytes on the link. */
void rt_token_step(struct halo_rt *rt, int s, double ms);
void rt_token_msg(struct halo_rt *rt, int m, int64_t bytes);
/* When step s ends on the virtual timeline (the replay of what the token knows; it is causal). */
enum halo_status rt_token_step_end(struct halo_rt *rt, int s, double *vend);
/* After step s: hands the token (and the cores) to step s + 1's rank when that is another. */
enum halo_status rt_token_pass(struct halo_rt *rt, int s);
/* A step whose token send has not completed, or -1. */
int rt_token_pending_send(const struct halo_rt *rt);

/* ---- the report (rt_report.c) ------------------------------------------------------------------ */

/* Per plan: the stats and the report's per-device and per-step rows. */
enum halo_status rt_report_alloc(struct halo_rt *rt);
void rt_report_free_plan(struct halo_rt *rt);
void rt_report_free(struct halo_rt *rt);
/* Rank 0, --verify: the single-device inference to compare with. */
enum halo_status rt_report_reference(struct halo_rt *rt);
/* Per inference: clears this rank's stats; rank 0 posts the receives of everyone's. */
enum halo_status rt_report_begin(struct halo_rt *rt);
/* Rank 0: tests the stats' requests once. */
enum halo_status rt_report_poll(struct halo_rt *rt, int *idx);
/* This rank's stats of step s: start and end (relative ms), compute ms scaled by the speed. */
double *rt_stats_step(struct halo_rt *rt, int s);
/* This rank's stats of message m (as its receiver): start and end on the link (relative ms), bytes. */
double *rt_stats_msg(struct halo_rt *rt, int m);
/* The end of an inference: this rank's totals to the source; the source waits for everyone's. */
enum halo_status rt_report_gather(struct halo_rt *rt);
/* Rank 0: the report of the inference (the timeline, per-device times beside the plan's, verify). */
enum halo_status rt_report_make(struct halo_rt *rt, struct halo_run_report *rep);

#endif
