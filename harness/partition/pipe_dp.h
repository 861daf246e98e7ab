/* pipe_dp: the dynamic programme of DPFP for streams (planners/dpfp_stream.c, halo's extension of
 * DPFP) — a chain of S stages cut into fused blocks, consecutive block ranges computed by disjoint
 * groups of ESs, each a contiguous run of an ES order (groups in that order; ESs between groups may
 * sit out), so that the groups form a pipeline: spatial parallelism inside a group, pipeline
 * parallelism across groups. The costs come from outside (callbacks): a block's cost on a group, a
 * group's input and output transfers, the tail after the last group. The model: group g with input
 * time in_g, blocks (plus the tail when last) B_g and output out_g has period max(in_g, B_g, out_g)
 * and latency in_g + B_g (its output is the next group's input); the pipeline's period is the
 * largest group period, its latency the sum. The DP keeps, per (stages done, last ES used), the
 * Pareto front of (period, latency), so the optimum under either goal with a bound on the other is
 * exact. A brute force over every block cut, grouping and ES run checks it (tests). Pure. */
#ifndef HALO_PIPE_DP_H
#define HALO_PIPE_DP_H

#include <stdbool.h>

#include "core/status.h"

struct halo_pipe_costs {
    int S, N; /* stages; ESs, in the order groups are cut from */
    /* block [i, j) on the group of ESs [a, m); first: the group's first block (its input priced apart);
     * INFINITY rules the group out */
    double (*block)(const void *arg, int a, int m, int i, int j, bool first);
    /* the group [a, m) receives the input of stage i (the image when i = 0) */
    double (*input)(const void *arg, int a, int m, int i);
    /* the group [a, m) sends the output of stage j - 1 to the next group (j < S) */
    double (*output)(const void *arg, int a, int m, int j);
    /* after the last block, on the last group [a, m): gathering, the tail, the logits to the source */
    double (*tail)(const void *arg, int a, int m);
    const void *arg;
};

enum halo_pipe_goal {
    HALO_PIPE_PERIOD,  /* the shortest period with latency <= bound; none within it: the shortest latency */
    HALO_PIPE_LATENCY, /* the shortest latency with period <= bound; none within it: the shortest period */
};

/* A pipeline over ESs of the first k of the order, the last of them among its ESs. */
struct halo_pipe {
    int k;
    int n_groups;
    int *stage0;        /* [n_groups + 1]: group g computes stages [stage0[g], stage0[g+1]) */
    int *es0, *es1;     /* [n_groups]: on ESs [es0[g], es1[g]); es1[g] <= es0[g + 1], es1[last] = k */
    int n_blocks;
    int *cut;           /* [n_blocks + 1]: block boundaries (every group boundary is one) */
    double period_ms, latency_ms; /* under the costs */
    bool feasible;      /* within the bound */
};

/* The best pipeline for every k = 1..N (best[k - 1]; k with no pipeline: n_groups 0) under goal
 * and bound (INFINITY: none); with `every`, only pipelines on all of the first k ESs (none sits
 * out). Free each with halo_pipe_free. */
enum halo_status halo_pipe_dp(const struct halo_pipe_costs *c, enum halo_pipe_goal goal, double bound, bool every,
                              struct halo_pipe *best);
/* The same for one k by trying every pipeline (tests; exponential in S and k). */
enum halo_status halo_pipe_brute_force(const struct halo_pipe_costs *c, int k, enum halo_pipe_goal goal,
                                       double bound, bool every, struct halo_pipe *best);
/* Is pipeline a better than b under goal and bound, as the DP ranks them (a pipeline with no
 * groups is worse than any)? */
bool halo_pipe_better(enum halo_pipe_goal goal, double bound, const struct halo_pipe *a, const struct halo_pipe *b);
/* Period and latency of p under the costs (sets p->period_ms, p->latency_ms). */
void halo_pipe_eval(const struct halo_pipe_costs *c, struct halo_pipe *p);
void halo_pipe_free(struct halo_pipe *p);

#endif
