#include "partition/schedule.h"
#include "core/alloc.h"
#include "partition/plan.h"

#include <stdlib.h>
#include <string.h>

void halo_sched_free(struct halo_sched *s)
{
    if (!s) return;
    free(s->step);
    free(s->block_step0);
    free(s->msg);
    free(s->wake0);
    free(s->wake);
    free(s->n_gathers);
    free(s->next_on_dev);
    free(s->first_on_dev);
    memset(s, 0, sizeof *s);
}

/* When device d holds rect r of block b's input tensor — the same rule as the plan's simulation:
 * its own part of block b-1 whose output contains r (the first such), else the source's gathered
 * copy, or the image at the start. */
static void held_when(const struct halo_plan *p, const struct halo_sched *s, int b, int d, struct halo_rect r,
                      int *ready_step, int *ready_gather)
{
    *ready_step = *ready_gather = -1;
    if (b == 0) return;
    const struct halo_plan_block *pb = &p->block[b - 1];
    for (int k = 0; k < pb->n_parts; k++)
        if (pb->part[k].device == d && halo_rect_contains(pb->part[k].out, r)) {
            *ready_step = halo_sched_step_of(s, b - 1, k);
            return;
        }
    *ready_gather = b - 1;
}

static int64_t tensor_bytes(const struct halo_plan *p, int producer, int c, struct halo_rect r, bool compressed)
{
    return halo_plan_rect_bytes(p, producer, c, r, compressed);
}

/* The wake lists (who waits for what) and each device's step order, from the messages. */
static enum halo_status build_waits(struct halo_sched *s)
{
    int ns = s->n_step, nm = s->n_msg, nb = s->n_blocks, nsrc = ns + nb + 1;
    s->wake0 = halo_calloc((size_t)nsrc + 1, sizeof *s->wake0);
    s->wake = halo_malloc((size_t)nm + 1, sizeof *s->wake);
    s->n_gathers = halo_calloc((size_t)nb + 1, sizeof *s->n_gathers);
    s->next_on_dev = halo_malloc((size_t)ns + 1, sizeof *s->next_on_dev);
    s->first_on_dev = halo_malloc((size_t)ns + 1, 1);
    int *src = halo_malloc((size_t)nm + 1, sizeof *src);
    enum halo_status st = s->wake0 && s->wake && s->n_gathers && s->next_on_dev && s->first_on_dev && src
                              ? HALO_OK
                              : HALO_ERR_NOMEM;
    for (int m = 0; st == HALO_OK && m < nm; m++) {
        const struct halo_sched_msg *mm = &s->msg[m];
        if (mm->kind == HALO_SCHED_GATHER) s->n_gathers[mm->block]++;
        src[m] = mm->ready_step >= 0 ? mm->ready_step
                 : mm->ready_gather >= 0 ? ns + mm->ready_gather
                 : mm->kind == HALO_SCHED_RESULT ? -1 /* no tail: after the last block's steps */
                                                 : ns + nb;
        if (src[m] >= 0) s->wake0[src[m] + 1]++;
    }
    if (st == HALO_OK) {
        for (int i = 0; i < nsrc; i++) s->wake0[i + 1] += s->wake0[i];
        int *fill = halo_malloc((size_t)nsrc + 1, sizeof *fill);
        if (!fill) st = HALO_ERR_NOMEM;
        if (fill) {
            memcpy(fill, s->wake0, (size_t)nsrc * sizeof *fill);
            for (int m = 0; m < nm; m++)
                if (src[m] >= 0) s->wake[fill[src[m]]++] = m;
            free(fill);
        }
    }
    if (st == HALO_OK && s->msg[nm - 1].ready_step < 0) s->last_steps = nb ? s->block_step0[nb] - s->block_step0[nb - 1] : 0;
    for (int k = ns - 1; st == HALO_OK && k >= 0; k--) {
        s->next_on_dev[k] = -1;
        s->first_on_dev[k] = 1;
        for (int j = k + 1; j < ns; j++)
            if (s->step[j].device == s->step[k].device) {
                s->next_on_dev[k] = j;
                break;
            }
    }
    for (int k = 0; st == HALO_OK && k < ns; k++)
        if (s->next_on_dev[k] >= 0) s->first_on_dev[s->next_on_dev[k]] = 0;
    free(src);
    return st;
}

enum halo_status halo_sched_build(const struct halo_plan *p, const struct halo_graph *g, struct halo_sched *s)
{
    memset(s, 0, sizeof *s);
    if (p->tail.first >= p->tail.last)
        return halo_error(HALO_ERR_UNSUPPORTED, "plan: tail: empty (the last block ends the network); the runtime "
                                                "needs a tail that produces the logits");
    return halo_sched_build_any(p, g, s);
}

