/* halo profile: measure a platform layer by layer and write a profile (schema halo-profile/1). */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/file.h"
#include "core/parse.h"
#include "exec/backend.h"
#include "model/model.h"
#include "profile/profiler.h"
#include "profile/roofline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void progress(void *arg, double done, const char *label)
{
    (void)arg;
    int width = 40, fill = (int)(done * width + 0.5);
    fprintf(stderr, "\r[%.*s%*s] %3.0f%% %-14s", fill, "########################################", width - fill, "",
            100 * done, label);
    if (done >= 1) fputc('\n', stderr);
    fflush(stderr);
}

/* The fitted classes (capacity, overhead, quality, thin-tile penalty) as a table, as CSV rows, or
 * as a JSON object; halo fit prints the same. */
void halo_cli_print_fit(const struct halo_profile *p);
void halo_cli_print_fit_csv(const struct halo_profile *p);
cJSON *halo_cli_fit_json(const struct halo_profile *p);

void halo_cli_print_fit_csv(const struct halo_profile *p)
{
    printf("profile,class,gflops,overhead_ms,r2,max_rel_err,n");
    for (int f = 0; f < p->n_fractions; f++) printf(",tile_%g", p->fractions[f]);
    printf("\n");
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        const struct halo_class_fit *c = &p->fit[k];
        if (!c->present) continue;
        halo_cli_csv_str(stdout, p->name);
        printf(",%s,%.9g,%.9g,%.9g,%.9g,%d", halo_layer_class_name((enum halo_layer_class)k), c->gflops, c->overhead_ms,
               c->r2, c->max_rel_err, c->n);
        for (int f = 0; f < p->n_fractions; f++) printf(",%.9g", p->penalty[k * p->n_fractions + f]);
        printf("\n");
    }
}

cJSON *halo_cli_fit_json(const struct halo_profile *p)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "classes");
    cJSON_AddStringToObject(o, "basis", "effective capacity, achieved: FLOP = 2 x MAC (the elementwise class counts "
                                        "element-wise ops); time_ms = overhead_ms + work / (gflops * 1e6)");
    cJSON_AddItemToObject(o, "tile_fractions", cJSON_CreateDoubleArray(p->fractions, p->n_fractions));
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        const struct halo_class_fit *c = &p->fit[k];
        if (!c->present) continue;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "class", halo_layer_class_name((enum halo_layer_class)k));
        cJSON_AddNumberToObject(r, "gflops", c->gflops);
        cJSON_AddNumberToObject(r, "overhead_ms", c->overhead_ms);
        cJSON_AddNumberToObject(r, "r2", c->r2);
        cJSON_AddNumberToObject(r, "max_rel_err", c->max_rel_err);
        cJSON_AddNumberToObject(r, "n", c->n);
        cJSON_AddItemToObject(r, "tile_penalty", cJSON_CreateDoubleArray(p->penalty + k * p->n_fractions, p->n_fractions));
        cJSON_AddItemToArray(arr, r);
    }
    return o;
}

void halo_cli_print_fit(const struct halo_profile *p)
{
    printf("%-13s %11s %12s %8s %12s %5s", "class", "GFLOP/s", "overhead_ms", "R2", "max_rel_err", "n");
    for (int f = 0; f < p->n_fractions; f++) printf("  tile %.3f", p->fractions[f]);
    printf("\n");
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        const struct halo_class_fit *c = &p->fit[k];
        if (!c->present) continue;
        printf("%-13s %11.2f %12.5f %8.4f %12.3f %5d", halo_layer_class_name((enum halo_layer_class)k), c->gflops,
               c->overhead_ms, c->r2, c->max_rel_err, c->n);
        for (int f = 0; f < p->n_fractions; f++) printf("  %10.3f", p->penalty[k * p->n_fractions + f]);
        printf("\n");
    }
    printf("(effective capacity, achieved: FLOP = 2 x MAC; the elementwise class counts element-wise ops;\n"
           " tile columns: time of a strip of that fraction of the rows / (fraction x full time))\n");
}

