/* plan_json: a plan's file, schema "halo-plan/1" — saving it (structure and prediction, events
 * included; the variants a stream rotates over under "rotation") and loading it (structure;
 * validate against the graph before use). */
#include "core/alloc.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/parse.h"
#include "partition/plan.h"
#include "partition/plan_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *rect_json(struct halo_rect r)
{
    int v[4] = {r.y0, r.y1, r.x0, r.x1};
    return cJSON_CreateIntArray(v, 4);
}

static cJSON *range_json(int a, int b)
{
    int v[2] = {a, b};
    return cJSON_CreateIntArray(v, 2);
}

static cJSON *sources_json(const struct halo_plan *p, const struct halo_plan_src *s, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int j = 0; j < n; j++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "from", p->dev[s[j].device].name);
        cJSON_AddItemToObject(o, "rect", rect_json(s[j].rect));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *matrix_json(const double *m, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateDoubleArray(m + (size_t)i * n, n));
    return a;
}

static const char *event_kind_name(enum halo_event_kind k)
{
    return k == HALO_EVENT_SEND ? "send" : k == HALO_EVENT_RECV ? "recv" : "compute";
}

/* What differs between the variants of a plan: its blocks, its tail and its prediction (devices,
 * links and codec are the plan's). */
static void add_body(cJSON *j, const struct halo_plan *p)
{
    cJSON *blocks = cJSON_AddArrayToObject(j, "blocks");
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "stages", range_json(bl->stage0, bl->stage1));
        cJSON_AddItemToObject(o, "nodes", range_json(bl->first, bl->last));
        cJSON_AddStringToObject(o, "mode", bl->mode == HALO_TILE_EXACT ? "exact" : "zero_pad");
        cJSON_AddBoolToObject(o, "gather", bl->gather);
        cJSON_AddBoolToObject(o, "compress", bl->compress);
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        for (int k = 0; k < bl->n_parts; k++) {
            const struct halo_plan_part *pt = &bl->part[k];
            cJSON *po = cJSON_CreateObject();
            cJSON_AddStringToObject(po, "device", p->dev[pt->device].name);
            cJSON_AddItemToObject(po, "out", rect_json(pt->out));
            cJSON_AddItemToObject(po, "in", rect_json(pt->in));
            cJSON_AddItemToObject(po, "sources", sources_json(p, pt->src, pt->n_src));
            if (pt->macs >= 0) cJSON_AddNumberToObject(po, "macs", (double)pt->macs);
            cJSON_AddNumberToObject(po, "compute_ms", pt->compute_ms);
            cJSON_AddItemToArray(parts, po);
        }
        cJSON_AddItemToArray(blocks, o);
    }
    cJSON *t = cJSON_AddObjectToObject(j, "tail");
    cJSON_AddStringToObject(t, "device", p->dev[p->tail.device].name);
    cJSON_AddItemToObject(t, "stages", range_json(p->tail.stage0, p->tail.stage1));
    cJSON_AddItemToObject(t, "nodes", range_json(p->tail.first, p->tail.last));
    cJSON_AddItemToObject(t, "in", rect_json(p->tail.in));
    cJSON_AddItemToObject(t, "sources", sources_json(p, p->tail.src, p->tail.n_src));
    cJSON_AddNumberToObject(t, "compute_ms", p->tail.compute_ms);
    cJSON *pr = cJSON_AddObjectToObject(j, "predicted");
    char basis[512];
    const struct halo_link_model *lm = halo_plan_link_model(p);
    snprintf(basis, sizeof basis, "cost model: profiles' per-layer times (measured) or fitted capacity; links (%s "
             "model): %s", lm->name, lm->help);
    cJSON_AddStringToObject(pr, "basis", basis);
    cJSON_AddNumberToObject(pr, "total_ms", p->total_ms);
    cJSON_AddNumberToObject(pr, "local_ms", p->local_ms);
    cJSON_AddStringToObject(pr, "local_device", p->local_device ? p->local_device : "-");
    cJSON_AddNumberToObject(pr, "speedup", p->total_ms > 0 ? p->local_ms / p->total_ms : 0);
    cJSON_AddNumberToObject(pr, "latency_reduction_pct", p->local_ms > 0 ? 100 * (1 - p->total_ms / p->local_ms) : 0);
    cJSON_AddNumberToObject(pr, "bytes_moved", (double)p->bytes_moved);
    cJSON_AddNumberToObject(pr, "total_macs", (double)p->total_macs);
    cJSON_AddNumberToObject(pr, "redundant_macs", (double)p->redundant_macs);
    cJSON *dt = cJSON_AddArrayToObject(pr, "devices");
    for (int k = 0; k < p->n_dev; k++) {
        double c, r, s, idle;
        halo_plan_device_times(p, k, &c, &r, &s, &idle);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->dev[k].name);
        cJSON_AddNumberToObject(o, "compute_ms", c);
        cJSON_AddNumberToObject(o, "recv_ms", r);
        cJSON_AddNumberToObject(o, "send_ms", s);
        cJSON_AddNumberToObject(o, "idle_ms", idle);
        cJSON_AddItemToArray(dt, o);
    }
    cJSON *ev = cJSON_AddArrayToObject(pr, "events");
    for (int i = 0; i < p->n_events; i++) {
        const struct halo_plan_event *e = &p->events[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "device", p->dev[e->device].name);
        cJSON_AddStringToObject(o, "kind", event_kind_name(e->kind));
        cJSON_AddNumberToObject(o, "block", e->block);
        cJSON_AddNumberToObject(o, "part", e->part);
        if (e->kind != HALO_EVENT_COMPUTE) cJSON_AddStringToObject(o, "peer", p->dev[e->peer].name);
        cJSON_AddNumberToObject(o, "start_ms", e->start_ms);
        cJSON_AddNumberToObject(o, "end_ms", e->end_ms);
        cJSON_AddNumberToObject(o, e->kind == HALO_EVENT_COMPUTE ? "macs" : "bytes", (double)e->bytes);
        cJSON_AddItemToArray(ev, o);
    }
}

