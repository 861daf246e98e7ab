/* rt_internal: what the pieces of the MPI runtime share — struct halo_rt, cut into one sub-struct
 * per concern, and the functions they call across files. Only runtime/runtime.c and runtime/rt_*.c
 * include it; everyone else sees runtime.h.
 *
 *   runtime.c      lifetime (init, free, abort) and the small accessors of runtime.h
 *   rt_setup.c     struct rt_job: loading plans (and their variants), weights, frames and backend;
 *                  every rank's plan, links and weights checked against the source's
 *   rt_hosts.c     struct rt_hosts: where the ranks run (hosts by boot id, namespaces, hostnames),
 *                  the plan's hosts checked, the transport between ranks
 *   rt_clock.c     struct rt_clock: each rank's clock offset from the source's, by round trips at
 *                  setup and again during the runs
 *   rt_wire.c      struct rt_wire: message buffers per frame slot, header, packing (the image as
 *                  uint8), checksum, link emulation
 *   rt_wait.c      struct rt_wait: non-blocking waits with deadlines; naming a dead or stalled rank
 *   rt_platform.c  no state: the cores a rank gets and their binding, /proc scraping, this host's
 *                  identity and Open MPI's transport settings
 *   rt_engine.c    struct rt_engine: the frames in a rank's slots — admission, every rank's steps
 *                  oldest frame first, gathers, results, in one loop
 *   rt_engine_state.c  the engine's test hooks, its slots' allocation and freeing, their emptying
 *   rt_stream.c    the start and end of a stream (one inference is a stream of one frame), the
 *                  arrivals, the timeouts; the end of the job
 *   rt_token.c     struct rt_token: the virtual clock's turn-taking (a token in the global order)
 *   rt_report.c    struct rt_report: per-rank records, and what rank 0 makes of them
 *
 * Frames and slots. A stream admits at most `inflight` frames at once; each admitted frame holds a
 * slot (0 .. inflight - 1), chosen by the source and announced to every rank, and everything a rank
 * keeps for a frame (messages, step outputs) lives in its slot, so memory is bounded by the slots,
 * not the frames. Frame f runs variant f mod n_var of the plan (halo_plan_variant); a step or a
 * message is named within its frame by its index in that variant's schedule, and across the stream
 * by its global index (halo_stream_step0 / halo_stream_msg0 of the frame, plus the index).
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
#include "core/image.h"
#include "core/tensor.h"
#include "exec/backend.h"
#include "partition/schedule.h"
#include "runtime/inject.h"
#include "runtime/runtime.h"
#include "runtime/vclock.h"

/* MPI tags, one list for the job so that no two kinds of message can match each other. Message m
 * of a frame in slot s uses TAG_BASE + s * max_msg + m (the frame itself is in the header). */
enum { TAG_INFO = 1, TAG_VERDICT, TAG_START, TAG_STALL, TAG_STATS, TAG_CLOCK, TAG_ADMIT, TAG_TOKEN, TAG_CLOCK_REPLY,
       TAG_PLAN, TAG_FSTATS, TAG_RECOVER, TAG_BASE = 32 };

/* --adapt on: the generations of a job's frame tags (a recovery starts the next; messages of an
 * abandoned frame keep the old tags and never match a new receive). */
#define RT_TAG_GENERATIONS 4

/* --adapt on: the source tells the survivors that a rank is dead and from which frame the stream
 * restarts on the new epoch (its plan comes first, TAG_PLAN). */
struct rt_recover_msg {
    int32_t dead, restart, gen, seq;
};

/* Every wait polls (MPI_Test) and sleeps this long between polls: a blocking wait would busy-poll
 * a core that a computing rank needs. */
#define RT_POLL_SLEEP_MS 0.2
/* Setup (loading weights, building backends, the reference run) has no prediction to scale. */
#define RT_SETUP_TIMEOUT_MS 300000.0
/* The source starts a stream a few ms after it sends the start; a start further ahead on a rank's
 * clock means a wrong clock offset, never a wait. */
#define RT_START_AHEAD_MAX_MS 10000.0

/* What a rank waits for, in stall reports. */
enum rt_wait_what { WAIT_MSG, WAIT_TOKEN, WAIT_START, WAIT_STATS, WAIT_SENDS, WAIT_SETUP, WAIT_ADMIT };

/* ---- the sub-structs ------------------------------------------------------------------------- */

