/* zoo: the model zoo, defined exactly as torchvision defines it (ResNet v1.5, VGG with and
 * without BN, AlexNet, MobileNetV2). Dropout is the identity at inference and is left out. */
#ifndef HALO_ZOO_H
#define HALO_ZOO_H

#include "model/graph.h"

struct halo_zoo_entry {
    const char *name;
    const char *family;      /* "resnet", "vgg", "alexnet", "mobilenet" */
    const char *description; /* one line */
};

/* The zoo's models in a fixed order; *n receives the count. */
const struct halo_zoo_entry *halo_zoo_list(int *n);

/* Builds and finalizes the graph of a zoo model (shapes not yet inferred). An unknown name is
 * HALO_ERR_INVALID with a message listing the known ones. */
enum halo_status halo_zoo_build(const char *name, struct halo_graph **out);

/* Builds the graph and infers shapes for h x w; a size the model rejects says the minimum. */
enum halo_status halo_zoo_build_for(const char *name, int h, int w, struct halo_graph **out);

#endif
