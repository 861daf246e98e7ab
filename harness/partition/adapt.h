/* adapt: observe, estimate, re-plan. During a stream the runtime (or halo sim's model of one)
 * reports what it measured — each transfer's time on its link, each step's compute time — and
 * this module keeps estimates of every link's rate and every device's speed (EWMA), decides when
 * a new plan is worth adopting (a predicted gain past a threshold, held for several checks, with a
 * minimum interval between re-plans: no flapping) and makes it: DPFP under the stream's objective
 * on the cluster as estimated, its current devices as the first candidate, dead devices excluded.
 * Every adopted re-plan is logged. Pure: no clocks (times are the caller's), no I/O; the caller
 * times the planning and writes it into the record. */
#ifndef HALO_ADAPT_H
#define HALO_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

#include "partition/planner.h"

struct halo_adapt_opts {
    double alpha;           /* EWMA weight of a new observation, (0, 1] (default 0.3) */
    double gain;            /* relative predicted gain a new plan must offer, >= 0 (default 0.10) */
    int hold;               /* consecutive checks the gain must hold before it is adopted (default 3) */
    double min_interval_ms; /* at least this long between two adoptions (default 2000) */
    double stale_ms;        /* an estimate not refreshed for this long returns to the cluster's own
                               figure, so that a link or device that left the plan can win work back
                               (default 5000; < 0: never) */
    int search;             /* subset sizes DPFP's search refines after the warm start (the best by
                               their exact plans first): 0: DPFP's own rule (every size up to 8
                               ESs); n > 0: at most n (default 2: resnet50 on 8 ESs re-plans in
                               ~6-14 ms instead of 34-72 ms on 2 shared cores) */
    const char *method;     /* the planner that re-plans (default "dpfp") */
};

/* The defaults above. */
struct halo_adapt_opts halo_adapt_opts_default(void);

enum halo_adapt_trigger {
    HALO_ADAPT_TRIGGER_LINK,      /* a link's rate changed most since the last plan */
    HALO_ADAPT_TRIGGER_STRAGGLER, /* a device's speed changed most */
    HALO_ADAPT_TRIGGER_DEAD,      /* a device died or stalled: re-planned at once */
    HALO_ADAPT_TRIGGER_SEARCH,    /* no estimate moved by HALO_ADAPT_MOVED: the search found a better
                                     plan than the one in use on the same figures */
    HALO_ADAPT_TRIGGER_FASTER,    /* a device's speed changed most, and it is faster (recovered, or
                                     faster than its profile): a straggler is slower */
};

/* An estimate (rate or speed) that moved by less than this factor either way since the last plan
 * does not name the trigger. */
#define HALO_ADAPT_MOVED 1.05

/* "link", "straggler", "dead", "search" or "faster". */
const char *halo_adapt_trigger_name(enum halo_adapt_trigger t);

/* One adopted re-plan. Figures are the objective's (halo_adapt_score) on the estimates at the
 * time: the plan in use and the new one. */
struct halo_adapt_record {
    double time_ms;             /* the caller's clock at the check */
    enum halo_adapt_trigger trigger;
    int device;                 /* the cluster device whose estimate moved most (or died) */
    double change;              /* its estimate over its value at the last plan (rate or speed; 0: dead) */
    double old_ms, new_ms;      /* predicted figure of the plan in use and of the new plan */
    double plan_ms;             /* planning time, written by the caller (-1: not measured) */
    int old_es, new_es;         /* ESs that compute in the old and the new plan */
    int checks;                 /* checks since the previous adoption */
    bool urgent;                /* adopted at once, without the interval and the hold: the plan in
                                   use was predicted HALO_ADAPT_URGENT times worse than at its adoption */
};

/* A plan in use that the estimates predict this many times worse than when it was adopted is
 * replaced at once (with a gain past the threshold), not after the interval and the hold: a stream
 * that no longer keeps up queues frames for as long as the policy waits. */
#define HALO_ADAPT_URGENT 1.5

struct halo_adapt;

