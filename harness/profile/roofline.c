/* roofline: reading a roof from measured ceilings, placing a layer under it, and the roofline
 * predictor (see roofline.h). */
#include "profile/roofline.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/limits.h"
#include "exec/backend.h"
#include "model/count.h"
#include "model/weights.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void halo_roof_free(struct halo_roof *r)
{
    if (!r) return;
    for (int i = 0; i < r->n_levels; i++) free(r->levels[i].name);
    free(r->levels);
    free(r->isa);
    free(r->device);
    memset(r, 0, sizeof *r);
}

/* The FMA kernel's GFLOP/s of `isa` at `threads` threads, or 0 when not measured there. */
static double peak_at(const cJSON *c, const char *isa, int threads)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "fma"))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "isa");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, isa)) continue;
        const cJSON *pt;
        cJSON_ArrayForEach(pt, cJSON_GetObjectItemCaseSensitive(e, "per_threads"))
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(pt, "threads"), *g = cJSON_GetObjectItemCaseSensitive(pt, "gflops");
            if (cJSON_IsNumber(t) && cJSON_IsNumber(g) && (int)t->valuedouble == threads && g->valuedouble > 0)
                return g->valuedouble;
        }
    }
    return 0;
}

static enum halo_status roof_load(const char *file, const char *where, const cJSON *c, int threads, struct halo_roof *r)
{
    const char *s;
    char w[256], wm[256];
    if (!cJSON_IsObject(c)) return halo_error(HALO_ERR_INVALID, "%s: %s: must be an object", file, where);
    HALO_TRY(halo_json_str(file, c, where, "schema", true, &s));
    if (strcmp(s, HALO_CEILINGS_SCHEMA))
        return halo_error(HALO_ERR_INVALID, "%s: %s.schema: '%s' is not supported (this halo reads %s)", file, where, s,
                          HALO_CEILINGS_SCHEMA);
    long measured = 1;
    HALO_TRY(halo_json_int(file, c, where, "threads", true, 1, HALO_THREADS_MAX, &measured));
    HALO_TRY(halo_json_num(file, c, where, "peak_gflops", true, 1e-6, 1e12, &r->peak_gflops));
    HALO_TRY(halo_json_str(file, c, where, "isa", true, &s));
    if (!(r->isa = halo_strdup(s))) return HALO_ERR_NOMEM;
    s = "-";
    HALO_TRY(halo_json_str(file, c, where, "device", false, &s));
    if (!(r->device = halo_strdup(s))) return HALO_ERR_NOMEM;
    r->threads = (int)measured;
    if (threads > 0 && threads != measured) {
        double p = peak_at(c, r->isa, threads);
        if (p > 0) {
            r->peak_gflops = p;
            r->threads = threads;
        }
    }
    const cJSON *mem, *levels;
    HALO_TRY(halo_json_child(file, c, where, "memory", true, cJSON_Object, &mem));
    halo_json_path(wm, sizeof wm, where, "memory");
    HALO_TRY(halo_json_child(file, mem, wm, "levels", true, cJSON_Array, &levels));
    int n = cJSON_GetArraySize(levels);
    if (n < 1) return halo_error(HALO_ERR_INVALID, "%s: %s.levels: empty", file, wm);
    if (!(r->levels = halo_calloc((size_t)n, sizeof *r->levels))) return HALO_ERR_NOMEM;
    const cJSON *l;
    int i = -1;
    cJSON_ArrayForEach(l, levels)
    {
        struct halo_roof_level *L = &r->levels[++i];
        halo_json_item(w, sizeof w, wm, "levels", i);
        r->n_levels++;
        HALO_TRY(halo_json_str(file, l, w, "level", true, &s));
        if (!(L->name = halo_strdup(s))) return HALO_ERR_NOMEM;
        HALO_TRY(halo_json_num(file, l, w, "triad_gbps", true, 1e-6, 1e9, &L->gbps));
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(l, "capacity_bytes");
        if (i == n - 1) {
            if (cap && !cJSON_IsNull(cap))
                return halo_error(HALO_ERR_INVALID, "%s: %s.capacity_bytes: the last level holds everything: must be null",
                                  file, w);
            continue;
        }
        HALO_TRY(halo_json_num(file, l, w, "capacity_bytes", true, 1, 1e18, &L->capacity_bytes));
        if (i && L->capacity_bytes <= r->levels[i - 1].capacity_bytes)
            return halo_error(HALO_ERR_INVALID, "%s: %s.capacity_bytes: must be larger than the level before", file, w);
    }
    return HALO_OK;
}

enum halo_status halo_roof_from_json(const char *file, const char *where, const cJSON *c, int threads,
                                     struct halo_roof *out)
{
    memset(out, 0, sizeof *out);
    enum halo_status st = roof_load(file, where, c, threads, out);
    if (st != HALO_OK) halo_roof_free(out);
    return st == HALO_ERR_NOMEM ? halo_error(st, "%s: out of memory reading %s", file, where) : st;
}

