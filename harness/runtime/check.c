/* check: what every rank loads before MPI matters — the plan, its graph, the rates of a draw — and
 * the checks `halo run` makes before it starts mpirun, so that bad input is one line, not one per
 * rank. No MPI here. */
#include "core/alloc.h"
#include "core/image.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/parse.h"
#include "exec/backend.h"
#include "exec/codec.h"
#include "model/model.h"
#include "model/weights.h"
#include "runtime/inject.h"
#include "runtime/runtime.h"
#include "partition/schedule.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum halo_status rates_parse(struct halo_plan *p, const char *path, const cJSON *j, double *bw, double *lat)
{
    /* draw, seed, plan and simulated_latency_ms are what `halo sim --dump` records about the draw */
    static const char *const keys[] = {"schema", "devices", "bandwidth_mbps", "latency_ms", "note", "draw", "seed",
                                       "plan", "simulated_latency_ms", NULL};
    const char *schema;
    const cJSON *devs;
    int n = p->n_dev;
    if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_INVALID, "%s: must be a JSON object", path);
    HALO_TRY(halo_json_known_keys(path, j, "", keys));
    HALO_TRY(halo_json_str(path, j, "", "schema", true, &schema));
    if (strcmp(schema, HALO_RATES_SCHEMA))
        return halo_error(HALO_ERR_INVALID, "%s: schema: '%s' is not supported (this halo reads %s)", path, schema,
                          HALO_RATES_SCHEMA);
    const char *note;
    HALO_TRY(halo_json_str(path, j, "", "note", false, &note));
    HALO_TRY(halo_json_child(path, j, "", "devices", false, cJSON_Array, &devs));
    if (devs && cJSON_GetArraySize(devs) != n)
        return halo_error(HALO_ERR_INVALID, "%s: devices: %d names, the plan has %d devices", path,
                          cJSON_GetArraySize(devs), n);
    const cJSON *d;
    int k = 0;
    cJSON_ArrayForEach(d, devs)
    {
        if (!cJSON_IsString(d) || strcmp(d->valuestring, p->dev[k].name))
            return halo_error(HALO_ERR_INVALID, "%s: devices[%d]: must be '%s' (the plan's device %d)", path, k,
                              p->dev[k].name, k);
        k++;
    }
    /* the same bounds as a cluster's and a plan's links: a latency of 1e308 ms gave inf and NaN
     * columns with "verify OK", a bandwidth of 1e-300 a wall-clock run that never ended */
    bool given;
    memcpy(bw, p->bw_mbps, (size_t)n * n * sizeof *bw);
    memcpy(lat, p->lat_ms, (size_t)n * n * sizeof *lat);
    HALO_TRY(halo_json_matrix(path, j, "", "bandwidth_mbps", true, n, HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX,
                              bw, &given));
    return halo_json_matrix(path, j, "", "latency_ms", false, n, 0, HALO_LATENCY_MS_MAX, lat, &given);
}

enum halo_status halo_rt_apply_rates(struct halo_plan *p, const struct halo_graph *g, const char *path)
{
    cJSON *j;
    HALO_TRY(halo_json_load(path, &j));
    int n = p->n_dev;
    double *bw = halo_calloc((size_t)n * n, sizeof *bw), *lat = halo_calloc((size_t)n * n, sizeof *lat);
    enum halo_status st = bw && lat ? rates_parse(p, path, j, bw, lat) : HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        memcpy(p->bw_mbps, bw, (size_t)n * n * sizeof *bw);
        memcpy(p->lat_ms, lat, (size_t)n * n * sizeof *lat);
        /* the devices' access link rates belonged to the old links: derive them from the new ones */
        for (int k = 0; k < n; k++) p->dev[k].up_mbps = p->dev[k].down_mbps = 0;
    }
    (void)g;
    free(bw);
    free(lat);
    cJSON_Delete(j);
    return st;
}

enum halo_status halo_rt_load_plan(const struct halo_run_opts *o, const char *path, struct halo_plan **plan,
                                   struct halo_graph **graph)
{
    *plan = NULL;
    HALO_TRY(halo_plan_load(path, plan));
    struct halo_plan *p = *plan;
    if (!*graph) {
        enum halo_status st = halo_model_build_for(p->model, p->h, p->w, graph);
        if (st != HALO_OK) {
            halo_error_prefix("%s: model", path);
            return st;
        }
    }
    HALO_TRY(halo_plan_validate(p, *graph, path));
    for (int b = 0; b < p->n_blocks; b++)
        if (p->block[b].compress && halo_codec_check(&p->codec) != HALO_OK) {
            halo_error_prefix("%s", path); /* the message names codec: already */
            return HALO_ERR_INVALID;
        }
    if (o->link_model) /* every variant of a stream is predicted with one link model */
        for (int v = 0; v < halo_plan_n_variants(p); v++)
            ((struct halo_plan *)halo_plan_variant(p, v))->link = o->link_model;
    if (o->rates_path) /* every variant of a rotating plan runs on the same links */
        for (int v = 0; v < halo_plan_n_variants(p); v++)
            HALO_TRY(halo_rt_apply_rates((struct halo_plan *)halo_plan_variant(p, v), *graph, o->rates_path));
    return HALO_OK;
}

