/* halo run: executes a plan across MPI ranks (rank 0 the source, rank k the plan's device k) and
 * prints, per inference, the measured timeline beside the plan's prediction. Started without an
 * MPI launcher it checks its input and re-runs itself under mpirun with the plan's rank count. */
#include "cli/cli.h"
#include "cli/cmd_run.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/parse.h"
#include "core/provenance.h"
#include "exec/backend.h"
#include "model/onnx.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_DEFAULT_WEIGHTS_SEED 0


static int parse(const struct halo_cli_cmd *cmd, int argc, char **argv, struct run_args *ra, bool *help)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    *help = a.help;
    if (rc || a.help) return rc;
    struct halo_run_opts *o = &ra->o;
    memset(ra, 0, sizeof *ra);
    ra->format = a.format;
    for (int i = 0; i < a.n_pos; i++) ra->plans[i] = a.pos[i];
    o->plan_paths = ra->plans;
    o->n_plans = a.n_pos;
    o->weights_path = halo_cli_get(cmd, &a, "weights");
    o->image_path = halo_cli_get(cmd, &a, "image");
    o->rates_path = halo_cli_get(cmd, &a, "rates");
    o->verify = halo_cli_has(cmd, &a, "verify");
    o->weights_seed = RUN_DEFAULT_WEIGHTS_SEED;
    ra->csv = halo_cli_get(cmd, &a, "csv");
    ra->trace = halo_cli_get(cmd, &a, "trace");
    ra->repeat = 1;
    ra->warmup = 1;
    const char *seed = halo_cli_get(cmd, &a, "seed"), *wseed = halo_cli_get(cmd, &a, "weights-seed");
    const char *clock = halo_cli_get(cmd, &a, "clock"), *link = halo_cli_get(cmd, &a, "link");
    const char *rep = halo_cli_get(cmd, &a, "repeat"), *warm = halo_cli_get(cmd, &a, "warmup");
    const char *tmo = halo_cli_get(cmd, &a, "timeout-ms"), *thr = halo_cli_get(cmd, &a, "threads");
    o->backend = halo_cli_get(cmd, &a, "backend");
    o->inject = halo_cli_get(cmd, &a, "inject");
    o->images_dir = halo_cli_get(cmd, &a, "images");
    o->rotate = halo_cli_has(cmd, &a, "rotate");
    int lrc = halo_cli_link_model(cmd, &a, &o->link_model);
    if (lrc) return lrc;
    const char *frames = halo_cli_get(cmd, &a, "frames"), *fps = halo_cli_get(cmd, &a, "fps");
    const char *arrivals = halo_cli_get(cmd, &a, "arrivals"), *inflight = halo_cli_get(cmd, &a, "inflight");
    const char *deadline = halo_cli_get(cmd, &a, "deadline-ms");
    const char *transport = halo_cli_get(cmd, &a, "transport");
    ra->hostfile = halo_cli_get(cmd, &a, "hostfile");
    o->allow_shm = halo_cli_has(cmd, &a, "allow-shared-memory");
    if (transport && strcmp(transport, "auto") && strcmp(transport, "tcp"))
        return halo_cli_usage_error(cmd, "--transport: '%s': expected auto or tcp", transport);
    o->transport = transport && !strcmp(transport, "tcp") ? HALO_TRANSPORT_TCP : HALO_TRANSPORT_AUTO;
    /* the stream's flags need --frames; --repeat is the single inferences' */
    const char *need[][2] = {{"--fps", fps}, {"--arrivals", arrivals}, {"--inflight", inflight},
                             {"--images", o->images_dir}, {"--deadline-ms", deadline},
                             {"--rotate", o->rotate ? "" : NULL}};
    for (size_t i = 0; !frames && i < sizeof need / sizeof need[0]; i++)
        if (need[i][1]) return halo_cli_usage_error(cmd, "%s needs --frames N (a stream)", need[i][0]);
    if (frames && rep) return halo_cli_usage_error(cmd, "--frames and --repeat are mutually exclusive");
    if (o->image_path && o->images_dir) return halo_cli_usage_error(cmd, "--image and --images are mutually exclusive");
    if (arrivals && strcmp(arrivals, "periodic") && strcmp(arrivals, "poisson"))
        return halo_cli_usage_error(cmd, "--arrivals: '%s': expected periodic or poisson", arrivals);
    o->poisson = arrivals && !strcmp(arrivals, "poisson");
    if (o->poisson && (!fps || !strcmp(fps, "max")))
        return halo_cli_usage_error(cmd, "--arrivals poisson needs a rate: --fps F");
    /* on a stream --seed also seeds the Poisson arrivals, so it goes with --image(s) there */
    if (o->image_path && seed && !frames) return halo_cli_usage_error(cmd, "--image and --seed are mutually exclusive");
    if (o->weights_path && wseed) return halo_cli_usage_error(cmd, "--weights and --weights-seed are mutually exclusive");
    if (clock && strcmp(clock, "wall") && strcmp(clock, "virtual"))
        return halo_cli_usage_error(cmd, "--clock: '%s': expected wall or virtual", clock);
    if (link && strcmp(link, "emulated") && strcmp(link, "real"))
        return halo_cli_usage_error(cmd, "--link: '%s': expected emulated or real", link);
    o->clock = clock && !strcmp(clock, "wall") ? HALO_CLOCK_WALL : HALO_CLOCK_VIRTUAL;
    o->link = link && !strcmp(link, "real") ? HALO_LINK_REAL : HALO_LINK_EMULATED;
    if (o->clock == HALO_CLOCK_VIRTUAL && o->link == HALO_LINK_REAL)
        return halo_cli_usage_error(cmd, "--link real needs --clock wall (the virtual clock times links by the model)");
    long v;
    enum halo_status st = HALO_OK;
    if (seed && (st = halo_parse_long("--seed", seed, 0, LONG_MAX, &v)) == HALO_OK) o->image_seed = (uint64_t)v;
    if (st == HALO_OK && wseed && (st = halo_parse_long("--weights-seed", wseed, 0, LONG_MAX, &v)) == HALO_OK)
        o->weights_seed = (uint64_t)v, o->weights_seeded = true;
    if (st == HALO_OK && rep) st = halo_parse_int("--repeat", rep, 1, 1000000, &ra->repeat);
    if (st == HALO_OK && warm) st = halo_parse_int("--warmup", warm, 0, 1000000, &ra->warmup);
    if (st == HALO_OK && thr) st = halo_parse_threads("--threads", thr, &o->threads);
    if (st == HALO_OK && tmo) st = halo_parse_double("--timeout-ms", tmo, 1, 1e9, &o->timeout_ms);
    if (st == HALO_OK && frames) st = halo_parse_int("--frames", frames, 1, 1000000, &o->n_frames);
    if (st == HALO_OK && fps && strcmp(fps, "max")) st = halo_parse_double("--fps", fps, 1e-6, 1e6, &o->fps);
    if (st == HALO_OK && inflight) st = halo_parse_int("--inflight", inflight, 1, 4096, &o->inflight);
    if (st == HALO_OK && deadline) st = halo_parse_double("--deadline-ms", deadline, 1e-6, 1e9, &o->deadline_ms);
    if (st != HALO_OK) return halo_cli_fail(cmd, st);
    if ((rc = halo_run_adapt_args(cmd, &a, o))) return rc;
    o->arrival_seed = o->image_seed;
    if (o->backend && !*o->backend) return halo_cli_usage_error(cmd, "--backend: empty name");
    if (!o->backend) o->backend = halo_backend_compiled("cpu") ? "cpu" : "ref";
    return HALO_EXIT_OK;
}

