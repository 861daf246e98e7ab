/* halo plan: plan a model on a cluster with one method (or compare all) and print a summary. */
#include "cli/cli.h"
#include "cli/cmd_plan.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/parse.h"
#include "model/count.h"
#include "model/model.h"
#include "model/weights.h"
#include "partition/planner.h"
#include "partition/stream_eval.h"
#include "runtime/plan_exec.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- lossy plans: deviation from the model and the codec measured on real activations ------- */

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
    HALO_TRY(halo_model_weights(g, lab->weights, PLAN_DEVIATION_WEIGHTS_SEED, &lab->w));
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
    enum halo_status st = halo_cli_check_memory(g); /* the deviation runs the whole model */
    if (st == HALO_OK) st = lab_open(lab, g);
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

static const char *const CSV_HEADER = "model,input,cluster,method,latency_ms,local_ms,speedup,latency_reduction_pct,"
                                      "bytes_moved,redundant_macs,redundant_pct,lossless,es_used,max_abs_err,"
                                      "rel_l2_max,rel_l2_mean,top1_agree,deviation_inputs,objective,period_ms,"
                                      "throughput_fps,rate_fps,stream_latency_p50_ms,stream_latency_p99_ms,"
                                      "deadline_misses,stream_frames,feasible,link_model,rates";

