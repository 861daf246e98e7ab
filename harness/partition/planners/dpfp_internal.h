/* dpfp_internal: what DPFP's two files share — the state of a planning run and the analytical
 * model (dpfp_cost.c) that the exact plans and searches (dpfp.c) start from. */
#ifndef HALO_DPFP_INTERNAL_H
#define HALO_DPFP_INTERNAL_H

#include "partition/planner.h"

/* Per-stage linear cost of an interior strip of m output rows: alpha * m + beta (ms). */
struct stage_cost {
    double alpha, beta;
};

struct dpfp {
    const struct halo_planner_ctx *ctx;
    int S;                /* spatial stages */
    int *J, *R;           /* per stage: jump and field (rows) from its input to its output */
    int *H;               /* per stage: output rows */
    int64_t *row_bytes;   /* per stage: bytes of one output row (all channels) */
    int64_t in_row_bytes; /* bytes of one image row */
    struct stage_cost *cost; /* [cluster device][stage], NULL rows for devices not fitted */
    /* the ES set under evaluation */
    int k;
    const int *E;
    double *C;            /* (S+1) x (S+1) block costs */
    double *A, *B, *n;    /* scratch per ES */
    struct ranked_es *rank; /* scratch per ES */
    double *peer_bw, *peer_lat; /* per ES of the set: slowest link and latency from another ES */
    bool no_receive;      /* block costs and heights without the receive terms (DPFP for streams: a
                             pipeline group's first block, whose input is priced apart) */
};

struct ranked_es {
    double key; /* A + B: the time for one row */
    int e;
};

/* Prepares the per-stage tables and the cost fits of the ESs es[0..n). */
enum halo_status halo_dpfp_init(struct dpfp *dp, const struct halo_planner_ctx *ctx, const int *es, int n);
void halo_dpfp_free(struct dpfp *dp);

/* Fills dp->C, the block costs C(i, j), for the current ES set dp->E[0..dp->k). */
void halo_dpfp_fill_costs(struct dpfp *dp);
/* C(i, j) from dp->C, for halo_dp_blocks (arg: the struct dpfp). */
double halo_dpfp_cost_of(void *arg, int i, int j);
/* Rows per ES (h[0..k)) of the block of stages [i, j) for the current ES set, from its balance. */
void halo_dpfp_heights(struct dpfp *dp, int i, int j, int *h);
/* Estimated total for the current ES set: the DP over blocks (cuts[0..*n_cuts) receive the
 * blocks, room for S + 1), then gather, tail and result at the best tail device. */
double halo_dpfp_estimate(struct dpfp *dp, int *cuts, int *n_cuts);

#endif
