/* Counting: exact MAC and parameter integers for every zoo model, against torchvision. */
#include "model/count.h"
#include "model/zoo.h"
#include "core/rng.h"
#include "test.h"

/* Exact integers from torchvision's own modules (tools/count_torchvision.py: forward hooks on
 * nn.Conv2d and nn.Linear, an independent count). Params are torchvision's num_params. */
static const struct {
    const char *name;
    long long params, macs_224, macs_225x317, macs_97x131;
    double published_gmac; /* torchvision's model table, 3 decimals (its "GFLOPS" column is GMAC) */
} expected[] = {
    {"resnet18", 11689512, 1814073344, 2750353216, 568349056, 1.814},
    {"resnet34", 21797672, 3663761408, 5563813696, 1151168896, 3.664},
    {"resnet50", 25557032, 4089184256, 6206947136, 1283932544, 4.089},
    {"resnet101", 44549160, 7801405440, 11888918336, 2477146496, 7.801},
    {"resnet152", 60192808, 11513626624, 17526325056, 3635822976, 11.514},
    {"vgg11", 132863336, 7609090048, 10585318336, 1961069632, 7.609},
    {"vgg11_bn", 132868840, 7609090048, 10585318336, 1961069632, 7.609},
    {"vgg13", 133047848, 11308466176, 15824024512, 2889563200, 11.308},
    {"vgg13_bn", 133053736, 11308466176, 15824024512, 2889563200, 11.308},
    {"vgg16", 138357544, 15470264320, 21637329856, 3908779072, 15.470},
    {"vgg16_bn", 138365992, 15470264320, 21637329856, 3908779072, 15.470},
    {"vgg19", 143667240, 19632062464, 27450635200, 4927994944, 19.632},
    {"vgg19_bn", 143678248, 19632062464, 27450635200, 4927994944, 19.632},
    {"alexnet", 61100840, 714188480, 973792640, 201242624, 0.714},
    {"mobilenet_v2", 3504872, 300774272, 458621440, 97869952, 0.301},
};

static long long macs_at(const char *name, int h, int w)
{
    struct halo_graph *g;
    if (halo_zoo_build_for(name, h, w, &g) != HALO_OK) return -1;
    long long m = halo_count_range(g, 0, g->n_nodes).macs;
    halo_graph_free(g);
    return m;
}

/* ---- independent closed-form counts, written from the papers' layer tables --------------- */

static int conv_out(int x, int k, int s, int p) { return (x + 2 * p - k) / s + 1; }

static long long vgg_macs(const int *cfg, int n, int h, int w)
{
    long long m = 0;
    int c = 3;
    for (int i = 0; i < n; i++) {
        if (cfg[i] == 0) {
            h /= 2;
            w /= 2;
        } else {
            m += (long long)cfg[i] * c * 9 * h * w;
            c = cfg[i];
        }
    }
    return m + 25088LL * 4096 + 4096LL * 4096 + 4096LL * 1000;
}

static long long resnet_macs(const int layers[4], int bottleneck, int h, int w)
{
    h = conv_out(h, 7, 2, 3);
    w = conv_out(w, 7, 2, 3);
    long long m = 64LL * 3 * 49 * h * w;
    h = conv_out(h, 3, 2, 1);
    w = conv_out(w, 3, 2, 1);
    int inplanes = 64, exp = bottleneck ? 4 : 1;
    for (int l = 0; l < 4; l++) {
        int planes = 64 << l;
        for (int b = 0; b < layers[l]; b++) {
            int s = (b == 0 && l > 0) ? 2 : 1;
            int oh = conv_out(h, 3, s, 1), ow = conv_out(w, 3, s, 1);
            if (bottleneck) {
                m += (long long)inplanes * planes * h * w;        /* conv1 1x1 */
                m += (long long)planes * planes * 9 * oh * ow;    /* conv2 3x3, stride s */
                m += (long long)planes * planes * 4 * oh * ow;    /* conv3 1x1 */
            } else {
                m += (long long)inplanes * planes * 9 * oh * ow;
                m += (long long)planes * planes * 9 * oh * ow;
            }
            if (s != 1 || inplanes != planes * exp) m += (long long)inplanes * planes * exp * oh * ow;
            inplanes = planes * exp;
            h = oh;
            w = ow;
        }
    }
    return m + (long long)512 * exp * 1000;
}

