/* halo flops: per-node or per-stage MACs, parameters, element-wise work and shapes. */
#include "cli/cli.h"
#include "cli/output.h"
#include "model/count.h"
#include "model/model.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One output row: a node or a stage. */
struct row {
    int index, first, last;
    const char *name;
    char op[96];
    struct halo_shape in, out;
    char window[48]; /* "k3x3 s2 p1 d1 g1" for nodes; "J=2 R=7" (rows) for stages */
    struct halo_count count;
};

static void shape_str(char *b, size_t n, struct halo_shape s) { snprintf(b, n, "%dx%dx%d", s.c, s.h, s.w); }

static void node_row(const struct halo_graph *g, int i, struct row *r)
{
    const struct halo_node *n = &g->nodes[i];
    *r = (struct row){.index = i, .first = i, .last = i + 1, .name = n->name, .in = n->in_shape[0],
                      .out = n->out_shape, .count = halo_count_node(g, i)};
    snprintf(r->op, sizeof r->op, "%s", halo_op_name(n->op));
    const struct halo_window *w = &n->win;
    if (n->op == HALO_OP_CONV || n->op == HALO_OP_MAXPOOL || n->op == HALO_OP_AVGPOOL)
        snprintf(r->window, sizeof r->window, "k%dx%d s%d p%d d%d g%d", w->kh, w->kw, w->sh, w->ph, w->dh,
                 n->groups);
    else
        snprintf(r->window, sizeof r->window, "-");
}

static void stage_row(const struct halo_graph *g, int s, struct row *r)
{
    const struct halo_stage *st = &g->stages[s];
    *r = (struct row){.index = s, .first = st->first, .last = st->last, .name = st->name,
                      .in = g->nodes[st->first].in_shape[0], .out = g->nodes[st->last - 1].out_shape,
                      .count = halo_count_range(g, st->first, st->last)};
    r->count.out_bytes = 4 * (int64_t)r->out.c * r->out.h * r->out.w; /* the stage's output tensor */
    int convs = 0;
    for (int i = st->first; i < st->last; i++) convs += g->nodes[i].op == HALO_OP_CONV;
    snprintf(r->op, sizeof r->op, "%d nodes, %d conv%s%s", st->last - st->first, convs,
             convs == 1 ? "" : "s", s < g->n_spatial ? "" : ", tail");
    int J, R;
    if (halo_graph_range_field(g, st->first, st->last, &J, &R))
        snprintf(r->window, sizeof r->window, "J=%d R=%d", J, R);
    else
        snprintf(r->window, sizeof r->window, "global");
}

static void print_table(const struct row *rows, int n, bool stages)
{
    printf("%5s  %-24s %-26s %-12s %-12s %-17s %11s %15s %13s %12s\n", "index", "name",
           stages ? "nodes" : "op", "input", "output", stages ? "rows J,R" : "k s p d g", "params",
           "MACs", "elem_ops", "out_bytes");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        char in[32], out[32];
        shape_str(in, sizeof in, r->in);
        shape_str(out, sizeof out, r->out);
        printf("%5d  %-24s %-26s %-12s %-12s %-17s %11lld %15lld %13lld %12lld\n", r->index, r->name, r->op,
               in, out, r->window, (long long)r->count.params, (long long)r->count.macs,
               (long long)r->count.elem_ops, (long long)r->count.out_bytes);
    }
}

static void print_csv(const struct row *rows, int n, bool stages, const char *model, int h, int w)
{
    printf("model,input,index,name,%s,first,last,in_c,in_h,in_w,out_c,out_h,out_w,window,params,macs,"
           "flops,elem_ops,out_bytes\n",
           stages ? "nodes" : "op");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        printf("%s,%dx%d,%d,%s,\"%s\",%d,%d,%d,%d,%d,%d,%d,%d,%s,%lld,%lld,%lld,%lld,%lld\n", model, h, w,
               r->index, r->name, r->op, r->first, r->last, r->in.c, r->in.h, r->in.w, r->out.c, r->out.h,
               r->out.w, r->window, (long long)r->count.params, (long long)r->count.macs,
               2 * (long long)r->count.macs, (long long)r->count.elem_ops, (long long)r->count.out_bytes);
    }
}

static cJSON *shape_json(struct halo_shape s)
{
    int v[3] = {s.c, s.h, s.w};
    return cJSON_CreateIntArray(v, 3);
}