enum halo_status halo_sched_build_any(const struct halo_plan *p, const struct halo_graph *g, struct halo_sched *s)
{
    memset(s, 0, sizeof *s);
    int nb = p->n_blocks;
    bool has_tail = p->tail.first < p->tail.last;
    s->n_blocks = nb;
    s->block_step0 = halo_malloc((size_t)nb + 2, sizeof *s->block_step0);
    if (!s->block_step0) return HALO_ERR_NOMEM;
    int n_step = 0, n_msg = 0;
    for (int b = 0; b < nb; b++) {
        s->block_step0[b] = n_step;
        n_step += p->block[b].n_parts;
        for (int k = 0; k < p->block[b].n_parts; k++) n_msg += p->block[b].part[k].n_src;
        if (p->block[b].gather) n_msg += p->block[b].n_parts;
    }
    s->block_step0[nb] = n_step;
    n_step += has_tail;
    s->block_step0[nb + 1] = n_step;
    n_msg += (has_tail ? p->tail.n_src : 0) + 1;
    s->step = halo_malloc((size_t)(n_step ? n_step : 1), sizeof *s->step);
    s->msg = halo_malloc((size_t)n_msg, sizeof *s->msg);
    if (!s->step || !s->msg) {
        halo_sched_free(s);
        return HALO_ERR_NOMEM;
    }
    s->n_step = n_step;
    int m = 0;
    for (int b = 0; b <= nb; b++) {
        bool tail = b == nb;
        int n_parts = tail ? has_tail : p->block[b].n_parts;
        int producer = b == 0 ? HALO_INPUT : p->block[b - 1].last - 1;
        int c_in = halo_graph_tensor_shape(g, producer).c;
        bool comp_in = b > 0 && p->block[b - 1].compress;
        for (int k = 0; k < n_parts; k++) {
            struct halo_sched_step *st = &s->step[halo_sched_step_of(s, b, k)];
            const struct halo_plan_src *src;
            int n_src;
            if (tail) {
                *st = (struct halo_sched_step){b, 0, p->tail.device, p->tail.first, p->tail.last, HALO_TILE_EXACT,
                                               halo_rect_full(g->nodes[g->n_nodes - 1].out_shape), p->tail.in,
                                               producer, c_in, m, 0};
                src = p->tail.src;
                n_src = p->tail.n_src;
            } else {
                const struct halo_plan_block *bl = &p->block[b];
                const struct halo_plan_part *pt = &bl->part[k];
                *st = (struct halo_sched_step){b, k, pt->device, bl->first, bl->last, bl->mode, pt->out, pt->in,
                                               producer, c_in, m, 0};
                src = pt->src;
                n_src = pt->n_src;
            }
            for (int j = 0; j < n_src; j++) {
                struct halo_sched_msg *mm = &s->msg[m++];
                /* the source forwards what it holds raw: only ES-held pieces travel compressed */
                bool comp = comp_in && src[j].device != 0;
                *mm = (struct halo_sched_msg){.kind = HALO_SCHED_INPUT, .block = b, .part = k, .piece = j,
                                              .from = src[j].device, .to = st->device,
                                              .step = halo_sched_step_of(s, b, k), .ready_step = -1,
                                              .ready_gather = -1, .bytes = tensor_bytes(p, producer, c_in, src[j].rect, comp),
                                              .producer = producer, .c = c_in, .rect = src[j].rect,
                                              .compressed = comp};
                held_when(p, s, b, src[j].device, src[j].rect, &mm->ready_step, &mm->ready_gather);
                st->n_msg++;
            }
        }
        if (!tail && p->block[b].gather) {
            const struct halo_plan_block *bl = &p->block[b];
            int c_out = g->nodes[bl->last - 1].out_shape.c;
            for (int k = 0; k < bl->n_parts; k++)
                s->msg[m++] = (struct halo_sched_msg){.kind = HALO_SCHED_GATHER, .block = b, .part = k,
                                                      .from = bl->part[k].device, .to = 0, .step = -1,
                                                      .ready_step = halo_sched_step_of(s, b, k), .ready_gather = -1,
                                                      .bytes = tensor_bytes(p, bl->last - 1, c_out, bl->part[k].out, bl->compress),
                                                      .producer = bl->last - 1, .c = c_out, .rect = bl->part[k].out,
                                                      .compressed = bl->compress};
        }
    }
    /* without a tail the result is ready once the last block has ended (see ready_gather) */
    struct halo_shape o = g->nodes[g->n_nodes - 1].out_shape;
    s->msg[m++] = (struct halo_sched_msg){.kind = HALO_SCHED_RESULT, .block = nb, .from = p->tail.device, .to = 0,
                                          .step = -1, .ready_step = has_tail ? halo_sched_step_of(s, nb, 0) : -1,
                                          .ready_gather = -1, .bytes = halo_wire_bytes(g->n_nodes - 1, o.c, (int64_t)o.h * o.w),
                                          .producer = g->n_nodes - 1, .c = o.c, .rect = halo_rect_full(o)};
    HALO_ASSERT(m == n_msg);
    s->n_msg = n_msg;
    for (int i = 0; i < n_msg; i++) s->n_wire += s->msg[i].from != s->msg[i].to;
    enum halo_status st = build_waits(s);
    if (st != HALO_OK) halo_sched_free(s);
    return st;
}
