/* halo run's output for single inferences: the run's header (settings, hosts, clocks), each
 * plan's header, each inference's table, JSON object and CSV rows. cmd_run.c runs the job and
 * calls these; cmd_run_stream.c does the same for streams. */
#include "cli/cli.h"
#include "cli/cmd_run.h"
#include "cli/output.h"
#include "core/provenance.h"
#include "exec/backend.h"
#include "model/onnx.h"
#include "runtime/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


double halo_run_pct(double measured, double predicted)
{
    return predicted > 0 ? 100 * (measured - predicted) / predicted : 0;
}

/* An ONNX model runs with its own weights unless --weights or --weights-seed says otherwise. */
static bool own_weights(const struct halo_rt *rt, const struct halo_run_opts *o)
{
    return !o->weights_path && !o->weights_seeded && halo_onnx_is_path(halo_rt_plan(rt)->model);
}

/* "0, 1, 2" for the ranks whose place has shm set. */
static void shm_ranks(const struct halo_rt_hosts *h, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int r = 0; r < h->n_ranks && len < size; r++)
        if (h->rank[r].shm) len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? "," : "", r);
}

/* After a plan's runs: the clock offsets that were re-estimated, beside the setup's. */
void halo_run_print_clocks(const struct halo_rt *rt)
{
    const struct halo_rt_hosts *h = halo_rt_hosts(rt);
    const struct halo_plan *p = halo_rt_plan(rt);
    if (!h || h->n_offset == 0) return;
    printf("clocks   ");
    for (int r = 1; r < h->n_ranks; r++) {
        const struct halo_rt_place *pl = &h->rank[r];
        if (pl->same_clock) continue;
        printf(" %s %+.3f ms +/- %.3f ms", r < p->n_dev ? p->dev[r].name : "idle", pl->offset_ms, pl->offset_err_ms);
        if (pl->estimates)
            printf(" (%d re-estimate%s, %+.3f ms from setup's, drift %+.1f ppm);", pl->estimates,
                   pl->estimates == 1 ? "" : "s", pl->offset_ms - pl->setup_offset_ms, pl->drift_ppm);
        else
            printf(" (setup's);");
    }
    printf("\n");
}

/* Where the ranks run, their clocks and the transport, for the header. */
static void print_hosts(const struct halo_rt *rt)
{
    const struct halo_rt_hosts *h = halo_rt_hosts(rt);
    if (!h) return;
    const struct halo_plan *p = halo_rt_plan(rt);
    printf("hosts     %d rank%s on %d host%s (by boot id)", h->n_ranks, h->n_ranks == 1 ? "" : "s", h->n_hosts,
           h->n_hosts == 1 ? "" : "s");
    if (h->n_netns > h->n_hosts) printf(", %d network namespaces", h->n_netns);
    printf(":");
    for (int r = 0; r < h->n_ranks; r++)
        printf(" %s=%s", r < p->n_dev ? p->dev[r].name : "idle", h->rank[r].hostname);
    printf("\n");
    if (h->n_offset == 0) {
        printf("clocks    every rank on the source's clock (same boot id and time namespace)\n");
    } else {
        printf("clocks    offsets from the source's clock by round trips (of each rank's, the one with the smallest "
               "round trip; bound = half of it), re-estimated during the runs:");
        for (int r = 1; r < h->n_ranks; r++) {
            const struct halo_rt_place *pl = &h->rank[r];
            if (pl->same_clock) continue;
            printf(" %s %+.3f ms +/- %.3f ms (%d round trips);", r < p->n_dev ? p->dev[r].name : "idle",
                   pl->offset_ms, pl->offset_err_ms, pl->samples);
        }
        printf(" the others share the source's clock\n");
    }
    char list[256];
    shm_ranks(h, list, sizeof list);
    bool btl_shm = false;
    for (int r = 0; r < h->n_ranks; r++) btl_shm |= h->rank[r].btl_shm;
    /* Open MPI's TCP eager limit as mpirun gave it to the ranks (halo's launcher sets it) */
    const char *eager = getenv("OMPI_MCA_btl_tcp_eager_limit");
    char eg[160];
    if (eager && *eager) snprintf(eg, sizeof eg, "; eager limit %s bytes", eager);
    else snprintf(eg, sizeof eg, "; eager limit Open MPI's (64 KiB: larger messages wait for their receiver to poll)");
    if (h->n_shm == 0 && !btl_shm)
        printf("transport %s between every pair of ranks (Open MPI btl %s%s)\n",
               strstr(h->rank[0].btl, "tcp") ? "TCP" : "the network", h->rank[0].btl, strstr(h->rank[0].btl, "tcp") ? eg : "");
    else if (h->n_shm == 0)
        printf("transport %s between every pair of ranks: Open MPI's btl '%s' allows shared memory, but it places "
               "no two ranks on one node\n", strstr(h->rank[0].btl, "tcp") || !*h->rank[0].btl ? "TCP" : "the network",
               h->rank[0].btl);
    else
        printf("transport shared memory between ranks %s (one kernel; Open MPI btl '%s' allows vader)%s\n", list,
               h->rank[0].btl, h->n_hosts > 1 ? ", TCP between hosts" : "");
}

