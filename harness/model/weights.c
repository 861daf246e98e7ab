#include "model/weights.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void halo_weights_free(struct halo_weights *w)
{
    if (!w) return;
    for (int i = 0; i < w->n_nodes && w->node; i++) {
        free(w->node[i].weight);
        free(w->node[i].bias);
        free(w->node[i].mean);
        free(w->node[i].var);
    }
    free(w->node);
    free(w->source);
    free(w);
}

/* Element counts of a node's four tensors (0 where absent). */
void halo_weights_sizes(const struct halo_node *n, int64_t sz[4])
{
    sz[0] = sz[1] = sz[2] = sz[3] = 0;
    switch (n->op) {
    case HALO_OP_CONV:
        sz[0] = (int64_t)n->cout * (n->cin / n->groups) * n->win.kh * n->win.kw;
        sz[1] = n->bias ? n->cout : 0;
        break;
    case HALO_OP_LINEAR:
        sz[0] = (int64_t)n->cout * n->cin;
        sz[1] = n->bias ? n->cout : 0;
        break;
    case HALO_OP_BN: sz[0] = sz[1] = sz[2] = sz[3] = n->cout; break;
    default: break;
    }
}

enum halo_status halo_weights_alloc(const struct halo_graph *g, struct halo_weights **out)
{
    struct halo_weights *w = halo_calloc(1, sizeof *w);
    if (!w) return HALO_ERR_NOMEM;
    w->n_nodes = g->n_nodes;
    w->node = halo_calloc((size_t)g->n_nodes, sizeof *w->node);
    if (!w->node) {
        halo_weights_free(w);
        return HALO_ERR_NOMEM;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        float **slot[4] = {&w->node[i].weight, &w->node[i].bias, &w->node[i].mean, &w->node[i].var};
        for (int k = 0; k < 4; k++)
            if (sz[k] && !(*slot[k] = halo_malloc((size_t)sz[k], sizeof(float)))) {
                halo_weights_free(w);
                return HALO_ERR_NOMEM;
            }
    }
    *out = w;
    return HALO_OK;
}

uint64_t halo_weights_hash(const struct halo_graph *g, const struct halo_weights *w)
{
    uint64_t h = HALO_FNV1A_INIT;
    for (int i = 0; i < g->n_nodes; i++) {
        h = halo_fnv1a(h, g->nodes[i].name, strlen(g->nodes[i].name));
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        const float *t[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
        for (int k = 0; k < 4; k++)
            if (sz[k] > 0) {
                uint64_t v = halo_hash_bytes(t[k], (size_t)sz[k] * sizeof(float));
                h = halo_fnv1a(h, &v, sizeof v);
            }
    }
    return h;
}

/* Number of consumers of every node's output. */
static int *consumer_counts(const struct halo_graph *g)
{
    int *c = halo_calloc((size_t)g->n_nodes, sizeof *c);
    if (!c) return NULL;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0) c[g->nodes[i].in[k]]++;
    return c;
}

/* Convs on the path from `p` back to the fork (a tensor read twice, or the image). */
static int convs_to_fork(const struct halo_graph *g, const int *consumers, int p)
{
    int convs = 0;
    while (p >= 0 && consumers[p] < 2) {
        convs += g->nodes[p].op == HALO_OP_CONV;
        p = g->nodes[p].in[0];
    }
    return convs;
}

/* Kaiming-uniform convs and linears (PyTorch's variance for ReLU networks), near-identity BN
 * statistics with some spread (so BN folding is really exercised), and the BN that ends each
 * residual branch scaled by 1/sqrt(#residual adds): activations then grow by at most e over any
 * depth instead of doubling at every block. */
enum halo_status halo_weights_random(const struct halo_graph *g, uint64_t seed, struct halo_weights **out)
{
    struct halo_weights *w;
    HALO_TRY(halo_weights_alloc(g, &w));
    int *consumers = consumer_counts(g);
    float *bn_scale = halo_malloc((size_t)g->n_nodes, sizeof *bn_scale);
    if (!consumers || !bn_scale) {
        free(consumers);
        free(bn_scale);
        halo_weights_free(w);
        return HALO_ERR_NOMEM;
    }
    int adds = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bn_scale[i] = 1.0f;
        adds += g->nodes[i].op == HALO_OP_ADD;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *n = &g->nodes[i];
        if (n->op != HALO_OP_ADD) continue;
        int a = n->in[0], b = n->in[1];
        int residual = convs_to_fork(g, consumers, a) >= convs_to_fork(g, consumers, b) ? a : b;
        if (residual >= 0 && g->nodes[residual].op == HALO_OP_BN) bn_scale[residual] = 1.0f / sqrtf((float)adds);
    }
    struct halo_rng rng;
    halo_rng_seed(&rng, seed);
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *n = &g->nodes[i];
        struct halo_node_weights *nw = &w->node[i];
        int64_t sz[4];
        halo_weights_sizes(n, sz);
        if (n->op == HALO_OP_CONV || n->op == HALO_OP_LINEAR) {
            int64_t fan_in = sz[0] / n->cout;
            bool last = i == g->n_nodes - 1;
            /* uniform(-a, a) has variance a^2/3: a = sqrt(6/fan_in) gives 2/fan_in (ReLU gain) */
            float a = sqrtf((last ? 3.0f : 6.0f) / (float)fan_in);
            for (int64_t e = 0; e < sz[0]; e++) nw->weight[e] = a * (float)(2 * halo_rng_uniform(&rng) - 1);
            for (int64_t e = 0; e < sz[1]; e++) nw->bias[e] = 0.05f * (float)(2 * halo_rng_uniform(&rng) - 1);
        } else if (n->op == HALO_OP_BN) {
            for (int64_t e = 0; e < sz[0]; e++) {
                nw->weight[e] = bn_scale[i] * (float)(0.8 + 0.4 * halo_rng_uniform(&rng)); /* gamma */
                nw->bias[e] = 0.1f * (float)(2 * halo_rng_uniform(&rng) - 1);             /* beta */
                nw->mean[e] = 0.1f * (float)(2 * halo_rng_uniform(&rng) - 1);
                nw->var[e] = (float)(0.7 + 0.6 * halo_rng_uniform(&rng));
            }
        }
    }
    free(consumers);
    free(bn_scale);
    char src[64];
    snprintf(src, sizeof src, "random seed %llu", (unsigned long long)seed);
    w->source = halo_strdup(src);
    w->hash = halo_weights_hash(g, w);
    *out = w;
    return HALO_OK;
}
