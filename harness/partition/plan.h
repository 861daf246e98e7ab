/* plan: how one inference of a model runs on a set of devices — the stage chain cut into fused
 * blocks, per block and part the device, output rect, input rect and where every piece of the
 * input comes from (redistribution: star through the source or peer-to-peer), where the tail
 * runs, and the predicted timeline. The planner decides; the runtime executes the plan as it is.
 * JSON schema "halo-plan/1", documented in README.md. Pure: no clocks, no I/O but its own JSON. */
#ifndef HALO_PLAN_H
#define HALO_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/codec.h"
#include "model/graph.h"
#include "model/rf.h"
#include "partition/cluster.h"
#include "partition/link.h"
#include "partition/schedule.h"

#define HALO_PLAN_SCHEMA "halo-plan/1"

/* A piece of a part's input rect and the device that sends it (itself when it already has it). */
struct halo_plan_src {
    int device;
    struct halo_rect rect;
};

struct halo_plan_part {
    int device;              /* index into plan->dev (0 is the source) */
    struct halo_rect out;    /* rect of the block's output tensor this part computes */
    struct halo_rect in;     /* rect of the block's input tensor it needs (receptive field) */
    int n_src;
    struct halo_plan_src *src; /* cover `in` exactly once */
    int64_t macs;            /* MACs of the part, halo redundancy included */
    double compute_ms;       /* predicted on its device */
};

struct halo_plan_block {
    int stage0, stage1;      /* stages [stage0, stage1) */
    int first, last;         /* nodes [first, last) */
    enum halo_tile_mode mode;
    bool gather;             /* after the block every part sends its output to the source (star) */
    bool compress;           /* the block's outputs travel through the ADCNN codec (lossy) */
    int n_parts;
    struct halo_plan_part *part;
};

/* The rest of the network after the last block, on one device (stages may include spatial ones). */
struct halo_plan_tail {
    int device;
    int stage0, stage1, first, last;
    struct halo_rect in;     /* rect of its input tensor it needs */
    int n_src;
    struct halo_plan_src *src;
    double compute_ms;
};

struct halo_plan_device {
    char *name;
    char *profile;           /* profile reference, informational */
    double speed;            /* relative speed factor (the virtual clock scales by it) */
    char *host;              /* the machine its rank runs on (from the cluster), or NULL */
    double up_mbps, down_mbps; /* access link capacities (goodput) that link models sharing links
                                  use; 0: unknown (derived from the links, halo_link_caps) */
};

enum halo_event_kind { HALO_EVENT_SEND, HALO_EVENT_RECV, HALO_EVENT_COMPUTE };

/* One interval of the predicted timeline. A message appears twice: SEND on the sender, RECV on
 * the receiver, same times. block == n_blocks is the tail; the result message has block -1. */
struct halo_plan_event {
    int device, peer, block, part;
    enum halo_event_kind kind;
    double start_ms, end_ms;
    int64_t bytes;
    int frame;               /* which frame of a stream (0 for one inference) */
};

struct halo_plan {
    char *model;             /* a zoo name, or the path of the ONNX file the model came from */
    uint64_t model_hash;     /* the graph's source_hash: the ONNX file's bytes (0 for a zoo model) */
    int h, w;
    char *method;
    bool lossless;
    char *notes;             /* reconstructed parts, lossy warnings */
    char *cluster;           /* cluster file, informational */
    int n_dev;
    struct halo_plan_device *dev;
    double *bw_mbps, *lat_ms; /* n_dev x n_dev */
    enum halo_rates rates;   /* what the cluster's rates were (nominal ones are converted: every
                                rate in the plan is goodput) */
    const struct halo_link_model *link; /* the link model the plan is predicted with; NULL: the
                                           default (partition/link.h) */
    int n_blocks;
    struct halo_plan_block *block;
    struct halo_plan_tail tail;
    bool has_codec;
    struct halo_codec codec;
    /* prediction (filled by halo_plan_finish) */
    double total_ms;
    double local_ms;          /* best single device, for speedup figures */
    char *local_device;
    int64_t bytes_moved, total_macs, redundant_macs;
    struct halo_sched sched;  /* the frame as steps and messages (who sends what, how many bytes,
                                 when the sender holds it); derived by halo_plan_simulate/derive */
    int n_events;
    struct halo_plan_event *events;
    size_t events_cap;
    /* A stream may rotate over several plans of the same devices (a round robin of whole frames):
     * frame f runs halo_plan_variant(p, f). Most plans have no further variant (n_rot = 0). */
    int n_rot;
    struct halo_plan **rot;   /* [n_rot]: variants 1 .. n_rot, each a complete plan (owned) */
};

/* How many plans a stream rotates over (1 for most plans). */
static inline int halo_plan_n_variants(const struct halo_plan *p) { return 1 + p->n_rot; }
/* The plan frame f runs: variant f % n_variants (variant 0 is p itself). */
static inline const struct halo_plan *halo_plan_variant(const struct halo_plan *p, int f)
{
    int v = p->n_rot ? f % (1 + p->n_rot) : 0;
    return v ? p->rot[v - 1] : p;
}

/* ---- building (planners) ----------------------------------------------------------------- */

/* A new empty plan on the cluster's source plus the ESs `es[0..n_es)` (cluster indices), in that
 * order: plan device 0 is the source, plan device k is es[k-1] (MPI rank k). */
enum halo_status halo_plan_new(const struct halo_graph *g, const struct halo_cluster *c, const char *method,
                               const int *es, int n_es, struct halo_plan **out);
