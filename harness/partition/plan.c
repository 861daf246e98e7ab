#include "partition/plan.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/json.h"
#include "model/count.h"
#include "partition/timeline.h"
#include "profile/profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lifetime ---------------------------------------------------------------------------- */

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
    free(p);
}

static enum halo_status plan_alloc_devices(struct halo_plan *p, int n)
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
    enum halo_status st = plan_alloc_devices(p, n_es + 1);
    p->model = halo_strdup(g->name);
    p->method = halo_strdup(method);
    p->cluster = halo_strdup(c->path ? c->path : c->name);
    p->h = g->input.h;
    p->w = g->input.w;
    p->lossless = true;
    if (!p->model || !p->method || !p->cluster) st = HALO_ERR_NOMEM;
    for (int k = 0; k <= n_es && st == HALO_OK; k++) {
        int ci = k == 0 ? c->source : es[k - 1];
        HALO_ASSERT(ci >= 0 && ci < c->n && (k == 0 || ci != c->source));
        p->dev[k].name = halo_strdup(c->dev[ci].name);
        p->dev[k].profile = halo_strdup(c->dev[ci].profile_ref ? c->dev[ci].profile_ref : "-");
        p->dev[k].speed = c->dev[ci].speed;
        if (!p->dev[k].name || !p->dev[k].profile) st = HALO_ERR_NOMEM;
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

/* ---- redistribution: who holds what, and the sources of an input rect ----------------------- */

struct holding {
    int device;
    struct halo_rect rect;
};

/* The pieces of the input tensor of block b (b == n_blocks: the tail's) held by devices, in the
 * order a requester takes them from: itself first, then the source when it holds everything
 * (the image, or a gathered output: star), then the other parts' devices (peer to peer). */
static int holdings(const struct halo_plan *p, const struct halo_graph *g, int b, int requester, struct holding *h)
{
    int n = 0;
    struct halo_shape s = halo_graph_tensor_shape(g, b == 0 ? HALO_INPUT : p->block[b - 1].last - 1);
    bool source_full = b == 0 || p->block[b - 1].gather;
    if (b > 0) {
        const struct halo_plan_block *pb = &p->block[b - 1];
        for (int k = 0; k < pb->n_parts; k++)
            if (pb->part[k].device == requester) h[n++] = (struct holding){requester, pb->part[k].out};
    }
    if (source_full) h[n++] = (struct holding){0, halo_rect_full(s)};
    if (b > 0) {
        const struct halo_plan_block *pb = &p->block[b - 1];
        for (int k = 0; k < pb->n_parts; k++)
            if (pb->part[k].device != requester) h[n++] = (struct holding){pb->part[k].device, pb->part[k].out};
    }
    return n;
}

/* Max holdings of any block input: parts of the previous block + the source. */
static int max_holdings(const struct halo_plan *p)
{
    int m = 1;
    for (int b = 0; b < p->n_blocks; b++)
        if (p->block[b].n_parts + 1 > m) m = p->block[b].n_parts + 1;
    return m + 1;
}

/* Covers `need` with pieces taken from the holdings in order: each uncovered piece is split into
 * its part inside a held rect (assigned) and up to four remainders. Fails if anything is left. */
static enum halo_status cover(struct halo_rect need, const struct holding *h, int nh, struct halo_plan_src **out,
                              int *n_out)
{
    size_t cap_u = 8, cap_s = 4;
    int nu = 1, ns = 0;
    struct halo_rect *u = halo_malloc(cap_u, sizeof *u);
    struct halo_plan_src *s = halo_malloc(cap_s, sizeof *s);
    if (!u || !s) {
        free(u);
        free(s);
        return HALO_ERR_NOMEM;
    }
    u[0] = need;
    if (halo_rect_empty(need)) nu = 0;
    for (int i = 0; i < nh && nu > 0; i++) {
        struct halo_rect H = h[i].rect;
        int nu_next = 0;
        struct halo_rect *next = halo_malloc((size_t)nu * 4 + 1, sizeof *next);
        if (!next) {
            free(u);
            free(s);
            return HALO_ERR_NOMEM;
        }
        for (int j = 0; j < nu; j++) {
            struct halo_rect P = u[j], I = halo_rect_intersect(P, H);
            if (halo_rect_empty(I)) {
                next[nu_next++] = P;
                continue;
            }
            if (halo_grow((void **)&s, &cap_s, (size_t)ns + 1, sizeof *s)) {
                free(next);
                free(u);
                free(s);
                return HALO_ERR_NOMEM;
            }
            s[ns++] = (struct halo_plan_src){.device = h[i].device, .rect = I};
            struct halo_rect rem[4] = {{P.y0, I.y0, P.x0, P.x1}, {I.y1, P.y1, P.x0, P.x1},
                                       {I.y0, I.y1, P.x0, I.x0}, {I.y0, I.y1, I.x1, P.x1}};
            for (int r = 0; r < 4; r++)
                if (!halo_rect_empty(rem[r])) next[nu_next++] = rem[r];
        }
        free(u);
        u = next;
        nu = nu_next;
        cap_u = (size_t)nu * 4 + 1;
    }
    free(u);
    if (nu > 0) {
        free(s);
        return halo_error(HALO_ERR_INVALID, "input rows [%d,%d) cols [%d,%d) are not all held by any device",
                          need.y0, need.y1, need.x0, need.x1);
    }
    /* merge pieces from the same device that form one rect (keeps messages few) */
    for (int a = 0; a < ns; a++)
        for (int b2 = a + 1; b2 < ns; b2++) {
            struct halo_rect A = s[a].rect, B = s[b2].rect;
            if (s[a].device != s[b2].device) continue;
            bool vert = A.x0 == B.x0 && A.x1 == B.x1 && (A.y1 == B.y0 || B.y1 == A.y0);
            bool horz = A.y0 == B.y0 && A.y1 == B.y1 && (A.x1 == B.x0 || B.x1 == A.x0);
            /* only within one holding: a device with several parts (tiles) holds each separately,
             * and the validator and the timeline look a piece up in one part */
            bool one = false;
            for (int i = 0; i < nh && !one && (vert || horz); i++)
                one = h[i].device == s[a].device && halo_rect_contains(h[i].rect, halo_rect_union(A, B));
            if ((vert || horz) && one) {
                s[a].rect = halo_rect_union(A, B);
                s[b2] = s[--ns];
                b2 = a;
            }
        }
    *out = s;
    *n_out = ns;
    return HALO_OK;
}

static enum halo_status sources_for(const struct halo_plan *p, const struct halo_graph *g, int b, int device,
                                    struct halo_rect need, struct halo_plan_src **src, int *n_src)
{
    struct holding *h = halo_malloc((size_t)max_holdings(p), sizeof *h);
    if (!h) return HALO_ERR_NOMEM;
    int nh = holdings(p, g, b, device, h);
    enum halo_status st = cover(need, h, nh, src, n_src);
    free(h);
    return st;
}

/* ---- pricing and the timeline ------------------------------------------------------------- */

int64_t halo_plan_rect_bytes(const struct halo_plan *p, int c, struct halo_rect r, bool compressed)
{
    int64_t raw = 4 * (int64_t)c * halo_rect_area(r);
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

/* ---- sources, then the timeline ------------------------------------------------------------ */

static enum halo_status derive_sources(struct halo_plan *p, const struct halo_graph *g, int b, struct halo_plan_part *pt)
{
    free(pt->src);
    pt->src = NULL;
    pt->n_src = 0;
    return sources_for(p, g, b, pt->device, pt->in, &pt->src, &pt->n_src);
}

/* Derives every input's sources (unless `keep`: then the sources the plan already names stay),
 * then the schedule: every message, its size and when its sender holds it. */
static enum halo_status plan_sources(struct halo_plan *p, const struct halo_graph *g, bool keep)
{
    for (int b = 0; b < p->n_blocks && !keep; b++) {
        struct halo_plan_block *bl = &p->block[b];
        for (int k = 0; k < bl->n_parts; k++) {
            enum halo_status st = derive_sources(p, g, b, &bl->part[k]);
            if (st != HALO_OK) {
                halo_error_prefix("block %d part %d", b, k);
                return st;
            }
        }
    }
    if (p->tail.first < p->tail.last) {
        if (!keep) {
            struct halo_plan_part tp = {.device = p->tail.device, .in = p->tail.in, .src = p->tail.src,
                                        .n_src = p->tail.n_src};
            enum halo_status st = derive_sources(p, g, p->n_blocks, &tp);
            p->tail.src = tp.src;
            p->tail.n_src = tp.n_src;
            HALO_TRY(st);
        }
    } else {
        free(p->tail.src);
        p->tail.src = NULL;
        p->tail.n_src = 0;
    }
    halo_sched_free(&p->sched);
    return halo_sched_build_any(p, g, &p->sched);
}

enum halo_status halo_plan_timeline(struct halo_plan *p, const double *bw_mbps, bool record, double *total_ms)
{
    HALO_ASSERT(p->sched.n_msg > 0); /* derived: halo_plan_simulate or halo_plan_derive */
    struct halo_timeline_in in = {.plan = p, .sched = &p->sched, .bw_mbps = bw_mbps};
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

enum halo_status halo_plan_derive(struct halo_plan *p, const struct halo_graph *g)
{
    return plan_sources(p, g, true);
}

enum halo_status halo_plan_simulate(struct halo_plan *p, const struct halo_graph *g)
{
    HALO_TRY(plan_sources(p, g, false));
    double total;
    return halo_plan_timeline(p, NULL, true, &total);
}

int halo_plan_n_computing(const struct halo_plan *p)
{
    int n = 0;
    for (int k = 1; k < p->n_dev; k++) {
        bool busy = p->tail.device == k && p->tail.first < p->tail.last;
        for (int b = 0; b < p->n_blocks && !busy; b++)
            for (int q = 0; q < p->block[b].n_parts && !busy; q++)
                busy = p->block[b].part[q].device == k && !halo_rect_empty(p->block[b].part[q].out);
        n += busy;
    }
    return n;
}

void halo_plan_device_times(const struct halo_plan *p, int k, double *compute_ms, double *recv_ms, double *send_ms,
                            double *idle_ms)
{
    halo_timeline_device_times(p->events, p->n_events, p->total_ms, k, compute_ms, recv_ms, send_ms, idle_ms);
}

/* ---- validation -------------------------------------------------------------------------- */

static enum halo_status check_sources(const struct halo_plan *p, const struct halo_graph *g, int b, int device,
                                      struct halo_rect in, const struct halo_plan_src *src, int n_src,
                                      const char *name, const char *where)
{
    int64_t area = 0;
    struct holding *h = halo_malloc((size_t)max_holdings(p), sizeof *h);
    if (!h) return HALO_ERR_NOMEM;
    int nh = holdings(p, g, b, device, h);
    enum halo_status st = HALO_OK;
    for (int j = 0; j < n_src && st == HALO_OK; j++) {
        const struct halo_plan_src *s = &src[j];
        if (s->device < 0 || s->device >= p->n_dev)
            st = halo_error(HALO_ERR_INVALID, "%s: %s.sources[%d]: no such device", name, where, j);
        else if (halo_rect_empty(s->rect) || !halo_rect_contains(in, s->rect))
            st = halo_error(HALO_ERR_INVALID, "%s: %s.sources[%d]: rect is empty or outside the input rect", name, where, j);
        for (int k = 0; k < j && st == HALO_OK; k++)
            if (!halo_rect_empty(halo_rect_intersect(src[k].rect, s->rect)))
                st = halo_error(HALO_ERR_INVALID, "%s: %s.sources[%d]: overlaps sources[%d]", name, where, j, k);
        bool held = false;
        for (int k = 0; k < nh && st == HALO_OK && !held; k++)
            held = h[k].device == s->device && halo_rect_contains(h[k].rect, s->rect);
        if (st == HALO_OK && !held)
            st = halo_error(HALO_ERR_INVALID, "%s: %s.sources[%d]: device %s does not hold rows [%d,%d) cols [%d,%d) then",
                            name, where, j, p->dev[s->device].name, s->rect.y0, s->rect.y1, s->rect.x0, s->rect.x1);
        area += halo_rect_area(s->rect);
    }
    if (st == HALO_OK && area != halo_rect_area(in))
        st = halo_error(HALO_ERR_INVALID, "%s: %s.sources: cover %lld of the %lld input elements per channel", name,
                        where, (long long)area, (long long)halo_rect_area(in));
    free(h);
    return st;
}

static enum halo_status check_in(const struct halo_graph *g, int first, int last, enum halo_tile_mode mode,
                                 struct halo_rect out, struct halo_rect in, const char *name, const char *where)
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
    halo_tile_free(&t);
    return st;
}

enum halo_status halo_plan_validate(const struct halo_plan *p, const struct halo_graph *g, const char *name)
{
    char where[128];
    if (strcmp(p->model, g->name) || p->h != g->input.h || p->w != g->input.w)
        return halo_error(HALO_ERR_INVALID, "%s: model: plan is for %s at %dx%d, graph is %s at %dx%d", name, p->model,
                          p->h, p->w, g->name, g->input.h, g->input.w);
    if (p->n_dev < 2) return halo_error(HALO_ERR_INVALID, "%s: devices: needs the source and at least one ES", name);
    for (int a = 0; a < p->n_dev; a++) {
        for (int b = 0; b < a; b++)
            if (!strcmp(p->dev[a].name, p->dev[b].name))
                return halo_error(HALO_ERR_INVALID, "%s: devices[%d].name: '%s' is used twice", name, a, p->dev[a].name);
        for (int b = 0; b < p->n_dev; b++)
            if (a != b && !(p->bw_mbps[a * p->n_dev + b] > 0))
                return halo_error(HALO_ERR_INVALID, "%s: links.bandwidth_mbps[%d][%d]: must be > 0", name, a, b);
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
            HALO_TRY(check_in(g, bl->first, bl->last, bl->mode, pt->out, pt->in, name, pw));
            HALO_TRY(check_sources(p, g, b, pt->device, pt->in, pt->src, pt->n_src, name, pw));
        }
    }
    const struct halo_plan_tail *t = &p->tail;
    if (t->stage0 != stage || t->stage1 != g->n_stages)
        return halo_error(HALO_ERR_INVALID, "%s: tail.stages: [%d, %d) must be [%d, %d)", name, t->stage0, t->stage1,
                          stage, g->n_stages);
    if (t->device < 0 || t->device >= p->n_dev) return halo_error(HALO_ERR_INVALID, "%s: tail.device: no such device", name);
    if (t->first < t->last) {
        HALO_TRY(check_in(g, t->first, t->last, HALO_TILE_EXACT, halo_rect_full(g->nodes[g->n_nodes - 1].out_shape),
                          t->in, name, "tail"));
        HALO_TRY(check_sources(p, g, p->n_blocks, t->device, t->in, t->src, t->n_src, name, "tail"));
    }
    if (lossless != p->lossless)
        return halo_error(HALO_ERR_INVALID, "%s: lossless: says %s but the blocks are %s", name,
                          p->lossless ? "true" : "false", lossless ? "lossless" : "lossy");
    return HALO_OK;
}

/* ---- files ------------------------------------------------------------------------------- */

static cJSON *rect_json(struct halo_rect r)
{
    int v[4] = {r.y0, r.y1, r.x0, r.x1};
    return cJSON_CreateIntArray(v, 4);
}

static cJSON *range_json(int a, int b)
{
    int v[2] = {a, b};
    return cJSON_CreateIntArray(v, 2);
}

static cJSON *sources_json(const struct halo_plan *p, const struct halo_plan_src *s, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int j = 0; j < n; j++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "from", p->dev[s[j].device].name);
        cJSON_AddItemToObject(o, "rect", rect_json(s[j].rect));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *matrix_json(const double *m, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateDoubleArray(m + (size_t)i * n, n));
    return a;
}

