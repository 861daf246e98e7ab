/* halo plan's output (cmd_plan.c plans): the printed summary, stream and deviation tables, and the
 * JSON/CSV rows and documents of one plan or the comparison. */
#include "cli/cli.h"
#include "cli/cmd_plan.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/json.h"
#include "model/count.h"
#include "partition/planner.h"
#include "partition/stream_eval.h"
#include "runtime/plan_exec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void halo_cmd_plan_print_summary(const struct halo_plan *p, const struct halo_graph *g, const struct halo_cluster *c,
                                 double plan_ms)
{
    printf("%s plan: %s at %dx%d on %s (%d ESs, %d compute); %s\n", p->method, p->model, p->h, p->w, c->name,
           halo_cluster_n_es(c), halo_plan_n_computing(p), p->lossless ? "lossless" : "LOSSY (output differs from the model)");
    if (p->notes) printf("notes: %s\n", p->notes);
    char links[512];
    printf("predicted by the cost model: profiles' per-layer times or fitted capacity; %s\n\n",
           halo_cli_links_words(p->link, p->rates == HALO_RATES_NOMINAL, links, sizeof links));
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
    if (p->n_rot) {
        /* a stream rotates over the variants: frame f runs variant f mod n */
        printf("\nrotation: %d variants, frame f runs variant f mod %d (variant 0 is the plan above)\n",
               halo_plan_n_variants(p), halo_plan_n_variants(p));
        for (int v = 1; v < halo_plan_n_variants(p); v++) {
            const struct halo_plan *q = halo_plan_variant(p, v);
            printf("variant %d (one frame alone: %.3f ms):", v, q->total_ms);
            for (int b = 0; b < q->n_blocks; b++) {
                const struct halo_plan_block *bl = &q->block[b];
                printf(" block %d stages %d-%d on", b, bl->stage0, bl->stage1 - 1);
                for (int k = 0; k < bl->n_parts; k++)
                    printf("%s%s:[%d,%d)", k ? "," : " ", q->dev[bl->part[k].device].name, bl->part[k].out.y0,
                           bl->part[k].out.y1);
                printf(";");
            }
            if (q->tail.first < q->tail.last) printf(" tail on %s", q->dev[q->tail.device].name);
            printf("\n");
        }
    }
    printf("\n%-12s %11s %11s %11s %11s\n", "device", "compute_ms", "recv_ms", "send_ms", "idle_ms");
    for (int k = 0; k < p->n_dev; k++) {
        double cm, r, s, idle;
        halo_plan_device_times(p, k, &cm, &r, &s, &idle);
        printf("%-12s %11.3f %11.3f %11.3f %11.3f\n", p->dev[k].name, cm, r, s, idle);
    }
    int64_t macs = halo_count_range(g, 0, g->n_nodes).macs;
    printf("\npredicted latency %.3f ms (one frame alone%s); best single device %s %.3f ms; speedup %.2fx; latency "
           "reduction %.1f %%\n",
           p->total_ms, p->n_rot ? ", variant 0" : "", p->local_device ? p->local_device : "-", p->local_ms, p->local_ms / p->total_ms,
           halo_cli_unsigned_zero(100 * (1 - p->total_ms / p->local_ms), 1));
    printf("bytes moved %.3f MB; redundant MACs %lld (%.2f %% of the model's %lld)\n", (double)p->bytes_moved / 1e6,
           (long long)p->redundant_macs, 100.0 * (double)p->redundant_macs / (double)macs, (long long)macs);
    printf("planned in %.1f ms (the method's search, model and cluster already loaded; monotonic clock)\n", plan_ms);
}

