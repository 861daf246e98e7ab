/* profile_json: reading and writing a profile as JSON (schema "halo-profile/1"): every field
 * validated on load with errors that name the file and the field; saved atomically. */
#include "profile/profile.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/parse.h"
#include "model/count.h"
#include "model/zoo.h"
#include "profile/roofline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *class_name(int k) { return halo_layer_class_name((enum halo_layer_class)k); }

static enum halo_op op_parse(const char *s, bool *ok)
{
    for (int o = 0; o < HALO_OP_COUNT_; o++)
        if (s && !strcmp(s, halo_op_name((enum halo_op)o))) {
            *ok = true;
            return (enum halo_op)o;
        }
    *ok = false;
    return HALO_OP_COUNT_;
}

/* ---- load -------------------------------------------------------------------------------- */

/* A measured time: within [HALO_TIME_MS_MIN, HALO_TIME_MS_MAX], or 0 where `may_be_zero` (a layer
 * fused into another one takes no time of its own). 1e-300 ms gave a fitted capacity of 1e301
 * GFLOP/s; a whole model's latency of 0 a measured ratio of NaN. */
static enum halo_status time_field(const char *file, const cJSON *o, const char *where, const char *key,
                                   bool required, bool may_be_zero, double *out)
{
    double v = *out;
    HALO_TRY(halo_json_num(file, o, where, key, required, 0, HALO_TIME_MS_MAX, &v));
    if (v < HALO_TIME_MS_MIN && !(may_be_zero && v == 0)) {
        char p[256];
        return halo_error(HALO_ERR_INVALID, "%s: %s: %g is out of range: a time is %s[%g, %g] ms", file,
                          halo_json_path(p, sizeof p, where, key), v, may_be_zero ? "0 or in " : "in ",
                          HALO_TIME_MS_MIN, HALO_TIME_MS_MAX);
    }
    *out = v;
    return HALO_OK;
}

static enum halo_status load_stats(const char *file, const cJSON *obj, const char *where, const char *key,
                                   bool may_be_zero, struct halo_stats *s)
{
    const cJSON *o;
    char p[256];
    HALO_TRY(halo_json_child(file, obj, where, key, true, cJSON_Object, &o));
    halo_json_path(p, sizeof p, where, key);
    *s = (struct halo_stats){0, 0, 0, 0, 0};
    HALO_TRY(time_field(file, o, p, "median", true, may_be_zero, &s->median));
    s->min = s->p90 = s->max = s->mean = s->median;
    HALO_TRY(time_field(file, o, p, "min", false, may_be_zero, &s->min));
    HALO_TRY(time_field(file, o, p, "p90", false, may_be_zero, &s->p90));
    if (s->min > s->median || s->p90 < s->median)
        return halo_error(HALO_ERR_INVALID, "%s: %s: needs min <= median <= p90", file, p);
    return HALO_OK;
}

/* A count: a whole number in [0, HALO_MACS_MAX] (0 when optional and absent). */
static enum halo_status count_field(const char *file, const cJSON *o, const char *where, const char *key,
                                    bool required, int64_t *out)
{
    double d = 0;
    HALO_TRY(halo_json_num(file, o, where, key, required, 0, HALO_MACS_MAX, &d));
    if (d != floor(d)) {
        char p[256];
        return halo_error(HALO_ERR_INVALID, "%s: %s: %g: must be a whole number", file,
                          halo_json_path(p, sizeof p, where, key), d);
    }
    *out = (int64_t)d;
    return HALO_OK;
}

/* A measured layer is a node of its model at its input: the same index, name, op, class and MACs
 * as the graph's (a profile's layers price the graph's nodes by name). */
