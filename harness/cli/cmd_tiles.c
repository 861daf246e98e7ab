/* halo tiles: how a stage range splits into parts — per part its output rect, the input rect its
 * receptive field needs, its MACs (own and redundant) and input bytes — and, with --check, proof
 * that running the parts and stitching them equals single-device execution. */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/clock.h"
#include "core/parse.h"
#include "core/rng.h"
#include "model/model.h"
#include "model/weights.h"
#include "partition/halo.h"
#include "runtime/split_exec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative tolerance of --check on backends that reorder float sums (cpu, cuda); ref is exact. */
#define TILES_FLOAT_TOL 1e-4

struct check_result {
    bool ran;
    const char *backend;
    double max_abs, max_rel, max_ref, tol;
    bool passed;
    /* --time */
    int reps;
    double unsplit_ms;   /* median of the unsplit range's compute */
    double *part_ms;     /* median per part */
    double parts_sum_ms; /* sum of the part medians */
    int threads;         /* the backend's compute threads */
    double ratio_median; /* median over repetitions of (sum of parts) / unsplit */
};

/* "I:J" into i, j; errors name the flag. */
static enum halo_status parse_stages(const char *s, int *i, int *j)
{
    const char *colon = strchr(s, ':');
    char a[32];
    if (!colon || (size_t)(colon - s) >= sizeof a)
        return halo_error(HALO_ERR_INVALID, "--stages: '%s': expected I:J (stage range, J exclusive)", s);
    memcpy(a, s, (size_t)(colon - s));
    a[colon - s] = '\0';
    HALO_TRY(halo_parse_int("--stages", a, 0, 1 << 20, i));
    return halo_parse_int("--stages", colon + 1, 0, 1 << 20, j);
}

/* "NxM" into row and column bands. */
static enum halo_status parse_grid(const char *s, int *n, int *m)
{
    const char *x = strchr(s, 'x');
    char a[32];
    if (!x || (size_t)(x - s) >= sizeof a || x == s || !x[1])
        return halo_error(HALO_ERR_INVALID, "--grid: '%s': expected NxM (row bands x column bands)", s);
    memcpy(a, s, (size_t)(x - s));
    a[x - s] = '\0';
    HALO_TRY(halo_parse_int("--grid", a, 1, 65536, n));
    return halo_parse_int("--grid", x + 1, 1, 65536, m);
}

static void rect_str(char *b, size_t n, struct halo_rect r)
{
    snprintf(b, n, "[%d,%d)x[%d,%d)", r.y0, r.y1, r.x0, r.x1);
}