/* Ends the whole job with `code` after a fault; the launcher learns the code first. */
static void quit(struct halo_rt *rt, int code)
{
    halo_rt_report_exit(code);
    halo_rt_abort(rt, code);
}

/* Under a user's own mpirun, a failed run must still fail the job: with the flag the README asks
 * for (--mca orte_abort_on_non_zero_status 0) Open MPI 4.1's mpirun exits 0 whatever the ranks
 * return, but it passes on MPI_Abort's code. halo's own launcher reads the source's status from a
 * file instead, so this is only for jobs it did not start; rank 0 ends the job, after its message. */
static void fail_job(struct halo_rt *rt, int rc)
{
    if (rc != HALO_EXIT_OK && halo_rt_rank(rt) == 0 && !halo_rt_status_read()) halo_rt_abort(rt, rc);
}

const char *halo_run_clock_name(enum halo_clock_mode c) { return c == HALO_CLOCK_WALL ? "wall" : "virtual"; }
const char *halo_run_link_name(enum halo_link_mode l) { return l == HALO_LINK_REAL ? "real" : "emulated"; }


/* The inferences of the plan in use; rank 0 prints, writes CSV and the summary. Returns the
 * number of lossless runs that failed verification. */
static int run_plan(const struct halo_cli_cmd *cmd, struct halo_rt *rt, const struct run_args *ra,
                    struct run_out *out, double *lat, double *err, double *ovh)
{
    bool root = halo_rt_rank(rt) == 0, table = ra->format == HALO_FORMAT_TABLE, stream = ra->o.n_frames > 0;
    int n = ra->repeat, failed = 0;
    double pred = 0;
    FILE *trace = out->trace;
    cJSON *jplan = NULL, *jinf = NULL, *jwarm = NULL;
    if (root && out->doc) {
        const struct halo_plan *p = halo_rt_plan(rt);
        int in[2] = {p->h, p->w};
        jplan = cJSON_CreateObject();
        cJSON_AddStringToObject(jplan, "plan", halo_rt_plan_path(rt));
        cJSON_AddStringToObject(jplan, "method", p->method);
        cJSON_AddStringToObject(jplan, "model", p->model);
        cJSON_AddItemToObject(jplan, "input", cJSON_CreateIntArray(in, 2));
        cJSON_AddBoolToObject(jplan, "lossless", p->lossless);
        cJSON_AddNumberToObject(jplan, "n_es", p->n_dev - 1);
        jwarm = cJSON_AddArrayToObject(jplan, "warmup");
        if (!stream) jinf = cJSON_AddArrayToObject(jplan, "inferences");
        cJSON_AddItemToArray(out->plans, jplan);
    }
    if (root && table) {
        halo_run_print_plan_header(rt);
        fflush(stdout);
    }
    for (int i = 0; !stream && i < ra->warmup + n; i++) {
        struct halo_run_report r;
        enum halo_status st = halo_rt_infer(rt, i, &r);
        if (st != HALO_OK) {
            halo_cli_fail(cmd, st);
            for (int k = 0; k < 2; k++) halo_outfile_discard(out->files[k]); /* no partial files */
            quit(rt, HALO_EXIT_FAIL);
        }
        if (!root) continue;
        if (i < ra->warmup) {
            if (jwarm) {
                cJSON *w = cJSON_CreateObject();
                cJSON_AddNumberToObject(w, "latency_ms", r.latency_ms);
                cJSON_AddNumberToObject(w, "pred_latency_ms", r.pred_latency_ms);
                cJSON_AddNumberToObject(w, "wall_ms", r.wall_ms);
                cJSON_AddItemToArray(jwarm, w);
            } else if (table) {
                printf("warm-up %d: latency %.3f ms (predicted %.3f ms), wall %.1f ms\n", i + 1, r.latency_ms,
                       r.pred_latency_ms, r.wall_ms);
                fflush(stdout);
            }
            continue;
        }
        int t = i - ra->warmup;
        if (jinf) {
            cJSON_AddItemToArray(jinf, halo_run_report_json(rt, &r, t + 1));
        } else if (table) {
            halo_run_print_report(rt, &r, t + 1, n);
            fflush(stdout);
        }
        lat[t] = r.latency_ms;
        pred = r.pred_latency_ms;
        err[t] = fabs(halo_run_pct(r.latency_ms, r.pred_latency_ms));
        ovh[t] = r.overhead_frac;
        if (r.verified && halo_rt_plan(rt)->lossless && !r.pass) failed++;
        for (int q = 0; q < out->n_sinks; q++) {
            halo_run_csv_row(out->sinks[q], rt, ra, out->prov, &r, t + 1, -1);
            for (int k = 0; k < r.n_dev; k++) halo_run_csv_row(out->sinks[q], rt, ra, out->prov, &r, t + 1, k);
        }
        for (int k = 0; trace && k < r.n_steps; k++) {
            const struct halo_run_step *sp = &r.steps[k];
            const struct halo_plan *p = halo_rt_plan(rt);
            char *plan = halo_csv_field(halo_rt_plan_path(rt)), *dev = halo_csv_field(p->dev[sp->device].name);
            fprintf(trace, "%s,%s,%s,%d,%d,%s,%d,%s,%.6f,%.6f,%.6f,%.6f\n", plan ? plan : "?", p->method,
                    halo_run_clock_name(ra->o.clock), t + 1, sp->block, sp->block < p->n_blocks ? "block" : "tail", sp->part,
                    dev ? dev : "?", sp->start_ms, sp->end_ms, sp->compute_ms, sp->pred_compute_ms);
            free(plan);
            free(dev);
        }
    }
    if (stream) {
        struct halo_stream_report r;
        /* the warm-up: a few frames through every variant (a device's first frame builds its primitives) */
        int n_warm = ra->warmup * halo_plan_n_variants(halo_rt_plan(rt));
        double warm_ms = 0;
        enum halo_status st = halo_rt_warmup(rt, n_warm, &warm_ms);
        if (st == HALO_OK && root && table && n_warm > 0)
            printf("warm-up   %d frame%s through every variant, as fast as possible, untimed: wall %.1f ms\n", n_warm,
                   n_warm == 1 ? "" : "s", warm_ms);
        fflush(stdout); /* the stream starts now: a watcher of the output (a testbed's trace) may wait for this line */
        if (st == HALO_OK && jwarm) {
            cJSON *w = cJSON_CreateObject();
            cJSON_AddNumberToObject(w, "frames", n_warm);
            cJSON_AddNumberToObject(w, "wall_ms", warm_ms);
            cJSON_AddItemToArray(jwarm, w);
        }
        if (st == HALO_OK) st = halo_rt_stream(rt, &r);
        if (st != HALO_OK) {
            halo_cli_fail(cmd, st);
            for (int k = 0; k < 2; k++) halo_outfile_discard(out->files[k]); /* no partial files */
            quit(rt, HALO_EXIT_FAIL);
        }
        if (!root) return 0;
        failed = halo_run_stream_report(rt, ra, out, jplan, &r);
        if (failed)
            fprintf(stderr, "halo %s: %s: verify FAILED: %d of %d frames differ from single-device inference beyond the "
                            "tolerance\n", cmd->name, halo_rt_plan_path(rt), failed, r.n_frames);
        return failed;
    }
    if (root) {
        const struct halo_plan *p = halo_rt_plan(rt);
        struct halo_stats sl = halo_stats_of(lat, (size_t)n), se = halo_stats_of(err, (size_t)n),
                          so = halo_stats_of(ovh, (size_t)n);
        const char *verify = !ra->o.verify ? NULL : !p->lossless ? "LOSSY" : failed ? "FAILED" : "OK";
        if (jplan) {
            cJSON *sm = cJSON_AddObjectToObject(jplan, "summary");
            cJSON_AddNumberToObject(sm, "timed_runs", n);
            cJSON_AddNumberToObject(sm, "latency_median_ms", sl.median);
            cJSON_AddNumberToObject(sm, "latency_min_ms", sl.min);
            cJSON_AddNumberToObject(sm, "latency_p90_ms", sl.p90);
            cJSON_AddNumberToObject(sm, "pred_latency_ms", pred);
            cJSON_AddNumberToObject(sm, "abs_error_median_pct", se.median);
            cJSON_AddNumberToObject(sm, "overhead_median_frac", so.median);
            if (verify) cJSON_AddStringToObject(sm, "verify", verify);
            else cJSON_AddNullToObject(sm, "verify");
        }
        if (table) printf("summary   %s (%s, %d timed run%s): latency median %.3f ms (min %.3f, p90 %.3f), predicted %.3f ms; "
               "median |error| %.1f %%; runtime overhead median %.2f %% of latency",
               halo_rt_plan_path(rt), p->method, n, n == 1 ? "" : "s", sl.median, sl.min, sl.p90, pred, se.median,
               100 * so.median);
        if (table && ra->o.verify)
            printf("; verify %s", !p->lossless ? "LOSSY (deviation above, not checked)"
                                  : failed     ? "FAILED"
                                               : "OK");
        if (table) printf("\n");
        fflush(stdout);
        if (failed) fprintf(stderr, "halo %s: %s: verify FAILED: %d of %d runs differ from single-device inference "
                                    "beyond the tolerance\n", cmd->name, halo_rt_plan_path(rt), failed, n);
    }
    return failed;
}