void halo_cmd_plan_print_deviation(const struct halo_plan *p, const struct lossy_lab *lab, const struct halo_deviation *d,
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

/* ---- machine-readable output: one row per method, and the document ---------------------------- */

struct method_row halo_cmd_plan_method_row(const struct halo_plan *p, const struct halo_graph *g, double local_ms,
                                           const struct halo_deviation *d, bool have_dev, const struct halo_stream_figures *fig)
{
    int64_t macs = halo_count_range(g, 0, g->n_nodes).macs;
    return (struct method_row){.fig = *fig,
        .method = p->method, .link_model = halo_plan_link_model(p)->name, .latency_ms = p->total_ms, .local_ms = local_ms, .speedup = local_ms / p->total_ms,
        .reduction_pct = 100 * (1 - p->total_ms / local_ms), .bytes_moved = p->bytes_moved,
        .redundant_macs = p->redundant_macs, .model_macs = macs,
        .redundant_pct = 100.0 * (double)p->redundant_macs / (double)macs, .lossless = p->lossless,
        .es_used = halo_plan_n_computing(p), .dev = !p->lossless && have_dev ? d : NULL};
}

static cJSON *deviation_json(const struct halo_plan *p, const struct lossy_lab *lab, const struct halo_deviation *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "basis", lab->label);
    cJSON_AddNumberToObject(o, "inputs", d->n);
    cJSON_AddNumberToObject(o, "seed", (double)lab->seed);
    cJSON_AddNumberToObject(o, "max_abs_err", d->max_abs);
    cJSON_AddNumberToObject(o, "rel_l2_max", d->rel_l2_max);
    cJSON_AddNumberToObject(o, "rel_l2_mean", d->rel_l2_mean);
    cJSON_AddNumberToObject(o, "top1_agree", d->top1_agree);
    if (p->has_codec) {
        cJSON *c = cJSON_AddObjectToObject(o, "codec");
        cJSON_AddNumberToObject(c, "clip_lo", p->codec.clip_lo);
        cJSON_AddNumberToObject(c, "clip_hi", p->codec.clip_hi);
        cJSON_AddNumberToObject(c, "bits", p->codec.bits);
        cJSON_AddNumberToObject(c, "ratio", d->codec_ratio);
        cJSON_AddNumberToObject(c, "coded_bytes", (double)d->stats.coded_bytes);
        cJSON_AddNumberToObject(c, "raw_bytes", (double)d->stats.raw_bytes);
        cJSON_AddNumberToObject(c, "tile_outputs", d->stats.n_coded);
    }
    return o;
}

/* The plan as a stream: latency (one frame alone, and arrival -> result at the rate) and period
 * are separate keys, never one figure. */
static cJSON *figures_json(const struct halo_stream_figures *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "single_frame_latency_ms", f->single_ms);
    cJSON_AddNumberToObject(o, "period_ms", f->period_ms);
    cJSON_AddNumberToObject(o, "throughput_fps", f->throughput_fps);
    cJSON_AddNumberToObject(o, "period_bound_ms", f->period_bound_ms);
    cJSON_AddNumberToObject(o, "rate_fps", f->rate_fps);
    cJSON_AddNumberToObject(o, "latency_p50_ms", f->latency_p50_ms);
    cJSON_AddNumberToObject(o, "latency_p99_ms", f->latency_p99_ms);
    cJSON_AddNumberToObject(o, "queue_mean_ms", f->queue_mean_ms);
    cJSON_AddNumberToObject(o, "deadline_misses", f->deadline_misses);
    cJSON_AddNumberToObject(o, "frames", f->n_frames);
    cJSON_AddBoolToObject(o, "sustains", f->sustains);
    cJSON_AddBoolToObject(o, "feasible", f->feasible);
    return o;
}

cJSON *halo_cmd_plan_row_json(const struct method_row *r, const struct halo_plan *p, const struct lossy_lab *lab)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", r->method);
    cJSON_AddNumberToObject(o, "latency_ms", r->latency_ms);
    cJSON_AddNumberToObject(o, "speedup", r->speedup);
    cJSON_AddNumberToObject(o, "latency_reduction_pct", r->reduction_pct);
    cJSON_AddNumberToObject(o, "bytes_moved", (double)r->bytes_moved);
    cJSON_AddNumberToObject(o, "redundant_macs", (double)r->redundant_macs);
    cJSON_AddNumberToObject(o, "redundant_pct", r->redundant_pct);
    cJSON_AddBoolToObject(o, "lossless", r->lossless);
    cJSON_AddNumberToObject(o, "es_used", r->es_used);
    if (r->dev) cJSON_AddItemToObject(o, "deviation", deviation_json(p, lab, r->dev));
    else cJSON_AddNullToObject(o, "deviation");
    cJSON_AddItemToObject(o, "stream", figures_json(&r->fig));
    return o;
}