static enum halo_status check_layer(const char *file, const char *where, const struct halo_graph *g,
                                    const struct halo_prof_layer *l)
{
    if (l->index >= g->n_nodes)
        return halo_error(HALO_ERR_INVALID, "%s: %s.index: %d, but %s at %dx%d has %d nodes", file, where, l->index,
                          g->name, g->input.h, g->input.w, g->n_nodes);
    const struct halo_node *n = &g->nodes[l->index];
    if (strcmp(n->name, l->node))
        return halo_error(HALO_ERR_INVALID, "%s: %s.node: '%s', but node %d of %s is '%s'", file, where, l->node,
                          l->index, g->name, n->name);
    if (n->op != l->op)
        return halo_error(HALO_ERR_INVALID, "%s: %s.op: '%s', but %s is '%s'", file, where, halo_op_name(l->op), n->name,
                          halo_op_name(n->op));
    if (halo_layer_class_of(n) != l->cls)
        return halo_error(HALO_ERR_INVALID, "%s: %s.class: '%s', but %s is '%s'", file, where,
                          halo_layer_class_name(l->cls), n->name, halo_layer_class_name(halo_layer_class_of(n)));
    int64_t macs = halo_count_node(g, l->index).macs;
    if (l->macs != macs)
        return halo_error(HALO_ERR_INVALID, "%s: %s.macs: %lld, but %s at %dx%d computes %lld", file, where,
                          (long long)l->macs, n->name, g->input.h, g->input.w, (long long)macs);
    return HALO_OK;
}

static enum halo_status load_layer(const char *file, const cJSON *o, const char *where, struct halo_prof_layer *l)
{
    const char *s;
    long v;
    bool ok;
    HALO_TRY(halo_json_name(file, o, where, "node", true, &s));
    if (!(l->node = halo_strdup(s))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_int(file, o, where, "index", true, 0, 1L << 30, &v));
    l->index = (int)v;
    HALO_TRY(halo_json_str(file, o, where, "op", true, &s));
    l->op = op_parse(s, &ok);
    if (!ok) return halo_error(HALO_ERR_INVALID, "%s: %s.op: unknown op '%s'", file, where, s);
    HALO_TRY(halo_json_str(file, o, where, "class", true, &s));
    l->cls = halo_layer_class_parse(s);
    if (l->cls == HALO_CLASS_COUNT_) return halo_error(HALO_ERR_INVALID, "%s: %s.class: unknown class '%s'", file, where, s);
    HALO_TRY(count_field(file, o, where, "macs", true, &l->macs));
    HALO_TRY(count_field(file, o, where, "elem_ops", false, &l->elem_ops));
    HALO_TRY(halo_json_num(file, o, where, "bytes", false, 0, HALO_MACS_MAX, &l->bytes));
    HALO_TRY(load_stats(file, o, where, "time_ms", true, &l->time_ms));
    HALO_TRY(halo_json_bool(file, o, where, "fused", false, &l->fused));
    s = "-";
    HALO_TRY(halo_json_str(file, o, where, "impl", false, &s));
    if (!(l->impl = halo_strdup(s))) return HALO_ERR_NOMEM;
    const cJSON *tiles;
    HALO_TRY(halo_json_child(file, o, where, "tiles", false, cJSON_Array, &tiles));
    int n = tiles ? cJSON_GetArraySize(tiles) : 0;
    if (n && !(l->tiles = halo_calloc((size_t)n, sizeof *l->tiles))) return HALO_ERR_NOMEM;
    const cJSON *to;
    int t = -1;
    cJSON_ArrayForEach(to, tiles)
    {
        char w[256];
        halo_json_item(w, sizeof w, where, "tiles", ++t);
        HALO_TRY(halo_json_num(file, to, w, "fraction", true, 1e-9, 1 - 1e-12, &l->tiles[t].fraction));
        HALO_TRY(time_field(file, to, w, "time_ms", true, true, &l->tiles[t].time_ms));
        if (t && l->tiles[t].fraction <= l->tiles[t - 1].fraction)
            return halo_error(HALO_ERR_INVALID, "%s: %s.fraction: fractions must increase", file, w);
        l->n_tiles++;
    }
    return HALO_OK;
}

