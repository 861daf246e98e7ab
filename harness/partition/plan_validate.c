/* plan_validate: is a plan (a file's, usually) consistent with its graph — blocks chain the
 * stages, parts cover each output once, input rects are the receptive fields, sources cover each
 * input once from devices that hold them; and so is every variant a stream rotates over. */
#include "partition/plan.h"
#include "partition/plan_internal.h"
#include "core/limits.h"

#include <stdio.h>
#include <string.h>

/* The part's input rect must be its output's receptive field, and its MACs (when the file gives
 * them, macs >= 0) those of its tile: a plan predicts nothing it does not compute. */
static enum halo_status check_in(const struct halo_graph *g, int first, int last, enum halo_tile_mode mode,
                                 struct halo_rect out, struct halo_rect in, int64_t macs, const char *name,
                                 const char *where)
{
    struct halo_tile t;
    enum halo_status st = halo_tile_build(g, first, last, out, mode, &t);
    if (st != HALO_OK) {
        halo_error_prefix("%s: %s", name, where);
        return st;
    }
    if (!halo_rect_eq(t.in, in))
        st = halo_error(HALO_ERR_INVALID, "%s: %s.in: rows [%d,%d) cols [%d,%d), but its output needs rows [%d,%d) cols [%d,%d)",
                        name, where, in.y0, in.y1, in.x0, in.x1, t.in.y0, t.in.y1, t.in.x0, t.in.x1);
    else if (macs >= 0 && macs != halo_tile_macs(&t))
        st = halo_error(HALO_ERR_INVALID, "%s: %s.macs: %lld, but its tile computes %lld", name, where, (long long)macs,
                        (long long)halo_tile_macs(&t));
    halo_tile_free(&t);
    return st;
}

/* The variants a stream rotates over: each a plan of its own over the plan's devices and links,
 * with no variants of its own, and as lossless as the plan says. */
static enum halo_status validate_rotation(const struct halo_plan *p, const struct halo_graph *g, const char *name)
{
    for (int v = 0; v < p->n_rot; v++) {
        const struct halo_plan *r = p->rot[v];
        char vn[300];
        snprintf(vn, sizeof vn, "%s: rotation[%d]", name, v);
        if (r->n_rot) return halo_error(HALO_ERR_INVALID, "%s: a variant cannot rotate itself", vn);
        if (r->n_dev != p->n_dev)
            return halo_error(HALO_ERR_INVALID, "%s: has %d devices, the plan %d", vn, r->n_dev, p->n_dev);
        for (int k = 0; k < p->n_dev; k++)
            if (strcmp(r->dev[k].name, p->dev[k].name))
                return halo_error(HALO_ERR_INVALID, "%s: devices[%d] is '%s', the plan's '%s'", vn, k, r->dev[k].name,
                                  p->dev[k].name);
        if (memcmp(r->bw_mbps, p->bw_mbps, (size_t)p->n_dev * p->n_dev * sizeof *p->bw_mbps) ||
            memcmp(r->lat_ms, p->lat_ms, (size_t)p->n_dev * p->n_dev * sizeof *p->lat_ms))
            return halo_error(HALO_ERR_INVALID, "%s: links differ from the plan's", vn);
        if (r->lossless != p->lossless)
            return halo_error(HALO_ERR_INVALID, "%s: lossless: the variant is %s, the plan %s", vn,
                              r->lossless ? "lossless" : "lossy", p->lossless ? "lossless" : "lossy");
        HALO_TRY(halo_plan_validate(r, g, vn));
    }
    return HALO_OK;
}