/* rt_setup.c: what the job runs, the same on every rank once setup has agreed. */
struct rt_job {
    struct halo_run_opts opts;
    struct halo_plan **plans;  /* every plan of the job, for one graph (with --rotate: one, rotating) */
    int n_plans, cur, max_dev;
    struct halo_plan *plan;    /* plans[cur] */
    const char *plan_path;
    struct halo_graph *g;
    struct halo_backend *be;
    /* the plan in use: its variants and their schedules (steps and messages in one global order) */
    int n_var;
    const struct halo_plan **var;   /* [n_var]: halo_plan_variant(plan, v) */
    struct halo_sched *sv;          /* [n_var] */
    const struct halo_sched **svp;  /* [n_var]: pointers to sv, for the cost model */
    int max_msg, max_step, max_blocks; /* over the variants */
    int n_slots;                    /* frames a stream keeps at once (1 for single inferences) */
    bool have_sched;
    struct halo_vclock pred;   /* variant 0's prediction, replayed on its own sources and links */
    /* --adapt on (rt_adapt.c): the plans of the stream grow by one epoch per adopted re-plan; var,
     * sv and svp hold var_cap entries so that a new epoch moves nothing the slots point at; frame f
     * runs epoch rt->eng.var_of[f], announced with its admission */
    bool adapt;
    int var_cap;
    struct rt_adapt *ad;
    int gen;                   /* --adapt on: the frame tags' generation (RT_TAG_GENERATIONS) */
    struct halo_faults faults; /* --inject */
    /* rank 0: the frames the source sends (--image: one, --images: a folder's; none: random) */
    struct halo_image_rgb8 *images;
    char **image_names;
    int n_images;
    double speed;              /* this rank's device speed in the plan in use */
    bool ready;                /* setup succeeded on every rank */
    bool print_local;          /* this rank's own setup error is the one to print */
};

/* rt_platform.c: what a rank tells the source about where it runs. */
struct rt_host_id {
    char boot_id[40];          /* /proc/sys/kernel/random/boot_id ("" when unreadable) */
    uint64_t time_ns, net_ns;  /* inodes of its time and network namespaces (0 when unknown) */
    char hostname[64];
    char btl[64], pml[32];     /* Open MPI's btl and pml selections (MPI_T), "" when unknown */
    int32_t placed;            /* 1: on the host the plan gives its device, 0: not, -1: the plan names none */
    int32_t node;              /* its Open MPI node: the lowest rank that Open MPI places beside it */
};

/* rt_hosts.c: rank 0's view of every rank's place (the public struct halo_rt_hosts points here). */
struct rt_hosts {
    int node;                  /* this rank's Open MPI node (struct rt_host_id), from halo_rt_init */
    struct halo_rt_place *place; /* [size] */
    struct halo_rt_hosts pub;
};

/* A clock message: a round trip's stamps, or an estimate. */
struct rt_clock_msg {
    double t1, t2, t3;         /* ping sent (asker's clock), received and answered (answerer's clock) */
    double offset_ms, err_ms, drift_ppm; /* an estimate (CLOCK_EST) */
    double every_ms;           /* the setup's estimate: time between rounds during the runs */
    int32_t kind, n;           /* n: round trips behind the estimate, or the estimates so far */
};

/* rt_clock.c: this rank's clock offset from the source's and its re-estimation; rank 0 answers. */
struct rt_clock {
    bool remote;               /* this rank's clock is not provably the source's: it keeps an offset */
    double offset_ms;          /* this rank's monotonic clock minus the source's, the estimate in use */
    double err_ms;             /* its bound (half the round trip it came from) */
    double at_ms;              /* local ms of that estimate */
    double setup_offset_ms, setup_at_ms;
    int estimates;             /* taken during the runs */
    double every_ms;           /* time between rounds of round trips during the runs */
    /* a round in progress (ranks with remote clocks) */
    double next_round;         /* local ms when the next round starts */
    int round_n;               /* round trips done in the round */
    double round_delay, round_offset; /* the round's best: smallest delay */
    bool ping_out;
    struct rt_clock_msg ping, pong, est;
    MPI_Request ping_sreq, pong_req, est_sreq;
    /* rank 0: answers pings, collects estimates */
    struct rt_clock_msg in, *out; /* out: [size] */
    MPI_Request in_req, *out_req;
    double in_at;              /* local ms when the ping in `in` was seen */
};

/* rt_wire.c: per frame slot and message, the wire buffer (one per variant: sizes differ) and the
 * request on the sender or the receiver; link emulation's reservations. */