static void print_table(const struct halo_graph *g, const struct halo_split_cost *c, const char *split_desc,
                        const struct check_result *chk)
{
    printf("%s at 3x%dx%d, stages [%d,%d) (%s .. %s, nodes [%d,%d)): input %dx%dx%d -> output %dx%dx%d, %s\n",
           g->name, g->input.h, g->input.w, c->first_stage, c->last_stage, g->stages[c->first_stage].name,
           g->stages[c->last_stage - 1].name, c->first, c->last, c->in_shape.c, c->in_shape.h, c->in_shape.w,
           c->out_shape.c, c->out_shape.h, c->out_shape.w, split_desc);
    printf("rects are [y0,y1)x[x0,x1) rows x columns; MACs as torchvision counts them; bytes are float32\n\n");
    printf("%4s %7s  %-22s %-22s %14s %14s %14s %12s %12s%s\n", "part", "band", "output rect", "input rect", "MACs",
           "own MACs", "redundant", "in_bytes", "halo_bytes", chk && chk->reps ? "   median_ms" : "");
    for (int p = 0; p < c->n_parts; p++) {
        const struct halo_part_cost *pc = &c->part[p];
        char band[24], o[48], in[48];
        snprintf(band, sizeof band, "%d,%d", pc->row, pc->col);
        rect_str(o, sizeof o, pc->out);
        rect_str(in, sizeof in, pc->in);
        printf("%4d %7s  %-22s %-22s %14lld %14lld %14lld %12lld %12lld", p, band, o, in, (long long)pc->macs,
               (long long)pc->own_macs, (long long)pc->redundant_macs, (long long)pc->in_bytes,
               (long long)pc->halo_bytes);
        if (chk && chk->reps) printf(" %12.3f", chk->part_ms[p]);
        printf("\n");
    }
    printf("\nunsplit: %lld MACs; parts: %lld MACs, of which %lld redundant (%.2f %% of unsplit); "
           "largest part %lld MACs\n",
           (long long)c->unsplit_macs, (long long)c->total_macs, (long long)c->redundant_macs,
           100.0 * c->redundant_fraction, (long long)c->max_part_macs);
    printf("input tensor: %lld bytes; parts receive %lld bytes, of which %lld halo (%.2f %% of the tensor)\n",
           (long long)c->input_tensor_bytes, (long long)c->in_bytes, (long long)c->halo_bytes,
           c->input_tensor_bytes ? 100.0 * (double)c->halo_bytes / (double)c->input_tensor_bytes : 0.0);
    if (!chk || !chk->ran) return;
    printf("\ncheck on %s: parts stitched vs the unsplit range on one device (random weights and a random "
           "N(0,1) input tensor of the range's input shape)\n",
           chk->backend);
    printf("  max abs error %.3g, max rel error %.3g (max |unsplit| %.3g); tolerance: %s -> %s\n", chk->max_abs,
           chk->max_rel, chk->max_ref,
           chk->tol == 0 ? "0 (ref is exact: bit-identical expected)" : "1e-4 relative (float reassociation)",
           chk->passed ? "PASS" : "FAIL");
    if (chk->reps) {
        double bound = (1.0 + c->redundant_fraction) * chk->unsplit_ms;
        printf("  time (%s, %d threads; median of %d, compute only): unsplit %.3f ms; parts one after another "
               "%.3f ms = %.3f x unsplit (median of the per-run ratios %.3f); (1 + redundant fraction) x "
               "unsplit = %.3f ms (%.3f x)\n",
               chk->backend, chk->threads, chk->reps, chk->unsplit_ms, chk->parts_sum_ms,
               chk->parts_sum_ms / chk->unsplit_ms, chk->ratio_median, bound, 1.0 + c->redundant_fraction);
    }
}

static cJSON *rect_json(struct halo_rect r)
{
    int v[4] = {r.y0, r.y1, r.x0, r.x1};
    return cJSON_CreateIntArray(v, 4);
}

static cJSON *shape_json(struct halo_shape s)
{
    int v[3] = {s.c, s.h, s.w};
    return cJSON_CreateIntArray(v, 3);
}

/* One row per part, with the range and the split in every row. */
static void print_csv(const struct halo_graph *g, const struct halo_split_cost *c, const char *kind,
                      const struct check_result *chk)
{
    bool timed = chk && chk->reps;
    printf("model,input,first_stage,last_stage,split,part,row,col,out_y0,out_y1,out_x0,out_x1,in_y0,in_y1,in_x0,in_x1,"
           "macs,own_macs,redundant_macs,in_bytes,halo_bytes,out_bytes%s\n", timed ? ",median_ms" : "");
    for (int p = 0; p < c->n_parts; p++) {
        const struct halo_part_cost *pc = &c->part[p];
        printf("%s,%dx%d,%d,%d,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%lld,%lld,%lld,%lld,%lld,%lld", g->name, g->input.h,
               g->input.w, c->first_stage, c->last_stage, kind, p, pc->row, pc->col, pc->out.y0, pc->out.y1,
               pc->out.x0, pc->out.x1, pc->in.y0, pc->in.y1, pc->in.x0, pc->in.x1, (long long)pc->macs,
               (long long)pc->own_macs, (long long)pc->redundant_macs, (long long)pc->in_bytes,
               (long long)pc->halo_bytes, (long long)pc->out_bytes);
        if (timed) printf(",%.6f", chk->part_ms[p]);
        printf("\n");
    }
}

