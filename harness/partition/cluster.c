#include "partition/cluster.h"
#include "core/alloc.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void halo_cluster_free(struct halo_cluster *c)
{
    if (!c) return;
    for (int i = 0; i < c->n && c->dev; i++) {
        free(c->dev[i].name);
        free(c->dev[i].profile_ref);
        halo_profile_free(c->dev[i].profile);
    }
    free(c->dev);
    free(c->bw_mbps);
    free(c->lat_ms);
    cJSON_Delete(c->channel);
    free(c->path);
    free(c->name);
    free(c);
}

int halo_cluster_find(const struct halo_cluster *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->dev[i].name, name)) return i;
    return -1;
}

int halo_cluster_n_es(const struct halo_cluster *c) { return c->n - 1; }

const char *halo_rates_name(enum halo_rates r) { return r == HALO_RATES_NOMINAL ? "nominal" : "goodput"; }

double halo_cluster_transfer_ms(const struct halo_cluster *c, int a, int b, int64_t bytes)
{
    if (a == b) return 0;
    return c->lat_ms[a * c->n + b] + (double)bytes * 8e-3 / c->bw_mbps[a * c->n + b];
}

/* Path of a profile named in the cluster file: as given when absolute or present relative to the
 * cluster file's folder, else relative to the working directory. */
static char *resolve(const char *cluster_path, const char *ref)
{
    if (ref[0] != '/' && cluster_path) {
        const char *slash = strrchr(cluster_path, '/');
        if (slash) {
            size_t n = (size_t)(slash - cluster_path) + 1 + strlen(ref) + 1;
            char *p = halo_malloc(n, 1);
            if (!p) return NULL;
            snprintf(p, n, "%.*s/%s", (int)(slash - cluster_path), cluster_path, ref);
            if (access(p, R_OK) == 0) return p;
            free(p);
        }
    }
    return halo_strdup(ref);
}

/* An inline capacity: {"gflops": G, "overhead_ms": o, "classes": {"conv3x3": G3, ...}}. */
static enum halo_status inline_profile(const char *file, const cJSON *cap, const char *where, const char *dev_name,
                                       struct halo_profile **out)
{
    static const char *const keys[] = {"gflops", "overhead_ms", "classes", "elementwise_gops", NULL};
    HALO_TRY(halo_json_known_keys(file, cap, where, keys));
    double g = 0, o = 0, ew = 0;
    HALO_TRY(halo_json_num(file, cap, where, "gflops", true, 1e-6, 1e9, &g));
    HALO_TRY(halo_json_num(file, cap, where, "overhead_ms", false, 0, 1e6, &o));
    ew = g / 8; /* element-wise work runs far below peak; a stated default, override below */
    HALO_TRY(halo_json_num(file, cap, where, "elementwise_gops", false, 1e-6, 1e9, &ew));
    struct halo_profile *p = halo_calloc(1, sizeof *p);
    if (!p) return HALO_ERR_NOMEM;
    char nm[256];
    snprintf(nm, sizeof nm, "%s (inline capacity)", dev_name);
    p->name = halo_strdup(nm);
    p->path = halo_strdup(file);
    p->backend = halo_strdup("inline");
    p->library = halo_strdup("-");
    p->threads = 1;
    p->estimated = true;
    p->has_fit = true;
    if (!p->name || !p->path || !p->backend || !p->library) {
        halo_profile_free(p);
        return HALO_ERR_NOMEM;
    }
    for (int k = 0; k < HALO_CLASS_COUNT_; k++)
        p->fit[k] = (struct halo_class_fit){.present = true, .gflops = k == HALO_CLASS_ELEMENTWISE ? ew : g,
                                            .overhead_ms = o, .r2 = 1, .n = 0};
    const cJSON *classes;
    enum halo_status st = halo_json_child(file, cap, where, "classes", false, cJSON_Object, &classes);
    const cJSON *c;
    if (st == HALO_OK && classes) {
        cJSON_ArrayForEach(c, classes)
        {
            enum halo_layer_class k = halo_layer_class_parse(c->string);
            char w[300];
            snprintf(w, sizeof w, "%s.classes", where);
            if (k == HALO_CLASS_COUNT_) {
                st = halo_error(HALO_ERR_INVALID, "%s: %s.%s: unknown layer class", file, w, c->string);
                break;
            }
            if (!cJSON_IsNumber(c) || c->valuedouble <= 0) {
                st = halo_error(HALO_ERR_INVALID, "%s: %s.%s: must be a capacity in GFLOP/s > 0", file, w, c->string);
                break;
            }
            p->fit[k].gflops = c->valuedouble;
        }
    }
    if (st != HALO_OK) {
        halo_profile_free(p);
        return st;
    }
    *out = p;
    return HALO_OK;
}