/* Every plan in turn. Returns the exit code. */
static int run_inferences(const struct halo_cli_cmd *cmd, struct halo_rt *rt, const struct run_args *ra)
{
    bool root = halo_rt_rank(rt) == 0, table = ra->format == HALO_FORMAT_TABLE;
    struct run_out out = {0};
    struct halo_outfile *csv = NULL, *trace = NULL;
    char *prov_values = NULL;
    int n = ra->repeat, failed = 0;
    double *lat = halo_calloc((size_t)n, sizeof *lat), *err = halo_calloc((size_t)n, sizeof *err);
    double *ovh = halo_calloc((size_t)n, sizeof *ovh);
    if (!lat || !err || !ovh) {
        halo_cli_fail(cmd, HALO_ERR_NOMEM);
        quit(rt, HALO_EXIT_FAIL);
    }
    if (root) {
        /* before the runs (they can take long): which devices' profiles are not this host's */
        struct halo_cli_foreign *fo = halo_cli_foreign_new();
        for (int i = 0; i < ra->o.n_plans; i++) halo_cli_foreign_add_plan(fo, ra->o.plan_paths[i]);
        halo_cli_foreign_print(cmd, fo);
        halo_cli_foreign_free(fo);
        if (table) halo_run_print_header(rt, ra);
        if (ra->csv || !table) {
            struct halo_provenance prov;
            if (halo_provenance_get(&prov, halo_rt_backend_name(rt), halo_rt_backend_version(rt),
                                    halo_rt_backend_threads(rt)) == HALO_OK) {
                prov_values = halo_provenance_csv_values(&prov);
                if (ra->format == HALO_FORMAT_JSON && (out.doc = halo_run_header_json(rt, ra, &prov)))
                    out.plans = cJSON_AddArrayToObject(out.doc, "plans");
                halo_provenance_free(&prov);
            }
            if (!prov_values || (ra->format == HALO_FORMAT_JSON && !out.plans)) {
                halo_cli_fail(cmd, HALO_ERR_NOMEM);
                quit(rt, HALO_EXIT_FAIL);
            }
            out.prov = prov_values;
        }
        if (ra->csv) {
            if (halo_outfile_open(ra->csv, &csv) != HALO_OK) {
                halo_cli_fail(cmd, HALO_ERR_IO);
                quit(rt, HALO_EXIT_USAGE);
            }
            out.sinks[out.n_sinks++] = halo_outfile_stream(csv);
            out.files[0] = csv;
        }
        if (ra->format == HALO_FORMAT_CSV) out.sinks[out.n_sinks++] = stdout;
        for (int q = 0; q < out.n_sinks; q++)
            fprintf(out.sinks[q], "%s,%s\n", ra->o.n_frames > 0 ? halo_run_stream_csv_header : halo_run_csv_header,
                    halo_provenance_csv_header());
        if (ra->trace) {
            if (halo_outfile_open(ra->trace, &trace) != HALO_OK) {
                halo_cli_fail(cmd, HALO_ERR_IO);
                halo_outfile_discard(csv);
                quit(rt, HALO_EXIT_USAGE);
            }
            out.trace = halo_outfile_stream(trace);
            out.files[1] = trace;
            fprintf(out.trace, "plan,method,clock,inference,block,kind,part,device,start_ms,end_ms,compute_ms,"
                               "pred_compute_ms\n");
        }
        fflush(stdout);
    }
    for (int i = 0; i < halo_rt_n_plans(rt); i++) {
        enum halo_status st = halo_rt_use_plan(rt, i);
        if (st != HALO_OK) {
            halo_cli_fail(cmd, st);
            quit(rt, HALO_EXIT_FAIL);
        }
        failed += run_plan(cmd, rt, ra, &out, lat, err, ovh);
        if (root && table) halo_run_print_clocks(rt);
    }
    int rc = failed ? HALO_EXIT_FAIL : HALO_EXIT_OK;
    /* a file that could not be written is bad output, as when it cannot be created (exit 2) */
    struct halo_outfile *files[2] = {csv, trace};
    const char *names[2] = {ra->csv, ra->trace};
    for (int k = 0; k < 2; k++) {
        if (!files[k]) continue;
        enum halo_status st = halo_outfile_close(files[k]);
        if (st != HALO_OK) rc = halo_cli_fail(cmd, st);
        else if (table) printf("wrote %s\n", names[k]);
    }
    if (out.doc) {
        int jrc = halo_cli_put_json(cmd, out.doc);
        if (rc == HALO_EXIT_OK) rc = jrc;
    }
    free(prov_values);
    free(lat);
    free(err);
    free(ovh);
    return rc;
}