enum halo_status halo_rt_check_rotation(struct halo_plan *const *plans, int n, const char *const *paths)
{
    const struct halo_plan *p = plans[0];
    for (int i = 0; i < n; i++)
        if (plans[i]->n_rot)
            return halo_error(HALO_ERR_INVALID, "--rotate: %s already rotates over %d variants", paths[i],
                              halo_plan_n_variants(plans[i]));
    for (int i = 1; i < n; i++) {
        const struct halo_plan *q = plans[i];
        size_t nn = (size_t)p->n_dev * p->n_dev;
        bool same = q->n_dev == p->n_dev && !memcmp(q->bw_mbps, p->bw_mbps, nn * sizeof(double)) &&
                    !memcmp(q->lat_ms, p->lat_ms, nn * sizeof(double));
        for (int k = 0; same && k < p->n_dev; k++) same = !strcmp(q->dev[k].name, p->dev[k].name);
        if (!same)
            return halo_error(HALO_ERR_INVALID, "--rotate: %s: its devices or links differ from %s's (the variants of a "
                                                "stream share them)", paths[i], paths[0]);
    }
    return HALO_OK;
}

static enum halo_status readable(const char *what, const char *path)
{
    if (path && access(path, R_OK) != 0)
        return halo_error(HALO_ERR_IO, "%s: %s: cannot open: %s", what, path, strerror(errno));
    return HALO_OK;
}

/* The hosts the plans give ranks (rank r: device r of every plan that has one): one per rank, and
 * the same in every plan. hosts[r] borrows a plan's string. */
static enum halo_status plan_hosts(struct halo_plan *const *plans, const char *const *paths, int n_plans,
                                   const char **hosts, int *named)
{
    *named = 0;
    for (int i = 0; i < n_plans; i++)
        for (int r = 0; r < plans[i]->n_dev; r++) {
            const char *h = plans[i]->dev[r].host;
            if (!h) continue;
            if (hosts[r] && strcmp(hosts[r], h))
                return halo_error(HALO_ERR_INVALID, "%s: devices[%d].host: '%s', but another plan of the job puts "
                                                    "rank %d on '%s': a rank runs on one host", paths[i], r, h, r,
                                  hosts[r]);
            if (!hosts[r]) {
                hosts[r] = h;
                ++*named;
            }
        }
    return HALO_OK;
}

/* A hostfile line's host: its first word, or NULL for a blank or comment line. */
static char *hostfile_host(char *line)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);
    return w;
}

enum halo_status halo_rt_check_hostfile(const char *path, const char *const *hosts, int n, bool *several)
{
    *several = false;
    FILE *f = fopen(path, "r");
    if (!f) return halo_error(HALO_ERR_IO, "--hostfile: %s: cannot open: %s", path, strerror(errno));
    char line[1024], first[HALO_HOST_MAX_BYTES + 1] = "";
    int k = 0, lineno = 0;
    enum halo_status st = HALO_OK;
    while (st == HALO_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *h = hostfile_host(line);
        if (!h) continue;
        char what[300];
        snprintf(what, sizeof what, "--hostfile: %s: line %d", path, lineno);
        st = halo_check_host(what, h);
        if (st == HALO_OK && k < n && hosts && strcmp(h, hosts[k]))
            st = halo_error(HALO_ERR_INVALID, "--hostfile: %s: line %d: '%s', but the plan puts rank %d on '%s': the "
                                              "hostfile lists the ranks' hosts in the plan's device order", path,
                            lineno, h, k, hosts[k]);
        if (st == HALO_OK && k == 0) snprintf(first, sizeof first, "%s", h);
        else if (st == HALO_OK) *several |= strcmp(h, first) != 0;
        k++;
    }
    if (st == HALO_OK && ferror(f)) st = halo_error(HALO_ERR_IO, "--hostfile: %s: cannot read: %s", path, strerror(errno));
    fclose(f);
    if (st == HALO_OK && k != n)
        st = halo_error(HALO_ERR_INVALID, "--hostfile: %s: %d hosts, the plan has %d ranks: one line per rank, in the "
                                          "plan's device order", path, k, n);
    return st;
}