static void test_torchvision_counts(void)
{
    int n = (int)(sizeof expected / sizeof expected[0]), zoo_n;
    halo_zoo_list(&zoo_n);
    CHECK_EQ(n, zoo_n); /* every zoo model has its integers here */
    for (int i = 0; i < n; i++) {
        struct halo_graph *g;
        CHECK_OK(halo_zoo_build_for(expected[i].name, 224, 224, &g));
        struct halo_count c = halo_count_range(g, 0, g->n_nodes);
        CHECK_EQ(c.params, expected[i].params);
        CHECK_EQ(c.macs, expected[i].macs_224);
        /* the exact integer rounds to torchvision's published 3-decimal GMAC */
        CHECK_NEAR(c.macs / 1e9, expected[i].published_gmac, 0.0005);
        /* params do not depend on the input size; element-wise work is never in MACs */
        int64_t p = 0;
        for (int k = 0; k < g->n_nodes; k++) p += halo_count_node_params(g, k);
        CHECK_EQ(p, c.params);
        CHECK(c.elem_ops > 0);
        halo_graph_free(g);
        CHECK_EQ(macs_at(expected[i].name, 225, 317), expected[i].macs_225x317);
        CHECK_EQ(macs_at(expected[i].name, 97, 131), expected[i].macs_97x131);
    }
    /* the two headline integers, spelled out */
    CHECK_EQ(macs_at("resnet50", 224, 224), 4089184256LL);
    CHECK_EQ(macs_at("vgg16", 224, 224), 15470264320LL);
}

static void test_closed_form(void)
{
    /* property: closed-form counts agree with the graph at random sizes, square or not */
    static const int vgg_d[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
    static const int vgg_a[] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    static const int r34[4] = {3, 4, 6, 3}, r18[4] = {2, 2, 2, 2}, r152[4] = {3, 8, 36, 3};
    struct halo_rng rng;
    halo_rng_seed(&rng, 42);
    for (int t = 0; t < 12; t++) {
        int h = halo_rng_int(&rng, 32, 400), w = halo_rng_int(&rng, 32, 400);
        CHECK_EQ(macs_at("vgg16", h, w), vgg_macs(vgg_d, 18, h, w));
        CHECK_EQ(macs_at("vgg11_bn", h, w), vgg_macs(vgg_a, 13, h, w));
        CHECK_EQ(macs_at("resnet50", h, w), resnet_macs(r34, 1, h, w));
        CHECK_EQ(macs_at("resnet18", h, w), resnet_macs(r18, 0, h, w));
        CHECK_EQ(macs_at("resnet152", h, w), resnet_macs(r152, 1, h, w));
    }
}

static void test_elem_ops(void)
{
    /* element-wise ops of a hand-checked node: resnet50's stem maxpool at 224 (64x56x56 outputs,
     * 8 comparisons each) and bn1 (64x112x112 elements, 2 ops each) */
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet50", 224, 224, &g));
    CHECK_EQ(halo_count_node(g, 3).elem_ops, 64LL * 56 * 56 * 8);
    CHECK_EQ(halo_count_node(g, 1).elem_ops, 2LL * 64 * 112 * 112);
    CHECK_EQ(halo_count_node(g, 0).out_bytes, 4LL * 64 * 112 * 112);
    halo_graph_free(g);
}

int main(void)
{
    RUN(test_torchvision_counts);
    RUN(test_closed_form);
    RUN(test_elem_ops);
    return halo_test_done("test_count");
}