static int print_json(const struct halo_cli_cmd *cmd, const struct halo_graph *g, const struct halo_split_cost *c,
                      const char *kind, const struct check_result *chk, uint64_t seed)
{
    cJSON *root = cJSON_CreateObject(), *parts = cJSON_CreateArray(), *tot = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "model", g->name);
    cJSON_AddItemToObject(root, "input", shape_json(g->input));
    int st[2] = {c->first_stage, c->last_stage}, nd[2] = {c->first, c->last};
    cJSON_AddItemToObject(root, "stages", cJSON_CreateIntArray(st, 2));
    cJSON_AddItemToObject(root, "nodes", cJSON_CreateIntArray(nd, 2));
    cJSON_AddItemToObject(root, "range_input", shape_json(c->in_shape));
    cJSON_AddItemToObject(root, "range_output", shape_json(c->out_shape));
    cJSON *sp = cJSON_CreateObject();
    cJSON_AddStringToObject(sp, "kind", kind);
    cJSON_AddNumberToObject(sp, "rows", c->n_rows);
    cJSON_AddNumberToObject(sp, "cols", c->n_cols);
    cJSON_AddItemToObject(root, "split", sp);
    for (int p = 0; p < c->n_parts; p++) {
        const struct halo_part_cost *pc = &c->part[p];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", p);
        cJSON_AddNumberToObject(o, "row", pc->row);
        cJSON_AddNumberToObject(o, "col", pc->col);
        cJSON_AddItemToObject(o, "out", rect_json(pc->out));
        cJSON_AddItemToObject(o, "in", rect_json(pc->in));
        cJSON_AddItemToObject(o, "own_in", rect_json(pc->own_in));
        cJSON_AddNumberToObject(o, "macs", (double)pc->macs);
        cJSON_AddNumberToObject(o, "own_macs", (double)pc->own_macs);
        cJSON_AddNumberToObject(o, "redundant_macs", (double)pc->redundant_macs);
        cJSON_AddNumberToObject(o, "in_bytes", (double)pc->in_bytes);
        cJSON_AddNumberToObject(o, "halo_bytes", (double)pc->halo_bytes);
        cJSON_AddNumberToObject(o, "out_bytes", (double)pc->out_bytes);
        if (chk && chk->reps) cJSON_AddNumberToObject(o, "median_ms", chk->part_ms[p]);
        cJSON_AddItemToArray(parts, o);
    }
    cJSON_AddItemToObject(root, "parts", parts);
    cJSON_AddNumberToObject(tot, "unsplit_macs", (double)c->unsplit_macs);
    cJSON_AddNumberToObject(tot, "macs", (double)c->total_macs);
    cJSON_AddNumberToObject(tot, "redundant_macs", (double)c->redundant_macs);
    cJSON_AddNumberToObject(tot, "redundant_fraction", c->redundant_fraction);
    cJSON_AddNumberToObject(tot, "max_part_macs", (double)c->max_part_macs);
    cJSON_AddNumberToObject(tot, "input_tensor_bytes", (double)c->input_tensor_bytes);
    cJSON_AddNumberToObject(tot, "in_bytes", (double)c->in_bytes);
    cJSON_AddNumberToObject(tot, "halo_bytes", (double)c->halo_bytes);
    cJSON_AddNumberToObject(tot, "out_bytes", (double)c->out_bytes);
    cJSON_AddItemToObject(root, "totals", tot);
    if (chk && chk->ran) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "backend", chk->backend);
        cJSON_AddNumberToObject(k, "seed", (double)seed);
        cJSON_AddStringToObject(k, "input", "random N(0,1) tensor of the range's input shape");
        cJSON_AddNumberToObject(k, "max_abs_error", chk->max_abs);
        cJSON_AddNumberToObject(k, "max_rel_error", chk->max_rel);
        cJSON_AddNumberToObject(k, "max_abs_unsplit", chk->max_ref);
        cJSON_AddNumberToObject(k, "tolerance", chk->tol);
        cJSON_AddBoolToObject(k, "passed", chk->passed);
        if (chk->reps) {
            cJSON_AddNumberToObject(k, "reps", chk->reps);
            cJSON_AddNumberToObject(k, "threads", chk->threads);
            cJSON_AddNumberToObject(k, "unsplit_median_ms", chk->unsplit_ms);
            cJSON_AddNumberToObject(k, "parts_sum_median_ms", chk->parts_sum_ms);
            cJSON_AddNumberToObject(k, "ratio_median", chk->ratio_median);
        }
        cJSON_AddItemToObject(root, "check", k);
    }
    return halo_cli_put_json(cmd, root);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* --check (and --time): runs the parts and the unsplit range on the backend and compares. */
