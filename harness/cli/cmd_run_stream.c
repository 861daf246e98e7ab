/* halo run --frames: the report of a stream — throughput over the steady state, latency
 * percentiles (arrival to result) with the queueing at the source apart, deadline misses,
 * per-device utilisation and per-link load, measured beside predicted — as a table, as the
 * plan's "stream" object under --format json, and as per-frame CSV rows (--csv, --format csv). */
#include "cli/cmd_run.h"
#include "cli/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const halo_run_stream_csv_header =
    "plan,method,model,input_size,n_es,clock,link,fps,arrivals,inflight,frame,variant,input,arrival_ms,admit_ms,"
    "done_ms,latency_ms,queue_ms,pred_admit_ms,pred_done_ms,pred_latency_ms,max_abs_err,throughput_fps,"
    "pred_throughput_fps,latency_p50_ms,pred_latency_p50_ms,latency_p99_ms,pred_latency_p99_ms,warmup_frames,lossless";

static double mbps(int64_t bytes, double span_ms) { return span_ms > 0 ? (double)bytes * 8e-3 / span_ms : 0; }
static double frac(double busy_ms, double span_ms) { return span_ms > 0 ? busy_ms / span_ms : 0; }

/* "periodic arrivals at 30 fps", "Poisson arrivals at 30 fps (seed 3)", "as fast as possible". */
static void arrivals_text(const struct halo_run_opts *o, char *buf, size_t size)
{
    if (o->fps <= 0) snprintf(buf, size, "as fast as possible (every frame arrives at 0; the bound in flight paces them)");
    else if (o->poisson)
        snprintf(buf, size, "Poisson arrivals at %g fps (seed %llu)", o->fps, (unsigned long long)o->arrival_seed);
    else snprintf(buf, size, "periodic arrivals at %g fps", o->fps);
}

static const char *input_name(const struct run_args *ra, const struct halo_stream_report *r, int f, char *buf,
                              size_t size)
{
    const struct halo_run_opts *o = &ra->o;
    if (r->image[f] < 0) snprintf(buf, size, "random seed %llu", (unsigned long long)(o->image_seed + (uint64_t)f));
    else if (o->image_path) snprintf(buf, size, "%s", o->image_path);
    else snprintf(buf, size, "%s image %d", o->images_dir, r->image[f]);
    return buf;
}

