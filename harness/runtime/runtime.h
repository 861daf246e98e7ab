/* runtime: executes a plan across MPI ranks — rank 0 the source, rank k the plan's device k —
 * with non-blocking messages, emulated or real links, and a wall or virtual clock; checks that
 * every rank runs the same plan and weights, and turns a dead or stalled rank into a named error
 * within a deadline. Also the launcher that re-runs a command under mpirun. Rank 0 receives a
 * report per inference; what is printed is the caller's (cli's) business. */
#ifndef HALO_RUNTIME_H
#define HALO_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"
#include "model/graph.h"
#include "partition/adapt.h"
#include "partition/plan.h"
#include "partition/stream_stats.h"

enum halo_clock_mode {
    HALO_CLOCK_WALL,    /* real parallel execution; times are wall times */
    HALO_CLOCK_VIRTUAL, /* one rank computes at a time with all cores; times from the link model */
};

enum halo_link_mode {
    HALO_LINK_EMULATED, /* each message paced to the plan's latency and bandwidth */
    HALO_LINK_REAL,     /* transport speed (real clusters) */
};

/* What carries rank-to-rank messages. Open MPI connects ranks of one kernel through shared memory
 * (its vader btl) unless told otherwise, also across network namespaces and containers. */
enum halo_transport {
    HALO_TRANSPORT_AUTO, /* Open MPI's choice; TCP (btl tcp,self) when the plan's devices name several hosts */
    HALO_TRANSPORT_TCP,  /* TCP between every pair of ranks (btl tcp,self), checked on every rank */
};

struct halo_run_opts {
    const char *const *plan_paths; /* one or more plans of the same model and input, run in turn */
    int n_plans;
    const char *weights_path; /* NULL: an ONNX model's own weights, else random with weights_seed */
    uint64_t weights_seed;
    bool weights_seeded;      /* random weights with weights_seed even for an ONNX model */
    const char *image_path;   /* NULL: random uint8 frames (frame f: image_seed + f) */
    uint64_t image_seed;
    const char *rates_path;   /* NULL, or per-link rates replacing the plan's (halo-rates/1) */
    const char *backend;      /* "ref", "cpu", "cuda" */
    int threads;              /* backend threads, 0: the process's cores */
    enum halo_clock_mode clock;
    enum halo_link_mode link;
    bool verify;              /* rank 0 also runs single-device inference and compares */
    double timeout_ms;        /* 0: default (see halo_rt_default_timeout_ms) */
    const char *inject;       /* NULL, or faults to inject (runtime/inject.h: halo_faults_parse) */
    /* a stream of frames (halo_rt_stream) */
    const char *images_dir;   /* NULL, or a folder of PNG/JPEG frames taken in name order, cycling */
    int n_frames;             /* frames of a stream (0: single inferences only) */
    double fps;               /* arrival rate; <= 0: as fast as possible */
    bool poisson;             /* Poisson arrivals (exponential gaps) instead of periodic ones */
    uint64_t arrival_seed;    /* the Poisson arrivals' seed */
    int inflight;             /* frames admitted and not done at most (memory: buffers per frame slot) */
    double deadline_ms;       /* > 0: count the frames whose latency exceeds it */
    bool rotate;              /* the plans are one stream's variants: frame f runs plan f mod n_plans */
    enum halo_transport transport;
    bool allow_shm;           /* --link real between ranks that Open MPI may join through shared memory */
    const struct halo_link_model *link_model; /* NULL: each plan's own; else replaces it (the virtual
                                                 clock and the prediction) */
    /* adaptation: re-planning during a stream (--adapt on); the plan's devices must be in the cluster */
    bool adapt;
    const char *cluster_path;        /* the cluster to re-plan on (profiles, nominal links) */
    struct halo_adapt_opts adapt_opts;
    double adapt_check_ms;           /* at least this long (stream ms) between checks */
    const char *link_trace;          /* NULL, or a trace CSV (time_s,device,up_mbps,down_mbps) that the
                                        emulated links' rates follow: frame f at its arrival time */
};

