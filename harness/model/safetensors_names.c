/* safetensors_names: the mapping between halo's weight slots and torchvision's state_dict — each
 * slot's name suffix and tensor shape, which the reader checks and the writer produces. */
#include "model/safetensors.h"
#include "model/weights.h"

/* The state_dict suffixes of a node's four slots (weights.h order: weight, bias, mean, var). */
const char *halo_safetensors_slot_suffix(enum halo_op op, int k)
{
    static const char *const bn[4] = {"weight", "bias", "running_mean", "running_var"};
    static const char *const wb[4] = {"weight", "bias", NULL, NULL};
    return op == HALO_OP_BN ? bn[k] : wb[k];
}

/* The torchvision shape of slot k of node n; returns its rank (0 when the slot does not exist). */
int halo_safetensors_slot_shape(const struct halo_node *n, int k, int64_t dims[4])
{
    int64_t sz[4];
    halo_weights_sizes(n, sz);
    if (!sz[k]) return 0;
    if (k == 0 && n->op == HALO_OP_CONV) {
        dims[0] = n->cout;
        dims[1] = n->cin / n->groups;
        dims[2] = n->win.kh;
        dims[3] = n->win.kw;
        return 4;
    }
    if (k == 0 && n->op == HALO_OP_LINEAR) {
        dims[0] = n->cout;
        dims[1] = n->cin;
        return 2;
    }
    dims[0] = sz[k];
    return 1;
}