static void print_table(const struct halo_rt *rt, const struct run_args *ra, const struct halo_stream_report *r)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    const struct halo_stream_stats *m = &r->meas, *q = &r->pred;
    char arr[160];
    arrivals_text(&ra->o, arr, sizeof arr);
    printf("stream    %d frames, %s; at most %d in flight%s", r->n_frames, arr, r->inflight,
           r->n_var > 1 ? "" : "");
    if (r->var_of) printf("; %d plan epochs (--adapt on)", r->n_var);
    else if (r->n_var > 1) printf("; frame f runs variant f mod %d", r->n_var);
    printf("; wall %.1f ms\n", r->wall_ms);
    printf("          steady state: frames %d..%d (the first %d left out as warm-up); latency = arrival -> result, "
           "queueing at the source included and shown apart\n",
           m->warmup, r->n_frames - 1, m->warmup);
    if (ra->o.clock == HALO_CLOCK_VIRTUAL)
        printf("          virtual clock: 'measured' is the cost model replayed with the measured %s and message sizes, "
               "the same arrivals and bound\n", r->plan_times ? "(TEST HOOK: the plan's) compute times" : "compute times");
    printf("  %-22s %12s %12s\n", "", "measured", "predicted");
    printf("  %-22s %12.3f %12.3f   steady state, results per second\n", "throughput fps", m->throughput_fps,
           q->throughput_fps);
    printf("  %-22s %12.3f %12.3f   1 / throughput (not the latency)\n", "period ms", m->period_ms, q->period_ms);
    printf("  %-22s %12.3f %12.3f\n", "latency p50 ms", m->latency_p50_ms, q->latency_p50_ms);
    printf("  %-22s %12.3f %12.3f\n", "latency p90 ms", m->latency_p90_ms, q->latency_p90_ms);
    printf("  %-22s %12.3f %12.3f\n", "latency p99 ms", m->latency_p99_ms, q->latency_p99_ms);
    printf("  %-22s %12.3f %12.3f\n", "latency max ms", m->latency_max_ms, q->latency_max_ms);
    printf("  %-22s %12.3f %12.3f   admission -> result\n", "inference p50 ms", m->inference_p50_ms, q->inference_p50_ms);
    printf("  %-22s %12.3f %12.3f   arrival -> admission (waiting for a place in flight)\n", "queueing mean ms",
           m->queue_mean_ms, q->queue_mean_ms);
    printf("  %-22s %12.3f %12.3f\n", "queueing max ms", m->queue_max_ms, q->queue_max_ms);
    if (ra->o.deadline_ms > 0)
        printf("  %-22s %12d %12d   of %d frames, latency > %g ms\n", "deadline misses", m->deadline_misses,
               q->deadline_misses, r->n_frames, ra->o.deadline_ms);
    printf("  %-22s %12.3f %12.3f\n", "bytes moved MB", (double)r->bytes_moved / 1e6, (double)r->pred_bytes_moved / 1e6);
    printf("  %-12s %9s %9s %11s %11s %8s %8s %11s %11s %8s %8s\n", "device", "util", "predicted", "up Mbit/s",
           "predicted", "up busy", "pred", "down Mbit/s", "predicted", "dn busy", "pred");
    for (int k = 0; k < r->n_dev; k++) {
        const struct halo_stream_device *d = &r->dev[k];
        printf("  %-12s %9.3f %9.3f %11.3f %11.3f %8.3f %8.3f %11.3f %11.3f %8.3f %8.3f\n", p->dev[k].name,
               frac(d->busy_ms, m->span_ms), frac(d->pred_busy_ms, q->span_ms), mbps(d->up_bytes, m->span_ms),
               mbps(d->pred_up_bytes, q->span_ms), frac(d->up_busy_ms, m->span_ms), frac(d->pred_up_busy_ms, q->span_ms),
               mbps(d->down_bytes, m->span_ms), mbps(d->pred_down_bytes, q->span_ms), frac(d->down_busy_ms, m->span_ms),
               frac(d->pred_down_busy_ms, q->span_ms));
    }
    printf("  (util: compute busy / span; busy: the link carries a message, union of intervals / span; span: first "
           "arrival to last result)\n");
}

static int count_failed(const struct halo_rt *rt, const struct halo_stream_report *r)
{
    return r->verified && halo_rt_plan(rt)->lossless ? r->n_failed : 0;
}

static void print_verify(const struct halo_rt *rt, const struct halo_stream_report *r)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    if (!r->verified) return;
    double worst = 0;
    for (int f = 0; f < r->n_frames; f++) worst = fmax(worst, r->max_abs_err[f]);
    if (!p->lossless)
        printf("  verify: LOSSY plan: max |error| over %d frames %.4g against single-device inference (not checked)\n",
               r->n_frames, worst);
    else
        printf("  verify: %d of %d frames match single-device inference (computed after the stream, off its clock; "
               "%s), max |error| %.4g -> %s\n",
               r->n_frames - r->n_failed, r->n_frames, r->tolerance == 0 ? "ref: bit-identical expected" : "tolerance 1e-04",
               worst, r->n_failed ? "FAILED" : "OK");
}

static cJSON *stats_json(const struct halo_stream_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "throughput_fps", s->throughput_fps);
    cJSON_AddNumberToObject(o, "period_ms", s->period_ms);
    cJSON_AddNumberToObject(o, "latency_p50_ms", s->latency_p50_ms);
    cJSON_AddNumberToObject(o, "latency_p90_ms", s->latency_p90_ms);
    cJSON_AddNumberToObject(o, "latency_p99_ms", s->latency_p99_ms);
    cJSON_AddNumberToObject(o, "latency_max_ms", s->latency_max_ms);
    cJSON_AddNumberToObject(o, "latency_mean_ms", s->latency_mean_ms);
    cJSON_AddNumberToObject(o, "inference_p50_ms", s->inference_p50_ms);
    cJSON_AddNumberToObject(o, "queue_mean_ms", s->queue_mean_ms);
    cJSON_AddNumberToObject(o, "queue_p90_ms", s->queue_p90_ms);
    cJSON_AddNumberToObject(o, "queue_max_ms", s->queue_max_ms);
    cJSON_AddNumberToObject(o, "span_ms", s->span_ms);
    if (s->deadline_ms > 0) cJSON_AddNumberToObject(o, "deadline_misses", s->deadline_misses);
    return o;
}