/* The ceilings and how many layers sit where under them. */
static void print_roofline(const struct halo_profile *p)
{
    struct halo_roof roof;
    if (!p->ceilings) {
        printf("\nno ceilings measured (--no-ceilings, or the %s backend has none): no roofline\n", p->backend);
        return;
    }
    if (halo_roof_from_json(p->name, "ceilings", p->ceilings, p->threads, &roof) != HALO_OK) return;
    printf("\nceilings (measured): peak %.1f GFLOP/s (%s, %d threads); triad", roof.peak_gflops, roof.isa, roof.threads);
    for (int i = 0; i < roof.n_levels; i++) printf("%s %s %.1f GB/s", i ? "," : "", roof.levels[i].name, roof.levels[i].gbps);
    printf("\n");
    for (int m = 0; m < p->n_models; m++) {
        const struct halo_prof_model *pm = &p->models[m];
        int n = 0, compute = 0, above = 0, unexplained = 0;
        double eff = 0;
        for (int l = 0; l < pm->n_layers; l++) {
            const struct halo_prof_layer *L = &pm->layers[l];
            if (L->macs <= 0 || L->bytes <= 0 || L->fused || L->time_ms.median <= 0) continue;
            struct halo_roofline r;
            halo_roofline_point(&roof, 2.0 * (double)L->macs, L->bytes, L->time_ms.median, L->impl, &r);
            n++;
            compute += r.compute_bound;
            above += r.above_roof;
            unexplained += r.reason == HALO_ABOVE_UNEXPLAINED;
            eff += r.efficiency;
        }
        if (n)
            printf("  %-14s %3d conv/linear layers: %d compute-bound, mean achieved/attainable %.2f, %d above the roof "
                   "(%d unexplained)\n", pm->model, n, compute, eff / n, above, unexplained);
    }
    halo_roof_free(&roof);
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *outp = halo_cli_get(cmd, &a, "out"), *v;
    if (!outp) return halo_cli_usage_error(cmd, "-o PROFILE.json is required");
    struct halo_profiler_opts o = {.backend = halo_backend_compiled("cpu") ? "cpu" : "ref",
                                   .warmup = 3, .repeat = 10, .seed = 0, .ceilings = !halo_cli_has(cmd, &a, "no-ceilings")};
    char **models = NULL, *name = NULL;
    int n_models = 0;
    double *fr = NULL;
    enum halo_status st = HALO_OK;
    if ((v = halo_cli_get(cmd, &a, "backend"))) o.backend = v;
    if ((v = halo_cli_get(cmd, &a, "warmup"))) st = halo_parse_int("--warmup", v, 0, 100000, &o.warmup);
    if (st == HALO_OK && (v = halo_cli_get(cmd, &a, "repeat"))) st = halo_parse_int("--repeat", v, 1, 100000, &o.repeat);
    if (st == HALO_OK && (v = halo_cli_get(cmd, &a, "threads"))) st = halo_parse_threads("--threads", v, &o.threads);
    long seed = 0;
    if (st == HALO_OK && (v = halo_cli_get(cmd, &a, "seed"))) st = halo_parse_long("--seed", v, 0, 0x7fffffffffffffffL, &seed);
    o.seed = (uint64_t)seed;
    if (st == HALO_OK) st = halo_cli_input_size(cmd, &a, &o.h, &o.w);
    v = halo_cli_get(cmd, &a, "tile-heights");
    if (st == HALO_OK) st = halo_parse_double_list("--tile-heights", v ? v : "1,0.5,0.25,0.125", 1e-6, 1, &fr, &o.n_fractions);
    o.fractions = fr;
    v = halo_cli_get(cmd, &a, "models");
    if (st == HALO_OK) st = halo_parse_str_list("--models", v ? v : "resnet50,vgg16", &models, &n_models);
    /* every model must exist and accept the size before anything is measured */
    for (int m = 0; m < n_models && st == HALO_OK; m++) {
        struct halo_graph *g;
        st = halo_model_build_for(models[m], o.h, o.w, &g);
        if (st == HALO_OK) st = halo_cli_check_memory(g);
        halo_graph_free(g);
    }
    if (st == HALO_OK) { /* the output must be writable: fail now, not after minutes of measuring */
        struct halo_outfile *o;
        st = halo_outfile_open(outp, &o);
        halo_outfile_discard(o);
    }
    if (st == HALO_OK) {
        struct halo_backend *be;
        st = halo_backend_new(o.backend, NULL, &be); /* unknown backend or no device: exit 2 now */
        halo_backend_free(be);
    }
    if (st == HALO_OK) {
        const char *nm = halo_cli_get(cmd, &a, "name");
        if (!nm) { /* the file's name without folder and .json */
            const char *base = strrchr(outp, '/');
            base = base ? base + 1 : outp;
            size_t len = strlen(base);
            if (len > 5 && !strcmp(base + len - 5, ".json")) len -= 5;
            name = strndup(base, len);
        } else {
            name = strdup(nm);
        }
        o.name = name;
        /* the profile's reader takes names only: write none it would refuse */
        if (!name) st = HALO_ERR_NOMEM;
        else st = halo_check_name(nm ? "--name" : "-o (the default --name)", name);
    }
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
        goto done;
    }
    if (isatty(2)) o.progress = progress;
    struct halo_profile *p;
    st = halo_profile_measure(&o, models, n_models, &p);
    if (st == HALO_OK) st = halo_profile_save(p, outp);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
        goto done;
    }
    if (a.format == HALO_FORMAT_JSON) {
        cJSON *doc = cJSON_CreateObject(), *arr;
        int in[2] = {o.h, o.w};
        cJSON_AddStringToObject(doc, "profile", p->name);
        cJSON_AddStringToObject(doc, "file", outp);
        cJSON_AddStringToObject(doc, "backend", p->backend);
        cJSON_AddStringToObject(doc, "library", p->library);
        cJSON_AddNumberToObject(doc, "threads", p->threads);
        cJSON_AddItemToObject(doc, "input", cJSON_CreateIntArray(in, 2));
        cJSON_AddNumberToObject(doc, "warmup", o.warmup);
        cJSON_AddNumberToObject(doc, "repeat", o.repeat);
        arr = cJSON_AddArrayToObject(doc, "models");
        for (int m = 0; m < p->n_models; m++) {
            const struct halo_prof_model *pm = &p->models[m];
            double macs = 0, sum = 0;
            for (int l = 0; l < pm->n_layers; l++) {
                macs += (double)pm->layers[l].macs;
                sum += pm->layers[l].time_ms.median;
            }
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "model", pm->model);
            cJSON_AddNumberToObject(r, "latency_ms", pm->latency_ms.median);
            cJSON_AddNumberToObject(r, "p90_ms", pm->latency_ms.p90);
            cJSON_AddNumberToObject(r, "gflops", 2 * macs / (pm->latency_ms.median * 1e6));
            cJSON_AddNumberToObject(r, "layers", pm->n_layers);
            cJSON_AddNumberToObject(r, "sum_layers_ms", sum);
            cJSON_AddItemToArray(arr, r);
        }
        cJSON_AddItemToObject(doc, "fit", halo_cli_fit_json(p));
        if (p->ceilings) cJSON_AddItemToObject(doc, "ceilings", cJSON_Duplicate(p->ceilings, 1));
        else cJSON_AddNullToObject(doc, "ceilings");
        rc = halo_cli_put_json(cmd, doc);
    } else {
        printf("profile %s: backend %s (%s), %d threads, input %dx%d, %d warm-up + %d timed runs\n\n", p->name,
               p->backend, p->library, p->threads, o.h, o.w, o.warmup, o.repeat);
        printf("%-14s %12s %12s %12s %10s %14s\n", "model", "latency_ms", "p90_ms", "GFLOP/s", "layers", "sum_layers_ms");
        for (int m = 0; m < p->n_models; m++) {
            const struct halo_prof_model *pm = &p->models[m];
            double macs = 0, sum = 0;
            for (int l = 0; l < pm->n_layers; l++) {
                macs += (double)pm->layers[l].macs;
                sum += pm->layers[l].time_ms.median;
            }
            printf("%-14s %12.3f %12.3f %12.1f %10d %14.3f\n", pm->model, pm->latency_ms.median, pm->latency_ms.p90,
                   2 * macs / (pm->latency_ms.median * 1e6), pm->n_layers, sum);
        }
        printf("\nfitted analytical model (measured, %s backend):\n", p->backend);
        halo_cli_print_fit(p);
        print_roofline(p);
        printf("\nwrote %s\n", outp);
    }
    halo_profile_free(p);