void halo_run_print_header(const struct halo_rt *rt, const struct run_args *ra)
{
    const struct halo_run_opts *o = &ra->o;
    const char *bn = halo_rt_backend_name(rt), *bv = halo_rt_backend_version(rt);
    int th = halo_rt_backend_threads(rt);
    printf("backend   %s%s%s%s, %d thread%s per rank, %d MPI ranks\n", bn, strcmp(bn, bv) ? " (" : "",
           strcmp(bn, bv) ? bv : "", strcmp(bn, bv) ? ")" : "", th, th == 1 ? "" : "s", halo_rt_size(rt));
    const struct halo_rt_hosts *h = halo_rt_hosts(rt);
    print_hosts(rt);
    if (o->clock == HALO_CLOCK_VIRTUAL)
        printf("clock     virtual: ranks compute one at a time with all cores, each compute time / its device's "
               "speed; links by the plan's model\n");
    else if (h && h->n_nodes > 1)
        printf("clock     wall: ranks run in parallel on %d host%s (%d Open MPI nodes), times are wall-clock on the "
               "source's timeline; every rank keeps its host's cores (threads: all of them, unless --threads)\n",
               h->n_hosts, h->n_hosts == 1 ? "" : "s", h->n_nodes);
    else
        printf("clock     wall: ranks run in parallel, times are wall-clock; on one host each computing rank runs "
               "on its own share of the cores (threads: that share, unless --threads)\n");
    char list[256];
    if (h) shm_ranks(h, list, sizeof list);
    const struct halo_link_model *lm = halo_plan_link_model(halo_rt_plan(rt));
    if (o->link == HALO_LINK_REAL && h && h->n_shm > 0)
        printf("links     real (shared memory between ranks %s): memory copies, not a network\n", list);
    else if (o->link == HALO_LINK_REAL) printf("links     real: transport speed\n");
    else if (o->clock == HALO_CLOCK_VIRTUAL)
        printf("links     emulated: timed by the %s link model (%s)%s%s\n", lm->name, lm->help,
               o->rates_path ? ", rates from " : ", the plan's rates", o->rates_path ? o->rates_path : "");
    else printf("links     emulated: latency + bytes/bandwidth per message, one at a time per uplink and downlink%s%s\n",
                o->rates_path ? ", rates from " : " (the plan's)", o->rates_path ? o->rates_path : "");
    if (o->link == HALO_LINK_REAL || o->clock == HALO_CLOCK_WALL)
        printf("predicted by the %s link model (%s)\n", lm->name, lm->help);
    if (o->weights_path) printf("weights   %s\n", o->weights_path);
    else if (own_weights(rt, o)) printf("weights   the initializers of %s\n", halo_rt_plan(rt)->model);
    else printf("weights   random, seed %llu (--weights FILE for real ones)\n", (unsigned long long)o->weights_seed);
    if (o->image_path) printf("input     %s", o->image_path);
    else if (o->images_dir) printf("input     the PNG and JPEG files of %s in name order, cycling", o->images_dir);
    else if (o->n_frames > 0) printf("input     random uint8 RGB frames, frame f of seed %llu + f", (unsigned long long)o->image_seed);
    else printf("input     a random uint8 RGB frame, seed %llu", (unsigned long long)o->image_seed);
    printf("; the source sends the frame as uint8 RGB (3 bytes a pixel, resized and cropped), the ES that "
           "receives it normalises it\n");
    if (o->n_frames > 0)
        printf("runs      %d warm-up frame%s per variant, then a stream of %d frames per plan; timeout per frame %s\n",
               ra->warmup, ra->warmup == 1 ? "" : "s", o->n_frames,
               o->timeout_ms > 0 ? "as given" : "max(2 s, 5 x predicted, 3 x the warm-up's wall time) x frames in flight, at most 600 s");
    else
        printf("runs      %d warm-up, %d timed per plan; timeout per inference %s\n", ra->warmup, ra->repeat,
               o->timeout_ms > 0 ? "as given" : "max(2 s, 5 x predicted, 3 x the warm-up's wall time), at most 600 s");
}

