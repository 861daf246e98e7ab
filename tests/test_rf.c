/* Receptive-field tiles: rects checked against hand arithmetic (written out in the comments) for a
 * 7x7/2 conv, a 3x3/2 max pool, a ResNet bottleneck with a stride-2 3x3 and a downsample shortcut,
 * dilated convs, windows wholly in padding, odd sizes, top/middle/bottom rects; the rows formula
 * (n-1)*J + R of docs/METHODS.md against tile inputs of VGG and ResNet ranges; stage ranges; and a
 * tile run on ref equal, bit for bit, to the same region of the full computation. */
#include "core/rng.h"
#include "exec/executor.h"
#include "model/count.h"
#include "model/rf.h"
#include "model/weights.h"
#include "model/zoo.h"
#include "test.h"

static struct halo_rect R(int y0, int y1, int x0, int x1) { return (struct halo_rect){y0, y1, x0, x1}; }

#define CHECK_RECT(got, y0_, y1_, x0_, x1_)                                                       \
    do {                                                                                          \
        struct halo_rect g_ = (got);                                                              \
        CHECK_EQ(g_.y0, y0_);                                                                     \
        CHECK_EQ(g_.y1, y1_);                                                                     \
        CHECK_EQ(g_.x0, x0_);                                                                     \
        CHECK_EQ(g_.x1, x1_);                                                                     \
    } while (0)

#define CHECK_PAD(got, t_, b_, l_, r_)                                                            \
    do {                                                                                          \
        struct halo_pad p_ = (got);                                                               \
        CHECK_EQ(p_.top, t_);                                                                     \
        CHECK_EQ(p_.bottom, b_);                                                                  \
        CHECK_EQ(p_.left, l_);                                                                    \
        CHECK_EQ(p_.right, r_);                                                                   \
    } while (0)

static int find(const struct halo_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name)) return i;
    fprintf(stderr, "node %s not in %s\n", name, g->name);
    abort();
}

/* One conv (or pool) on the image, inferred at h x w. */
static struct halo_graph *one_conv(int cin, int cout, int k, int s, int p, int d, int h, int w)
{
    struct halo_graph *g = halo_graph_new("one_conv", cin);
    halo_graph_conv(g, "conv", HALO_INPUT, cin, cout, k, s, p, d, 1, true);
    HALO_ASSERT(halo_graph_finalize(g) == HALO_OK && halo_graph_infer(g, h, w) == HALO_OK);
    return g;
}

static struct halo_graph *one_maxpool(int c, int k, int s, int p, int h, int w)
{
    struct halo_graph *g = halo_graph_new("one_maxpool", c);
    halo_graph_pool(g, HALO_OP_MAXPOOL, "pool", HALO_INPUT, k, s, p);
    HALO_ASSERT(halo_graph_finalize(g) == HALO_OK && halo_graph_infer(g, h, w) == HALO_OK);
    return g;
}