/* A rank that died (or stalled) during a stream and how the stream went on without it. */
struct halo_run_recovery {
    int rank;
    const char *name;
    int restart;                     /* the first frame run again (every later one too) */
    int epoch;                       /* the survivors' plan */
    double detected_ms;              /* the stream's wall ms when the source named it */
    double recovered_ms;             /* when the restart frame's result came in (-1: never) */
    double bound_ms;                 /* the detection bound: the wait's timeout and grace */
    double last_result_ms;           /* the last result in before it was named (detection took
                                        detected_ms - last_result_ms at most) */
};

/* One adopted re-plan of a stream, as the source logged it. */
struct halo_run_replan {
    struct halo_adapt_record rec;    /* time_ms: the stream's ms (the frame whose result triggered it) */
    int epoch;                       /* the new plan's epoch (0: the plan the stream began with) */
    int first_frame;                 /* the first frame admitted on it */
    const char *dev_name;            /* the device rec.device names (NULL: none) */
};

/* Where a rank runs, and how its clock relates to the source's (rank 0 knows every rank's). */
struct halo_rt_place {
    char hostname[64];
    int host;                 /* its host, decided by boot id: 0 the source's, then in order of rank */
    int netns;                /* its network namespace among its host's (0: the first seen there) */
    bool same_clock;          /* the source's own clock (same boot id and time namespace): no offset */
    double offset_ms;         /* its monotonic clock minus the source's, the estimate in use */
    double offset_err_ms;     /* that estimate's bound: half the round trip it came from */
    double setup_offset_ms, setup_err_ms; /* the estimate at setup */
    int samples;              /* round trips behind the setup's estimate (best of them) */
    int estimates;            /* estimates taken during the runs (a round of round trips each) */
    double drift_ppm;         /* (latest - setup offset) / time between them, 0 before the first */
    bool shm;                 /* Open MPI may reach another rank through shared memory: one kernel, one
                                 Open MPI node (MPI_COMM_TYPE_SHARED), a btl that allows it */
    bool btl_shm;             /* its btl (or pml) selection allows shared memory */
    char btl[64];             /* its Open MPI btl selection (MPI_T's "btl"; "" when unknown) */
};

/* The ranks' hosts and the transport between them (rank 0, after halo_rt_setup). */
struct halo_rt_hosts {
    int n_ranks;
    int n_hosts;              /* distinct boot ids */
    int n_hostnames;          /* distinct hostnames */
    int n_netns;              /* distinct (boot id, network namespace) pairs */
    int n_nodes;              /* Open MPI's nodes (a daemon each; MPI_COMM_TYPE_SHARED) */
    int n_offset;             /* ranks whose clock is not the source's */
    int n_shm;                /* ranks with shm set */
    const struct halo_rt_place *rank; /* [n_ranks] */
};

/* The frames a stream admits at once when --inflight is not given: the plan's devices (enough for
 * a pipeline through every device, or a round robin over every ES, to keep each one busy). */
int halo_rt_default_inflight(int n_dev);

/* Measured and predicted figures of one plan device in one inference. */
struct halo_run_device {
    double compute_ms, recv_ms, send_ms, idle_ms;
    double pred_compute_ms, pred_recv_ms, pred_send_ms, pred_idle_ms;
    double overhead_ms;       /* wall time that is neither compute, emulated transfer, waiting nor codec */
    double codec_ms;          /* wall time in ADCNN's codec (encoding and decoding compressed messages) */
    double active_ms;         /* wall time of the rank's inference (start to its last action) */
};

/* One compute step (a part of a block, or the tail) of one inference. */
struct halo_run_step {
    int frame;                /* of a stream (0 for one inference) */
    int block, part, device;  /* block == the plan's n_blocks: the tail */
    double start_ms, end_ms;  /* on the run's timeline (wall or virtual) */
    double compute_ms;        /* measured, divided by the device's speed */
    double pred_compute_ms;   /* the plan's */
};

/* One link model's latency for one inference on the wall clock. */
struct halo_run_model {
    const char *name;         /* the model's (partition/link.h) */
    double pred_ms;           /* the plan under this model: its compute_ms (a prediction) */
    double replay_ms;         /* the plan under this model with the measured compute durations and
                                 message sizes: what the model makes of the compute that happened,
                                 so that |latency - replay_ms| is the links' share of the error */
};

