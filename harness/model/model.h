/* model: the one place where a command's model argument becomes a graph — a zoo name ("resnet50")
 * or an ONNX file ("net.onnx") — and where the weights a command uses come from when it names no
 * file: an imported model's own initializers, else seeded random weights. */
#ifndef HALO_MODEL_H
#define HALO_MODEL_H

#include <stdint.h>

#include "model/graph.h"
#include "model/weights.h"

/* Builds and finalizes the graph of `model` (shapes not inferred): a path ending in .onnx is
 * imported, anything else is a zoo name. */
enum halo_status halo_model_build(const char *model, struct halo_graph **out);

/* The same with shapes inferred for h x w; a size the model rejects says the minimum. */
enum halo_status halo_model_build_for(const char *model, int h, int w, struct halo_graph **out);

/* The weights for g: safetensors file `path` when given, else the initializers of the ONNX file g
 * was imported from (which must not have changed since), else random with `seed`. */
enum halo_status halo_model_weights(const struct halo_graph *g, const char *path, uint64_t seed,
                                    struct halo_weights **out);

#endif