void halo_cmd_plan_row_csv(const struct method_row *r, const struct halo_graph *g, const struct halo_cluster *c,
                           const struct halo_objective *o)
{
    printf("%s,%dx%d,", g->name, g->input.h, g->input.w);
    halo_cli_csv_str(stdout, c->name);
    printf(",%s,%.6f,%.6f,%.9g,%.9g,%lld,%lld,%.9g,%s,%d,", r->method, r->latency_ms, r->local_ms, r->speedup,
           r->reduction_pct, (long long)r->bytes_moved, (long long)r->redundant_macs, r->redundant_pct,
           r->lossless ? "yes" : "no", r->es_used);
    if (r->dev)
        printf("%.9g,%.9g,%.9g,%d,%d,", r->dev->max_abs, r->dev->rel_l2_max, r->dev->rel_l2_mean, r->dev->top1_agree,
               r->dev->n);
    else
        printf(",,,,,");
    const struct halo_stream_figures *f = &r->fig;
    printf("%s,%.6f,%.6f,%.6f,%.6f,%.6f,%d,%d,%s,%s,%s\n", halo_objective_name(o->kind), f->period_ms,
           f->throughput_fps, f->rate_fps, f->latency_p50_ms, f->latency_p99_ms, f->deadline_misses, f->n_frames,
           f->feasible ? "yes" : "no", r->link_model, halo_rates_name(c->rates));
}

/* What the objective asks and how streams were simulated, in words (one line, no newline). */
static void objective_words(const struct halo_objective *o, char *buf, size_t n)
{
    char bound[96] = "";
    if (o->kind == HALO_OBJECTIVE_THROUGHPUT)
        snprintf(bound, sizeof bound, o->deadline_ms > 0 ? " with latency p99 <= %g ms" : " (no latency bound)",
                 o->deadline_ms);
    else if (o->fps > 0)
        snprintf(bound, sizeof bound, " that sustains %g frames/s", o->fps);
    else
        snprintf(bound, sizeof bound, " of one frame alone");
    snprintf(buf, n, "objective %s: the %s%s", halo_objective_name(o->kind),
             o->kind == HALO_OBJECTIVE_THROUGHPUT ? "highest throughput" : "lowest latency", bound);
}

static cJSON *objective_json(const struct halo_objective *o)
{
    cJSON *j = cJSON_CreateObject();
    char words[200];
    objective_words(o, words, sizeof words);
    cJSON_AddStringToObject(j, "kind", halo_objective_name(o->kind));
    cJSON_AddStringToObject(j, "means", words);
    if (o->fps > 0) cJSON_AddNumberToObject(j, "fps", o->fps);
    else cJSON_AddNullToObject(j, "fps");
    if (o->deadline_ms > 0) cJSON_AddNumberToObject(j, "deadline_ms", o->deadline_ms);
    else cJSON_AddNullToObject(j, "deadline_ms");
    cJSON_AddStringToObject(j, "arrivals", o->stream.arrivals == HALO_ARRIVALS_POISSON ? "poisson" : "periodic");
    if (o->stream.inflight > 0) cJSON_AddNumberToObject(j, "inflight", o->stream.inflight);
    else cJSON_AddStringToObject(j, "inflight", "2 per ES that computes");
    cJSON_AddStringToObject(j, "basis", "each plan simulated as a stream by the cost model: as fast as possible "
                                        "(period, throughput over the steady state after a warm-up), then with "
                                        "frames arriving at rate_fps (latency = arrival to result); rate_fps is "
                                        "the objective's fps, else the plan's own throughput");
    return j;
}