struct rt_wire_slot {
    unsigned char **buf;       /* [n_var * max_msg]: header + payload */
    size_t *buf_bytes;
    MPI_Request *req;          /* [max_msg], for the frame in the slot */
    bool *got;                 /* receiver: arrived; sender: send completed */
    double *deliver;           /* receiver: stream ms at which the data counts as arrived */
    struct halo_tensor *dec;   /* receiver: decoded payload (compressed messages, the image's pieces) */
    int frame, var;            /* the frame the slot holds (-1: none) */
    double poll_ms;            /* receiver: stream ms of the last test of the slot's receives (from
                                  its opening on) */
};

struct rt_wire {
    struct rt_wire_slot *slot; /* [n_slots] */
    int n_slots;
    double up_free, down_free; /* wall clock, emulated links: when this rank's uplink and downlink
                                  are free (stream ms) */
    double codec_ms;           /* this stream's time in ADCNN's codec */
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
    int peer, detail, what;    /* what the current wait misses (rt_wait_missing) */
    bool progressed;           /* a request completed since the last poll */
    double waited_ms;          /* this stream's time in waits */
    int *idx;                  /* per plan: the pollers' scratch of request indices */
    struct rt_stall_msg stall_in, stall_out;
    MPI_Request stall_req, stall_sreq;
    bool stall_sent;
    int *stall_for;            /* rank 0: per rank, whom it waits for (-1: no report) */
    int *stall_what, *stall_detail;
    /* --adapt on: a dead rank to recover from (rank 0: named past the deadline; the others: the
     * source's word), which ends the current wait with HALO_ERR_TIMEOUT */
    int dead_rank;
    bool recover_in;
    struct rt_recover_msg recover;
};

/* The start of a stream (or the end of the job), from the source to every rank. */
struct rt_start_msg {
    double t0_ms, timeout_ms, offset_ms;
    int32_t index, stop, seq, n_frames, var, pad; /* var: the epoch frame 0 runs (--adapt on) */
};

/* The admission of a frame, from the source to every rank. */
struct rt_admit_msg {
    double admit_ms;           /* on the stream's clock */
    int32_t seq, frame, slot, var; /* var: the plan epoch the frame runs (--adapt on; else f mod n_var) */
};

/* What a rank keeps for the frame in one of its slots. */
struct rt_slot {
    int frame, var;            /* -1: free */
    const struct halo_sched *s;
    const struct halo_plan *p;
    double admit_ms;           /* stream ms */
    double deadline;           /* local monotonic ms by which the frame must be done */
    int next;                  /* this rank's next step of the frame in schedule order (n_step: none) */
    int next_gather;           /* rank 0: the next block to gather (n_blocks: none left) */
    bool result;               /* rank 0: the logits are in */
    struct halo_tensor *out;   /* [max_step]: own step outputs */
    struct halo_tensor *full;  /* [max_blocks + 1]: the source's gathered blocks */
    int freed_below;           /* blocks below it have had their outputs freed */
    const struct halo_image_rgb8 *rgb; /* rank 0: the frame's pixels (the pool's, or `own`) */
    struct halo_image_rgb8 own;
    struct halo_tensor image;  /* rank 0: the frame normalised, for its own steps (made when needed) */
};

/* rt_engine.c: a stream on this rank — its frames in slots, the admissions, the test hooks. */
struct rt_engine {
    int index;                 /* the caller's (restarts with each plan) */
    int seq;                   /* streams of the job so far: identifies headers and stall reports */
    int n_frames;              /* of the stream */
    bool stream;               /* halo_rt_stream (not a single inference) */
    double t0;                 /* local monotonic ms of the stream's start */
    double t0_src;             /* the same on the source's clock (t0 = t0_src + the clock offset) */
    double compute_ms;         /* this stream's compute on this rank (wall ms) */
    double timeout_ms;         /* per frame */
    double verify_grace_ms;    /* added to the wait for the next start: the source verifies a stream */
    double *arrival_ms;        /* [n_frames], every rank (deterministic from the options) */
    struct rt_slot *slot;      /* [n_slots] */
    int *order;                /* [n_slots]: scratch, the slots by frame */
    int taken;                 /* frames admitted (rank 0) or whose admission was taken (others) */
    int done;                  /* rank 0: frames whose logits are in */
    int open;                  /* rank 0: admitted and not done */
    double last_event;         /* local ms of the last admission or release */
    /* rank 0 */
    double *admit_ms, *done_ms; /* [n_frames], stream ms */
    int *image_of;             /* [n_frames] */
    float *logits;             /* the last frame's, or [n_frames * n_logits] with --verify on a stream */
    int n_logits;
    size_t logits_cap;
    struct rt_admit_msg *admit_out; /* [size * ring]: admissions in flight to each rank */
    MPI_Request *admit_sreq;
    int admit_ring;
    struct rt_admit_msg admit_in;
    MPI_Request admit_req;
    bool admit_posted;
    struct rt_start_msg start_in, *start_out;
    MPI_Request start_req, *start_sreq;
    /* --adapt on: every frame's epoch and the global index of its first step and message, known
     * from its admission on (frames are learnt in order) */
    int *var_of;
    int64_t *step0, *msg0;
    int var0;                  /* the epoch frame 0 runs */
    bool warmup;               /* a warm-up stream: nothing adapts */
    /* test hooks (HALO_TEST_*) and --inject kill / stall */
    int kill_rank, kill_block, stall_rank, stall_block, corrupt_rank;
    int kill_frame, stall_frame;  /* --inject kill:R@B/F: from that frame of the main stream */
    int hook_frame;               /* the frame of the step being run */
    double scale_logits;      /* HALO_TEST_SCALE_LOGITS: the tail's output times 1 + this (0: off) */
};

