/* halo sim: Monte Carlo of latency under a time-variant channel and varying image sizes; the
 * probability of missing each deadline, per method; with --fps, streams of frames under the
 * channel, each frame with its own link rates and queueing behind the frames before it.
 * Simulated (cost model), never measured. */
#include "cli/cli.h"
#include "cli/cmd_sim.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/parse.h"
#include "core/provenance.h"
#include "model/model.h"
#include "partition/planner.h"
#include "partition/sim.h"
#include "partition/stream_eval.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Each size is planned on its own: 40000 of them took 33 s and 1 GB. */
static enum halo_status too_many_sizes(const char *s, int n)
{
    return halo_error(HALO_ERR_INVALID, "--sizes: '%.40s%s': %d sizes, at most %d", s, strlen(s) > 40 ? "..." : "", n,
                      HALO_SIZES_MAX);
}

/* "224,256x320,512" or "A:B:STEP" (square sizes A, A+STEP, ..., <= B). */
static enum halo_status parse_sizes(const char *s, struct sizes *z)
{
    z->n = 0;
    if (strchr(s, ':')) {
        int a, b, step;
        char extra;
        if (sscanf(s, "%d:%d:%d%c", &a, &b, &step, &extra) != 3 || a < 1 || b < a || step < 1 || b > 65536)
            return halo_error(HALO_ERR_INVALID, "--sizes: '%s': expected A:B:STEP with 1 <= A <= B, STEP >= 1", s);
        int n = (b - a) / step + 1;
        if (n > HALO_SIZES_MAX) return too_many_sizes(s, n);
        z->h = halo_malloc((size_t)n, sizeof *z->h);
        z->w = halo_malloc((size_t)n, sizeof *z->w);
        if (!z->h || !z->w) return HALO_ERR_NOMEM;
        for (int i = 0; i < n; i++) z->h[i] = z->w[i] = a + i * step;
        z->n = n;
        return HALO_OK;
    }
    char **items;
    int n;
    HALO_TRY(halo_parse_str_list("--sizes", s, &items, &n));
    if (n > HALO_SIZES_MAX) {
        halo_strlist_free(items, n);
        return too_many_sizes(s, n);
    }
    z->h = halo_malloc((size_t)n, sizeof *z->h);
    z->w = halo_malloc((size_t)n, sizeof *z->w);
    enum halo_status st = z->h && z->w ? HALO_OK : HALO_ERR_NOMEM;
    for (int i = 0; i < n && st == HALO_OK; i++) st = halo_parse_size("--sizes", items[i], &z->h[i], &z->w[i]);
    halo_strlist_free(items, n);
    if (st == HALO_OK) z->n = n;
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, int64_t n, double q)
{
    int64_t r = (int64_t)ceil(q * (double)n);
    return sorted[r < 1 ? 0 : r - 1];
}

/* Up to SIM_EXACT_DRAWS draws every latency is kept and the percentiles are exact order
 * statistics; beyond, memory stays bounded: the draws are simulated in chunks, the failures
 * counted exactly and the percentiles read from a histogram of log-spaced bins 0.01 % wide that
 * keeps each bin's smallest and largest value (exact when a bin holds one value, as with a static
 * channel; within 0.01 % otherwise). --draws 1e8 over 9 methods kept 1.9 GB and growing. */
#define SIM_EXACT_DRAWS (1L << 22)
#define SIM_CHUNK 65536
#define HIST_LO_MS 1e-9
#define HIST_HI_MS 1e15
#define HIST_STEP 1e-4

struct hist {
    int n;
    double log_step;
    int64_t *count;
    double *lo, *hi;
};

static enum halo_status hist_init(struct hist *h)
{
    h->log_step = log1p(HIST_STEP);
    h->n = (int)ceil(log(HIST_HI_MS / HIST_LO_MS) / h->log_step) + 1;
    h->count = halo_calloc((size_t)h->n, sizeof *h->count);
    h->lo = halo_malloc((size_t)h->n, sizeof *h->lo);
    h->hi = halo_malloc((size_t)h->n, sizeof *h->hi);
    return h->count && h->lo && h->hi ? HALO_OK : HALO_ERR_NOMEM;
}

