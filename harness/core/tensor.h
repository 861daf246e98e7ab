/* tensor: rects in one tensor's coordinates and NCHW float32 host tensors that hold a rect of a
 * full tensor. Everything that partitions speaks rects. */
#ifndef HALO_TENSOR_H
#define HALO_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* [y0,y1) x [x0,x1) in the coordinates of one full tensor (rows, columns). */
struct halo_rect {
    int y0, y1, x0, x1;
};

/* Zero padding on each side of a rect read, in elements (only where it meets the true border). */
struct halo_pad {
    int top, bottom, left, right;
};

/* Channels x height x width of one sample. Non-spatial tensors (after flatten) have h = w = 1. */
struct halo_shape {
    int c, h, w;
};

/* A host tensor of one sample: c channels of the rect `rect` of a full tensor, NCHW, contiguous.
 * rect's height and width are the buffer's h and w. Owns `data` when `owned`. */
struct halo_tensor {
    int c;
    struct halo_rect rect;
    float *data;
    bool owned;
};

static inline int halo_rect_h(struct halo_rect r) { return r.y1 - r.y0; }
static inline int halo_rect_w(struct halo_rect r) { return r.x1 - r.x0; }
static inline int64_t halo_rect_area(struct halo_rect r)
{
    return (r.y1 > r.y0 && r.x1 > r.x0) ? (int64_t)(r.y1 - r.y0) * (r.x1 - r.x0) : 0;
}
static inline bool halo_rect_empty(struct halo_rect r) { return r.y1 <= r.y0 || r.x1 <= r.x0; }
static inline struct halo_rect halo_rect_full(struct halo_shape s)
{
    return (struct halo_rect){0, s.h, 0, s.w};
}
static inline bool halo_rect_eq(struct halo_rect a, struct halo_rect b)
{
    return a.y0 == b.y0 && a.y1 == b.y1 && a.x0 == b.x0 && a.x1 == b.x1;
}
/* Intersection (may be empty), and bounding union of two rects (an empty one is ignored). */
struct halo_rect halo_rect_intersect(struct halo_rect a, struct halo_rect b);
struct halo_rect halo_rect_union(struct halo_rect a, struct halo_rect b);
/* True when `inner` lies within `outer`. */
bool halo_rect_contains(struct halo_rect outer, struct halo_rect inner);

/* Allocates a zeroed tensor of c channels over rect r. */
enum halo_status halo_tensor_alloc(struct halo_tensor *t, int c, struct halo_rect r);
/* Frees owned data; accepts a zeroed or NULL tensor. */
void halo_tensor_free(struct halo_tensor *t);
/* Elements in the tensor (c * h * w). */
size_t halo_tensor_numel(const struct halo_tensor *t);
/* Copies the part of src that lies in `region` into dst (both must contain region). */
void halo_tensor_copy_region(struct halo_tensor *dst, const struct halo_tensor *src,
                             struct halo_rect region);

/* Max |a-b| and max |a-b| / max(|b|) over two equal-sized arrays. */
void halo_compare(const float *a, const float *b, size_t n, double *max_abs, double *max_rel);

#endif