void halo_run_print_plan_header(const struct halo_rt *rt)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    printf("\nplan      %s: %s for %s at %dx%d, %s; %d devices (source %s + %d ES%s)%s\n", halo_rt_plan_path(rt),
           p->method, p->model, p->h, p->w, p->lossless ? "lossless" : "LOSSY (output differs from the model)",
           p->n_dev, p->dev[0].name, p->n_dev - 1, p->n_dev == 2 ? "" : "s",
           p->n_dev < halo_rt_size(rt) ? "; the other ranks idle" : "");
}

void halo_run_print_report(const struct halo_rt *rt, const struct halo_run_report *r, int i, int n)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    printf("inference %d of %d: latency %.3f ms, predicted %.3f ms (%+.1f %%); bytes moved %.3f MB, predicted %.3f MB; "
           "runtime overhead %.2f %% of latency (%s, %.3f ms); wall %.1f ms\n",
           i, n, r->latency_ms, r->pred_latency_ms, halo_cli_unsigned_zero(halo_run_pct(r->latency_ms, r->pred_latency_ms), 1),
           (double)r->bytes_moved / 1e6,
           (double)r->pred_bytes_moved / 1e6, 100 * r->overhead_frac, p->dev[r->overhead_rank].name,
           r->dev[r->overhead_rank].overhead_ms, r->wall_ms);
    bool codec = false;
    for (int k = 0; k < r->n_dev; k++) codec |= r->dev[k].codec_ms > 0;
    printf("  %-12s %11s %11s %11s %11s %11s %11s %11s %11s %12s%s\n", "device", "compute_ms", "predicted", "recv_ms",
           "predicted", "send_ms", "predicted", "idle_ms", "predicted", "overhead_ms", codec ? "     codec_ms" : "");
    for (int k = 0; k < r->n_dev; k++) {
        const struct halo_run_device *d = &r->dev[k];
        printf("  %-12s %11.3f %11.3f %11.3f %11.3f %11.3f %11.3f %11.3f %11.3f %12.3f", p->dev[k].name, d->compute_ms,
               d->pred_compute_ms, d->recv_ms, d->pred_recv_ms, d->send_ms, d->pred_send_ms, d->idle_ms, d->pred_idle_ms,
               d->overhead_ms);
        if (codec) printf(" %12.3f", d->codec_ms);
        printf("\n");
    }
    if (r->verified) {
        if (!p->lossless)
            printf("  verify: LOSSY plan: max |error| %.4g (%.3g of max |logit|) against single-device inference\n",
                   r->max_abs_err, r->max_rel_err);
        else if (r->tolerance == 0)
            printf("  verify: max |error| %.4g against single-device inference (ref: bit-identical expected) -> %s\n",
                   r->max_abs_err, r->pass ? "OK" : "FAILED");
        else
            printf("  verify: max |error| %.4g, %.3g of max |logit| (tolerance %.0e, float reassociation) -> %s\n",
                   r->max_abs_err, r->max_rel_err, r->tolerance, r->pass ? "OK" : "FAILED");
    }
    if (r->n_models > 0) {
        printf("  link models:");
        for (int k = 0; k < r->n_models; k++)
            printf("%s %s predicted %.3f ms, %.3f ms with the measured compute (latency %+.1f %%)", k ? ";" : "",
                   r->models[k].name, r->models[k].pred_ms, r->models[k].replay_ms,
                   halo_cli_unsigned_zero(halo_run_pct(r->latency_ms, r->models[k].replay_ms), 1));
        printf("\n");
    }
}