static void add_json(const struct halo_rt *rt, const struct run_args *ra, cJSON *jplan, const struct halo_stream_report *r)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    char name[600];
    cJSON *o = cJSON_AddObjectToObject(jplan, "stream"), *a;
    cJSON_AddNumberToObject(o, "n_frames", r->n_frames);
    cJSON_AddNumberToObject(o, "inflight", r->inflight);
    cJSON_AddNumberToObject(o, "variants", r->n_var);
    cJSON_AddNumberToObject(o, "warmup_frames", r->meas.warmup);
    cJSON_AddNumberToObject(o, "wall_ms", r->wall_ms);
    cJSON_AddBoolToObject(o, "plan_compute_replayed", r->plan_times);
    cJSON_AddItemToObject(o, "measured", stats_json(&r->meas));
    cJSON_AddItemToObject(o, "predicted", stats_json(&r->pred));
    cJSON_AddNumberToObject(o, "bytes_moved", (double)r->bytes_moved);
    cJSON_AddNumberToObject(o, "pred_bytes_moved", (double)r->pred_bytes_moved);
    a = cJSON_AddArrayToObject(o, "devices");
    for (int k = 0; k < r->n_dev; k++) {
        const struct halo_stream_device *d = &r->dev[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "device", p->dev[k].name);
        cJSON_AddNumberToObject(x, "utilisation", frac(d->busy_ms, r->meas.span_ms));
        cJSON_AddNumberToObject(x, "pred_utilisation", frac(d->pred_busy_ms, r->pred.span_ms));
        cJSON_AddNumberToObject(x, "busy_ms", d->busy_ms);
        cJSON_AddNumberToObject(x, "pred_busy_ms", d->pred_busy_ms);
        cJSON_AddNumberToObject(x, "up_bytes", (double)d->up_bytes);
        cJSON_AddNumberToObject(x, "pred_up_bytes", (double)d->pred_up_bytes);
        cJSON_AddNumberToObject(x, "up_mbps", mbps(d->up_bytes, r->meas.span_ms));
        cJSON_AddNumberToObject(x, "pred_up_mbps", mbps(d->pred_up_bytes, r->pred.span_ms));
        cJSON_AddNumberToObject(x, "up_busy_frac", frac(d->up_busy_ms, r->meas.span_ms));
        cJSON_AddNumberToObject(x, "pred_up_busy_frac", frac(d->pred_up_busy_ms, r->pred.span_ms));
        cJSON_AddNumberToObject(x, "down_bytes", (double)d->down_bytes);
        cJSON_AddNumberToObject(x, "pred_down_bytes", (double)d->pred_down_bytes);
        cJSON_AddNumberToObject(x, "down_mbps", mbps(d->down_bytes, r->meas.span_ms));
        cJSON_AddNumberToObject(x, "pred_down_mbps", mbps(d->pred_down_bytes, r->pred.span_ms));
        cJSON_AddNumberToObject(x, "down_busy_frac", frac(d->down_busy_ms, r->meas.span_ms));
        cJSON_AddNumberToObject(x, "pred_down_busy_frac", frac(d->pred_down_busy_ms, r->pred.span_ms));
        cJSON_AddItemToArray(a, x);
    }
    a = cJSON_AddArrayToObject(o, "frames");
    for (int f = 0; f < r->n_frames; f++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "frame", f);
        cJSON_AddNumberToObject(x, "variant", r->var_of ? r->var_of[f] : r->n_var > 1 ? f % r->n_var : 0);
        cJSON_AddStringToObject(x, "input", input_name(ra, r, f, name, sizeof name));
        cJSON_AddNumberToObject(x, "arrival_ms", r->arrival_ms[f]);
        cJSON_AddNumberToObject(x, "admit_ms", r->admit_ms[f]);
        cJSON_AddNumberToObject(x, "done_ms", r->done_ms[f]);
        cJSON_AddNumberToObject(x, "latency_ms", r->done_ms[f] - r->arrival_ms[f]);
        cJSON_AddNumberToObject(x, "queue_ms", r->admit_ms[f] - r->arrival_ms[f]);
        cJSON_AddNumberToObject(x, "pred_admit_ms", r->pred_admit_ms[f]);
        cJSON_AddNumberToObject(x, "pred_done_ms", r->pred_done_ms[f]);
        cJSON_AddNumberToObject(x, "pred_latency_ms", r->pred_done_ms[f] - r->arrival_ms[f]);
        if (r->verified) cJSON_AddNumberToObject(x, "max_abs_err", r->max_abs_err[f]);
        cJSON_AddItemToArray(a, x);
    }
    if (r->verified) {
        cJSON *v = cJSON_AddObjectToObject(o, "verify");
        cJSON_AddNumberToObject(v, "frames", r->n_frames);
        cJSON_AddNumberToObject(v, "failed", r->n_failed);
        cJSON_AddNumberToObject(v, "tolerance", r->tolerance);
        if (p->lossless) cJSON_AddBoolToObject(v, "passed", r->n_failed == 0);
        else cJSON_AddNullToObject(v, "passed");
    } else {
        cJSON_AddNullToObject(o, "verify");
    }
}

