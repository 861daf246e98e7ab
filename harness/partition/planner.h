/* planner: the registry of planning methods (dpfp and the baselines) and what they share —
 * pricing every device, the best single device ("local"), ESs ranked by standalone speed, and
 * turning a structure (blocks, parts, tail) into a finished, simulated plan. */
#ifndef HALO_PLANNER_H
#define HALO_PLANNER_H

#include <stdbool.h>

#include "partition/cluster.h"
#include "partition/plan.h"
#include "partition/stream_eval.h"
#include "profile/profile.h"

struct halo_planner_opts {
    bool no_select;  /* use every ES; by default methods that can search the ES subset do */
    /* ADCNN's codec as measured on real activations (bounds, bits, compressed/raw ratio) and where
     * that measurement came from; NULL: the stored default (planners/adcnn.c says its provenance) */
    const struct halo_codec *codec;
    const char *codec_provenance;
    int adcnn_grid;  /* ADCNN: its FDSP grid forced to adcnn_grid x adcnn_grid (2..8); 0: searched */
    /* What the plan is for: one frame's latency (the default: LATENCY, fps 0), the lowest latency
     * that sustains a frame rate, or the highest throughput under a latency bound; and how streams
     * are simulated. DPFP ranks its ES subsets by it, DPFP for streams searches under it, the
     * stream-native baselines simulate streams with its stream options; the other baselines plan
     * as their papers say. */
    struct halo_objective objective;
    /* The link model the plans are predicted with (each plan carries it); every simulation a
     * planner runs of a whole plan uses it, its own estimates may not. NULL: the default. */
    const struct halo_link_model *link;
    /* DPFP: subset sizes given the costly boundary search and refinement, the best by their exact
     * plans first; 0: DPFP's own rule (every size up to 8 ESs, 3 beyond). Bounds a re-plan's time. */
    int dpfp_rounds;
};

struct halo_planner_ctx {
    const struct halo_graph *g;
    const struct halo_cluster *c;
    struct halo_pricer **pricer; /* per cluster device; NULL for a device without a profile */
    struct halo_planner_opts opts;
    double local_ms;             /* best single device: image there, whole model, logits back */
    int local_device;            /* its cluster index */
};

typedef enum halo_status (*halo_planner_fn)(const struct halo_planner_ctx *ctx, struct halo_plan **out);

/* One planning method. This table is the one list of methods: `halo plan --help`, `halo methods`
 * (and through it the experiments and plots) and the planners all read it. */
struct halo_planner_info {
    const char *name;           /* "dpfp", "modnn", ... (what --method takes) */
    const char *label;          /* short name for tables and figures: "DPFP", "DeepThings FTP" */
    const char *title;          /* the publication: "DPFP (Li, Iosifidis, Zhang, Computer Networks 2022)" */
    const char *role;           /* "reference" (local), "proposed" (dpfp), "baseline", or "extension"
                                   (halo's own method beyond a paper: dpfp-stream) */
    bool lossless;
    const char *paper;          /* what the publication states (the reference: what it is) */
    const char *reconstructed;  /* what halo reconstructs where the paper gives no detail; NULL: nothing */
    halo_planner_fn plan;
};

/* All planners, in a fixed order (the order of every comparison and of figure colours); *n
 * receives the count. */
const struct halo_planner_info *halo_planners(int *n);
/* The planner named `name`, or NULL. */
const struct halo_planner_info *halo_planner_find(const char *name);

/* Prices every device of the cluster for graph g (shapes inferred) and finds the best single
 * device. Errors name the device's profile. */
enum halo_status halo_planner_ctx_init(struct halo_planner_ctx *ctx, const struct halo_graph *g,
                                       const struct halo_cluster *c, struct halo_planner_opts opts);
void halo_planner_ctx_free(struct halo_planner_ctx *ctx);

/* Standalone ms of cluster device d: image from the source, whole model, logits back. */
double halo_planner_standalone_ms(const struct halo_planner_ctx *ctx, int d);
/* The ESs (cluster indices, source excluded, devices without a profile excluded) sorted by
 * standalone time, fastest first; returns how many. `order` holds c->n entries. */
int halo_planner_es_order(const struct halo_planner_ctx *ctx, int *order);

/* A new plan on the source plus ESs es[0..n_es) (cluster indices). */
enum halo_status halo_planner_plan_new(const struct halo_planner_ctx *ctx, const char *method, const int *es,
                                       int n_es, struct halo_plan **out);