static int compare_all(const struct halo_cli_cmd *cmd, enum halo_cli_format fmt, const struct halo_planner_ctx *ctx,
                       struct lossy_lab *lab)
{
    int n, n_lossy = 0;
    const struct halo_planner_info *pl = halo_planners(&n);
    char footnotes[4096] = "";
    cJSON *doc = NULL, *rows = NULL;
    if (fmt == HALO_FORMAT_JSON) {
        doc = halo_cmd_plan_doc_new(ctx);
        rows = cJSON_AddArrayToObject(doc, "methods");
    } else if (fmt == HALO_FORMAT_CSV) {
        printf("%s\n", CSV_HEADER);
    } else {
        printf("%s at %dx%d on %s; predicted by the cost model; local = best single device (%s, %.3f ms)\n\n",
               ctx->g->name, ctx->g->input.h, ctx->g->input.w, ctx->c->name, ctx->c->dev[ctx->local_device].name,
               ctx->local_ms);
        printf("%-12s %12s %9s %13s %13s %14s %9s %4s\n", "method", "latency_ms", "speedup", "reduction_pct",
               "bytes_moved", "redundant_pct", "lossless", "ESs");
    }
    char *stream_rows = NULL; /* the second table: every plan as a stream */
    size_t stream_len = 0, stream_cap = 0;
    int best = -1;
    struct halo_stream_figures best_fig = {0};
    for (int i = 0; i < n; i++) {
        struct halo_plan *p;
        struct halo_deviation d;
        bool have_dev;
        double plan_ms;
        enum halo_status st = plan_method(&pl[i], ctx, lab, &p, &d, &have_dev, &plan_ms);
        if (st == HALO_ERR_INVALID || st == HALO_ERR_UNSUPPORTED) {
            /* a method that cannot plan this input (FTP's grid at 1x1) is a row of the comparison,
             * not its end: n/a and why */
            const char *why = halo_error_msg();
            size_t nl = strlen(pl[i].name);
            if (!strncmp(why, pl[i].name, nl) && !strncmp(why + nl, ": ", 2)) why += nl + 2;
            if (fmt == HALO_FORMAT_JSON) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "method", pl[i].name);
                cJSON_AddStringToObject(o, "error", why);
                cJSON_AddItemToArray(rows, o);
            } else if (fmt == HALO_FORMAT_CSV) {
                printf("%s,%dx%d,", ctx->g->name, ctx->g->input.h, ctx->g->input.w);
                halo_cli_csv_str(stdout, ctx->c->name);
                printf(",%s,,,,,,,,,,,,,,\n", pl[i].name);
                fprintf(stderr, "halo %s: note: %s: n/a: %s\n", cmd->name, pl[i].name, why);
            } else {
                printf("%-12s %12s   (%s)\n", pl[i].name, "n/a", why);
            }
            continue;
        }
        if (st != HALO_OK) {
            const char *msg = halo_error_msg();
            size_t nl = strlen(pl[i].name);
            bool named = !strncmp(msg, pl[i].name, nl) && !strncmp(msg + nl, ": ", 2);
            fprintf(stderr, "halo %s: %s%s%s\n", cmd->name, named ? "" : pl[i].name, named ? "" : ": ", msg);
            cJSON_Delete(doc);
            free(stream_rows);
            return HALO_EXIT_FAIL;
        }
        struct halo_stream_figures fig;
        st = halo_plan_figures(p, &ctx->opts.objective, &fig);
        if (st != HALO_OK) {
            fprintf(stderr, "halo %s: %s: stream: %s\n", cmd->name, pl[i].name, halo_error_msg());
            halo_plan_free(p);
            cJSON_Delete(doc);
            free(stream_rows);
            return HALO_EXIT_FAIL;
        }
        struct method_row r = halo_cmd_plan_method_row(p, ctx->g, ctx->local_ms, &d, have_dev, &fig);
        if (best < 0 || halo_objective_compare(&ctx->opts.objective, &fig, &best_fig) > 0) {
            best = i;
            best_fig = fig;
        }
        if (fmt == HALO_FORMAT_JSON) {
            cJSON_AddItemToArray(rows, halo_cmd_plan_row_json(&r, p, lab));
        } else if (fmt == HALO_FORMAT_CSV) {
            halo_cmd_plan_row_csv(&r, ctx->g, ctx->c, &ctx->opts.objective);
        } else {
            halo_cmd_plan_stream_row(&stream_rows, &stream_len, &stream_cap, pl[i].name, &fig, ctx->opts.objective.deadline_ms > 0);
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
            double reduction = halo_cli_unsigned_zero(r.reduction_pct, 1);
            printf("%-12s %12.3f %8.2fx %13.1f %13lld %14.2f %9s %4d\n", pl[i].name, r.latency_ms, r.speedup, reduction,
                   (long long)r.bytes_moved, r.redundant_pct, mark, r.es_used);
        }
        halo_plan_free(p);
    }
    if (doc) {
        cJSON_AddStringToObject(doc, "best_under_objective", pl[best].name);
        free(stream_rows);
        return halo_cli_put_json(cmd, doc);
    }
    if (fmt == HALO_FORMAT_TABLE) {
        if (n_lossy) printf("\n%s", footnotes);
        halo_cmd_plan_stream_table_head(&ctx->opts.objective);
        fputs(stream_rows ? stream_rows : "", stdout);
        printf("best under the objective: %s%s\n", pl[best].name,
               best_fig.feasible ? "" : " (no method meets the objective's bound: the nearest)");
    }
    free(stream_rows);
    return HALO_EXIT_OK;
}

/* The plan as its file has it (halo-plan/1), read back through the file writer so that the two
 * never differ. */
static enum halo_status plan_doc(const struct halo_plan *p, cJSON **out)
{
    char tmp[] = "/tmp/halo-plan-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0) return halo_error(HALO_ERR_IO, "cannot create a temporary file");
    close(fd);
    enum halo_status st = halo_plan_save(p, tmp);
    if (st == HALO_OK) st = halo_json_load(tmp, out);
    remove(tmp);
    return st;
}

