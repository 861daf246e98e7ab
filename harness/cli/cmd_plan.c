/* halo plan: plan a model on a cluster with one method (or compare all) and print a summary. */
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/parse.h"
#include "model/count.h"
#include "model/weights.h"
#include "model/zoo.h"
#include "partition/planner.h"
#include "runtime/plan_exec.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_summary(const struct halo_plan *p, const struct halo_graph *g, const struct halo_cluster *c,
                          double plan_ms)
{
    printf("%s plan: %s at %dx%d on %s (%d ESs, %d compute); %s\n", p->method, p->model, p->h, p->w, c->name,
           halo_cluster_n_es(c), halo_plan_n_computing(p), p->lossless ? "lossless" : "LOSSY (output differs from the model)");
    if (p->notes) printf("notes: %s\n", p->notes);
    printf("predicted by the cost model (profiles' per-layer times or fitted capacity; links latency + "
           "bytes/bandwidth, one message at a time per link)\n\n");
    printf("%-6s %-9s %-26s %s\n", "block", "stages", "first..last stage", "rows per device [y0,y1) (cols when a grid)");
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        char st[32], nm[96];
        snprintf(st, sizeof st, "%d-%d", bl->stage0, bl->stage1 - 1);
        if (bl->stage1 - bl->stage0 == 1) snprintf(nm, sizeof nm, "%s", g->stages[bl->stage0].name);
        else snprintf(nm, sizeof nm, "%s..%s", g->stages[bl->stage0].name, g->stages[bl->stage1 - 1].name);
        printf("%-6d %-9s %-26s", b, st, nm);
        for (int k = 0; k < bl->n_parts; k++) {
            const struct halo_plan_part *pt = &bl->part[k];
            struct halo_shape o = g->nodes[bl->last - 1].out_shape;
            if (pt->out.x0 == 0 && pt->out.x1 == o.w)
                printf(" %s:[%d,%d)", p->dev[pt->device].name, pt->out.y0, pt->out.y1);
            else
                printf(" %s:[%d,%d)x[%d,%d)", p->dev[pt->device].name, pt->out.y0, pt->out.y1, pt->out.x0, pt->out.x1);
        }
        printf("%s%s\n", bl->gather ? "  (gathered at the source)" : "", bl->compress ? "  (compressed)" : "");
    }
    if (p->tail.first < p->tail.last)
        printf("tail   %d-%d       %-26s %s\n", p->tail.stage0, p->tail.stage1 - 1,
               p->tail.stage0 < g->n_stages ? g->stages[p->tail.stage0].name : "-", p->dev[p->tail.device].name);
    printf("\n%-12s %11s %11s %11s %11s\n", "device", "compute_ms", "recv_ms", "send_ms", "idle_ms");
    for (int k = 0; k < p->n_dev; k++) {
        double cm, r, s, idle;
        halo_plan_device_times(p, k, &cm, &r, &s, &idle);
        printf("%-12s %11.3f %11.3f %11.3f %11.3f\n", p->dev[k].name, cm, r, s, idle);
    }
    int64_t macs = halo_count_range(g, 0, g->n_nodes).macs;
    printf("\npredicted latency %.3f ms; best single device %s %.3f ms; speedup %.2fx; latency reduction %.1f %%\n",
           p->total_ms, p->local_device ? p->local_device : "-", p->local_ms, p->local_ms / p->total_ms,
           100 * (1 - p->total_ms / p->local_ms));
    printf("bytes moved %.3f MB; redundant MACs %lld (%.2f %% of the model's %lld)\n", (double)p->bytes_moved / 1e6,
           (long long)p->redundant_macs, 100.0 * (double)p->redundant_macs / (double)macs, (long long)macs);
    printf("planned in %.1f ms (the method's search, model and cluster already loaded; monotonic clock)\n", plan_ms);
}

/* ---- lossy plans: deviation from the model and the codec measured on real activations ------- */

/* Weights seed when --weights is absent (the same as halo infer's default). */
#define PLAN_DEVIATION_WEIGHTS_SEED 0