static void hist_free(struct hist *h)
{
    free(h->count);
    free(h->lo);
    free(h->hi);
    *h = (struct hist){0};
}

static void hist_clear(struct hist *h)
{
    memset(h->count, 0, (size_t)h->n * sizeof *h->count);
}

static void hist_add(struct hist *h, double v)
{
    int b = v > HIST_LO_MS ? (int)(log(v / HIST_LO_MS) / h->log_step) : 0;
    if (b >= h->n) b = h->n - 1;
    if (b < 0) b = 0;
    if (!h->count[b]++) h->lo[b] = h->hi[b] = v;
    else if (v < h->lo[b]) h->lo[b] = v;
    else if (v > h->hi[b]) h->hi[b] = v;
}

/* The nearest-rank percentile q of the n values added (as pct on the sorted values). */
static double hist_pct(const struct hist *h, int64_t n, double q)
{
    int64_t r = (int64_t)ceil(q * (double)n), seen = 0;
    if (r < 1) r = 1;
    for (int b = 0; b < h->n; b++) {
        if (!h->count[b] || seen + h->count[b] < r) {
            seen += h->count[b];
            continue;
        }
        if (r == seen + 1) return h->lo[b];
        if (r == seen + h->count[b]) return h->hi[b];
        return 0.5 * (h->lo[b] + h->hi[b]);
    }
    return 0;
}

/* Writes plan and the first `count` draws of it for `halo run --rates` cross-checks. */
static enum halo_status dump(const char *dir, const char *method, struct halo_plan *const *plans, int *const *maps,
                             int n_sizes, const struct halo_cluster *c, const struct halo_channel *ch, uint64_t seed,
                             int count, const double *lat)
{
    char path[1024];
    for (int s = 0; s < n_sizes; s++) {
        snprintf(path, sizeof path, "%s/plan-%s-%dx%d.json", dir, method, plans[s]->h, plans[s]->w);
        HALO_TRY(halo_plan_save(plans[s], path));
    }
    for (int i = 0; i < count; i++) {
        int s = halo_sim_size_index(seed, (uint64_t)i, n_sizes);
        const struct halo_plan *p = plans[s];
        double *bw = halo_malloc((size_t)p->n_dev * p->n_dev, sizeof *bw);
        if (!bw) return HALO_ERR_NOMEM;
        halo_sim_bandwidths(p, c, ch, maps[s], seed, (uint64_t)i, bw, NULL);
        cJSON *j = cJSON_CreateObject(), *m = cJSON_AddArrayToObject(j, "bandwidth_mbps");
        cJSON_AddStringToObject(j, "schema", "halo-rates/1");
        cJSON *names = cJSON_AddArrayToObject(j, "devices");
        for (int a = 0; a < p->n_dev; a++) cJSON_AddItemToArray(names, cJSON_CreateString(p->dev[a].name));
        cJSON_AddNumberToObject(j, "draw", i);
        cJSON_AddNumberToObject(j, "seed", (double)seed);
        snprintf(path, sizeof path, "plan-%s-%dx%d.json", method, p->h, p->w);
        cJSON_AddStringToObject(j, "plan", path);
        cJSON_AddNumberToObject(j, "simulated_latency_ms", lat[i]);
        for (int a = 0; a < p->n_dev; a++) cJSON_AddItemToArray(m, cJSON_CreateDoubleArray(bw + (size_t)a * p->n_dev, p->n_dev));
        free(bw);
        snprintf(path, sizeof path, "%s/draw-%s-%d.json", dir, method, i);
        enum halo_status st = halo_json_save(path, j);
        cJSON_Delete(j);
        HALO_TRY(st);
    }
    return HALO_OK;
}

/* The link model's name and the rates, as every output states them. */
const char *halo_sim_link_name(const struct sim_args *A)
{
    return (A->link ? A->link : halo_link_model_default())->name;
}

/* One deadline's failures `f` out of `n` (draws or frames): the probability and its Wilson 95 %
 * interval into *pf, *lo, *hi, appended to the JSON array `jd` (when given; `count_key` and
 * `p_key` name the count and the probability) or printed as a table cell. */
