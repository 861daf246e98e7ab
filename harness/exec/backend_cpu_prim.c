/* cpu backend, the lowest of its files: oneDNN primitives per fusion group and tile shape (created
 * once, cached), weights reordered once per layout a primitive chose, and the oneDNN checks. */
#include "core/alloc.h"
#include "exec/backend_cpu_impl.h"

#include <dnnl_debug.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- checked calls ----------------------------------------------------------------------------- */

enum halo_status cpu_dnnl_error(dnnl_status_t s, const char *call, const char *file, int line)
{
    return halo_error(HALO_ERR_BACKEND, "oneDNN: %s failed: %s (%s:%d)", call, dnnl_status2str(s), file, line);
}

/* ---- memory descriptors and reorders --------------------------------------------------------- */

bool cpu_md_eq(const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b) { return dnnl_memory_desc_equal(a, b) != 0; }

static bool rect_same_size(struct halo_rect a, struct halo_rect b)
{
    return halo_rect_h(a) == halo_rect_h(b) && halo_rect_w(a) == halo_rect_w(b);
}

static struct halo_rect rect_rel(struct halo_rect r, struct halo_rect origin)
{
    return (struct halo_rect){r.y0 - origin.y0, r.y1 - origin.y0, r.x0 - origin.x0, r.x1 - origin.x0};
}

/* The plain tag of a value's layout among those oneDNN picks for activations (nchw otherwise),
 * so a crop keeps the layout its consumer already reads. */
static dnnl_format_tag_t tag_of(const dnnl_memory_desc_t *md)
{
    static const dnnl_format_tag_t tags4[] = {dnnl_nchw, dnnl_nhwc, dnnl_nChw16c, dnnl_nChw8c, dnnl_nChw4c};
    static const dnnl_format_tag_t tags2[] = {dnnl_ab, dnnl_ba};
    const dnnl_format_tag_t *tags = md->ndims == 4 ? tags4 : tags2;
    int n = md->ndims == 4 ? 5 : 2;
    for (int i = 0; i < n; i++) {
        dnnl_memory_desc_t t;
        if (dnnl_memory_desc_init_by_tag(&t, md->ndims, md->dims, dnnl_f32, tags[i]) == dnnl_success &&
            cpu_md_eq(&t, md))
            return tags[i];
    }
    return md->ndims == 4 ? dnnl_nchw : dnnl_ab;
}

enum halo_status cpu_md4(dnnl_memory_desc_t *md, int64_t c, int64_t h, int64_t w, dnnl_format_tag_t tag)
{
    dnnl_dims_t d = {1, c, h, w};
    CPU_CHECK(dnnl_memory_desc_init_by_tag(md, 4, d, dnnl_f32, tag));
    return HALO_OK;
}

/* The part `r` of value v's buffer, in v's layout. */
enum halo_status cpu_md_view(dnnl_memory_desc_t *md, const struct cpu_value *v, struct halo_rect r)
{
    if (v->md.ndims != 4 || halo_rect_eq(r, v->rect)) {
        *md = v->md;
        return HALO_OK;
    }
    dnnl_dims_t dims = {1, v->md.dims[1], halo_rect_h(r), halo_rect_w(r)};
    dnnl_dims_t offs = {0, 0, r.y0 - v->rect.y0, r.x0 - v->rect.x0};
    CPU_CHECK(dnnl_memory_desc_init_submemory(md, &v->md, dims, offs));
    return HALO_OK;
}

enum halo_status cpu_make_reorder(struct cpu_ctx *c, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                  dnnl_primitive_t *out)
{
    dnnl_primitive_desc_t pd;
    CPU_CHECK(dnnl_reorder_primitive_desc_create(&pd, from, c->engine, to, c->engine, NULL));
    dnnl_status_t s = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    CPU_CHECK(s);
    return HALO_OK;
}

/* ---- weights ------------------------------------------------------------------------------------ */

/* BN folded into the conv: w' = w * gamma / sqrt(var + eps), b' = (b - mean) * that + beta
 * (computed in double, rounded once). */