/* The comparison's or the plan's document: what the table shows, with units in the keys. */
cJSON *halo_cmd_plan_doc_new(const struct halo_planner_ctx *ctx)
{
    const struct halo_graph *g = ctx->g;
    cJSON *doc = cJSON_CreateObject();
    int in[2] = {g->input.h, g->input.w};
    cJSON_AddStringToObject(doc, "model", g->name);
    cJSON_AddItemToObject(doc, "input", cJSON_CreateIntArray(in, 2));
    cJSON_AddStringToObject(doc, "cluster", ctx->c->name);
    char basis[700], links[512];
    snprintf(basis, sizeof basis, "predicted by the cost model: profiles' per-layer times (measured) or fitted "
             "capacity; %s", halo_cli_links_words(ctx->opts.link, ctx->c->rates == HALO_RATES_NOMINAL, links,
                                                  sizeof links));
    cJSON_AddStringToObject(doc, "basis", basis);
    cJSON_AddStringToObject(doc, "link_model", (ctx->opts.link ? ctx->opts.link : halo_link_model_default())->name);
    cJSON_AddStringToObject(doc, "rates", halo_rates_name(ctx->c->rates));
    cJSON_AddStringToObject(doc, "local_device", ctx->c->dev[ctx->local_device].name);
    cJSON_AddNumberToObject(doc, "local_ms", ctx->local_ms);
    cJSON_AddNumberToObject(doc, "model_macs", (double)halo_count_range(g, 0, g->n_nodes).macs);
    cJSON_AddItemToObject(doc, "objective", objective_json(&ctx->opts.objective));
    return doc;
}

/* The stream table's head: what the objective asks, how the streams ran, what each column is. */
void halo_cmd_plan_stream_table_head(const struct halo_objective *o)
{
    char words[200];
    objective_words(o, words, sizeof words);
    printf("\nAs a stream (predicted by the same cost model): %s.\n", words);
    char inflight[48];
    if (o->stream.inflight > 0) snprintf(inflight, sizeof inflight, "%d frames", o->stream.inflight);
    else snprintf(inflight, sizeof inflight, "2 frames per computing ES");
    printf("%d frames per stream, %s arrivals, at most %s in flight. LATENCY and PERIOD are different\n"
           "figures: latency_1_ms = one frame alone; period_ms = steady-state time between results with frames\n"
           "as fast as possible (throughput_fps = 1000 / period_ms, warm-up frames left out); p50_ms and p99_ms =\n"
           "latency from a frame's arrival to its result, frames arriving at rate_fps (%s).\n",
           o->stream.n_frames > 0 ? o->stream.n_frames : HALO_STREAM_DEFAULT_FRAMES,
           o->stream.arrivals == HALO_ARRIVALS_POISSON ? "Poisson" : "periodic",
           inflight,
           o->fps > 0                                                 ? "the objective's rate"
           : o->kind == HALO_OBJECTIVE_THROUGHPUT && o->deadline_ms > 0 ? "the highest rate at which p99 stays within "
                                                                          "the bound, the throughput the objective scores"
                                                                        : "each plan's own throughput");
    printf("\n%-12s %13s %10s %15s %9s %9s %9s %7s %6s\n", "method", "latency_1_ms", "period_ms", "throughput_fps",
           "rate_fps", "p50_ms", "p99_ms", "misses", "meets");
}

/* Appends a row of the stream table to *buf. */
void halo_cmd_plan_stream_row(char **buf, size_t *len, size_t *cap, const char *name, const struct halo_stream_figures *f,
                              bool deadline)
{
    char line[256];
    char misses[32] = "-";
    if (deadline) snprintf(misses, sizeof misses, "%d", f->deadline_misses);
    int w = snprintf(line, sizeof line, "%-12s %13.3f %10.3f %15.2f %9.2f %9.3f %9.3f %7s %6s\n", name, f->single_ms,
                     f->period_ms, f->throughput_fps, f->rate_fps, f->latency_p50_ms, f->latency_p99_ms, misses,
                     f->feasible ? "yes" : "NO");
    if (w <= 0 || halo_grow((void **)buf, cap, *len + (size_t)w + 1, 1)) return;
    memcpy(*buf + *len, line, (size_t)w + 1);
    *len += (size_t)w;
}