static int print_one(const struct halo_cli_cmd *cmd, enum halo_cli_format fmt, const struct halo_planner_ctx *ctx,
                     const struct halo_plan *p, const struct lossy_lab *lab, const struct halo_deviation *d,
                     bool have_dev, double plan_ms, const char *outp)
{
    const struct halo_objective *o = &ctx->opts.objective;
    struct halo_stream_figures fig;
    struct halo_stream_result sr;
    enum halo_status st = halo_plan_figures(p, o, &fig);
    struct halo_stream_opts so = o->stream;
    so.fps = isfinite(fig.rate_fps) ? fig.rate_fps : 0;
    so.deadline_ms = o->deadline_ms;
    if (st == HALO_OK) st = halo_plan_stream(p, &so, &sr);
    if (st != HALO_OK) return halo_cli_fail(cmd, st);
    struct method_row r = halo_cmd_plan_method_row(p, ctx->g, p->local_ms, d, have_dev, &fig);
    if (fmt == HALO_FORMAT_CSV) {
        printf("%s\n", CSV_HEADER);
        halo_cmd_plan_row_csv(&r, ctx->g, ctx->c, o);
        halo_stream_result_free(&sr);
        return HALO_EXIT_OK;
    }
    if (fmt == HALO_FORMAT_TABLE) {
        halo_cmd_plan_print_summary(p, ctx->g, ctx->c, plan_ms);
        halo_cmd_plan_print_stream(p, o, &fig, &sr);
        halo_cmd_plan_print_deviation(p, lab, d, have_dev);
        if (outp) printf("wrote %s\n", outp);
        halo_stream_result_free(&sr);
        return HALO_EXIT_OK;
    }
    cJSON *plan = NULL;
    st = plan_doc(p, &plan);
    if (st != HALO_OK) {
        halo_stream_result_free(&sr);
        return halo_cli_fail(cmd, st);
    }
    cJSON *doc = halo_cmd_plan_doc_new(ctx), *row = halo_cmd_plan_row_json(&r, p, lab), *it;
    cJSON_ReplaceItemInObject(row, "stream", halo_cmd_plan_stream_json(p, &fig, &sr));
    halo_stream_result_free(&sr);
    /* the method's row at the top level, beside what only a single plan has */
    while ((it = row->child)) cJSON_AddItemToObject(doc, it->string, cJSON_DetachItemViaPointer(row, it));
    cJSON_Delete(row);
    cJSON_ReplaceItemInObject(doc, "local_device", cJSON_CreateString(p->local_device ? p->local_device : "-"));
    cJSON_ReplaceItemInObject(doc, "local_ms", cJSON_CreateNumber(p->local_ms));
    cJSON_AddNumberToObject(doc, "es_selected", p->n_dev - 1);
    if (p->notes) cJSON_AddStringToObject(doc, "notes", p->notes);
    cJSON_AddNumberToObject(doc, "planning_ms", plan_ms);
    cJSON_AddStringToObject(doc, "planning_clock", "monotonic: the method's search, model and cluster already loaded");
    if (outp) cJSON_AddStringToObject(doc, "plan_file", outp);
    else cJSON_AddNullToObject(doc, "plan_file");
    cJSON_AddItemToObject(doc, "plan", plan);
    return halo_cli_put_json(cmd, doc);
}

/* The methods of `halo plan --help`, from the planners' registry: what each paper states and what
 * halo reconstructs. */
