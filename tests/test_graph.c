/* Graph: shape inference against hand-computed shapes, torchvision names, stages with exactly one
 * input and one output tensor, minimum input sizes, and the rows formula J, R. */
#include "model/count.h"
#include "model/graph.h"
#include "model/zoo.h"
#include "test.h"

static int find(const struct halo_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name)) return i;
    return -1;
}

static void check_shape(const struct halo_graph *g, const char *node, int c, int h, int w)
{
    int i = find(g, node);
    CHECK(i >= 0);
    if (i < 0) {
        fprintf(stderr, "  node %s not found in %s\n", node, g->name);
        return;
    }
    struct halo_shape s = g->nodes[i].out_shape;
    if (s.c != c || s.h != h || s.w != w)
        fprintf(stderr, "  %s %s: got %dx%dx%d, want %dx%dx%d\n", g->name, node, s.c, s.h, s.w, c, h, w);
    CHECK(s.c == c && s.h == h && s.w == w);
}

/* Every stage reads exactly one tensor from outside (the previous stage's output, or the image)
 * and exactly one of its tensors is read after it (its last node's). */
static void check_stages(const struct halo_graph *g)
{
    CHECK(g->n_stages > 0);
    CHECK_EQ(g->stages[0].first, 0);
    CHECK_EQ(g->stages[g->n_stages - 1].last, g->n_nodes);
    for (int s = 0; s < g->n_stages; s++) {
        const struct halo_stage *st = &g->stages[s];
        if (s) CHECK_EQ(st->first, g->stages[s - 1].last);
        int outside_in = st->first - 1; /* HALO_INPUT for the first stage */
        for (int i = st->first; i < st->last; i++)
            for (int k = 0; k < g->nodes[i].n_in; k++) {
                int p = g->nodes[i].in[k];
                bool ok = (p >= st->first && p < i) || p == outside_in;
                if (!ok) fprintf(stderr, "  %s stage %s: node %s reads %d\n", g->name, st->name, g->nodes[i].name, p);
                CHECK(ok);
            }
        for (int i = st->last; i < g->n_nodes; i++)
            for (int k = 0; k < g->nodes[i].n_in; k++) {
                int p = g->nodes[i].in[k];
                bool ok = p < st->first || p >= st->last || p == st->last - 1;
                if (!ok) fprintf(stderr, "  %s stage %s: %s is read by %s\n", g->name, st->name, g->nodes[p].name, g->nodes[i].name);
                CHECK(ok);
            }
    }
    for (int s = 0; s < g->n_stages; s++) CHECK_EQ(g->stages[s].spatial, s < g->n_spatial);
}

static void test_zoo_stages(void)
{
    int n;
    const struct halo_zoo_entry *zoo = halo_zoo_list(&n);
    for (int i = 0; i < n; i++) {
        struct halo_graph *g;
        CHECK_OK(halo_zoo_build_for(zoo[i].name, 224, 224, &g));
        check_stages(g);
        struct halo_shape out = g->nodes[g->n_nodes - 1].out_shape;
        CHECK(out.c == 1000 && out.h == 1 && out.w == 1);
        halo_graph_free(g);
    }
}

static void test_resnet50_shapes(void)
{
    /* ResNet-50 at 225x317, by hand: conv1 floor((225+6-7)/2)+1 = 113, floor((317+6-7)/2)+1 = 159;
     * maxpool 57x80; each later stride-2 block: floor((x+2-3)/2)+1. */
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet50", 225, 317, &g));
    check_shape(g, "conv1", 64, 113, 159);
    check_shape(g, "maxpool", 64, 57, 80);
    check_shape(g, "layer1.0.conv1", 64, 57, 80);
    check_shape(g, "layer1.0.downsample.0", 256, 57, 80);
    check_shape(g, "layer1.2.relu_2", 256, 57, 80);
    check_shape(g, "layer2.0.conv1", 128, 57, 80); /* v1.5: the 1x1 keeps the resolution */
    check_shape(g, "layer2.0.conv2", 128, 29, 40); /* the stride is on the 3x3 */
    check_shape(g, "layer2.0.downsample.0", 512, 29, 40);
    check_shape(g, "layer3.5.add", 1024, 15, 20);
    check_shape(g, "layer4.2.relu_2", 2048, 8, 10);
    check_shape(g, "avgpool", 2048, 1, 1);
    check_shape(g, "fc", 1000, 1, 1);
    CHECK_EQ(g->n_stages, 19);
    CHECK_EQ(g->n_spatial, 17);
    CHECK_STR(g->stages[0].name, "conv1..maxpool");
    CHECK_STR(g->stages[1].name, "layer1.0");
    CHECK_STR(g->stages[16].name, "layer4.2");
    /* J and R (docs/METHODS.md, receptive fields): stem 7x7/2 then 3x3/2: J = 4, R = 7 + 2*2 = 11 */
    int J, R;
    CHECK(halo_graph_range_field(g, g->stages[0].first, g->stages[0].last, &J, &R));
    CHECK(J == 4 && R == 11);
    /* stem + layer1.0 (3x3 at J=4 adds 2*4): R = 19 */
    CHECK(halo_graph_range_field(g, 0, g->stages[1].last, &J, &R));
    CHECK(J == 4 && R == 19);
    CHECK(!halo_graph_range_field(g, g->stages[17].first, g->stages[17].last, &J, &R));
    halo_graph_free(g);
}