static const char *event_kind_name(enum halo_event_kind k)
{
    return k == HALO_EVENT_SEND ? "send" : k == HALO_EVENT_RECV ? "recv" : "compute";
}

enum halo_status halo_plan_save(const struct halo_plan *p, const char *path)
{
    cJSON *j = cJSON_CreateObject();
    if (!j) return HALO_ERR_NOMEM;
    cJSON_AddStringToObject(j, "schema", HALO_PLAN_SCHEMA);
    cJSON_AddStringToObject(j, "model", p->model);
    cJSON_AddItemToObject(j, "input", range_json(p->h, p->w));
    cJSON_AddStringToObject(j, "method", p->method);
    cJSON_AddBoolToObject(j, "lossless", p->lossless);
    if (p->notes) cJSON_AddStringToObject(j, "notes", p->notes);
    cJSON_AddStringToObject(j, "cluster", p->cluster ? p->cluster : "-");
    cJSON *devs = cJSON_AddArrayToObject(j, "devices");
    for (int k = 0; k < p->n_dev; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->dev[k].name);
        cJSON_AddNumberToObject(o, "rank", k);
        cJSON_AddStringToObject(o, "role", k == 0 ? "source" : "es");
        cJSON_AddStringToObject(o, "profile", p->dev[k].profile ? p->dev[k].profile : "-");
        cJSON_AddNumberToObject(o, "speed", p->dev[k].speed);
        cJSON_AddItemToArray(devs, o);
    }
    cJSON *links = cJSON_AddObjectToObject(j, "links");
    cJSON_AddItemToObject(links, "bandwidth_mbps", matrix_json(p->bw_mbps, p->n_dev));
    cJSON_AddItemToObject(links, "latency_ms", matrix_json(p->lat_ms, p->n_dev));
    if (p->has_codec) {
        cJSON *c = cJSON_AddObjectToObject(j, "codec");
        cJSON_AddNumberToObject(c, "clip_lo", p->codec.clip_lo);
        cJSON_AddNumberToObject(c, "clip_hi", p->codec.clip_hi);
        cJSON_AddNumberToObject(c, "bits", p->codec.bits);
        cJSON_AddNumberToObject(c, "ratio", p->codec.ratio);
    }
    cJSON *blocks = cJSON_AddArrayToObject(j, "blocks");
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "stages", range_json(bl->stage0, bl->stage1));
        cJSON_AddItemToObject(o, "nodes", range_json(bl->first, bl->last));
        cJSON_AddStringToObject(o, "mode", bl->mode == HALO_TILE_EXACT ? "exact" : "zero_pad");
        cJSON_AddBoolToObject(o, "gather", bl->gather);
        cJSON_AddBoolToObject(o, "compress", bl->compress);
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        for (int k = 0; k < bl->n_parts; k++) {
            const struct halo_plan_part *pt = &bl->part[k];
            cJSON *po = cJSON_CreateObject();
            cJSON_AddStringToObject(po, "device", p->dev[pt->device].name);
            cJSON_AddItemToObject(po, "out", rect_json(pt->out));
            cJSON_AddItemToObject(po, "in", rect_json(pt->in));
            cJSON_AddItemToObject(po, "sources", sources_json(p, pt->src, pt->n_src));
            cJSON_AddNumberToObject(po, "macs", (double)pt->macs);
            cJSON_AddNumberToObject(po, "compute_ms", pt->compute_ms);
            cJSON_AddItemToArray(parts, po);
        }
        cJSON_AddItemToArray(blocks, o);
    }
    cJSON *t = cJSON_AddObjectToObject(j, "tail");
    cJSON_AddStringToObject(t, "device", p->dev[p->tail.device].name);
    cJSON_AddItemToObject(t, "stages", range_json(p->tail.stage0, p->tail.stage1));
    cJSON_AddItemToObject(t, "nodes", range_json(p->tail.first, p->tail.last));
    cJSON_AddItemToObject(t, "in", rect_json(p->tail.in));
    cJSON_AddItemToObject(t, "sources", sources_json(p, p->tail.src, p->tail.n_src));
    cJSON_AddNumberToObject(t, "compute_ms", p->tail.compute_ms);
    cJSON *pr = cJSON_AddObjectToObject(j, "predicted");
    cJSON_AddStringToObject(pr, "basis", "cost model: profiles' per-layer times (measured) or fitted capacity; "
                                         "links: latency + bytes/bandwidth, one message at a time per link");
    cJSON_AddNumberToObject(pr, "total_ms", p->total_ms);
    cJSON_AddNumberToObject(pr, "local_ms", p->local_ms);
    cJSON_AddStringToObject(pr, "local_device", p->local_device ? p->local_device : "-");
    cJSON_AddNumberToObject(pr, "speedup", p->total_ms > 0 ? p->local_ms / p->total_ms : 0);
    cJSON_AddNumberToObject(pr, "latency_reduction_pct", p->local_ms > 0 ? 100 * (1 - p->total_ms / p->local_ms) : 0);
    cJSON_AddNumberToObject(pr, "bytes_moved", (double)p->bytes_moved);
    cJSON_AddNumberToObject(pr, "total_macs", (double)p->total_macs);
    cJSON_AddNumberToObject(pr, "redundant_macs", (double)p->redundant_macs);
    cJSON *dt = cJSON_AddArrayToObject(pr, "devices");
    for (int k = 0; k < p->n_dev; k++) {
        double c, r, s, idle;
        halo_plan_device_times(p, k, &c, &r, &s, &idle);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->dev[k].name);
        cJSON_AddNumberToObject(o, "compute_ms", c);
        cJSON_AddNumberToObject(o, "recv_ms", r);
        cJSON_AddNumberToObject(o, "send_ms", s);
        cJSON_AddNumberToObject(o, "idle_ms", idle);
        cJSON_AddItemToArray(dt, o);
    }
    cJSON *ev = cJSON_AddArrayToObject(pr, "events");
    for (int i = 0; i < p->n_events; i++) {
        const struct halo_plan_event *e = &p->events[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "device", p->dev[e->device].name);
        cJSON_AddStringToObject(o, "kind", event_kind_name(e->kind));
        cJSON_AddNumberToObject(o, "block", e->block);
        cJSON_AddNumberToObject(o, "part", e->part);
        if (e->kind != HALO_EVENT_COMPUTE) cJSON_AddStringToObject(o, "peer", p->dev[e->peer].name);
        cJSON_AddNumberToObject(o, "start_ms", e->start_ms);
        cJSON_AddNumberToObject(o, "end_ms", e->end_ms);
        cJSON_AddNumberToObject(o, e->kind == HALO_EVENT_COMPUTE ? "macs" : "bytes", (double)e->bytes);
        cJSON_AddItemToArray(ev, o);
    }
    enum halo_status st = halo_json_save(path, j);
    cJSON_Delete(j);
    return st;
}