static enum halo_status fold_bn(struct cpu_ctx *c, int conv, int bn)
{
    struct cpu_node *n = &c->node[conv];
    if (n->folded == bn) return HALO_OK;
    const struct halo_node *cn = &c->g->nodes[conv], *bnn = &c->g->nodes[bn];
    const struct cpu_node *b = &c->node[bn];
    int64_t sz[4];
    halo_weights_sizes(cn, sz);
    int64_t per = sz[0] / cn->cout;
    free(n->fw);
    free(n->fb);
    n->fw = halo_malloc((size_t)sz[0], sizeof(float));
    n->fb = halo_malloc((size_t)cn->cout, sizeof(float));
    if (!n->fw || !n->fb) return HALO_ERR_NOMEM;
    for (int oc = 0; oc < cn->cout; oc++) {
        double s = b->bn_ss[oc] / sqrt((double)b->bn_var[oc] + bnn->eps);
        for (int64_t e = 0; e < per; e++) n->fw[oc * per + e] = (float)(n->w[oc * per + e] * s);
        double bias = n->b ? n->b[oc] : 0.0;
        n->fb[oc] = (float)((bias - b->bn_mean[oc]) * s + b->bn_ss[cn->cout + oc]);
    }
    /* layouts made from an older fold are stale */
    for (int i = 0; i < n->n_wm; i++)
        if (n->wm[i].variant == 1) {
            dnnl_memory_destroy(n->wm[i].mem);
            n->wm[i--] = n->wm[--n->n_wm];
        }
    if (n->bias_mem[1]) dnnl_memory_destroy(n->bias_mem[1]);
    n->bias_mem[1] = NULL;
    n->folded = bn;
    return HALO_OK;
}

/* Executes a one-off reorder src -> dst and waits. */
static enum halo_status reorder_now(struct cpu_ctx *c, dnnl_memory_t src, dnnl_memory_t dst)
{
    const dnnl_memory_desc_t *smd, *dmd;
    CPU_CHECK(dnnl_memory_get_memory_desc(src, &smd));
    CPU_CHECK(dnnl_memory_get_memory_desc(dst, &dmd));
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t p = NULL;
    enum halo_status st = HALO_OK;
    CPU_CHECK_GOTO(st, dnnl_reorder_primitive_desc_create(&pd, smd, c->engine, dmd, c->engine, NULL), done);
    CPU_CHECK_GOTO(st, dnnl_primitive_create(&p, pd), done);
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    CPU_CHECK_GOTO(st, dnnl_primitive_execute(p, c->stream, 2, args), done);
    CPU_CHECK_GOTO(st, dnnl_stream_wait(c->stream), done);
done:
    if (p) dnnl_primitive_destroy(p);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return st;
}

/* The weights of `node` (variant 1: with its BN folded) in layout `want`, reordered from the
 * plain layout `user` on first use. */
static enum halo_status weights_mem(struct cpu_ctx *c, int node, int variant, const dnnl_memory_desc_t *want,
                                    const dnnl_memory_desc_t *user, dnnl_memory_t *out)
{
    struct cpu_node *n = &c->node[node];
    for (int i = 0; i < n->n_wm; i++)
        if (n->wm[i].variant == variant && cpu_md_eq(&n->wm[i].md, want)) {
            *out = n->wm[i].mem;
            return HALO_OK;
        }
    if (halo_grow((void **)&n->wm, &n->cap_wm, (size_t)n->n_wm + 1, sizeof *n->wm)) return HALO_ERR_NOMEM;
    dnnl_memory_t src = NULL, dst = NULL;
    enum halo_status st = HALO_OK;
    CPU_CHECK_GOTO(st, dnnl_memory_create(&src, user, c->engine, variant ? n->fw : n->w), fail);
    CPU_CHECK_GOTO(st, dnnl_memory_create(&dst, want, c->engine, DNNL_MEMORY_ALLOCATE), fail);
    if ((st = reorder_now(c, src, dst)) != HALO_OK) goto fail;
    dnnl_memory_destroy(src);
    n->wm[n->n_wm++] = (struct cpu_wmem){variant, *want, dst};
    *out = dst;
    return HALO_OK;
fail:
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    return st;
}

/* Bias of `node` (variant 1: folded); *out NULL when the node has none. */
static enum halo_status bias_mem(struct cpu_ctx *c, int node, int variant, dnnl_memory_t *out)
{
    struct cpu_node *n = &c->node[node];
    float *b = variant ? n->fb : n->b;
    *out = NULL;
    if (!b) return HALO_OK;
    if (!n->bias_mem[variant]) {
        dnnl_memory_desc_t md;
        dnnl_dims_t d = {c->g->nodes[node].cout};
        CPU_CHECK(dnnl_memory_desc_init_by_tag(&md, 1, d, dnnl_f32, dnnl_a));
        CPU_CHECK(dnnl_memory_create(&n->bias_mem[variant], &md, c->engine, b));
    }
    *out = n->bias_mem[variant];
    return HALO_OK;
}