void halo_sim_deadline_cell(cJSON *jd, enum halo_cli_format format, double deadline_ms, int64_t f, int64_t n,
                              const char *count_key, const char *p_key, double *pf, double *lo, double *hi)
{
    *pf = (double)f / (double)n;
    halo_wilson(f, n, lo, hi);
    if (jd) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "deadline_ms", deadline_ms);
        cJSON_AddNumberToObject(o, count_key, (double)f);
        cJSON_AddNumberToObject(o, p_key, *pf);
        cJSON_AddNumberToObject(o, "ci_lo", *lo);
        cJSON_AddNumberToObject(o, "ci_hi", *hi);
        cJSON_AddItemToArray(jd, o);
    } else if (format == HALO_FORMAT_TABLE) {
        printf("   %7.5f [%.5f,%.5f]", *pf, *lo, *hi);
    }
}

static int simulate(const struct halo_cli_cmd *cmd, const char *model, struct sim_args *A)
{
    struct halo_cluster *c = NULL;
    struct halo_channel *ch = NULL;
    int ns = A->sizes.n;
    struct halo_graph **g = halo_calloc((size_t)ns + 1, sizeof *g);
    struct halo_planner_ctx *ctx = halo_calloc((size_t)ns + 1, sizeof *ctx);
    struct halo_plan **plans = halo_calloc((size_t)ns, sizeof *plans);
    int **maps = halo_calloc((size_t)ns, sizeof *maps);
    bool exact = A->draws <= SIM_EXACT_DRAWS;
    int64_t chunk = exact ? A->draws : SIM_CHUNK;
    int n_dump = A->dump_dir ? (A->dump_count < A->draws ? A->dump_count : (int)A->draws) : 0;
    double *lat = halo_malloc((size_t)chunk, sizeof *lat), *first = halo_malloc((size_t)n_dump + 1, sizeof *first);
    int64_t *fails = halo_calloc((size_t)A->n_deadlines, sizeof *fails);
    struct hist hist = {0};
    struct halo_outfile *csv = NULL;
    char *prov_csv = NULL;
    struct halo_provenance prov = {0};
    cJSON *doc = NULL, *jmethods = NULL;
    enum halo_status st = g && ctx && plans && maps && lat && first && fails ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK && !exact) st = hist_init(&hist);
    if (st == HALO_OK) st = halo_cluster_load(A->cluster, &c);
    if (st == HALO_OK) st = halo_channel_new(c, &ch);
    /* one graph and pricing context per size; index ns is the base size a reused plan is made at */
    for (int s = 0; s <= ns && st == HALO_OK; s++) {
        int h = s < ns ? A->sizes.h[s] : A->base_h, w = s < ns ? A->sizes.w[s] : A->base_w;
        st = halo_model_build_for(model, h, w, &g[s]);
        if (st == HALO_OK) st = halo_planner_ctx_init(&ctx[s], g[s], c, (struct halo_planner_opts){.link = A->link});
    }
    if (st == HALO_OK && A->csv) st = halo_outfile_open(A->csv, &csv);
    if (st == HALO_OK && A->dump_dir && mkdir(A->dump_dir, 0777) != 0 && errno != EEXIST)
        st = halo_error(HALO_ERR_IO, "%s: cannot create: %s", A->dump_dir, strerror(errno));
    if (st != HALO_OK) goto done;
    st = halo_provenance_get(&prov, "", "", 0);
    if (st == HALO_OK && !(prov_csv = halo_provenance_csv_values(&prov))) st = HALO_ERR_NOMEM;
    if (st != HALO_OK) goto done;
    const char *chname = ch->model == HALO_CHANNEL_STATIC ? "static" : ch->model == HALO_CHANNEL_RAYLEIGH ? "rayleigh" : "trace";
    /* where the CSV rows go: the --csv file and, with --format csv, stdout */
    FILE *sinks[2];
    int n_sinks = 0;
    if (csv) sinks[n_sinks++] = halo_outfile_stream(csv);
    if (A->format == HALO_FORMAT_CSV) sinks[n_sinks++] = stdout;
    if (A->format == HALO_FORMAT_JSON) {
        doc = cJSON_CreateObject();
        cJSON *sz = cJSON_CreateArray();
        for (int s = 0; s < ns; s++) {
            int hw[2] = {A->sizes.h[s], A->sizes.w[s]};
            cJSON_AddItemToArray(sz, cJSON_CreateIntArray(hw, 2));
        }
        cJSON_AddStringToObject(doc, "model", model);
        cJSON_AddStringToObject(doc, "cluster", c->name);
        cJSON_AddStringToObject(doc, "channel", chname);
        cJSON_AddStringToObject(doc, "link_model", halo_sim_link_name(A));
        cJSON_AddStringToObject(doc, "rates", halo_rates_name(c->rates));
        cJSON_AddNumberToObject(doc, "draws", (double)A->draws);
        cJSON_AddNumberToObject(doc, "seed", (double)A->seed);
        cJSON_AddItemToObject(doc, "sizes", sz);
        cJSON_AddStringToObject(doc, "plans", A->reuse ? "reused" : "per_size");
        cJSON_AddStringToObject(doc, "basis", "simulated: latencies from the cost model's timeline with sampled link "
                                              "rates, not measured; intervals are 95 % Wilson intervals");
        cJSON_AddStringToObject(doc, "percentiles", exact ? "exact" : "from a histogram of 0.01 % bins");
        cJSON_AddItemToObject(doc, "deadlines_ms", cJSON_CreateDoubleArray(A->deadlines, A->n_deadlines));
        cJSON_AddItemToObject(doc, "provenance", halo_cli_provenance_json(&prov));
        jmethods = cJSON_AddArrayToObject(doc, "methods");
    } else if (A->format == HALO_FORMAT_TABLE) {
        printf("%s on %s: channel %s; %lld draws, seed %llu; sizes", model, c->name, chname, (long long)A->draws,
               (unsigned long long)A->seed);
        for (int s = 0; s < ns; s++) printf("%s%dx%d", s ? "," : " ", A->sizes.h[s], A->sizes.w[s]);
        printf(" (uniform); %s\n", A->reuse ? "one plan, made at the base size and rescaled" : "one plan per size");
        char links[512];
        printf("SIMULATED: latencies from the cost model's timeline with sampled link rates, not measured; %s\n",
               halo_cli_links_words(A->link, c->rates == HALO_RATES_NOMINAL, links, sizeof links));
        if (!exact)
            printf("percentiles from a histogram of 0.01 %% bins (more than %ld draws); failure counts exact\n",
                   SIM_EXACT_DRAWS);
        printf("\n");
        printf("%-12s %9s %9s %9s", "method", "p50_ms", "p90_ms", "p99_ms");
        for (int d = 0; d < A->n_deadlines; d++) { /* as wide as "   0.17427 [0.17193,0.17663]" */
            char head[64];
            snprintf(head, sizeof head, "P(>%gms) [95%% CI]", A->deadlines[d]);
            printf("   %-25s", head);
        }
        printf("\n");
    }
    for (int k = 0; k < n_sinks; k++)
        fprintf(sinks[k], "model,cluster,channel,method,plans,sizes,draws,seed,deadline_ms,failures,p_fail,ci_lo,ci_hi,"
                          "p50_ms,p90_ms,p99_ms,link_model,rates,basis,%s\n", halo_provenance_csv_header());
    for (int m = 0; m < A->n_methods && st == HALO_OK; m++) {
        const struct halo_planner_info *info = halo_planner_find(A->methods[m]);
        struct halo_plan *base = NULL;
        if (A->reuse) st = info->plan(&ctx[ns], &base);
        for (int s = 0; s < ns && st == HALO_OK; s++) {
            st = A->reuse ? halo_planner_rescale(&ctx[s], base, &plans[s]) : info->plan(&ctx[s], &plans[s]);
            if (st == HALO_OK && !(maps[s] = halo_malloc((size_t)plans[s]->n_dev, sizeof **maps))) st = HALO_ERR_NOMEM;
            if (st == HALO_OK) st = halo_sim_device_map(plans[s], c, maps[s]);
        }
        halo_plan_free(base);
        double t0 = halo_now_ms();
        for (int d = 0; d < A->n_deadlines; d++) fails[d] = 0;
        if (!exact) hist_clear(&hist);
        for (int64_t i0 = 0; i0 < A->draws && st == HALO_OK; i0 += chunk) {
            int64_t cnt = A->draws - i0 < chunk ? A->draws - i0 : chunk;
            st = halo_sim_run_from(plans, maps, ns, c, ch, A->seed, i0, cnt, lat);
            for (int64_t i = 0; i < cnt && st == HALO_OK; i++) {
                for (int d = 0; d < A->n_deadlines; d++) fails[d] += lat[i] > A->deadlines[d];
                if (!exact) hist_add(&hist, lat[i]);
                if (i0 + i < n_dump) first[i0 + i] = lat[i];
            }
        }
        double sim_ms = halo_now_ms() - t0;
        if (st == HALO_OK && A->dump_dir)
            st = dump(A->dump_dir, info->name, plans, maps, ns, c, ch, A->seed, n_dump, first);
        if (st != HALO_OK) {
            halo_error_prefix("%s", info->name);
            break;
        }
        double *sorted = exact ? halo_malloc((size_t)A->draws, sizeof *sorted) : NULL;
        if (exact && !sorted) {
            st = HALO_ERR_NOMEM;
            break;
        }
        double p50, p90, p99;
        if (exact) {
            memcpy(sorted, lat, (size_t)A->draws * sizeof *sorted);
            qsort(sorted, (size_t)A->draws, sizeof *sorted, cmp_double);
            p50 = pct(sorted, A->draws, 0.5);
            p90 = pct(sorted, A->draws, 0.9);
            p99 = pct(sorted, A->draws, 0.99);
        } else {
            p50 = hist_pct(&hist, A->draws, 0.5);
            p90 = hist_pct(&hist, A->draws, 0.9);
            p99 = hist_pct(&hist, A->draws, 0.99);
        }
        cJSON *jm = NULL, *jd = NULL;
        if (doc) {
            jm = cJSON_CreateObject();
            cJSON_AddStringToObject(jm, "method", info->name);
            cJSON_AddBoolToObject(jm, "lossless", plans[0]->lossless);
            cJSON_AddNumberToObject(jm, "p50_ms", p50);
            cJSON_AddNumberToObject(jm, "p90_ms", p90);
            cJSON_AddNumberToObject(jm, "p99_ms", p99);
            jd = cJSON_AddArrayToObject(jm, "deadlines");
        } else if (A->format == HALO_FORMAT_TABLE) {
            printf("%-12s %9.3f %9.3f %9.3f", info->name, p50, p90, p99);
        }
        for (int d = 0; d < A->n_deadlines; d++) {
            int64_t f = fails[d];
            double lo, hi, pf;
            halo_sim_deadline_cell(jd, A->format, A->deadlines[d], f, A->draws, "failures", "p_fail", &pf, &lo, &hi);
            for (int k = 0; k < n_sinks; k++) {
                FILE *out = sinks[k];
                fprintf(out, "%s,%s,%s,%s,%s,", model, c->name, chname, info->name, A->reuse ? "reused" : "per_size");
                for (int s = 0; s < ns; s++) fprintf(out, "%s%dx%d", s ? ";" : "", A->sizes.h[s], A->sizes.w[s]);
                fprintf(out, ",%lld,%llu,%g,%lld,%.9g,%.9g,%.9g,%.6f,%.6f,%.6f,%s,%s,simulated,%s\n", (long long)A->draws,
                        (unsigned long long)A->seed, A->deadlines[d], (long long)f, pf, lo, hi, p50, p90, p99,
                        halo_sim_link_name(A), halo_rates_name(c->rates), prov_csv);
            }
        }
        if (jm) {
            cJSON_AddNumberToObject(jm, "simulate_ms", sim_ms);
            cJSON_AddItemToArray(jmethods, jm);
        } else if (A->format == HALO_FORMAT_TABLE) {
            printf("%s   (%.0f ms to simulate)\n", plans[0]->lossless ? "" : "   LOSSY", sim_ms);
        }
        free(sorted);
        for (int s = 0; s < ns; s++) {
            halo_plan_free(plans[s]);
            plans[s] = NULL;
            free(maps[s]);
            maps[s] = NULL;
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
    if (rc == HALO_EXIT_OK) { /* after the results: a failure's one error line stays alone */
        struct halo_cli_foreign *fo = halo_cli_foreign_new();
        halo_cli_foreign_add(fo, c, NULL, 0);
        halo_cli_foreign_print(cmd, fo);
        halo_cli_foreign_free(fo);
    }
    for (int s = 0; s < ns && plans; s++) {
        halo_plan_free(plans[s]);
        if (maps) free(maps[s]);
    }
    for (int s = 0; s <= ns && g; s++) {
        if (ctx) halo_planner_ctx_free(&ctx[s]);
        halo_graph_free(g[s]);
    }
    free(g);
    free(ctx);
    free(plans);
    free(maps);
    free(lat);
    free(first);
    free(fails);
    hist_free(&hist);
    halo_channel_free(ch);
    halo_cluster_free(c);
    return rc;
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    struct sim_args A = {.format = a.format, .cluster = halo_cli_get(cmd, &a, "cluster"), .csv = halo_cli_get(cmd, &a, "csv"),
                         .dump_dir = halo_cli_get(cmd, &a, "dump"), .draws = 10000, .seed = 1,
                         .reuse = halo_cli_has(cmd, &a, "reuse-plan"), .dump_count = 5};
    if (!A.cluster) return halo_cli_usage_error(cmd, "--cluster is required");
    if (halo_cli_has(cmd, &a, "adapt")) return halo_sim_adapt(cmd, &a, a.pos[0]);
    static const char *const adapt_only[] = {"link-trace", "straggler", "adapt-alpha", "adapt-gain", "adapt-hold",
                                             "adapt-interval-ms", "adapt-check-ms", "adapt-search"};
    for (size_t i = 0; i < sizeof adapt_only / sizeof adapt_only[0]; i++)
        if (halo_cli_has(cmd, &a, adapt_only[i]))
            return halo_cli_usage_error(cmd, "--%s is for streams that adapt: it needs --adapt", adapt_only[i]);
    if ((rc = halo_cli_link_model(cmd, &a, &A.link))) return rc;
    const char *dl = halo_cli_get(cmd, &a, "deadline-ms");
    if (!dl) return halo_cli_usage_error(cmd, "--deadline-ms is required");
    const char *v;
    long l;
    enum halo_status st = halo_parse_double_list("--deadline-ms", dl, 1e-9, 1e12, &A.deadlines, &A.n_deadlines);
    if (st == HALO_OK && (v = halo_cli_get(cmd, &a, "draws"))) {
        st = halo_parse_long("--draws", v, 1, HALO_DRAWS_MAX, &l);
        A.draws = l;
    }
    if (st == HALO_OK && (v = halo_cli_get(cmd, &a, "seed"))) {
        st = halo_parse_long("--seed", v, 0, 0x7fffffffffffffffL, &l);
        A.seed = (uint64_t)l;
    }
    if (st == HALO_OK && (v = halo_cli_get(cmd, &a, "dump-count"))) st = halo_parse_int("--dump-count", v, 0, 1000, &A.dump_count);
    v = halo_cli_get(cmd, &a, "method");
    if (st == HALO_OK) st = halo_parse_str_list("--method", v ? v : "dpfp,local", &A.methods, &A.n_methods);
    for (int m = 0; m < A.n_methods && st == HALO_OK; m++)
        if (!halo_planner_find(A.methods[m])) st = halo_error(HALO_ERR_INVALID, "--method: unknown method '%s'", A.methods[m]);
    v = halo_cli_get(cmd, &a, "sizes");
    if (st == HALO_OK) st = halo_cli_input_size(cmd, &a, &A.base_h, &A.base_w);
    if (st == HALO_OK && v) st = parse_sizes(v, &A.sizes);
    if (st == HALO_OK && !v) {
        A.sizes.n = 1;
        A.sizes.h = halo_malloc(1, sizeof(int));
        A.sizes.w = halo_malloc(1, sizeof(int));
        if (!A.sizes.h || !A.sizes.w) st = HALO_ERR_NOMEM;
        else {
            A.sizes.h[0] = A.base_h;
            A.sizes.w[0] = A.base_w;
        }
    }
    /* --fps: streams of frames instead of independent draws */
    bool fps_given = false;
    const char *fps_s = halo_cli_get(cmd, &a, "fps");
    if (st == HALO_OK && fps_s) {
        rc = halo_sim_stream_args(cmd, &a, fps_s, &A);
        if (rc) {
            free(A.fps);
            free(A.deadlines);
            halo_strlist_free(A.methods, A.n_methods);
            free(A.sizes.h);
            free(A.sizes.w);
            return rc;
        }
        fps_given = true;
    } else if (st == HALO_OK) {
        static const char *const stream_only[] = {"frames", "inflight", "arrivals", "objective"};
        for (size_t i = 0; i < sizeof stream_only / sizeof stream_only[0]; i++)
            if (halo_cli_has(cmd, &a, stream_only[i])) {
                free(A.deadlines);
                halo_strlist_free(A.methods, A.n_methods);
                free(A.sizes.h);
                free(A.sizes.w);
                return halo_cli_usage_error(cmd, "--%s describes a stream: it needs --fps", stream_only[i]);
            }
    }
    rc = st != HALO_OK ? halo_cli_fail(cmd, st) : fps_given ? halo_sim_stream(cmd, a.pos[0], &A) : simulate(cmd, a.pos[0], &A);
    free(A.fps);
    free(A.deadlines);
    halo_strlist_free(A.methods, A.n_methods);
    free(A.sizes.h);
    free(A.sizes.w);
    return rc;
}

const struct halo_cli_cmd halo_cmd_sim = {
    .name = "sim",
    .usage = "MODEL --cluster F --deadline-ms D1,D2,... [--method M[,M...]] [--draws N] [--sizes S1,S2,...|A:B:STEP] "
             "[--input HxW] [--reuse-plan] [--seed S] [--csv F] [--dump DIR [--dump-count K]] [--format table|csv|json] "
             "| MODEL --cluster F --deadline-ms D1,... --fps F1,F2,...|max [--frames N] [--inflight K] "
             "[--arrivals periodic|poisson] [--objective latency|throughput] [--method M[,M...]] [--input HxW] [--seed S] "
             "[--csv F] [--format table|csv|json] "
             "| MODEL --cluster F --adapt --fps F [--deadline-ms D] [--link-trace CSV] [--straggler ES:X@T0-T1,...] "
             "[--frames N] [--method M] [--adapt-* ...] [--csv F] [--format table|csv] (each: [--link-model fifo|fair|tcp])",
    .summary = "Monte Carlo of latency under fading channels and varying image sizes: P(latency > deadline)",
    .details = "Every draw samples an input size (uniform over --sizes) and the links' rates from the\n"
               "cluster's channel model, then re-runs the plan's predicted timeline with those rates:\n"
               "  static    the cluster's bandwidths (failure probability is 0 or 1)\n"
               "  rayleigh  per access link (uplink and downlink separately) and inference,\n"
               "            rate = W log2(1 + SNR |h|^2), |h|^2 ~ Exp(1); a pair's rate is\n"
               "            min(uplink of the sender, downlink of the receiver)\n"
               "  trace     per device rates from a CSV (time_s,device,up_mbps,down_mbps); draw i is at\n"
               "            time i * interval_s, wrapping around the trace\n"
               "Plans: one per size (default: the planner re-plans for every size), or --reuse-plan: one\n"
               "plan made at --input (default 224x224) with its rects rescaled to each size.\n"
               "Failure probability P(latency > D) comes with a 95 % Wilson interval. Results are\n"
               "SIMULATED from the cost model. The same seed gives the same numbers bit for bit, and every\n"
               "method sees the same draws. --dump DIR writes each plan and the first K draws' bandwidth\n"
               "matrices, for `halo run PLAN --rates DRAW.json --clock virtual` cross-checks.\n"
               "Streams (--fps F1,F2,...): for every method and rate, a stream of --frames frames (default\n"
               "1000) arriving at F frames/s (periodic, or a seeded Poisson process) with at most --inflight\n"
               "in flight, simulated by the cost model with frame f's link rates drawn from the channel as\n"
               "draw f (the same draws for every method): a slow frame delays those behind it. Per deadline\n"
               "the fraction of frames whose latency (arrival to result, queueing included) exceeds it, with\n"
               "a 95 % Wilson interval (which treats the frames as independent: optimistic), and the stream's\n"
               "throughput and latency p50/p99. Planners plan for --objective: latency (default: the lowest\n"
               "latency that sustains each rate, as halo plan --fps) or throughput.\n"
               "Adaptation (--adapt): one stream (--fps F, --frames N, default 600) simulated twice by the\n"
               "cost model while links follow --link-trace (halo's trace CSV, time_s,device,up_mbps,down_mbps:\n"
               "each device's latest row at a frame's arrival, the cluster's rates before its first row, the\n"
               "last row after its end; or the cluster's own trace channel) and ESs straggle (--straggler\n"
               "es3:4@10-30: es3 computes 4x slower from 10 s to 30 s): static, on the plan of --method\n"
               "(default dpfp) throughout; adaptive, re-planned as halo run --adapt does: each frame's step\n"
               "and link times feed EWMA estimates of every link's rate and ES's speed when its result is in;\n"
               "at most every --adapt-check-ms the policy re-plans with DPFP on the estimates (the current ESs\n"
               "first) and adopts the new plan when its predicted gain is >= --adapt-gain for --adapt-hold\n"
               "checks in a row, >= --adapt-interval-ms after the last; it runs from the next frame admitted.\n"
               "Prints latency mean/p50/p99/max, deadline misses (--deadline-ms D), throughput and every\n"
               "re-plan (time, trigger, predicted figures, planning time); --csv/--format csv: one row per\n"
               "frame and mode with each ES's link rate, speed and share of the work. A frame sees the links\n"
               "and speeds of its arrival time throughout.\n"
               "--link-model: how messages share the links in every simulation, the planners' included: fifo\n"
               "(the default: one message at a time per uplink and downlink) or fair (TCP-like fair share;\n"
               "halo plan --help lists the models). The output names the model and the cluster's rates.",
    .opts = (const struct halo_cli_opt[]){
        {"cluster", 0, "F", "cluster file with an optional channel model"},
        {"deadline-ms", 0, "D1,D2,...", "deadlines in ms (required)"},
        {"method", 0, "M[,M...]", "planning methods (default dpfp,local)"},
        {"draws", 0, "N", "Monte Carlo draws (default 10000)"},
        {"sizes", 0, "LIST", "input sizes: 224,256x320,... or A:B:STEP (default: --input)"},
        {"input", 0, "HxW", "base input size (default 224x224)"},
        {"reuse-plan", 0, NULL, "one plan made at --input, rescaled to every size"},
        {"seed", 0, "S", "seed (default 1)"},
        {"csv", 0, "F", "also write the CSV rows (--format csv) with provenance to F"},
        {"dump", 0, "DIR", "write plans and the first draws' rates into DIR"},
        {"dump-count", 0, "K", "draws to dump (default 5)"},
        {"fps", 0, "F1,F2,...", "streams at these frame rates ('max': as fast as possible) instead of draws"},
        {"frames", 0, "N", "streams: frames per stream (default 1000)"},
        {"inflight", 0, "K", "streams: frames in flight at most (default 2 per ES that computes)"},
        {"arrivals", 0, "KIND", "streams: periodic (default) or poisson (seeded by --seed)"},
        {"objective", 0, "KIND", "streams: what the planners plan for, latency (default) or throughput"},
        {"link-model", 0, "NAME", "the link model the cost model predicts with: fifo (default) or fair"},
        {"adapt", 0, NULL, "one stream, static and adaptive, under --link-trace and --straggler"},
        {"link-trace", 0, "CSV", "adapt: link rates over time (time_s,device,up_mbps,down_mbps)"},
        {"straggler", 0, "ES:X@T0-T1,...", "adapt: ES computes X times slower from T0 to T1 s"},
        HALO_CLI_ADAPT_OPTS,
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