enum halo_status halo_rt_precheck(const struct halo_run_opts *o, int *n_dev, char ***hosts_out, int64_t *max_msg_bytes)
{
    struct halo_graph *g = NULL;
    enum halo_status st = HALO_OK;
    int n_blocks = 0;
    *n_dev = 0;
    *hosts_out = NULL;
    *max_msg_bytes = 0;
    struct halo_plan **plans = halo_calloc((size_t)o->n_plans, sizeof *plans);
    if (!plans) return HALO_ERR_NOMEM;
    for (int i = 0; i < o->n_plans && st == HALO_OK; i++) {
        struct halo_sched s = {0};
        st = halo_rt_load_plan(o, o->plan_paths[i], &plans[i], &g);
        for (int v = 0; st == HALO_OK && v < halo_plan_n_variants(plans[i]); v++) {
            st = halo_sched_build(halo_plan_variant(plans[i], v), g, &s);
            for (int m = 0; st == HALO_OK && m < s.n_msg; m++)
                if (s.msg[m].from != s.msg[m].to && s.msg[m].bytes > *max_msg_bytes) *max_msg_bytes = s.msg[m].bytes;
            halo_sched_free(&s);
        }
        if (st == HALO_OK && plans[i]->n_dev > *n_dev) *n_dev = plans[i]->n_dev;
        for (int v = 0; st == HALO_OK && v < halo_plan_n_variants(plans[i]); v++)
            if (halo_plan_variant(plans[i], v)->n_blocks > n_blocks) n_blocks = halo_plan_variant(plans[i], v)->n_blocks;
    }
    if (st == HALO_OK && o->rotate) st = halo_rt_check_rotation(plans, o->n_plans, o->plan_paths);
    if (st == HALO_OK) {
        const char **hosts = halo_calloc((size_t)*n_dev, sizeof *hosts);
        int named = 0;
        st = hosts ? plan_hosts(plans, o->plan_paths, o->n_plans, hosts, &named) : HALO_ERR_NOMEM;
        if (st == HALO_OK && named == *n_dev) {
            char **copy = halo_calloc((size_t)*n_dev, sizeof *copy);
            for (int r = 0; copy && r < *n_dev; r++)
                if (!(copy[r] = halo_strdup(hosts[r]))) {
                    halo_strlist_free(copy, r);
                    copy = NULL;
                }
            if (!copy) st = HALO_ERR_NOMEM;
            *hosts_out = copy;
        }
        free(hosts);
    }
    for (int i = 0; i < o->n_plans; i++) halo_plan_free(plans[i]);
    free(plans);
    if (st == HALO_OK && !halo_backend_compiled(o->backend))
        st = halo_error(HALO_ERR_INVALID, "--backend: '%s' is not compiled into this halo (available: %s)", o->backend,
                        halo_backend_available());
    /* what every rank would fail on, once here: a bad file. (Not the backend: creating the cpu
     * backend binds this thread to a core, and mpirun's ranks would inherit that binding.) */
    if (st == HALO_OK) st = readable("--weights", o->weights_path);
    if (st == HALO_OK) st = readable("--image", o->image_path);
    if (st == HALO_OK && o->weights_path) {
        struct halo_weights *w = NULL;
        st = halo_weights_load(g, o->weights_path, &w);
        halo_weights_free(w);
    }
    if (st == HALO_OK && o->image_path) {
        struct halo_tensor t = {0};
        st = halo_image_load(o->image_path, g->input.h, g->input.w, &t);
        halo_tensor_free(&t);
    }
    if (st == HALO_OK && o->images_dir) { /* the folder holds frames (the first decodes: a quick check) */
        char **paths = NULL;
        int n = 0;
        st = halo_image_list(o->images_dir, &paths, &n);
        if (st != HALO_OK) halo_error_prefix("--images");
        struct halo_image_rgb8 fr = {0};
        if (st == HALO_OK) st = halo_image_load_frame(paths[0], g->input.h, g->input.w, &fr);
        halo_image_rgb8_free(&fr);
        for (int i = 0; i < n; i++) free(paths[i]);
        free(paths);
    }
    if (st == HALO_OK && o->inject) { /* faults name ranks of the plan */
        struct halo_faults f;
        st = halo_faults_parse(o->inject, *n_dev, n_blocks, &f);
        halo_faults_free(&f);
    }
    halo_graph_free(g);
    if (st != HALO_OK && *hosts_out) {
        halo_strlist_free(*hosts_out, *n_dev);
        *hosts_out = NULL;
    }
    return st;
}
