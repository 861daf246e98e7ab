/* halo bench: times a zoo model on one backend, per node (each node synchronised and timed) and
 * as a whole network (separate, un-instrumented runs), and prints rows with MACs, FLOPs,
 * min/median/p90 ms, achieved GFLOP/s, the implementation that ran, each node's place under the
 * platform's roofline (--per-layer), and provenance: a table, CSV (every row with its provenance
 * columns) or one JSON document. */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/parse.h"
#include "core/provenance.h"
#include "core/rng.h"
#include "exec/executor.h"
#include "model/count.h"
#include "model/model.h"
#include "model/weights.h"
#include "profile/roofline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bench {
    const struct halo_cli_cmd *cmd;
    enum halo_cli_format format;
    const char *model, *backend;
    int h, w, warmup, repeat, threads;
    long seed;
    bool per_layer, tty, no_ceilings;
    const char *ceilings_file; /* --ceilings */
    struct halo_roof roof;     /* when have_roof: the roofline's ceilings */
    bool have_roof;
    char roof_source[512];
    struct halo_graph *g;
    struct halo_weights *wt;
    struct halo_backend *be;
    struct halo_tensor img;
    double *node_ms;  /* repeat x n_nodes */
    double *net_ms;   /* repeat */
};

static void bench_free(struct bench *b)
{
    halo_roof_free(&b->roof);
    halo_backend_free(b->be);
    halo_weights_free(b->wt);
    halo_graph_free(b->g);
    halo_tensor_free(&b->img);
    free(b->node_ms);
    free(b->net_ms);
}

static int parse_flags(struct bench *b, const struct halo_cli_args *a)
{
    const struct halo_cli_cmd *cmd = b->cmd;
    const char *v;
    enum halo_status st = halo_cli_input_size(cmd, a, &b->h, &b->w);
    if (st == HALO_OK && (v = halo_cli_get(cmd, a, "warmup"))) st = halo_parse_int("--warmup", v, 0, 1000000, &b->warmup);
    if (st == HALO_OK && (v = halo_cli_get(cmd, a, "repeat"))) st = halo_parse_int("--repeat", v, 1, 1000000, &b->repeat);
    if (st == HALO_OK && (v = halo_cli_get(cmd, a, "threads"))) st = halo_parse_threads("--threads", v, &b->threads);
    if (st == HALO_OK && (v = halo_cli_get(cmd, a, "seed"))) st = halo_parse_long("--seed", v, 0, 2147483647L, &b->seed);
    if (st != HALO_OK) return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if ((v = halo_cli_get(cmd, a, "backend"))) b->backend = v;
    b->per_layer = halo_cli_has(cmd, a, "per-layer");
    b->no_ceilings = halo_cli_has(cmd, a, "no-ceilings");
    b->ceilings_file = halo_cli_get(cmd, a, "ceilings");
    if (b->no_ceilings && b->ceilings_file) return halo_cli_usage_error(cmd, "--ceilings and --no-ceilings exclude each other");
    return HALO_EXIT_OK;
}

/* The roof for --per-layer: from --ceilings F (halo ceilings -o, or a profile with ceilings), else
 * measured now with the backend's quick sizes; a backend without ceilings leaves the columns empty. */
static enum halo_status load_roof(struct bench *b)
{
    if (!b->per_layer || b->no_ceilings) return HALO_OK;
    int threads = halo_backend_threads(b->be);
    if (b->ceilings_file) {
        cJSON *j;
        HALO_TRY(halo_json_load(b->ceilings_file, &j));
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(j, "schema");
        bool profile = cJSON_IsString(schema) && !strncmp(schema->valuestring, "halo-profile/", 13);
        const cJSON *c = profile ? cJSON_GetObjectItemCaseSensitive(j, "ceilings") : j;
        enum halo_status st = c ? halo_roof_from_json(b->ceilings_file, profile ? "ceilings" : "(ceilings)", c, threads, &b->roof)
                                : halo_error(HALO_ERR_INVALID, "%s: ceilings: missing (a profile measured with --no-ceilings?)",
                                             b->ceilings_file);
        cJSON_Delete(j);
        HALO_TRY(st);
        snprintf(b->roof_source, sizeof b->roof_source, "%s", b->ceilings_file);
        b->have_roof = true;
        return HALO_OK;
    }
    cJSON *c = NULL;
    struct halo_ceilings_opts o = {.threads = threads, .quick = true};
    enum halo_status st = halo_backend_ceilings(b->be, &o, &c);
    if (st == HALO_ERR_UNSUPPORTED) {
        fprintf(stderr, "halo bench: note: %s: no roofline columns\n", halo_error_msg());
        halo_error_clear();
        return HALO_OK;
    }
    if (st == HALO_OK) st = halo_roof_from_json("halo ceilings --quick", "(ceilings)", c, threads, &b->roof);
    cJSON_Delete(c);
    HALO_TRY(st);
    snprintf(b->roof_source, sizeof b->roof_source, "measured now (quick)");
    b->have_roof = true;
    return HALO_OK;
}

