/* plan_exec: runs a plan in one process on one backend — every part from a copy of exactly its
 * input rect, compressed block outputs through the real codec, the tail on the stitched tensor —
 * the oracle for the runtime, and the measure of a lossy plan's deviation from the model. */
#ifndef HALO_PLAN_EXEC_H
#define HALO_PLAN_EXEC_H

#include <stdint.h>

#include "exec/backend.h"
#include "partition/plan.h"

/* Bytes of the compressed blocks' part outputs that travel to another device. */
struct halo_plan_exec_stats {
    int64_t raw_bytes;   /* as float32 */
    int64_t coded_bytes; /* as halo_codec_encode wrote them, headers included */
    int n_coded;         /* part outputs encoded */
};

/* Runs plan p (valid for g; weights loaded on be) on `image` (3 x H x W, full rect). Each part
 * gets a copy of only its input rect, cut from the previous block's stitched output; the output
 * of a compressed block is encoded and decoded (halo_codec_*) for every part whose output leaves
 * its device (all of a gathered block; the last block's parts not on the tail device; conservatively
 * all of an earlier block); the tail runs on the last stitched tensor. `out` (allocated here)
 * receives the last node's output. stats, when not NULL, is incremented. */
enum halo_status halo_exec_plan(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p,
                                const struct halo_tensor *image, struct halo_tensor *out,
                                struct halo_plan_exec_stats *stats);

/* The codec's upper bound fitted to real activations: the model's exact output at the end of the
 * plan's first compressed block for the seeded input `seed` (halo_codec_fit_hi); *codec is the
 * plan's codec with that bound. HALO_ERR_INVALID when the plan compresses nothing. */
enum halo_status halo_plan_codec_fit(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p,
                                     uint64_t seed, struct halo_codec *codec);

/* A plan's outputs against the model's over n seeded inputs. */
struct halo_deviation {
    int n;                /* inputs compared */
    uint64_t seed;        /* input i is halo_image_random(seed + i) */
    double max_abs;       /* max |plan - model| over every output of every input */
    double rel_l2_max;    /* max over inputs of ||plan - model||_2 / ||model||_2 */
    double rel_l2_mean;   /* mean of the same */
    int top1_agree;       /* inputs whose arg-max class is the same */
    double codec_ratio;   /* coded / raw bytes of the travelling compressed outputs (0: none) */
    struct halo_plan_exec_stats stats;
};

/* Runs n seeded N(0,1) images through the whole model (halo_exec_graph) and through the plan
 * (halo_exec_plan) on the same backend and weights, and compares them. */
enum halo_status halo_plan_deviation(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p,
                                     int n, uint64_t seed, struct halo_deviation *d);

#endif