static enum halo_status load_model(const char *file, const cJSON *o, const char *where, struct halo_prof_model *m)
{
    const char *s;
    HALO_TRY(halo_json_name(file, o, where, "model", true, &s));
    if (!(m->model = halo_strdup(s))) return HALO_ERR_NOMEM;
    const cJSON *in;
    HALO_TRY(halo_json_child(file, o, where, "input", true, cJSON_Array, &in));
    const cJSON *h = cJSON_GetArrayItem(in, 0), *w = cJSON_GetArrayItem(in, 1);
    if (cJSON_GetArraySize(in) != 2 || !cJSON_IsNumber(h) || !cJSON_IsNumber(w) || h->valuedouble < 1 ||
        w->valuedouble < 1 || h->valuedouble > HALO_IMAGE_SIDE_MAX || w->valuedouble > HALO_IMAGE_SIDE_MAX ||
        h->valuedouble != floor(h->valuedouble) || w->valuedouble != floor(w->valuedouble))
        return halo_error(HALO_ERR_INVALID, "%s: %s.input: must be [H, W] with whole sides in [1, %d]", file, where,
                          HALO_IMAGE_SIDE_MAX);
    m->h = (int)h->valuedouble;
    m->w = (int)w->valuedouble;
    HALO_TRY(load_stats(file, o, where, "latency_ms", false, &m->latency_ms));
    /* the model and its layers must be the zoo's: a profile of 'resnet19' or of node 'nope' priced nothing */
    struct halo_graph *g = NULL;
    enum halo_status st = halo_zoo_build_for(m->model, m->h, m->w, &g);
    if (st != HALO_OK) {
        halo_error_prefix("%s: %s.model", file, where);
        return st;
    }
    const cJSON *layers = NULL, *lo;
    st = halo_json_child(file, o, where, "layers", true, cJSON_Array, &layers);
    int n = st == HALO_OK ? cJSON_GetArraySize(layers) : 0;
    if (n && !(m->layers = halo_calloc((size_t)n, sizeof *m->layers))) st = HALO_ERR_NOMEM;
    int l = 0;
    if (st != HALO_OK) layers = NULL;
    cJSON_ArrayForEach(lo, layers)
    {
        char w2[256];
        halo_json_item(w2, sizeof w2, where, "layers", l);
        m->n_layers++;
        st = load_layer(file, lo, w2, &m->layers[l]);
        if (st == HALO_OK) st = check_layer(file, w2, g, &m->layers[l]);
        if (st != HALO_OK) break;
        l++;
    }
    halo_graph_free(g);
    return st;
}

static enum halo_status load_fit(const char *file, const cJSON *fit, struct halo_profile *p)
{
    const cJSON *classes, *pen;
    HALO_TRY(halo_json_child(file, fit, "fit", "classes", true, cJSON_Object, &classes));
    const cJSON *c;
    cJSON_ArrayForEach(c, classes)
    {
        enum halo_layer_class k = halo_layer_class_parse(c->string);
        char w[256];
        halo_json_path(w, sizeof w, "fit.classes", c->string ? c->string : "?");
        if (k == HALO_CLASS_COUNT_) return halo_error(HALO_ERR_INVALID, "%s: %s: unknown layer class", file, w);
        struct halo_class_fit *f = &p->fit[k];
        long n = 0;
        HALO_TRY(halo_json_num(file, c, w, "gflops", true, HALO_GFLOPS_MIN, HALO_GFLOPS_MAX, &f->gflops));
        HALO_TRY(halo_json_num(file, c, w, "overhead_ms", true, 0, HALO_OVERHEAD_MS_MAX, &f->overhead_ms));
        HALO_TRY(halo_json_num(file, c, w, "r2", false, -1e9, 1, &f->r2));
        HALO_TRY(halo_json_num(file, c, w, "max_rel_err", false, 0, 1e9, &f->max_rel_err));
        HALO_TRY(halo_json_int(file, c, w, "n", false, 0, 1L << 30, &n));
        f->n = (int)n;
        f->present = true;
    }
    p->has_fit = true;
    HALO_TRY(halo_json_child(file, fit, "fit", "tile_penalty", false, cJSON_Object, &pen));
    if (!pen) return HALO_OK;
    const cJSON *fr;
    HALO_TRY(halo_json_child(file, pen, "fit.tile_penalty", "fractions", true, cJSON_Array, &fr));
    int n = cJSON_GetArraySize(fr);
    p->fractions = halo_calloc((size_t)n + 1, sizeof *p->fractions);
    p->penalty = halo_calloc((size_t)(n + 1) * HALO_CLASS_COUNT_, sizeof *p->penalty);
    if (!p->fractions || !p->penalty) return HALO_ERR_NOMEM;
    p->n_fractions = n;
    const cJSON *v;
    int i = 0;
    cJSON_ArrayForEach(v, fr)
    {
        if (!cJSON_IsNumber(v) || v->valuedouble <= 0 || v->valuedouble >= 1 || (i && v->valuedouble <= p->fractions[i - 1]))
            return halo_error(HALO_ERR_INVALID, "%s: fit.tile_penalty.fractions[%d]: must increase within (0, 1)", file, i);
        p->fractions[i++] = v->valuedouble;
    }
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        for (int i = 0; i < n; i++) p->penalty[k * n + i] = 1.0;
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(pen, class_name(k));
        if (!arr) continue;
        if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != n)
            return halo_error(HALO_ERR_INVALID, "%s: fit.tile_penalty.%s: must be %d numbers", file, class_name(k), n);
        i = 0;
        cJSON_ArrayForEach(v, arr)
        {
            if (!cJSON_IsNumber(v) || v->valuedouble <= 0 || v->valuedouble > 1e6)
                return halo_error(HALO_ERR_INVALID, "%s: fit.tile_penalty.%s[%d]: must be > 0", file, class_name(k), i);
            p->penalty[k * n + i++] = v->valuedouble;
        }
    }
    return HALO_OK;
}

