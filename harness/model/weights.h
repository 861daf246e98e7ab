/* weights: the parameters of every node, named as torchvision's state_dict names them
 * ("<node>.weight", "<node>.bias", "<bn>.running_mean", ...). Random with a seed, or loaded from /
 * saved to a safetensors file. A backend reads them once at load time. */
#ifndef HALO_WEIGHTS_H
#define HALO_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "model/graph.h"

/* The parameters of one node, float32, row-major; NULL where the node has none. */
struct halo_node_weights {
    float *weight; /* conv: [cout][cin/groups][kh][kw]; linear: [out][in]; batchnorm: gamma [c] */
    float *bias;   /* conv and linear: [cout] (NULL without bias); batchnorm: beta [c] */
    float *mean;   /* batchnorm running_mean [c] */
    float *var;    /* batchnorm running_var [c] */
};

struct halo_weights {
    int n_nodes;
    struct halo_node_weights *node; /* one per graph node */
    char *source;                   /* "random seed 42" or the file path */
    uint64_t hash;                  /* FNV-1a 64 over names and bytes of every tensor */
};

/* Seeded random weights, scaled so activations stay in range through 150+ layers. */
enum halo_status halo_weights_random(const struct halo_graph *g, uint64_t seed, struct halo_weights **out);
/* Loads a safetensors file with torchvision's names; every problem names the file and tensor. */
enum halo_status halo_weights_load(const struct halo_graph *g, const char *path, struct halo_weights **out);
/* The same from a safetensors file's bytes in memory; `name` stands for the file in messages. */
enum halo_status halo_weights_load_mem(const struct halo_graph *g, const char *name, const void *data, size_t size,
                                       struct halo_weights **out);
/* Saves as safetensors (F32, torchvision names). */
enum halo_status halo_weights_save(const struct halo_graph *g, const struct halo_weights *w, const char *path);
void halo_weights_free(struct halo_weights *w);

/* For implementations (safetensors*.c, backends): element counts of a node's weight,
 * bias, mean and var (0 where absent); allocation of uninitialised tensors; the hash. */
void halo_weights_sizes(const struct halo_node *n, int64_t sz[4]);
enum halo_status halo_weights_alloc(const struct halo_graph *g, struct halo_weights **out);
uint64_t halo_weights_hash(const struct halo_graph *g, const struct halo_weights *w);

#endif