/* rt_token.c: the virtual clock's token. One rank computes at a time: the token goes through every
 * step of the stream in the global order (frames in order, a frame's steps in schedule order) from
 * the rank of one step to the rank of the next. */
struct rt_token {
    bool on;                   /* virtual clock */
    bool held;                 /* this rank holds it, for step (want_f, want_k) */
    int want_f, want_k;        /* this rank's next step in the global order (want_f = n_frames: none) */
    int from;                  /* the rank it comes from (for stall reports; -1: any, --adapt on) */
    bool early;                /* --adapt on: a re-issue from a recovery not yet heard of is in `in` */
    bool defer;                /* --adapt on: passing it waits for the next frame's epoch (want_f, want_k
                                  is the step just done) */
    int reissue;               /* rank 0, --adapt on: after a recovery, the frame whose first step it
                                  hands out once that frame is admitted (-1: none) */
    int32_t in[3], out[3];     /* frame, step, tag generation */
    MPI_Request req, sreq;
};

/* rt_report.c: what each rank records of a stream and sends the source at its end, and what the
 * source makes of it. */
enum { RT_TOT_OVERHEAD, RT_TOT_ACTIVE, RT_TOT_COMPUTE, RT_TOT_WAIT, RT_TOT_CODEC, RT_TOT_N = 8 };

struct rt_report {
    int n_frames;
    int64_t n_steps, n_msgs;   /* over the stream */
    double *step_rec;          /* [3 * n_steps]: start, end (stream ms), compute ms / speed; own steps */
    double *msg_rec;           /* [3 * n_msgs]: start, end on the link, bytes; messages this rank received */
    double *msg_poll;          /* [n_msgs]: wall clock, real links: the receiver's last test of the
                                  message that did not see it (stream ms): it arrived after that */
    double tot[RT_TOT_N];      /* this rank's totals */
    double *pack;              /* this rank's records, packed for the source */
    int64_t n_pack;
    double *tot_all;           /* rank 0: size x RT_TOT_N */
    double **pack_all;         /* rank 0: per rank */
    int64_t *n_pack_all;
    MPI_Request *stats_req;    /* rank 0: per rank */
    MPI_Request stats_sreq;
    bool *stats_got;
    struct halo_run_device *dev;
    struct halo_run_step *steps;
    struct halo_run_model *models; /* rank 0, wall clock: every link model's latencies */
    struct halo_tensor reference; /* rank 0, --verify: single-device inference's logits of frame 0's image */
    double ref_max;            /* max |reference| */
    double warm_wall_ms;       /* the plan's warm-up wall time (later timeouts scale with it) */
    /* rank 0, streams */
    double *s_admit, *s_done, *p_admit, *p_done, *err;
    struct halo_stream_device *sdev;
    struct halo_run_step *ssteps;
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
    struct rt_hosts hosts;
    struct rt_clock clock;
};

/* ---- small helpers (rt_mpi_fail in runtime.c, the rest inline) -------------------------------- */

/* An MPI error as a halo error naming the call. */
enum halo_status rt_mpi_fail(int rc, const char *call);

