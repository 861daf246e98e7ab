/* count: MACs, parameters and element-wise work, counted as torchvision counts them.
 * MACs: conv N*Cout*(Cin/groups)*Kh*Kw*Hout*Wout (padded taps included) and linear in*out, nothing
 * else. Params: weights, biases, BN gamma and beta (running statistics are buffers).
 * Element-wise ops are a separate column, never mixed into MACs: BN 2 per output element (scale
 * and shift), every activation, add and mul 1 per element (concat none: a copy), max pool
 * kh*kw-1 comparisons per output, average pool kh*kw additions per output (adaptive: the size of
 * each bin). */
#ifndef HALO_COUNT_H
#define HALO_COUNT_H

#include <stdint.h>

#include "model/graph.h"

struct halo_count {
    int64_t macs;
    int64_t params;
    int64_t elem_ops;
    int64_t out_bytes; /* float32 output tensor of the node (sum over nodes for a range) */
};

/* Counts of node i; the graph's shapes must be inferred. */
struct halo_count halo_count_node(const struct halo_graph *g, int i);
/* Sum over nodes [first, last). */
struct halo_count halo_count_range(const struct halo_graph *g, int first, int last);
/* MACs of node i restricted to an output region of oh x ow (conv and linear; 0 otherwise). */
int64_t halo_count_node_macs_area(const struct halo_graph *g, int i, int64_t out_area);
/* Parameter count of node i (independent of the input size). */
int64_t halo_count_node_params(const struct halo_graph *g, int i);
/* A lower bound of the bytes one inference of the whole graph holds at once (float32): the largest
 * node's inputs and output together, plus every parameter; *node gets that node's index. */
double halo_count_min_bytes(const struct halo_graph *g, int *node);

#endif