cJSON *halo_plan_to_json(const struct halo_plan *p)
{
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddStringToObject(j, "schema", HALO_PLAN_SCHEMA);
    cJSON_AddStringToObject(j, "model", p->model);
    if (p->model_hash) {
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)p->model_hash);
        cJSON_AddStringToObject(j, "model_hash", hex);
    }
    cJSON_AddItemToObject(j, "input", range_json(p->h, p->w));
    cJSON_AddStringToObject(j, "method", p->method);
    cJSON_AddBoolToObject(j, "lossless", p->lossless);
    if (p->notes) cJSON_AddStringToObject(j, "notes", p->notes);
    cJSON_AddStringToObject(j, "cluster", p->cluster ? p->cluster : "-");
    cJSON *devs = cJSON_AddArrayToObject(j, "devices");
    for (int k = 0; k < p->n_dev; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->dev[k].name);
        cJSON_AddNumberToObject(o, "rank", k);
        cJSON_AddStringToObject(o, "role", k == 0 ? "source" : "es");
        cJSON_AddStringToObject(o, "profile", p->dev[k].profile ? p->dev[k].profile : "-");
        cJSON_AddNumberToObject(o, "speed", p->dev[k].speed);
        if (p->dev[k].host) cJSON_AddStringToObject(o, "host", p->dev[k].host);
        if (p->dev[k].up_mbps > 0) cJSON_AddNumberToObject(o, "uplink_mbps", p->dev[k].up_mbps);
        if (p->dev[k].down_mbps > 0) cJSON_AddNumberToObject(o, "downlink_mbps", p->dev[k].down_mbps);
        cJSON_AddItemToArray(devs, o);
    }
    cJSON_AddStringToObject(j, "link_model", halo_plan_link_model(p)->name);
    cJSON_AddStringToObject(j, "rates", halo_rates_name(p->rates));
    cJSON *links = cJSON_AddObjectToObject(j, "links");
    cJSON_AddItemToObject(links, "bandwidth_mbps", matrix_json(p->bw_mbps, p->n_dev));
    cJSON_AddItemToObject(links, "latency_ms", matrix_json(p->lat_ms, p->n_dev));
    if (p->has_codec) {
        cJSON *c = cJSON_AddObjectToObject(j, "codec");
        cJSON_AddNumberToObject(c, "clip_lo", p->codec.clip_lo);
        cJSON_AddNumberToObject(c, "clip_hi", p->codec.clip_hi);
        cJSON_AddNumberToObject(c, "bits", p->codec.bits);
        cJSON_AddNumberToObject(c, "ratio", p->codec.ratio);
    }
    add_body(j, p);
    if (p->n_rot) {
        /* the variants a stream rotates over: frame f runs variant f % (1 + n), variant 0 above */
        cJSON *rot = cJSON_AddArrayToObject(j, "rotation");
        for (int v = 0; v < p->n_rot; v++) {
            cJSON *o = cJSON_CreateObject();
            add_body(o, p->rot[v]);
            cJSON_AddItemToArray(rot, o);
        }
    }
    return j;
}