static enum halo_status run_check(const char *backend, int threads, struct halo_graph *g,
                                  const struct halo_split_cost *c, const struct halo_split *s, uint64_t seed, int reps,
                                  struct check_result *r)
{
    struct halo_backend_opts opts = {.threads = threads};
    struct halo_backend *be = NULL;
    struct halo_weights *w = NULL;
    struct halo_tensor in = {0}, whole = {0}, stitched = {0};
    double *ms = NULL, *part_runs = NULL;
    r->backend = backend;
    r->tol = strcmp(backend, "ref") ? TILES_FLOAT_TOL : 0;
    r->reps = reps;
    enum halo_status st = halo_backend_new(backend, &opts, &be);
    if (st == HALO_OK) r->threads = halo_backend_threads(be);
    if (st == HALO_OK) st = halo_weights_random(g, seed, &w);
    if (st == HALO_OK) st = halo_backend_load(be, g, w);
    if (st == HALO_OK) st = halo_tensor_alloc(&in, c->in_shape.c, halo_rect_full(c->in_shape));
    if (st != HALO_OK) goto done;
    struct halo_rng rng;
    halo_rng_seed(&rng, seed);
    for (size_t e = 0; e < halo_tensor_numel(&in); e++) in.data[e] = (float)halo_rng_normal(&rng);
    st = halo_exec_unsplit(be, g, c->first, c->last, &in, &whole, NULL);
    if (st == HALO_OK) st = halo_exec_split(be, g, c->first, c->last, s, &in, &stitched, NULL);
    if (st != HALO_OK) goto done;
    halo_compare(stitched.data, whole.data, halo_tensor_numel(&whole), &r->max_abs, &r->max_rel);
    r->max_ref = 0;
    for (size_t e = 0; e < halo_tensor_numel(&whole); e++)
        if (fabsf(whole.data[e]) > r->max_ref) r->max_ref = fabsf(whole.data[e]);
    r->passed = r->tol == 0 ? r->max_abs == 0 : r->max_rel <= r->tol;
    r->ran = true;
    if (reps > 0) {
        /* The first runs above were the warm-up (primitive creation); each timed repetition runs
         * the unsplit range then every part, so both see the same machine state. */
        ms = malloc((size_t)reps * sizeof *ms);
        part_runs = malloc((size_t)reps * (size_t)c->n_parts * sizeof *part_runs);
        r->part_ms = calloc((size_t)c->n_parts, sizeof *r->part_ms);
        double *pm = malloc((size_t)c->n_parts * sizeof *pm), *col = malloc((size_t)reps * sizeof *col);
        double *ratio = malloc((size_t)reps * sizeof *ratio);
        if (!ms || !part_runs || !r->part_ms || !pm || !col || !ratio) {
            free(pm);
            free(col);
            free(ratio);
            st = halo_error(HALO_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int k = 0; k < reps && st == HALO_OK; k++) {
            halo_tensor_free(&whole);
            halo_tensor_free(&stitched);
            st = halo_exec_unsplit(be, g, c->first, c->last, &in, &whole, &ms[k]);
            if (st == HALO_OK) st = halo_exec_split(be, g, c->first, c->last, s, &in, &stitched, pm);
            ratio[k] = 0;
            for (int p = 0; p < c->n_parts; p++) {
                part_runs[(size_t)k * c->n_parts + p] = pm[p];
                ratio[k] += pm[p];
            }
            ratio[k] /= ms[k];
        }
        if (st == HALO_OK) {
            r->ratio_median = median(ratio, reps);
            r->unsplit_ms = median(ms, reps);
            r->parts_sum_ms = 0;
            for (int p = 0; p < c->n_parts; p++) {
                for (int k = 0; k < reps; k++) col[k] = part_runs[(size_t)k * c->n_parts + p];
                r->part_ms[p] = median(col, reps);
                r->parts_sum_ms += r->part_ms[p];
            }
        }
        free(pm);
        free(col);
        free(ratio);
    }
done:
    free(ms);
    free(part_runs);
    halo_tensor_free(&in);
    halo_tensor_free(&whole);
    halo_tensor_free(&stitched);
    halo_weights_free(w);
    halo_backend_free(be);
    return st;
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *stages = halo_cli_get(cmd, &a, "stages"), *rows = halo_cli_get(cmd, &a, "rows");
    const char *parts = halo_cli_get(cmd, &a, "parts"), *grid = halo_cli_get(cmd, &a, "grid");
    const char *backend = halo_cli_get(cmd, &a, "backend");
    const char *seed_s = halo_cli_get(cmd, &a, "seed"), *time_s = halo_cli_get(cmd, &a, "time");
    const char *threads_s = halo_cli_get(cmd, &a, "threads");
    bool check = halo_cli_has(cmd, &a, "check");
    if (!stages) return halo_cli_usage_error(cmd, "--stages I:J is required");
    int n_split = (rows != NULL) + (parts != NULL) + (grid != NULL);
    if (n_split != 1)
        return halo_cli_usage_error(cmd, "give exactly one of --rows, --parts and --grid (got %d)", n_split);
    if (backend && !check && !time_s) return halo_cli_usage_error(cmd, "--backend needs --check or --time");
    if (threads_s && !check && !time_s) return halo_cli_usage_error(cmd, "--threads needs --check or --time");
    if (!backend) backend = "ref";

    int i, j, h, w, reps = 0, threads = 0;
    long seed = 1;
    enum halo_status st = parse_stages(stages, &i, &j);
    if (st == HALO_OK && seed_s) st = halo_parse_long("--seed", seed_s, 0, 1L << 62, &seed);
    if (st == HALO_OK && time_s) st = halo_parse_int("--time", time_s, 1, 1000, &reps);
    if (st == HALO_OK && threads_s) st = halo_parse_threads("--threads", threads_s, &threads);
    if (st == HALO_OK) st = halo_cli_input_size(cmd, &a, &h, &w);
    /* the split's flags; the split itself needs the range's output size */
    int *heights = NULL, n_heights = 0, k_parts = 0, grid_n = 0, grid_m = 0;
    char desc[128];
    if (st == HALO_OK && rows) {
        st = halo_parse_int_list("--rows", rows, 0, 1 << 20, &heights, &n_heights);
        snprintf(desc, sizeof desc, "rows %s", rows);
    } else if (st == HALO_OK && parts) {
        st = halo_parse_int("--parts", parts, 1, 1 << 20, &k_parts);
        snprintf(desc, sizeof desc, "%d equal row parts", k_parts);
    } else if (st == HALO_OK) {
        st = parse_grid(grid, &grid_n, &grid_m);
        snprintf(desc, sizeof desc, "grid %dx%d (row x column bands)", grid_n, grid_m);
    }
    if (st != HALO_OK) {
        free(heights);
        return halo_cli_fail(cmd, st);
    }
    if (i >= j) {
        free(heights);
        return halo_cli_usage_error(cmd, "--stages %d:%d: I must be less than J (J is exclusive)", i, j);
    }

    struct halo_graph *g = NULL;
    struct halo_split s = {0};
    struct halo_split_cost c = {0};
    struct check_result chk = {0};
    const char *kind = rows ? "rows" : parts ? "parts" : "grid";
    st = halo_model_build_for(a.pos[0], h, w, &g);
    if (st != HALO_OK) {
        free(heights);
        return halo_cli_fail(cmd, st);
    }
    if (j > g->n_stages) {
        rc = halo_cli_usage_error(cmd, "--stages %d:%d: %s has %d stages (0..%d; J is exclusive, at most %d)", i, j,
                                  g->name, g->n_stages, g->n_stages - 1, g->n_stages);
        goto out;
    }
    if (j > g->n_spatial) {
        rc = halo_cli_usage_error(cmd,
                                  "--stages %d:%d: stages %d.. (%s ...) are %s's tail (from the first global pooling "
                                  "or channel attention on) and do not split spatially; spatial stages are 0..%d, so "
                                  "J <= %d",
                                  i, j, g->n_spatial, g->stages[g->n_spatial].name, g->name, g->n_spatial - 1,
                                  g->n_spatial);
        goto out;
    }
    struct halo_shape os = halo_stage_out_shape(g, j - 1);
    if (rows) st = halo_split_rows(os.h, os.w, heights, n_heights, &s);
    else if (parts) st = halo_split_equal(os.h, os.w, k_parts, &s);
    else st = halo_split_grid(os.h, os.w, grid_n, grid_m, &s);
    if (st != HALO_OK) {
        halo_error_prefix("%s stages %d:%d output %dx%d", g->name, i, j, os.h, os.w);
        rc = halo_cli_fail(cmd, st);
        goto out;
    }
    st = halo_split_cost_stages(g, i, j, &s, &c);
    if (st == HALO_OK && (check || reps)) st = halo_cli_check_memory(g);
    if (st == HALO_OK && (check || reps)) st = run_check(backend, threads, g, &c, &s, (uint64_t)seed, reps, &chk);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
        goto out;
    }
    if (a.format == HALO_FORMAT_JSON) rc = print_json(cmd, g, &c, kind, &chk, (uint64_t)seed);
    else if (a.format == HALO_FORMAT_CSV) print_csv(g, &c, kind, &chk);
    else print_table(g, &c, desc, &chk);
    if (rc == HALO_EXIT_OK && chk.ran && !chk.passed) {
        if (chk.tol == 0)
            fprintf(stderr, "halo tiles: check FAILED on %s: max abs error %.3g, must be 0 (exact)\n", chk.backend,
                    chk.max_abs);
        else
            fprintf(stderr, "halo tiles: check FAILED on %s: max rel error %.3g above the tolerance %.3g\n",
                    chk.backend, chk.max_rel, chk.tol);
        rc = HALO_EXIT_FAIL;
    }
out:
    free(heights);
    free(chk.part_ms);
    halo_split_cost_free(&c);
    halo_split_free(&s);
    halo_graph_free(g);
    return rc;
}

