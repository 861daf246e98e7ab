/* cpu backend: running the cached primitives — the activation buffer pool, an entry's execution
 * (input reorders, the destination, in place over a sum's identity), and output copies. */
#include "core/alloc.h"
#include "exec/backend_cpu_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---- execution ------------------------------------------------------------------------------- */

int cpu_block_get(struct cpu_ctx *c, size_t bytes)
{
    int best = -1;
    for (int i = 0; i < c->n_blocks; i++)
        if (!c->blocks[i].used && c->blocks[i].size >= bytes && (best < 0 || c->blocks[i].size < c->blocks[best].size))
            best = i;
    if (best < 0) {
        if (halo_grow((void **)&c->blocks, &c->cap_blocks, (size_t)c->n_blocks + 1, sizeof *c->blocks)) return -1;
        void *p = halo_aligned_alloc(bytes ? bytes : 64);
        if (!p) return -1;
        c->blocks[c->n_blocks] = (struct cpu_block){p, bytes, false};
        best = c->n_blocks++;
    }
    c->blocks[best].used = true;
    return best;
}

void cpu_block_put(struct cpu_ctx *c, int block)
{
    if (block >= 0) c->blocks[block].used = false;
}

static enum halo_status exec2(struct cpu_ctx *c, dnnl_primitive_t p, dnnl_memory_t src, dnnl_memory_t dst)
{
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    CPU_CHECK(dnnl_primitive_execute(p, c->stream, 2, args));
    return HALO_OK;
}

/* PyTorch's bins over a plain NCHW crop `x` of rows/cols starting at (y0, x0). */
static void adaptive_c(const struct halo_node *nd, const float *x, struct halo_rect xr, float *y, struct halo_rect out)
{
    int H = nd->in_shape[0].h, W = nd->in_shape[0].w, oh = nd->out_h, ow = nd->out_w;
    int xh = halo_rect_h(xr), xw = halo_rect_w(xr), yh = halo_rect_h(out), yw = halo_rect_w(out);
    for (int ch = 0; ch < nd->out_shape.c; ch++)
        for (int i = 0; i < yh; i++)
            for (int j = 0; j < yw; j++) {
                int oy = out.y0 + i, ox = out.x0 + j;
                int ya = (int)((int64_t)oy * H / oh), yb = (int)(((int64_t)(oy + 1) * H + oh - 1) / oh);
                int xa = (int)((int64_t)ox * W / ow), xbd = (int)(((int64_t)(ox + 1) * W + ow - 1) / ow);
                double s = 0;
                for (int yy = ya; yy < yb; yy++)
                    for (int xx = xa; xx < xbd; xx++) s += x[((size_t)ch * xh + yy - xr.y0) * xw + xx - xr.x0];
                y[((size_t)ch * yh + i) * yw + j] = (float)(s / ((yb - ya) * (xbd - xa)));
            }
}

/* Destination of an entry: the identity's own buffer when this is its last read and the layouts
 * agree (in place), else a new block, with the identity copied in for a sum post-op. */
static enum halo_status prepare_dst(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_io *io, int *block)
{
    size_t bytes = dnnl_memory_desc_get_size(&e->dst_md);
    if (e->sum_in >= 0) {
        struct cpu_value *id = io->in[e->sum_in];
        if (id->block >= 0 && !id->readonly && id->refs == 1 && halo_rect_eq(io->read[e->sum_in], id->rect) &&
            cpu_md_eq(&id->md, &e->dst_md)) {
            *block = id->block;
            id->block = -1; /* taken over */
            return HALO_OK;
        }
    }
    if ((*block = cpu_block_get(c, bytes)) < 0) return halo_error(HALO_ERR_NOMEM, "cpu backend: out of memory");
    if (e->sum_in < 0) return HALO_OK;
    struct cpu_input *in = &e->in[e->sum_in];
    if (!in->reorder) HALO_TRY(cpu_make_reorder(c, &in->view, &in->target, &in->reorder));
    CPU_CHECK(dnnl_memory_set_data_handle(in->mview, io->in[e->sum_in]->data));
    CPU_CHECK(dnnl_memory_set_data_handle(e->mdst, c->blocks[*block].p));
    return exec2(c, in->reorder, in->mview, e->mdst);
}