cJSON *halo_run_report_json(const struct halo_rt *rt, const struct halo_run_report *r, int i)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    cJSON *o = cJSON_CreateObject(), *devs;
    cJSON_AddNumberToObject(o, "inference", i);
    cJSON_AddNumberToObject(o, "latency_ms", r->latency_ms);
    cJSON_AddNumberToObject(o, "pred_latency_ms", r->pred_latency_ms);
    cJSON_AddNumberToObject(o, "error_pct", halo_run_pct(r->latency_ms, r->pred_latency_ms));
    cJSON_AddNumberToObject(o, "bytes_moved", (double)r->bytes_moved);
    cJSON_AddNumberToObject(o, "pred_bytes_moved", (double)r->pred_bytes_moved);
    cJSON_AddNumberToObject(o, "overhead_frac", r->overhead_frac);
    cJSON_AddStringToObject(o, "overhead_device", p->dev[r->overhead_rank].name);
    cJSON_AddNumberToObject(o, "wall_ms", r->wall_ms);
    if (r->n_models > 0) {
        cJSON *ms = cJSON_AddArrayToObject(o, "link_models");
        for (int k = 0; k < r->n_models; k++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "link_model", r->models[k].name);
            cJSON_AddNumberToObject(x, "pred_latency_ms", r->models[k].pred_ms);
            cJSON_AddNumberToObject(x, "replay_latency_ms", r->models[k].replay_ms);
            cJSON_AddItemToArray(ms, x);
        }
    }
    devs = cJSON_AddArrayToObject(o, "devices");
    for (int k = 0; k < r->n_dev; k++) {
        const struct halo_run_device *d = &r->dev[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "device", p->dev[k].name);
        cJSON_AddNumberToObject(x, "compute_ms", d->compute_ms);
        cJSON_AddNumberToObject(x, "pred_compute_ms", d->pred_compute_ms);
        cJSON_AddNumberToObject(x, "recv_ms", d->recv_ms);
        cJSON_AddNumberToObject(x, "pred_recv_ms", d->pred_recv_ms);
        cJSON_AddNumberToObject(x, "send_ms", d->send_ms);
        cJSON_AddNumberToObject(x, "pred_send_ms", d->pred_send_ms);
        cJSON_AddNumberToObject(x, "idle_ms", d->idle_ms);
        cJSON_AddNumberToObject(x, "pred_idle_ms", d->pred_idle_ms);
        cJSON_AddNumberToObject(x, "overhead_ms", d->overhead_ms);
        cJSON_AddNumberToObject(x, "codec_ms", d->codec_ms);
        cJSON_AddItemToArray(devs, x);
    }
    if (r->verified) {
        cJSON *v = cJSON_AddObjectToObject(o, "verify");
        cJSON_AddNumberToObject(v, "max_abs_err", r->max_abs_err);
        cJSON_AddNumberToObject(v, "max_rel_err", r->max_rel_err);
        cJSON_AddNumberToObject(v, "tolerance", r->tolerance);
        if (p->lossless) cJSON_AddBoolToObject(v, "passed", r->pass);
        else cJSON_AddNullToObject(v, "passed"); /* lossy: a deviation, not a check */
    } else {
        cJSON_AddNullToObject(o, "verify");
    }
    return o;
}