static void test_conv7_s2_p3(void)
{
    /* 224 -> floor((224 + 2*3 - 7) / 2) + 1 = 112. Window of output rows [a, b):
     * [2a - 3, 2(b-1) - 3 + 7). */
    struct halo_graph *g = one_conv(3, 8, 7, 2, 3, 1, 224, 224);
    CHECK_EQ(g->nodes[0].out_shape.h, 112);
    struct halo_tile t;
    /* top rows [0,10), all columns: rows [-3, 22) -> read [0,22), 3 zero rows on top; columns
     * [-3, 2*111 - 3 + 7 = 226) -> read [0,224), 3 zeros left, 2 right (PyTorch pads 3, the
     * last window uses 2). */
    CHECK_OK(halo_tile_build(g, 0, 1, R(0, 10, 0, 112), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 0, 22, 0, 224);
    CHECK_RECT(t.node[0].read[0], 0, 22, 0, 224);
    CHECK_PAD(t.node[0].pad[0], 3, 0, 3, 2);
    halo_tile_free(&t);
    /* middle rows [50,60), columns [20,40): rows [97, 2*59 - 3 + 7 = 122) = 25 rows
     * = (10-1)*2 + 7; columns [37, 2*39 - 3 + 7 = 82); no padding. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(50, 60, 20, 40), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 97, 122, 37, 82);
    CHECK_PAD(t.node[0].pad[0], 0, 0, 0, 0);
    halo_tile_free(&t);
    /* bottom rows [100,112): [197, 226) -> read [197,224), 2 zero rows at the bottom. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(100, 112, 0, 1), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 197, 224, 0, 4);
    CHECK_PAD(t.node[0].pad[0], 0, 2, 3, 0);
    halo_tile_free(&t);
    halo_graph_free(g);

    /* Odd input 225x227: 225 -> floor((225+6-7)/2)+1 = 113, 227 -> 114. Bottom rows [100,113):
     * [197, 2*112 - 3 + 7 = 228) -> read [197,225), 3 zero rows; last column 113:
     * [223, 230) -> read [223,227), 3 zero columns. */
    g = one_conv(3, 8, 7, 2, 3, 1, 225, 227);
    CHECK_EQ(g->nodes[0].out_shape.h, 113);
    CHECK_EQ(g->nodes[0].out_shape.w, 114);
    CHECK_OK(halo_tile_build(g, 0, 1, R(100, 113, 113, 114), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 197, 225, 223, 227);
    CHECK_PAD(t.node[0].pad[0], 0, 3, 0, 3);
    halo_tile_free(&t);
    halo_graph_free(g);
}

static void test_maxpool3_s2_p1(void)
{
    /* 112 -> floor((112 + 2 - 3)/2) + 1 = 56. Window of rows [a,b): [2a - 1, 2(b-1) - 1 + 3). */
    struct halo_graph *g = one_maxpool(4, 3, 2, 1, 112, 112);
    struct halo_tile t;
    /* top half [0,28): [-1, 56) -> read [0,56), 1 pad row on top. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(0, 28, 0, 56), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 0, 56, 0, 112);
    CHECK_PAD(t.node[0].pad[0], 1, 0, 1, 0); /* last column window [109, 112): no right pad */
    halo_tile_free(&t);
    /* bottom half [28,56): [55, 112): the halo row 55 comes from the neighbour, no bottom pad. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(28, 56, 0, 56), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 55, 112, 0, 112);
    CHECK_PAD(t.node[0].pad[0], 0, 0, 1, 0);
    halo_tile_free(&t);
    /* middle row [10,11): [19, 22): 3 rows = (1-1)*2 + 3. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(10, 11, 10, 11), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 19, 22, 19, 22);
    halo_tile_free(&t);
    halo_graph_free(g);

    /* Odd: 113 -> floor((113+2-3)/2)+1 = 57; rows [50,57): [99, 2*56 - 1 + 3 = 114) ->
     * read [99,113), 1 pad row at the bottom (the true border). */
    g = one_maxpool(4, 3, 2, 1, 113, 113);
    CHECK_EQ(g->nodes[0].out_shape.h, 57);
    CHECK_OK(halo_tile_build(g, 0, 1, R(50, 57, 0, 57), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 99, 113, 0, 113);
    CHECK_PAD(t.node[0].pad[0], 0, 1, 1, 1);
    halo_tile_free(&t);
    halo_graph_free(g);
}

static void test_bottleneck(void)
{
    /* ResNet-50 layer2.0 (stage 4) at 224: input 256x56x56, output 512x28x28. Main path: conv1
     * 1x1/1, conv2 3x3/2 p1, conv3 1x1/1; shortcut: downsample.0 1x1/2 p0. */
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet50", 224, 224, &g));
    int s = 4;
    CHECK_STR(g->stages[s].name, "layer2.0");
    int first = g->stages[s].first, last = g->stages[s].last;
    int c1 = find(g, "layer2.0.conv1") - first, c2 = find(g, "layer2.0.conv2") - first;
    int c3 = find(g, "layer2.0.conv3") - first, ds = find(g, "layer2.0.downsample.0") - first;
    int add = find(g, "layer2.0.add") - first;
    struct halo_tile t;

    /* middle rows [10,20), all 28 columns. add, bn3, conv3, relu_1, conv2 produce rows [10,20).
     * conv2 reads [2*10 - 1, 2*19 - 1 + 3) = [19, 40) (21 rows = 9*2 + 3), so relu, bn1 and
     * conv1 produce [19,40) and conv1 (1x1) reads input rows [19,40). Columns of conv2:
     * [-1, 2*27 - 1 + 3 = 56) -> read [0,56), 1 pad left, none right.
     * The shortcut reads [2*10, 2*19 + 1) = [20, 39), columns [0, 55). Union: [19,40) x [0,56). */
    CHECK_OK(halo_tile_build_stages(g, s, s + 1, R(10, 20, 0, 28), HALO_TILE_EXACT, &t));
    CHECK_EQ(t.first, first);
    CHECK_EQ(t.last, last);
    CHECK_RECT(t.node[add].out, 10, 20, 0, 28);
    CHECK_RECT(t.node[c3].out, 10, 20, 0, 28);
    CHECK_RECT(t.node[c2].out, 10, 20, 0, 28);
    CHECK_RECT(t.node[c2].read[0], 19, 40, 0, 56);
    CHECK_PAD(t.node[c2].pad[0], 0, 0, 1, 0);
    CHECK_RECT(t.node[c1].out, 19, 40, 0, 56);
    CHECK_RECT(t.node[c1].read[0], 19, 40, 0, 56);
    CHECK_RECT(t.node[ds].out, 10, 20, 0, 28);
    CHECK_RECT(t.node[ds].read[0], 20, 39, 0, 55);
    CHECK_PAD(t.node[ds].pad[0], 0, 0, 0, 0);
    CHECK_RECT(t.in, 19, 40, 0, 56);
    halo_tile_free(&t);

    /* top rows [0,5): conv2 [-1, 2*4 - 1 + 3 = 10) -> read [0,10), 1 pad row; shortcut [0, 9). */
    CHECK_OK(halo_tile_build_stages(g, s, s + 1, R(0, 5, 0, 28), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.node[c2].read[0], 0, 10, 0, 56);
    CHECK_PAD(t.node[c2].pad[0], 1, 0, 1, 0);
    CHECK_RECT(t.node[ds].read[0], 0, 9, 0, 55);
    CHECK_RECT(t.in, 0, 10, 0, 56);
    halo_tile_free(&t);

    /* bottom rows [20,28): conv2 [39, 56) (no pad: the last window ends at the border);
     * shortcut [40, 55). */
    CHECK_OK(halo_tile_build_stages(g, s, s + 1, R(20, 28, 0, 28), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.node[c2].read[0], 39, 56, 0, 56);
    CHECK_PAD(t.node[c2].pad[0], 0, 0, 1, 0);
    CHECK_RECT(t.node[ds].read[0], 40, 55, 0, 55);
    CHECK_RECT(t.in, 39, 56, 0, 56);
    halo_tile_free(&t);
    halo_graph_free(g);

    /* At 225x225 layer2.0 reads 57x57 and outputs floor((57+2-3)/2)+1 = 29. Bottom rows [25,29):
     * conv2 [49, 2*28 - 1 + 3 = 58) -> read [49,57), 1 pad row; shortcut [50, 57). */
    CHECK_OK(halo_zoo_build_for("resnet50", 225, 225, &g));
    CHECK_EQ(halo_stage_in_shape(g, s).h, 57);
    CHECK_EQ(halo_stage_out_shape(g, s).h, 29);
    CHECK_OK(halo_tile_build_stages(g, s, s + 1, R(25, 29, 0, 29), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.node[c2].read[0], 49, 57, 0, 57);
    CHECK_PAD(t.node[c2].pad[0], 0, 1, 1, 1);
    CHECK_RECT(t.node[ds].read[0], 50, 57, 0, 57);
    CHECK_RECT(t.in, 49, 57, 0, 57);
    halo_tile_free(&t);
    halo_graph_free(g);
}

static void test_dilated(void)
{
    /* 3x3, dilation 2, padding 2, stride 1 on 20: window of rows [a,b): [a - 2, b - 1 - 2 + 4 + 1). */
    struct halo_graph *g = one_conv(4, 4, 3, 1, 2, 2, 20, 20);
    CHECK_EQ(g->nodes[0].out_shape.h, 20);
    struct halo_tile t;
    /* middle rows [5,9): [3, 11) = (4-1)*1 + 1 + 2*2 = 8 rows. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(5, 9, 5, 9), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 3, 11, 3, 11);
    CHECK_PAD(t.node[0].pad[0], 0, 0, 0, 0);
    halo_tile_free(&t);
    /* top rows [0,3): [-2, 5) -> read [0,5), 2 zero rows. */
    CHECK_OK(halo_tile_build(g, 0, 1, R(0, 3, 17, 20), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 0, 5, 15, 20);
    CHECK_PAD(t.node[0].pad[0], 2, 0, 0, 2);
    halo_tile_free(&t);
    halo_graph_free(g);

    /* stride 2, dilation 2, padding 2 on 21: floor((21 + 4 - 4 - 1)/2) + 1 = 11. Last row [10,11):
     * [20 - 2, 20 - 2 + 4 + 1) = [18, 23) -> read [18,21), 2 zero rows. */
    g = one_conv(4, 4, 3, 2, 2, 2, 21, 21);
    CHECK_EQ(g->nodes[0].out_shape.h, 11);
    CHECK_OK(halo_tile_build(g, 0, 1, R(10, 11, 0, 11), HALO_TILE_EXACT, &t));
    CHECK_RECT(t.in, 18, 21, 0, 21);
    CHECK_PAD(t.node[0].pad[0], 0, 2, 2, 2);
    halo_tile_free(&t);
    halo_graph_free(g);
}

/* A 1x1 conv with padding 2 on 4 rows outputs 8; output row 0 reads window [-2, -1): no data. The
 * zeros must all be on the side the window lies beyond (both pads >= 0). */
static void test_window_in_padding(void)
{
    struct halo_graph *g = one_conv(2, 2, 1, 1, 2, 1, 4, 4);
    CHECK_EQ(g->nodes[0].out_shape.h, 8);
    struct halo_tile t;
    CHECK_OK(halo_tile_build(g, 0, 1, R(0, 1, 7, 8), HALO_TILE_EXACT, &t));
    CHECK(halo_rect_empty(t.node[0].read[0]));
    CHECK_PAD(t.node[0].pad[0], 1, 0, 0, 1);
    halo_tile_free(&t);
    halo_graph_free(g);
}

/* (n-1)*J + R: an interior part (no padding) reads exactly that many rows; a part at the top
 * reads P fewer, P the padding rows the formula counts above row 0 (P = sum_l p_l * prod_{m<l}
 * s_m over the chain's windows, m < l the layers before l). */
static void check_rows_formula(const char *model, int h, int max_len)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for(model, h, h, &g));
    int checked = 0;
    for (int i = 0; i < g->n_spatial; i++)
        for (int j = i + 1; j <= g->n_spatial && j - i <= max_len; j++) {
            int first, last, J, Rf;
            CHECK_OK(halo_stage_range_nodes(g, i, j, &first, &last));
            CHECK(halo_graph_range_field(g, first, last, &J, &Rf));
            struct halo_shape os = halo_stage_out_shape(g, j - 1), is = halo_stage_in_shape(g, i);
            for (int n = 1; n <= 3 && n <= os.h; n++) {
                int a = os.h / 2 - n / 2;
                struct halo_tile t;
                CHECK_OK(halo_tile_build_stages(g, i, j, R(a, a + n, 0, os.w), HALO_TILE_EXACT, &t));
                if (t.in.y0 > 0 && t.in.y1 < is.h) { /* interior: the formula holds exactly */
                    if (halo_rect_h(t.in) != (n - 1) * J + Rf)
                        fprintf(stderr, "  %s stages [%d,%d) n=%d: %d rows, want (n-1)*%d + %d\n", model, i, j, n,
                                halo_rect_h(t.in), J, Rf);
                    CHECK_EQ(halo_rect_h(t.in), (n - 1) * J + Rf);
                    checked++;
                }
                halo_tile_free(&t);
            }
            /* top part of n rows, VGG chains only (no branches): P from the windows. */
            if (strncmp(model, "vgg", 3)) continue;
            int P = 0, S = 1;
            for (int k = first; k < last; k++) {
                const struct halo_node *nd = &g->nodes[k];
                if (nd->op == HALO_OP_CONV || nd->op == HALO_OP_MAXPOOL) {
                    P += nd->win.ph * S;
                    S *= nd->win.sh;
                }
            }
            int n = os.h / 4 > 0 ? os.h / 4 : 1;
            struct halo_tile t;
            CHECK_OK(halo_tile_build_stages(g, i, j, R(0, n, 0, os.w), HALO_TILE_EXACT, &t));
            if (t.in.y1 < is.h) {
                CHECK_EQ(t.in.y0, 0);
                CHECK_EQ(halo_rect_h(t.in), (n - 1) * J + Rf - P);
            }
            halo_tile_free(&t);
        }
    CHECK(checked > 20);
    halo_graph_free(g);
}

static void test_stage_ranges(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("vgg16", 224, 224, &g));
    int first, last;
    /* VGG-16 stages 2..5 are features.5-6, 7-9, 10-11, 12-13: nodes [5, 14). */
    CHECK_OK(halo_stage_range_nodes(g, 2, 6, &first, &last));
    CHECK_EQ(first, 5);
    CHECK_EQ(last, 14);
    struct halo_shape in = halo_stage_in_shape(g, 2), out = halo_stage_out_shape(g, 5);
    CHECK(in.c == 64 && in.h == 112 && in.w == 112);
    CHECK(out.c == 256 && out.h == 56 && out.w == 56);
    in = halo_stage_in_shape(g, 0);
    CHECK(in.c == 3 && in.h == 224);
    CHECK_ERR(halo_stage_range_nodes(g, 3, 3, &first, &last), HALO_ERR_INVALID, "stage range [3, 3)");
    CHECK_ERR(halo_stage_range_nodes(g, -1, 2, &first, &last), HALO_ERR_INVALID, "inside [0, 17)");
    CHECK_ERR(halo_stage_range_nodes(g, 0, 18, &first, &last), HALO_ERR_INVALID, "inside [0, 17)");
    struct halo_tile a, b;
    CHECK_OK(halo_tile_build_stages(g, 2, 6, R(7, 30, 3, 50), HALO_TILE_EXACT, &a));
    CHECK_OK(halo_tile_build(g, 5, 14, R(7, 30, 3, 50), HALO_TILE_EXACT, &b));
    CHECK(halo_rect_eq(a.in, b.in));
    for (int i = 0; i < 9; i++) CHECK(halo_rect_eq(a.node[i].out, b.node[i].out));
    /* stages 2..5 of 56-row output rows [7,30): features.12 conv (3x3 p1) rows [6,31), features.10
     * [5,32), pool (2x2/2) of features.7 rows [10,64), features.7 [9,65), features.5 [8,66). */
    CHECK_RECT(a.node[14 - 1 - 5].out, 7, 30, 3, 50);
    CHECK_RECT(a.node[12 - 5].read[0], 6, 31, 2, 51);
    CHECK_RECT(a.node[10 - 5].read[0], 5, 32, 1, 52);
    CHECK_RECT(a.node[9 - 5].read[0], 10, 64, 2, 104);
    CHECK_RECT(a.node[7 - 5].read[0], 9, 65, 1, 105);
    CHECK_RECT(a.in, 8, 66, 0, 106);
    CHECK_PAD(a.node[5 - 5].pad[0], 0, 0, 0, 0); /* rows [8,66), columns [0,106): inside */
    halo_tile_free(&a);
    halo_tile_free(&b);
    /* tile MACs of the full range equal the counted MACs (224 is even: every row is used). */
    struct halo_tile f;
    CHECK_OK(halo_tile_full(g, 5, 14, &f));
    int64_t want = 0;
    for (int i = 5; i < 14; i++) want += halo_count_node_macs_area(g, i, halo_rect_area(halo_rect_full(g->nodes[i].out_shape)));
    CHECK_EQ(halo_tile_macs(&f), want);
    halo_tile_free(&f);
    halo_graph_free(g);
}

/* The zero-pad mode (ADCNN, lossy) still cuts every tensor in proportion. */
static void test_zero_pad_mode(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("vgg11", 64, 64, &g));
    int first, last;
    CHECK_OK(halo_stage_range_nodes(g, 0, 3, &first, &last));
    struct halo_shape os = g->nodes[last - 1].out_shape;
    struct halo_tile t;
    CHECK_OK(halo_tile_build(g, first, last, R(os.h / 2, os.h, 0, os.w), HALO_TILE_ZERO_PAD, &t));
    CHECK_RECT(t.in, 32, 64, 0, 64);
    CHECK_EQ(t.node[0].pad[0].top, 1); /* zeros at the tile border: lossy */
    halo_tile_free(&t);
    halo_graph_free(g);
}

/* Runs a tile on ref and compares with the same region of the full computation: equal bits. */
static void check_tile_exact(struct halo_graph *g, struct halo_rect out, uint64_t seed)
{
    struct halo_weights *w;
    struct halo_backend *be;
    CHECK_OK(halo_weights_random(g, seed, &w));
    CHECK_OK(halo_backend_new("ref", NULL, &be));
    CHECK_OK(halo_backend_load(be, g, w));
    struct halo_tensor in, full, part;
    struct halo_shape is = halo_graph_tensor_shape(g, HALO_INPUT);
    CHECK_OK(halo_tensor_alloc(&in, is.c, halo_rect_full(is)));
    struct halo_rng rng;
    halo_rng_seed(&rng, seed);
    for (size_t i = 0; i < halo_tensor_numel(&in); i++) in.data[i] = (float)halo_rng_normal(&rng);
    CHECK_OK(halo_exec_rect(be, g, 0, g->n_nodes, halo_rect_full(g->nodes[g->n_nodes - 1].out_shape),
                            HALO_TILE_EXACT, &in, &full));
    CHECK_OK(halo_exec_rect(be, g, 0, g->n_nodes, out, HALO_TILE_EXACT, &in, &part));
    struct halo_tensor crop;
    CHECK_OK(halo_tensor_alloc(&crop, full.c, out));
    halo_tensor_copy_region(&crop, &full, out);
    double ma, mr;
    halo_compare(part.data, crop.data, halo_tensor_numel(&crop), &ma, &mr);
    CHECK(ma == 0);
    halo_tensor_free(&crop);
    halo_tensor_free(&part);
    halo_tensor_free(&full);
    halo_tensor_free(&in);
    halo_backend_free(be);
    halo_weights_free(w);
}

static void test_exact_on_ref(void)
{
    struct halo_graph *g = one_conv(3, 4, 3, 2, 2, 2, 21, 19); /* dilated, strided, odd */
    check_tile_exact(g, R(4, 9, 3, 7), 1);
    check_tile_exact(g, R(0, 3, 0, 10), 2);
    halo_graph_free(g);
    g = one_maxpool(3, 3, 2, 1, 17, 15);
    check_tile_exact(g, R(6, 9, 0, 8), 3);
    halo_graph_free(g);
}

int main(void)
{
    RUN(test_conv7_s2_p3);
    RUN(test_maxpool3_s2_p1);
    RUN(test_bottleneck);
    RUN(test_dilated);
    RUN(test_window_in_padding);
    RUN_CASE("rows_formula_vgg16_224x224", check_rows_formula("vgg16", 224, 4));
    RUN_CASE("rows_formula_vgg11_97x97", check_rows_formula("vgg11", 97, 3));
    RUN_CASE("rows_formula_resnet18_160x160", check_rows_formula("resnet18", 160, 3));
    RUN(test_stage_ranges);
    RUN(test_zero_pad_mode);
    RUN(test_exact_on_ref);
    return halo_test_done("test_rf");
}
