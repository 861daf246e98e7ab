#include "partition/cluster.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/parse.h"

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
        free(c->dev[i].host);
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
    HALO_TRY(halo_json_num(file, cap, where, "gflops", true, HALO_GFLOPS_MIN, HALO_GFLOPS_MAX, &g));
    HALO_TRY(halo_json_num(file, cap, where, "overhead_ms", false, 0, HALO_OVERHEAD_MS_MAX, &o));
    ew = g / 8; /* element-wise work runs far below peak; a stated default, override below */
    if (ew < HALO_GFLOPS_MIN) ew = HALO_GFLOPS_MIN;
    HALO_TRY(halo_json_num(file, cap, where, "elementwise_gops", false, HALO_GFLOPS_MIN, HALO_GFLOPS_MAX, &ew));
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
        char w[300];
        snprintf(w, sizeof w, "%s.classes", where);
        cJSON_ArrayForEach(c, classes)
        {
            enum halo_layer_class k = halo_layer_class_parse(c->string);
            if (k == HALO_CLASS_COUNT_) {
                st = halo_error(HALO_ERR_INVALID, "%s: %s.%s: unknown layer class", file, w, c->string);
                break;
            }
            /* the same bounds as capacity.gflops: inf (1e400 in the file) would price a layer at 0 ms */
            if ((st = halo_json_num(file, classes, w, c->string, true, HALO_GFLOPS_MIN, HALO_GFLOPS_MAX,
                                    &p->fit[k].gflops)) != HALO_OK)
                break;
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
                                       "latency_ms", "note", "host", NULL};
    if (!cJSON_IsObject(d)) return halo_error(HALO_ERR_INVALID, "%s: %s: must be an object", file, where);
    HALO_TRY(halo_json_known_keys(file, d, where, keys));
    const char *s;
    HALO_TRY(halo_json_name(file, d, where, "name", true, &s));
    if (!(dev->name = halo_strdup(s))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_str(file, d, where, "note", false, &s));
    s = NULL;
    HALO_TRY(halo_json_str(file, d, where, "host", false, &s));
    if (s) {
        char p[300], what[600];
        snprintf(what, sizeof what, "%s: %s", file, halo_json_path(p, sizeof p, where, "host"));
        HALO_TRY(halo_check_host(what, s));
        if (!(dev->host = halo_strdup(s))) return HALO_ERR_NOMEM;
    }
    dev->speed = 1;
    HALO_TRY(halo_json_num(file, d, where, "speed", false, HALO_SPEED_MIN, HALO_SPEED_MAX, &dev->speed));
    char p[300];
    HALO_TRY(halo_json_num(file, d, where, "uplink_mbps", true, HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX,
                           &dev->up_mbps));
    HALO_TRY(halo_json_num(file, d, where, "downlink_mbps", true, HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX,
                           &dev->down_mbps));
    HALO_TRY(halo_json_num(file, d, where, "latency_ms", false, 0, HALO_DEVICE_LATENCY_MS_MAX, &dev->latency_ms));
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
    HALO_TRY(halo_json_name(file, j, "", "name", false, &s));
    if (!(c->name = halo_strdup(s))) return HALO_ERR_NOMEM;
    HALO_TRY(halo_json_str(file, j, "", "note", false, &s));
    const char *src, *rates = NULL;
    HALO_TRY(halo_json_name(file, j, "", "source", true, &src));
    HALO_TRY(halo_json_str(file, j, "", "rates", false, &rates));
    if (rates && strcmp(rates, "goodput") && strcmp(rates, "nominal"))
        return halo_error(HALO_ERR_INVALID, "%s: rates: '%s': expected goodput or nominal", file, rates);
    c->rates = rates && !strcmp(rates, "nominal") ? HALO_RATES_NOMINAL : HALO_RATES_GOODPUT;
    const cJSON *devs, *d;
    HALO_TRY(halo_json_child(file, j, "", "devices", true, cJSON_Array, &devs));
    int n = cJSON_GetArraySize(devs);
    if (n > HALO_DEVICES_MAX)
        return halo_error(HALO_ERR_INVALID, "%s: devices: %d devices: a cluster has at most %d", file, n,
                          HALO_DEVICES_MAX);
    c->dev = halo_calloc((size_t)(n ? n : 1), sizeof *c->dev);
    if (!c->dev) return HALO_ERR_NOMEM;
    c->source = -1;
    bool found = false;
    cJSON_ArrayForEach(d, devs)
    {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(d, "name");
        found |= cJSON_IsString(nm) && !strcmp(nm->valuestring, src);
    }
    if (!found) return halo_error(HALO_ERR_INVALID, "%s: source: '%s' is not one of the devices", file, src);
    int i = -1;
    cJSON_ArrayForEach(d, devs)
    {
        i++;
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
        bool given;
        HALO_TRY(halo_json_known_keys(file, links, "links", lkeys));
        HALO_TRY(halo_json_matrix(file, links, "links", "bandwidth_mbps", false, n, HALO_BANDWIDTH_MBPS_MIN,
                                  HALO_BANDWIDTH_MBPS_MAX, c->bw_mbps, &given));
        HALO_TRY(halo_json_matrix(file, links, "links", "latency_ms", false, n, 0, HALO_LATENCY_MS_MAX, c->lat_ms,
                                  &given));
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