/* What rank 0 learns about one inference. */
struct halo_run_report {
    int index;                /* 0: the warm-up run */
    double latency_ms;        /* the source holds the logits (wall or virtual) */
    double pred_latency_ms;
    int64_t bytes_moved, pred_bytes_moved;
    double overhead_frac;     /* max over ranks of overhead_ms / latency_ms */
    int overhead_rank;        /* the rank with that maximum */
    double wall_ms;           /* wall time of the inference (virtual clock: all compute in turn) */
    bool verified;            /* --verify ran */
    double max_abs_err, max_rel_err;
    double tolerance;         /* max |err| / max |reference| allowed (0: bit-identical) */
    bool pass;                /* verified and within tolerance (lossy plans: always false) */
    int n_dev;
    struct halo_run_device *dev; /* n_dev entries, owned by the runtime */
    const float *logits;      /* n_logits floats, owned by the runtime */
    int n_logits;
    int n_steps;
    const struct halo_run_step *steps; /* owned by the runtime */
    int n_models;             /* wall clock: every link model (0 on the virtual clock) */
    const struct halo_run_model *models; /* [n_models], owned by the runtime */
};

/* One device of a stream: measured beside predicted. Utilisation = busy / the stream's span. */
struct halo_stream_device {
    double busy_ms, pred_busy_ms;              /* computing */
    double up_busy_ms, pred_up_busy_ms;        /* its uplink carries a message (union of intervals) */
    double down_busy_ms, pred_down_busy_ms;
    int64_t up_bytes, pred_up_bytes, down_bytes, pred_down_bytes;
};

/* What rank 0 learns about a stream: per frame when it arrived, was admitted and was done, measured
 * (wall: rank 0's clock; virtual: the cost model replayed with the measured durations and sizes)
 * beside predicted (the cost model with the plan's compute_ms, the same arrivals and bound); the
 * stream's figures (partition/stream_stats.h) of both; per device its load. All arrays owned by
 * the runtime, valid until the next stream. */
struct halo_stream_report {
    int n_frames, n_var, inflight;
    const double *arrival_ms, *admit_ms, *done_ms;   /* [n_frames], ms from the stream's start */
    const double *pred_admit_ms, *pred_done_ms;      /* [n_frames] */
    const int *image;          /* [n_frames]: which image of --image/--images (-1: a random frame, seed + f) */
    struct halo_stream_stats meas, pred;
    int n_dev;
    const struct halo_stream_device *dev;
    int64_t bytes_moved, pred_bytes_moved;
    double wall_ms;            /* wall time of the stream (virtual clock: every step in turn) */
    bool plan_times;           /* test hook: the virtual clock replayed the plan's compute_ms, not measured ones */
    int n_steps;               /* every frame's steps, frame after frame */
    const struct halo_run_step *steps;
    bool verified;             /* --verify: every frame against single-device inference, computed off the clock */
    double tolerance;          /* as halo_run_report's */
    const double *max_abs_err; /* [n_frames] */
    int n_failed;              /* lossless frames beyond the tolerance */
    /* --adapt on */
    const int *var_of;         /* [n_frames]: the epoch each frame ran (NULL without --adapt on) */
    int n_replans;
    const struct halo_run_replan *replans;
    int n_checks;
    double check_ms_mean, check_ms_max; /* the source's time per check (estimates, planning, scoring) */
    int n_link_obs, n_link_skip; /* wall clock, real links: transfers observed against the link model,
                                    and those skipped (the receiver had not polled for over 10 % of
                                    the interval: the arrival could lie anywhere in that gap) */
    int n_recoveries;
    const struct halo_run_recovery *recoveries;
};

#define HALO_RATES_SCHEMA "halo-rates/1"

struct halo_rt;

/* ---- without MPI (check.c, launch.c) -------------------------------------------------------- */

/* Loads the plan at `path`, validates it (and its codec when blocks compress) against *graph —
 * built from the plan when *graph is NULL — and applies opts->rates_path. */
enum halo_status halo_rt_load_plan(const struct halo_run_opts *opts, const char *path, struct halo_plan **plan,
                                   struct halo_graph **graph);
/* Replaces the plan's link rates with a halo-rates/1 file's ({"bandwidth_mbps": n x n in plan
 * device order, "latency_ms": optional n x n, "devices": optional names to check}). The plan's
 * stored prediction is left as it is: the runtime replays the plan under the new rates (vclock). */