static void test_vgg16_shapes(void)
{
    struct halo_graph *g;
    /* VGG-16 at 225x317: five 2x2 pools floor-halve: 112x158, 56x79, 28x39, 14x19, 7x9 */
    CHECK_OK(halo_zoo_build_for("vgg16", 225, 317, &g));
    check_shape(g, "features.0", 64, 225, 317);
    check_shape(g, "features.4", 64, 112, 158);
    check_shape(g, "features.9", 128, 56, 79);
    check_shape(g, "features.16", 256, 28, 39);
    check_shape(g, "features.23", 512, 14, 19);
    check_shape(g, "features.28", 512, 14, 19);
    check_shape(g, "features.30", 512, 7, 9);
    check_shape(g, "avgpool", 512, 7, 7);
    check_shape(g, "flatten", 25088, 1, 1);
    check_shape(g, "classifier.6", 1000, 1, 1);
    CHECK_EQ(g->n_stages, 17);
    CHECK_STR(g->stages[0].name, "features.0-1");
    CHECK_STR(g->stages[12].name, "features.28-30");
    halo_graph_free(g);
}

static void test_alexnet_shapes(void)
{
    struct halo_graph *g;
    /* AlexNet at 225x317: conv 11/4 p2: floor(218/4)+1 = 55, floor(310/4)+1 = 78; pools 3/2 */
    CHECK_OK(halo_zoo_build_for("alexnet", 225, 317, &g));
    check_shape(g, "features.0", 64, 55, 78);
    check_shape(g, "features.2", 64, 27, 38);
    check_shape(g, "features.5", 192, 13, 18);
    check_shape(g, "features.12", 256, 6, 8);
    check_shape(g, "avgpool", 256, 6, 6);
    halo_graph_free(g);
}

static void test_mobilenet_v2_shapes(void)
{
    struct halo_graph *g;
    /* MobileNetV2 at 225x317: depthwise convs and residual adds */
    CHECK_OK(halo_zoo_build_for("mobilenet_v2", 225, 317, &g));
    check_shape(g, "features.0.0", 32, 113, 159);
    check_shape(g, "features.1.conv.0.0", 32, 113, 159);
    check_shape(g, "features.1.conv.1", 16, 113, 159);
    check_shape(g, "features.2.conv.1.0", 96, 57, 80);
    check_shape(g, "features.3.add", 24, 57, 80);
    check_shape(g, "features.18.2", 1280, 8, 10);
    int dw = find(g, "features.2.conv.1.0");
    CHECK(dw >= 0 && g->nodes[dw].groups == 96);
    CHECK(find(g, "features.2.add") < 0); /* stride 2: no residual */
    halo_graph_free(g);
}

static void test_state_dict_names(void)
{
    struct halo_graph *g;
    /* torchvision's state_dict prefixes */
    CHECK_OK(halo_zoo_build("resnet18", &g));
    CHECK(find(g, "layer2.0.downsample.1") >= 0 && find(g, "layer1.0.downsample.0") < 0);
    halo_graph_free(g);
    CHECK_OK(halo_zoo_build("vgg16_bn", &g));
    CHECK(g->nodes[find(g, "features.1")].op == HALO_OP_BN);
    CHECK(g->nodes[find(g, "features.43")].op == HALO_OP_MAXPOOL);
    halo_graph_free(g);
}