static enum halo_status setup(struct bench *b)
{
    HALO_TRY(halo_model_build_for(b->model, b->h, b->w, &b->g));
    HALO_TRY(halo_cli_check_memory(b->g));
    HALO_TRY(halo_weights_random(b->g, (uint64_t)b->seed, &b->wt));
    struct halo_backend_opts opts = {.threads = b->threads};
    HALO_TRY(halo_backend_new(b->backend, &opts, &b->be));
    HALO_TRY(halo_backend_load(b->be, b->g, b->wt));
    HALO_TRY(load_roof(b));
    HALO_TRY(halo_tensor_alloc(&b->img, b->g->in_c, halo_rect_full(b->g->input)));
    struct halo_rng r;
    halo_rng_seed(&r, (uint64_t)b->seed + 1);
    for (size_t i = 0; i < halo_tensor_numel(&b->img); i++) b->img.data[i] = (float)halo_rng_normal(&r);
    b->net_ms = halo_calloc((size_t)b->repeat, sizeof *b->net_ms);
    if (b->per_layer) b->node_ms = halo_calloc((size_t)b->repeat * b->g->n_nodes, sizeof *b->node_ms);
    if (!b->net_ms || (b->per_layer && !b->node_ms)) return halo_error(HALO_ERR_NOMEM, "out of memory");
    return HALO_OK;
}

static enum halo_status run_nodes(struct bench *b, const struct halo_tile *tile, double *ms)
{
    struct halo_tensor out = {0};
    HALO_TRY(halo_tensor_alloc(&out, b->g->nodes[b->g->n_nodes - 1].out_shape.c, tile->node[b->g->n_nodes - 1].out));
    enum halo_status st = halo_backend_compute(b->be, tile, &b->img, &out, ms);
    halo_tensor_free(&out);
    return st;
}

static enum halo_status run_net(struct bench *b, double *ms)
{
    struct halo_tensor out = {0};
    double t0 = halo_now_ms();
    enum halo_status st = halo_exec_graph(b->be, b->g, &b->img, &out, NULL);
    *ms = halo_now_ms() - t0;
    halo_tensor_free(&out);
    return st;
}

/* Warm-up (discarded: first runs create primitives and reorder weights), then `repeat` rounds
 * of one instrumented and one whole-network run, interleaved so both see the same conditions. */
static enum halo_status measure(struct bench *b)
{
    struct halo_tile tile;
    HALO_TRY(halo_tile_full(b->g, 0, b->g->n_nodes, &tile));
    double *scratch = halo_calloc((size_t)b->g->n_nodes, sizeof *scratch);
    enum halo_status st = scratch ? HALO_OK : halo_error(HALO_ERR_NOMEM, "out of memory");
    int total = b->warmup + b->repeat;
    for (int r = 0; r < total && st == HALO_OK; r++) {
        bool keep = r >= b->warmup;
        if (b->tty) fprintf(stderr, "\rhalo bench %s: %s %d/%d ", b->model, keep ? "run" : "warm-up",
                            keep ? r - b->warmup + 1 : r + 1, keep ? b->repeat : b->warmup);
        if (b->per_layer)
            st = run_nodes(b, &tile, keep ? b->node_ms + (size_t)(r - b->warmup) * b->g->n_nodes : scratch);
        double ms = 0;
        if (st == HALO_OK) st = run_net(b, &ms);
        if (keep) b->net_ms[r - b->warmup] = ms;
    }
    if (b->tty) fprintf(stderr, "\r\033[K");
    free(scratch);
    halo_tile_free(&tile);
    return st;
}

/* One result row: a node (index >= 0) or the whole network (index -1). */
struct bench_row {
    int index;
    const char *name, *op, *stage, *impl;
    int64_t macs;
    struct halo_stats s;
    bool have_roof;
    struct halo_roofline roof; /* nodes, when the bench has a roof */
};

static double row_gflops(const struct bench_row *r)
{
    return r->s.median > 0 ? 2.0 * (double)r->macs / (r->s.median * 1e6) : 0;
}

/* The roofline columns of a row: bytes, FLOP/byte, level, attainable, achieved/attainable, bound,
 * above_roof and why (empty fields without a roof, for the network row, and for fused nodes). */