static int print_json(const struct halo_cli_cmd *cmd, const struct halo_graph *g, const struct row *rows, int n,
                      bool stages, struct halo_count total)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *tot = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", g->name);
    cJSON_AddItemToObject(root, "input", shape_json(g->input));
    cJSON_AddStringToObject(root, "per", stages ? "stage" : "node");
    cJSON_AddStringToObject(root, "mac_convention",
                            "torchvision: conv and linear multiply-accumulates, padded taps included");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", r->index);
        cJSON_AddStringToObject(o, "name", r->name);
        if (stages) {
            cJSON_AddNumberToObject(o, "first", r->first);
            cJSON_AddNumberToObject(o, "last", r->last);
            cJSON_AddBoolToObject(o, "spatial", g->stages[r->index].spatial);
            int J, R;
            if (halo_graph_range_field(g, r->first, r->last, &J, &R)) {
                cJSON_AddNumberToObject(o, "jump_rows", J);
                cJSON_AddNumberToObject(o, "field_rows", R);
            }
        } else {
            const struct halo_node *nd = &g->nodes[r->index];
            cJSON_AddStringToObject(o, "op", halo_op_name(nd->op));
            int ins[2] = {nd->in[0], nd->in[1]};
            cJSON_AddItemToObject(o, "inputs", cJSON_CreateIntArray(ins, nd->n_in));
            if (nd->op == HALO_OP_CONV || nd->op == HALO_OP_MAXPOOL || nd->op == HALO_OP_AVGPOOL) {
                const struct halo_window *w = &nd->win;
                int k[2] = {w->kh, w->kw}, s[2] = {w->sh, w->sw}, p[2] = {w->ph, w->pw}, d[2] = {w->dh, w->dw};
                cJSON_AddItemToObject(o, "kernel", cJSON_CreateIntArray(k, 2));
                cJSON_AddItemToObject(o, "stride", cJSON_CreateIntArray(s, 2));
                cJSON_AddItemToObject(o, "padding", cJSON_CreateIntArray(p, 2));
                cJSON_AddItemToObject(o, "dilation", cJSON_CreateIntArray(d, 2));
                cJSON_AddNumberToObject(o, "groups", nd->groups);
            }
        }
        cJSON_AddItemToObject(o, "in", shape_json(r->in));
        cJSON_AddItemToObject(o, "out", shape_json(r->out));
        cJSON_AddNumberToObject(o, "params", (double)r->count.params);
        cJSON_AddNumberToObject(o, "macs", (double)r->count.macs);
        cJSON_AddNumberToObject(o, "flops", 2.0 * (double)r->count.macs);
        cJSON_AddNumberToObject(o, "elem_ops", (double)r->count.elem_ops);
        cJSON_AddNumberToObject(o, "out_bytes", (double)r->count.out_bytes);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(root, "rows", arr);
    cJSON_AddNumberToObject(tot, "macs", (double)total.macs);
    cJSON_AddNumberToObject(tot, "gmac", (double)total.macs / 1e9);
    cJSON_AddNumberToObject(tot, "flops", 2.0 * (double)total.macs);
    cJSON_AddNumberToObject(tot, "params", (double)total.params);
    cJSON_AddNumberToObject(tot, "elem_ops", (double)total.elem_ops);
    cJSON_AddItemToObject(root, "totals", tot);
    return halo_cli_put_json(cmd, root);
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *per = halo_cli_get(cmd, &a, "per");
    bool stages = false;
    if (per && !strcmp(per, "stage")) stages = true;
    else if (per && strcmp(per, "node"))
        return halo_cli_usage_error(cmd, "--per: '%s': expected node or stage", per);
    int h, w;
    enum halo_status st = halo_cli_input_size(cmd, &a, &h, &w);
    struct halo_graph *g = NULL;
    if (st == HALO_OK) st = halo_model_build_for(a.pos[0], h, w, &g);
    if (st != HALO_OK) return halo_cli_fail(cmd, st);

    int n = stages ? g->n_stages : g->n_nodes;
    struct row *rows = calloc((size_t)n, sizeof *rows);
    if (!rows) {
        halo_graph_free(g);
        return halo_cli_fail(cmd, halo_error(HALO_ERR_NOMEM, "out of memory"));
    }
    for (int i = 0; i < n; i++) (stages ? stage_row : node_row)(g, i, &rows[i]);
    struct halo_count t = halo_count_range(g, 0, g->n_nodes);
    rc = HALO_EXIT_OK;
    if (a.format == HALO_FORMAT_JSON) {
        rc = print_json(cmd, g, rows, n, stages, t);
    } else if (a.format == HALO_FORMAT_CSV) {
        print_csv(rows, n, stages, g->name, h, w);
    } else {
        printf("%s at 3x%dx%d, per %s (MACs as torchvision counts them: conv and linear, padded taps "
               "included)\n\n", g->name, h, w, stages ? "stage" : "node");
        print_table(rows, n, stages);
        printf("\ntotal: %lld MACs = %.3f GMAC = %.3f GFLOP (FLOP = 2 x MAC); %lld params; "
               "%lld element-wise ops (not in MACs)\n",
               (long long)t.macs, (double)t.macs / 1e9, 2.0 * (double)t.macs / 1e9, (long long)t.params,
               (long long)t.elem_ops);
    }
    free(rows);
    halo_graph_free(g);
    return rc;
}

const struct halo_cli_cmd halo_cmd_flops = {
    .name = "flops",
    .usage = "MODEL [--input HxW] [--per node|stage] [--format table|csv|json]",
    .summary = "count MACs, FLOPs (2 x MAC), parameters and element-wise work per node or stage",
    .details =
        "MACs are counted as torchvision counts them: conv N*Cout*(Cin/groups)*Kh*Kw*Hout*Wout with\n"
        "padded taps, and linear in*out; nothing else. Params are weights, biases and BN gamma/beta.\n"
        "Element-wise ops (BN 2/element, ReLU and add 1/element, pooling window taps) are a separate\n"
        "column. Per stage, out_bytes is the stage's output tensor (what a split sends) and\n"
        "'J,R' says that n output rows need (n-1)*J + R input rows.",
    .opts = (const struct halo_cli_opt[]){
        {"input", 0, "HxW", "input height x width (default 224x224; N means NxN)"},
        {"per", 0, "node|stage", "one row per node (default) or per stage"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