void halo_run_csv_row(FILE *f, const struct halo_rt *rt, const struct run_args *ra, const char *prov,
                    const struct halo_run_report *r, int i, int k)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    const struct halo_run_opts *o = &ra->o;
    char *plan = halo_csv_field(halo_rt_plan_path(rt)), *input = halo_csv_field(o->image_path ? o->image_path : "random");
    fprintf(f, "%s,%s,%s,%dx%d,%s,%llu,%d,%s,%s,%d,", plan ? plan : "?", p->method, p->model, p->h, p->w,
            input ? input : "?", (unsigned long long)o->image_seed, p->n_dev - 1, halo_run_clock_name(o->clock),
            halo_run_link_name(o->link), i);
    free(plan);
    free(input);
    if (k < 0) {
        double codec = 0;
        for (int q = 0; q < r->n_dev; q++) codec += r->dev[q].codec_ms;
        fprintf(f, "all,%.6f,%.6f,,,,,,,,,%.6f,%.6f,%.6f,%lld,%lld,", r->latency_ms, r->pred_latency_ms,
                r->dev[r->overhead_rank].overhead_ms, r->overhead_frac, codec, (long long)r->bytes_moved,
                (long long)r->pred_bytes_moved);
    } else {
        const struct halo_run_device *d = &r->dev[k];
        char *name = halo_csv_field(p->dev[k].name);
        fprintf(f, "%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,,,", name ? name : "?",
                r->latency_ms, r->pred_latency_ms, d->compute_ms, d->pred_compute_ms, d->recv_ms, d->pred_recv_ms,
                d->send_ms, d->pred_send_ms, d->idle_ms, d->pred_idle_ms, d->overhead_ms,
                r->latency_ms > 0 ? d->overhead_ms / r->latency_ms : 0, d->codec_ms);
        free(name);
    }
    if (r->verified) fprintf(f, "%.6g,", r->max_abs_err);
    else fprintf(f, ",");
    fprintf(f, "%s,%s\n", p->lossless ? "yes" : "no", prov);
}

const char *const halo_run_csv_header =
    "plan,method,model,input_size,input,input_seed,n_es,clock,link,inference,device,latency_ms,pred_latency_ms,"
    "compute_ms,pred_compute_ms,recv_ms,pred_recv_ms,send_ms,pred_send_ms,idle_ms,pred_idle_ms,overhead_ms,"
    "overhead_frac,codec_ms,bytes_moved,pred_bytes_moved,max_abs_err,lossless";