static void help_details(FILE *f)
{
    fprintf(f, "Methods (labels: [paper] stated in the publication, [reconstructed] halo's reading where it\n"
               "gives no detail; 'halo methods' lists them for scripts):\n");
    int n;
    const struct halo_planner_info *pl = halo_planners(&n);
    for (int i = 0; i < n; i++) {
        char head[160];
        /* a method that is halo's own says so where the others cite their paper */
        int col = snprintf(head, sizeof head, "  %-6s %s%s", pl[i].name, pl[i].lossless ? "" : "LOSSY. ",
                           !strcmp(pl[i].role, "reference") ? "" : !strcmp(pl[i].role, "extension") ? "[halo's extension] "
                                                                                                   : "[paper] ");
        fputs(head, f);
        halo_cli_wrap(f, col, 9, 100, pl[i].paper);
        if (pl[i].reconstructed) {
            fprintf(f, "         [reconstructed] ");
            halo_cli_wrap(f, 25, 9, 100, pl[i].reconstructed);
        }
    }
    fprintf(f, "  all    a comparison of every method; lossy methods are marked NO* with their deviation\n"
               "         under the table.\n"
               "Predictions come from the cost model: per-layer measured times of the devices' profiles\n"
               "(scaled by tile height) or their fitted effective capacity; a message uses the sender's\n"
               "uplink and the receiver's downlink as the link model says (a message alone: latency +\n"
               "bytes/bandwidth). A cluster's rates are goodput (the default: used as given) or, with\n"
               "\"rates\": \"nominal\", line rates that halo takes as goodput x 1448/1514 (TCP over Ethernet).\n"
               "--format json prints what the table shows (one method: its plan, as -o writes it, under\n"
               "\"plan\"); csv one row per method.\n"
               "Streams. Every plan is also simulated as a stream of frames by the same cost model (a device\n"
               "runs the oldest frame's ready step; frames pipeline across ESs): its PERIOD (steady-state time\n"
               "between results with frames as fast as possible, at most --inflight in flight; throughput =\n"
               "1000 / period) and its LATENCY (a frame's arrival to its result, p50 and p99, with frames\n"
               "arriving at --fps, or at the plan's own throughput) are printed apart, never as one figure.\n"
               "--objective says what the plan is for:\n"
               "  latency     the lowest latency: of one frame alone (the default, the papers' setting), or\n"
               "              with --fps F the lowest p99 latency among plans that sustain F frames/s\n"
               "  throughput  the highest throughput, with --deadline-ms D among plans whose p99 latency at\n"
               "              their own throughput is <= D\n"
               "dpfp ranks its ES subsets by the objective, dpfp-stream (halo's extension) searches its\n"
               "pipelines under it, pipeedge and roundrobin plan for throughput as their designs do, and the\n"
               "other baselines plan as their papers say (one frame's latency); every plan is then evaluated\n"
               "under the objective, and --method all names the best.\n");
    halo_cli_link_models_help(f);
    fprintf(f, "The planners use the chosen model wherever they simulate a whole plan (dpfp ranks its\n"
               "candidates and ES subsets so, and every plan's prediction is so); their own closed-form\n"
               "estimates (e.g. dpfp's block costs) are the same under every model.\n");
}