/* ---- entries --------------------------------------------------------------------------------- */

void cpu_entry_free(struct cpu_entry *e)
{
    if (!e) return;
    for (int k = 0; k < 2; k++) {
        if (e->in[k].reorder) dnnl_primitive_destroy(e->in[k].reorder);
        if (e->in[k].mview) dnnl_memory_destroy(e->in[k].mview);
        if (e->in[k].mtarget) dnnl_memory_destroy(e->in[k].mtarget);
    }
    if (e->prim) dnnl_primitive_destroy(e->prim);
    if (e->pd) dnnl_primitive_desc_destroy(e->pd);
    if (e->mdst) dnnl_memory_destroy(e->mdst);
    free(e->impl);
    free(e);
}

/* Sets input k to read `view` through `target` (a reorder when they differ) and creates its
 * memory objects. */
static enum halo_status input_setup(struct cpu_ctx *c, struct cpu_entry *e, int k, const dnnl_memory_desc_t *view,
                                    const dnnl_memory_desc_t *target)
{
    struct cpu_input *in = &e->in[k];
    in->view = *view;
    in->target = *target;
    CPU_CHECK(dnnl_memory_create(&in->mview, view, c->engine, DNNL_MEMORY_NONE));
    if (cpu_md_eq(view, target)) return HALO_OK;
    HALO_TRY(cpu_make_reorder(c, view, target, &in->reorder));
    CPU_CHECK(dnnl_memory_create(&in->mtarget, target, c->engine, DNNL_MEMORY_NONE));
    return HALO_OK;
}

static dnnl_memory_t input_mem(const struct cpu_entry *e, int k)
{
    return e->in[k].reorder ? e->in[k].mtarget : e->in[k].mview;
}

/* Input k of a layout-agnostic op (pool, BN, eltwise, add) reading rect r: the producer's buffer
 * itself when r is all of it, else a dense crop in the same layout (or `tag` when given). */
static enum halo_status input_same_layout(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_io *io, int k,
                                          struct halo_rect r, dnnl_format_tag_t tag)
{
    const struct cpu_value *v = io->in[k];
    dnnl_memory_desc_t view, target;
    HALO_TRY(cpu_md_view(&view, v, r));
    if (v->md.ndims != 4) {
        target = v->md;
    } else {
        if (tag == dnnl_format_tag_undef) tag = halo_rect_eq(r, v->rect) ? dnnl_format_tag_undef : tag_of(&v->md);
        if (tag == dnnl_format_tag_undef) target = v->md;
        else HALO_TRY(cpu_md4(&target, v->md.dims[1], halo_rect_h(r), halo_rect_w(r), tag));
    }
    return input_setup(c, e, k, &view, &target);
}

static enum halo_status make_attr(dnnl_primitive_attr_t *attr, const struct cpu_group *gr)
{
    dnnl_post_ops_t po = NULL;
    CPU_CHECK(dnnl_primitive_attr_create(attr));
    /* strict f32: no implicit down-conversion to bf16 (AMX) whatever ONEDNN_DEFAULT_FPMATH_MODE says */
    CPU_CHECK(dnnl_primitive_attr_set_fpmath_mode(*attr, dnnl_fpmath_mode_strict));
    if (gr->n_post == 0) return HALO_OK;
    CPU_CHECK(dnnl_post_ops_create(&po));
    enum halo_status st = HALO_OK;
    for (int i = 0; i < gr->n_post; i++) {
        switch (gr->post[i]) {
        case CPU_POST_RELU: CPU_CHECK_GOTO(st, dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f), done); break;
        case CPU_POST_RELU6: CPU_CHECK_GOTO(st, dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 6.0f), done); break;
        case CPU_POST_SUM: CPU_CHECK_GOTO(st, dnnl_post_ops_append_sum(po, 1.0f), done); break;
        }
    }
    CPU_CHECK_GOTO(st, dnnl_primitive_attr_set_post_ops(*attr, po), done);
done:
    dnnl_post_ops_destroy(po);
    return st;
}