static void print_roof_csv(const struct bench *b, const struct bench_row *r)
{
    if (!r->have_roof) {
        printf(",,,,,,,");
        return;
    }
    const struct halo_roofline *l = &r->roof;
    /* %g, not fixed decimals: a tiny layer slowed down by the machine has an efficiency of 1e-5 */
    printf("%.0f,%.6g,%s,%.6g,%.6g,%s,%s,", l->bytes, l->intensity, b->roof.levels[l->level].name, l->attainable_gflops,
           l->efficiency, l->compute_bound ? "compute" : "memory", l->above_roof ? "yes" : "no");
    halo_cli_csv_str(stdout, l->above_roof ? halo_above_reason_str(l->reason) : "");
}

static void print_row(const struct bench *b, const struct bench_row *r, const char *prov)
{
    if (b->format == HALO_FORMAT_CSV) {
        printf("%s,%dx%d,", b->g->name, b->h, b->w);
        if (r->index >= 0) printf("%d,", r->index);
        else printf("-,");
        halo_cli_csv_str(stdout, r->name);
        printf(",%s,", r->op);
        halo_cli_csv_str(stdout, r->stage);
        printf(",%lld,%lld,%.4f,%.4f,%.4f,%.2f,", (long long)r->macs, 2 * (long long)r->macs, r->s.min, r->s.median,
               r->s.p90, row_gflops(r));
        halo_cli_csv_str(stdout, r->impl);
        printf(",");
        print_roof_csv(b, r);
        printf(",%s\n", prov);
    } else {
        char idx[16] = "-", roof[96] = "";
        if (r->index >= 0) snprintf(idx, sizeof idx, "%d", r->index);
        if (r->have_roof)
            snprintf(roof, sizeof roof, " %8.2f %-6s %9.1f %7.2f %-7s %s", r->roof.intensity, b->roof.levels[r->roof.level].name,
                     r->roof.attainable_gflops, r->roof.efficiency, r->roof.compute_bound ? "compute" : "memory",
                     r->roof.above_roof ? (r->roof.reason == HALO_ABOVE_UNEXPLAINED ? "ABOVE" : "above*") : "-");
        else if (b->have_roof)
            snprintf(roof, sizeof roof, " %8s %-6s %9s %7s %-7s %s", "-", "-", "-", "-", "-", "-");
        printf("%5s  %-26s %-10s %-12s %14lld %10.4f %10.4f %10.4f %9.2f%s  %s\n", idx, r->name, r->op, r->stage,
               (long long)r->macs, r->s.min, r->s.median, r->s.p90, row_gflops(r), roof, r->impl);
    }
}

static cJSON *row_json(const struct bench *b, const struct bench_row *r)
{
    cJSON *o = cJSON_CreateObject();
    if (r->index >= 0) cJSON_AddNumberToObject(o, "index", r->index);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddStringToObject(o, "op", r->op);
    if (r->index >= 0) cJSON_AddStringToObject(o, "stage", r->stage);
    cJSON_AddNumberToObject(o, "macs", (double)r->macs);
    cJSON_AddNumberToObject(o, "flops", 2.0 * (double)r->macs);
    cJSON_AddNumberToObject(o, "min_ms", r->s.min);
    cJSON_AddNumberToObject(o, "median_ms", r->s.median);
    cJSON_AddNumberToObject(o, "p90_ms", r->s.p90);
    cJSON_AddNumberToObject(o, "gflops", row_gflops(r));
    if (r->index >= 0) cJSON_AddStringToObject(o, "impl", r->impl);
    if (r->have_roof) cJSON_AddItemToObject(o, "roofline", halo_roofline_json(&b->roof, &r->roof));
    return o;
}