const struct halo_cli_cmd halo_cmd_tiles = {
    .name = "tiles",
    .usage = "MODEL --stages I:J (--rows H1,H2,... | --parts K | --grid NxM) [--input HxW] [--check] "
             "[--backend B] [--threads N] [--seed N] [--time REPS] [--format table|csv|json]",
    .summary = "split a stage range into parts: rects, halo MACs and bytes per part; --check runs them",
    .details =
        "--stages I:J is a range of stages as 'halo flops MODEL --per stage' numbers them, J exclusive:\n"
        "3:5 is stages 3 and 4. Only spatial stages split (not the tail: global pooling, flatten,\n"
        "classifier). The split cuts the output of stage J-1: --rows gives the height of each row part\n"
        "top to bottom (they must sum to the output height), --parts K cuts K row parts as equal as\n"
        "possible, --grid NxM cuts N row bands x M column bands.\n"
        "\n"
        "Per part: its output rect, the input rect its receptive field needs (zero padding only at the\n"
        "true borders, so the split is lossless), MACs including the halo, own MACs (its proportional\n"
        "share of every node's output) and redundant MACs (the rest: also computed by a neighbour),\n"
        "input bytes and halo bytes (input beyond its share). Redundant MACs = MACs of all parts -\n"
        "MACs of the unsplit range.\n"
        "\n"
        "--check runs every part on the backend (each from a copy of only its input rect), stitches\n"
        "them and compares with the unsplit range on the same backend. Weights are random (--seed) and\n"
        "the input is a random N(0,1) tensor of the range's input shape (tiling is exact for any\n"
        "input; no need to run stages 0..I-1). Tolerance: ref accumulates in double in the same order\n"
        "for a tile as for the whole tensor, so the outputs must be bit-identical (max abs error 0).\n"
        "cpu (oneDNN) may pick other kernels and blockings for a tile than for the whole tensor, which\n"
        "reorders float32 sums: about sqrt(K) * 2^-24 relative per layer for K-term dot products (4e-6\n"
        "for K = 512*3*3), some 1e-5 through ten fused convs; the tolerance, max abs error / max |unsplit|\n"
        "<= 1e-4, leaves a margin of ten over that.\n"
        "Exit status 1 when the check fails. --time REPS also times (after that warm-up run) the\n"
        "unsplit range and each part, compute only, and reports medians of REPS runs.",
    .opts = (const struct halo_cli_opt[]){
        {"stages", 0, "I:J", "stage range to split, J exclusive (required)"},
        {"rows", 0, "H1,H2,...", "row parts with these heights (sum = output height)"},
        {"parts", 0, "K", "K equal row parts"},
        {"grid", 0, "NxM", "N row bands x M column bands"},
        {"input", 0, "HxW", "model input height x width (default 224x224; N means NxN)"},
        {"check", 0, NULL, "run the parts, stitch, compare with the unsplit range; exit 1 above tolerance"},
        {"backend", 0, "B", "backend for --check and --time: ref (default), cpu, cuda"},
        {"seed", 0, "N", "seed of the random weights and input (default 1)"},
        {"threads", 0, "N", "compute threads of the backend (default: the cores of this process)"},
        {"time", 0, "REPS", "also time the unsplit range and each part: median of REPS runs"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
