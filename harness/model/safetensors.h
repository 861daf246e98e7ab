/* safetensors: what the safetensors reader (safetensors.c) and writer (safetensors_write.c) share:
 * torchvision's state_dict name and shape of each of a node's weight slots (safetensors_names.c). */
#ifndef HALO_SAFETENSORS_H
#define HALO_SAFETENSORS_H

#include <stdint.h>

#include "model/graph.h"

/* safetensors data is little-endian; tensors are read and written as they lie in memory. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors assumes a little-endian host (safetensors data is little-endian)"
#endif

/* The state_dict suffix of slot k (weights.h order: weight, bias, mean, var) of a node of op
 * `op` ("weight", "running_mean", ...); NULL where that op has no such slot. */
const char *halo_safetensors_slot_suffix(enum halo_op op, int k);
/* The torchvision shape of slot k of node n in dims; returns its rank (0 when the slot does not
 * exist). */
int halo_safetensors_slot_shape(const struct halo_node *n, int k, int64_t dims[4]);

#endif