/* Creates e->pd from an op descriptor with the group's attributes. */
static enum halo_status make_pd(struct cpu_ctx *c, struct cpu_entry *e, const void *op_desc,
                                const struct cpu_group *gr, dnnl_status_t *why)
{
    dnnl_primitive_attr_t attr = NULL;
    enum halo_status st = make_attr(&attr, gr);
    if (st == HALO_OK) {
        *why = dnnl_primitive_desc_create(&e->pd, op_desc, attr, c->engine, NULL);
        if (*why != dnnl_success) {
            e->pd = NULL;
            st = cpu_dnnl_error(*why, "dnnl_primitive_desc_create(&e->pd, op_desc, attr, c->engine, NULL)", __FILE__,
                                __LINE__);
        }
    }
    if (attr) dnnl_primitive_attr_destroy(attr);
    return st;
}

static void add_arg(struct cpu_entry *e, int arg, dnnl_memory_t m)
{
    e->args[e->n_args++] = (dnnl_exec_arg_t){arg, m};
}

/* What a window op (conv, pool) reads of value v to cover `r` with zeros `p` beyond: the whole
 * buffer when `r` starts at its origin, so no crop is needed: extra rows and columns at the far
 * end become negative right padding, which oneDNN accepts down to -(stride - 1). Else `r`. */
static void window_source(const struct cpu_value *v, struct halo_rect r, struct halo_pad p, const struct halo_window *w,
                          struct halo_rect *src, dnnl_dims_t pl, dnnl_dims_t pr)
{
    int xb = v->rect.y1 - r.y1, xr = v->rect.x1 - r.x1;
    bool whole = r.y0 == v->rect.y0 && r.x0 == v->rect.x0 && p.bottom - xb > -w->sh && p.right - xr > -w->sw;
    *src = whole ? v->rect : r;
    pl[0] = p.top;
    pl[1] = p.left;
    pr[0] = whole ? p.bottom - xb : p.bottom;
    pr[1] = whole ? p.right - xr : p.right;
}

static enum halo_status create_conv(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                    const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    const struct halo_window *w = &nd->win;
    const struct cpu_value *v = io->in[0];
    if (v->md.ndims != 4 || v->flat)
        return halo_error(HALO_ERR_UNSUPPORTED, "cpu backend: %s: conv after flatten or linear", nd->name);
    struct halo_rect src;
    dnnl_dims_t pl, pr;
    window_source(v, io->read[0], io->pad[0], w, &src, pl, pr);
    dnnl_dims_t strides = {w->sh, w->sw}, dil = {w->dh - 1, w->dw - 1};
    int G = nd->groups, variant = gr->fold_bn >= 0;
    if (variant) HALO_TRY(fold_bn(c, gr->main, gr->fold_bn));
    dnnl_memory_desc_t src_md, dst_md, w_any, w_user, b_md, view;
    HALO_TRY(cpu_md4(&src_md, nd->cin, halo_rect_h(src), halo_rect_w(src), dnnl_format_tag_any));
    HALO_TRY(cpu_md4(&dst_md, nd->cout, halo_rect_h(io->out), halo_rect_w(io->out), dnnl_format_tag_any));
    dnnl_dims_t wd1 = {nd->cout, nd->cin, w->kh, w->kw}, wdg = {G, nd->cout / G, nd->cin / G, w->kh, w->kw};
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&w_any, G > 1 ? 5 : 4, G > 1 ? wdg : wd1, dnnl_f32, dnnl_format_tag_any));
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&w_user, G > 1 ? 5 : 4, G > 1 ? wdg : wd1, dnnl_f32,
                                           G > 1 ? dnnl_goihw : dnnl_oihw));
    dnnl_dims_t bd = {nd->cout};
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_a));
    bool bias = variant || nd->bias;
    dnnl_convolution_desc_t d;
    /* direct, never Winograd: results then match the direct-sum FLOP count and its accuracy */
    CPU_CHECK(dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_direct, &src_md,
                                                         &w_any, bias ? &b_md : NULL, &dst_md, strides, dil, pl, pr));
    dnnl_status_t why;
    HALO_TRY(make_pd(c, e, &d, gr, &why));
    const dnnl_memory_desc_t *s_md = dnnl_primitive_desc_query_md(e->pd, dnnl_query_src_md, 0);
    HALO_TRY(cpu_md_view(&view, v, src));
    HALO_TRY(input_setup(c, e, 0, &view, s_md));
    dnnl_memory_t wm, bm;
    HALO_TRY(weights_mem(c, gr->main, variant, dnnl_primitive_desc_query_md(e->pd, dnnl_query_weights_md, 0), &w_user, &wm));
    HALO_TRY(bias_mem(c, gr->main, variant, &bm));
    add_arg(e, DNNL_ARG_SRC, input_mem(e, 0));
    add_arg(e, DNNL_ARG_WEIGHTS, wm);
    if (bm) add_arg(e, DNNL_ARG_BIAS, bm);
    if (gr->sum_node >= 0) {
        /* identity: copied into the destination before the conv accumulates onto it, unless
         * it can be taken over in place (cpu_entry_run); the reorder is made on first need */
        e->sum_in = 1;
        HALO_TRY(cpu_md_view(&view, io->in[1], io->read[1]));
        e->in[1].view = view;
        e->in[1].target = *dnnl_primitive_desc_query_md(e->pd, dnnl_query_dst_md, 0);
        CPU_CHECK(dnnl_memory_create(&e->in[1].mview, &view, c->engine, DNNL_MEMORY_NONE));
    }
    return HALO_OK;
}

