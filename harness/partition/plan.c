/* plan: building a plan (lifetime, blocks, the tail, pricing its parts with the devices'
 * profiles) and its prediction through the cost model. Sources: plan_sources.c; checks:
 * plan_validate.c; files: plan_json.c. */
#include "partition/plan.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "model/count.h"
#include "partition/plan_internal.h"
#include "partition/timeline.h"
#include "profile/profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- lifetime and building ------------------------------------------------------------------ */

static void free_block(struct halo_plan_block *b)
{
    for (int k = 0; k < b->n_parts; k++) free(b->part[k].src);
    free(b->part);
}

void halo_plan_free(struct halo_plan *p)
{
    if (!p) return;
    for (int i = 0; i < p->n_dev && p->dev; i++) {
        free(p->dev[i].name);
        free(p->dev[i].profile);
        free(p->dev[i].host);
    }
    for (int b = 0; b < p->n_blocks; b++) free_block(&p->block[b]);
    free(p->block);
    free(p->tail.src);
    free(p->dev);
    free(p->bw_mbps);
    free(p->lat_ms);
    free(p->events);
    halo_sched_free(&p->sched);
    free(p->model);
    free(p->method);
    free(p->notes);
    free(p->cluster);
    free(p->local_device);
    for (int v = 0; v < p->n_rot; v++) halo_plan_free(p->rot[v]);
    free(p->rot);
    free(p);
}

enum halo_status halo_plan_alloc_devices(struct halo_plan *p, int n)
{
    p->n_dev = n;
    p->dev = halo_calloc((size_t)n, sizeof *p->dev);
    p->bw_mbps = halo_calloc((size_t)n * n, sizeof *p->bw_mbps);
    p->lat_ms = halo_calloc((size_t)n * n, sizeof *p->lat_ms);
    return p->dev && p->bw_mbps && p->lat_ms ? HALO_OK : HALO_ERR_NOMEM;
}

