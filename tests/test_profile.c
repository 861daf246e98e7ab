/* Profiles: schema round trip, the fit recovering known capacities exactly, prediction against a
 * hand-computed ratio, pricing, and a real profiler run that produces a valid profile. */
#include "core/alloc.h"
#include "model/count.h"
#include "model/zoo.h"
#include "profile/profiler.h"
#include "test.h"

#include <math.h>

/* A synthetic profile of `model` at h x w whose layer times follow time = overhead + work / G
 * exactly, with capacity gflops[class] and overhead_ms[class]; BN and ReLU marked fused. */
static struct halo_profile *synthetic(const char *name, const char *model, int h, int w, const double *gflops,
                                      const double *overhead)
{
    struct halo_graph *g;
    if (halo_zoo_build_for(model, h, w, &g) != HALO_OK) return NULL;
    struct halo_profile *p = halo_calloc(1, sizeof *p);
    p->name = halo_strdup(name);
    p->backend = halo_strdup("synthetic");
    p->library = halo_strdup("-");
    p->threads = 1;
    p->platform = cJSON_CreateObject();
    cJSON_AddStringToObject(p->platform, "backend", "synthetic");
    p->n_models = 1;
    p->models = halo_calloc(1, sizeof *p->models);
    struct halo_prof_model *pm = &p->models[0];
    pm->model = halo_strdup(model);
    pm->h = h;
    pm->w = w;
    pm->n_layers = g->n_nodes;
    pm->layers = halo_calloc((size_t)g->n_nodes, sizeof *pm->layers);
    double total = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        struct halo_prof_layer *l = &pm->layers[i];
        const struct halo_node *n = &g->nodes[i];
        struct halo_count c = halo_count_node(g, i);
        l->node = halo_strdup(n->name);
        l->index = i;
        l->op = n->op;
        l->cls = halo_layer_class_of(n);
        l->macs = c.macs;
        l->elem_ops = c.elem_ops;
        l->impl = halo_strdup("synthetic");
        l->fused = n->op == HALO_OP_BN || n->op == HALO_OP_RELU || n->op == HALO_OP_FLATTEN;
        double work = l->cls == HALO_CLASS_ELEMENTWISE ? (double)c.elem_ops : 2.0 * (double)c.macs;
        double t = l->fused ? 0 : overhead[l->cls] + work / (gflops[l->cls] * 1e6);
        l->time_ms = (struct halo_stats){t, t, t, t, t};
        total += t;
    }
    pm->latency_ms = (struct halo_stats){total, total, total, total, total};
    halo_graph_free(g);
    return p;
}

/* The synthetic profile's capacities per layer class (GFLOP/s). */
static const double G[HALO_CLASS_COUNT_] = {400, 300, 250, 40, 350, 20, 5};