enum halo_status halo_rt_apply_rates(struct halo_plan *p, const struct halo_graph *g, const char *path);
/* Everything about the input that can be checked before starting ranks; *n_dev: ranks needed
 * (the largest plan's devices); *hosts: when every rank's device names a host in the plans, those
 * hosts in rank order (n_dev strings, the caller frees them with halo_strlist_free), else NULL.
 * Two plans that put one rank on different hosts are an error. *max_msg_bytes: the largest message
 * any plan sends between two devices (bytes as planned). */
enum halo_status halo_rt_precheck(const struct halo_run_opts *opts, int *n_dev, char ***hosts, int64_t *max_msg_bytes);

/* --rotate: the plans (files `paths`) can be the variants of one stream — none rotates already, and
 * all share the first one's devices and links. */
enum halo_status halo_rt_check_rotation(struct halo_plan *const *plans, int n, const char *const *paths);

/* True when this process was started by an MPI launcher (Open MPI, MPICH/PMI, PMIx, Slurm). */
/* True when halo's own launcher started this job and reads the exit status the source reports
 * (halo_rt_report_exit); false under a user's mpirun. */
bool halo_rt_status_read(void);
bool halo_rt_under_launcher(void);

/* Where halo's own launcher puts the ranks and how they talk. */
struct halo_launch {
    int np;                   /* ranks */
    const char *hostfile;     /* NULL, or a hostfile whose lines are the ranks' hosts in rank order */
    const char *const *hosts; /* NULL, or np hosts in rank order (the plan's), written to a hostfile */
    bool tcp;                 /* OMPI_MCA_btl=tcp,self */
    bool several;             /* the hostfile names several hosts: btl tcp,self unless the user set a
                                 btl (as when the plan's hosts are not all one) */
    int64_t max_msg_bytes;    /* the plans' largest message: Open MPI's TCP eager limit is raised to
                                 send it eagerly (halo_rt_eager_bytes), unless the user set one */
};

/* The TCP eager limit halo's launcher gives Open MPI for messages of up to max_msg_bytes: the
 * smallest power of two that holds one with its headers, at least Open MPI's 64 KiB, at most
 * HALO_RT_EAGER_MAX. Above the eager limit Open MPI sends a message by rendezvous: its bytes wait
 * until the receiver's MPI library acknowledges it, which a rank that is computing does not do —
 * measured on the namespace testbed, a HALP plan whose halos were sent so ran 128 ms where its
 * eager run took 92 ms (85.8 ms predicted). */
int64_t halo_rt_eager_bytes(int64_t max_msg_bytes);
#define HALO_RT_EAGER_MAX (64 << 20)

/* Checks a hostfile for halo's launcher: one line per rank, in rank order (Open MPI's sequential
 * mapper; '#' comments, blank lines and the words after a line's host such as slots=N are
 * ignored): n lines, and when hosts is not NULL each line's host is hosts[line] (the plan's).
 * *several: the lines name more than one host. */
enum halo_status halo_rt_check_hostfile(const char *path, const char *const *hosts, int n, bool *several);

/* Runs this program again under `mpirun -np np --bind-to none` (plus --oversubscribe when np
 * exceeds the cores, and Open MPI's run-as-root variables when root) with the given arguments
 * (argv[0] is replaced by this executable), waits, and returns mpirun's exit status. With hosts,
 * ranks go to their hosts in rank order (Open MPI's sequential mapper). */
enum halo_status halo_rt_relaunch(const struct halo_launch *l, int argc, char **argv, int *exit_status);

/* Under the launcher: records this process's exit status for halo_rt_relaunch (rank 0, and any
 * rank about to abort the job); does nothing when started by another launcher. */
void halo_rt_report_exit(int code);

/* Under the launcher, rank 0 once the job is over for it (after MPI_Finalize, or leaving without
 * it): halo_rt_relaunch then gives mpirun HALO_RT_END_GRACE_MS to end, and past that stops it. A
 * rank excluded from an --adapt on stream as stalled that never leaves would otherwise keep
 * mpirun waiting for ever (under --enable-recovery not even MPI_Abort ends the job). */
void halo_rt_report_end(void);
#define HALO_RT_END_GRACE_MS 10000.0