done:
    halo_strlist_free(models, n_models);
    free(fr);
    free(name);
    return rc;
}

const struct halo_cli_cmd halo_cmd_profile = {
    .name = "profile",
    .usage = "-o PROFILE.json [--backend cpu|cuda|ref] [--models M1,M2,...] [--input HxW] [--warmup N] [--repeat N] "
             "[--tile-heights F1,F2,...] [--threads N] [--name NAME] [--seed S] [--no-ceilings] [--format table|json]",
    .summary = "measure a platform layer by layer (times, tile heights, implementations) and fit its capacity",
    .details = "Per layer of each model: MACs, FLOPs (2 x MAC), time min/median/p90 over --repeat runs\n"
               "after --warmup discarded ones (monotonic clock, a synchronisation after each node), achieved\n"
               "GFLOP/s, the implementation that ran, and the time of a centred strip at each tile height\n"
               "(a fraction of the layer's output rows; thin strips run less efficiently). Whole-network\n"
               "latency comes from separate un-instrumented runs. Threads: the cores of the process's\n"
               "cpuset (hwloc) unless --threads; ONEDNN_MAX_CPU_ISA caps oneDNN's ISA and is recorded.\n"
               "The profile records the platform (topology, CPU, versions, commit, date) and the fit\n"
               "(see halo fit). Weights and inputs are random (--seed): times do not depend on values.\n"
               "Unless --no-ceilings, the platform's ceilings are measured before and after the layers (as\n"
               "halo ceilings does, with the profile's threads; the run with the higher peak is kept) into\n"
               "the profile's `ceilings`, and every measured layer gets its\n"
               "roofline: bytes moved (weights + input + output, float32), FLOP/byte, the memory level its\n"
               "working set fits in, attainable = min(peak, intensity x that level's triad bandwidth),\n"
               "achieved / attainable, compute- or memory-bound, and above_roof with the reason.",
    .opts = (const struct halo_cli_opt[]){
        {"out", 'o', "F", "profile to write (required)"},
        {"backend", 0, "B", "backend to measure (default cpu when built, else ref)"},
        {"models", 0, "LIST", "models to measure: zoo names or .onnx files (default resnet50,vgg16)"},
        {"input", 0, "HxW", "input size (default 224x224)"},
        {"warmup", 0, "N", "discarded runs (default 3)"},
        {"repeat", 0, "N", "timed runs, >= 1 (default 10)"},
        {"tile-heights", 0, "LIST", "strip heights as fractions of the rows (default 1,0.5,0.25,0.125)"},
        {"threads", 0, "N", "compute threads (default: the cores of the cpuset)"},
        {"name", 0, "NAME", "profile name (default: the file name)"},
        {"seed", 0, "S", "seed of the random weights and inputs (default 0)"},
        {"no-ceilings", 0, NULL, "do not measure the platform's ceilings (no roofline in the profile)"},
        {0}},
    .min_pos = 0,
    .max_pos = 0,
    .run = run,
    .formats = HALO_FORMATS_TABLE_JSON,
};