static enum halo_status report(struct bench *b)
{
    struct halo_provenance p;
    HALO_TRY(halo_provenance_get(&p, halo_backend_name(b->be), halo_backend_version(b->be),
                                 halo_backend_threads(b->be)));
    char *prov = halo_provenance_csv_values(&p);
    double *col = halo_calloc((size_t)b->repeat, sizeof *col);
    cJSON *doc = b->format == HALO_FORMAT_JSON ? cJSON_CreateObject() : NULL, *nodes = NULL;
    if (!prov || !col || (b->format == HALO_FORMAT_JSON && !doc)) {
        free(prov);
        free(col);
        cJSON_Delete(doc);
        halo_provenance_free(&p);
        return halo_error(HALO_ERR_NOMEM, "out of memory");
    }
    const struct halo_graph *g = b->g;
    if (doc) {
        int in[2] = {b->h, b->w};
        cJSON_AddStringToObject(doc, "model", g->name);
        cJSON_AddItemToObject(doc, "input", cJSON_CreateIntArray(in, 2));
        cJSON_AddNumberToObject(doc, "warmup", b->warmup);
        cJSON_AddNumberToObject(doc, "repeat", b->repeat);
        cJSON_AddNumberToObject(doc, "seed", (double)b->seed);
        cJSON_AddStringToObject(doc, "flop_convention", "FLOP = 2 x MAC, MACs as torchvision counts them");
        cJSON_AddItemToObject(doc, "provenance", halo_cli_provenance_json(&p));
        if (b->per_layer) nodes = cJSON_AddArrayToObject(doc, "nodes");
        if (b->have_roof) {
            cJSON *c = cJSON_AddObjectToObject(doc, "ceilings");
            cJSON_AddStringToObject(c, "source", b->roof_source);
            cJSON_AddNumberToObject(c, "peak_gflops", b->roof.peak_gflops);
            cJSON_AddStringToObject(c, "isa", b->roof.isa);
            cJSON_AddNumberToObject(c, "threads", b->roof.threads);
            cJSON *lv = cJSON_AddArrayToObject(c, "levels");
            for (int i = 0; i < b->roof.n_levels; i++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "level", b->roof.levels[i].name);
                if (i < b->roof.n_levels - 1) cJSON_AddNumberToObject(e, "capacity_bytes", b->roof.levels[i].capacity_bytes);
                else cJSON_AddNullToObject(e, "capacity_bytes");
                cJSON_AddNumberToObject(e, "triad_gbps", b->roof.levels[i].gbps);
                cJSON_AddItemToArray(lv, e);
            }
        }
    } else if (b->format == HALO_FORMAT_CSV) {
        printf("model,input,index,name,op,stage,macs,flops,min_ms,median_ms,p90_ms,gflops,impl,bytes,"
               "intensity_flop_per_byte,level,attainable_gflops,achieved_over_attainable,bound,above_roof,above_reason,%s\n",
               halo_provenance_csv_header());
    } else {
        printf("%s %dx%d on %s (%s), %d threads; %d warm-up + %d timed runs; seed %ld\n", g->name, b->h, b->w,
               p.backend, p.library, p.threads, b->warmup, b->repeat, b->seed);
        printf("measured on %s (%s), commit %s, %s; GFLOP/s = 2 x MACs / median\n\n", p.host, p.cpu_model, p.commit,
               p.date);
        if (b->have_roof) {
            printf("roofline (%s): peak %.1f GFLOP/s (%s, %d threads); triad", b->roof_source, b->roof.peak_gflops,
                   b->roof.isa, b->roof.threads);
            for (int i = 0; i < b->roof.n_levels; i++)
                printf("%s %s %.1f GB/s", i ? "," : "", b->roof.levels[i].name, b->roof.levels[i].gbps);
            printf("\nFLOP/B = FLOPs / bytes moved (weights + input + output, float32); attain = min(peak, FLOP/B x the "
                   "bandwidth of the level the working set fits in); ach/att = achieved / attainable; above* = above the "
                   "roof, explained (Winograd/FFT, within 5 %%, or partly cached)\n\n");
        }
        printf("%5s  %-26s %-10s %-12s %14s %10s %10s %10s %9s%s  %s\n", "index", "name", "op", "stage", "MACs",
               "min_ms", "median_ms", "p90_ms", "GFLOP/s",
               b->have_roof ? "   FLOP/B level   attain ach/att bound   above" : "", "impl");
    }
    double sum_median = 0;
    for (int i = 0; b->per_layer && i < g->n_nodes; i++) {
        for (int r = 0; r < b->repeat; r++) col[r] = b->node_ms[(size_t)r * g->n_nodes + i];
        struct bench_row row = {.index = i, .name = g->nodes[i].name, .op = halo_op_name(g->nodes[i].op),
                                .stage = g->stages[halo_graph_stage_of(g, i)].name, .impl = halo_backend_impl(b->be, i),
                                .macs = halo_count_node(g, i).macs, .s = halo_stats_of(col, (size_t)b->repeat)};
        row.have_roof = b->have_roof && g->nodes[i].op != HALO_OP_FLATTEN && strncmp(row.impl, "fused", 5);
        if (row.have_roof)
            halo_roofline_point(&b->roof, 2.0 * (double)row.macs, halo_roofline_node_bytes(g, i), row.s.median, row.impl,
                                &row.roof);
        sum_median += row.s.median;
        if (doc) cJSON_AddItemToArray(nodes, row_json(b, &row));
        else print_row(b, &row, prov);
    }
    memcpy(col, b->net_ms, (size_t)b->repeat * sizeof *col);
    struct bench_row net = {.index = -1, .name = "(network)", .op = "network", .stage = "", .impl = "-",
                            .macs = halo_count_range(g, 0, g->n_nodes).macs, .s = halo_stats_of(col, (size_t)b->repeat)};
    if (doc) {
        cJSON_AddItemToObject(doc, "network", row_json(b, &net));
        if (b->per_layer) cJSON_AddNumberToObject(doc, "sum_node_median_ms", sum_median);
    } else {
        print_row(b, &net, prov);
    }
    fflush(stdout);
    fprintf(stderr, "%s %dx%d on %s (%s, %d threads): whole network median %.3f ms = %.1f GFLOP/s (p90 %.3f ms)",
            g->name, b->h, b->w, halo_backend_name(b->be), halo_backend_version(b->be), halo_backend_threads(b->be),
            net.s.median, row_gflops(&net), net.s.p90);
    if (b->per_layer)
        fprintf(stderr, "; sum of per-node medians %.3f ms (network / sum = %.3f)", sum_median, net.s.median / sum_median);
    fprintf(stderr, "\n");
    free(prov);
    free(col);
    halo_provenance_free(&p);
    if (doc && halo_cli_put_json(b->cmd, doc) != HALO_EXIT_OK) return HALO_ERR_NOMEM;
    return HALO_OK;
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    struct bench b = {.cmd = cmd, .format = a.format, .model = a.pos[0], .warmup = 3, .repeat = 10, .seed = 1,
                      .backend = halo_backend_compiled("cpu") ? "cpu" : "ref", .tty = isatty(2)};
    if ((rc = parse_flags(&b, &a)) != HALO_EXIT_OK) return rc;
    enum halo_status st = setup(&b);
    if (st == HALO_OK) st = measure(&b);
    if (st == HALO_OK) st = report(&b);
    bench_free(&b);
    return st == HALO_OK ? HALO_EXIT_OK : halo_cli_fail(cmd, st);
}

