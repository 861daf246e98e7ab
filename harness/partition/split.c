#include "partition/split.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Checks that cuts c[0..n] go 0 = c[0] < ... < c[n] = size along `axis`. */
static enum halo_status check_cuts(const int *c, int n, int size, const char *axis)
{
    if (n < 1) return halo_error(HALO_ERR_INVALID, "split: %d %s bands: need at least one", n, axis);
    if (n > size)
        return halo_error(HALO_ERR_INVALID, "split: %d %s bands but the tensor has only %d %s", n, axis, size, axis);
    if (c[0] != 0 || c[n] != size)
        return halo_error(HALO_ERR_INVALID, "split: %s bands cover [%d, %d), the tensor has %s [0, %d)", axis, c[0],
                          c[n], axis, size);
    for (int i = 0; i < n; i++)
        if (c[i + 1] <= c[i])
            return halo_error(HALO_ERR_INVALID, "split: %s band %d is [%d, %d): %d %s (must be >= 1)", axis, i, c[i],
                              c[i + 1], c[i + 1] - c[i], axis);
    return HALO_OK;
}

enum halo_status halo_split_cuts(int h, int w, const int *y, int n_rows, const int *x, int n_cols,
                                 struct halo_split *out)
{
    memset(out, 0, sizeof *out);
    HALO_TRY(check_cuts(y, n_rows, h, "rows"));
    HALO_TRY(check_cuts(x, n_cols, w, "columns"));
    if ((int64_t)n_rows * n_cols > (int64_t)h * w) return halo_error(HALO_ERR_INVALID, "split: too many parts");
    out->y = halo_malloc((size_t)n_rows + 1, sizeof *out->y);
    out->x = halo_malloc((size_t)n_cols + 1, sizeof *out->x);
    out->part = halo_malloc((size_t)n_rows * (size_t)n_cols, sizeof *out->part);
    if (!out->y || !out->x || !out->part) {
        halo_split_free(out);
        return HALO_ERR_NOMEM;
    }
    memcpy(out->y, y, ((size_t)n_rows + 1) * sizeof *y);
    memcpy(out->x, x, ((size_t)n_cols + 1) * sizeof *x);
    out->h = h;
    out->w = w;
    out->n_rows = n_rows;
    out->n_cols = n_cols;
    out->n_parts = n_rows * n_cols;
    for (int r = 0; r < n_rows; r++)
        for (int c = 0; c < n_cols; c++)
            out->part[r * n_cols + c] = (struct halo_rect){y[r], y[r + 1], x[c], x[c + 1]};
    return HALO_OK;
}

/* Cuts of `size` into k equal bands: floor(i * size / k), so heights differ by at most one. */
static int *equal_cuts(int size, int k)
{
    int *c = halo_malloc((size_t)k + 1, sizeof *c);
    if (c)
        for (int i = 0; i <= k; i++) c[i] = (int)((int64_t)i * size / k);
    return c;
}

enum halo_status halo_split_rows(int h, int w, const int *heights, int n, struct halo_split *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1) return halo_error(HALO_ERR_INVALID, "split: no row heights given");
    int64_t sum = 0;
    for (int i = 0; i < n; i++) {
        if (heights[i] < 1)
            return halo_error(HALO_ERR_INVALID, "split: part %d has %d rows (each part needs at least one)", i,
                              heights[i]);
        sum += heights[i];
    }
    if (sum != h)
        return halo_error(HALO_ERR_INVALID, "split: row heights sum to %lld but the tensor has %d rows", (long long)sum,
                          h);
    int *y = halo_malloc((size_t)n + 1, sizeof *y);
    if (!y) return HALO_ERR_NOMEM;
    y[0] = 0;
    for (int i = 0; i < n; i++) y[i + 1] = y[i] + heights[i];
    int x[2] = {0, w};
    enum halo_status st = halo_split_cuts(h, w, y, n, x, 1, out);
    free(y);
    return st;
}

enum halo_status halo_split_equal(int h, int w, int k, struct halo_split *out)
{
    return halo_split_grid(h, w, k, 1, out);
}

enum halo_status halo_split_grid(int h, int w, int n_rows, int n_cols, struct halo_split *out)
{
    memset(out, 0, sizeof *out);
    if (n_rows < 1 || n_cols < 1)
        return halo_error(HALO_ERR_INVALID, "split: a %dx%d grid: each side must be >= 1", n_rows, n_cols);
    if (n_rows > h) return halo_error(HALO_ERR_INVALID, "split: %d row parts but the tensor has only %d rows", n_rows, h);
    if (n_cols > w)
        return halo_error(HALO_ERR_INVALID, "split: %d column parts but the tensor has only %d columns", n_cols, w);
    int *y = equal_cuts(h, n_rows), *x = equal_cuts(w, n_cols);
    enum halo_status st = y && x ? halo_split_cuts(h, w, y, n_rows, x, n_cols, out) : HALO_ERR_NOMEM;
    free(y);
    free(x);
    return st;
}