#define MPI_TRY(call)                                                                            \
    do {                                                                                         \
        int rc_ = (call);                                                                        \
        if (rc_ != MPI_SUCCESS) return rt_mpi_fail(rc_, #call);                                  \
    } while (0)

/* Ms since the stream's start on this rank. */
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

/* Frame f's variant (--adapt on: its epoch) and schedule. */
static inline int rt_var_of(const struct halo_rt *rt, int f)
{
    if (rt->job.adapt) return rt->eng.var_of[f];
    return rt->job.n_var > 1 ? f % rt->job.n_var : 0;
}
static inline const struct halo_sched *rt_sched_of(const struct halo_rt *rt, int f)
{
    return &rt->job.sv[rt_var_of(rt, f)];
}
/* Global indices of frame f's first step and message. */
static inline int64_t rt_step0(const struct halo_rt *rt, int f)
{
    if (rt->job.adapt) return rt->eng.step0[f];
    return halo_stream_step0(rt->job.svp, rt->job.n_var, f);
}
static inline int64_t rt_msg0(const struct halo_rt *rt, int f)
{
    if (rt->job.adapt) return rt->eng.msg0[f];
    return halo_stream_msg0(rt->job.svp, rt->job.n_var, f);
}

/* ---- adaptation (rt_adapt.c) --------------------------------------------------------------------- */

/* Whether frame f's epoch is known on this rank (always, without --adapt on). */
static inline bool rt_frame_known(const struct halo_rt *rt, int f)
{
    return !rt->job.adapt || f < rt->eng.taken || (f == 0 && rt->eng.n_frames > 0);
}
/* --adapt on, in activate: the bounds every epoch's schedule must fit (slots, tags and buffers are
 * sized for them) and the room for epochs. */
enum halo_status rt_adapt_caps(struct halo_rt *rt);
/* Per stream: frames' epochs and first indices; the controller's stream state. */
enum halo_status rt_adapt_begin(struct halo_rt *rt, int n_frames);
/* Frame f (learnt in order) runs epoch var: its global indices follow. */
void rt_adapt_frame(struct halo_rt *rt, int f, int var);
/* Rank 0: the epoch the next admitted frame runs. */
int rt_adapt_next_var(const struct halo_rt *rt);
/* The ranks but 0: a new epoch's plan from the source, when one has come (never blocks). */
enum halo_status rt_adapt_poll_plan(struct halo_rt *rt, bool *got);
/* rt_adapt_warm.c: a step this rank computes (its shape needs no warming later); epoch v's steps
 * on this rank whose shapes it has not computed, queued to run once untimed (wall clock); whether
 * any is queued; runs the first queued. */
void rt_adapt_note_step(struct halo_rt *rt, const struct halo_sched_step *sp);
/* --adapt on: this rank has not computed a step of sp's shape yet (the virtual clock warms it) */
bool rt_adapt_unseen(const struct halo_rt *rt, const struct halo_sched_step *sp);
enum halo_status rt_adapt_queue_warm(struct halo_rt *rt, int v);
bool rt_adapt_warm_pending(const struct halo_rt *rt);
enum halo_status rt_adapt_warm_one(struct halo_rt *rt);
/* A rank's frame left its slot: its timings to the source (--adapt on, not rank 0). */
enum halo_status rt_adapt_frame_stats(struct halo_rt *rt, int q);
/* Rank 0: timings that came in; frame f's result is in (a check may adopt a new epoch). */
enum halo_status rt_adapt_poll(struct halo_rt *rt);
enum halo_status rt_adapt_frame_done(struct halo_rt *rt, int q);
/* The end of a stream: every frame's global indices known (the records' real sizes), pending sends
 * completed. */
enum halo_status rt_adapt_end(struct halo_rt *rt);
/* Rank 0: the stream report's epochs, re-plans and checks. */
void rt_adapt_report(struct halo_rt *rt, struct halo_stream_report *sr);
/* Whether rank r is known dead (--adapt on). */
bool rt_dead(const struct halo_rt *rt, int r);
/* Whether a wait ended for a recovery (a dead rank named, or the source's word). */
static inline bool rt_recovering(const struct halo_rt *rt) { return rt->wait.dead_rank > 0 || rt->wait.recover_in; }
/* The recovery: the source re-plans over the survivors, re-admits every frame whose result is not in
 * on the new epoch and tells the survivors; they abandon their frames in flight and take the
 * stream up again from that frame. */
enum halo_status rt_adapt_recover(struct halo_rt *rt);
/* The link rates (Mbps, plan devices a -> b) frame f sees: the trace at its arrival, or the plan's. */
double rt_link_mbps(const struct halo_rt *rt, const struct halo_plan *p, int f, int a, int b);
/* Per-frame link matrices for the cost model's replay (NULL: none, the plans' own); [n_frames]. */
const double *const *rt_adapt_bw_frames(const struct halo_rt *rt);
void rt_adapt_free(struct halo_rt *rt);
/* rt_adapt.c, for the recovery (rt_adapt_recover.c): plan p appended as the next epoch (owned once
 * this succeeds). */
enum halo_status rt_adapt_add_epoch(struct halo_rt *rt, struct halo_plan *p);
/* rt_adapt.c, for the recovery: the source sends adopted plan p to every live rank. */
enum halo_status rt_adapt_broadcast_plan(struct halo_rt *rt, const struct halo_plan *p);

/* rt_engine_state.c, a recovery: every slot's frame abandoned on this rank. */
void rt_engine_abandon(struct halo_rt *rt);
/* rt_engine.c: the other ranks re-post their admission receive (a recovery). */
enum halo_status rt_engine_repost_admit(struct halo_rt *rt);

/* ---- setup (rt_setup.c) ------------------------------------------------------------------------ */

/* Frees everything that belongs to the plan in use, in every piece (not the graph, weights, image
 * or reference). */
void rt_free_plan_state(struct halo_rt *rt);
/* Frees the job: plans, graph, backend, images, faults. */
void rt_job_free(struct halo_rt *rt);

/* ---- hosts (rt_hosts.c) ------------------------------------------------------------------------ */

/* Rank 0 after every rank's setup: every rank's place from ids[size] (hosts by boot id, namespaces,
 * clocks, shared memory); then the checks — every rank on the host the plan gives its device, and
 * the transport that --transport and --link real need. An error names every rank that fails. */
enum halo_status rt_hosts_judge(struct halo_rt *rt, const struct rt_host_id *ids);
void rt_hosts_free(struct halo_rt *rt);

/* ---- clocks (rt_clock.c) ----------------------------------------------------------------------- */

/* After the verdict, every rank: rank 0 measures the offset of each rank in remote[] (rank 0) by
 * round trips, best of several by smallest round trip, and sends it that estimate; this rank
 * (remote[0] on other ranks: whether it takes part) keeps it. Rank 0 records them in its places. */
enum halo_status rt_clock_setup(struct halo_rt *rt, const bool *remote);
/* Tests the clock's requests once (from every wait): a rank with a remote clock starts a round of
 * round trips every so often and adopts its estimate when better than the aged one in use (moving
 * the stream's start on its clock); rank 0 answers and records estimates. Never blocks. */
enum halo_status rt_clock_poll(struct halo_rt *rt);
/* This rank's offset in use, ms (0 on the source's clock). */
static inline double rt_clock_offset(const struct halo_rt *rt) { return rt->clock.offset_ms; }
/* The end of the job: requests completed or cancelled. */
void rt_clock_close(struct halo_rt *rt);
void rt_clock_free(struct halo_rt *rt);
/* Rank 0: frame f's pixels (the pool's image f mod n, or the random frame of seed + f into *own). */
enum halo_status rt_frame_pixels(struct halo_rt *rt, int f, struct halo_image_rgb8 *own,
                                 const struct halo_image_rgb8 **rgb, int *image);

/* ---- the wire (rt_wire.c) ---------------------------------------------------------------------- */

/* Per plan: every slot's buffers for every message this rank sends or receives in each variant,
 * sized for the codec's worst case when compressed. */
enum halo_status rt_wire_alloc(struct halo_rt *rt);
void rt_wire_free(struct halo_rt *rt);
/* Per stream: the links' reservations cleared. */
void rt_wire_begin(struct halo_rt *rt);
/* --adapt on, a recovery: slot s's frame abandoned — receives cancelled, sends let go (their
 * generation's tags never match again). */
void rt_wire_abandon(struct halo_rt *rt, int s);
/* --adapt on: every slot's buffers for epoch v's messages (its schedule is in place). */
enum halo_status rt_wire_add_var(struct halo_rt *rt, int v);
/* A frame enters slot s: clears arrivals, posts this rank's receives of the frame. */
enum halo_status rt_wire_open(struct halo_rt *rt, int s, int frame, int var);
/* The frame leaves slot s: frees the decoded payloads. */
void rt_wire_close(struct halo_rt *rt, int s);
/* Tests every open slot's message requests once (never blocks); checks the header and checksum of
 * what arrived and decides when it counts as delivered. *progressed is set when a request completed. */
enum halo_status rt_wire_poll(struct halo_rt *rt, int *idx, bool *progressed);
/* Packs message m of slot s's frame from what this rank holds — `src`, the tensor that holds its
 * rect, or `px`, the frame's pixels for a piece of the image (sent as uint8) — encodes it when
 * compressed, stamps and checksums the header, and posts it; *bytes: the payload's size on the link. */
enum halo_status rt_wire_post(struct halo_rt *rt, int s, int m, const struct halo_tensor *src,
                              const struct halo_image_rgb8 *px, int64_t *bytes);
/* The payload of received message m of slot s as a float view (compressed ones decoded, the
 * image's pieces normalised, once, here). */
enum halo_status rt_wire_payload(struct halo_rt *rt, int s, int m, struct halo_tensor *t);
/* Whether message m of slot s (to this rank) counts as arrived; when it will later, tells the wait. */
bool rt_wire_delivered(struct halo_rt *rt, int s, int m);
/* A message of slot s this rank sent whose send has not completed, or -1. */
int rt_wire_pending_send(const struct halo_rt *rt, int s);
/* A message of slot s to this rank that has not arrived, or -1. */
int rt_wire_pending_recv(const struct halo_rt *rt, int s);

/* ---- waiting and diagnosis (rt_wait.c) --------------------------------------------------------- */

typedef bool (*rt_ready_fn)(struct halo_rt *rt, const void *arg);

/* Per plan: the pollers' scratch. */
enum halo_status rt_wait_alloc(struct halo_rt *rt);
void rt_wait_free_plan(struct halo_rt *rt);
/* Rank 0, after setup: listens for stall reports. */
enum halo_status rt_wait_listen(struct halo_rt *rt);
/* Per stream: no reports yet, no time waited. */
void rt_wait_begin(struct halo_rt *rt);
/* The end of the job: completes the stall requests. */
void rt_wait_close(struct halo_rt *rt);
void rt_wait_free(struct halo_rt *rt);

/* Polls until ready() or a fault; sleeps between polls (to the next emulated delivery when
 * sooner). Past the deadline it reports what it waits for (peer, what, detail), and the source
 * names the culprit. ready() may narrow what, peer and detail with rt_wait_missing, and move the
 * deadline. */
enum halo_status rt_wait_until(struct halo_rt *rt, rt_ready_fn ready, const void *arg, int peer, int what, int detail);
/* Waits for one request (completing it) the same way. */
enum halo_status rt_wait_req(struct halo_rt *rt, MPI_Request *r, int peer, int what);
/* For ready(): what the wait still misses (the stall report's peer and detail: for WAIT_MSG a
 * global message index, for WAIT_TOKEN a global step index, for WAIT_ADMIT a frame). */
void rt_wait_missing(struct halo_rt *rt, int peer, int detail);
void rt_wait_missing_what(struct halo_rt *rt, int what, int peer, int detail);
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
/* Wall clock, every rank on one Open MPI node: this computing rank's default thread count, its
 * share of the cores (0: not so placed, or it does not compute). */
int rt_share_cores(const struct halo_rt *rt);
/* The source, once the ranks' hosts are judged (kernels by boot id): where rank r's threads go on
 * the wall clock. Ranks that share a kernel share its cores, whatever Open MPI's nodes (the
 * namespace testbed runs one node per namespace on one kernel): *me is r's index among the
 * computing ranks on its kernel (-1: it computes nothing), *n their count; *n = 0: r is alone on
 * its kernel, or the clock is virtual (ranks compute one at a time): its threads stay as the
 * backend bound them (thread t on core t). */
void rt_kernel_share(const struct halo_rt *rt, int r, int32_t *me, int32_t *n);
/* Binds the backend's threads as rt_kernel_share said: computing rank `me` of n, when they fit
 * (n <= the PUs), to its own slice of the PUs, thread t on the slice's t-th PU round robin; a rank
 * that computes nothing, or more computing ranks than PUs, lets every thread run anywhere (the
 * kernel balances them; pinned round robin, two ranks on one core wait for each other while
 * another core idles). n = 0: nothing changes. */
void rt_apply_share(const struct halo_rt *rt, int me, int n);
/* Virtual clock, before a timed step: wakes the backend's `threads` OpenMP workers, asleep since the
 * rank last computed (it waited for its turn), so that waking them is not timed as compute. */
void rt_wake_threads(int threads);
/* Whether a thread of this process other than the caller is running (Linux: /proc/self/task). */
bool rt_other_threads_running(void);
/* Where this process runs (boot id, namespaces, hostname) and Open MPI's transport settings; after
 * MPI_Init. `plan_host`: the host the plan gives this rank's device, or NULL. */
void rt_host_identify(struct rt_host_id *id, const char *plan_host);
/* Whether Open MPI, with these btl and pml selections, may join two ranks of one kernel through
 * shared memory: the btl allows vader/sm (an unknown, "", selection allows all), or the pml is
 * UCX by name. */
bool rt_transport_may_shm(const char *btl, const char *pml);

/* ---- the stream engine (rt_engine.c, rt_engine_state.c) ----------------------------------------- */

/* Reads the test hooks (HALO_TEST_* variables) and --inject kill / stall from the job's faults. */
void rt_engine_init_hooks(struct halo_rt *rt);
/* Once per job, after the first plan: rank 0's start messages. */
enum halo_status rt_engine_setup(struct halo_rt *rt);
/* Per plan: the slots. */
enum halo_status rt_engine_alloc(struct halo_rt *rt);
void rt_engine_free_plan(struct halo_rt *rt);
void rt_engine_free(struct halo_rt *rt);
/* Runs the stream begun by rt_stream.c on this rank until it has done its part of every frame. */
enum halo_status rt_engine_run(struct halo_rt *rt);
/* Empties every slot (after a stream, or an error that ends the job anyway). */
void rt_engine_clear(struct halo_rt *rt);
/* The test hooks and --inject kill / stall at the first step of `block` (n_blocks + 1: the end). */
void rt_engine_hooks(struct halo_rt *rt, int block);
/* rt_engine_state.c: frees everything the frame in slot q holds on this rank (shared with rt_engine.c). */
void rt_engine_slot_free_data(struct halo_rt *rt, int q);

/* ---- the virtual clock's token (rt_token.c) ---------------------------------------------------- */

/* Per stream: who holds it first; posts this rank's receive of it. */
enum halo_status rt_token_begin(struct halo_rt *rt);
/* Tests the token's requests once. */
enum halo_status rt_token_poll(struct halo_rt *rt, bool *progressed);
/* Whether this rank may compute step k of frame f now (always, on the wall clock). When not, tells
 * the wait what it misses. */
bool rt_token_ready(struct halo_rt *rt, int f, int k);
/* After step k of frame f: hands the token (and the cores) to the next step's rank when that is
 * another. */
enum halo_status rt_token_pass(struct halo_rt *rt, int f, int k);
/* --adapt on: a pass that waited for the next frame's epoch goes once the epoch is known (and the
 * source's re-issue after a recovery). */
enum halo_status rt_token_flush(struct halo_rt *rt);
/* --adapt on, a recovery: the token forgotten (a receive re-posted); the source re-issues it for
 * frame `restart` (others: -1). */
enum halo_status rt_token_reset(struct halo_rt *rt, int restart);
/* Whether a send of the token has not completed. */
bool rt_token_pending_send(const struct halo_rt *rt);
/* The end of a stream: a receive still posted (none when the stream ran to its end) is cancelled. */
void rt_token_end(struct halo_rt *rt);

/* ---- the report (rt_report.c) ------------------------------------------------------------------ */

/* Per plan: the per-device and per-step rows. */
enum halo_status rt_report_alloc(struct halo_rt *rt);
/* The test hook HALO_TEST_VCLOCK_PLAN_MS: the virtual clock replays the plan's compute_ms. */
bool rt_plan_times(const struct halo_rt *rt);
void rt_report_free_plan(struct halo_rt *rt);
void rt_report_free(struct halo_rt *rt);
/* Rank 0, --verify: the single-device inference of frame 0's image to compare with. */
enum halo_status rt_report_reference(struct halo_rt *rt);
/* Per stream of n frames: clears this rank's records. */
enum halo_status rt_report_begin(struct halo_rt *rt, int n_frames);
/* Rank 0: tests the records' requests once. */
enum halo_status rt_report_poll(struct halo_rt *rt, int *idx);
/* This rank's record of global step g: start and end (stream ms), compute ms scaled by the speed. */
double *rt_rec_step(struct halo_rt *rt, int64_t g);
/* This rank's record of global message g (as its receiver): start and end on the link (stream
 * ms), bytes. */
double *rt_rec_msg(struct halo_rt *rt, int64_t g);
/* This rank's last poll before it saw global message g (wall clock, real links; stream ms). */
double *rt_rec_poll(struct halo_rt *rt, int64_t g);
/* The end of a stream: this rank's records to the source; the source waits for everyone's. */
enum halo_status rt_report_gather(struct halo_rt *rt);
/* Rank 0: the report of a single inference (the timeline, per-device times beside the plan's,
 * verify). */
enum halo_status rt_report_make(struct halo_rt *rt, struct halo_run_report *rep);
/* Rank 0: the report of a stream (measured and predicted frames, figures, loads, verify). */
enum halo_status rt_report_stream(struct halo_rt *rt, struct halo_stream_report *rep);

#endif