static enum halo_status int_array(const char *file, const cJSON *o, const char *where, const char *key, int n,
                                  long lo, long hi, int *v)
{
    const cJSON *a;
    char p[256];
    HALO_TRY(halo_json_child(file, o, where, key, true, cJSON_Array, &a));
    if (cJSON_GetArraySize(a) != n)
        return halo_error(HALO_ERR_INVALID, "%s: %s: must have %d integers", file, halo_json_path(p, sizeof p, where, key), n);
    for (int i = 0; i < n; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) || x->valuedouble < lo || x->valuedouble > hi)
            return halo_error(HALO_ERR_INVALID, "%s: %s[%d]: must be an integer in [%ld, %ld]", file,
                              halo_json_path(p, sizeof p, where, key), i, lo, hi);
        v[i] = (int)x->valuedouble;
    }
    return HALO_OK;
}

static enum halo_status rect_field(const char *file, const cJSON *o, const char *where, const char *key,
                                   struct halo_rect *r)
{
    int v[4];
    HALO_TRY(int_array(file, o, where, key, 4, 0, 65536, v));
    *r = (struct halo_rect){v[0], v[1], v[2], v[3]};
    if (r->y1 < r->y0 || r->x1 < r->x0) {
        char p[256];
        return halo_error(HALO_ERR_INVALID, "%s: %s: must be [y0, y1, x0, x1] with y0 <= y1, x0 <= x1", file,
                          halo_json_path(p, sizeof p, where, key));
    }
    return HALO_OK;
}