/* Window of a pool node; adaptive average pooling with uniform bins is a pool of size H/oh. */
static struct halo_window pool_window(const struct halo_node *nd, dnnl_alg_kind_t *alg)
{
    if (nd->op == HALO_OP_ADAPTIVE_AVGPOOL) {
        int kh = nd->in_shape[0].h / nd->out_h, kw = nd->in_shape[0].w / nd->out_w;
        *alg = dnnl_pooling_avg_exclude_padding;
        return (struct halo_window){kh, kw, kh, kw, 0, 0, 1, 1, 0, 0};
    }
    *alg = nd->op == HALO_OP_MAXPOOL ? dnnl_pooling_max
           : nd->count_include_pad   ? dnnl_pooling_avg_include_padding
                                     : dnnl_pooling_avg_exclude_padding;
    return nd->win;
}

static enum halo_status create_pool(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                    const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    dnnl_alg_kind_t alg;
    struct halo_window w = pool_window(nd, &alg);
    struct halo_rect src;
    dnnl_dims_t pl, pr;
    window_source(io->in[0], io->read[0], io->pad[0], &w, &src, pl, pr);
    HALO_TRY(input_same_layout(c, e, io, 0, src, dnnl_format_tag_undef));
    dnnl_memory_desc_t dst_md;
    HALO_TRY(cpu_md4(&dst_md, nd->out_shape.c, halo_rect_h(io->out), halo_rect_w(io->out), dnnl_format_tag_any));
    dnnl_dims_t strides = {w.sh, w.sw}, kernel = {w.kh, w.kw}, dil = {w.dh - 1, w.dw - 1};
    dnnl_pooling_v2_desc_t d;
    CPU_CHECK(dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_inference, alg, &e->in[0].target, &dst_md, strides,
                                                kernel, dil, pl, pr));
    dnnl_status_t why;
    HALO_TRY(make_pd(c, e, &d, gr, &why));
    add_arg(e, DNNL_ARG_SRC, input_mem(e, 0));
    return HALO_OK;
}

/* Uneven adaptive bins: the input is copied to plain NCHW and averaged in C (cpu_entry_run). */
static enum halo_status create_adaptive(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                        const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    HALO_TRY(input_same_layout(c, e, io, 0, io->read[0], dnnl_nchw));
    HALO_TRY(cpu_md4(&e->dst_md, nd->out_shape.c, halo_rect_h(io->out), halo_rect_w(io->out), dnnl_nchw));
    e->impl = halo_strdup("halo:c_adaptive_avgpool");
    return e->impl ? HALO_OK : HALO_ERR_NOMEM;
}