static void test_fit_and_round_trip(void)
{
    /* the fit recovers capacities and overheads exactly (to rounding) from exact synthetic times */
    double O[HALO_CLASS_COUNT_] = {0.02, 0.01, 0.03, 0.005, 0.02, 0.1, 0.001};
    struct halo_profile *p = synthetic("syn-a", "resnet50", 128, 160, G, O);
    CHECK(p != NULL);
    CHECK_OK(halo_profile_fit(p));
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        const struct halo_class_fit *f = &p->fit[k];
        if (!f->present) continue;
        /* capacity and overhead are identifiable only when the class's layers differ in work
         * (resnet50's 3x3 convs all have the same FLOPs); the fit's times are exact either way */
        double w0 = -1;
        bool varied = false;
        for (int i = 0; i < p->models[0].n_layers; i++) {
            const struct halo_prof_layer *l = &p->models[0].layers[i];
            if (l->cls != (enum halo_layer_class)k || l->fused) continue;
            double w = k == HALO_CLASS_ELEMENTWISE ? (double)l->elem_ops : (double)l->macs;
            if (w0 >= 0 && w != w0) varied = true;
            w0 = w;
        }
        CHECK(f->max_rel_err < 1e-9);
        if (f->n >= 2 && varied) {
            CHECK_NEAR(f->gflops, G[k], 1e-6 * G[k]);
            CHECK_NEAR(f->overhead_ms, O[k], 1e-9);
            CHECK_NEAR(f->r2, 1.0, 1e-9);
            CHECK(f->max_rel_err < 1e-9);
        }
    }
    CHECK(p->fit[HALO_CLASS_CONV3X3].present && p->fit[HALO_CLASS_CONV1X1].present &&
          p->fit[HALO_CLASS_CONV_STRIDED].present && p->fit[HALO_CLASS_ELEMENTWISE].present);
    CHECK(!p->fit[HALO_CLASS_DEPTHWISE].present); /* resnet50 has no depthwise conv */

    /* schema round trip */
    CHECK_OK(halo_profile_save(p, "/tmp/halo-test-profile.json"));
    struct halo_profile *q;
    CHECK_OK(halo_profile_load("/tmp/halo-test-profile.json", &q));
    CHECK_STR(q->name, "syn-a");
    CHECK_EQ(q->n_models, 1);
    CHECK_EQ(q->models[0].n_layers, p->models[0].n_layers);
    for (int i = 0; i < q->models[0].n_layers; i++) {
        CHECK_STR(q->models[0].layers[i].node, p->models[0].layers[i].node);
        CHECK_EQ(q->models[0].layers[i].macs, p->models[0].layers[i].macs);
        CHECK_NEAR(q->models[0].layers[i].time_ms.median, p->models[0].layers[i].time_ms.median, 1e-12);
        CHECK_EQ(q->models[0].layers[i].fused, p->models[0].layers[i].fused);
    }
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) {
        CHECK_EQ(q->fit[k].present, p->fit[k].present);
        if (p->fit[k].present) CHECK_NEAR(q->fit[k].gflops, p->fit[k].gflops, 1e-9 * p->fit[k].gflops);
    }
    halo_profile_free(q);
    halo_profile_free(p);
}

static void test_predict_and_price(void)
{
    /* prediction by hand: on profile B every capacity is 2.5x A's and there are no overheads, so
     * B is exactly 2.5x faster on any model, measured or not */
    double Z[HALO_CLASS_COUNT_] = {0};
    double GB[HALO_CLASS_COUNT_];
    for (int k = 0; k < HALO_CLASS_COUNT_; k++) GB[k] = 2.5 * G[k];
    struct halo_profile *a = synthetic("A", "mobilenet_v2", 96, 96, G, Z), *b = synthetic("B", "mobilenet_v2", 96, 96, GB, Z);
    CHECK_OK(halo_profile_fit(a));
    CHECK_OK(halo_profile_fit(b));
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("mobilenet_v2", 96, 96, &g));
    double ta, tb;
    CHECK_OK(halo_profile_predict_ms(a, g, &ta));
    CHECK_OK(halo_profile_predict_ms(b, g, &tb));
    CHECK_NEAR(ta / tb, 2.5, 1e-9);
    /* and the absolute time: sum over layers of FLOPs / capacity, fused layers free */
    double hand = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *n = &g->nodes[i];
        if (n->op == HALO_OP_BN || n->op == HALO_OP_RELU || n->op == HALO_OP_FLATTEN) continue;
        /* mobilenet's ReLU6 is not in the fused list: it is priced as element-wise work */
        struct halo_count c = halo_count_node(g, i);
        enum halo_layer_class k = halo_layer_class_of(n);
        hand += (k == HALO_CLASS_ELEMENTWISE ? (double)c.elem_ops : 2.0 * (double)c.macs) / (G[k] * 1e6);
    }
    /* the fit-only pricer needs fused_ops to know BN/ReLU are free: declare them as the profiler would */
    a->fused_ops = halo_calloc(3, sizeof *a->fused_ops);
    a->fused_ops[0] = halo_strdup("batchnorm");
    a->fused_ops[1] = halo_strdup("relu");
    a->fused_ops[2] = halo_strdup("flatten");
    a->n_fused_ops = 3;
    CHECK_OK(halo_profile_predict_ms(a, g, &ta));
    CHECK_NEAR(ta, hand, 1e-9 * hand);

    /* pricing: the measured layer at full size gives its measured time; a half strip costs half
     * without a measured tile (no penalty recorded) */
    struct halo_pricer *pr;
    CHECK_OK(halo_pricer_new(a, g, &pr));
    CHECK(halo_pricer_measured(pr));
    int conv = 0;
    struct halo_shape s0 = g->nodes[conv].out_shape;
    CHECK_NEAR(halo_pricer_node_ms(pr, conv, (int64_t)s0.h * s0.w), a->models[0].layers[conv].time_ms.median, 1e-12);
    CHECK_NEAR(halo_pricer_node_ms(pr, conv, (int64_t)s0.h * s0.w / 2), a->models[0].layers[conv].time_ms.median / 2, 1e-9);
    halo_pricer_free(pr);
    halo_graph_free(g);
    halo_profile_free(a);
    halo_profile_free(b);
}