enum halo_status cpu_entry_run(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_io *io, struct cpu_value *dst)
{
    int tmp[2] = {-1, -1}, block = -1;
    enum halo_status st = HALO_OK;
    for (int k = 0; k < e->n_in && st == HALO_OK; k++) {
        if (k == e->sum_in) continue;
        struct cpu_input *in = &e->in[k];
        CPU_CHECK_GOTO(st, dnnl_memory_set_data_handle(in->mview, io->in[k]->data), done);
        if (!in->reorder) continue;
        if ((tmp[k] = cpu_block_get(c, dnnl_memory_desc_get_size(&in->target))) < 0) {
            st = halo_error(HALO_ERR_NOMEM, "cpu backend: out of memory");
            goto done;
        }
        CPU_CHECK_GOTO(st, dnnl_memory_set_data_handle(in->mtarget, c->blocks[tmp[k]].p), done);
        st = exec2(c, in->reorder, in->mview, in->mtarget);
    }
    if (st == HALO_OK) st = prepare_dst(c, e, io, &block);
    if (st != HALO_OK) goto done;
    if (e->kind == CPU_ADAPTIVE) {
        const float *x = tmp[0] >= 0 ? c->blocks[tmp[0]].p : io->in[0]->data;
        adaptive_c(&c->g->nodes[e->last], x, io->read[0], c->blocks[block].p, io->out);
    } else {
        CPU_CHECK_GOTO(st, dnnl_memory_set_data_handle(e->mdst, c->blocks[block].p), done);
        CPU_CHECK_GOTO(st, dnnl_primitive_execute(e->prim, c->stream, e->n_args, e->args), done);
    }
    dst->md = e->dst_md;
    dst->data = c->blocks[block].p;
    dst->rect = io->out;
    dst->block = block;
    dst->readonly = false;
    dst->flat = io->in[0]->flat && e->kind != CPU_LINEAR;
    block = -1;
done:
    cpu_block_put(c, tmp[0]);
    cpu_block_put(c, tmp[1]);
    cpu_block_put(c, block);
    return st;
}

static enum halo_status outcopy_new(struct cpu_ctx *c, const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *dst,
                                    struct cpu_outcopy *o)
{
    *o = (struct cpu_outcopy){.src = *src, .dst = *dst};
    HALO_TRY(cpu_make_reorder(c, src, dst, &o->prim));
    enum halo_status st = HALO_OK;
    CPU_CHECK_GOTO(st, dnnl_memory_create(&o->msrc, src, c->engine, DNNL_MEMORY_NONE), fail);
    CPU_CHECK_GOTO(st, dnnl_memory_create(&o->mdst, dst, c->engine, DNNL_MEMORY_NONE), fail);
    return HALO_OK;
fail:
    dnnl_primitive_destroy(o->prim);
    if (o->msrc) dnnl_memory_destroy(o->msrc);
    return st;
}

enum halo_status cpu_copy_out(struct cpu_ctx *c, const struct cpu_value *v, struct halo_tensor *out)
{
    dnnl_memory_desc_t src, dst;
    if (v->flat || v->md.ndims != 4) {
        src = v->md;
        CPU_CHECK(dnnl_memory_desc_init_by_tag(&dst, v->md.ndims, v->md.dims, dnnl_f32,
                                               v->md.ndims == 4 ? dnnl_nchw : dnnl_ab));
    } else {
        HALO_TRY(cpu_md_view(&src, v, out->rect));
        HALO_TRY(cpu_md4(&dst, out->c, halo_rect_h(out->rect), halo_rect_w(out->rect), dnnl_nchw));
    }
    if ((size_t)dnnl_memory_desc_get_size(&dst) != halo_tensor_numel(out) * sizeof(float))
        return halo_error(HALO_ERR_INTERNAL, "cpu backend: output of %zu bytes for a tensor of %zu",
                          (size_t)dnnl_memory_desc_get_size(&dst), halo_tensor_numel(out) * sizeof(float));
    struct cpu_outcopy *o = NULL;
    for (int i = 0; i < c->n_outs && !o; i++)
        if (cpu_md_eq(&c->outs[i].src, &src) && cpu_md_eq(&c->outs[i].dst, &dst)) o = &c->outs[i];
    if (!o) {
        if (halo_grow((void **)&c->outs, &c->cap_outs, (size_t)c->n_outs + 1, sizeof *c->outs)) return HALO_ERR_NOMEM;
        HALO_TRY(outcopy_new(c, &src, &dst, &c->outs[c->n_outs]));
        o = &c->outs[c->n_outs++];
    }
    CPU_CHECK(dnnl_memory_set_data_handle(o->msrc, v->data));
    CPU_CHECK(dnnl_memory_set_data_handle(o->mdst, out->data));
    return exec2(c, o->prim, o->msrc, o->mdst);
}