/* A weight as the apportionment reads it: NaN, negative and infinite weights count as 0 (an
 * infinite one as the only one that counts), and all are divided by the largest, so that neither
 * their sum nor a share can overflow or be NaN. */
static double weight_of(const double *weights, int k, double top, bool inf)
{
    double w = weights[k];
    if (inf) return w == INFINITY ? 1 : 0;
    return w > 0 && isfinite(w) ? w / top : 0;
}

static double share_of(int rows, const double *weights, int n, double sum, enum halo_share share, int k, double top,
                       bool inf)
{
    double w = weight_of(weights, k, top, inf);
    if (!(sum > 0)) return (double)rows / n;
    return share == HALO_SHARE_SCALED ? rows * w / sum : rows * (w / sum);
}

void halo_split_apportion(int rows, const double *weights, int n, int min_rows, enum halo_share share, int *h)
{
    HALO_ASSERT(n >= 1 && (int64_t)n * min_rows <= rows);
    double top = 0;
    bool inf = false;
    for (int k = 0; k < n; k++) {
        inf |= weights[k] == INFINITY;
        if (weights[k] > top && isfinite(weights[k])) top = weights[k];
    }
    /* a division by the largest weight changes no share (up to rounding the last bit, which
     * happens only when that weight is not a power of two): leave weights that cannot overflow
     * as they are, so that every plan made before stays the same */
    if (!inf && top <= 1e300) top = 1;
    double sum = 0;
    for (int k = 0; k < n; k++) sum += weight_of(weights, k, top, inf);
    int given = 0;
    for (int k = 0; k < n; k++) {
        h[k] = (int)floor(share_of(rows, weights, n, sum, share, k, top, inf));
        if (h[k] < min_rows) h[k] = min_rows;
        if (h[k] > rows) h[k] = rows;
        given += h[k];
    }
    /* hand out or take back the rounding rows: largest remaining share first */
    while (given != rows) {
        int best = -1;
        double best_gap = -INFINITY;
        for (int k = 0; k < n; k++) {
            if (given > rows && h[k] <= min_rows) continue;
            double s = share_of(rows, weights, n, sum, share, k, top, inf);
            double gap = given < rows ? s - h[k] : h[k] - s;
            if (gap > best_gap) {
                best_gap = gap;
                best = k;
            }
        }
        HALO_ASSERT(best >= 0);
        h[best] += given < rows ? 1 : -1;
        given += given < rows ? 1 : -1;
    }
}

enum halo_status halo_split_weighted(int h, int w, const double *weights, int n, struct halo_split *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1) return halo_error(HALO_ERR_INVALID, "split: no weights given");
    if (n > h) return halo_error(HALO_ERR_INVALID, "split: %d row parts but the tensor has only %d rows", n, h);
    for (int i = 0; i < n; i++)
        if (!(weights[i] > 0) || !isfinite(weights[i]))
            return halo_error(HALO_ERR_INVALID, "split: weight %d is %g (must be finite and > 0)", i, weights[i]);
    int *height = halo_malloc((size_t)n, sizeof *height);
    if (!height) return HALO_ERR_NOMEM;
    halo_split_apportion(h, weights, n, 1, HALO_SHARE_FRACTION, height);
    enum halo_status st = halo_split_rows(h, w, height, n, out);
    free(height);
    return st;
}

void halo_split_free(struct halo_split *s)
{
    if (!s) return;
    free(s->y);
    free(s->x);
    free(s->part);
    memset(s, 0, sizeof *s);
}

void halo_split_heights(const struct halo_split *s, int *heights)
{
    for (int r = 0; r < s->n_rows; r++) heights[r] = s->y[r + 1] - s->y[r];
}

bool halo_rects_tile_exactly(const struct halo_rect *r, int n, int h, int w, int *why)
{
    struct halo_rect full = {0, h, 0, w};
    int64_t area = 0;
    if (why) *why = -1;
    for (int i = 0; i < n; i++) {
        if (halo_rect_empty(r[i]) || !halo_rect_contains(full, r[i])) {
            if (why) *why = i;
            return false;
        }
        for (int j = 0; j < i; j++)
            if (!halo_rect_empty(halo_rect_intersect(r[i], r[j]))) {
                if (why) *why = i;
                return false;
            }
        area += halo_rect_area(r[i]);
    }
    return area == (int64_t)h * w;
}