enum halo_status halo_plan_validate(const struct halo_plan *p, const struct halo_graph *g, const char *name)
{
    char where[128];
    if (strcmp(p->model, g->name) || p->h != g->input.h || p->w != g->input.w)
        return halo_error(HALO_ERR_INVALID, "%s: model: plan is for %s at %dx%d, graph is %s at %dx%d", name, p->model,
                          p->h, p->w, g->name, g->input.h, g->input.w);
    if (p->model_hash != g->source_hash)
        return halo_error(HALO_ERR_INVALID, "%s: model_hash: %s is not the file the plan was made for (its bytes hash to "
                          "%016llx, the plan says %016llx)", name, p->model, (unsigned long long)g->source_hash,
                          (unsigned long long)p->model_hash);
    if (p->n_dev < 2) return halo_error(HALO_ERR_INVALID, "%s: devices: needs the source and at least one ES", name);
    for (int a = 0; a < p->n_dev; a++) {
        for (int b = 0; b < a; b++)
            if (!strcmp(p->dev[a].name, p->dev[b].name))
                return halo_error(HALO_ERR_INVALID, "%s: devices[%d].name: '%s' is used twice", name, a, p->dev[a].name);
        for (int b = 0; b < p->n_dev; b++)
            if (a != b && !(p->bw_mbps[a * p->n_dev + b] >= HALO_BANDWIDTH_MBPS_MIN))
                return halo_error(HALO_ERR_INVALID, "%s: links.bandwidth_mbps[%d][%d]: must be >= %g", name, a, b,
                                  HALO_BANDWIDTH_MBPS_MIN);
    }
    bool lossless = true;
    int stage = 0;
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        snprintf(where, sizeof where, "blocks[%d]", b);
        if (bl->stage0 != stage || bl->stage1 <= bl->stage0 || bl->stage1 > g->n_spatial)
            return halo_error(HALO_ERR_INVALID, "%s: %s.stages: [%d, %d) must start at stage %d and stay within the %d spatial stages",
                              name, where, bl->stage0, bl->stage1, stage, g->n_spatial);
        if (bl->first != g->stages[bl->stage0].first || bl->last != g->stages[bl->stage1 - 1].last)
            return halo_error(HALO_ERR_INVALID, "%s: %s.nodes: [%d, %d) do not match stages [%d, %d)", name, where,
                              bl->first, bl->last, bl->stage0, bl->stage1);
        lossless &= bl->mode == HALO_TILE_EXACT && !bl->compress;
        stage = bl->stage1;
        struct halo_shape os = g->nodes[bl->last - 1].out_shape;
        int64_t area = 0;
        if (bl->n_parts < 1) return halo_error(HALO_ERR_INVALID, "%s: %s.parts: empty", name, where);
        for (int k = 0; k < bl->n_parts; k++) {
            const struct halo_plan_part *pt = &bl->part[k];
            char pw[160];
            snprintf(pw, sizeof pw, "%s.parts[%d]", where, k);
            if (pt->device < 0 || pt->device >= p->n_dev)
                return halo_error(HALO_ERR_INVALID, "%s: %s.device: no such device", name, pw);
            if (halo_rect_empty(pt->out) || !halo_rect_contains(halo_rect_full(os), pt->out))
                return halo_error(HALO_ERR_INVALID, "%s: %s.out: empty or outside the %dx%d output", name, pw, os.h, os.w);
            for (int j = 0; j < k; j++)
                if (!halo_rect_empty(halo_rect_intersect(bl->part[j].out, pt->out)))
                    return halo_error(HALO_ERR_INVALID, "%s: %s.out: overlaps parts[%d] (computed twice)", name, pw, j);
            area += halo_rect_area(pt->out);
        }
        if (area != (int64_t)os.h * os.w)
            return halo_error(HALO_ERR_INVALID, "%s: %s.parts: cover %lld of the %d output elements per channel", name,
                              where, (long long)area, os.h * os.w);
        for (int k = 0; k < bl->n_parts; k++) {
            const struct halo_plan_part *pt = &bl->part[k];
            char pw[160];
            snprintf(pw, sizeof pw, "%s.parts[%d]", where, k);
            HALO_TRY(check_in(g, bl->first, bl->last, bl->mode, pt->out, pt->in, pt->macs, name, pw));
            HALO_TRY(halo_plan_check_sources(p, g, b, pt->device, pt->in, pt->src, pt->n_src, name, pw));
        }
    }
    const struct halo_plan_tail *t = &p->tail;
    if (t->stage0 != stage || t->stage1 != g->n_stages)
        return halo_error(HALO_ERR_INVALID, "%s: tail.stages: [%d, %d) must be [%d, %d)", name, t->stage0, t->stage1,
                          stage, g->n_stages);
    /* the tail runs the nodes it names: they must be its stages' (a tail that stopped one node
     * early passed, then a rank aborted on the tensor it did not expect) */
    int tail_first = t->stage0 < g->n_stages ? g->stages[t->stage0].first : g->n_nodes;
    if (t->first != tail_first || t->last != g->n_nodes)
        return halo_error(HALO_ERR_INVALID, "%s: tail.nodes: [%d, %d) do not match stages [%d, %d) (nodes [%d, %d))", name,
                          t->first, t->last, t->stage0, t->stage1, tail_first, g->n_nodes);
    if (t->device < 0 || t->device >= p->n_dev) return halo_error(HALO_ERR_INVALID, "%s: tail.device: no such device", name);
    if (t->first < t->last) {
        HALO_TRY(check_in(g, t->first, t->last, HALO_TILE_EXACT, halo_rect_full(g->nodes[g->n_nodes - 1].out_shape),
                          t->in, -1, name, "tail"));
        HALO_TRY(halo_plan_check_sources(p, g, p->n_blocks, t->device, t->in, t->src, t->n_src, name, "tail"));
    }
    if (lossless != p->lossless)
        return halo_error(HALO_ERR_INVALID, "%s: lossless: says %s but the blocks are %s", name,
                          p->lossless ? "true" : "false", lossless ? "lossless" : "lossy");
    return validate_rotation(p, g, name);
}
