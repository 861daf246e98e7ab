/* profile_fit: the analytical model fitted from a profile's measured layers — effective capacity
 * and per-layer overhead per layer class (least squares), and the thin-tile penalty curve. */
#include "profile/profile.h"
#include "core/alloc.h"
#include "core/limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double layer_work(const struct halo_prof_layer *l)
{
    return l->cls == HALO_CLASS_ELEMENTWISE ? (double)l->elem_ops : 2.0 * (double)l->macs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The thin-tile penalty per class on the requested strip heights (settings.tile_heights below 1,
 * or 1/8, 1/4, 1/2): the median over the class's measured layers of t(f) / (f * t(1)), each
 * layer's t(f) read off its measured strips. */
static enum halo_status fit_penalty(struct halo_profile *p)
{
    static const double defaults[] = {0.125, 0.25, 0.5};
    const cJSON *req = p->settings ? cJSON_GetObjectItemCaseSensitive(p->settings, "tile_heights") : NULL;
    int nreq = cJSON_IsArray(req) ? cJSON_GetArraySize(req) : 0, u = 0, cap = 0;
    free(p->fractions);
    free(p->penalty);
    p->penalty = NULL;
    p->n_fractions = 0;
    p->fractions = halo_malloc((size_t)(nreq > 3 ? nreq : 3), sizeof *p->fractions);
    if (!p->fractions) return HALO_ERR_NOMEM;
    const cJSON *v, *list = nreq ? req : NULL;
    cJSON_ArrayForEach(v, list)
        if (cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1) p->fractions[u++] = v->valuedouble;
    if (!nreq)
        for (int i = 0; i < 3; i++) p->fractions[u++] = defaults[i];
    qsort(p->fractions, (size_t)u, sizeof *p->fractions, cmp_double);
    int d = 0;
    for (int i = 0; i < u; i++)
        if (!d || p->fractions[i] > p->fractions[d - 1] + 1e-12) p->fractions[d++] = p->fractions[i];
    u = d;
    for (int m = 0; m < p->n_models; m++) cap += p->models[m].n_layers;
    double *ratios = halo_malloc((size_t)(cap ? cap : 1), sizeof *ratios);
    p->penalty = halo_malloc((size_t)(u ? u : 1) * HALO_CLASS_COUNT_, sizeof *p->penalty);
    if (!ratios || !p->penalty) {
        free(ratios);
        return HALO_ERR_NOMEM;
    }
    p->n_fractions = u;
    for (int k = 0; k < HALO_CLASS_COUNT_; k++)
        for (int i = 0; i < u; i++) {
            int c = 0;
            for (int m = 0; m < p->n_models; m++)
                for (int l = 0; l < p->models[m].n_layers; l++) {
                    const struct halo_prof_layer *L = &p->models[m].layers[l];
                    if (L->cls != (enum halo_layer_class)k || L->fused || L->time_ms.median <= 0 || !L->n_tiles) continue;
                    ratios[c++] = halo_prof_layer_time_ms(L, p->fractions[i]) / (p->fractions[i] * L->time_ms.median);
                }
            double med = 1.0;
            if (c) {
                qsort(ratios, (size_t)c, sizeof *ratios, cmp_double);
                med = c % 2 ? ratios[c / 2] : 0.5 * (ratios[c / 2 - 1] + ratios[c / 2]);
            }
            p->penalty[k * u + i] = med;
        }
    free(ratios);
    return HALO_OK;
}

enum halo_status halo_profile_fit(struct halo_profile *p) { return halo_profile_fit_except(p, NULL); }

enum halo_status halo_profile_fit_except(struct halo_profile *p, const char *exclude)
{
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int m = 0; m < p->n_models; m++)
            for (int l = 0; l < p->models[m].n_layers && !(exclude && !strcmp(exclude, p->models[m].model)); l++) {
                const struct halo_prof_layer *L = &p->models[m].layers[l];
                double x = layer_work(L), y = L->time_ms.median;
                if (L->cls != (enum halo_layer_class)k || L->fused || x <= 0 || y <= 0) continue;
                n++;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
        struct halo_class_fit *f = &p->fit[k];
        *f = (struct halo_class_fit){0};
        if (n == 0) continue;
        double b, a = 0, det = n * sxx - sx * sx;
        if (n >= 2 && det > 0) {
            b = (n * sxy - sx * sy) / det;
            a = (sy - b * sx) / n;
        } else {
            b = sxy / sxx;
        }
        if (a < 0 || b <= 0) { /* a negative overhead is not physical: fit through the origin */
            a = 0;
            b = sxy / sxx;
        }
        double mean = sy / n, ss_tot = 0, ss_res = 0, worst = 0;
        for (int m = 0; m < p->n_models; m++)
            for (int l = 0; l < p->models[m].n_layers && !(exclude && !strcmp(exclude, p->models[m].model)); l++) {
                const struct halo_prof_layer *L = &p->models[m].layers[l];
                double x = layer_work(L), y = L->time_ms.median;
                if (L->cls != (enum halo_layer_class)k || L->fused || x <= 0 || y <= 0) continue;
                double pred = a + b * x;
                ss_tot += (y - mean) * (y - mean);
                ss_res += (y - pred) * (y - pred);
                if (fabs(pred - y) / y > worst) worst = fabs(pred - y) / y;
            }
        *f = (struct halo_class_fit){
            .present = true,
            .gflops = 1.0 / (b * 1e6),
            .overhead_ms = a,
            .r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1.0,
            .max_rel_err = worst,
            .n = (int)n,
        };
        /* a fit the profile's reader would refuse is not written: name the class and what gave it */
        if (!(f->gflops >= HALO_GFLOPS_MIN && f->gflops <= HALO_GFLOPS_MAX))
            return halo_error(HALO_ERR_INVALID, "%s: the %d measured %s layers give %g GFLOP/s, outside [%g, %g]: are "
                                                "their times and MACs right?", p->path ? p->path : "profile", f->n,
                              halo_layer_class_name((enum halo_layer_class)k), f->gflops, HALO_GFLOPS_MIN,
                              HALO_GFLOPS_MAX);
        if (!(f->overhead_ms <= HALO_OVERHEAD_MS_MAX))
            return halo_error(HALO_ERR_INVALID, "%s: the %d measured %s layers give an overhead of %g ms, above %g",
                              p->path ? p->path : "profile", f->n, halo_layer_class_name((enum halo_layer_class)k),
                              f->overhead_ms, HALO_OVERHEAD_MS_MAX);
    }
    p->has_fit = true;
    return fit_penalty(p);
}