enum halo_status halo_plan_new(const struct halo_graph *g, const struct halo_cluster *c, const char *method,
                               const int *es, int n_es, struct halo_plan **out)
{
    *out = NULL;
    struct halo_plan *p = halo_calloc(1, sizeof *p);
    if (!p) return HALO_ERR_NOMEM;
    enum halo_status st = halo_plan_alloc_devices(p, n_es + 1);
    p->model = halo_strdup(g->name);
    p->model_hash = g->source_hash;
    p->method = halo_strdup(method);
    p->cluster = halo_strdup(c->path ? c->path : c->name);
    p->h = g->input.h;
    p->w = g->input.w;
    p->lossless = true;
    p->rates = c->rates;
    if (!p->model || !p->method || !p->cluster) st = HALO_ERR_NOMEM;
    for (int k = 0; k <= n_es && st == HALO_OK; k++) {
        int ci = k == 0 ? c->source : es[k - 1];
        HALO_ASSERT(ci >= 0 && ci < c->n && (k == 0 || ci != c->source));
        p->dev[k].name = halo_strdup(c->dev[ci].name);
        p->dev[k].profile = halo_strdup(c->dev[ci].profile_ref ? c->dev[ci].profile_ref : "-");
        p->dev[k].speed = c->dev[ci].speed;
        p->dev[k].up_mbps = c->dev[ci].up_mbps;
        p->dev[k].down_mbps = c->dev[ci].down_mbps;
        if (!p->dev[k].name || !p->dev[k].profile) st = HALO_ERR_NOMEM;
        if (c->dev[ci].host && !(p->dev[k].host = halo_strdup(c->dev[ci].host))) st = HALO_ERR_NOMEM;
        for (int m = 0; m <= n_es; m++) {
            int cm = m == 0 ? c->source : es[m - 1];
            p->bw_mbps[k * p->n_dev + m] = c->bw_mbps[ci * c->n + cm];
            p->lat_ms[k * p->n_dev + m] = c->lat_ms[ci * c->n + cm];
        }
    }
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_add_block(struct halo_plan *p, const struct halo_graph *g, int stage0, int stage1,
                                     enum halo_tile_mode mode, bool gather, int n_parts, const int *device,
                                     const struct halo_rect *out)
{
    HALO_ASSERT(stage0 >= 0 && stage1 <= g->n_stages && stage0 < stage1 && n_parts >= 1);
    struct halo_plan_block *nb = halo_realloc(p->block, (size_t)p->n_blocks + 1, sizeof *nb);
    if (!nb) return HALO_ERR_NOMEM;
    p->block = nb;
    struct halo_plan_block *b = &p->block[p->n_blocks];
    *b = (struct halo_plan_block){.stage0 = stage0, .stage1 = stage1, .first = g->stages[stage0].first,
                                  .last = g->stages[stage1 - 1].last, .mode = mode, .gather = gather,
                                  .n_parts = n_parts};
    b->part = halo_calloc((size_t)n_parts, sizeof *b->part);
    if (!b->part) return HALO_ERR_NOMEM;
    for (int k = 0; k < n_parts; k++) {
        HALO_ASSERT(device[k] >= 0 && device[k] < p->n_dev);
        b->part[k].device = device[k];
        b->part[k].out = out[k];
    }
    if (mode != HALO_TILE_EXACT) p->lossless = false;
    p->n_blocks++;
    return HALO_OK;
}

/* ---- pricing ----------------------------------------------------------------------------- */

int64_t halo_plan_rect_bytes(const struct halo_plan *p, int producer, int c, struct halo_rect r, bool compressed)
{
    int64_t raw = halo_wire_bytes(producer, c, halo_rect_area(r));
    if (!compressed || !p->has_codec) return raw;
    return (int64_t)ceil((double)raw * p->codec.ratio);
}

static double part_ms(const struct halo_tile *t, const struct halo_pricer *pr, double speed)
{
    double ms = 0;
    for (int i = t->first; i < t->last; i++) ms += halo_pricer_node_ms(pr, i, halo_rect_area(t->node[i - t->first].out));
    return ms / speed;
}

static enum halo_status price_part(struct halo_plan *p, const struct halo_graph *g, int first, int last,
                                   enum halo_tile_mode mode, struct halo_rect out, int device,
                                   const struct halo_pricer *const *pricer, struct halo_rect *in, int64_t *macs,
                                   double *ms)
{
    if (!pricer[device])
        return halo_error(HALO_ERR_INVALID, "device %s has no profile and cannot compute", p->dev[device].name);
    struct halo_tile t;
    HALO_TRY(halo_tile_build(g, first, last, out, mode, &t));
    *in = t.in;
    if (macs) *macs = halo_tile_macs(&t);
    *ms = part_ms(&t, pricer[device], p->dev[device].speed);
    halo_tile_free(&t);
    return HALO_OK;
}

enum halo_status halo_plan_finish(struct halo_plan *p, const struct halo_graph *g, int tail_device,
                                  struct halo_pricer *const *pricer)
{
    HALO_ASSERT(tail_device >= 0 && tail_device < p->n_dev);
    int s0 = p->n_blocks ? p->block[p->n_blocks - 1].stage1 : 0;
    struct halo_plan_tail *t = &p->tail;
    free(t->src);
    *t = (struct halo_plan_tail){.device = tail_device, .stage0 = s0, .stage1 = g->n_stages};
    if (s0 < g->n_stages) {
        t->first = g->stages[s0].first;
        t->last = g->n_nodes;
    } else {
        t->first = t->last = g->n_nodes;
    }
    p->total_macs = 0;
    for (int b = 0; b < p->n_blocks; b++) {
        struct halo_plan_block *bl = &p->block[b];
        for (int k = 0; k < bl->n_parts; k++) {
            struct halo_plan_part *pt = &bl->part[k];
            enum halo_status st = price_part(p, g, bl->first, bl->last, bl->mode, pt->out, pt->device,
                                             (const struct halo_pricer *const *)pricer, &pt->in, &pt->macs,
                                             &pt->compute_ms);
            if (st != HALO_OK) {
                halo_error_prefix("block %d part %d", b, k);
                return st;
            }
            p->total_macs += pt->macs;
        }
    }
    if (t->first < t->last) {
        int64_t macs;
        struct halo_rect full = halo_rect_full(g->nodes[g->n_nodes - 1].out_shape);
        enum halo_status st = price_part(p, g, t->first, t->last, HALO_TILE_EXACT, full, t->device,
                                         (const struct halo_pricer *const *)pricer, &t->in, &macs, &t->compute_ms);
        if (st != HALO_OK) {
            halo_error_prefix("tail");
            return st;
        }
        p->total_macs += macs;
    }
    p->redundant_macs = p->total_macs - halo_count_range(g, 0, g->n_nodes).macs;
    return halo_plan_simulate(p, g);
}

enum halo_status halo_plan_set_part(struct halo_plan *p, const struct halo_graph *g, int b, int k,
                                    struct halo_rect out, const struct halo_pricer *pricer)
{
    struct halo_plan_block *bl = &p->block[b];
    struct halo_plan_part *pt = &bl->part[k];
    const struct halo_pricer *const *one = &pricer;
    int64_t old = pt->macs;
    /* price_part indexes the pricer array by device: hand it a view with the right slot */
    const struct halo_pricer **view = halo_calloc((size_t)p->n_dev, sizeof *view);
    if (!view) return HALO_ERR_NOMEM;
    view[pt->device] = *one;
    enum halo_status st = price_part(p, g, bl->first, bl->last, bl->mode, out, pt->device, view, &pt->in, &pt->macs,
                                     &pt->compute_ms);
    free(view);
    if (st != HALO_OK) return st;
    pt->out = out;
    p->total_macs += pt->macs - old;
    p->redundant_macs += pt->macs - old;
    return HALO_OK;
}

enum halo_status halo_plan_set_tail(struct halo_plan *p, const struct halo_graph *g, int device,
                                    const struct halo_pricer *pricer)
{
    struct halo_plan_tail *t = &p->tail;
    t->device = device;
    if (t->first >= t->last) return HALO_OK;
    const struct halo_pricer **view = halo_calloc((size_t)p->n_dev, sizeof *view);
    if (!view) return HALO_ERR_NOMEM;
    view[device] = pricer;
    struct halo_rect full = halo_rect_full(g->nodes[g->n_nodes - 1].out_shape);
    enum halo_status st = price_part(p, g, t->first, t->last, HALO_TILE_EXACT, full, device, view, &t->in, NULL,
                                     &t->compute_ms);
    free(view);
    return st;
}

/* ---- prediction: the cost model (partition/timeline.c) over the plan's schedule ------------- */

enum halo_status halo_plan_derive(struct halo_plan *p, const struct halo_graph *g)
{
    HALO_TRY(halo_plan_sources(p, g, true));
    for (int v = 0; v < p->n_rot; v++) {
        enum halo_status st = halo_plan_derive(p->rot[v], g);
        if (st != HALO_OK) {
            halo_error_prefix("rotation[%d]", v);
            return st;
        }
    }
    return HALO_OK;
}

enum halo_status halo_plan_simulate(struct halo_plan *p, const struct halo_graph *g)
{
    HALO_TRY(halo_plan_sources(p, g, false));
    double total;
    HALO_TRY(halo_plan_timeline(p, NULL, NULL, true, &total));
    for (int v = 0; v < p->n_rot; v++) {
        enum halo_status st = halo_plan_simulate(p->rot[v], g);
        if (st != HALO_OK) {
            halo_error_prefix("rotation[%d]", v);
            return st;
        }
    }
    return HALO_OK;
}

enum halo_status halo_plan_add_variant(struct halo_plan *p, struct halo_plan *v)
{
    if (v->n_rot || v->n_dev != p->n_dev) {
        halo_plan_free(v);
        return halo_error(HALO_ERR_INVALID, "plan variant: must be a plain plan over the same %d devices", p->n_dev);
    }
    for (int k = 0; k < p->n_dev; k++)
        if (strcmp(p->dev[k].name, v->dev[k].name)) {
            halo_plan_free(v);
            return halo_error(HALO_ERR_INVALID, "plan variant: device %d is '%s', not '%s'", k, v->dev[k].name,
                              p->dev[k].name);
        }
    struct halo_plan **r = halo_realloc(p->rot, (size_t)p->n_rot + 1, sizeof *r);
    if (!r) {
        halo_plan_free(v);
        return HALO_ERR_NOMEM;
    }
    p->rot = r;
    v->link = p->link; /* a stream's variants are predicted with one link model */
    p->rot[p->n_rot++] = v;
    return HALO_OK;
}

const struct halo_link_model *halo_plan_link_model(const struct halo_plan *p)
{
    return p->link ? p->link : halo_link_model_default();
}

enum halo_status halo_plan_timeline(struct halo_plan *p, const double *bw_mbps, const double *cap_mbps, bool record,
                                    double *total_ms)
{
    HALO_ASSERT(p->sched.n_msg > 0); /* derived: halo_plan_simulate or halo_plan_derive */
    struct halo_timeline_in in = {.plan = p, .sched = &p->sched, .bw_mbps = bw_mbps, .cap_mbps = cap_mbps};
    struct halo_timeline_out out = {.record = record};
    if (record) {
        out.events = p->events;
        out.events_cap = p->events_cap;
    }
    enum halo_status st = halo_timeline_run(&in, &out);
    *total_ms = out.total_ms;
    if (record) {
        p->events = out.events;
        p->events_cap = out.events_cap;
        p->n_events = out.n_events;
        p->total_ms = out.total_ms;
        p->bytes_moved = out.bytes_moved;
    }
    return st;
}

void halo_plan_device_times(const struct halo_plan *p, int k, double *compute_ms, double *recv_ms, double *send_ms,
                            double *idle_ms)
{
    halo_timeline_device_times(p->events, p->n_events, p->total_ms, k, compute_ms, recv_ms, send_ms, idle_ms);
}

/* ---- queries ------------------------------------------------------------------------------ */

static uint64_t plan_hash(const struct halo_plan *p);

/* Does plan device k compute something in plan p (one variant)? */
static bool computes(const struct halo_plan *p, int k)
{
    bool busy = p->tail.device == k && p->tail.first < p->tail.last;
    for (int b = 0; b < p->n_blocks && !busy; b++)
        for (int q = 0; q < p->block[b].n_parts && !busy; q++)
            busy = p->block[b].part[q].device == k && !halo_rect_empty(p->block[b].part[q].out);
    return busy;
}

int halo_plan_n_computing(const struct halo_plan *p)
{
    int n = 0;
    for (int k = 1; k < p->n_dev; k++) {
        bool busy = false;
        for (int v = 0; v < halo_plan_n_variants(p) && !busy; v++) busy = computes(halo_plan_variant(p, v), k);
        n += busy;
    }
    return n;
}

uint64_t halo_plan_hash(const struct halo_plan *p)
{
    uint64_t h = plan_hash(p);
    /* the variants a stream rotates over are part of what the runtime executes */
    for (int v = 0; v < p->n_rot; v++) {
        uint64_t hv = plan_hash(p->rot[v]);
        h = halo_fnv1a(h, &hv, sizeof hv);
    }
    return h;
}

static uint64_t plan_hash(const struct halo_plan *p)
{
    uint64_t h = HALO_FNV1A_INIT;
    h = halo_fnv1a(h, p->model, strlen(p->model));
    if (p->model_hash) h = halo_fnv1a(h, &p->model_hash, sizeof p->model_hash);
    int hw[2] = {p->h, p->w};
    h = halo_fnv1a(h, hw, sizeof hw);
    for (int k = 0; k < p->n_dev; k++) h = halo_fnv1a(h, p->dev[k].name, strlen(p->dev[k].name) + 1);
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        int v[5] = {bl->stage0, bl->stage1, (int)bl->mode, bl->gather, bl->compress};
        h = halo_fnv1a(h, v, sizeof v);
        for (int k = 0; k < bl->n_parts; k++) {
            h = halo_fnv1a(h, &bl->part[k].device, sizeof(int));
            int o[4] = {bl->part[k].out.y0, bl->part[k].out.y1, bl->part[k].out.x0, bl->part[k].out.x1};
            h = halo_fnv1a(h, o, sizeof o);
            for (int s = 0; s < bl->part[k].n_src; s++) {
                const struct halo_plan_src *sr = &bl->part[k].src[s];
                int v[5] = {sr->device, sr->rect.y0, sr->rect.y1, sr->rect.x0, sr->rect.x1};
                h = halo_fnv1a(h, v, sizeof v);
            }
        }
    }
    h = halo_fnv1a(h, &p->tail.device, sizeof(int));
    return h;
}
