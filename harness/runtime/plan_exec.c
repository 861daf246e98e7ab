#include "runtime/plan_exec.h"
#include "core/image.h"
#include "exec/codec.h"
#include "exec/executor.h"

#include <math.h>
#include <stdlib.h>

/* Whether part k of block b sends its output to another device (only what travels is coded). */
static bool part_travels(const struct halo_plan *p, int b, int k)
{
    const struct halo_plan_block *bl = &p->block[b];
    if (bl->gather) return true;
    if (b == p->n_blocks - 1) return bl->part[k].device != p->tail.device;
    return true;
}

/* Encodes and decodes t in place; adds to the stats. */
static enum halo_status code_part(struct halo_tensor *t, const struct halo_codec *c,
                                  struct halo_plan_exec_stats *stats)
{
    uint8_t *buf;
    size_t bytes, n = halo_tensor_numel(t);
    HALO_TRY(halo_codec_encode(t->data, n, c, &buf, &bytes));
    enum halo_status st = halo_codec_decode(buf, bytes, c, t->data, n);
    free(buf);
    if (st == HALO_OK && stats) {
        stats->raw_bytes += 4 * (int64_t)n;
        stats->coded_bytes += (int64_t)bytes;
        stats->n_coded++;
    }
    return st;
}

/* Runs block b's parts on `cur` (its whole input tensor) into `next` (allocated: its whole output). */
static enum halo_status run_block(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p, int b,
                                  const struct halo_tensor *cur, struct halo_tensor *next,
                                  struct halo_plan_exec_stats *stats)
{
    const struct halo_plan_block *bl = &p->block[b];
    struct halo_shape os = g->nodes[bl->last - 1].out_shape;
    HALO_TRY(halo_tensor_alloc(next, os.c, halo_rect_full(os)));
    enum halo_status st = HALO_OK;
    for (int k = 0; k < bl->n_parts && st == HALO_OK; k++) {
        const struct halo_plan_part *pt = &bl->part[k];
        struct halo_tensor in = {0}, o = {0};
        /* the part sees only its input rect, as a device would */
        st = halo_tensor_alloc(&in, cur->c, pt->in);
        if (st == HALO_OK) {
            halo_tensor_copy_region(&in, cur, pt->in);
            st = halo_exec_rect(be, g, bl->first, bl->last, pt->out, bl->mode, &in, &o);
        }
        if (st == HALO_OK && bl->compress && part_travels(p, b, k)) st = code_part(&o, &p->codec, stats);
        if (st == HALO_OK) halo_tensor_copy_region(next, &o, pt->out);
        else halo_error_prefix("block %d part %d", b, k);
        halo_tensor_free(&in);
        halo_tensor_free(&o);
    }
    if (st != HALO_OK) halo_tensor_free(next);
    return st;
}

enum halo_status halo_exec_plan(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p,
                                const struct halo_tensor *image, struct halo_tensor *out,
                                struct halo_plan_exec_stats *stats)
{
    *out = (struct halo_tensor){0};
    for (int b = 0; b < p->n_blocks; b++)
        if (p->block[b].compress && !p->has_codec)
            return halo_error(HALO_ERR_INVALID, "plan: blocks[%d] compresses but the plan has no codec", b);
    struct halo_tensor cur = *image, next;
    cur.owned = false;
    enum halo_status st = HALO_OK;
    for (int b = 0; b < p->n_blocks && st == HALO_OK; b++) {
        st = run_block(be, g, p, b, &cur, &next, stats);
        halo_tensor_free(&cur);
        if (st == HALO_OK) cur = next;
    }
    if (st != HALO_OK) return st;
    if (p->tail.first < p->tail.last) {
        struct halo_rect full = halo_rect_full(g->nodes[p->tail.last - 1].out_shape);
        st = halo_exec_rect(be, g, p->tail.first, p->tail.last, full, HALO_TILE_EXACT, &cur, out);
        if (st != HALO_OK) halo_error_prefix("tail");
        halo_tensor_free(&cur);
        return st;
    }
    if (!cur.owned) { /* no block and no tail: cannot happen for a valid plan */
        return halo_error(HALO_ERR_INVALID, "plan: neither blocks nor a tail");
    }
    *out = cur;
    return HALO_OK;
}

enum halo_status halo_plan_codec_fit(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p,
                                     uint64_t seed, struct halo_codec *codec)
{
    int b = 0;
    while (b < p->n_blocks && !p->block[b].compress) b++;
    if (b == p->n_blocks || !p->has_codec) return halo_error(HALO_ERR_INVALID, "plan: no block compresses its output");
    int last = p->block[b].last;
    struct halo_tensor img = {0}, o = {0};
    enum halo_status st = halo_image_random(seed, g->input.h, g->input.w, &img);
    if (st == HALO_OK)
        st = halo_exec_rect(be, g, 0, last, halo_rect_full(g->nodes[last - 1].out_shape), HALO_TILE_EXACT, &img, &o);
    if (st == HALO_OK) {
        *codec = p->codec;
        codec->clip_hi = halo_codec_fit_hi(o.data, halo_tensor_numel(&o), &p->codec);
    }
    halo_tensor_free(&img);
    halo_tensor_free(&o);
    return st;
}

static int argmax(const float *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return (int)best;
}

enum halo_status halo_plan_deviation(struct halo_backend *be, const struct halo_graph *g, const struct halo_plan *p,
                                     int n, uint64_t seed, struct halo_deviation *d)
{
    *d = (struct halo_deviation){.seed = seed};
    enum halo_status st = HALO_OK;
    double sum_rel = 0;
    for (int i = 0; i < n && st == HALO_OK; i++) {
        struct halo_tensor img = {0}, ref = {0}, got = {0};
        st = halo_image_random(seed + (uint64_t)i, g->input.h, g->input.w, &img);
        if (st == HALO_OK) st = halo_exec_graph(be, g, &img, &ref, NULL);
        if (st == HALO_OK) st = halo_exec_plan(be, g, p, &img, &got, &d->stats);
        if (st == HALO_OK && halo_tensor_numel(&got) != halo_tensor_numel(&ref))
            st = halo_error(HALO_ERR_INVALID, "plan: output has %zu values, the model %zu", halo_tensor_numel(&got),
                            halo_tensor_numel(&ref));
        if (st == HALO_OK) {
            size_t m = halo_tensor_numel(&ref);
            double diff2 = 0, ref2 = 0;
            for (size_t j = 0; j < m; j++) {
                double e = (double)got.data[j] - ref.data[j];
                if (fabs(e) > d->max_abs || isnan(e)) d->max_abs = isnan(e) ? INFINITY : fabs(e);
                diff2 += e * e;
                ref2 += (double)ref.data[j] * ref.data[j];
            }
            double rel = ref2 > 0 ? sqrt(diff2 / ref2) : sqrt(diff2);
            if (!(rel <= d->rel_l2_max)) d->rel_l2_max = rel;
            sum_rel += rel;
            d->top1_agree += argmax(got.data, m) == argmax(ref.data, m);
            d->n++;
        }
        halo_tensor_free(&img);
        halo_tensor_free(&ref);
        halo_tensor_free(&got);
    }
    if (d->n) d->rel_l2_mean = sum_rel / d->n;
    if (d->stats.raw_bytes > 0) d->codec_ratio = (double)d->stats.coded_bytes / (double)d->stats.raw_bytes;
    return st;
}