/* Finishes a plan built on ESs es[]: prices it, puts the tail on plan device tail_dev, simulates,
 * and records the local reference. */
enum halo_status halo_planner_finish(const struct halo_planner_ctx *ctx, struct halo_plan *p, const int *es,
                                     int tail_dev);

/* The local plan: the whole model on cluster device d (one block of all spatial stages, one part). */
enum halo_status halo_planner_single(const struct halo_planner_ctx *ctx, int d, const char *method,
                                     struct halo_plan **out);

/* The plan `src` (made for another input size of the same model) carried over to ctx's size
 * unchanged in structure: same blocks, devices and tail, every rect boundary scaled in
 * proportion (parts that shrink to nothing are dropped), then priced and simulated; its variants
 * likewise. */
enum halo_status halo_planner_rescale(const struct halo_planner_ctx *ctx, const struct halo_plan *src,
                                      struct halo_plan **out);

/* Pricers of a plan's devices: [0] the source's, [k] that of cluster device es[k-1] (n_es + 1
 * entries, NULL where a device has no profile); free() the array, not the pricers. */
struct halo_pricer **halo_planner_plan_pricers(const struct halo_planner_ctx *ctx, const int *es, int n_es);
/* Predicted ms of nodes [first, last) producing `out` (tile `mode`) on cluster device d: the
 * profile's per-node model on the tile's real extents, divided by the device's speed; INFINITY
 * when d has no profile or the tile cannot be built. */
double halo_planner_rect_ms(const struct halo_planner_ctx *ctx, int d, int first, int last, struct halo_rect out,
                            enum halo_tile_mode mode);
/* Moves the tail of a finished plan built on ESs es[] to the device with the lowest simulated
 * latency among every ES of the plan and, when `source_ok` and it has a profile, the source. */
enum halo_status halo_planner_best_tail(const struct halo_planner_ctx *ctx, struct halo_plan *p, const int *es,
                                        bool source_ok);
/* Is plan a better than plan b under ctx's objective? The default (LATENCY, no frame rate)
 * compares one frame's latency (total_ms), as the papers do; any other simulates both as streams
 * (halo_plan_figures, halo_objective_compare). */
enum halo_status halo_planner_better(const struct halo_planner_ctx *ctx, const struct halo_plan *a,
                                     const struct halo_plan *b, bool *better);
/* Bytes on the wire of `area` elements per channel of the tensor that node `producer` outputs
 * (HALO_INPUT: the image), as the stream planners price a transfer. */
int64_t halo_planner_wire_bytes(const struct halo_graph *g, int producer, int64_t area);
/* Block boundaries after every spatial stage that downsamples (jump J > 1) and at n_spatial:
 * cuts[0] = 0 < cuts[1] < ... = n_spatial (n_spatial + 1 entries); returns how many. */
int halo_planner_downsampling_cuts(const struct halo_graph *g, int *cuts);
/* From a simulated plan's timeline: when part k of block b starts receiving (its compute start
 * when it receives nothing) and when its compute ends (ms). */
void halo_planner_part_times(const struct halo_plan *p, int b, int k, double *start_ms, double *end_ms);

/* Planners (one file each under planners/). */
enum halo_status halo_plan_local(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_dpfp(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_modnn(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_deepslicing(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_ftp(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_aofl(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_halp(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_edgeci(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_adcnn(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_dpfp_stream(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_pipeedge(const struct halo_planner_ctx *ctx, struct halo_plan **out);
enum halo_status halo_plan_roundrobin(const struct halo_planner_ctx *ctx, struct halo_plan **out);

/* DPFP on a fixed ES set es[0..k) (cluster indices, in row order), no subset search. */
enum halo_status halo_plan_dpfp_on(const struct halo_planner_ctx *ctx, const int *es, int k, struct halo_plan **out);
/* DPFP for streams' model over the ESs in ES order: the costs its pipeline DP (partition/pipe_dp.h)
 * runs on, for tests that compare the DP with brute force; *model holds them (free it with
 * halo_dpfp_stream_model_free, also after an error). */
struct halo_pipe_costs;
enum halo_status halo_dpfp_stream_model(const struct halo_planner_ctx *ctx, struct halo_pipe_costs *costs,
                                        void **model);
void halo_dpfp_stream_model_free(void *model);
/* DPFP's block cost matrix C[(S+1) * i + j] for the ES set (tests compare its DP with brute force). */
enum halo_status halo_dpfp_block_costs(const struct halo_planner_ctx *ctx, const int *es, int k, double **C, int *S);

#endif
