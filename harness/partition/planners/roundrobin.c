/* Round robin of whole frames — data parallelism, the way a stream is served by replicas: every
 * ES holds the whole model and frame f goes whole to ES f mod N (the source sends it the image;
 * it sends back the logits). No ES waits for another, nothing is computed twice: when the links
 * are fast it is the throughput ceiling of N ESs; a frame's latency is one device's.
 * [stream-native baseline] The plan has one variant per ES (halo_plan_variant): variant v is the
 *   whole model (one block, one part, the tail) on the v-th ES.
 * [reconstructed] ESs in ES order (the fastest standalone first); how many take part: the k
 *   fastest, k = 1..N, the one whose stream (as fast as possible, within the bound on frames in
 *   flight) has the highest simulated throughput, fewer ESs on a tie — a strict rotation runs at
 *   its slowest member's pace, so a slow ES can lower it; with --no-select every ES. */
#include "core/alloc.h"
#include "partition/planner.h"

#include <math.h>
#include <stdlib.h>

/* The round robin over the k ESs es[0..k). */
static enum halo_status rotation(const struct halo_planner_ctx *ctx, const int *es, int k, struct halo_plan **out)
{
    const struct halo_graph *g = ctx->g;
    *out = NULL;
    struct halo_plan *p = NULL;
    struct halo_rect full = halo_rect_full(g->nodes[g->stages[g->n_spatial - 1].last - 1].out_shape);
    enum halo_status st = HALO_OK;
    for (int v = 0; v < k && st == HALO_OK; v++) {
        struct halo_plan *q;
        int dev = v + 1;
        st = halo_planner_plan_new(ctx, "roundrobin", es, k, &q);
        if (st != HALO_OK) break;
        st = halo_plan_add_block(q, g, 0, g->n_spatial, HALO_TILE_EXACT, false, 1, &dev, &full);
        if (st == HALO_OK) st = halo_planner_finish(ctx, q, es, dev);
        if (st == HALO_OK && !(q->notes = halo_strdup("roundrobin: lossless; whole frames, frame f on ES f mod N "
                                                      "(one plan variant per ES); stream-native baseline")))
            st = HALO_ERR_NOMEM;
        if (st != HALO_OK) {
            halo_plan_free(q);
        } else if (!p) {
            p = q;
        } else {
            st = halo_plan_add_variant(p, q);
        }
    }
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_roundrobin(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    *out = NULL;
    int *order = halo_malloc((size_t)ctx->c->n, sizeof *order);
    if (!order) return HALO_ERR_NOMEM;
    int n = halo_planner_es_order(ctx, order);
    if (n == 0) {
        free(order);
        return halo_error(HALO_ERR_INVALID, "roundrobin: no edge server can compute %s", ctx->g->name);
    }
    struct halo_stream_opts so = ctx->opts.objective.stream;
    so.fps = 0;
    so.deadline_ms = 0;
    struct halo_plan *best = NULL;
    double best_fps = 0;
    enum halo_status st = HALO_OK;
    for (int k = ctx->opts.no_select ? n : 1; k <= n && st == HALO_OK; k++) {
        struct halo_plan *p;
        st = rotation(ctx, order, k, &p);
        if (st != HALO_OK) break;
        struct halo_stream_result r;
        st = halo_plan_stream(p, &so, &r);
        double fps = r.stats.throughput_fps;
        halo_stream_result_free(&r);
        if (st == HALO_OK && (!best || fps > best_fps * (1 + 1e-9))) {
            halo_plan_free(best);
            best = p;
            best_fps = fps;
        } else {
            halo_plan_free(p);
        }
    }
    free(order);
    if (st != HALO_OK) {
        halo_plan_free(best);
        return st;
    }
    *out = best;
    return HALO_OK;
}