/* What a lossy plan is run with: n seeded inputs on one backend with one set of weights, opened
 * on first use and shared by every method. */
struct lossy_lab {
    int n;               /* inputs; 0: do not run */
    uint64_t seed;       /* first input seed */
    const char *backend; /* NULL: cpu when compiled in, else ref */
    const char *weights; /* NULL: random, PLAN_DEVIATION_WEIGHTS_SEED */
    struct halo_backend *be;
    struct halo_weights *w;
    char label[512];     /* "3 seeded N(0,1) inputs (seeds 1..3), cpu backend, random weights (seed 0)" */
};

static void lab_free(struct lossy_lab *lab)
{
    halo_backend_free(lab->be);
    halo_weights_free(lab->w);
    lab->be = NULL;
    lab->w = NULL;
}

static enum halo_status lab_open(struct lossy_lab *lab, const struct halo_graph *g)
{
    if (lab->be) return HALO_OK;
    struct halo_backend_opts bo = {0, 0};
    const char *name = lab->backend ? lab->backend : halo_backend_compiled("cpu") ? "cpu" : "ref";
    HALO_TRY(lab->weights ? halo_weights_load(g, lab->weights, &lab->w)
                          : halo_weights_random(g, PLAN_DEVIATION_WEIGHTS_SEED, &lab->w));
    enum halo_status st = halo_backend_new(name, &bo, &lab->be);
    if (st == HALO_OK) st = halo_backend_load(lab->be, g, lab->w);
    if (st != HALO_OK) {
        lab_free(lab);
        return st;
    }
    char wl[300];
    if (lab->weights) snprintf(wl, sizeof wl, "weights %s", lab->weights);
    else snprintf(wl, sizeof wl, "RANDOM weights (seed %d)", PLAN_DEVIATION_WEIGHTS_SEED);
    snprintf(lab->label, sizeof lab->label, "%d seeded N(0,1) inputs (seeds %llu..%llu), %s backend, %s", lab->n,
             (unsigned long long)lab->seed, (unsigned long long)(lab->seed + (uint64_t)lab->n - 1), name, wl);
    return HALO_OK;
}

/* Plans with `info`; for a lossy plan with lab->n > 0 runs it against the model. A plan with a
 * codec is planned again with the compressed/raw ratio measured on its own tile outputs (what
 * the cost model then prices), and the deviation reported is that of the final plan. *have_dev
 * says whether *d was measured; the plan's notes carry the figures. */
static enum halo_status plan_method(const struct halo_planner_info *info, const struct halo_planner_ctx *ctx,
                                    struct lossy_lab *lab, struct halo_plan **out, struct halo_deviation *d,
                                    bool *have_dev, double *plan_ms)
{
    const struct halo_graph *g = ctx->g;
    *have_dev = false;
    struct halo_plan *p;
    double t0 = halo_now_ms();
    HALO_TRY(info->plan(ctx, &p));
    *plan_ms = halo_now_ms() - t0;
    if (p->lossless || lab->n <= 0) {
        *out = p;
        return HALO_OK;
    }
    enum halo_status st = lab_open(lab, g);
    /* the codec's upper bound from the activations it will code, before anything is measured */
    if (st == HALO_OK && p->has_codec) st = halo_plan_codec_fit(lab->be, g, p, lab->seed, &p->codec);
    if (st == HALO_OK) st = halo_plan_deviation(lab->be, g, p, lab->n, lab->seed, d);
    if (st == HALO_OK && p->has_codec && d->codec_ratio > 0) {
        struct halo_codec codec = p->codec;
        codec.ratio = d->codec_ratio;
        char prov[700];
        snprintf(prov, sizeof prov,
                 "measured: clip_hi fitted to the activations of input seed %llu (least squared quantisation error), "
                 "ratio = %lld coded / %lld raw bytes of %d tile outputs over %s",
                 (unsigned long long)lab->seed, (long long)d->stats.coded_bytes, (long long)d->stats.raw_bytes,
                 d->stats.n_coded, lab->label);
        struct halo_planner_ctx again = *ctx;
        again.opts.codec = &codec;
        again.opts.codec_provenance = prov;
        struct halo_plan *q = NULL;
        st = info->plan(&again, &q);
        if (st == HALO_OK && halo_plan_hash(q) != halo_plan_hash(p)) st = halo_plan_deviation(lab->be, g, q, lab->n, lab->seed, d);
        if (st == HALO_OK) {
            halo_plan_free(p);
            p = q;
        } else {
            halo_plan_free(q);
        }
    }
    if (st == HALO_OK) {
        char dev[1200];
        snprintf(dev, sizeof dev,
                 "%s; deviation from the model over %s: max abs error %.4g, relative L2 error %.4g (max) %.4g (mean), "
                 "top-1 agreement %d/%d",
                 p->notes ? p->notes : p->method, lab->label, d->max_abs, d->rel_l2_max, d->rel_l2_mean, d->top1_agree,
                 d->n);
        char *notes = halo_strdup(dev);
        if (!notes) st = HALO_ERR_NOMEM;
        else {
            free(p->notes);
            p->notes = notes;
        }
    }
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *have_dev = true;
    *out = p;
    return HALO_OK;
}