enum halo_status halo_plan_save(const struct halo_plan *p, const char *path)
{
    cJSON *j = halo_plan_to_json(p);
    if (!j) return HALO_ERR_NOMEM;
    enum halo_status st = halo_json_save(path, j);
    cJSON_Delete(j);
    return st;
}

static enum halo_status int_array(const char *file, const cJSON *o, const char *where, const char *key, int n,
                                  long lo, long hi, int *v)
{
    const cJSON *a, *x;
    char p[256];
    HALO_TRY(halo_json_child(file, o, where, key, true, cJSON_Array, &a));
    if (cJSON_GetArraySize(a) != n)
        return halo_error(HALO_ERR_INVALID, "%s: %s: must have %d integers", file, halo_json_path(p, sizeof p, where, key), n);
    int i = 0;
    cJSON_ArrayForEach(x, a)
    {
        if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) || x->valuedouble < lo || x->valuedouble > hi)
            return halo_error(HALO_ERR_INVALID, "%s: %s[%d]: must be an integer in [%ld, %ld]", file,
                              halo_json_path(p, sizeof p, where, key), i, lo, hi);
        v[i++] = (int)x->valuedouble;
    }
    return HALO_OK;
}

static enum halo_status rect_field(const char *file, const cJSON *o, const char *where, const char *key,
                                   struct halo_rect *r)
{
    int v[4];
    HALO_TRY(int_array(file, o, where, key, 4, 0, 65536, v));
    *r = (struct halo_rect){v[0], v[1], v[2], v[3]};
    if (r->y1 < r->y0 || r->x1 < r->x0) {
        char p[256];
        return halo_error(HALO_ERR_INVALID, "%s: %s: must be [y0, y1, x0, x1] with y0 <= y1, x0 <= x1", file,
                          halo_json_path(p, sizeof p, where, key));
    }
    return HALO_OK;
}

static enum halo_status device_field(const char *file, const struct halo_plan *p, const cJSON *o, const char *where,
                                     const char *key, int *dev)
{
    const char *s;
    HALO_TRY(halo_json_str(file, o, where, key, true, &s));
    for (int k = 0; k < p->n_dev; k++)
        if (!strcmp(p->dev[k].name, s)) {
            *dev = k;
            return HALO_OK;
        }
    char q[256];
    return halo_error(HALO_ERR_INVALID, "%s: %s: '%s' is not one of the plan's devices", file,
                      halo_json_path(q, sizeof q, where, key), s);
}

static enum halo_status sources_field(const char *file, const struct halo_plan *p, const cJSON *o, const char *where,
                                      struct halo_plan_src **src, int *n_src)
{
    const cJSON *a, *s;
    HALO_TRY(halo_json_child(file, o, where, "sources", true, cJSON_Array, &a));
    int n = cJSON_GetArraySize(a);
    *src = halo_calloc((size_t)(n ? n : 1), sizeof **src);
    if (!*src) return HALO_ERR_NOMEM;
    int j = 0;
    cJSON_ArrayForEach(s, a)
    {
        char w[256];
        halo_json_item(w, sizeof w, where, "sources", j);
        HALO_TRY(device_field(file, p, s, w, "from", &(*src)[j].device));
        HALO_TRY(rect_field(file, s, w, "rect", &(*src)[j].rect));
        (*n_src)++;
        j++;
    }
    return HALO_OK;
}