static enum halo_status device_field(const char *file, const struct halo_plan *p, const cJSON *o, const char *where,
                                     const char *key, int *dev)
{
    const char *s;
    HALO_TRY(halo_json_str(file, o, where, key, true, &s));
    for (int k = 0; k < p->n_dev; k++)
        if (!strcmp(p->dev[k].name, s)) {
            *dev = k;
            return HALO_OK;
        }
    char q[256];
    return halo_error(HALO_ERR_INVALID, "%s: %s: '%s' is not one of the plan's devices", file,
                      halo_json_path(q, sizeof q, where, key), s);
}

static enum halo_status sources_field(const char *file, const struct halo_plan *p, const cJSON *o, const char *where,
                                      struct halo_plan_src **src, int *n_src)
{
    const cJSON *a;
    HALO_TRY(halo_json_child(file, o, where, "sources", true, cJSON_Array, &a));
    int n = cJSON_GetArraySize(a);
    *src = halo_calloc((size_t)(n ? n : 1), sizeof **src);
    if (!*src) return HALO_ERR_NOMEM;
    for (int j = 0; j < n; j++) {
        char w[256];
        const cJSON *s = cJSON_GetArrayItem(a, j);
        halo_json_item(w, sizeof w, where, "sources", j);
        HALO_TRY(device_field(file, p, s, w, "from", &(*src)[j].device));
        HALO_TRY(rect_field(file, s, w, "rect", &(*src)[j].rect));
        (*n_src)++;
    }
    return HALO_OK;
}

