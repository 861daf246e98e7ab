/* fuzz_onnx: the ONNX importer of every command's MODEL.onnx: protobuf-c's unpacking, the graph's
 * checks (one input, one output, every value defined, no cycle), each op's inputs and attributes,
 * the constant folding of shape subgraphs, and weights from initializers of every type; an
 * imported graph is then inferred at two input sizes and its every weight read. Each input is
 * imported twice: without weights (as flops and plan do) and with them. */
#include "fuzz.h"

#include "model/count.h"
#include "model/graph.h"
#include "model/onnx.h"
#include "model/weights.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    return 0;
}

/* Imports the input (with its weights when w is not NULL) and infers and counts the graph at two
 * sizes. */
static struct halo_graph *import(const uint8_t *data, size_t size, struct halo_weights **w)
{
    struct halo_graph *g = NULL;
    enum halo_status st = halo_onnx_import_mem("fuzz.onnx", data, size, &g, w);
    fuzz_expect_message(st);
    if (st != HALO_OK) return NULL;
    static const int sizes[2][2] = {{8, 8}, {33, 17}};
    for (int k = 0; k < 2; k++) {
        st = halo_graph_infer(g, sizes[k][0], sizes[k][1]);
        fuzz_expect_message(st);
        if (st == HALO_OK) { /* every count in range (UBSan sees an overflow) */
            volatile int64_t macs = halo_count_range(g, 0, g->n_nodes).macs;
            (void)macs;
        }
    }
    return g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    halo_graph_free(import(data, size, NULL)); /* as the commands that keep no weights (flops, plan) */
    struct halo_weights *w = NULL;
    struct halo_graph *g = import(data, size, &w);
    if (!g) return 0;
    volatile float sum = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        const float *t[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
        for (int k = 0; k < 4; k++)
            for (int64_t e = 0; e < sz[k]; e++) sum += t[k][e]; /* every weight is there and initialised */
    }
    (void)sum;
    halo_weights_free(w);
    halo_graph_free(g);
    return 0;
}