/* The MACs of a part: a whole number (the validation compares it with the part's tile); -1 when
 * the file leaves it out. */
static enum halo_status macs_field(const char *file, const cJSON *o, const char *where, int64_t *macs)
{
    double d = -1;
    HALO_TRY(halo_json_num(file, o, where, "macs", false, 0, HALO_MACS_MAX, &d));
    if (d != floor(d)) {
        char p[256];
        return halo_error(HALO_ERR_INVALID, "%s: %s: %g: must be a whole number", file,
                          halo_json_path(p, sizeof p, where, "macs"), d);
    }
    *macs = (int64_t)d;
    return HALO_OK;
}

/* The blocks, tail and prediction of a plan (or of one of its variants, at `pre`: "rotation[v]";
 * "" for the plan itself), whose devices, links and codec are loaded already. */
static enum halo_status load_body(const char *file, const cJSON *j, const char *pre, struct halo_plan *p)
{
    const char *s;
    const cJSON *blocks, *tail, *pred;
    char tw[96], pred_w[96];
    halo_json_path(tw, sizeof tw, pre, "tail");
    halo_json_path(pred_w, sizeof pred_w, pre, "predicted");
    HALO_TRY(halo_json_child(file, j, pre, "blocks", true, cJSON_Array, &blocks));
    int nb = cJSON_GetArraySize(blocks);
    p->block = halo_calloc((size_t)(nb ? nb : 1), sizeof *p->block);
    if (!p->block) return HALO_ERR_NOMEM;
    const cJSON *o;
    int b = -1;
    cJSON_ArrayForEach(o, blocks)
    {
        char w[128];
        struct halo_plan_block *bl = &p->block[++b];
        halo_json_item(w, sizeof w, pre, "blocks", b);
        p->n_blocks++;
        int v[2];
        HALO_TRY(int_array(file, o, w, "stages", 2, 0, 1 << 20, v));
        bl->stage0 = v[0];
        bl->stage1 = v[1];
        HALO_TRY(int_array(file, o, w, "nodes", 2, 0, 1 << 20, v));
        bl->first = v[0];
        bl->last = v[1];
        HALO_TRY(halo_json_str(file, o, w, "mode", true, &s));
        if (!strcmp(s, "exact")) bl->mode = HALO_TILE_EXACT;
        else if (!strcmp(s, "zero_pad")) bl->mode = HALO_TILE_ZERO_PAD;
        else return halo_error(HALO_ERR_INVALID, "%s: %s.mode: '%s': expected exact or zero_pad", file, w, s);
        HALO_TRY(halo_json_bool(file, o, w, "gather", true, &bl->gather));
        HALO_TRY(halo_json_bool(file, o, w, "compress", false, &bl->compress));
        if (bl->compress && !p->has_codec)
            return halo_error(HALO_ERR_INVALID, "%s: %s.compress: true but the plan has no codec", file, w);
        const cJSON *parts;
        HALO_TRY(halo_json_child(file, o, w, "parts", true, cJSON_Array, &parts));
        int np = cJSON_GetArraySize(parts);
        bl->part = halo_calloc((size_t)(np ? np : 1), sizeof *bl->part);
        if (!bl->part) return HALO_ERR_NOMEM;
        const cJSON *po;
        int k = -1;
        cJSON_ArrayForEach(po, parts)
        {
            char pw[192];
            struct halo_plan_part *pt = &bl->part[++k];
            halo_json_item(pw, sizeof pw, w, "parts", k);
            bl->n_parts++;
            HALO_TRY(device_field(file, p, po, pw, "device", &pt->device));
            HALO_TRY(rect_field(file, po, pw, "out", &pt->out));
            HALO_TRY(rect_field(file, po, pw, "in", &pt->in));
            HALO_TRY(sources_field(file, p, po, pw, &pt->src, &pt->n_src));
            HALO_TRY(macs_field(file, po, pw, &pt->macs));
            HALO_TRY(halo_json_num(file, po, pw, "compute_ms", false, 0, HALO_PREDICTED_MS_MAX, &pt->compute_ms));
        }
    }
    HALO_TRY(halo_json_child(file, j, pre, "tail", true, cJSON_Object, &tail));
    HALO_TRY(device_field(file, p, tail, tw, "device", &p->tail.device));
    int v[2];
    HALO_TRY(int_array(file, tail, tw, "stages", 2, 0, 1 << 20, v));
    p->tail.stage0 = v[0];
    p->tail.stage1 = v[1];
    HALO_TRY(int_array(file, tail, tw, "nodes", 2, 0, 1 << 20, v));
    p->tail.first = v[0];
    p->tail.last = v[1];
    HALO_TRY(rect_field(file, tail, tw, "in", &p->tail.in));
    HALO_TRY(sources_field(file, p, tail, tw, &p->tail.src, &p->tail.n_src));
    HALO_TRY(halo_json_num(file, tail, tw, "compute_ms", false, 0, HALO_PREDICTED_MS_MAX, &p->tail.compute_ms));
    HALO_TRY(halo_json_child(file, j, pre, "predicted", false, cJSON_Object, &pred));
    if (pred) {
        HALO_TRY(halo_json_num(file, pred, pred_w, "total_ms", false, 0, HALO_PREDICTED_MS_MAX, &p->total_ms));
        HALO_TRY(halo_json_num(file, pred, pred_w, "local_ms", false, 0, HALO_PREDICTED_MS_MAX, &p->local_ms));
        s = "-";
        HALO_TRY(halo_json_str(file, pred, pred_w, "local_device", false, &s));
        if (!(p->local_device = halo_strdup(s))) return HALO_ERR_NOMEM;
    }
    return HALO_OK;
}