/* settings records how the profile was measured; the fit reads its tile_heights. */
static enum halo_status check_settings(const char *file, const cJSON *set)
{
    const cJSON *th, *v;
    HALO_TRY(halo_json_child(file, set, "settings", "tile_heights", false, cJSON_Array, &th));
    int i = 0;
    cJSON_ArrayForEach(v, th)
    {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1e-6 && v->valuedouble <= 1))
            return halo_error(HALO_ERR_INVALID, "%s: settings.tile_heights[%d]: must be a number in [1e-06, 1]", file, i);
        i++;
    }
    return HALO_OK;
}

static enum halo_status load_doc(const char *file, const cJSON *j, struct halo_profile *p)
{
    static const char *const keys[] = {"schema", "name", "estimated", "platform", "settings", "fused_ops",
                                       "models", "fit", "note", "ceilings", NULL};
    const char *s;
    if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_INVALID, "%s: must be a JSON object", file);
    HALO_TRY(halo_json_str(file, j, "", "schema", true, &s));
    if (strcmp(s, HALO_PROFILE_SCHEMA))
        return halo_error(HALO_ERR_INVALID, "%s: schema: '%s' is not supported (this halo reads %s)", file, s,
                          HALO_PROFILE_SCHEMA);
    HALO_TRY(halo_json_known_keys(file, j, "", keys));
    HALO_TRY(halo_json_name(file, j, "", "name", true, &s));
    if (!(p->name = halo_strdup(s))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_str(file, j, "", "note", false, &s));
    HALO_TRY(halo_json_bool(file, j, "", "estimated", false, &p->estimated));
    const cJSON *plat, *set, *fused, *models, *fit;
    HALO_TRY(halo_json_child(file, j, "", "platform", true, cJSON_Object, &plat));
    HALO_TRY(halo_json_str(file, plat, "platform", "backend", true, &s));
    if (!(p->backend = halo_strdup(s))) return HALO_ERR_NOMEM;
    s = "-";
    HALO_TRY(halo_json_str(file, plat, "platform", "library", false, &s));
    if (!(p->library = halo_strdup(s))) return HALO_ERR_NOMEM;
    long threads = 1;
    HALO_TRY(halo_json_int(file, plat, "platform", "threads", false, 1, HALO_THREADS_MAX, &threads));
    p->threads = (int)threads;
    if (!(p->platform = cJSON_Duplicate(plat, 1))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_child(file, j, "", "settings", false, cJSON_Object, &set));
    if (set) HALO_TRY(check_settings(file, set));
    if (set && !(p->settings = cJSON_Duplicate(set, 1))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_child(file, j, "", "fused_ops", false, cJSON_Array, &fused));
    int nf = fused ? cJSON_GetArraySize(fused) : 0;
    if (nf && !(p->fused_ops = halo_calloc((size_t)nf, sizeof *p->fused_ops))) return HALO_ERR_NOMEM;
    const cJSON *v;
    int i = 0;
    cJSON_ArrayForEach(v, fused)
    {
        bool ok = false;
        if (cJSON_IsString(v)) op_parse(v->valuestring, &ok);
        if (!ok) return halo_error(HALO_ERR_INVALID, "%s: fused_ops[%d]: not an op name", file, i);
        if (!(p->fused_ops[i++] = halo_strdup(v->valuestring))) return HALO_ERR_NOMEM;
        p->n_fused_ops++;
    }
    HALO_TRY(halo_json_child(file, j, "", "models", true, cJSON_Array, &models));
    int nm = cJSON_GetArraySize(models);
    if (nm && !(p->models = halo_calloc((size_t)nm, sizeof *p->models))) return HALO_ERR_NOMEM;
    const cJSON *mo;
    int m = 0;
    cJSON_ArrayForEach(mo, models)
    {
        char w[64];
        halo_json_item(w, sizeof w, "", "models", m);
        p->n_models++;
        HALO_TRY(load_model(file, mo, w, &p->models[m++]));
    }
    HALO_TRY(halo_json_child(file, j, "", "fit", false, cJSON_Object, &fit));
    if (fit) HALO_TRY(load_fit(file, fit, p));
    const cJSON *ceil = cJSON_GetObjectItemCaseSensitive(j, "ceilings");
    if (ceil) { /* optional: a profile without one stays valid; one that is there must be whole */
        struct halo_roof roof;
        HALO_TRY(halo_roof_from_json(file, "ceilings", ceil, p->threads, &roof));
        halo_roof_free(&roof);
        if (!(p->ceilings = cJSON_Duplicate(ceil, 1))) return HALO_ERR_NOMEM;
    }
    if (!p->n_models && !p->has_fit)
        return halo_error(HALO_ERR_INVALID, "%s: models: empty and no fit: the profile prices nothing", file);
    return HALO_OK;
}