static double shape_elems(struct halo_shape s) { return (double)s.c * s.h * s.w; }

double halo_roofline_node_bytes(const struct halo_graph *g, int i)
{
    const struct halo_node *n = &g->nodes[i];
    if (n->op == HALO_OP_FLATTEN) return 0;
    int64_t sz[4];
    halo_weights_sizes(n, sz);
    double elems = (double)(sz[0] + sz[1] + sz[2] + sz[3]) + shape_elems(n->out_shape);
    for (int k = 0; k < n->n_in; k++) elems += shape_elems(n->in_shape[k]);
    return 4.0 * elems;
}

const char *halo_above_reason_str(enum halo_above_reason r)
{
    switch (r) {
    case HALO_ABOVE_NONE: return "";
    case HALO_ABOVE_WINOGRAD: return "winograd/fft: fewer multiplications than the direct convolution's FLOPs";
    case HALO_ABOVE_CACHED: return "partly cached: under the roof of the next faster memory level";
    case HALO_ABOVE_NOISE: return "within 5 % of the roof: measurement noise";
    default: return "unexplained";
    }
}

/* Case-insensitive substring. */
static bool has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; s && *s; s++) {
        size_t k = 0;
        while (k < n && s[k] && tolower((unsigned char)s[k]) == w[k]) k++;
        if (k == n) return true;
    }
    return false;
}

void halo_roofline_point(const struct halo_roof *r, double flops, double bytes, double time_ms, const char *impl,
                         struct halo_roofline *out)
{
    memset(out, 0, sizeof *out);
    out->flops = flops;
    out->bytes = bytes;
    out->intensity = bytes > 0 ? flops / bytes : 0;
    int l = 0;
    while (l < r->n_levels - 1 && bytes > r->levels[l].capacity_bytes) l++;
    out->level = l;
    out->bandwidth_gbps = r->levels[l].gbps;
    double mem_ms = bytes / (out->bandwidth_gbps * 1e6), fl_ms = flops / (r->peak_gflops * 1e6);
    out->compute_bound = fl_ms >= mem_ms;
    out->roof_ms = out->compute_bound ? fl_ms : mem_ms;
    out->attainable_gflops = out->roof_ms > 0 ? flops / (out->roof_ms * 1e6) : 0;
    if (time_ms <= 0) return;
    out->achieved_gflops = flops / (time_ms * 1e6);
    out->achieved_gbps = bytes / (time_ms * 1e6);
    out->efficiency = out->roof_ms / time_ms;
    out->above_roof = time_ms < out->roof_ms;
    if (!out->above_roof) return;
    /* the roof had the next faster level's bandwidth bounded it (memory-bound layers only) */
    double faster_ms = l > 0 && !out->compute_bound ? fmax(fl_ms, bytes / (r->levels[l - 1].gbps * 1e6)) : out->roof_ms;
    if (has_word(impl, "winograd") || has_word(impl, "fft")) out->reason = HALO_ABOVE_WINOGRAD;
    else if (out->efficiency <= 1.05) out->reason = HALO_ABOVE_NOISE;
    else if (time_ms >= faster_ms) out->reason = HALO_ABOVE_CACHED;
    else out->reason = HALO_ABOVE_UNEXPLAINED;
}

double halo_roofline_predict_ms(const struct halo_roof *r, const struct halo_graph *g)
{
    double ms = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        struct halo_roofline l;
        halo_roofline_point(r, 2.0 * (double)halo_count_node(g, i).macs, halo_roofline_node_bytes(g, i), 0, NULL, &l);
        ms += l.roof_ms;
    }
    return ms;
}

cJSON *halo_roofline_json(const struct halo_roof *r, const struct halo_roofline *l)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "bytes", l->bytes);
    cJSON_AddNumberToObject(o, "intensity_flop_per_byte", l->intensity);
    cJSON_AddStringToObject(o, "level", r->levels[l->level].name);
    cJSON_AddNumberToObject(o, "bandwidth_gbps", l->bandwidth_gbps);
    cJSON_AddNumberToObject(o, "peak_gflops", r->peak_gflops);
    cJSON_AddNumberToObject(o, "attainable_gflops", l->attainable_gflops);
    cJSON_AddNumberToObject(o, "roof_ms", l->roof_ms);
    cJSON_AddNumberToObject(o, "achieved_gflops", l->achieved_gflops);
    cJSON_AddNumberToObject(o, "achieved_gbps", l->achieved_gbps);
    cJSON_AddNumberToObject(o, "efficiency", l->efficiency);
    cJSON_AddStringToObject(o, "bound", l->compute_bound ? "compute" : "memory");
    cJSON_AddBoolToObject(o, "above_roof", l->above_roof);
    if (l->above_roof) cJSON_AddStringToObject(o, "reason", halo_above_reason_str(l->reason));
    return cJSON_IsObject(o) ? o : NULL;
}