static void test_too_small(void)
{
    struct halo_graph *g;
    /* inputs too small: the message gives the minimum */
    CHECK_ERR(halo_zoo_build_for("vgg16", 31, 224, &g), HALO_ERR_INVALID, "minimum 32x32");
    CHECK_ERR(halo_zoo_build_for("alexnet", 62, 100, &g), HALO_ERR_INVALID, "minimum 63x63");
    CHECK_ERR(halo_zoo_build_for("nosuchnet", 224, 224, &g), HALO_ERR_INVALID, "known: resnet18");
    CHECK_OK(halo_zoo_build_for("vgg16", 32, 32, &g));
    halo_graph_free(g);
}

/* A residual whose branch is two convs with nothing between them: the shortcut (the stem's output,
 * node 0) crosses the cut before the second conv, which is a conv and would otherwise start a
 * stage. The zoo's blocks have a BN after every conv, so only a graph like this one shows whether
 * stage detection forbids the cut right after the producer's first reader. */
static void test_tight_residual(void)
{
    struct halo_graph *g = halo_graph_new("tight_residual", 3);
    int stem = halo_graph_conv(g, "stem", HALO_INPUT, 3, 8, 3, 1, 1, 1, 1, true);
    int a = halo_graph_conv(g, "a", stem, 8, 8, 3, 1, 1, 1, 1, true);
    int b = halo_graph_conv(g, "b", a, 8, 8, 3, 1, 1, 1, 1, true);
    halo_graph_add(g, "add", stem, b);
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 16, 16));
    check_stages(g);
    CHECK_EQ(g->n_stages, 2); /* stem; a, b, add */
    if (g->n_stages == 2) CHECK_STR(g->stages[1].name, "a..add");
    halo_graph_free(g);
}

static void test_reinfer(void)
{
    struct halo_graph *g;
    /* a graph re-inferred at another size reports the new shapes */
    CHECK_OK(halo_zoo_build("resnet18", &g));
    CHECK_OK(halo_graph_infer(g, 64, 96));
    check_shape(g, "layer4.1.relu_1", 512, 2, 3);
    CHECK_OK(halo_graph_infer(g, 224, 224));
    check_shape(g, "layer4.1.relu_1", 512, 7, 7);
    halo_graph_free(g);
}

/* Networks past HALO_TENSOR_DIM_MAX and HALO_MACS_MAX are refused by inference, not overflowed: a
 * map grown by padding, a flatten, a layer's MACs; a 65536x65536 pool window counts in 64 bits. */
static void test_size_bounds(void)
{
    struct halo_graph *g = halo_graph_new("padded", 1);
    int x = HALO_INPUT;
    for (int i = 0; i < 130; i++) { /* each 1x1 conv with 65536 pads grows a side by 131072 */
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        x = halo_graph_conv(g, name, x, 1, 1, 1, 1, 65536, 1, 1, false);
    }
    CHECK_OK(halo_graph_finalize(g));
    CHECK_ERR(halo_graph_infer(g, 8, 8), HALO_ERR_INVALID, "c127: output 1x16777224x16777224: a side or the channels past 16777216");
    halo_graph_free(g);

    g = halo_graph_new("flat", 3);
    halo_graph_flatten(g, "flat", halo_graph_conv(g, "c", HALO_INPUT, 3, 64, 1, 1, 0, 1, 1, false));
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 512, 512)); /* 16777216 features: the most */
    CHECK_ERR(halo_graph_infer(g, 512, 513), HALO_ERR_INVALID, "flat: flattens 64x512x513 into more than 16777216 features");
    halo_graph_free(g);

    g = halo_graph_new("wide", 65536);
    halo_graph_conv(g, "c", HALO_INPUT, 65536, 65536, 1, 1, 0, 1, 1, false);
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 8, 8));
    CHECK_ERR(halo_graph_infer(g, 65536, 65536), HALO_ERR_INVALID, "c: 1.84e+19 multiply-accumulates");
    halo_graph_free(g);

    g = halo_graph_new("pool", 3);
    halo_graph_pool(g, HALO_OP_MAXPOOL, "mp", HALO_INPUT, 65536, 1, 0);
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 65536, 65536));
    CHECK_EQ(halo_count_node(g, 0).elem_ops, 3 * (((int64_t)1 << 32) - 1));
    halo_graph_free(g);
}

int main(void)
{
    RUN(test_zoo_stages);
    RUN(test_resnet50_shapes);
    RUN(test_vgg16_shapes);
    RUN(test_alexnet_shapes);
    RUN(test_mobilenet_v2_shapes);
    RUN(test_state_dict_names);
    RUN(test_too_small);
    RUN(test_reinfer);
    RUN(test_tight_residual);
    RUN(test_size_bounds);
    return halo_test_done("test_graph");
}