static void print_deviation(const struct halo_plan *p, const struct lossy_lab *lab, const struct halo_deviation *d,
                            bool have_dev)
{
    if (p->lossless) return;
    printf("\nLOSSY plan: deviation from the model ");
    if (!have_dev) {
        printf("not measured (run with --deviation N to measure it on N seeded inputs)\n");
        return;
    }
    printf("over %s:\n", lab->label);
    printf("  max abs error %.6g; relative L2 error %.6g (max), %.6g (mean); top-1 agreement %d/%d\n", d->max_abs,
           d->rel_l2_max, d->rel_l2_mean, d->top1_agree, d->n);
    if (p->has_codec)
        printf("  codec: clip [%g, %g], %d bits; measured ratio %.4f (%lld coded / %lld raw bytes, %d tile outputs), "
               "used by the prediction above\n",
               p->codec.clip_lo, p->codec.clip_hi, p->codec.bits, d->codec_ratio, (long long)d->stats.coded_bytes,
               (long long)d->stats.raw_bytes, d->stats.n_coded);
}

static int compare_all(const struct halo_cli_cmd *cmd, const struct halo_planner_ctx *ctx, struct lossy_lab *lab)
{
    int n, n_lossy = 0;
    const struct halo_planner_info *pl = halo_planners(&n);
    char footnotes[4096] = "";
    int64_t macs = halo_count_range(ctx->g, 0, ctx->g->n_nodes).macs;
    printf("%s at %dx%d on %s; predicted by the cost model; local = best single device (%s, %.3f ms)\n\n",
           ctx->g->name, ctx->g->input.h, ctx->g->input.w, ctx->c->name, ctx->c->dev[ctx->local_device].name,
           ctx->local_ms);
    printf("%-12s %12s %9s %13s %13s %14s %9s %4s\n", "method", "latency_ms", "speedup", "reduction_pct",
           "bytes_moved", "redundant_pct", "lossless", "ESs");
    for (int i = 0; i < n; i++) {
        struct halo_plan *p;
        struct halo_deviation d;
        bool have_dev;
        double plan_ms;
        enum halo_status st = plan_method(&pl[i], ctx, lab, &p, &d, &have_dev, &plan_ms);
        if (st != HALO_OK) {
            fprintf(stderr, "halo %s: %s: %s\n", cmd->name, pl[i].name, halo_error_msg());
            return HALO_EXIT_FAIL;
        }
        /* a lossy method is marked in the table; its deviation from the model goes under it */
        char mark[16] = "yes";
        if (!p->lossless) {
            n_lossy++;
            snprintf(mark, sizeof mark, "NO*%d", n_lossy);
            size_t len = strlen(footnotes);
            if (have_dev)
                snprintf(footnotes + len, sizeof footnotes - len,
                         "*%d %s is LOSSY: max abs error %.4g, relative L2 error %.4g (max) %.4g (mean), top-1 "
                         "agreement %d/%d over %s%s\n",
                         n_lossy, pl[i].name, d.max_abs, d.rel_l2_max, d.rel_l2_mean, d.top1_agree, d.n, lab->label,
                         p->has_codec ? "; codec ratio measured on its tile outputs" : "");
            else
                snprintf(footnotes + len, sizeof footnotes - len,
                         "*%d %s is LOSSY: deviation not measured (--deviation N measures it on N seeded inputs)\n",
                         n_lossy, pl[i].name);
        }
        /* a plan as fast as local prints 0.0, not -0.0 */
        double reduction = 100 * (1 - p->total_ms / ctx->local_ms);
        if (fabs(reduction) < 0.05) reduction = 0;
        printf("%-12s %12.3f %8.2fx %13.1f %13lld %14.2f %9s %4d\n", pl[i].name, p->total_ms, ctx->local_ms / p->total_ms,
               reduction, (long long)p->bytes_moved,
               100.0 * (double)p->redundant_macs / (double)macs, mark, halo_plan_n_computing(p));
        halo_plan_free(p);
    }
    if (n_lossy) printf("\n%s", footnotes);
    return HALO_EXIT_OK;
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *cluster = halo_cli_get(cmd, &a, "cluster"), *method = halo_cli_get(cmd, &a, "method");
    const char *fmt = halo_cli_get(cmd, &a, "format"), *outp = halo_cli_get(cmd, &a, "out");
    if (!cluster) return halo_cli_usage_error(cmd, "--cluster is required");
    if (!method) method = "dpfp";
    bool all = !strcmp(method, "all");
    const struct halo_planner_info *info = all ? NULL : halo_planner_find(method);
    if (!all && !info) {
        char known[256] = "";
        int n;
        const struct halo_planner_info *pl = halo_planners(&n);
        for (int i = 0; i < n; i++) {
            strncat(known, pl[i].name, sizeof known - strlen(known) - 1);
            strncat(known, ", ", sizeof known - strlen(known) - 1);
        }
        return halo_cli_usage_error(cmd, "--method: unknown method '%s' (known: %sall)", method, known);
    }
    if (fmt && strcmp(fmt, "table") && strcmp(fmt, "json"))
        return halo_cli_usage_error(cmd, "--format: '%s': expected table or json", fmt);
    if (halo_cli_has(cmd, &a, "select") && halo_cli_has(cmd, &a, "no-select"))
        return halo_cli_usage_error(cmd, "--select and --no-select exclude each other");
    if (all && (outp || (fmt && !strcmp(fmt, "json"))))
        return halo_cli_usage_error(cmd, "--method all prints a comparison table; -o and --format json need one method");
    struct lossy_lab lab = {.n = 3, .seed = 1, .backend = halo_cli_get(cmd, &a, "backend"),
                            .weights = halo_cli_get(cmd, &a, "weights")};
    const char *dev_s = halo_cli_get(cmd, &a, "deviation"), *seed_s = halo_cli_get(cmd, &a, "seed");
    long seed = 1;
    if (dev_s && halo_parse_int("--deviation", dev_s, 0, 1000000, &lab.n) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if (seed_s && halo_parse_long("--seed", seed_s, 0, LONG_MAX / 2, &seed) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    lab.seed = (uint64_t)seed;
    const char *grid_s = halo_cli_get(cmd, &a, "grid");
    int grid = 0;
    if (grid_s && halo_parse_int("--grid", grid_s, 2, 8, &grid) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if (grid_s && !all && strcmp(method, "adcnn"))
        return halo_cli_usage_error(cmd, "--grid forces ADCNN's FDSP grid; it needs --method adcnn or all");
    if (lab.backend) {
        /* a name this build lacks is bad input, found before any planning */
        if (!halo_backend_compiled(lab.backend))
            return halo_cli_usage_error(cmd, "--backend: '%s': this build has %s", lab.backend,
                                        halo_backend_available());
    }
    int h, w;
    struct halo_graph *g = NULL;
    struct halo_cluster *c = NULL;
    struct halo_planner_ctx ctx = {0};
    struct halo_plan *p = NULL;
    enum halo_status st = halo_cli_input_size(cmd, &a, &h, &w);
    if (st == HALO_OK) st = halo_zoo_build_for(a.pos[0], h, w, &g);
    if (st == HALO_OK) st = halo_cluster_load(cluster, &c);
    struct halo_planner_opts opts = {.no_select = halo_cli_has(cmd, &a, "no-select"), .adcnn_grid = grid};
    if (st == HALO_OK) st = halo_planner_ctx_init(&ctx, g, c, opts);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
    } else if (all) {
        rc = compare_all(cmd, &ctx, &lab);
    } else {
        struct halo_deviation dev;
        bool have_dev = false;
        double plan_ms = 0;
        st = plan_method(info, &ctx, &lab, &p, &dev, &have_dev, &plan_ms);
        if (st == HALO_OK) st = halo_plan_validate(p, g, "plan");
        if (st == HALO_OK && outp) st = halo_plan_save(p, outp);
        if (st != HALO_OK) {
            rc = halo_cli_fail(cmd, st);
        } else if (fmt && !strcmp(fmt, "json")) {
            char tmp[] = "/tmp/halo-plan-XXXXXX";
            int fd = mkstemp(tmp);
            st = fd >= 0 ? halo_plan_save(p, tmp) : halo_error(HALO_ERR_IO, "cannot create a temporary file");
            if (fd >= 0) close(fd);
            FILE *f = st == HALO_OK ? fopen(tmp, "r") : NULL;
            char buf[65536];
            size_t n;
            while (f && (n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
            if (f) fclose(f);
            remove(tmp);
            rc = st == HALO_OK ? HALO_EXIT_OK : halo_cli_fail(cmd, st);
        } else {
            print_summary(p, g, c, plan_ms);
            print_deviation(p, &lab, &dev, have_dev);
            if (outp) printf("wrote %s\n", outp);
        }
    }
    halo_plan_free(p);
    lab_free(&lab);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
    return rc;
}

const struct halo_cli_cmd halo_cmd_plan = {
    .name = "plan",
    .usage = "MODEL --cluster F [--method dpfp|NAME|all] [--input HxW] [--select | --no-select] [-o plan.json] "
             "[--format table|json] [--deviation N] [--seed N] [--backend B] [--weights F] [--grid N]",
    .summary = "plan a model on a cluster (DPFP or a baseline), write the plan, print the predicted timeline",
    .details = "Methods (labels: [paper] stated in the publication, [reconstructed] halo's reading where it\n"
               "gives no detail; see ALGORITHMS.md):\n"
               "  local  the whole model on the best single device (lowest standalone latency)\n"
               "  dpfp   [paper] receptive-field rows, fused blocks by dynamic programming, ES subset search.\n"
               "         [reconstructed] block cost = balanced max over ESs of receive + compute (linear\n"
               "         per-stage model); block boundaries then refined by a local search (split or\n"
               "         merge at one boundary) and heights by an integer search, both on the simulated\n"
               "         plan; subsets = the k fastest ESs, k = 1..N; tail on the best ES.\n"
               "  modnn  [paper] layer-by-layer scatter/gather through a group owner; BODP (biased 1-D\n"
               "         partition) for conv layers, MSCC for FC layers.\n"
               "         [reconstructed] every spatial stage a block, gathered at the source; BODP rows in\n"
               "         proportion to each ES's capacity on the stage; FC layers NOT split (no MSCC): the\n"
               "         tail (pool, FC) runs on one device, chosen by simulated latency.\n"
               "  deepslicing [paper] model and data partitioning; Proportional Synchronized Scheduler.\n"
               "         [reconstructed] sync points after the downsampling stages; rows in proportion to\n"
               "         measured speed, re-estimated from the simulated timeline until max - min finish\n"
               "         stops dropping; all data through the source at every sync point.\n"
               "  ftp    [paper] DeepThings: one fused block of the first L layers in an NxM grid of\n"
               "         tiles traced backwards, work stealing, the gateway stitches and runs the rest.\n"
               "         [reconstructed] work stealing emulated by giving each tile (row-major) to the ES\n"
               "         that finishes it first; gateway = lowest simulated latency (source or ES);\n"
               "         L = 1..S and grids 2x2..5x5 searched.\n"
               "  aofl   [paper] fused blocks, degree of parallelism per block from linear device and\n"
               "         network models.\n"
               "         [reconstructed] blocks exchange through the source; DP over block ends and the\n"
               "         number of (fastest) ESs per block; rows in proportion to capacity.\n"
               "  halp   [paper] the host ES computes the overlapping zones, secondary ESs get disjoint\n"
               "         work, transmission overlaps computation.\n"
               "         [reconstructed] host = fastest ES computes strips (>= the next block's halo)\n"
               "         between the secondaries' segments; secondaries compute interior rows first,\n"
               "         then edges, and talk only to the host; secondaries and block structure searched.\n"
               "  edgeci [paper] AWAS auction-based workload assignment; DPFL fused layers by a bottom-up\n"
               "         (tabulated) DP.\n"
               "         [reconstructed] AWAS: equal row partitions auctioned by predicted finish, then\n"
               "         single rows moved from the last to the first finisher; DPFL: tabulated block DP;\n"
               "         halo rows peer to peer; every ES takes part.\n"
               "  adcnn  LOSSY. [paper] FDSP: grid tiles (2x2..8x8) of the early blocks with zero padding\n"
               "         at tile borders (no halo); central node runs the rest; clipped ReLU + 4-bit\n"
               "         quantisation + run-length coded zeros; tiles to the node whose max x/s grows\n"
               "         least; late tiles (30 ms) replaced by zeros.\n"
               "         [reconstructed] early blocks = stage prefixes with output >= 1/8 of the input;\n"
               "         depth and grid searched; throughput s from the cost model; central node an ES;\n"
               "         the late-tile rule is not modelled. The codec's clip bound is fitted to real\n"
               "         activations and its compressed/raw ratio measured by really encoding the tile\n"
               "         outputs of --deviation N seeded inputs (on --backend with --weights); the plan\n"
               "         is then made again with that ratio, and its deviation from the model (max abs\n"
               "         error, relative L2 error, top-1 agreement) is printed and put in its notes.\n"
               "         --grid N fixes the grid at N x N (the depth is still searched), e.g. to\n"
               "         measure the deviation and the compressed bytes per grid size.\n"
               "  all    a comparison table of every method; lossy methods are marked NO* with their\n"
               "         deviation under the table.\n"
               "Predictions come from the cost model: per-layer measured times of the devices' profiles\n"
               "(scaled by tile height) or their fitted effective capacity; a message occupies the\n"
               "sender's uplink and the receiver's downlink for latency + bytes/bandwidth.",
    .opts = (const struct halo_cli_opt[]){
        {"cluster", 0, "F", "cluster file (JSON, schema halo-cluster/1)"},
        {"method", 0, "NAME", "planning method (default dpfp; 'all' compares every method)"},
        {"input", 0, "HxW", "input size (default 224x224)"},
        {"select", 0, NULL, "search the subset of ESs to use (the default)"},
        {"no-select", 0, NULL, "use every ES"},
        {"out", 'o', "F", "write the plan (JSON, schema halo-plan/1) to F"},
        {"format", 0, "table|json", "print a summary table (default) or the plan as JSON"},
        {"deviation", 0, "N", "lossy plans (adcnn): compare with the model on N seeded inputs (default 3; 0: skip)"},
        {"seed", 0, "N", "first seed of those inputs (default 1)"},
        {"backend", 0, "B", "backend for --deviation: cpu (default when compiled in), ref, cuda"},
        {"weights", 0, "FILE", "safetensors weights for --deviation (default: random, seed 0)"},
        {"grid", 0, "N", "adcnn: force its FDSP grid to N x N (2..8; default: searched with the depth)"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
};