const struct halo_cli_cmd halo_cmd_bench = {
    .name = "bench",
    .usage = "MODEL [--backend cpu|ref|cuda] [--input HxW] [--warmup N] [--repeat N] [--per-layer [--ceilings F | "
             "--no-ceilings]] [--threads N] [--seed N] [--format table|csv|json]",
    .summary = "time a model per node and as a whole network: ms, GFLOP/s, implementation, provenance",
    .details =
        "Weights and the input are random (seeded), so any model and size can be timed. Warm-up runs\n"
        "are discarded (they create primitives and reorder weights). Then each repetition runs the\n"
        "network once with every node synchronised and timed (--per-layer; nodes fused into another\n"
        "report 0 ms and 'fused into NODE') and once un-instrumented, for the whole-network row.\n"
        "FLOPs = 2 x MACs as torchvision counts them; GFLOP/s = FLOPs / median. CSV columns: model,\n"
        "input, index, name, op, stage, macs, flops, min_ms, median_ms, p90_ms, gflops, impl,\n"
        "commit, host, cpu_model, threads, backend, library, date (the table says the provenance once\n"
        "above the rows). A summary (whole network vs the sum of per-node medians) goes to stderr.\n"
        "With --per-layer every node is also placed under the platform's roofline, as halo profile\n"
        "does (columns bytes, intensity_flop_per_byte, level, attainable_gflops,\n"
        "achieved_over_attainable, bound, above_roof, above_reason before the provenance): the ceilings\n"
        "come from --ceilings F (halo ceilings -o F, or a profile that has them) or are measured first\n"
        "with quick sizes (about a second); a backend without ceilings (ref) leaves the columns empty.",
    .opts = (const struct halo_cli_opt[]){
        {"backend", 0, "NAME", "cpu (default when built with oneDNN), ref or cuda"},
        {"input", 0, "HxW", "input height x width (default 224x224; N means NxN)"},
        {"warmup", 0, "N", "discarded runs first (default 3)"},
        {"repeat", 0, "N", "measured runs, >= 1 (default 10)"},
        {"per-layer", 0, NULL, "also time every node (one row each)"},
        {"threads", 0, "N", "compute threads (default: the cores of the process's cpuset)"},
        {"seed", 0, "N", "seed of the random weights and input (default 1)"},
        {"ceilings", 0, "F", "the roofline's ceilings from F (halo ceilings -o F, or a profile)"},
        {"no-ceilings", 0, NULL, "no roofline columns (no ceilings measured)"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