static enum halo_status load_device(const char *file, const cJSON *d, const char *where, bool is_source,
                                    struct halo_device *dev)
{
    static const char *const keys[] = {"name", "profile", "capacity", "speed", "uplink_mbps", "downlink_mbps",
                                       "latency_ms", "note", NULL};
    if (!cJSON_IsObject(d)) return halo_error(HALO_ERR_INVALID, "%s: %s: must be an object", file, where);
    HALO_TRY(halo_json_known_keys(file, d, where, keys));
    const char *s;
    HALO_TRY(halo_json_str(file, d, where, "name", true, &s));
    if (!*s) return halo_error(HALO_ERR_INVALID, "%s: %s.name: empty", file, where);
    if (!(dev->name = halo_strdup(s))) return HALO_ERR_NOMEM;
    dev->speed = 1;
    HALO_TRY(halo_json_num(file, d, where, "speed", false, 1e-6, 1e6, &dev->speed));
    char p[300];
    const char *bw_keys[2] = {"uplink_mbps", "downlink_mbps"};
    double *bw[2] = {&dev->up_mbps, &dev->down_mbps};
    for (int k = 0; k < 2; k++) {
        double v = -1;
        HALO_TRY(halo_json_num(file, d, where, bw_keys[k], true, -1e300, 1e300, &v));
        if (v <= 0)
            return halo_error(HALO_ERR_INVALID, "%s: %s: must be > 0 (got %g)", file,
                              halo_json_path(p, sizeof p, where, bw_keys[k]), v);
        *bw[k] = v;
    }
    HALO_TRY(halo_json_num(file, d, where, "latency_ms", false, 0, 1e6, &dev->latency_ms));
    const char *prof = NULL;
    const cJSON *cap;
    HALO_TRY(halo_json_str(file, d, where, "profile", false, &prof));
    HALO_TRY(halo_json_child(file, d, where, "capacity", false, cJSON_Object, &cap));
    if (prof && cap)
        return halo_error(HALO_ERR_INVALID, "%s: %s: give either profile or capacity, not both", file, where);
    if (cap) {
        if (!(dev->profile_ref = halo_strdup("inline"))) return HALO_ERR_NOMEM;
        return inline_profile(file, cap, halo_json_path(p, sizeof p, where, "capacity"), dev->name, &dev->profile);
    }
    if (!prof) {
        if (is_source) return HALO_OK; /* a source that only sends the image and gets the result */
        return halo_error(HALO_ERR_INVALID, "%s: %s: needs a profile (path) or a capacity (inline)", file, where);
    }
    if (!(dev->profile_ref = halo_strdup(prof))) return HALO_ERR_NOMEM;
    char *path = resolve(file, prof);
    if (!path) return HALO_ERR_NOMEM;
    enum halo_status st = halo_profile_load(path, &dev->profile);
    free(path);
    if (st != HALO_OK) halo_error_prefix("%s: %s", file, halo_json_path(p, sizeof p, where, "profile"));
    return st;
}

static enum halo_status load_matrix(const char *file, const cJSON *links, const char *key, int n, double lo,
                                    double *m)
{
    const cJSON *a;
    char p[64];
    snprintf(p, sizeof p, "links.%s", key);
    HALO_TRY(halo_json_child(file, links, "links", key, false, cJSON_Array, &a));
    if (!a) return HALO_OK;
    if (cJSON_GetArraySize(a) != n) return halo_error(HALO_ERR_INVALID, "%s: %s: must have %d rows", file, p, n);
    for (int i = 0; i < n; i++) {
        const cJSON *row = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return halo_error(HALO_ERR_INVALID, "%s: %s[%d]: must be an array of %d numbers", file, p, i, n);
        for (int j = 0; j < n; j++) {
            const cJSON *v = cJSON_GetArrayItem(row, j);
            if (i == j) continue;
            if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo) || (lo > 0 && v->valuedouble <= 0))
                return halo_error(HALO_ERR_INVALID, "%s: %s[%d][%d]: must be a number %s", file, p, i, j,
                                  lo > 0 ? "> 0" : ">= 0");
            m[i * n + j] = v->valuedouble;
        }
    }
    return HALO_OK;
}

