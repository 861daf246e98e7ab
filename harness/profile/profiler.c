#include "profile/profiler.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/image.h"
#include "core/log.h"
#include "core/provenance.h"
#include "core/rng.h"
#include "core/topology.h"
#include "exec/executor.h"
#include "halo_config.h"
#include "model/count.h"
#include "model/model.h"
#include "profile/roofline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct run_ctx {
    const struct halo_profiler_opts *o;
    double done, total; /* progress in runs */
};

static void tick(struct run_ctx *r, const char *label)
{
    r->done += 1;
    if (r->o->progress) r->o->progress(r->o->progress_arg, r->total > 0 ? r->done / r->total : 1, label);
}

/* Whole-network latency and per-node times, interleaved run by run (one un-instrumented run, then
 * one with a synchronisation after each node) so that a drift in the host's speed affects both
 * alike; `warmup` discarded rounds first. */
static enum halo_status measure_runs(struct run_ctx *r, struct halo_backend *be, const struct halo_graph *g,
                                     const struct halo_tensor *img, struct halo_prof_model *pm)
{
    const struct halo_profiler_opts *o = r->o;
    int n = g->n_nodes;
    double *lat = halo_malloc((size_t)o->repeat, sizeof *lat), *ms = halo_malloc((size_t)n * o->repeat, sizeof *ms);
    double *one = halo_malloc((size_t)n, sizeof *one), *col = halo_malloc((size_t)o->repeat, sizeof *col);
    enum halo_status st = lat && ms && one && col ? HALO_OK : HALO_ERR_NOMEM;
    for (int i = 0; i < o->warmup + o->repeat && st == HALO_OK; i++) {
        struct halo_tensor out = {0};
        double t0 = halo_now_ms();
        st = halo_exec_graph(be, g, img, &out, NULL);
        double t1 = halo_now_ms();
        halo_tensor_free(&out);
        if (st == HALO_OK) st = halo_exec_graph(be, g, img, &out, one);
        halo_tensor_free(&out);
        if (i >= o->warmup) {
            lat[i - o->warmup] = t1 - t0;
            for (int k = 0; k < n; k++) ms[(size_t)k * o->repeat + i - o->warmup] = one[k];
        }
        tick(r, g->name);
        tick(r, g->name);
    }
    if (st == HALO_OK) pm->latency_ms = halo_stats_of(lat, (size_t)o->repeat);
    for (int k = 0; k < n && st == HALO_OK; k++) {
        struct halo_prof_layer *l = &pm->layers[k];
        const struct halo_node *nd = &g->nodes[k];
        struct halo_count c = halo_count_node(g, k);
        memcpy(col, ms + (size_t)k * o->repeat, (size_t)o->repeat * sizeof *col);
        l->index = k;
        l->op = nd->op;
        l->cls = halo_layer_class_of(nd);
        l->macs = c.macs;
        l->elem_ops = c.elem_ops;
        l->bytes = halo_roofline_node_bytes(g, k);
        l->time_ms = halo_stats_of(col, (size_t)o->repeat);
        const char *impl = halo_backend_impl(be, k);
        l->fused = !strncmp(impl, "fused", 5);
        l->node = halo_strdup(nd->name);
        l->impl = halo_strdup(impl);
        if (!l->node || !l->impl) st = HALO_ERR_NOMEM;
        pm->n_layers = k + 1;
    }
    free(lat);
    free(ms);
    free(one);
    free(col);
    return st;
}

static enum halo_status add_tile(struct halo_prof_layer *l, double fraction, double ms)
{
    for (int t = 0; t < l->n_tiles; t++)
        if (fabs(l->tiles[t].fraction - fraction) < 1e-12) return HALO_OK; /* the same strip twice */
    struct halo_prof_tile *nt = halo_realloc(l->tiles, (size_t)l->n_tiles + 1, sizeof *nt);
    if (!nt) return HALO_ERR_NOMEM;
    l->tiles = nt;
    int t = l->n_tiles++;
    while (t > 0 && l->tiles[t - 1].fraction > fraction) {
        l->tiles[t] = l->tiles[t - 1];
        t--;
    }
    l->tiles[t] = (struct halo_prof_tile){fraction, ms};
    return HALO_OK;
}