enum halo_status halo_profile_from_json(const char *name, const cJSON *j, struct halo_profile **out)
{
    *out = NULL;
    struct halo_profile *p = halo_calloc(1, sizeof *p);
    enum halo_status st = p ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK && !(p->path = halo_strdup(name))) st = HALO_ERR_NOMEM;
    if (st == HALO_OK) st = load_doc(name, j, p);
    if (st != HALO_OK) {
        halo_profile_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_profile_load(const char *path, struct halo_profile **out)
{
    *out = NULL;
    cJSON *j;
    HALO_TRY(halo_json_load(path, &j));
    enum halo_status st = halo_profile_from_json(path, j, out);
    cJSON_Delete(j);
    return st;
}

/* ---- save -------------------------------------------------------------------------------- */

static cJSON *stats_json(struct halo_stats s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "min", s.min);
    cJSON_AddNumberToObject(o, "median", s.median);
    cJSON_AddNumberToObject(o, "p90", s.p90);
    return o;
}

/* The layer against the profile's roof: when the profile has ceilings, the layer its bytes and
 * a time of its own (not fused into another). */
static void add_roofline(cJSON *o, const struct halo_roof *roof, const struct halo_prof_layer *l)
{
    if (!roof || l->bytes <= 0 || l->fused || l->time_ms.median <= 0) return;
    struct halo_roofline rl;
    halo_roofline_point(roof, 2.0 * (double)l->macs, l->bytes, l->time_ms.median, l->impl, &rl);
    cJSON *r = halo_roofline_json(roof, &rl);
    if (r) cJSON_AddItemToObject(o, "roofline", r);
}

static cJSON *layer_json(const struct halo_prof_layer *l, const struct halo_roof *roof)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", l->index);
    cJSON_AddStringToObject(o, "node", l->node);
    cJSON_AddStringToObject(o, "op", halo_op_name(l->op));
    cJSON_AddStringToObject(o, "class", halo_layer_class_name(l->cls));
    cJSON_AddNumberToObject(o, "macs", (double)l->macs);
    cJSON_AddNumberToObject(o, "flops", 2.0 * (double)l->macs);
    cJSON_AddNumberToObject(o, "elem_ops", (double)l->elem_ops);
    if (l->bytes > 0) cJSON_AddNumberToObject(o, "bytes", l->bytes);
    cJSON_AddItemToObject(o, "time_ms", stats_json(l->time_ms));
    cJSON_AddNumberToObject(o, "gflops", l->time_ms.median > 0 ? 2.0 * (double)l->macs / (l->time_ms.median * 1e6) : 0);
    cJSON_AddBoolToObject(o, "fused", l->fused);
    cJSON_AddStringToObject(o, "impl", l->impl ? l->impl : "-");
    cJSON *tiles = cJSON_AddArrayToObject(o, "tiles");
    for (int t = 0; t < l->n_tiles; t++) {
        cJSON *to = cJSON_CreateObject();
        cJSON_AddNumberToObject(to, "fraction", l->tiles[t].fraction);
        cJSON_AddNumberToObject(to, "time_ms", l->tiles[t].time_ms);
        cJSON_AddItemToArray(tiles, to);
    }
    add_roofline(o, roof, l);
    return o;
}