/* The run's settings, as the table's header says them. */
cJSON *halo_run_header_json(const struct halo_rt *rt, const struct run_args *ra, const struct halo_provenance *prov)
{
    const struct halo_run_opts *o = &ra->o;
    cJSON *doc = cJSON_CreateObject(), *x;
    x = cJSON_AddObjectToObject(doc, "backend");
    cJSON_AddStringToObject(x, "name", halo_rt_backend_name(rt));
    cJSON_AddStringToObject(x, "library", halo_rt_backend_version(rt));
    cJSON_AddNumberToObject(x, "threads", halo_rt_backend_threads(rt));
    cJSON_AddNumberToObject(doc, "ranks", halo_rt_size(rt));
    cJSON_AddStringToObject(doc, "clock", halo_run_clock_name(o->clock));
    cJSON_AddStringToObject(doc, "link", halo_run_link_name(o->link));
    cJSON_AddStringToObject(doc, "link_model", halo_plan_link_model(halo_rt_plan(rt))->name);
    const struct halo_rt_hosts *h = halo_rt_hosts(rt);
    if (h) {
        const struct halo_plan *p = halo_rt_plan(rt);
        x = cJSON_AddObjectToObject(doc, "hosts");
        cJSON_AddNumberToObject(x, "hosts", h->n_hosts);
        cJSON_AddNumberToObject(x, "hostnames", h->n_hostnames);
        cJSON_AddNumberToObject(x, "network_namespaces", h->n_netns);
        cJSON_AddNumberToObject(x, "mpi_nodes", h->n_nodes);
        cJSON_AddStringToObject(x, "transport", h->n_shm ? "shared memory" : "network");
        cJSON *ranks = cJSON_AddArrayToObject(x, "ranks");
        for (int r = 0; r < h->n_ranks; r++) {
            const struct halo_rt_place *pl = &h->rank[r];
            cJSON *y = cJSON_CreateObject();
            cJSON_AddNumberToObject(y, "rank", r);
            cJSON_AddStringToObject(y, "device", r < p->n_dev ? p->dev[r].name : "idle");
            cJSON_AddStringToObject(y, "hostname", pl->hostname);
            cJSON_AddNumberToObject(y, "host", pl->host);
            cJSON_AddBoolToObject(y, "same_clock", pl->same_clock);
            cJSON_AddNumberToObject(y, "offset_ms", pl->offset_ms);
            cJSON_AddNumberToObject(y, "offset_err_ms", pl->offset_err_ms);
            cJSON_AddNumberToObject(y, "round_trips", pl->samples);
            cJSON_AddBoolToObject(y, "shared_memory", pl->shm);
            cJSON_AddStringToObject(y, "btl", pl->btl);
            cJSON_AddItemToArray(ranks, y);
        }
    }
    if (o->rates_path) cJSON_AddStringToObject(doc, "rates_file", o->rates_path);
    x = cJSON_AddObjectToObject(doc, "weights");
    if (o->weights_path) cJSON_AddStringToObject(x, "file", o->weights_path);
    else if (own_weights(rt, o)) cJSON_AddStringToObject(x, "onnx", halo_rt_plan(rt)->model);
    else cJSON_AddNumberToObject(x, "random_seed", (double)o->weights_seed);
    x = cJSON_AddObjectToObject(doc, "image");
    if (o->image_path) cJSON_AddStringToObject(x, "file", o->image_path);
    else if (o->images_dir) cJSON_AddStringToObject(x, "folder", o->images_dir);
    else cJSON_AddNumberToObject(x, "random_seed", (double)o->image_seed);
    cJSON_AddStringToObject(x, "wire", "uint8 RGB, normalised on the receiving ES");
    cJSON_AddNumberToObject(doc, "warmup", ra->warmup);
    if (o->n_frames > 0) {
        x = cJSON_AddObjectToObject(doc, "stream");
        cJSON_AddNumberToObject(x, "frames", o->n_frames);
        if (o->fps > 0) cJSON_AddNumberToObject(x, "fps", o->fps);
        else cJSON_AddStringToObject(x, "fps", "max");
        cJSON_AddStringToObject(x, "arrivals", o->fps <= 0 ? "all at 0" : o->poisson ? "poisson" : "periodic");
        if (o->poisson) cJSON_AddNumberToObject(x, "arrival_seed", (double)o->arrival_seed);
        cJSON_AddNumberToObject(x, "inflight", o->inflight);
        if (o->deadline_ms > 0) cJSON_AddNumberToObject(x, "deadline_ms", o->deadline_ms);
        cJSON_AddBoolToObject(x, "rotate", o->rotate);
    } else {
        cJSON_AddNumberToObject(doc, "repeat", ra->repeat);
    }
    if (o->timeout_ms > 0) cJSON_AddNumberToObject(doc, "timeout_ms", o->timeout_ms);
    cJSON_AddItemToObject(doc, "provenance", halo_cli_provenance_json(prov));
    if (ra->csv) cJSON_AddStringToObject(doc, "csv_file", ra->csv);
    if (ra->trace) cJSON_AddStringToObject(doc, "trace_file", ra->trace);
    return doc;
}