/* Every spatial stage on a centred strip of each fraction of its output rows; each node's time
 * is recorded at its own fraction (its strip, internal halo included). */
static enum halo_status measure_tiles(struct run_ctx *r, struct halo_backend *be, const struct halo_graph *g,
                                      struct halo_prof_model *pm)
{
    const struct halo_profiler_opts *o = r->o;
    enum halo_status st = HALO_OK;
    double *ms = halo_malloc((size_t)g->n_nodes * o->repeat, sizeof *ms), *one = halo_malloc((size_t)g->n_nodes, sizeof *one);
    double *col = halo_malloc((size_t)o->repeat, sizeof *col);
    if (!ms || !one || !col) st = HALO_ERR_NOMEM;
    struct halo_rng rng;
    halo_rng_seed(&rng, o->seed + 1);
    for (int s = 0; s < g->n_spatial && st == HALO_OK; s++) {
        const struct halo_stage *sg = &g->stages[s];
        struct halo_shape os = g->nodes[sg->last - 1].out_shape;
        int n = sg->last - sg->first;
        for (int f = 0; f < o->n_fractions && st == HALO_OK; f++) {
            if (o->fractions[f] >= 1) continue;
            int rows = (int)lround(o->fractions[f] * os.h);
            if (rows < 1) rows = 1;
            if (rows >= os.h) {
                tick(r, g->name);
                continue;
            }
            int y0 = (os.h - rows) / 2;
            struct halo_tile t;
            st = halo_tile_build(g, sg->first, sg->last, (struct halo_rect){y0, y0 + rows, 0, os.w}, HALO_TILE_EXACT, &t);
            if (st != HALO_OK) break;
            struct halo_tensor in = {0};
            st = halo_tensor_alloc(&in, halo_graph_tensor_shape(g, sg->first - 1).c, t.in);
            for (size_t i = 0; st == HALO_OK && i < halo_tensor_numel(&in); i++) in.data[i] = (float)halo_rng_normal(&rng);
            for (int i = 0; i < 1 + o->repeat && st == HALO_OK; i++) { /* one warm-up: new tile shape */
                struct halo_tensor out = {0};
                st = halo_tensor_alloc(&out, os.c, t.node[n - 1].out);
                if (st == HALO_OK) st = halo_backend_compute(be, &t, &in, &out, one);
                halo_tensor_free(&out);
                if (i > 0)
                    for (int k = 0; k < n; k++) ms[(size_t)k * o->repeat + i - 1] = one[k];
            }
            for (int k = 0; k < n && st == HALO_OK; k++) {
                int node = sg->first + k;
                struct halo_shape ns = g->nodes[node].out_shape;
                double frac = (double)halo_rect_area(t.node[k].out) / ((double)ns.h * ns.w);
                memcpy(col, ms + (size_t)k * o->repeat, (size_t)o->repeat * sizeof *col);
                struct halo_stats sst = halo_stats_of(col, (size_t)o->repeat);
                if (frac < 1 - 1e-12 && !pm->layers[node].fused) st = add_tile(&pm->layers[node], frac, sst.median);
            }
            halo_tensor_free(&in);
            halo_tile_free(&t);
            tick(r, g->name);
        }
    }
    free(ms);
    free(one);
    free(col);
    return st;
}