static enum halo_status create_linear(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                      const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    const struct cpu_value *v = io->in[0];
    const dnnl_memory_desc_t *vm = &v->md;
    int64_t per = 1;
    for (int i = 1; i < vm->ndims; i++) per *= vm->dims[i];
    if (per != nd->cin || (vm->ndims == 4 && !halo_rect_eq(io->read[0], v->rect)))
        return halo_error(HALO_ERR_INTERNAL, "cpu backend: %s: input of %lld features, want %d", nd->name,
                          (long long)per, nd->cin);
    /* A flatten's input is read as is: the weights [out][c*h*w] are oihw over its dims. */
    dnnl_dims_t wd = {nd->cout, vm->dims[1], vm->ndims == 4 ? vm->dims[2] : 0, vm->ndims == 4 ? vm->dims[3] : 0};
    dnnl_memory_desc_t w_any, w_user, b_md, dst_md, src_any;
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&w_any, vm->ndims, wd, dnnl_f32, dnnl_format_tag_any));
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&w_user, vm->ndims, wd, dnnl_f32, vm->ndims == 4 ? dnnl_oihw : dnnl_oi));
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&src_any, vm->ndims, vm->dims, dnnl_f32, dnnl_format_tag_any));
    dnnl_dims_t bd = {nd->cout}, dd = {1, nd->cout};
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_a));
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 2, dd, dnnl_f32, dnnl_format_tag_any));
    dnnl_inner_product_desc_t d;
    dnnl_status_t why;
    CPU_CHECK(dnnl_inner_product_forward_desc_init(&d, dnnl_forward_inference, vm, &w_any, nd->bias ? &b_md : NULL,
                                                   &dst_md));
    if (make_pd(c, e, &d, gr, &why) != HALO_OK) {
        if (why != dnnl_unimplemented) return HALO_ERR_BACKEND;
        /* no implementation reads this layout: let it choose, and reorder */
        CPU_CHECK(dnnl_inner_product_forward_desc_init(&d, dnnl_forward_inference, &src_any, &w_any,
                                                       nd->bias ? &b_md : NULL, &dst_md));
        HALO_TRY(make_pd(c, e, &d, gr, &why));
    }
    HALO_TRY(input_setup(c, e, 0, vm, dnnl_primitive_desc_query_md(e->pd, dnnl_query_src_md, 0)));
    dnnl_memory_t wm, bm;
    HALO_TRY(weights_mem(c, gr->main, 0, dnnl_primitive_desc_query_md(e->pd, dnnl_query_weights_md, 0), &w_user, &wm));
    HALO_TRY(bias_mem(c, gr->main, 0, &bm));
    add_arg(e, DNNL_ARG_SRC, input_mem(e, 0));
    add_arg(e, DNNL_ARG_WEIGHTS, wm);
    if (bm) add_arg(e, DNNL_ARG_BIAS, bm);
    return HALO_OK;
}

static enum halo_status bn_mems(struct cpu_ctx *c, int node)
{
    struct cpu_node *n = &c->node[node];
    if (n->m_ss) return HALO_OK;
    int C = c->g->nodes[node].cout;
    dnnl_memory_desc_t md1, md2;
    dnnl_dims_t d1 = {C}, d2 = {2, C};
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&md1, 1, d1, dnnl_f32, dnnl_a));
    CPU_CHECK(dnnl_memory_desc_init_by_tag(&md2, 2, d2, dnnl_f32, dnnl_ab));
    CPU_CHECK(dnnl_memory_create(&n->m_mean, &md1, c->engine, n->bn_mean));
    CPU_CHECK(dnnl_memory_create(&n->m_var, &md1, c->engine, n->bn_var));
    CPU_CHECK(dnnl_memory_create(&n->m_ss, &md2, c->engine, n->bn_ss));
    return HALO_OK;
}

static enum halo_status create_bn(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                  const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    HALO_TRY(input_same_layout(c, e, io, 0, io->read[0], dnnl_format_tag_undef));
    HALO_TRY(bn_mems(c, gr->main));
    dnnl_batch_normalization_desc_t d;
    CPU_CHECK(dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_inference, &e->in[0].target, nd->eps,
                                                         dnnl_use_global_stats | dnnl_use_scaleshift));
    dnnl_status_t why;
    HALO_TRY(make_pd(c, e, &d, gr, &why));
    const struct cpu_node *n = &c->node[gr->main];
    add_arg(e, DNNL_ARG_SRC, input_mem(e, 0));
    add_arg(e, DNNL_ARG_MEAN, n->m_mean);
    add_arg(e, DNNL_ARG_VARIANCE, n->m_var);
    add_arg(e, DNNL_ARG_SCALE_SHIFT, n->m_ss);
    return HALO_OK;
}

/* oneDNN's eltwise algorithm and parameters for a unary op; hardsigmoid is linear then a clip to
 * [0, 1] (*clip01), as oneDNN 2.x has no hardsigmoid. */
static dnnl_alg_kind_t eltwise_alg(const struct halo_node *nd, float *alpha, float *beta, bool *clip01)
{
    *alpha = *beta = 0.0f;
    *clip01 = false;
    switch (nd->op) {
    case HALO_OP_RELU6: *beta = 6.0f; return dnnl_eltwise_clip;
    case HALO_OP_LEAKY_RELU: *alpha = nd->alpha; return dnnl_eltwise_relu;
    case HALO_OP_CLIP: /* max(min, min(max, x)); min > max gives max, as ONNX says */
        *alpha = nd->alpha < nd->beta ? nd->alpha : nd->beta;
        *beta = nd->beta;
        return dnnl_eltwise_clip;
    case HALO_OP_SIGMOID: return dnnl_eltwise_logistic;
    case HALO_OP_HARDSWISH: return dnnl_eltwise_hardswish;
    case HALO_OP_HARDSIGMOID:
        *alpha = nd->alpha;
        *beta = nd->beta;
        *clip01 = true;
        return dnnl_eltwise_linear;
    default: return dnnl_eltwise_relu;
    }
}