/* A controller for streams of graph g on cluster c (both outlive it) under objective o and link
 * model `link` (NULL: default). Plans it makes are over the run's devices: plan device 0 is the
 * source, plan device k is cluster device es[k - 1] (n_es of them, copied), whether it gets work
 * or not, so that a plan change never changes who is who. Prices every device once. */
enum halo_status halo_adapt_new(const struct halo_graph *g, const struct halo_cluster *c, const int *es, int n_es,
                                const struct halo_objective *o, const struct halo_link_model *link,
                                const struct halo_adapt_opts *opts, struct halo_adapt **out);
void halo_adapt_free(struct halo_adapt *a);

/* ---- the estimator --------------------------------------------------------------------------- */

/* A message of `bytes` from cluster device `from` to `to` spent link_ms on its link (latency
 * included, queueing before it excluded), observed at now_ms. Local copies and transfers too short
 * to tell a rate (within the link's latency) are ignored. */
void halo_adapt_observe_transfer(struct halo_adapt *a, double now_ms, int from, int to, int64_t bytes, double link_ms);
/* A step predicted at pred_ms for speed pred_speed (the plan's speed of its device) took obs_ms on
 * cluster device `dev`, observed at now_ms. */
void halo_adapt_observe_compute(struct halo_adapt *a, double now_ms, int dev, double pred_ms, double pred_speed,
                                double obs_ms);
/* Cluster device `dev` is dead (or stalled past its bound): never planned on again. */
void halo_adapt_mark_dead(struct halo_adapt *a, int dev);
bool halo_adapt_is_dead(const struct halo_adapt *a, int dev);

/* The estimates at now_ms: the rate (Mbps) from cluster device a to b (a stale one returned to the
 * cluster's), and the speed factor of cluster device d (a stale or missing one: its cluster speed
 * times the median of the last estimates over cluster speeds of the devices priced by the same
 * profile, when two or more have been measured; else its cluster speed). */
double halo_adapt_rate(const struct halo_adapt *a, double now_ms, int from, int to);
double halo_adapt_speed(const struct halo_adapt *a, double now_ms, int dev);

/* ---- the policy ------------------------------------------------------------------------------ */

/* A check at now_ms with plan `cur` in use (over the run's devices, as halo_adapt makes them):
 * re-plans on the estimates and sets *adopt to the new plan (the caller owns it) when it is to be
 * adopted, else to NULL. A device newly marked dead forces a re-plan over the survivors, at once;
 * so does a plan in use gone HALO_ADAPT_URGENT times worse (when the new plan's gain passes the
 * threshold). Within the minimum interval a check costs one evaluation of the plan in use. */
enum halo_status halo_adapt_check(struct halo_adapt *a, double now_ms, const struct halo_plan *cur,
                                  struct halo_plan **adopt);

/* The plan `src` (same model and size, devices named as in the cluster) rebuilt over the run's
 * devices, priced on the estimates at now_ms: the same blocks, rects and tail. */
enum halo_status halo_adapt_rebuild(struct halo_adapt *a, double now_ms, const struct halo_plan *src,
                                    struct halo_plan **out);

/* The figure a plan (priced on the estimates, e.g. by halo_adapt_rebuild) is judged by, in ms,
 * lower is better: LATENCY with a frame rate: the largest latency of a 40-frame stream at that
 * rate (queueing included, so a plan that does not sustain the rate scores its growing queue);
 * LATENCY without:
 * one frame's latency; THROUGHPUT: the steady-state period. */
enum halo_status halo_adapt_score(const struct halo_adapt *a, const struct halo_plan *p, double *ms);

/* The adopted re-plans so far (owned by a; valid until the next check). */
const struct halo_adapt_record *halo_adapt_log(const struct halo_adapt *a, int *n);
/* The latest record, for the caller's planning time; NULL before the first. */
struct halo_adapt_record *halo_adapt_last(struct halo_adapt *a);
/* Checks made so far. */
int halo_adapt_checks(const struct halo_adapt *a);

#endif
