/* profile: the profile object itself — layer classes, freeing, finding a measured model, and a
 * measured layer's time on a tile, which both the fit and the pricer read. */
#include "profile/profile.h"
#include "core/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *class_names[HALO_CLASS_COUNT_] = {
    [HALO_CLASS_CONV3X3] = "conv3x3",         [HALO_CLASS_CONV1X1] = "conv1x1",
    [HALO_CLASS_CONV_STRIDED] = "conv_strided", [HALO_CLASS_DEPTHWISE] = "depthwise",
    [HALO_CLASS_CONV_OTHER] = "conv_other",   [HALO_CLASS_LINEAR] = "linear",
    [HALO_CLASS_ELEMENTWISE] = "elementwise",
};

const char *halo_layer_class_name(enum halo_layer_class c)
{
    return (c >= 0 && c < HALO_CLASS_COUNT_) ? class_names[c] : "?";
}

enum halo_layer_class halo_layer_class_parse(const char *s)
{
    for (int c = 0; c < HALO_CLASS_COUNT_; c++)
        if (s && !strcmp(s, class_names[c])) return (enum halo_layer_class)c;
    return HALO_CLASS_COUNT_;
}

enum halo_layer_class halo_layer_class_of(const struct halo_node *n)
{
    if (n->op == HALO_OP_LINEAR) return HALO_CLASS_LINEAR;
    if (n->op != HALO_OP_CONV) return HALO_CLASS_ELEMENTWISE;
    if (n->groups > 1) return HALO_CLASS_DEPTHWISE;
    if (n->win.sh > 1 || n->win.sw > 1) return HALO_CLASS_CONV_STRIDED;
    if (n->win.kh == 3 && n->win.kw == 3) return HALO_CLASS_CONV3X3;
    if (n->win.kh == 1 && n->win.kw == 1) return HALO_CLASS_CONV1X1;
    return HALO_CLASS_CONV_OTHER;
}

/* ---- free / find ------------------------------------------------------------------------- */

void halo_profile_free(struct halo_profile *p)
{
    if (!p) return;
    for (int m = 0; m < p->n_models; m++) {
        struct halo_prof_model *pm = &p->models[m];
        for (int l = 0; l < pm->n_layers; l++) {
            free(pm->layers[l].node);
            free(pm->layers[l].impl);
            free(pm->layers[l].tiles);
        }
        free(pm->layers);
        free(pm->model);
    }
    free(p->models);
    halo_strlist_free(p->fused_ops, p->n_fused_ops);
    cJSON_Delete(p->platform);
    cJSON_Delete(p->settings);
    cJSON_Delete(p->ceilings);
    free(p->fractions);
    free(p->penalty);
    free(p->path);
    free(p->name);
    free(p->backend);
    free(p->library);
    free(p);
}

const struct halo_prof_model *halo_profile_find(const struct halo_profile *p, const char *model, int h, int w)
{
    for (int m = 0; m < p->n_models; m++)
        if (!strcmp(p->models[m].model, model) && p->models[m].h == h && p->models[m].w == w) return &p->models[m];
    return NULL;
}

/* ---- where it was measured ---------------------------------------------------------------- */

/* An ISA cap as oneDNN reads it: unset, empty, "none" and "all" leave every ISA allowed. */
static const char *isa_cap_norm(const char *cap)
{
    if (!cap || !*cap || !strcasecmp(cap, "none") || !strcasecmp(cap, "all")) return "none";
    return cap;
}

static const char *platform_str(const struct halo_profile *p, const char *key)
{
    const cJSON *v = p->platform ? cJSON_GetObjectItemCaseSensitive(p->platform, key) : NULL;
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

enum halo_profile_origin halo_profile_origin(const struct halo_profile *p, const char *host_cpu_model,
                                             const char *host_isa_cap, char *why, size_t n)
{
    if (n) why[0] = '\0';
    if (p->estimated) {
        if (n && p->backend && strcmp(p->backend, "inline"))
            snprintf(why, n, "ESTIMATED from a datasheet, not measured on any machine");
        return p->backend && !strcmp(p->backend, "inline") ? HALO_PROFILE_NOT_CPU : HALO_PROFILE_ESTIMATED;
    }
    if (!p->backend || (strcmp(p->backend, "cpu") && strcmp(p->backend, "ref"))) return HALO_PROFILE_NOT_CPU;
    const char *cpu = platform_str(p, "cpu_model");
    if (!cpu) {
        if (n) snprintf(why, n, "records no platform.cpu_model: which CPU measured it is unknown");
        return HALO_PROFILE_UNRECORDED;
    }
    const char *host = host_cpu_model && *host_cpu_model ? host_cpu_model : "unknown";
    bool other_cpu = strcmp(cpu, host) != 0;
    /* the ref backend's plain loops do not go through oneDNN: its cap changes nothing */
    const char *cap = platform_str(p, "isa_cap"), *here = isa_cap_norm(host_isa_cap);
    bool other_cap = !strcmp(p->backend, "cpu") && cap && strcasecmp(isa_cap_norm(cap), here) != 0;
    if (!other_cpu && !other_cap) return HALO_PROFILE_THIS_HOST;
    if (n) {
        /* the caps are named when either is set: "X (oneDNN capped at AVX2), not on this host (Y, uncapped)" */
        char pc[96] = "", hc[96] = "";
        if (other_cap || (cap && strcmp(isa_cap_norm(cap), "none"))) {
            if (strcmp(isa_cap_norm(cap), "none")) snprintf(pc, sizeof pc, " (oneDNN capped at %s)", cap);
            else snprintf(pc, sizeof pc, " (oneDNN uncapped)");
            if (strcmp(here, "none")) snprintf(hc, sizeof hc, ", oneDNN capped at %s", here);
            else snprintf(hc, sizeof hc, ", oneDNN uncapped");
        }
        snprintf(why, n, "measured on %s%s, not on this host (%s%s)", cpu, pc, host, hc);
    }
    return HALO_PROFILE_FOREIGN;
}

/* ---- measured tiles ---------------------------------------------------------------------- */

/* Piecewise linear through the measured points and (1, median); below the thinnest measured
 * tile, proportional to it. */
double halo_prof_layer_time_ms(const struct halo_prof_layer *l, double f)
{
    double full = l->time_ms.median;
    if (f >= 1) return full * f;
    if (l->n_tiles == 0) return full * f;
    if (f <= l->tiles[0].fraction) return l->tiles[0].time_ms * f / l->tiles[0].fraction;
    for (int t = 0; t < l->n_tiles; t++) {
        double f0 = l->tiles[t].fraction, t0 = l->tiles[t].time_ms;
        double f1 = t + 1 < l->n_tiles ? l->tiles[t + 1].fraction : 1.0;
        double t1 = t + 1 < l->n_tiles ? l->tiles[t + 1].time_ms : full;
        if (f <= f1) return t0 + (t1 - t0) * (f - f0) / (f1 - f0);
    }
    return full * f;
}