static enum halo_status build(const char *file, const cJSON *j, struct halo_cluster *c)
{
    static const char *const keys[] = {"schema", "name", "source", "rates", "devices", "links", "channel", "note", NULL};
    if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_INVALID, "%s: must be a JSON object", file);
    const char *s;
    HALO_TRY(halo_json_str(file, j, "", "schema", true, &s));
    if (strcmp(s, HALO_CLUSTER_SCHEMA))
        return halo_error(HALO_ERR_INVALID, "%s: schema: '%s' is not supported (this halo reads %s)", file, s,
                          HALO_CLUSTER_SCHEMA);
    HALO_TRY(halo_json_known_keys(file, j, "", keys));
    s = file;
    HALO_TRY(halo_json_str(file, j, "", "name", false, &s));
    if (!(c->name = halo_strdup(s))) return HALO_ERR_NOMEM;
    const char *src, *rates = NULL;
    HALO_TRY(halo_json_str(file, j, "", "source", true, &src));
    HALO_TRY(halo_json_str(file, j, "", "rates", false, &rates));
    if (rates && strcmp(rates, "goodput") && strcmp(rates, "nominal"))
        return halo_error(HALO_ERR_INVALID, "%s: rates: '%s': expected goodput or nominal", file, rates);
    c->rates = rates && !strcmp(rates, "nominal") ? HALO_RATES_NOMINAL : HALO_RATES_GOODPUT;
    const cJSON *devs;
    HALO_TRY(halo_json_child(file, j, "", "devices", true, cJSON_Array, &devs));
    int n = cJSON_GetArraySize(devs);
    c->dev = halo_calloc((size_t)(n ? n : 1), sizeof *c->dev);
    if (!c->dev) return HALO_ERR_NOMEM;
    c->source = -1;
    bool found = false;
    for (int i = 0; i < n; i++) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(devs, i), "name");
        found |= cJSON_IsString(nm) && !strcmp(nm->valuestring, src);
    }
    if (!found) return halo_error(HALO_ERR_INVALID, "%s: source: '%s' is not one of the devices", file, src);
    for (int i = 0; i < n; i++) {
        const cJSON *d = cJSON_GetArrayItem(devs, i);
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(d, "name");
        bool is_source = cJSON_IsString(nm) && !strcmp(nm->valuestring, src);
        char w[64];
        c->n++;
        HALO_TRY(load_device(file, d, halo_json_item(w, sizeof w, "", "devices", i), is_source, &c->dev[i]));
        for (int k = 0; k < i; k++)
            if (!strcmp(c->dev[k].name, c->dev[i].name))
                return halo_error(HALO_ERR_INVALID, "%s: %s.name: '%s' is used twice", file, w, c->dev[i].name);
        if (is_source) c->source = i;
    }
    if (c->source < 0) return halo_error(HALO_ERR_INVALID, "%s: source: '%s' is not one of the devices", file, src);
    if (n < 2) return halo_error(HALO_ERR_INVALID, "%s: devices: no edge servers (only the source)", file);
    c->bw_mbps = halo_calloc((size_t)n * n, sizeof *c->bw_mbps);
    c->lat_ms = halo_calloc((size_t)n * n, sizeof *c->lat_ms);
    if (!c->bw_mbps || !c->lat_ms) return HALO_ERR_NOMEM;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double up = c->dev[a].up_mbps, down = c->dev[b].down_mbps;
            c->bw_mbps[a * n + b] = up < down ? up : down;
            c->lat_ms[a * n + b] = c->dev[a].latency_ms + c->dev[b].latency_ms;
        }
    const cJSON *links;
    HALO_TRY(halo_json_child(file, j, "", "links", false, cJSON_Object, &links));
    if (links) {
        static const char *const lkeys[] = {"bandwidth_mbps", "latency_ms", NULL};
        HALO_TRY(halo_json_known_keys(file, links, "links", lkeys));
        HALO_TRY(load_matrix(file, links, "bandwidth_mbps", n, 1e-300, c->bw_mbps));
        HALO_TRY(load_matrix(file, links, "latency_ms", n, 0, c->lat_ms));
    }
    if (c->rates == HALO_RATES_NOMINAL) { /* from here on every rate is goodput */
        for (int i = 0; i < n; i++) {
            c->dev[i].up_mbps *= HALO_GOODPUT_PER_NOMINAL;
            c->dev[i].down_mbps *= HALO_GOODPUT_PER_NOMINAL;
        }
        for (int i = 0; i < n * n; i++) c->bw_mbps[i] *= HALO_GOODPUT_PER_NOMINAL;
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "channel");
    if (ch) {
        if (!cJSON_IsObject(ch)) return halo_error(HALO_ERR_INVALID, "%s: channel: must be an object", file);
        if (!(c->channel = cJSON_Duplicate(ch, 1))) return HALO_ERR_NOMEM;
    }
    return HALO_OK;
}

enum halo_status halo_cluster_from_json(const char *name, const cJSON *j, struct halo_cluster **out)
{
    *out = NULL;
    struct halo_cluster *c = halo_calloc(1, sizeof *c);
    if (!c) return HALO_ERR_NOMEM;
    enum halo_status st = (c->path = halo_strdup(name)) ? build(name, j, c) : HALO_ERR_NOMEM;
    if (st != HALO_OK) {
        halo_cluster_free(c);
        return st;
    }
    *out = c;
    return HALO_OK;
}

enum halo_status halo_cluster_load(const char *path, struct halo_cluster **out)
{
    cJSON *j;
    *out = NULL;
    HALO_TRY(halo_json_load(path, &j));
    enum halo_status st = halo_cluster_from_json(path, j, out);
    cJSON_Delete(j);
    return st;
}
