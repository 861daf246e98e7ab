/* plan_sources: redistribution — which device holds which rect of a block's input (the previous
 * block's parts, the source when it holds everything), the sources that cover a part's input
 * rect from those holdings, the plan's schedule derived from them, and the check of a file's
 * sources against the same rule. */
#include "core/alloc.h"
#include "partition/plan.h"
#include "partition/plan_internal.h"

#include <stdlib.h>

/* ---- who holds what, and the sources of an input rect ---------------------------------------- */

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

/* ---- deriving a plan's sources and schedule ---------------------------------------------- */

static enum halo_status derive_sources(struct halo_plan *p, const struct halo_graph *g, int b, struct halo_plan_part *pt)
{
    free(pt->src);
    pt->src = NULL;
    pt->n_src = 0;
    return sources_for(p, g, b, pt->device, pt->in, &pt->src, &pt->n_src);
}

enum halo_status halo_plan_sources(struct halo_plan *p, const struct halo_graph *g, bool keep)
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

/* ---- checking a file's sources ---------------------------------------------------------- */

enum halo_status halo_plan_check_sources(const struct halo_plan *p, const struct halo_graph *g, int b, int device,
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