/* Without a launcher: checks the input, then runs this command again under mpirun, each rank on
 * its host when the plan or --hostfile says where. */
static int launch(const struct halo_cli_cmd *cmd, int argc, char **argv, const struct run_args *ra)
{
    int n_dev = 0, code = HALO_EXIT_FAIL;
    char **hosts = NULL;
    int64_t max_msg = 0;
    enum halo_status st = halo_rt_precheck(&ra->o, &n_dev, &hosts, &max_msg);
    bool several = false; /* the hostfile names several hosts: TCP between them, as for the plan's */
    if (st == HALO_OK && ra->hostfile)
        st = halo_rt_check_hostfile(ra->hostfile, (const char *const *)hosts, n_dev, &several);
    char **av = st == HALO_OK ? halo_calloc((size_t)argc + 3, sizeof *av) : NULL;
    if (st == HALO_OK && !av) st = HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        int k = 0;
        av[k++] = "halo";
        av[k++] = (char *)cmd->name;
        /* the ranks are placed: --hostfile is the launcher's, not theirs */
        for (int i = 0; i < argc; i++) {
            if (!strcmp(argv[i], "--hostfile")) i++;
            else if (strncmp(argv[i], "--hostfile=", 11)) av[k++] = argv[i];
        }
        struct halo_launch l = {n_dev, ra->hostfile, (const char *const *)hosts, ra->o.transport == HALO_TRANSPORT_TCP,
                                several, max_msg};
        st = halo_rt_relaunch(&l, k, av, &code);
    }
    free(av);
    if (hosts) halo_strlist_free(hosts, n_dev);
    return st == HALO_OK ? code : halo_cli_fail(cmd, st);
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct run_args ra;
    bool help = false;
    int rc = parse(cmd, argc, argv, &ra, &help);
    if (rc == HALO_EXIT_OK && !help && ra.hostfile && halo_rt_under_launcher())
        rc = halo_cli_usage_error(cmd, "--hostfile places the ranks of halo run's own launcher; under your mpirun "
                                       "give the hostfile to mpirun (--hostfile F --map-by seq)");
    /* a rank that fails before the runtime exists must fail a job that halo did not start too */
    if (rc && halo_rt_under_launcher() && !halo_rt_status_read()) halo_rt_fail_job(rc);
    if (rc || help) return rc;
    if (!halo_rt_under_launcher()) return launch(cmd, argc, argv, &ra);
    struct halo_rt *rt = NULL;
    enum halo_status st = halo_rt_init(NULL, NULL, &rt);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
        halo_rt_report_exit(rc);
        halo_rt_free(rt);
        return rc;
    }
    st = halo_rt_setup(rt, &ra.o);
    if (st != HALO_OK) {
        if (halo_rt_should_print(rt)) rc = halo_cli_fail(cmd, st);
        else rc = st == HALO_ERR_INVALID || st == HALO_ERR_IO || st == HALO_ERR_PARSE || st == HALO_ERR_UNSUPPORTED
                      ? HALO_EXIT_USAGE
                      : HALO_EXIT_FAIL;
        if (st == HALO_ERR_TIMEOUT || st == HALO_ERR_MPI) quit(rt, rc);
        if (halo_rt_rank(rt) == 0) halo_rt_report_exit(rc);
        fail_job(rt, rc);
        halo_rt_finish(rt);
        halo_rt_free(rt);
        return rc;
    }
    ra.o.inflight = halo_rt_inflight(rt); /* the default, when not given, follows the plans */
    rc = run_inferences(cmd, rt, &ra);
    if (halo_rt_rank(rt) == 0) halo_rt_report_exit(rc);
    fail_job(rt, rc);
    st = halo_rt_finish(rt);
    if (st != HALO_OK) {
        halo_cli_fail(cmd, st);
        quit(rt, HALO_EXIT_FAIL);
    }
    if (halo_rt_rank(rt) == 0) halo_rt_report_end();
    halo_rt_free(rt);
    return rc;
}