static cJSON *fit_json(const struct halo_profile *p)
{
    cJSON *fit = cJSON_CreateObject();
    cJSON_AddStringToObject(fit, "model", "time_ms = overhead_ms + work / (gflops * 1e6); work = FLOPs (2*MAC), "
                                          "element-wise ops for the elementwise class");
    cJSON *classes = cJSON_AddObjectToObject(fit, "classes");
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        const struct halo_class_fit *f = &p->fit[k];
        if (!f->present) continue;
        cJSON *c = cJSON_AddObjectToObject(classes, class_name(k));
        cJSON_AddNumberToObject(c, "gflops", f->gflops);
        cJSON_AddNumberToObject(c, "overhead_ms", f->overhead_ms);
        cJSON_AddNumberToObject(c, "r2", f->r2);
        cJSON_AddNumberToObject(c, "max_rel_err", f->max_rel_err);
        cJSON_AddNumberToObject(c, "n", f->n);
    }
    if (p->n_fractions) {
        cJSON *pen = cJSON_AddObjectToObject(fit, "tile_penalty");
        cJSON_AddItemToObject(pen, "fractions", cJSON_CreateDoubleArray(p->fractions, p->n_fractions));
        for (int k = 0; k < HALO_CLASS_COUNT_; k++)
            if (p->fit[k].present)
                cJSON_AddItemToObject(pen, class_name(k), cJSON_CreateDoubleArray(p->penalty + k * p->n_fractions, p->n_fractions));
    }
    return fit;
}

enum halo_status halo_profile_save(const struct halo_profile *p, const char *path)
{
    struct halo_roof roof_, *roof = NULL;
    if (p->ceilings) {
        HALO_TRY(halo_roof_from_json(p->path ? p->path : path, "ceilings", p->ceilings, p->threads, &roof_));
        roof = &roof_;
    }
    cJSON *j = cJSON_CreateObject();
    if (!j) {
        halo_roof_free(roof);
        return HALO_ERR_NOMEM;
    }
    cJSON_AddStringToObject(j, "schema", HALO_PROFILE_SCHEMA);
    cJSON_AddStringToObject(j, "name", p->name ? p->name : "unnamed");
    cJSON_AddBoolToObject(j, "estimated", p->estimated);
    cJSON *plat = p->platform ? cJSON_Duplicate(p->platform, 1) : cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(plat, "backend");
    cJSON_DeleteItemFromObjectCaseSensitive(plat, "library");
    cJSON_DeleteItemFromObjectCaseSensitive(plat, "threads");
    cJSON_AddStringToObject(plat, "backend", p->backend ? p->backend : "-");
    cJSON_AddStringToObject(plat, "library", p->library ? p->library : "-");
    cJSON_AddNumberToObject(plat, "threads", p->threads > 0 ? p->threads : 1);
    cJSON_AddItemToObject(j, "platform", plat);
    if (p->settings) cJSON_AddItemToObject(j, "settings", cJSON_Duplicate(p->settings, 1));
    cJSON *fused = cJSON_AddArrayToObject(j, "fused_ops");
    for (int i = 0; i < p->n_fused_ops; i++) cJSON_AddItemToArray(fused, cJSON_CreateString(p->fused_ops[i]));
    cJSON *models = cJSON_AddArrayToObject(j, "models");
    for (int m = 0; m < p->n_models; m++) {
        const struct halo_prof_model *pm = &p->models[m];
        cJSON *mo = cJSON_CreateObject();
        cJSON_AddStringToObject(mo, "model", pm->model);
        int in[2] = {pm->h, pm->w};
        cJSON_AddItemToObject(mo, "input", cJSON_CreateIntArray(in, 2));
        cJSON_AddItemToObject(mo, "latency_ms", stats_json(pm->latency_ms));
        cJSON *layers = cJSON_AddArrayToObject(mo, "layers");
        for (int l = 0; l < pm->n_layers; l++) cJSON_AddItemToArray(layers, layer_json(&pm->layers[l], roof));
        cJSON_AddItemToArray(models, mo);
    }
    if (p->has_fit) cJSON_AddItemToObject(j, "fit", fit_json(p));
    if (p->ceilings) cJSON_AddItemToObject(j, "ceilings", cJSON_Duplicate(p->ceilings, 1));
    enum halo_status st = halo_json_save(path, j);
    cJSON_Delete(j);
    halo_roof_free(roof);
    return st;
}