static enum halo_status measure_model(struct run_ctx *r, const char *model, struct halo_prof_model *pm,
                                      char **library, int *threads, cJSON *device, char **fused_ops, int *n_fused)
{
    const struct halo_profiler_opts *o = r->o;
    struct halo_graph *g = NULL;
    struct halo_weights *w = NULL;
    struct halo_backend *be = NULL;
    struct halo_tensor img = {0};
    struct halo_backend_opts bo = {.threads = o->threads};
    enum halo_status st = halo_model_build_for(model, o->h, o->w, &g);
    if (st == HALO_OK) st = halo_weights_random(g, o->seed, &w);
    if (st == HALO_OK) st = halo_backend_new(o->backend, &bo, &be);
    if (st == HALO_OK) st = halo_backend_load(be, g, w);
    if (st == HALO_OK) st = halo_image_random(o->seed, o->h, o->w, &img);
    if (st == HALO_OK) {
        pm->model = halo_strdup(model);
        pm->h = o->h;
        pm->w = o->w;
        pm->layers = halo_calloc((size_t)g->n_nodes, sizeof *pm->layers);
        if (!pm->model || !pm->layers) st = HALO_ERR_NOMEM;
    }
    if (st == HALO_OK) st = measure_runs(r, be, g, &img, pm);
    if (st == HALO_OK) st = measure_tiles(r, be, g, pm);
    if (st == HALO_OK && !*library) {
        *library = halo_strdup(halo_backend_version(be));
        *threads = halo_backend_threads(be);
        st = halo_backend_describe(be, device);
    }
    for (int k = 0; st == HALO_OK && k < pm->n_layers; k++) {
        if (!pm->layers[k].fused) continue;
        const char *op = halo_op_name(pm->layers[k].op);
        bool have = false;
        for (int i = 0; i < *n_fused; i++) have |= !strcmp(fused_ops[i], op);
        if (!have && !(fused_ops[(*n_fused)++] = halo_strdup(op))) st = HALO_ERR_NOMEM;
    }
    if (st != HALO_OK) halo_error_prefix("%s", model);
    halo_tensor_free(&img);
    halo_backend_free(be);
    halo_weights_free(w);
    halo_graph_free(g);
    return st;
}

/* The platform: topology, versions, threads, ISA cap, the backend's device, provenance. Takes
 * `device` (the backend's description). */