static enum halo_status load_matrix(const char *file, const cJSON *links, const char *key, int n, double *m)
{
    const cJSON *a;
    HALO_TRY(halo_json_child(file, links, "links", key, true, cJSON_Array, &a));
    if (cJSON_GetArraySize(a) != n) return halo_error(HALO_ERR_INVALID, "%s: links.%s: must have %d rows", file, key, n);
    for (int i = 0; i < n; i++) {
        const cJSON *row = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return halo_error(HALO_ERR_INVALID, "%s: links.%s[%d]: must have %d numbers", file, key, i, n);
        for (int k = 0; k < n; k++) {
            const cJSON *v = cJSON_GetArrayItem(row, k);
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
                return halo_error(HALO_ERR_INVALID, "%s: links.%s[%d][%d]: must be a number >= 0", file, key, i, k);
            m[i * n + k] = v->valuedouble;
        }
    }
    return HALO_OK;
}

static enum halo_status load_plan(const char *file, const cJSON *j, struct halo_plan *p)
{
    static const char *const keys[] = {"schema", "model", "input", "method", "lossless", "notes", "cluster",
                                       "devices", "links", "codec", "blocks", "tail", "predicted", NULL};
    const char *s;
    if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_INVALID, "%s: must be a JSON object", file);
    HALO_TRY(halo_json_str(file, j, "", "schema", true, &s));
    if (strcmp(s, HALO_PLAN_SCHEMA))
        return halo_error(HALO_ERR_INVALID, "%s: schema: '%s' is not supported (this halo reads %s)", file, s,
                          HALO_PLAN_SCHEMA);
    HALO_TRY(halo_json_known_keys(file, j, "", keys));
    HALO_TRY(halo_json_str(file, j, "", "model", true, &s));
    if (!(p->model = halo_strdup(s))) return HALO_ERR_NOMEM;
    int in[2];
    HALO_TRY(int_array(file, j, "", "input", 2, 1, 65536, in));
    p->h = in[0];
    p->w = in[1];
    HALO_TRY(halo_json_str(file, j, "", "method", true, &s));
    if (!(p->method = halo_strdup(s))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_bool(file, j, "", "lossless", true, &p->lossless));
    s = NULL;
    HALO_TRY(halo_json_str(file, j, "", "notes", false, &s));
    if (s && !(p->notes = halo_strdup(s))) return HALO_ERR_NOMEM;
    s = "-";
    HALO_TRY(halo_json_str(file, j, "", "cluster", false, &s));
    if (!(p->cluster = halo_strdup(s))) return HALO_ERR_NOMEM;
    const cJSON *devs, *links, *blocks, *tail, *codec, *pred;
    HALO_TRY(halo_json_child(file, j, "", "devices", true, cJSON_Array, &devs));
    int n = cJSON_GetArraySize(devs);
    if (n < 2) return halo_error(HALO_ERR_INVALID, "%s: devices: needs the source and at least one ES", file);
    HALO_TRY(plan_alloc_devices(p, n));
    for (int k = 0; k < n; k++) {
        char w[64];
        const cJSON *d = cJSON_GetArrayItem(devs, k);
        halo_json_item(w, sizeof w, "", "devices", k);
        HALO_TRY(halo_json_str(file, d, w, "name", true, &s));
        if (!(p->dev[k].name = halo_strdup(s))) return HALO_ERR_NOMEM;
        s = "-";
        HALO_TRY(halo_json_str(file, d, w, "profile", false, &s));
        if (!(p->dev[k].profile = halo_strdup(s))) return HALO_ERR_NOMEM;
        p->dev[k].speed = 1;
        HALO_TRY(halo_json_num(file, d, w, "speed", false, 1e-6, 1e6, &p->dev[k].speed));
        long rank = k;
        HALO_TRY(halo_json_int(file, d, w, "rank", false, 0, 1 << 20, &rank));
        if (rank != k) return halo_error(HALO_ERR_INVALID, "%s: %s.rank: must be %d (devices are listed in rank order)", file, w, k);
    }
    HALO_TRY(halo_json_child(file, j, "", "links", true, cJSON_Object, &links));
    HALO_TRY(load_matrix(file, links, "bandwidth_mbps", n, p->bw_mbps));
    HALO_TRY(load_matrix(file, links, "latency_ms", n, p->lat_ms));
    HALO_TRY(halo_json_child(file, j, "", "codec", false, cJSON_Object, &codec));
    if (codec) {
        double lo = 0, hi = 0, ratio = 1;
        long bits = 4;
        HALO_TRY(halo_json_num(file, codec, "codec", "clip_lo", true, -1e9, 1e9, &lo));
        HALO_TRY(halo_json_num(file, codec, "codec", "clip_hi", true, -1e9, 1e9, &hi));
        HALO_TRY(halo_json_int(file, codec, "codec", "bits", true, 1, 16, &bits));
        HALO_TRY(halo_json_num(file, codec, "codec", "ratio", true, 1e-9, 10, &ratio));
        if (!(hi > lo)) return halo_error(HALO_ERR_INVALID, "%s: codec: clip_lo must be < clip_hi", file);
        p->has_codec = true;
        p->codec = (struct halo_codec){(float)lo, (float)hi, (int)bits, ratio};
    }
    HALO_TRY(halo_json_child(file, j, "", "blocks", true, cJSON_Array, &blocks));
    int nb = cJSON_GetArraySize(blocks);
    p->block = halo_calloc((size_t)(nb ? nb : 1), sizeof *p->block);
    if (!p->block) return HALO_ERR_NOMEM;
    for (int b = 0; b < nb; b++) {
        char w[64];
        const cJSON *o = cJSON_GetArrayItem(blocks, b);
        struct halo_plan_block *bl = &p->block[b];
        halo_json_item(w, sizeof w, "", "blocks", b);
        p->n_blocks++;
        int v[2];
        HALO_TRY(int_array(file, o, w, "stages", 2, 0, 1 << 20, v));
        bl->stage0 = v[0];
        bl->stage1 = v[1];
        HALO_TRY(int_array(file, o, w, "nodes", 2, 0, 1 << 20, v));
        bl->first = v[0];
        bl->last = v[1];
        HALO_TRY(halo_json_str(file, o, w, "mode", true, &s));
        if (!strcmp(s, "exact")) bl->mode = HALO_TILE_EXACT;
        else if (!strcmp(s, "zero_pad")) bl->mode = HALO_TILE_ZERO_PAD;
        else return halo_error(HALO_ERR_INVALID, "%s: %s.mode: '%s': expected exact or zero_pad", file, w, s);
        HALO_TRY(halo_json_bool(file, o, w, "gather", true, &bl->gather));
        HALO_TRY(halo_json_bool(file, o, w, "compress", false, &bl->compress));
        if (bl->compress && !p->has_codec)
            return halo_error(HALO_ERR_INVALID, "%s: %s.compress: true but the plan has no codec", file, w);
        const cJSON *parts;
        HALO_TRY(halo_json_child(file, o, w, "parts", true, cJSON_Array, &parts));
        int np = cJSON_GetArraySize(parts);
        bl->part = halo_calloc((size_t)(np ? np : 1), sizeof *bl->part);
        if (!bl->part) return HALO_ERR_NOMEM;
        for (int k = 0; k < np; k++) {
            char pw[128];
            const cJSON *po = cJSON_GetArrayItem(parts, k);
            struct halo_plan_part *pt = &bl->part[k];
            halo_json_item(pw, sizeof pw, w, "parts", k);
            bl->n_parts++;
            HALO_TRY(device_field(file, p, po, pw, "device", &pt->device));
            HALO_TRY(rect_field(file, po, pw, "out", &pt->out));
            HALO_TRY(rect_field(file, po, pw, "in", &pt->in));
            HALO_TRY(sources_field(file, p, po, pw, &pt->src, &pt->n_src));
            double d = 0;
            HALO_TRY(halo_json_num(file, po, pw, "macs", false, 0, 9e18, &d));
            pt->macs = (int64_t)d;
            HALO_TRY(halo_json_num(file, po, pw, "compute_ms", false, 0, 1e12, &pt->compute_ms));
        }
    }
    HALO_TRY(halo_json_child(file, j, "", "tail", true, cJSON_Object, &tail));
    HALO_TRY(device_field(file, p, tail, "tail", "device", &p->tail.device));
    int v[2];
    HALO_TRY(int_array(file, tail, "tail", "stages", 2, 0, 1 << 20, v));
    p->tail.stage0 = v[0];
    p->tail.stage1 = v[1];
    HALO_TRY(int_array(file, tail, "tail", "nodes", 2, 0, 1 << 20, v));
    p->tail.first = v[0];
    p->tail.last = v[1];
    HALO_TRY(rect_field(file, tail, "tail", "in", &p->tail.in));
    HALO_TRY(sources_field(file, p, tail, "tail", &p->tail.src, &p->tail.n_src));
    HALO_TRY(halo_json_num(file, tail, "tail", "compute_ms", false, 0, 1e12, &p->tail.compute_ms));
    HALO_TRY(halo_json_child(file, j, "", "predicted", false, cJSON_Object, &pred));
    if (pred) {
        HALO_TRY(halo_json_num(file, pred, "predicted", "total_ms", false, 0, 1e12, &p->total_ms));
        HALO_TRY(halo_json_num(file, pred, "predicted", "local_ms", false, 0, 1e12, &p->local_ms));
        s = "-";
        HALO_TRY(halo_json_str(file, pred, "predicted", "local_device", false, &s));
        if (!(p->local_device = halo_strdup(s))) return HALO_ERR_NOMEM;
    }
    return HALO_OK;
}

enum halo_status halo_plan_from_json(const char *name, const cJSON *j, struct halo_plan **out)
{
    *out = NULL;
    struct halo_plan *p = halo_calloc(1, sizeof *p);
    enum halo_status st = p ? load_plan(name, j, p) : HALO_ERR_NOMEM;
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_load(const char *path, struct halo_plan **out)
{
    *out = NULL;
    cJSON *j;
    HALO_TRY(halo_json_load(path, &j));
    enum halo_status st = halo_plan_from_json(path, j, out);
    cJSON_Delete(j);
    return st;
}

uint64_t halo_plan_hash(const struct halo_plan *p)
{
    uint64_t h = HALO_FNV1A_INIT;
    h = halo_fnv1a(h, p->model, strlen(p->model));
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
