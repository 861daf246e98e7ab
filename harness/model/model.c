#include "model/model.h"
#include "model/onnx.h"
#include "model/zoo.h"

#include <stdio.h>

enum halo_status halo_model_build(const char *model, struct halo_graph **out)
{
    *out = NULL;
    if (halo_onnx_is_path(model)) return halo_onnx_import(model, out, NULL);
    return halo_zoo_build(model, out);
}

enum halo_status halo_model_build_for(const char *model, int h, int w, struct halo_graph **out)
{
    struct halo_graph *g;
    *out = NULL;
    HALO_TRY(halo_model_build(model, &g));
    if (halo_graph_infer(g, h, w) != HALO_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", halo_error_msg());
        int mh, mw;
        enum halo_status st = halo_graph_min_input(g, &mh, &mw);
        if (st == HALO_OK && (h < mh || w < mw))
            st = halo_error(HALO_ERR_INVALID, "%s: input %dx%d is too small (minimum %dx%d)", model, h, w, mh, mw);
        else /* large enough, yet refused: e.g. a classifier sized for another input */
            st = halo_error(HALO_ERR_INVALID, "%s: input %dx%d: %s", model, h, w, why);
        halo_graph_free(g);
        return st;
    }
    *out = g;
    return HALO_OK;
}

enum halo_status halo_model_weights(const struct halo_graph *g, const char *path, uint64_t seed,
                                    struct halo_weights **out)
{
    *out = NULL;
    if (path) return halo_weights_load(g, path, out);
    if (!g->source) return halo_weights_random(g, seed, out);
    struct halo_graph *g2 = NULL;
    struct halo_weights *w = NULL;
    HALO_TRY(halo_onnx_import(g->source, &g2, &w));
    enum halo_status st = HALO_OK;
    if (g2->source_hash != g->source_hash || g2->n_nodes != g->n_nodes)
        st = halo_error(HALO_ERR_MISMATCH, "%s: the file changed while halo was using it", g->source);
    halo_graph_free(g2);
    if (st != HALO_OK) {
        halo_weights_free(w);
        return st;
    }
    *out = w;
    return HALO_OK;
}