/* A variant of p with p's header (model, method, devices, links, codec) and nothing else yet. */
static enum halo_status variant_new(const struct halo_plan *p, struct halo_plan **out)
{
    struct halo_plan *v = halo_calloc(1, sizeof *v);
    if (!v) return HALO_ERR_NOMEM;
    *out = v;
    v->h = p->h;
    v->w = p->w;
    v->lossless = p->lossless;
    v->has_codec = p->has_codec;
    v->codec = p->codec;
    v->model_hash = p->model_hash;
    v->model = halo_strdup(p->model);
    v->method = halo_strdup(p->method);
    v->cluster = halo_strdup(p->cluster);
    if (!v->model || !v->method || !v->cluster || (p->notes && !(v->notes = halo_strdup(p->notes))))
        return HALO_ERR_NOMEM;
    HALO_TRY(halo_plan_alloc_devices(v, p->n_dev));
    v->rates = p->rates;
    v->link = p->link;
    for (int k = 0; k < p->n_dev; k++) {
        v->dev[k].speed = p->dev[k].speed;
        if (p->dev[k].host && !(v->dev[k].host = halo_strdup(p->dev[k].host))) return HALO_ERR_NOMEM;
        v->dev[k].up_mbps = p->dev[k].up_mbps;
        v->dev[k].down_mbps = p->dev[k].down_mbps;
        if (!(v->dev[k].name = halo_strdup(p->dev[k].name)) || !(v->dev[k].profile = halo_strdup(p->dev[k].profile)))
            return HALO_ERR_NOMEM;
    }
    memcpy(v->bw_mbps, p->bw_mbps, (size_t)p->n_dev * p->n_dev * sizeof *v->bw_mbps);
    memcpy(v->lat_ms, p->lat_ms, (size_t)p->n_dev * p->n_dev * sizeof *v->lat_ms);
    return HALO_OK;
}