/* One CSV row per frame, then one "all" row with the stream's figures. */
static void csv_rows(FILE *f, const struct halo_rt *rt, const struct run_args *ra, const char *prov,
                     const struct halo_stream_report *r)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    const struct halo_run_opts *o = &ra->o;
    char name[600], fps[32];
    if (o->fps > 0) snprintf(fps, sizeof fps, "%g", o->fps);
    else snprintf(fps, sizeof fps, "max");
    const char *arr = o->fps <= 0 ? "none" : o->poisson ? "poisson" : "periodic";
    for (int i = 0; i <= r->n_frames; i++) {
        halo_cli_csv_str(f, halo_rt_plan_path(rt));
        fprintf(f, ",%s,%s,%dx%d,%d,%s,%s,%s,%s,%d,", p->method, p->model, p->h, p->w, p->n_dev - 1,
                halo_run_clock_name(o->clock), halo_run_link_name(o->link), fps, arr, r->inflight);
        if (i < r->n_frames) {
            fprintf(f, "%d,%d,", i, r->var_of ? r->var_of[i] : r->n_var > 1 ? i % r->n_var : 0);
            halo_cli_csv_str(f, input_name(ra, r, i, name, sizeof name));
            fprintf(f, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,", r->arrival_ms[i], r->admit_ms[i], r->done_ms[i],
                    r->done_ms[i] - r->arrival_ms[i], r->admit_ms[i] - r->arrival_ms[i], r->pred_admit_ms[i],
                    r->pred_done_ms[i], r->pred_done_ms[i] - r->arrival_ms[i]);
            if (r->verified) fprintf(f, "%.6g", r->max_abs_err[i]);
            fprintf(f, ",,,,,,,,");
        } else {
            fprintf(f, "all,,,,,,,,,,,,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%d,", r->meas.throughput_fps,
                    r->pred.throughput_fps, r->meas.latency_p50_ms, r->pred.latency_p50_ms, r->meas.latency_p99_ms,
                    r->pred.latency_p99_ms, r->meas.warmup);
        }
        fprintf(f, "%s,%s\n", p->lossless ? "yes" : "no", prov);
    }
}

/* --trace: every compute step of every frame (the frame in the inference column). */
static void trace_rows(FILE *f, const struct halo_rt *rt, const struct run_args *ra, const struct halo_stream_report *r)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    for (int k = 0; k < r->n_steps; k++) {
        const struct halo_run_step *sp = &r->steps[k];
        halo_cli_csv_str(f, halo_rt_plan_path(rt));
        fprintf(f, ",%s,%s,%d,%d,%s,%d,", p->method, halo_run_clock_name(ra->o.clock), sp->frame, sp->block,
                sp->block < p->n_blocks ? "block" : "tail", sp->part);
        halo_cli_csv_str(f, p->dev[sp->device].name);
        fprintf(f, ",%.6f,%.6f,%.6f,%.6f\n", sp->start_ms, sp->end_ms, sp->compute_ms, sp->pred_compute_ms);
    }
}

int halo_run_stream_report(const struct halo_rt *rt, const struct run_args *ra, struct run_out *out, cJSON *jplan,
                           const struct halo_stream_report *r)
{
    if (ra->format == HALO_FORMAT_TABLE) {
        print_table(rt, ra, r);
        halo_run_adapt_print(rt, r);
        print_verify(rt, r);
        fflush(stdout);
    }
    if (jplan) add_json(rt, ra, jplan, r);
    for (int q = 0; q < out->n_sinks; q++) csv_rows(out->sinks[q], rt, ra, out->prov, r);
    if (out->trace) trace_rows(out->trace, rt, ra, r);
    return count_failed(rt, r);
}