static enum halo_status create_eltwise(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                       const struct cpu_io *io)
{
    float alpha, beta;
    bool clip01;
    dnnl_alg_kind_t alg = eltwise_alg(&c->g->nodes[gr->main], &alpha, &beta, &clip01);
    HALO_TRY(input_same_layout(c, e, io, 0, io->read[0], dnnl_format_tag_undef));
    dnnl_eltwise_desc_t d;
    CPU_CHECK(dnnl_eltwise_forward_desc_init(&d, dnnl_forward_inference, alg, &e->in[0].target, alpha, beta));
    dnnl_status_t why;
    if (!clip01) {
        HALO_TRY(make_pd(c, e, &d, gr, &why));
    } else {
        dnnl_primitive_attr_t attr = NULL;
        dnnl_post_ops_t po = NULL;
        enum halo_status st = make_attr(&attr, gr);
        if (st != HALO_OK) goto done;
        CPU_CHECK_GOTO(st, dnnl_post_ops_create(&po), done);
        CPU_CHECK_GOTO(st, dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 1.0f), done);
        CPU_CHECK_GOTO(st, dnnl_primitive_attr_set_post_ops(attr, po), done);
        CPU_CHECK_GOTO(st, dnnl_primitive_desc_create(&e->pd, &d, attr, c->engine, NULL), done);
    done:
        if (po) dnnl_post_ops_destroy(po);
        if (attr) dnnl_primitive_attr_destroy(attr);
        HALO_TRY(st);
    }
    add_arg(e, DNNL_ARG_SRC, input_mem(e, 0));
    return HALO_OK;
}

/* Add, or mul (whose second operand may be a c x 1 x 1 gate, broadcast over the map). */
static enum halo_status create_add(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                   const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    HALO_TRY(input_same_layout(c, e, io, 0, io->read[0], dnnl_format_tag_undef));
    dnnl_memory_desc_t view;
    HALO_TRY(cpu_md_view(&view, io->in[1], io->read[1]));
    bool gate = nd->op == HALO_OP_MUL && nd->in_shape[1].h == 1 && nd->in_shape[1].w == 1 &&
                (nd->in_shape[0].h != 1 || nd->in_shape[0].w != 1);
    if (gate) { /* the gate in plain layout: oneDNN broadcasts it per channel */
        dnnl_memory_desc_t plain;
        HALO_TRY(cpu_md4(&plain, nd->in_shape[1].c, 1, 1, dnnl_nchw));
        HALO_TRY(input_setup(c, e, 1, &view, &plain));
    } else { /* the second operand is read in the first one's layout (a reorder when it differs) */
        HALO_TRY(input_setup(c, e, 1, &view, &e->in[0].target));
    }
    dnnl_binary_desc_t d;
    CPU_CHECK(dnnl_binary_desc_init(&d, nd->op == HALO_OP_MUL ? dnnl_binary_mul : dnnl_binary_add, &e->in[0].target,
                                    &e->in[1].target, &e->in[0].target));
    dnnl_status_t why;
    HALO_TRY(make_pd(c, e, &d, gr, &why));
    add_arg(e, DNNL_ARG_SRC_0, input_mem(e, 0));
    add_arg(e, DNNL_ARG_SRC_1, input_mem(e, 1));
    return HALO_OK;
}