/* The optional "rotation": the plan's further variants, each a body over the same devices. */
static enum halo_status load_rotation(const char *file, const cJSON *j, struct halo_plan *p)
{
    static const char *const keys[] = {"blocks", "tail", "predicted", NULL};
    const cJSON *rot;
    HALO_TRY(halo_json_child(file, j, "", "rotation", false, cJSON_Array, &rot));
    if (!rot) return HALO_OK;
    const cJSON *o;
    int i = -1;
    cJSON_ArrayForEach(o, rot)
    {
        char w[64];
        halo_json_item(w, sizeof w, "", "rotation", ++i);
        if (!cJSON_IsObject(o)) return halo_error(HALO_ERR_INVALID, "%s: %s: must be an object", file, w);
        HALO_TRY(halo_json_known_keys(file, o, w, keys));
        struct halo_plan *v = NULL;
        enum halo_status st = variant_new(p, &v);
        if (st == HALO_OK) st = load_body(file, o, w, v);
        if (st != HALO_OK) {
            halo_plan_free(v);
            return st;
        }
        HALO_TRY(halo_plan_add_variant(p, v));
    }
    return HALO_OK;
}

static enum halo_status load_plan(const char *file, const cJSON *j, struct halo_plan *p)
{
    static const char *const keys[] = {"schema", "model", "model_hash", "input", "method", "lossless", "notes",
                                       "cluster", "devices", "links", "codec", "blocks", "tail", "predicted",
                                       "rotation", "link_model", "rates", NULL};
    const char *s;
    if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_INVALID, "%s: must be a JSON object", file);
    HALO_TRY(halo_json_str(file, j, "", "schema", true, &s));
    if (strcmp(s, HALO_PLAN_SCHEMA))
        return halo_error(HALO_ERR_INVALID, "%s: schema: '%s' is not supported (this halo reads %s)", file, s,
                          HALO_PLAN_SCHEMA);
    HALO_TRY(halo_json_known_keys(file, j, "", keys));
    HALO_TRY(halo_json_name(file, j, "", "model", true, &s));
    if (!(p->model = halo_strdup(s))) return HALO_ERR_NOMEM;
    s = NULL;
    HALO_TRY(halo_json_str(file, j, "", "model_hash", false, &s));
    if (s) { /* the ONNX file's hash: 16 hex digits */
        char *end;
        errno = 0;
        p->model_hash = strtoull(s, &end, 16);
        if (strlen(s) != 16 || *end || errno || !p->model_hash)
            return halo_error(HALO_ERR_INVALID, "%s: model_hash: '%s' is not 16 hex digits", file, s);
    }
    int in[2];
    HALO_TRY(int_array(file, j, "", "input", 2, 1, 65536, in));
    p->h = in[0];
    p->w = in[1];
    HALO_TRY(halo_json_name(file, j, "", "method", true, &s));
    if (!(p->method = halo_strdup(s))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_bool(file, j, "", "lossless", true, &p->lossless));
    s = NULL;
    HALO_TRY(halo_json_str(file, j, "", "notes", false, &s));
    if (s && !(p->notes = halo_strdup(s))) return HALO_ERR_NOMEM;
    s = "-";
    HALO_TRY(halo_json_str(file, j, "", "cluster", false, &s));
    if (!(p->cluster = halo_strdup(s))) return HALO_ERR_NOMEM;
    const cJSON *devs, *links, *codec, *d;
    HALO_TRY(halo_json_child(file, j, "", "devices", true, cJSON_Array, &devs));
    int n = cJSON_GetArraySize(devs);
    if (n < 2) return halo_error(HALO_ERR_INVALID, "%s: devices: needs the source and at least one ES", file);
    if (n > HALO_DEVICES_MAX)
        return halo_error(HALO_ERR_INVALID, "%s: devices: %d devices: a plan has at most %d", file, n, HALO_DEVICES_MAX);
    HALO_TRY(halo_plan_alloc_devices(p, n));
    int k = 0;
    cJSON_ArrayForEach(d, devs)
    {
        char w[64];
        halo_json_item(w, sizeof w, "", "devices", k);
        HALO_TRY(halo_json_name(file, d, w, "name", true, &s));
        if (!(p->dev[k].name = halo_strdup(s))) return HALO_ERR_NOMEM;
        s = "-";
        HALO_TRY(halo_json_str(file, d, w, "profile", false, &s));
        if (!(p->dev[k].profile = halo_strdup(s))) return HALO_ERR_NOMEM;
        p->dev[k].speed = 1;
        HALO_TRY(halo_json_num(file, d, w, "speed", false, HALO_SPEED_MIN, HALO_SPEED_MAX, &p->dev[k].speed));
        s = NULL;
        HALO_TRY(halo_json_str(file, d, w, "host", false, &s));
        if (s) {
            char hp[300], what[600];
            snprintf(what, sizeof what, "%s: %s", file, halo_json_path(hp, sizeof hp, w, "host"));
            HALO_TRY(halo_check_host(what, s));
            if (!(p->dev[k].host = halo_strdup(s))) return HALO_ERR_NOMEM;
        }
        /* optional (older plans lack them): the access links' capacities */
        HALO_TRY(halo_json_num(file, d, w, "uplink_mbps", false, HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX,
                               &p->dev[k].up_mbps));
        HALO_TRY(halo_json_num(file, d, w, "downlink_mbps", false, HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX,
                               &p->dev[k].down_mbps));
        long rank = k;
        HALO_TRY(halo_json_int(file, d, w, "rank", false, 0, HALO_DEVICES_MAX, &rank));
        if (rank != k) return halo_error(HALO_ERR_INVALID, "%s: %s.rank: must be %d (devices are listed in rank order)", file, w, k);
        k++;
    }
    s = NULL;
    HALO_TRY(halo_json_str(file, j, "", "link_model", false, &s));
    if (s && !(p->link = halo_link_model_find(s)))
        return halo_error(HALO_ERR_INVALID, "%s: link_model: '%s' is not a link model (%s)", file, s,
                          halo_link_model_names());
    s = NULL;
    HALO_TRY(halo_json_str(file, j, "", "rates", false, &s));
    if (s && strcmp(s, "goodput") && strcmp(s, "nominal"))
        return halo_error(HALO_ERR_INVALID, "%s: rates: '%s': expected goodput or nominal", file, s);
    p->rates = s && !strcmp(s, "nominal") ? HALO_RATES_NOMINAL : HALO_RATES_GOODPUT;
    bool given;
    HALO_TRY(halo_json_child(file, j, "", "links", true, cJSON_Object, &links));
    HALO_TRY(halo_json_matrix(file, links, "links", "bandwidth_mbps", true, n, HALO_BANDWIDTH_MBPS_MIN,
                              HALO_BANDWIDTH_MBPS_MAX, p->bw_mbps, &given));
    HALO_TRY(halo_json_matrix(file, links, "links", "latency_ms", true, n, 0, HALO_LATENCY_MS_MAX, p->lat_ms, &given));
    HALO_TRY(halo_json_child(file, j, "", "codec", false, cJSON_Object, &codec));
    if (codec) {
        double lo = 0, hi = 0, ratio = 1;
        long bits = 4;
        HALO_TRY(halo_json_num(file, codec, "codec", "clip_lo", true, -1e9, 1e9, &lo));
        HALO_TRY(halo_json_num(file, codec, "codec", "clip_hi", true, -1e9, 1e9, &hi));
        HALO_TRY(halo_json_int(file, codec, "codec", "bits", true, 1, 16, &bits));
        HALO_TRY(halo_json_num(file, codec, "codec", "ratio", true, 1e-9, 10, &ratio));
        /* compared as the codec keeps them: two doubles that round to one float are equal */
        if (!((float)hi > (float)lo))
            return halo_error(HALO_ERR_INVALID, "%s: codec: clip_lo must be < clip_hi (as float32)", file);
        p->has_codec = true;
        p->codec = (struct halo_codec){(float)lo, (float)hi, (int)bits, ratio};
    }
    HALO_TRY(load_body(file, j, "", p));
    return load_rotation(file, j, p);
}

enum halo_status halo_plan_from_json(const char *name, const cJSON *j, struct halo_plan **out)
{
    *out = NULL;
    struct halo_plan *p = halo_calloc(1, sizeof *p);
    enum halo_status st = p ? load_plan(name, j, p) : HALO_ERR_NOMEM;
    if (st != HALO_OK) {
        halo_plan_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

enum halo_status halo_plan_load(const char *path, struct halo_plan **out)
{
    *out = NULL;
    cJSON *j;
    HALO_TRY(halo_json_load(path, &j));
    enum halo_status st = halo_plan_from_json(path, j, out);
    cJSON_Delete(j);
    return st;
}