const struct halo_cli_cmd halo_cmd_run = {
    .name = "run",
    .usage = "PLAN.json [PLAN.json ...] [--backend cpu|ref|cuda] [--weights F | --weights-seed N] [--image F | --seed N] "
             "[--clock virtual|wall] [--link emulated|real] [--link-model fifo|fair|tcp] [--verify] [--repeat K] [--warmup N] [--csv F] "
             "[--timeout-ms T] [--rates F] [--trace F] [--threads N] [--format table|csv|json] "
             "[--frames N [--fps F|max] [--arrivals periodic|poisson] [--inflight K] [--images DIR] [--deadline-ms D] "
             "[--rotate] [--link-trace CSV] [--adapt off|on --cluster F [--adapt-* ...]]] [--hostfile F] [--transport auto|tcp] [--allow-shared-memory]",
    .summary = "execute a plan across MPI ranks; measured timeline beside the plan's prediction",
    .details =
        "Rank 0 is the source (holds the image, receives the logits); rank k runs the plan's device k.\n"
        "Several plans of the same model and input run one after the other in one job, the weights\n"
        "loaded once; the ranks are the largest plan's devices, and a smaller plan leaves the last idle.\n"
        "Without an MPI launcher, halo run checks its input and runs itself under\n"
        "`mpirun -np N --bind-to none` (N = the plan's devices; --oversubscribe when N exceeds the cores;\n"
        "Open MPI's run-as-root variables when root; orte_abort_on_non_zero_status=0 so that the source\n"
        "can name a rank that dies; and Open MPI's TCP eager limit raised to hold the plans' largest\n"
        "message, OMPI_MCA_btl_tcp_eager_limit = rndv_eager_limit = max_send_size, so that no message\n"
        "waits for its receiver to poll before its bytes flow). Under your own mpirun, start exactly N\n"
        "ranks (a mismatch is an error on every rank, exit 2) and pass --mca orte_abort_on_non_zero_status 0\n"
        "for named faults; over TCP, also --mca btl_tcp_eager_limit B (and btl_tcp_rndv_eager_limit,\n"
        "btl_tcp_max_send_size) with B a power of two above the largest message: the header names it.\n"
        "Every rank loads the plan and the weights; the source checks that all ranks hold the same plan\n"
        "and weights (hashes) and names a rank that differs (exit 1).\n"
        "\n"
        "Hosts. A cluster device's optional \"host\" goes into the plan; when every device of the plans\n"
        "names one, halo run starts rank k on device k's host (a hostfile in rank order for Open MPI's\n"
        "sequential mapper, --map-by seq); --hostfile F does the same with your file, one line per rank\n"
        "in the plan's device order (checked against the plan's hosts). Under your own mpirun, give it\n"
        "such a hostfile with --map-by seq. A rank on another host than the plan's is named (exit 2).\n"
        "A host is a kernel (its boot id, not its hostname); the header counts them. Every rank whose\n"
        "clock is not provably the source's (another boot id or time namespace) gets an offset from the\n"
        "source's clock by round trips (the one with the smallest round trip of 32; the bound, half of\n"
        "it, is printed), re-estimated every second during the runs from the waits, so that times,\n"
        "deadlines and emulated links are on the source's timeline. Transport: ranks on several hosts\n"
        "(the plan's or the hostfile's) talk TCP (halo's launcher sets OMPI_MCA_btl=tcp,self unless you\n"
        "set a btl; --transport tcp asks for it on one host). Ranks that Open MPI places on one node may use shared memory (its\n"
        "vader btl) also across network namespaces or containers: the header says which, and --link\n"
        "real between such ranks that look like separate machines is refused unless\n"
        "--allow-shared-memory. On the wall clock every inference also shows each link model's latency\n"
        "with the plan's compute and with the measured compute (the links' share of the error).\n"
        "tools/netns_cluster.sh runs halo run across network namespaces with shaped links (a testbed).\n"
        "\n"
        "Clocks. virtual (default): every device computes for real, one rank at a time with all cores\n"
        "(a token passed in step order; waiting ranks sleep), its measured time divided by its device's\n"
        "speed; messages move for real but are timed by the plan's link model (the one the plan file\n"
        "names, or --link-model's: fifo, one message at a time per uplink and downlink; fair, TCP-like\n"
        "fair share), exactly as the planner simulates it, so any number of ESs can be measured on a\n"
        "small machine; the prediction beside it is that model's too. wall: real parallel execution; with emulated\n"
        "links the sender stamps each message with its uplink interval and the receiver holds the data\n"
        "back until then, re-serialising its own downlink in the order messages arrive (an approximation\n"
        "of the planner's per-block ordering; whatever the link model, the emulation is one message at a\n"
        "time). A device slower than 1.0 (speed) is slowed down by sleeping.\n"
        "On one host, each computing rank gets its own share of the cores (round robin when there are\n"
        "more computing ranks than cores) and as many threads, unless --threads.\n"
        "\n"
        "Per inference: end-to-end latency; per device compute, receive, send and idle time beside the\n"
        "plan's; bytes moved; and the runtime's own overhead: wall time that is neither compute, nor an\n"
        "emulated transfer, nor waiting, nor ADCNN's codec (shown apart as codec_ms): packing, copies,\n"
        "MPI calls, as a fraction of latency (the largest over ranks).\n"
        "--verify: the source also runs the model on one device (same backend and weights) and compares\n"
        "the logits: ref must be bit-identical, other backends within 1e-4 of max |logit| (float\n"
        "reassociation); otherwise exit 1. Lossy plans (ADCNN) report their deviation and LOSSY.\n"
        "Compressed blocks travel as ADCNN's codec encodes them and are timed at their real size.\n"
        "\n"
        "Faults: every wait has a deadline (--timeout-ms; default max(2 s, 5 x the predicted latency,\n"
        "3 x the warm-up's wall time), and max(30 s, 20 x predicted x ranks on the virtual clock) for\n"
        "the first run; at most 600 s). A rank past it tells the source what it waits for; the source\n"
        "names the rank that died or stalled and ends the job (MPI_Abort, exit 1). Every message carries\n"
        "a checksum of its payload: a message corrupted in transit ends the job on its receiver, which\n"
        "names sender and message (exit 1); no result of that run is reported.\n"
        "--inject F1,F2,... injects faults to test this (RANK: the plan's device index, 0 the source;\n"
        "BLOCK: the first block it applies to, default 0; the tail is the plan's number of blocks):\n"
        "  kill:RANK[@BLOCK[/F]] that ES exits at its first step of such a block (of frame F or later of a\n"
        "                        stream): the source names it (with --adapt on: the stream goes on)\n"
        "  stall:RANK[@BLOCK[/F]] that ES hangs there: the source names it (with --adapt on: the stream goes\n"
        "                        on; the rank wakes later, excluded, and leaves)\n"
        "  delay:RANK:MS[@BLOCK] its every step from that block on starts MS ms late (wall time; on the\n"
        "                        virtual clock the step also takes MS ms longer): the run completes\n"
        "                        later, or past the timeout the source names it\n"
        "  corrupt:RANK[@BLOCK]  the first message it sends for such a block has a byte flipped after its\n"
        "                        checksum was taken: the receiver names sender and message, exit 1\n"
        "  drop:RANK[@BLOCK]     that message is never sent: its receiver waits, and the source names the\n"
        "                        receiver waiting for it from that sender within the timeout, exit 1\n"
        "\n"
        "--rates F replaces the plan's link rates by a halo-rates/1 file: {\"schema\": \"halo-rates/1\",\n"
        "\"devices\": [names in plan order], \"bandwidth_mbps\": N x N, \"latency_ms\": N x N (optional)};\n"
        "the prediction is the plan replayed under them. --format csv prints one row per inference\n"
        "(device 'all') and one per device, with provenance columns; --csv F writes the same rows to F\n"
        "whatever the format; --trace F one row per compute step. --format json prints the header, every\n"
        "inference and each plan's summary as one document at the end.\n"
        "\n"
        "Input. The source sends the image as a camera has it: uint8 RGB, 3 bytes a pixel, after the\n"
        "resize and crop; the ES that receives a piece normalises it to float32 with the transform's own\n"
        "arithmetic, so outputs are those of the float image (bit-identical on ref). Without --image or\n"
        "--images the frames are seeded random uint8 frames (frame f: seed + f), not N(0,1) tensors.\n"
        "\n"
        "Streams (--frames N). After --warmup frames through every plan variant (untimed), N frames enter\n"
        "the source: all at once (--fps max, the default), every 1000/F ms (--fps F), or with exponential\n"
        "gaps of mean 1000/F ms (--arrivals poisson, seeded by --seed). At most K are admitted and not done\n"
        "(--inflight; each rank keeps buffers per frame slot, not per frame); the rest queue at the source,\n"
        "and that queueing is reported apart from the inference. Every rank runs whatever step of whatever\n"
        "frame has its inputs, oldest frame first and, within a frame, in the schedule's order (the cost\n"
        "model's rule): frame f + 1's first block runs on one ES while frame f's later blocks run on\n"
        "others. Messages carry their frame\n"
        "in the header and their frame slot in the MPI tag. On the virtual clock one rank computes at a time,\n"
        "frames in order and steps in schedule order (a token), and the source replays the cost model with\n"
        "the measured durations and message sizes, the same arrivals and the same bound: the measured\n"
        "timeline is exactly the model's with measured durations. Reported, measured beside predicted (the\n"
        "model with the plan's compute_ms): throughput over the steady state (the first tenth of the frames,\n"
        "at most 20, left out), period = 1 / throughput, latency p50/p90/p99/max (arrival -> result),\n"
        "inference (admission -> result), queueing, deadline misses (--deadline-ms), per-device utilisation\n"
        "(compute busy / span) and per-link load (Mbit/s and busy fraction). --csv and --format csv give one\n"
        "row per frame and an 'all' row; --verify checks every frame against single-device inference of its\n"
        "image, computed after the stream (never on its clock). --rotate makes the plans (same devices and\n"
        "links) the variants of one stream: frame f runs plan f mod n (a round robin of whole frames).\n"
        "Test hook: HALO_TEST_VCLOCK_PLAN_MS=1 makes the virtual clock replay the plan's compute_ms instead\n"
        "of the measured ones (the runtime's frames, admission and token then give the model's numbers).\n"
        "\n"
        "Links over time (--link-trace CSV, halo's trace format: time_s,device,up_mbps,down_mbps; devices\n"
        "by the plan's names): frame f's emulated links run at the trace's rates at its arrival time (a\n"
        "pair at the slower of the sender's uplink and the receiver's downlink; the plan's rates before a\n"
        "device's first row, its last row after the end), on both clocks, as halo sim --adapt models it.\n"
        "Real links over time: tools/netns_cluster.sh run --link-trace CSV changes the testbed's tbf rates.\n"
        "Adaptation (--adapt on, with --cluster F, the cluster the plan was made on): each rank sends the\n"
        "source, when a frame leaves it, that frame's step times (and on the wall clock its messages' link\n"
        "intervals: emulated, as paced; real, from the post to the receipt, which counts the link's sharing\n"
        "and the receiver's compute; on the virtual clock the source times the emulated links itself); the\n"
        "source keeps EWMA estimates of every link's rate and ES's speed (--adapt-alpha) and, when a frame's\n"
        "result is in and --adapt-check-ms have passed, re-plans with DPFP on the estimates (the ESs in use\n"
        "first; --adapt-search subset sizes refined) for the lowest latency at --fps. A new plan is adopted\n"
        "when its predicted gain is >= --adapt-gain for --adapt-hold checks in a row and >=\n"
        "--adapt-interval-ms after the last (at once when the plan in use is predicted 1.5x worse than at its\n"
        "adoption). It is a new epoch: the source sends it to every rank and admits every later frame on it;\n"
        "frames in flight finish on theirs. Every re-plan is printed (time, trigger, predicted figures,\n"
        "planning time).\n"
        "A dead or stalled ES (with --adapt on halo runs mpirun with --enable-recovery, so that a rank's\n"
        "death does not end the job, MPI calls return errors, and --mca async_mpi_finalize 1, so that\n"
        "MPI_Finalize does not wait for the dead rank; give both to your own mpirun): past the wait's timeout and grace (the bound\n"
        "printed) the source names it from the ranks' stall reports, re-plans over the survivors at once,\n"
        "and every frame whose result is not in runs again on the new epoch from the source's copy of its\n"
        "input (none lost, none delivered twice, every one verified with --verify); the survivors abandon\n"
        "their frames in flight (their messages' tags change generation, a woken rank's late messages never\n"
        "match) and take the stream up again. It cannot rejoin: without ULFM or dynamic processes MPI does\n"
        "not let a rank back in. A stalled rank that never leaves would keep mpirun waiting after the stream\n"
        "(under --enable-recovery not even MPI_Abort ends the job): halo's launcher stops mpirun 10 s after\n"
        "the source is over, and the job's status is the source's. On the virtual clock the replay runs the restarted frames on the new epoch\n"
        "from their arrival: the detection and recovery times are reported apart, in wall ms.",
    .opts = (const struct halo_cli_opt[]){
        {"backend", 0, "NAME", "cpu, ref or cuda (default cpu when available, else ref)"},
        {"weights", 0, "FILE", "safetensors weights (default: an ONNX model's own, else random)"},
        {"weights-seed", 0, "N", "seed of the random weights (default 0)"},
        {"image", 0, "FILE", "PNG or JPEG input image"},
        {"seed", 0, "N", "seed of the random uint8 frames (default 0); of Poisson arrivals too"},
        {"clock", 0, "virtual|wall", "virtual (default) or wall clock"},
        {"link", 0, "emulated|real", "pace messages to the plan's links (default) or send at transport speed"},
        {"link-model", 0, "NAME", "the link model of the virtual clock and the prediction: fifo or fair (default: "
                                  "the plan's)"},
        {"verify", 0, NULL, "compare the logits with single-device inference"},
        {"repeat", 0, "K", "timed inferences (default 1); the median is reported"},
        {"warmup", 0, "N", "untimed inferences first (default 1)"},
        {"csv", 0, "F", "also write the CSV rows (per inference and per device, with provenance) to F"},
        {"timeout-ms", 0, "T", "deadline of each inference (default: see below)"},
        {"rates", 0, "F", "per-link rates of one draw (halo-rates/1) replacing the plan's"},
        {"trace", 0, "F", "write every compute step (start, end, measured and predicted ms) as CSV"},
        {"threads", 0, "N", "compute threads per rank (default: the cores of the process's cpuset)"},
        {"inject", 0, "F1,F2,...", "inject faults (kill, stall, delay, corrupt, drop; see below) to test fault handling"},
        {"frames", 0, "N", "run a stream of N frames (pipelined across the ESs) instead of single inferences"},
        {"fps", 0, "F|max", "stream: frames arrive at F per second (default max: as fast as possible)"},
        {"arrivals", 0, "periodic|poisson", "stream: periodic (default) or Poisson arrivals (seeded by --seed)"},
        {"inflight", 0, "K", "stream: frames admitted and not done at most (default: the plan's devices)"},
        {"images", 0, "DIR", "stream: frames from the PNG/JPEG files of DIR in name order, cycling"},
        {"deadline-ms", 0, "D", "stream: count the frames whose latency exceeds D ms"},
        {"rotate", 0, NULL, "stream: the plans are variants of one stream, frame f runs plan f mod n"},
        {"hostfile", 0, "F", "start rank k on line k's host of F (Open MPI's sequential mapper; see Hosts below)"},
        {"transport", 0, "auto|tcp", "tcp: TCP between every pair of ranks (btl tcp,self); auto: Open MPI's choice"},
        {"allow-shared-memory", 0, NULL, "--link real even where Open MPI may join ranks through shared memory"},
        {"adapt", 0, "off|on", "stream: re-plan as links and ESs change (default off; see below)"},
        {"cluster", 0, "F", "adapt: the cluster the plan was made on (profiles for re-planning)"},
        {"link-trace", 0, "CSV", "stream: emulated links follow a trace (time_s,device,up_mbps,down_mbps)"},
        HALO_CLI_ADAPT_OPTS,
        {0}},
    .min_pos = 1,
    .max_pos = HALO_CLI_MAX_ARGS,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
