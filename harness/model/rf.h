/* rf: receptive-field geometry. For a node range and an output rect of its last node, the rect
 * each node must produce, the rect of each input it reads and the zeros beyond it. Exact mode
 * pads only where a rect meets the true tensor border, so a tile equals the same region of the
 * full computation (lossless). Pure: no I/O, no clocks. */
#ifndef HALO_RF_H
#define HALO_RF_H

#include <stdint.h>

#include "core/tensor.h"
#include "model/graph.h"

enum halo_tile_mode {
    HALO_TILE_EXACT,    /* receptive field; zeros only at true borders (lossless) */
    HALO_TILE_ZERO_PAD, /* ADCNN FDSP: each tensor cut in proportion, zeros at tile borders (lossy) */
};

/* What one node of a tile computes. For a conv or pool, the window rows needed for out rows
 * [a, b) are [a*s - p, (b-1)*s - p + d*(k-1) + 1); `read` is their part inside the data the
 * tile has (the true tensor in exact mode) and `pad` the rest, so the node is a 'valid'
 * (unpadded) window over pad + read. Pads are never negative: a window wholly beyond a border
 * (padding >= kernel extent) has an empty read and all its rows as padding on that side. For
 * element-wise nodes and concat read = out (a mul's c x 1 x 1 gate: all of it); for adaptive
 * pooling, flatten and linear, read covers what the bins or the whole input need and pad is 0. */
struct halo_tile_node {
    struct halo_rect out;     /* region of the node's output tensor to produce (full coordinates) */
    struct halo_rect read[2]; /* region of each input read; inside the producer's `out` (or tile in) */
    struct halo_pad pad[2];   /* zero rows/columns beyond `read` (max pool ignores them) */
};

struct halo_tile {
    const struct halo_graph *g;
    int first, last;            /* node range [first, last) */
    enum halo_tile_mode mode;
    struct halo_rect in;        /* region of the range's input tensor the tile needs */
    struct halo_tile_node *node; /* last - first entries; node[i - first] for node i */
};

/* The input tensor of node range [first, last): the output of node first-1 or the image. */
static inline int halo_range_input(int first) { return first - 1; }

/* Builds the tile of nodes [first, last) whose last node produces `out` (in its output tensor's
 * coordinates). The graph's shapes must be inferred. Errors: an empty or out-of-bounds rect, a
 * range whose nodes read a tensor from before the range other than its input. */
enum halo_status halo_tile_build(const struct halo_graph *g, int first, int last, struct halo_rect out,
                                 enum halo_tile_mode mode, struct halo_tile *tile);
/* The tile computing the whole output of nodes [first, last). */
enum halo_status halo_tile_full(const struct halo_graph *g, int first, int last, struct halo_tile *tile);
void halo_tile_free(struct halo_tile *tile);

/* MACs of the tile: every node's MACs over its `out` area (halo redundancy included). */
int64_t halo_tile_macs(const struct halo_tile *tile);

/* Stage ranges. Stage s covers nodes [g->stages[s].first, g->stages[s].last); a stage range
 * [i, j) (j exclusive) covers the nodes of stages i..j-1 and reads the output of the node just
 * before stage i (the image for i = 0). */

/* Node range [*first, *last) of stages [i, j). HALO_ERR_INVALID unless 0 <= i < j <= n_stages. */
enum halo_status halo_stage_range_nodes(const struct halo_graph *g, int i, int j, int *first, int *last);
/* Shape of the input tensor of stage i (the image for stage 0); shapes must be inferred. */
struct halo_shape halo_stage_in_shape(const struct halo_graph *g, int i);
/* Shape of the output tensor of stage s. */
struct halo_shape halo_stage_out_shape(const struct halo_graph *g, int s);
/* The tile of stages [i, j) whose last stage produces `out` (halo_tile_build on their nodes). */
enum halo_status halo_tile_build_stages(const struct halo_graph *g, int i, int j, struct halo_rect out,
                                        enum halo_tile_mode mode, struct halo_tile *tile);

#endif