/* The plan as a stream at the rate (rate_fps of its figures): utilisation and link loads. */
void halo_cmd_plan_print_stream(const struct halo_plan *p, const struct halo_objective *o, const struct halo_stream_figures *f,
                                const struct halo_stream_result *r)
{
    char words[200];
    objective_words(o, words, sizeof words);
    printf("\nas a stream (predicted; %s):\n", words);
    printf("  throughput %.2f frames/s = period %.3f ms (steady-state time between results, frames as fast as "
           "possible, at most %d in flight; NOT the latency); period bound %.3f ms (the busiest resource's time "
           "per frame)\n",
           f->throughput_fps, f->period_ms, r->inflight, f->period_bound_ms);
    printf("  latency (a frame's arrival to its result), %d frames arriving %s at %.2f frames/s (%s): p50 %.3f ms, "
           "p90 %.3f ms, p99 %.3f ms, max %.3f ms; queueing at the source mean %.3f ms",
           r->n_frames, o->stream.arrivals == HALO_ARRIVALS_POISSON ? "as a Poisson process" : "periodically",
           f->rate_fps, o->fps > 0 ? "the objective's rate" : "the plan's own throughput", r->stats.latency_p50_ms,
           r->stats.latency_p90_ms, r->stats.latency_p99_ms, r->stats.latency_max_ms, r->stats.queue_mean_ms);
    if (o->deadline_ms > 0) printf("; %d of %d frames miss %g ms", r->stats.deadline_misses, r->n_frames, o->deadline_ms);
    printf("\n  %s the objective%s\n", f->feasible ? "meets" : "does NOT meet",
           o->kind == HALO_OBJECTIVE_LATENCY && o->fps > 0 ? (f->sustains ? " (sustains the rate)" : " (cannot sustain the rate)") : "");
    printf("\n  %-12s %12s %14s %9s %16s %9s\n", "device", "utilisation", "uplink_MB_s", "up_busy", "downlink_MB_s",
           "down_busy");
    for (int k = 0; k < p->n_dev; k++)
        printf("  %-12s %12.3f %14.3f %9.3f %16.3f %9.3f\n", p->dev[k].name, r->util[k], r->up_bytes_s[k] / 1e6,
               r->up_busy[k], r->down_bytes_s[k] / 1e6, r->down_busy[k]);
    printf("  (utilisation = compute busy / span; busy = fraction of the span a link carries a message; span = "
           "first arrival to last result, %.3f ms)\n", r->stats.span_ms);
}

cJSON *halo_cmd_plan_stream_json(const struct halo_plan *p, const struct halo_stream_figures *f,
                                 const struct halo_stream_result *r)
{
    cJSON *o = figures_json(f);
    cJSON_AddNumberToObject(o, "inflight", r->inflight);
    cJSON_AddNumberToObject(o, "warmup_frames", r->stats.warmup);
    cJSON_AddNumberToObject(o, "latency_p90_ms", r->stats.latency_p90_ms);
    cJSON_AddNumberToObject(o, "latency_max_ms", r->stats.latency_max_ms);
    cJSON_AddNumberToObject(o, "span_ms", r->stats.span_ms);
    cJSON *devs = cJSON_AddArrayToObject(o, "devices");
    for (int k = 0; k < p->n_dev; k++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "name", p->dev[k].name);
        cJSON_AddNumberToObject(d, "utilisation", r->util[k]);
        cJSON_AddNumberToObject(d, "uplink_bytes_per_s", r->up_bytes_s[k]);
        cJSON_AddNumberToObject(d, "uplink_busy", r->up_busy[k]);
        cJSON_AddNumberToObject(d, "downlink_bytes_per_s", r->down_bytes_s[k]);
        cJSON_AddNumberToObject(d, "downlink_busy", r->down_busy[k]);
        cJSON_AddItemToArray(devs, d);
    }
    return o;
}