static enum halo_status platform(const struct halo_profiler_opts *o, const char *library, int threads, cJSON *device,
                                 cJSON **out)
{
    struct halo_topology *t = NULL;
    cJSON *topo = NULL, *p = cJSON_CreateObject();
    if (!p) return HALO_ERR_NOMEM;
    enum halo_status st = halo_topology_load(&t);
    if (st == HALO_OK) st = halo_topology_describe(t, &topo);
    struct halo_provenance prov = {0};
    if (st == HALO_OK) st = halo_provenance_get(&prov, o->backend, library, threads);
    if (st == HALO_OK) {
        cJSON_AddStringToObject(p, "backend", o->backend);
        cJSON_AddStringToObject(p, "library", library ? library : "-");
        cJSON_AddNumberToObject(p, "threads", threads);
        const char *isa = getenv("ONEDNN_MAX_CPU_ISA");
        cJSON_AddStringToObject(p, "isa_cap", isa && *isa ? isa : "none");
        cJSON_AddStringToObject(p, "cpu_model", halo_topology_cpu_model(t));
        cJSON_AddStringToObject(p, "host", prov.host);
        cJSON_AddStringToObject(p, "commit", prov.commit);
        cJSON_AddStringToObject(p, "date", prov.date);
        cJSON_AddStringToObject(p, "halo", HALO_VERSION);
        cJSON_AddItemToObject(p, "topology", topo);
        topo = NULL;
        if (cJSON_GetArraySize(device) > 0) {
            cJSON_AddItemToObject(p, "device", device);
            device = NULL;
        }
    }
    cJSON_Delete(device);
    halo_provenance_free(&prov);
    cJSON_Delete(topo);
    halo_topology_free(t);
    if (st != HALO_OK) {
        cJSON_Delete(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

/* The platform's ceilings through the backend, with the profile's threads; a backend that has
 * none (ref) leaves the profile without, which stays valid. */
static enum halo_status measure_ceilings(const struct halo_profiler_opts *o, cJSON **out)
{
    *out = NULL;
    struct halo_backend *be;
    struct halo_backend_opts bo = {.threads = o->threads};
    HALO_TRY(halo_backend_new(o->backend, &bo, &be));
    if (o->progress) o->progress(o->progress_arg, 0, "ceilings");
    struct halo_ceilings_opts co = {.threads = o->threads, .quick = o->quick_ceilings};
    enum halo_status st = halo_backend_ceilings(be, &co, out);
    halo_backend_free(be);
    if (st == HALO_ERR_UNSUPPORTED) {
        HALO_INFO("profile: %s; the profile has no ceilings", halo_error_msg());
        halo_error_clear();
        return HALO_OK;
    }
    return st;
}

enum halo_status halo_profile_measure(const struct halo_profiler_opts *o, char *const *models, int n,
                                      struct halo_profile **out)
{
    *out = NULL;
    HALO_ASSERT(o->repeat >= 1 && o->warmup >= 0 && n >= 1);
    struct halo_profile *p = halo_calloc(1, sizeof *p);
    if (!p) return HALO_ERR_NOMEM;
    struct run_ctx r = {.o = o};
    int tiles = 0;
    for (int f = 0; f < o->n_fractions; f++) tiles += o->fractions[f] < 1;
    /* progress in runs: whole-network runs, instrumented runs, and stage strips */
    for (int m = 0; m < n; m++) {
        struct halo_graph *g;
        if (halo_model_build_for(models[m], o->h, o->w, &g) != HALO_OK) continue;
        r.total += 2 * (o->warmup + o->repeat) + (double)g->n_spatial * tiles;
        halo_graph_free(g);
    }
    enum halo_status st = HALO_OK;
    p->models = halo_calloc((size_t)n, sizeof *p->models);
    p->fused_ops = halo_calloc(HALO_OP_COUNT_, sizeof *p->fused_ops);
    p->name = halo_strdup(o->name);
    p->backend = halo_strdup(o->backend);
    cJSON *device = cJSON_CreateObject();
    if (!p->models || !p->fused_ops || !p->name || !p->backend || !device) st = HALO_ERR_NOMEM;
    if (st == HALO_OK && o->ceilings) st = measure_ceilings(o, &p->ceilings);
    for (int m = 0; m < n && st == HALO_OK; m++) {
        p->n_models = m + 1;
        st = measure_model(&r, models[m], &p->models[m], &p->library, &p->threads, device, p->fused_ops,
                           &p->n_fused_ops);
    }
    if (st == HALO_OK && p->ceilings) { /* again after the layers: a peak another process cut short is caught */
        cJSON *again = NULL;
        st = measure_ceilings(o, &again);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(p->ceilings, "peak_gflops"),
                    *b = again ? cJSON_GetObjectItemCaseSensitive(again, "peak_gflops") : NULL;
        if (cJSON_IsNumber(a) && cJSON_IsNumber(b) && b->valuedouble > a->valuedouble) {
            cJSON_Delete(p->ceilings);
            p->ceilings = again;
            again = NULL;
        }
        cJSON_Delete(again);
    }
    if (st == HALO_OK)
        st = platform(o, p->library, p->threads, device, &p->platform);
    else
        cJSON_Delete(device);
    if (st == HALO_OK) {
        p->settings = cJSON_CreateObject();
        cJSON_AddNumberToObject(p->settings, "warmup", o->warmup);
        cJSON_AddNumberToObject(p->settings, "repeat", o->repeat);
        int in[2] = {o->h, o->w};
        cJSON_AddItemToObject(p->settings, "input", cJSON_CreateIntArray(in, 2));
        cJSON_AddItemToObject(p->settings, "tile_heights", cJSON_CreateDoubleArray(o->fractions, o->n_fractions));
        cJSON_AddNumberToObject(p->settings, "seed", (double)o->seed);
        cJSON_AddStringToObject(p->settings, "timing",
                                "monotonic clock; latency from un-instrumented runs interleaved with runs that "
                                "synchronise after each node (per-layer times); warm-up rounds discarded");
        if (p->ceilings)
            cJSON_AddStringToObject(p->settings, "ceilings", "measured before and after the layers, the one with "
                                                             "the higher peak kept");
        st = halo_profile_fit(p);
    }
    if (st != HALO_OK) {
        halo_profile_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}
