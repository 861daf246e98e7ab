/* split: cutting one output tensor into parts, as rects that cover it exactly once: row splits
 * (given heights, K equal parts, parts in proportion to weights) and N x M grids. Pure geometry. */
#ifndef HALO_SPLIT_H
#define HALO_SPLIT_H

#include "core/tensor.h"

/* A grid of n_rows row bands by n_cols column bands of an h x w tensor; a row split is the grid
 * with n_cols = 1. Every split halo makes is a grid, which is what lets the halo accounting work
 * per axis (partition/halo.h). */
struct halo_split {
    int h, w;               /* the tensor's height and width */
    int n_rows, n_cols;     /* bands along the height and along the width */
    int *y;                 /* n_rows + 1 row cuts: 0 = y[0] < y[1] < ... < y[n_rows] = h */
    int *x;                 /* n_cols + 1 column cuts: 0 = x[0] < ... < x[n_cols] = w */
    int n_parts;            /* n_rows * n_cols */
    struct halo_rect *part; /* row-major: part[r * n_cols + c] = [y[r], y[r+1]) x [x[c], x[c+1]) */
};

/* A split from explicit cuts (copied). Errors: fewer than one band, cuts that do not start at 0,
 * end at h (w) and strictly increase (a band of 0 rows). */
enum halo_status halo_split_cuts(int h, int w, const int *y, int n_rows, const int *x, int n_cols,
                                 struct halo_split *out);
/* Row split with the given heights (top to bottom), unequal allowed. Errors: a height < 1, heights
 * not summing to h. */
enum halo_status halo_split_rows(int h, int w, const int *heights, int n, struct halo_split *out);
/* k row parts as equal as possible (heights differ by at most one). Errors: k < 1 or k > h. */
enum halo_status halo_split_equal(int h, int w, int k, struct halo_split *out);
/* How a part's share of the rows is computed before it is rounded: the two orders round
 * differently in floating point, and each caller keeps the one its plans were made with. */
enum halo_share {
    HALO_SHARE_SCALED,   /* rows * weight / sum (the planners) */
    HALO_SHARE_FRACTION, /* rows * (weight / sum) (halo_split_weighted) */
};

/* The one apportionment of rows to parts in proportion to weights[0..n) (a weight <= 0 counts as
 * 0; all 0: equal shares), by largest remainder: each part gets the floor of its share but at
 * least min_rows, then single rows go to the parts furthest below their share (or, when the
 * minimum overshot, come back from those furthest above it, never below min_rows), ties to the
 * lower index. h[0..n) sums to rows. Requires n >= 1 and n * min_rows <= rows. */
void halo_split_apportion(int rows, const double *weights, int n, int min_rows, enum halo_share share, int *h);

/* n row parts with heights in proportion to weights (> 0, finite), rounded by largest remainder,
 * each at least one row (halo_split_apportion, HALO_SHARE_FRACTION). Errors: a bad weight, n < 1
 * or n > h. */
enum halo_status halo_split_weighted(int h, int w, const double *weights, int n, struct halo_split *out);
/* n_rows x n_cols grid, each axis cut as halo_split_equal cuts rows. Errors: a side < 1 or more
 * bands than rows (columns). */
enum halo_status halo_split_grid(int h, int w, int n_rows, int n_cols, struct halo_split *out);
/* Frees the arrays; accepts NULL and a zeroed split. */
void halo_split_free(struct halo_split *s);

/* Band heights of a split, top to bottom, into heights[0..n_rows). */
void halo_split_heights(const struct halo_split *s, int *heights);

/* True when the n rects lie inside [0,h) x [0,w) and cover every element exactly once (for rect
 * lists not made here, e.g. read from a plan). O(n^2) rect tests, no per-pixel loops; *why, when
 * not NULL, receives the index of a rect at fault (-1 when the areas do not add up). */
bool halo_rects_tile_exactly(const struct halo_rect *r, int n, int h, int w, int *why);

#endif