/* ---- with MPI (runtime.c and its pieces, rt_*.c) ------------------------------------------------ */

/* Starts MPI (MPI_Init) and returns the runtime on this rank. */
enum halo_status halo_rt_init(int *argc, char ***argv, struct halo_rt **out);
int halo_rt_rank(const struct halo_rt *rt);
int halo_rt_size(const struct halo_rt *rt);

/* Every rank: loads the plans, the graph, the weights, the image and the backend; checks that the
 * ranks match the (largest) plan's devices and that all ranks hold the same plans and weights;
 * plan 0 is in use. With several plans, a plan with fewer devices leaves the last ranks idle. On failure
 * every rank returns an error; halo_rt_should_print says whether this rank's message is the one
 * to print (rank 0's, or another rank's own when rank 0 only knows that it failed). */
enum halo_status halo_rt_setup(struct halo_rt *rt, const struct halo_run_opts *opts);
bool halo_rt_should_print(const struct halo_rt *rt);

/* The plan in use (after setup) and its file; how many plans the job has. */
const struct halo_plan *halo_rt_plan(const struct halo_rt *rt);
const char *halo_rt_plan_path(const struct halo_rt *rt);
int halo_rt_n_plans(const struct halo_rt *rt);
/* Makes plan i the one the next inferences run; every rank calls it at the same point. */
enum halo_status halo_rt_use_plan(struct halo_rt *rt, int i);
/* The backend's name and version, and its threads. */
const char *halo_rt_backend_name(const struct halo_rt *rt);
const char *halo_rt_backend_version(const struct halo_rt *rt);
int halo_rt_backend_threads(const struct halo_rt *rt);
/* Rank 0 after setup: every rank's host, clock offset and transport (estimates updated after each
 * inference or stream). */
const struct halo_rt_hosts *halo_rt_hosts(const struct halo_rt *rt);
/* The timeout in force for the next inference, ms. */
double halo_rt_timeout_ms(const struct halo_rt *rt);
/* A stream's bound on frames in flight (--inflight, or halo_rt_default_inflight of the largest plan). */
int halo_rt_inflight(const struct halo_rt *rt);

/* One inference on every rank (index 0 is the warm-up). On rank 0 `rep` is filled. Errors:
 * HALO_ERR_TIMEOUT naming the rank that died or stalled (call halo_rt_abort), HALO_ERR_MISMATCH
 * when a lossless run differs from single-device inference beyond the tolerance. */
enum halo_status halo_rt_infer(struct halo_rt *rt, int index, struct halo_run_report *rep);

/* A stream of opts.n_frames frames on every rank through the plan in use: frames arrive at the
 * source at opts.fps (periodic or Poisson; as fast as possible when <= 0), at most opts.inflight in
 * flight; every rank runs whatever step of whatever frame has its inputs, oldest frame first (in
 * schedule order within a frame); on the virtual clock one rank computes at a time, frames in
 * order. On rank 0 `rep` is filled. Errors as halo_rt_infer's; a lossless frame that differs from
 * single-device inference is counted in rep->n_failed, not an error. */
enum halo_status halo_rt_stream(struct halo_rt *rt, struct halo_stream_report *rep);
/* An untimed stream of n frames as fast as possible, before a stream: every variant of a rotating
 * plan computes once when n >= its variants (the first computation on a device builds its
 * primitives). On rank 0 *wall_ms is its wall time, and the timeouts that follow scale with it. */
enum halo_status halo_rt_warmup(struct halo_rt *rt, int n, double *wall_ms);

/* Ends the run on every rank (rank 0 tells the others), then MPI_Finalize. */
enum halo_status halo_rt_finish(struct halo_rt *rt);
/* A rank that fails before halo_rt_init under a launcher halo did not start (bad arguments): with
 * orte_abort_on_non_zero_status 0 Open MPI's mpirun would exit 0 for it, so this starts MPI and
 * ends the job with MPI_Abort(code). Does not return. */
void halo_rt_fail_job(int code);
/* MPI_Abort with `code`: ends every rank of the job (after a fault). Does not return. */
void halo_rt_abort(struct halo_rt *rt, int code);
void halo_rt_free(struct halo_rt *rt);

#endif