void halo_plan_free(struct halo_plan *p);

/* Appends a block of stages [stage0, stage1) computed as `n_parts` parts: part k on plan device
 * device[k] producing rect out[k] of the block's output tensor. */
enum halo_status halo_plan_add_block(struct halo_plan *p, const struct halo_graph *g, int stage0, int stage1,
                                     enum halo_tile_mode mode, bool gather, int n_parts, const int *device,
                                     const struct halo_rect *out);

/* Puts the rest of the network (after the last block) on plan device `device`, derives every input
 * rect and its sources, prices every part with the devices' profiles and simulates the timeline.
 * `pricer[k]` prices plan device k (NULL for a source that cannot compute). */
struct halo_pricer;
enum halo_status halo_plan_finish(struct halo_plan *p, const struct halo_graph *g, int tail_device,
                                  struct halo_pricer *const *pricer);

/* Sets part k of block b to compute `out` and re-prices it with `pricer` (that part's device). */
enum halo_status halo_plan_set_part(struct halo_plan *p, const struct halo_graph *g, int b, int k,
                                    struct halo_rect out, const struct halo_pricer *pricer);
/* Moves the tail to plan device `device` and re-prices it. */
enum halo_status halo_plan_set_tail(struct halo_plan *p, const struct halo_graph *g, int device,
                                    const struct halo_pricer *pricer);

/* Recomputes sources and the predicted timeline from the parts' compute_ms (after edits), the
 * variants' too. */
enum halo_status halo_plan_simulate(struct halo_plan *p, const struct halo_graph *g);

/* Appends variant v (a finished plan over the same devices, without variants of its own) to the
 * rotation of p, which takes ownership of it (and frees it on error). */
enum halo_status halo_plan_add_variant(struct halo_plan *p, struct halo_plan *v);

/* For a loaded (and validated) plan: derives its schedule (message sizes, which part produced each
 * source piece), keeping the sources the file names, so halo_plan_timeline can run; every
 * variant's too (each has its own schedule). */
enum halo_status halo_plan_derive(struct halo_plan *p, const struct halo_graph *g);

/* Re-runs only the timeline (the cost model, partition/timeline.h, with the plan's link model)
 * with another bandwidth matrix (n_dev x n_dev Mbps; NULL: the plan's own) and access link
 * capacities (cap_mbps: n_dev uplinks then n_dev downlinks; NULL: as halo_link_caps says), after
 * halo_plan_simulate or halo_plan_derive has derived the schedule. Records events (and sets
 * total_ms, bytes_moved) only when `record`; otherwise just returns the end-to-end latency in
 * *total_ms. Cheap: no graph, no allocation per message. */
enum halo_status halo_plan_timeline(struct halo_plan *p, const double *bw_mbps, const double *cap_mbps, bool record,
                                    double *total_ms);

/* The plan's link model (the default when it names none). */
const struct halo_link_model *halo_plan_link_model(const struct halo_plan *p);

/* Bytes that `area` pixels of `c` channels of tensor `producer` take on the wire, uncompressed:
 * the image (HALO_INPUT) travels as the camera has it, one byte a value (uint8 RGB after the resize
 * and crop; the receiver normalises it to float32), every other tensor as float32. Every estimate
 * of a transfer, in the schedule and in each planner's own cost model, goes through here. */
static inline int64_t halo_wire_bytes(int producer, int c, int64_t area)
{
    return (producer == HALO_INPUT ? 1 : 4) * (int64_t)c * area;
}

/* Bytes of a rect of tensor `producer` with `c` channels on the wire (halo_wire_bytes), or
 * compressed per the codec. */
int64_t halo_plan_rect_bytes(const struct halo_plan *p, int producer, int c, struct halo_rect r, bool compressed);

/* Predicted compute, receive, send and idle ms of plan device k (idle = total - busy union), as
 * halo_timeline_device_times over the plan's events. */
void halo_plan_device_times(const struct halo_plan *p, int k, double *compute_ms, double *recv_ms,
                            double *send_ms, double *idle_ms);

/* ESs (devices other than the source) that compute something: a part of a block or the tail, in
 * any variant. A plan may list devices that get no rows (a subset the planner offered, a balance
 * that dropped one); they are not counted. */
int halo_plan_n_computing(const struct halo_plan *p);

/* ---- checking and files -------------------------------------------------------------------- */

/* Checks that a plan is consistent with the graph: blocks chain the stages, parts cover each
 * block output exactly once, input rects equal the receptive fields, sources cover each input
 * exactly once from devices that hold those rects, devices exist. `name` goes in messages. */
enum halo_status halo_plan_validate(const struct halo_plan *p, const struct halo_graph *g, const char *name);

enum halo_status halo_plan_save(const struct halo_plan *p, const char *path);
/* The plan as halo_plan_save writes it (NULL: out of memory; cJSON_Delete it). */
cJSON *halo_plan_to_json(const struct halo_plan *p);
/* Loads a plan file (structure and prediction); validate it against its graph before use. */
enum halo_status halo_plan_load(const char *path, struct halo_plan **out);
/* The same from parsed JSON (fuzzing, tests); `name` stands for the file in messages. */
enum halo_status halo_plan_from_json(const char *name, const cJSON *j, struct halo_plan **out);
/* FNV-1a hash of the plan's structure (what the runtime executes, its variants included), for
 * cross-rank checks. */
uint64_t halo_plan_hash(const struct halo_plan *p);

#endif
