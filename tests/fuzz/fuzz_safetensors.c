/* fuzz_safetensors: the safetensors reader of `halo infer --weights` (and `halo run`): the 8-byte
 * header length, the JSON header (dtype, shape, data_offsets of every tensor), overlaps, missing and
 * unexpected tensors, dtype conversion; on a tiny graph with every kind of parameter slot
 * (conv weight and bias, batchnorm gamma, beta, running statistics, linear weight and bias). */
#include "fuzz.h"

#include "model/graph.h"
#include "model/weights.h"

static struct halo_graph *g;

/* conv1 (3->2, 3x3, bias), bn1, relu, avgpool (adaptive 1x1), flatten, fc (2->3, bias). */
static void build(void)
{
    g = halo_graph_new("tiny", 3);
    if (!g) abort();
    int x = halo_graph_conv(g, "conv1", HALO_INPUT, 3, 2, 3, 1, 1, 1, 1, true);
    x = halo_graph_bn(g, "bn1", x, 2);
    x = halo_graph_act(g, HALO_OP_RELU, "relu", x);
    x = halo_graph_adaptive_avgpool(g, "avgpool", x, 1, 1);
    x = halo_graph_flatten(g, "flatten", x);
    halo_graph_linear(g, "fc", x, 2, 3, true);
    if (halo_graph_finalize(g) != HALO_OK || halo_graph_infer(g, 4, 4) != HALO_OK) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    build();
    /* HALO_FUZZ_WRITE_SEED=F: write the graph's random weights to F (how the seed corpus was made) */
    const char *seed = getenv("HALO_FUZZ_WRITE_SEED");
    if (seed) {
        struct halo_weights *w;
        if (halo_weights_random(g, 1, &w) != HALO_OK || halo_weights_save(g, w, seed) != HALO_OK) abort();
        halo_weights_free(w);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct halo_weights *w = NULL;
    enum halo_status st = halo_weights_load_mem(g, "fuzz.safetensors", data, size, &w);
    fuzz_expect_message(st);
    if (st == HALO_OK) {
        volatile float sum = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            int64_t sz[4];
            halo_weights_sizes(&g->nodes[i], sz);
            const float *t[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
            for (int k = 0; k < 4; k++)
                for (int64_t e = 0; e < sz[k]; e++) sum += t[k][e]; /* every loaded float is initialised */
        }
        (void)sum;
        halo_weights_free(w);
    }
    return 0;
}
