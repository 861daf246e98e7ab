#include "core/tensor.h"
#include "core/alloc.h"

#include <math.h>
#include <string.h>

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

struct halo_rect halo_rect_intersect(struct halo_rect a, struct halo_rect b)
{
    struct halo_rect r = {imax(a.y0, b.y0), imin(a.y1, b.y1), imax(a.x0, b.x0), imin(a.x1, b.x1)};
    if (halo_rect_empty(r)) r = (struct halo_rect){0, 0, 0, 0};
    return r;
}

struct halo_rect halo_rect_union(struct halo_rect a, struct halo_rect b)
{
    if (halo_rect_empty(a)) return b;
    if (halo_rect_empty(b)) return a;
    return (struct halo_rect){imin(a.y0, b.y0), imax(a.y1, b.y1), imin(a.x0, b.x0), imax(a.x1, b.x1)};
}

bool halo_rect_contains(struct halo_rect o, struct halo_rect i)
{
    return halo_rect_empty(i) || (i.y0 >= o.y0 && i.y1 <= o.y1 && i.x0 >= o.x0 && i.x1 <= o.x1);
}

enum halo_status halo_tensor_alloc(struct halo_tensor *t, int c, struct halo_rect r)
{
    HALO_ASSERT(c >= 0 && !(r.y1 < r.y0) && !(r.x1 < r.x0));
    t->c = c;
    t->rect = r;
    t->owned = true;
    t->data = halo_calloc((size_t)c * (size_t)halo_rect_area(r), sizeof(float));
    return t->data ? HALO_OK : HALO_ERR_NOMEM;
}

void halo_tensor_free(struct halo_tensor *t)
{
    if (!t) return;
    if (t->owned) free(t->data);
    t->data = NULL;
    t->owned = false;
}

size_t halo_tensor_numel(const struct halo_tensor *t)
{
    return (size_t)t->c * (size_t)halo_rect_area(t->rect);
}

void halo_tensor_copy_region(struct halo_tensor *dst, const struct halo_tensor *src,
                             struct halo_rect g)
{
    HALO_ASSERT(dst->c == src->c);
    HALO_ASSERT(halo_rect_contains(dst->rect, g) && halo_rect_contains(src->rect, g));
    if (halo_rect_empty(g)) return;
    int dw = halo_rect_w(dst->rect), dh = halo_rect_h(dst->rect);
    int sw = halo_rect_w(src->rect), sh = halo_rect_h(src->rect);
    size_t row = (size_t)halo_rect_w(g) * sizeof(float);
    for (int c = 0; c < src->c; c++)
        for (int y = g.y0; y < g.y1; y++) {
            float *d = dst->data + ((size_t)c * dh + (y - dst->rect.y0)) * dw + (g.x0 - dst->rect.x0);
            const float *s = src->data + ((size_t)c * sh + (y - src->rect.y0)) * sw + (g.x0 - src->rect.x0);
            memcpy(d, s, row);
        }
}

void halo_compare(const float *a, const float *b, size_t n, double *max_abs, double *max_rel)
{
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > ma || isnan(d)) ma = isnan(d) ? INFINITY : d;
        if (fabs((double)b[i]) > mb) mb = fabs((double)b[i]);
    }
    *max_abs = ma;
    *max_rel = mb > 0 ? ma / mb : ma;
}