/* Concat on channels: both inputs in the first one's plain layout, the output in oneDNN's choice. */
static enum halo_status create_concat(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                                      const struct cpu_io *io)
{
    const struct halo_node *nd = &c->g->nodes[gr->main];
    HALO_TRY(input_same_layout(c, e, io, 0, io->read[0], dnnl_format_tag_undef));
    HALO_TRY(input_same_layout(c, e, io, 1, io->read[1], tag_of(&e->in[0].target)));
    dnnl_memory_desc_t src[2] = {e->in[0].target, e->in[1].target}, dst_md;
    HALO_TRY(cpu_md4(&dst_md, nd->out_shape.c, halo_rect_h(io->out), halo_rect_w(io->out), dnnl_format_tag_any));
    dnnl_primitive_attr_t attr = NULL;
    enum halo_status st = make_attr(&attr, gr);
    if (st != HALO_OK) goto done;
    CPU_CHECK_GOTO(st, dnnl_concat_primitive_desc_create(&e->pd, &dst_md, 2, 1, src, attr, c->engine), done);
done:
    if (attr) dnnl_primitive_attr_destroy(attr);
    HALO_TRY(st);
    add_arg(e, DNNL_ARG_MULTIPLE_SRC, input_mem(e, 0));
    add_arg(e, DNNL_ARG_MULTIPLE_SRC + 1, input_mem(e, 1));
    return HALO_OK;
}

static bool key_eq(const struct cpu_entry *e, const struct cpu_entry *k)
{
    if (e->last != k->last || e->n_in != k->n_in || !rect_same_size(e->out, k->out)) return false;
    if (e->kind == CPU_ADAPTIVE && !halo_rect_eq(e->out, k->out)) return false;
    for (int i = 0; i < e->n_in; i++)
        if (!halo_rect_eq(e->in_rel[i], k->in_rel[i]) || memcmp(&e->pad[i], &k->pad[i], sizeof e->pad[i]) ||
            !cpu_md_eq(&e->in_md[i], &k->in_md[i]))
            return false;
    return true;
}

static enum halo_status create(struct cpu_ctx *c, struct cpu_entry *e, const struct cpu_group *gr,
                               const struct cpu_io *io)
{
    switch (gr->kind) {
    case CPU_CONV: HALO_TRY(create_conv(c, e, gr, io)); break;
    case CPU_POOL: HALO_TRY(create_pool(c, e, gr, io)); break;
    case CPU_ADAPTIVE: return create_adaptive(c, e, gr, io);
    case CPU_LINEAR: HALO_TRY(create_linear(c, e, gr, io)); break;
    case CPU_BN: HALO_TRY(create_bn(c, e, gr, io)); break;
    case CPU_ELTWISE: HALO_TRY(create_eltwise(c, e, gr, io)); break;
    case CPU_ADD: HALO_TRY(create_add(c, e, gr, io)); break;
    case CPU_CONCAT: HALO_TRY(create_concat(c, e, gr, io)); break;
    }
    const char *impl = NULL;
    CPU_CHECK(dnnl_primitive_desc_query(e->pd, dnnl_query_impl_info_str, 0, &impl));
    e->impl = halo_strdup(impl ? impl : "?");
    if (!e->impl) return HALO_ERR_NOMEM;
    e->dst_md = *dnnl_primitive_desc_query_md(e->pd, dnnl_query_dst_md, 0);
    CPU_CHECK(dnnl_primitive_create(&e->prim, e->pd));
    CPU_CHECK(dnnl_memory_create(&e->mdst, &e->dst_md, c->engine, DNNL_MEMORY_NONE));
    add_arg(e, DNNL_ARG_DST, e->mdst);
    return HALO_OK;
}

enum halo_status cpu_entry_get(struct cpu_ctx *c, const struct cpu_group *gr, const struct cpu_io *io,
                               struct cpu_entry **out)
{
    struct cpu_entry key = {.last = gr->last, .n_in = io->n_in, .out = io->out, .kind = gr->kind, .sum_in = -1};
    for (int k = 0; k < io->n_in; k++) {
        key.in_md[k] = io->in[k]->md;
        key.in_rel[k] = rect_rel(io->read[k], io->in[k]->rect);
        key.pad[k] = io->pad[k];
    }
    struct cpu_node *n = &c->node[gr->main];
    for (int i = 0; i < n->n_entries; i++)
        if (n->entries[i]->kind == gr->kind && key_eq(n->entries[i], &key)) {
            *out = n->entries[i];
            return HALO_OK;
        }
    if (halo_grow((void **)&n->entries, &n->cap_entries, (size_t)n->n_entries + 1, sizeof *n->entries))
        return HALO_ERR_NOMEM;
    struct cpu_entry *e = halo_malloc(1, sizeof *e);
    if (!e) return HALO_ERR_NOMEM;
    *e = key;
    enum halo_status st = create(c, e, gr, io);
    if (st != HALO_OK) {
        cpu_entry_free(e);
        halo_error_prefix("cpu backend: node %s", c->g->nodes[gr->main].name);
        return st;
    }
    n->entries[n->n_entries++] = e;
    *out = e;
    return HALO_OK;
}
