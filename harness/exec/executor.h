/* executor: runs node ranges on a backend — the whole graph on one image, or one part (an
 * output rect) of a stage range given the part's input rect. Allocates outputs; the backend does
 * the arithmetic. */
#ifndef HALO_EXECUTOR_H
#define HALO_EXECUTOR_H

#include "exec/backend.h"

/* Runs the whole (loaded) graph on `image` (3 x H x W, full rect). `out` receives the last node's
 * output (e.g. 1000 logits, rect [0,1)x[0,1)); node_ms as in halo_backend_compute. */
enum halo_status halo_exec_graph(struct halo_backend *be, const struct halo_graph *g,
                                 const struct halo_tensor *image, struct halo_tensor *out, double *node_ms);

/* Runs nodes [first, last) to produce `out_rect` of the last node's output, reading `in` (which
 * must hold the tile's input rect of the range's input tensor). `out` is allocated here. */
enum halo_status halo_exec_rect(struct halo_backend *be, const struct halo_graph *g, int first, int last,
                                struct halo_rect out_rect, enum halo_tile_mode mode,
                                const struct halo_tensor *in, struct halo_tensor *out);

#endif