/* --objective, --fps, --deadline-ms and the stream flags into *o; a usage error's exit code, or 0. */
static int objective_opts(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, uint64_t seed,
                          struct halo_objective *o)
{
    *o = (struct halo_objective){.kind = HALO_OBJECTIVE_LATENCY};
    bool fps_given;
    int rc = halo_cli_stream_opts(cmd, a, seed, &o->stream, &fps_given);
    if (rc) return rc;
    const char *v = halo_cli_get(cmd, a, "objective");
    if (v && !strcmp(v, "throughput")) o->kind = HALO_OBJECTIVE_THROUGHPUT;
    else if (v && strcmp(v, "latency"))
        return halo_cli_usage_error(cmd, "--objective: '%s': expected latency or throughput", v);
    if ((v = halo_cli_get(cmd, a, "deadline-ms")) && halo_parse_double("--deadline-ms", v, 1e-6, 1e12, &o->deadline_ms) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if (fps_given && o->kind == HALO_OBJECTIVE_THROUGHPUT)
        return halo_cli_usage_error(cmd, "--fps is the rate the latency objective sustains; the throughput objective "
                                         "finds the highest rate itself (bound its latency with --deadline-ms)");
    o->fps = o->stream.fps;
    o->stream.fps = 0;
    return 0;
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *cluster = halo_cli_get(cmd, &a, "cluster"), *method = halo_cli_get(cmd, &a, "method");
    const char *outp = halo_cli_get(cmd, &a, "out");
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
    if (halo_cli_has(cmd, &a, "select") && halo_cli_has(cmd, &a, "no-select"))
        return halo_cli_usage_error(cmd, "--select and --no-select exclude each other");
    if (all && outp) return halo_cli_usage_error(cmd, "--method all compares the methods; -o writes the plan of one");
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
    if (st == HALO_OK) st = halo_model_build_for(a.pos[0], h, w, &g);
    if (st == HALO_OK) st = halo_cluster_load(cluster, &c);
    struct halo_planner_opts opts = {.no_select = halo_cli_has(cmd, &a, "no-select"), .adcnn_grid = grid};
    rc = objective_opts(cmd, &a, lab.seed, &opts.objective);
    if (!rc) rc = halo_cli_link_model(cmd, &a, &opts.link);
    if (rc) {
        halo_cluster_free(c);
        halo_graph_free(g);
        return rc;
    }
    if (st == HALO_OK) st = halo_planner_ctx_init(&ctx, g, c, opts);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
    } else if (all) {
        rc = compare_all(cmd, a.format, &ctx, &lab);
    } else {
        struct halo_deviation dev;
        bool have_dev = false;
        double plan_ms = 0;
        st = plan_method(info, &ctx, &lab, &p, &dev, &have_dev, &plan_ms);
        if (st == HALO_OK) st = halo_plan_validate(p, g, "plan");
        if (st == HALO_OK && outp) st = halo_plan_save(p, outp);
        if (st != HALO_OK) rc = halo_cli_fail(cmd, st);
        else rc = print_one(cmd, a.format, &ctx, p, &lab, &dev, have_dev, plan_ms, outp);
    }
    /* after the results, and only when they were printed: a failed plan's one error line stays alone */
    if (rc == HALO_EXIT_OK) {
        struct halo_cli_foreign *fo = halo_cli_foreign_new();
        halo_cli_foreign_add(fo, c, NULL, 0);
        halo_cli_foreign_print(cmd, fo);
        halo_cli_foreign_free(fo);
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
             "[--format table|csv|json] [--deviation N] [--seed N] [--backend B] [--weights F] [--grid N] "
             "[--objective latency|throughput] [--fps F|max] [--deadline-ms D] [--frames N] [--inflight K] "
             "[--arrivals periodic|poisson] [--link-model fifo|fair|tcp]",
    .summary = "plan a model on a cluster (DPFP or a baseline), write the plan, print the predicted timeline",
    .help_details = help_details,
    .opts = (const struct halo_cli_opt[]){
        {"cluster", 0, "F", "cluster file (JSON, schema halo-cluster/1)"},
        {"method", 0, "NAME", "planning method (default dpfp; 'all' compares every method)"},
        {"input", 0, "HxW", "input size (default 224x224)"},
        {"select", 0, NULL, "search the subset of ESs to use (the default)"},
        {"no-select", 0, NULL, "use every ES"},
        {"out", 'o', "F", "write the plan (JSON, schema halo-plan/1) to F"},
        {"deviation", 0, "N", "lossy plans (adcnn): compare with the model on N seeded inputs (default 3; 0: skip)"},
        {"seed", 0, "N", "first seed of those inputs, and the Poisson arrivals' seed (default 1)"},
        {"backend", 0, "B", "backend for --deviation: cpu (default when compiled in), ref, cuda"},
        {"weights", 0, "FILE", "safetensors weights for --deviation (default: random, seed 0)"},
        {"grid", 0, "N", "adcnn: force its FDSP grid to N x N (2..8; default: searched with the depth)"},
        {"objective", 0, "KIND", "latency (default) or throughput: what the plan is for (see below)"},
        {"fps", 0, "F|max", "latency objective: the frame rate to sustain; stream latencies are taken at it "
                            "(default max: each plan's own throughput)"},
        {"deadline-ms", 0, "D", "throughput objective: bound on the p99 latency; otherwise frames over D are counted"},
        {"frames", 0, "N", "frames per simulated stream (default 100)"},
        {"inflight", 0, "K", "frames in flight at most (default 2 per ES that computes)"},
        {"arrivals", 0, "KIND", "periodic (default) or poisson (seeded by --seed) arrivals at the rate"},
        {"link-model", 0, "NAME", "the link model plans are priced and predicted with: fifo (default) or fair "
                                  "(see below); the plan file names it"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