static void test_malformed(void)
{
    struct halo_profile *q;
    /* malformed and incompatible profiles */
    FILE *f = fopen("/tmp/halo-bad-profile.json", "w");
    fputs("{\"schema\": \"halo-profile/1\", \"name\": \"x\", \"platform\": {\"backend\": \"cpu\"}, \"models\": [{\"model\": "
          "\"resnet18\", \"input\": [224], \"latency_ms\": {\"median\": 1}, \"layers\": []}]}", f);
    fclose(f);
    CHECK_ERR(halo_profile_load("/tmp/halo-bad-profile.json", &q), HALO_ERR_INVALID, "models[0].input: must be [H, W]");
    f = fopen("/tmp/halo-bad-profile.json", "w");
    fputs("{\"schema\": \"halo-profile/2\"}", f);
    fclose(f);
    CHECK_ERR(halo_profile_load("/tmp/halo-bad-profile.json", &q), HALO_ERR_INVALID, "'halo-profile/2' is not supported");
}

static void test_profiler(void)
{
    struct halo_profile *p, *q;
    struct halo_graph *g;
    struct halo_pricer *pr;
    /* the profiler on resnet18 at a small input, 2 repetitions, produces a profile that loads */
    const double fr[] = {1, 0.5, 0.25};
    char *models[] = {"resnet18"};
    struct halo_profiler_opts o = {.backend = "ref", .warmup = 1, .repeat = 2, .h = 40, .w = 40, .fractions = fr,
                                   .n_fractions = 3, .seed = 1, .name = "test-ref"};
    CHECK_OK(halo_profile_measure(&o, models, 1, &p));
    CHECK_OK(halo_profile_save(p, "/tmp/halo-test-profile.json"));
    halo_profile_free(p);
    CHECK_OK(halo_profile_load("/tmp/halo-test-profile.json", &q));
    CHECK_EQ(q->n_models, 1);
    CHECK(q->models[0].latency_ms.median > 0);
    CHECK(q->has_fit && q->fit[HALO_CLASS_CONV3X3].present && q->fit[HALO_CLASS_CONV3X3].gflops > 0);
    CHECK(cJSON_GetObjectItem(q->platform, "topology") != NULL);
    int tiles = 0;
    for (int i = 0; i < q->models[0].n_layers; i++) tiles += q->models[0].layers[i].n_tiles;
    CHECK(tiles > 0);
    CHECK_OK(halo_zoo_build_for("resnet18", 40, 40, &g));
    CHECK_OK(halo_pricer_new(q, g, &pr));
    CHECK(halo_pricer_measured(pr));
    halo_pricer_free(pr);
    halo_graph_free(g);
    halo_profile_free(q);
}

int main(void)
{
    RUN(test_fit_and_round_trip);
    RUN(test_predict_and_price);
    RUN(test_malformed);
    RUN(test_profiler);
    return halo_test_done("test_profile");

}
