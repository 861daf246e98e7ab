/* halo sim --fps (cmd_sim_stream.c): streams of frames under the channel, each frame with its own
 * link rates and queueing behind the frames before it; the stream mode's flags. Simulated (cost
 * model), never measured. */
#include "cli/cli.h"
#include "cli/cmd_sim.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/json.h"
#include "core/parse.h"
#include "core/provenance.h"
#include "model/model.h"
#include "partition/planner.h"
#include "partition/sim.h"
#include "partition/stream_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- streams under the channel ------------------------------------------------------------ */

/* One method at one rate: the plan, each frame's links drawn from the channel, the stream. */
static enum halo_status stream_one(const struct halo_planner_ctx *ctx, const struct halo_planner_info *info,
                                   const struct halo_channel *ch, const struct sim_args *A, double fps,
                                   struct halo_plan **pp, struct halo_stream_result *r)
{
    const struct halo_cluster *c = ctx->c;
    struct halo_planner_ctx pc = *ctx;
    pc.opts.objective = (struct halo_objective){.kind = A->objective, .stream = A->stream};
    if (A->objective == HALO_OBJECTIVE_LATENCY) pc.opts.objective.fps = fps;
    struct halo_plan *p = NULL;
    HALO_TRY(info->plan(&pc, &p));
    *pp = p;
    int n = A->stream.n_frames, nd = p->n_dev;
    int *map = halo_malloc((size_t)nd, sizeof *map);
    double *bw = halo_malloc((size_t)n * nd * nd, sizeof *bw), *cap = halo_malloc((size_t)n * 2 * nd, sizeof *cap);
    const double **frame = halo_malloc((size_t)n, sizeof *frame), **frame_cap = halo_malloc((size_t)n, sizeof *frame_cap);
    enum halo_status st = map && bw && cap && frame && frame_cap ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK) st = halo_sim_device_map(p, c, map);
    for (int f = 0; f < n && st == HALO_OK; f++) { /* frame f sees draw f: the same for every method */
        frame[f] = bw + (size_t)f * nd * nd;
        frame_cap[f] = cap + (size_t)f * 2 * nd;
        halo_sim_bandwidths(p, c, ch, map, A->seed, (uint64_t)f, bw + (size_t)f * nd * nd, cap + (size_t)f * 2 * nd);
    }
    struct halo_stream_opts so = A->stream;
    so.fps = fps;
    so.bw_frame = frame;
    so.cap_frame = frame_cap;
    if (st == HALO_OK) st = halo_plan_stream(p, &so, r);
    free(map);
    free(bw);
    free(cap);
    free(frame);
    free(frame_cap);
    return st;
}

