/* onnx: an ONNX model (onnx.proto's ModelProto, read with protobuf-c) as a halo graph and its
 * weights from the initializers, so that every layer above works on it as on a zoo model. Ops
 * and attributes halo cannot honour are errors naming the node, the op and the attribute, never a
 * silently different network. Built only when protobuf-c and onnx.proto were found. */
#ifndef HALO_ONNX_H
#define HALO_ONNX_H

#include <stdbool.h>
#include <stddef.h>

#include "model/graph.h"
#include "model/weights.h"

/* True when this build can import ONNX files. */
bool halo_onnx_available(void);

/* True when `model` names an ONNX file (it ends in ".onnx") rather than a zoo model. */
bool halo_onnx_is_path(const char *model);

/* Imports the file: the finalized graph (shapes not inferred; g->source is the path and
 * g->source_hash the hash of its bytes) and, when w is not NULL, its weights from the
 * initializers. Problems name the file, and the node and op where there is one. */
enum halo_status halo_onnx_import(const char *path, struct halo_graph **g, struct halo_weights **w);

/* The same from the file's bytes in memory; `name` stands for the file in messages and in
 * g->source. */
enum halo_status halo_onnx_import_mem(const char *name, const void *data, size_t size, struct halo_graph **g,
                                      struct halo_weights **w);

#endif
