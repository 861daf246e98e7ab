/* halo sim --adapt: one stream in the cost model while links follow a trace over time and ESs
 * straggle for a while, run twice — on one plan throughout (static) and re-planned as the estimates
 * move (adaptive) — with latency per frame, deadline misses and every re-plan (partition/adapt_sim.h). */
#include "cli/cli.h"
#include "cli/cmd_sim.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/parse.h"
#include "core/provenance.h"
#include "model/model.h"
#include "partition/adapt_sim.h"
#include "partition/planner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "NAME:FACTOR@T0-T1[,...]" (seconds) into stragglers of cluster c. */
static enum halo_status parse_stragglers(const char *s, const struct halo_cluster *c, struct halo_straggler **out, int *n)
{
    char **items = NULL;
    int k = 0;
    *out = NULL;
    *n = 0;
    HALO_TRY(halo_parse_str_list("--straggler", s, &items, &k));
    struct halo_straggler *v = halo_calloc((size_t)k, sizeof *v);
    enum halo_status st = v ? HALO_OK : HALO_ERR_NOMEM;
    for (int i = 0; i < k && st == HALO_OK; i++) {
        char *colon = strchr(items[i], ':'), *at = colon ? strchr(colon, '@') : NULL, *dash = at ? strchr(at, '-') : NULL;
        if (!dash) {
            st = halo_error(HALO_ERR_INVALID, "--straggler: '%s': expected NAME:FACTOR@T0-T1 (seconds)", items[i]);
            break;
        }
        *colon = *at = *dash = '\0';
        v[i].device = halo_cluster_find(c, items[i]);
        if (v[i].device < 0 || v[i].device == c->source) {
            st = halo_error(HALO_ERR_INVALID, "--straggler: '%s' is not an ES of %s", items[i], c->path);
            break;
        }
        double t0 = 0, t1 = 0;
        st = halo_parse_double("--straggler factor", colon + 1, 1e-3, 1e6, &v[i].factor);
        if (st == HALO_OK) st = halo_parse_double("--straggler start", at + 1, 0, 1e9, &t0);
        if (st == HALO_OK) st = halo_parse_double("--straggler end", dash + 1, t0, 1e9, &t1);
        if (st != HALO_OK) break;
        v[i].t0_ms = t0 * 1000;
        v[i].t1_ms = t1 * 1000;
    }
    halo_strlist_free(items, k);
    if (st != HALO_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = k;
    return HALO_OK;
}

/* MACs plan p gives plan device k, over its total. */
static double work_share(const struct halo_plan *p, int k)
{
    int64_t mine = 0, all = 0;
    for (int b = 0; b < p->n_blocks; b++)
        for (int j = 0; j < p->block[b].n_parts; j++) {
            all += p->block[b].part[j].macs;
            if (p->block[b].part[j].device == k) mine += p->block[b].part[j].macs;
        }
    return all ? (double)mine / (double)all : 0;
}

static void print_summary(const char *mode, const struct halo_adapt_sim_out *o)
{
    const struct halo_stream_stats *s = &o->stats;
    printf("%-9s %9.2f %9.2f %9.2f %9.2f %8d %10.2f %8d\n", mode, s->latency_mean_ms, s->latency_p50_ms, s->latency_p99_ms,
           s->latency_max_ms, s->deadline_misses, s->throughput_fps, o->n_log);
}

static void print_log(const struct halo_cluster *c, const struct halo_adapt_sim_out *o)
{
    for (int i = 0; i < o->n_log; i++) {
        const struct halo_adapt_record *r = &o->log[i];
        printf("  t %8.3f s  %-9s %-8s x%-6.3g predicted %8.2f -> %8.2f ms  ESs %d -> %d  planned in %.1f ms "
               "(%d checks since the last)\n",
               r->time_ms / 1000, halo_adapt_trigger_name(r->trigger), r->device >= 0 ? c->dev[r->device].name : "-",
               r->change, r->old_ms, r->new_ms, r->old_es, r->new_es, r->plan_ms, r->checks);
    }
}

int halo_sim_adapt(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *model)
{
    const char *cluster = halo_cli_get(cmd, a, "cluster"), *v;
    struct halo_adapt_opts ao;
    double check_ms;
    int rc = halo_cli_adapt_opts(cmd, a, &ao, &check_ms);
    if (rc) return rc;
    struct halo_stream_opts so;
    if ((rc = halo_cli_stream_opts(cmd, a, 1, &so, NULL))) return rc;
    if ((rc = halo_cli_link_model(cmd, a, &so.link))) return rc;
    if (!(v = halo_cli_get(cmd, a, "fps")) || halo_parse_double("--fps", v, 1e-3, 1e6, &so.fps) != HALO_OK)
        return halo_cli_usage_error(cmd, "--adapt needs one frame rate: --fps F");
    if (so.n_frames <= 0) so.n_frames = 600;
    if ((v = halo_cli_get(cmd, a, "deadline-ms")) && halo_parse_double("--deadline-ms", v, 1e-9, 1e12, &so.deadline_ms) != HALO_OK)
        return halo_cli_usage_error(cmd, "--adapt takes one deadline: %s", halo_error_msg());
    long seed = 1;
    if ((v = halo_cli_get(cmd, a, "seed")) && halo_parse_long("--seed", v, 0, 0x7fffffffffffffffL, &seed) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    so.seed = (uint64_t)seed;
    const char *method = halo_cli_get(cmd, a, "method");
    if (!method) method = "dpfp";
    const struct halo_planner_info *info = halo_planner_find(method);
    if (!info) return halo_cli_usage_error(cmd, "--method: unknown method '%s' (--adapt takes one)", method);
    const char *obj = halo_cli_get(cmd, a, "objective");
    struct halo_objective objective = {.kind = obj && !strcmp(obj, "throughput") ? HALO_OBJECTIVE_THROUGHPUT : HALO_OBJECTIVE_LATENCY,
                                       .stream = so};
    if (objective.kind == HALO_OBJECTIVE_LATENCY) objective.fps = so.fps;
    objective.stream.n_frames = 0;
    objective.stream.deadline_ms = 0;
    int h, w;
    enum halo_status st = halo_cli_input_size(cmd, a, &h, &w);
    if (st != HALO_OK) return halo_cli_fail(cmd, st);

    struct halo_cluster *c = NULL;
    struct halo_channel *trace = NULL;
    struct halo_graph *g = NULL;
    struct halo_planner_ctx ctx = {0};
    struct halo_plan *p = NULL;
    struct halo_straggler *strag = NULL;
    int n_strag = 0, *es = NULL, n_es = 0;
    struct halo_adapt_sim_out out[2] = {{0}};
    struct halo_outfile *csv = NULL;
    struct halo_provenance prov = {0};
    char *prov_csv = NULL;
    st = halo_cluster_load(cluster, &c);
    const char *trace_path = halo_cli_get(cmd, a, "link-trace");
    if (st == HALO_OK && trace_path) st = halo_channel_trace_load(c, trace_path, &trace);
    if (st == HALO_OK && !trace_path && c->channel) {
        st = halo_channel_new(c, &trace);
        if (st == HALO_OK && trace->model != HALO_CHANNEL_TRACE) {
            halo_channel_free(trace);
            trace = NULL;
        }
    }
    if (st == HALO_OK && (v = halo_cli_get(cmd, a, "straggler"))) st = parse_stragglers(v, c, &strag, &n_strag);
    if (st == HALO_OK) st = halo_model_build_for(model, h, w, &g);
    struct halo_planner_opts po = {.objective = objective, .link = so.link};
    if (st == HALO_OK) st = halo_planner_ctx_init(&ctx, g, c, po);
    if (st == HALO_OK && !(es = halo_malloc((size_t)c->n, sizeof *es))) st = HALO_ERR_NOMEM;
    if (st == HALO_OK) n_es = halo_planner_es_order(&ctx, es);
    if (st == HALO_OK) st = info->plan(&ctx, &p);
    if (st == HALO_OK && (v = halo_cli_get(cmd, a, "csv"))) st = halo_outfile_open(v, &csv);
    if (st == HALO_OK) st = halo_provenance_get(&prov, "", "", 0);
    if (st == HALO_OK && !(prov_csv = halo_provenance_csv_values(&prov))) st = HALO_ERR_NOMEM;
    for (int mode = 0; mode < 2 && st == HALO_OK; mode++) {
        struct halo_adapt_sim_in in = {.g = g, .c = c, .es = es, .n_es = n_es, .plan = p, .trace = trace,
                                       .strag = strag, .n_strag = n_strag, .stream = so, .objective = objective,
                                       .adaptive = mode == 1, .adapt = ao, .check_ms = check_ms, .clock_ms = halo_now_ms};
        st = halo_adapt_sim_run(&in, &out[mode]);
    }
    if (st != HALO_OK) goto done;

    FILE *sinks[2];
    int n_sinks = 0;
    if (csv) sinks[n_sinks++] = halo_outfile_stream(csv);
    if (a->format == HALO_FORMAT_CSV) sinks[n_sinks++] = stdout;
    for (int k = 0; k < n_sinks; k++) {
        fprintf(sinks[k], "model,cluster,method,mode,fps,deadline_ms,frame,arrival_ms,done_ms,latency_ms,plan");
        for (int e = 0; e < n_es; e++) fprintf(sinks[k], ",%s_mbps,%s_speed,%s_work", c->dev[es[e]].name, c->dev[es[e]].name, c->dev[es[e]].name);
        fprintf(sinks[k], ",basis,%s\n", halo_provenance_csv_header());
        double *up = halo_malloc((size_t)c->n * 2, sizeof *up);
        if (!up) {
            st = HALO_ERR_NOMEM;
            goto done;
        }
        for (int mode = 0; mode < 2; mode++) {
            const struct halo_adapt_sim_out *o = &out[mode];
            for (int f = 0; f < o->n_frames; f++) {
                fprintf(sinks[k], "%s,%s,%s,%s,%g,%g,%d,%.4f,%.4f,%.4f,%d", model, c->name, info->name,
                        mode ? "adaptive" : "static", so.fps, so.deadline_ms, f, o->arrival_ms[f], o->done_ms[f],
                        o->done_ms[f] - o->arrival_ms[f], o->plan_of[f]);
                if (trace) halo_channel_rates_at(trace, c, o->arrival_ms[f] / 1000, up, up + c->n);
                for (int e = 0; e < n_es; e++) {
                    int d = es[e];
                    double r = trace ? fmin(up[d], up[c->n + d]) : fmin(c->dev[d].up_mbps, c->dev[d].down_mbps);
                    double sp = c->dev[d].speed / halo_straggler_factor(strag, n_strag, d, o->arrival_ms[f]);
                    fprintf(sinks[k], ",%.3f,%.4f,%.4f", r, sp, work_share(o->plans[o->plan_of[f]], e + 1));
                }
                fprintf(sinks[k], ",simulated,%s\n", prov_csv);
            }
        }
        free(up);
    }
    if (a->format == HALO_FORMAT_TABLE) {
        printf("%s at %dx%d on %s: %d frames at %g frames/s (%s), method %s, objective %s; links: %s; stragglers: %s\n",
               model, h, w, c->name, so.n_frames, so.fps, so.arrivals == HALO_ARRIVALS_POISSON ? "poisson" : "periodic",
               info->name, halo_objective_name(objective.kind), trace_path ? trace_path : trace ? "the cluster's trace" : "the cluster's",
               n_strag ? halo_cli_get(cmd, a, "straggler") : "none");
        printf("adaptive: EWMA alpha %g, gain >= %g held %d checks, >= %g ms between re-plans, a check at most every %g ms, "
               "DPFP search %d subset sizes%s\n",
               ao.alpha, ao.gain, ao.hold, ao.min_interval_ms, check_ms, ao.search, ao.search ? "" : " (all)");
        printf("SIMULATED by the cost model: frame f sees the links and speeds of its arrival time\n\n");
        printf("%-9s %9s %9s %9s %9s %8s %10s %8s\n", "mode", "mean_ms", "p50_ms", "p99_ms", "max_ms", "misses",
               "thru_fps", "replans");
        print_summary("static", &out[0]);
        print_summary("adaptive", &out[1]);
        if (so.deadline_ms > 0) printf("(misses: frames whose latency exceeds %g ms)\n", so.deadline_ms);
        printf("\nre-plans (adaptive):\n");
        print_log(c, &out[1]);
        printf("checks %d; planning time per check mean %.2f ms, max %.2f ms (monotonic clock)\n", out[1].n_checks,
               out[1].n_checks ? out[1].check_ms_sum / out[1].n_checks : 0, out[1].check_ms_max);
    }
done:
    if (csv) {
        enum halo_status cst = halo_outfile_close(csv);
        if (st == HALO_OK) st = cst;
    }
    free(prov_csv);
    halo_provenance_free(&prov);
    halo_adapt_sim_out_free(&out[0]);
    halo_adapt_sim_out_free(&out[1]);
    halo_plan_free(p);
    free(es);
    free(strag);
    if (ctx.pricer) halo_planner_ctx_free(&ctx);
    halo_graph_free(g);
    halo_channel_free(trace);
    halo_cluster_free(c);
    return st == HALO_OK ? 0 : halo_cli_fail(cmd, st);
}