int halo_sim_stream(const struct halo_cli_cmd *cmd, const char *model, struct sim_args *A)
{
    struct halo_cluster *c = NULL;
    struct halo_channel *ch = NULL;
    struct halo_graph *g = NULL;
    struct halo_planner_ctx ctx = {0};
    struct halo_outfile *csv = NULL;
    char *prov_csv = NULL;
    struct halo_provenance prov = {0};
    cJSON *doc = NULL, *jmethods = NULL;
    enum halo_status st = halo_cluster_load(A->cluster, &c);
    if (st == HALO_OK) st = halo_channel_new(c, &ch);
    if (st == HALO_OK) st = halo_model_build_for(model, A->base_h, A->base_w, &g);
    if (st == HALO_OK) st = halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){.link = A->link});
    if (st == HALO_OK && A->csv) st = halo_outfile_open(A->csv, &csv);
    if (st == HALO_OK) st = halo_provenance_get(&prov, "", "", 0);
    if (st == HALO_OK && !(prov_csv = halo_provenance_csv_values(&prov))) st = HALO_ERR_NOMEM;
    if (st != HALO_OK) goto done;
    const char *chname = ch->model == HALO_CHANNEL_STATIC ? "static" : ch->model == HALO_CHANNEL_RAYLEIGH ? "rayleigh" : "trace";
    const char *arr = A->stream.arrivals == HALO_ARRIVALS_POISSON ? "poisson" : "periodic";
    const char *basis = "streams through the cost model, each frame with its own link rates drawn from the "
                        "channel, frames queueing behind slower ones; not measured. The 95 % Wilson intervals treat a "
                        "stream's frames as independent, which they are not (a slow frame delays those behind it): "
                        "read them as optimistic";
    char inflight[32];
    if (A->stream.inflight > 0) snprintf(inflight, sizeof inflight, "%d", A->stream.inflight);
    else snprintf(inflight, sizeof inflight, "2 per computing ES");
    FILE *sinks[2];
    int n_sinks = 0;
    if (csv) sinks[n_sinks++] = halo_outfile_stream(csv);
    if (A->format == HALO_FORMAT_CSV) sinks[n_sinks++] = stdout;
    for (int k = 0; k < n_sinks; k++)
        fprintf(sinks[k], "model,input,cluster,channel,method,objective,fps,arrivals,frames,inflight,seed,deadline_ms,"
                          "misses,p_miss,ci_lo,ci_hi,throughput_fps,latency_p50_ms,latency_p99_ms,link_model,rates,basis,%s\n",
                halo_provenance_csv_header());
    if (A->format == HALO_FORMAT_JSON) {
        doc = cJSON_CreateObject();
        int hw[2] = {A->base_h, A->base_w};
        cJSON_AddStringToObject(doc, "model", model);
        cJSON_AddItemToObject(doc, "input", cJSON_CreateIntArray(hw, 2));
        cJSON_AddStringToObject(doc, "cluster", c->name);
        cJSON_AddStringToObject(doc, "channel", chname);
        cJSON_AddStringToObject(doc, "link_model", halo_sim_link_name(A));
        cJSON_AddStringToObject(doc, "rates", halo_rates_name(c->rates));
        cJSON_AddStringToObject(doc, "objective", halo_objective_name(A->objective));
        cJSON_AddNumberToObject(doc, "frames", A->stream.n_frames);
        cJSON_AddStringToObject(doc, "arrivals", arr);
        cJSON_AddStringToObject(doc, "inflight", inflight);
        cJSON_AddNumberToObject(doc, "seed", (double)A->seed);
        char full[512];
        snprintf(full, sizeof full, "simulated: %s", basis);
        cJSON_AddStringToObject(doc, "basis", full);
        cJSON_AddItemToObject(doc, "deadlines_ms", cJSON_CreateDoubleArray(A->deadlines, A->n_deadlines));
        cJSON_AddItemToObject(doc, "provenance", halo_cli_provenance_json(&prov));
        jmethods = cJSON_AddArrayToObject(doc, "methods");
    } else if (A->format == HALO_FORMAT_TABLE) {
        printf("%s at %dx%d on %s: channel %s; streams of %d frames, %s arrivals, at most %s in flight; seed %llu; "
               "plans for %s\n",
               model, A->base_h, A->base_w, c->name, chname, A->stream.n_frames, arr, inflight,
               (unsigned long long)A->seed,
               A->objective == HALO_OBJECTIVE_LATENCY ? "the lowest latency at each rate" : "the highest throughput");
        char links[512];
        printf("SIMULATED: %s; %s\n\n", basis, halo_cli_links_words(A->link, c->rates == HALO_RATES_NOMINAL, links,
                                                                     sizeof links));
        printf("%-12s %8s %10s %9s %9s", "method", "fps", "thru_fps", "p50_ms", "p99_ms");
        for (int d = 0; d < A->n_deadlines; d++) {
            char head[64];
            snprintf(head, sizeof head, "P(>%gms) [95%% CI]", A->deadlines[d]);
            printf("   %-25s", head);
        }
        printf("\n");
    }
    for (int m = 0; m < A->n_methods && st == HALO_OK; m++) {
        const struct halo_planner_info *info = halo_planner_find(A->methods[m]);
        cJSON *jm = NULL, *jr = NULL;
        if (doc) {
            jm = cJSON_CreateObject();
            cJSON_AddStringToObject(jm, "method", info->name);
            jr = cJSON_AddArrayToObject(jm, "rates");
            cJSON_AddItemToArray(jmethods, jm);
        }
        for (int q = 0; q < A->n_fps && st == HALO_OK; q++) {
            struct halo_plan *p = NULL;
            struct halo_stream_result r;
            st = stream_one(&ctx, info, ch, A, A->fps[q], &p, &r);
            if (st != HALO_OK) {
                halo_plan_free(p);
                halo_error_prefix("%s", info->name);
                break;
            }
            char fps[32];
            if (A->fps[q] > 0) snprintf(fps, sizeof fps, "%g", A->fps[q]);
            else snprintf(fps, sizeof fps, "max");
            cJSON *jd = NULL;
            if (jr) {
                cJSON *o = cJSON_CreateObject();
                if (A->fps[q] > 0) cJSON_AddNumberToObject(o, "fps", A->fps[q]);
                else cJSON_AddStringToObject(o, "fps", "max");
                cJSON_AddBoolToObject(o, "lossless", p->lossless);
                cJSON_AddNumberToObject(o, "throughput_fps", r.stats.throughput_fps);
                cJSON_AddNumberToObject(o, "latency_p50_ms", r.stats.latency_p50_ms);
                cJSON_AddNumberToObject(o, "latency_p99_ms", r.stats.latency_p99_ms);
                cJSON_AddNumberToObject(o, "queue_mean_ms", r.stats.queue_mean_ms);
                jd = cJSON_AddArrayToObject(o, "deadlines");
                cJSON_AddItemToArray(jr, o);
            } else if (A->format == HALO_FORMAT_TABLE) {
                printf("%-12s %8s %10.2f %9.3f %9.3f", info->name, fps, r.stats.throughput_fps, r.stats.latency_p50_ms,
                       r.stats.latency_p99_ms);
            }
            for (int d = 0; d < A->n_deadlines; d++) {
                int64_t f = 0;
                for (int i = 0; i < r.n_frames; i++) f += r.done_ms[i] - r.arrival_ms[i] > A->deadlines[d];
                double lo, hi, pf;
                halo_sim_deadline_cell(jd, A->format, A->deadlines[d], f, r.n_frames, "misses", "p_miss", &pf, &lo, &hi);
                for (int k = 0; k < n_sinks; k++) {
                    fprintf(sinks[k], "%s,%dx%d,", model, A->base_h, A->base_w);
                    halo_cli_csv_str(sinks[k], c->name);
                    fprintf(sinks[k], ",%s,%s,%s,%s,%s,%d,%s,%llu,%g,%lld,%.9g,%.9g,%.9g,%.6f,%.6f,%.6f,%s,%s,simulated,%s\n",
                            chname, info->name, halo_objective_name(A->objective), fps, arr, r.n_frames, inflight,
                            (unsigned long long)A->seed, A->deadlines[d], (long long)f, pf, lo, hi,
                            r.stats.throughput_fps, r.stats.latency_p50_ms, r.stats.latency_p99_ms, halo_sim_link_name(A),
                            halo_rates_name(c->rates), prov_csv);
                }
            }
            if (A->format == HALO_FORMAT_TABLE) printf("%s\n", p->lossless ? "" : "   LOSSY");
            halo_stream_result_free(&r);
            halo_plan_free(p);
        }
    }
