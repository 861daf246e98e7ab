/* split_exec: runs a node range as the parts of a split, each part on its own input rect as one
 * device of a cluster would, and stitches the parts into the full output tensor. Used by
 * `halo tiles --check` and the tests to show that receptive-field tiling is lossless. */
#ifndef HALO_SPLIT_EXEC_H
#define HALO_SPLIT_EXEC_H

#include "exec/backend.h"
#include "partition/split.h"

/* Runs nodes [first, last) of the loaded graph once per part of `split` (a split of the last
 * node's output). Each part gets a copy of only its tile's input rect, cut from `in` (which must
 * hold the range's whole input tensor), so a part that read beyond its rect would fail. `out` is
 * allocated here: the whole output tensor, every element written by exactly one part. part_ms,
 * when not NULL, receives per part the time of the backend's compute call in ms (no tile
 * building, copies or allocation). */
enum halo_status halo_exec_split(struct halo_backend *be, const struct halo_graph *g, int first, int last,
                                 const struct halo_split *split, const struct halo_tensor *in,
                                 struct halo_tensor *out, double *part_ms);

/* Runs nodes [first, last) on one device (the whole output tensor) into `out` (allocated here);
 * *ms, when not NULL, receives the compute call's time. The reference for halo_exec_split. */
enum halo_status halo_exec_unsplit(struct halo_backend *be, const struct halo_graph *g, int first, int last,
                                   const struct halo_tensor *in, struct halo_tensor *out, double *ms);

#endif
