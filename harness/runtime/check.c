/* check: what every rank loads before MPI matters — the plan, its graph, the rates of a draw — and
 * the checks `halo run` makes before it starts mpirun, so that bad input is one line, not one per
 * rank. No MPI here. */
#include "core/alloc.h"
#include "core/image.h"
#include "core/json.h"
#include "core/limits.h"
#include "exec/backend.h"
#include "exec/codec.h"
#include "model/weights.h"
#include "model/zoo.h"
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
        enum halo_status st = halo_zoo_build_for(p->model, p->h, p->w, graph);
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
    if (o->rates_path) HALO_TRY(halo_rt_apply_rates(p, *graph, o->rates_path));
    return HALO_OK;
}

static enum halo_status readable(const char *what, const char *path)
{
    if (path && access(path, R_OK) != 0)
        return halo_error(HALO_ERR_IO, "%s: %s: cannot open: %s", what, path, strerror(errno));
    return HALO_OK;
}

enum halo_status halo_rt_precheck(const struct halo_run_opts *o, int *n_dev)
{
    struct halo_graph *g = NULL;
    enum halo_status st = HALO_OK;
    int n_blocks = 0;
    *n_dev = 0;
    for (int i = 0; i < o->n_plans && st == HALO_OK; i++) {
        struct halo_plan *p = NULL;
        struct halo_sched s = {0};
        st = halo_rt_load_plan(o, o->plan_paths[i], &p, &g);
        if (st == HALO_OK) st = halo_sched_build(p, g, &s);
        if (st == HALO_OK && p->n_dev > *n_dev) *n_dev = p->n_dev;
        if (st == HALO_OK && p->n_blocks > n_blocks) n_blocks = p->n_blocks;
        halo_sched_free(&s);
        halo_plan_free(p);
    }
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
    if (st == HALO_OK && o->inject) { /* faults name ranks of the plan */
        struct halo_faults f;
        st = halo_faults_parse(o->inject, *n_dev, n_blocks, &f);
        halo_faults_free(&f);
    }
    halo_graph_free(g);
    return st;
}