done:;
    free(prov_csv);
    halo_provenance_free(&prov);
    int rc = st == HALO_OK ? HALO_EXIT_OK : halo_cli_fail(cmd, st);
    if (csv && rc == HALO_EXIT_OK) {
        enum halo_status cst = halo_outfile_close(csv);
        if (cst != HALO_OK) rc = halo_cli_fail(cmd, cst);
    } else {
        halo_outfile_discard(csv);
    }
    if (doc && rc == HALO_EXIT_OK) rc = halo_cli_put_json(cmd, doc);
    else cJSON_Delete(doc);
    halo_planner_ctx_free(&ctx);
    halo_graph_free(g);
    halo_channel_free(ch);
    halo_cluster_free(c);
    return rc;
}

/* The stream mode's flags into A (a usage error's exit code, or 0). */
int halo_sim_stream_args(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *fps_s,
                         struct sim_args *A)
{
    static const char *const draws_only[] = {"draws", "sizes", "reuse-plan", "dump", "dump-count"};
    for (size_t i = 0; i < sizeof draws_only / sizeof draws_only[0]; i++)
        if (halo_cli_has(cmd, a, draws_only[i]))
            return halo_cli_usage_error(cmd, "--%s is for independent draws; --fps simulates streams of --frames "
                                             "frames at one input size", draws_only[i]);
    char **items;
    int n;
    if (halo_parse_str_list("--fps", fps_s, &items, &n) != HALO_OK) return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    A->fps = halo_calloc((size_t)n, sizeof *A->fps);
    if (!A->fps) {
        halo_strlist_free(items, n);
        return halo_cli_fail(cmd, HALO_ERR_NOMEM);
    }
    A->n_fps = n;
    for (int i = 0; i < n; i++)
        if (strcmp(items[i], "max") && halo_parse_double("--fps", items[i], 1e-6, 1e9, &A->fps[i]) != HALO_OK) {
            halo_strlist_free(items, n);
            return halo_cli_usage_error(cmd, "%s (or 'max': as fast as possible)", halo_error_msg());
        }
    halo_strlist_free(items, n);
    int rc = halo_cli_stream_opts(cmd, a, A->seed, &A->stream, NULL);
    if (rc) return rc;
    A->stream.fps = 0;
    if (A->stream.n_frames <= 0) A->stream.n_frames = 1000;
    const char *v = halo_cli_get(cmd, a, "objective");
    A->objective = v && !strcmp(v, "throughput") ? HALO_OBJECTIVE_THROUGHPUT : HALO_OBJECTIVE_LATENCY;
    if (v && strcmp(v, "throughput") && strcmp(v, "latency"))
        return halo_cli_usage_error(cmd, "--objective: '%s': expected latency or throughput", v);
    return 0;
}
