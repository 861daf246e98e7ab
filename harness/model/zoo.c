#include "model/zoo.h"

#include <stdio.h>
#include <string.h>

static const struct halo_zoo_entry entries[] = {
    {"resnet18", "resnet", "ResNet-18 v1.5, BasicBlock [2,2,2,2]"},
    {"resnet34", "resnet", "ResNet-34 v1.5, BasicBlock [3,4,6,3]"},
    {"resnet50", "resnet", "ResNet-50 v1.5, Bottleneck [3,4,6,3], stride on the 3x3 conv"},
    {"resnet101", "resnet", "ResNet-101 v1.5, Bottleneck [3,4,23,3]"},
    {"resnet152", "resnet", "ResNet-152 v1.5, Bottleneck [3,8,36,3]"},
    {"vgg11", "vgg", "VGG-11 (config A)"},
    {"vgg11_bn", "vgg", "VGG-11 (config A) with batch norm"},
    {"vgg13", "vgg", "VGG-13 (config B)"},
    {"vgg13_bn", "vgg", "VGG-13 (config B) with batch norm"},
    {"vgg16", "vgg", "VGG-16 (config D)"},
    {"vgg16_bn", "vgg", "VGG-16 (config D) with batch norm"},
    {"vgg19", "vgg", "VGG-19 (config E)"},
    {"vgg19_bn", "vgg", "VGG-19 (config E) with batch norm"},
    {"alexnet", "alexnet", "AlexNet (torchvision, one-tower variant)"},
    {"mobilenet_v2", "mobilenet", "MobileNetV2 1.0: depthwise convs, ReLU6, inverted residuals"},
};

const struct halo_zoo_entry *halo_zoo_list(int *n)
{
    *n = (int)(sizeof entries / sizeof entries[0]);
    return entries;
}

/* ---- ResNet ------------------------------------------------------------------------------ */

static int conv_bn(struct halo_graph *g, const char *prefix, const char *conv, const char *bn, int x,
                   int cin, int cout, int k, int s, int p, int groups)
{
    char a[128], b[128];
    snprintf(a, sizeof a, "%s%s", prefix, conv);
    snprintf(b, sizeof b, "%s%s", prefix, bn);
    x = halo_graph_conv(g, a, x, cin, cout, k, s, p, 1, groups, false);
    return halo_graph_bn(g, b, x, cout);
}

static int relu(struct halo_graph *g, const char *prefix, int k, int x)
{
    char a[128];
    if (k == 0) snprintf(a, sizeof a, "%srelu", prefix);
    else snprintf(a, sizeof a, "%srelu_%d", prefix, k);
    return halo_graph_act(g, HALO_OP_RELU, a, x);
}

/* One residual block; returns the output node. Torchvision's forward order. */
static int resnet_block(struct halo_graph *g, const char *p, int x, int inplanes, int planes,
                        int stride, bool bottleneck)
{
    int expansion = bottleneck ? 4 : 1, out_c = planes * expansion, y;
    if (bottleneck) {
        y = conv_bn(g, p, "conv1", "bn1", x, inplanes, planes, 1, 1, 0, 1);
        y = relu(g, p, 0, y);
        y = conv_bn(g, p, "conv2", "bn2", y, planes, planes, 3, stride, 1, 1);
        y = relu(g, p, 1, y);
        y = conv_bn(g, p, "conv3", "bn3", y, planes, out_c, 1, 1, 0, 1);
    } else {
        y = conv_bn(g, p, "conv1", "bn1", x, inplanes, planes, 3, stride, 1, 1);
        y = relu(g, p, 0, y);
        y = conv_bn(g, p, "conv2", "bn2", y, planes, planes, 3, 1, 1, 1);
    }
    int shortcut = x;
    if (stride != 1 || inplanes != out_c)
        shortcut = conv_bn(g, p, "downsample.0", "downsample.1", x, inplanes, out_c, 1, stride, 0, 1);
    char a[128];
    snprintf(a, sizeof a, "%sadd", p);
    y = halo_graph_add(g, a, y, shortcut);
    return relu(g, p, bottleneck ? 2 : 1, y);
}

static void build_resnet(struct halo_graph *g, const int layers[4], bool bottleneck)
{
    int x = conv_bn(g, "", "conv1", "bn1", HALO_INPUT, 3, 64, 7, 2, 3, 1);
    x = halo_graph_act(g, HALO_OP_RELU, "relu", x);
    x = halo_graph_pool(g, HALO_OP_MAXPOOL, "maxpool", x, 3, 2, 1);
    int inplanes = 64, expansion = bottleneck ? 4 : 1;
    for (int l = 0; l < 4; l++) {
        int planes = 64 << l;
        for (int b = 0; b < layers[l]; b++) {
            char p[64];
            snprintf(p, sizeof p, "layer%d.%d.", l + 1, b);
            int stride = (b == 0 && l > 0) ? 2 : 1;
            x = resnet_block(g, p, x, inplanes, planes, stride, bottleneck);
            inplanes = planes * expansion;
        }
    }
    x = halo_graph_adaptive_avgpool(g, "avgpool", x, 1, 1);
    x = halo_graph_flatten(g, "flatten", x);
    halo_graph_linear(g, "fc", x, 512 * expansion, 1000, true);
}

/* ---- VGG and AlexNet --------------------------------------------------------------------- */

static void build_vgg(struct halo_graph *g, const int *cfg, int n, bool bn)
{
    int x = HALO_INPUT, idx = 0, c = 3;
    char a[64];
    for (int i = 0; i < n; i++) {
        if (cfg[i] == 0) {
            snprintf(a, sizeof a, "features.%d", idx++);
            x = halo_graph_pool(g, HALO_OP_MAXPOOL, a, x, 2, 2, 0);
            continue;
        }
        snprintf(a, sizeof a, "features.%d", idx++);
        x = halo_graph_conv(g, a, x, c, cfg[i], 3, 1, 1, 1, 1, true);
        if (bn) {
            snprintf(a, sizeof a, "features.%d", idx++);
            x = halo_graph_bn(g, a, x, cfg[i]);
        }
        snprintf(a, sizeof a, "features.%d", idx++);
        x = halo_graph_act(g, HALO_OP_RELU, a, x);
        c = cfg[i];
    }
    x = halo_graph_adaptive_avgpool(g, "avgpool", x, 7, 7);
    x = halo_graph_flatten(g, "flatten", x);
    x = halo_graph_linear(g, "classifier.0", x, 512 * 7 * 7, 4096, true);
    x = halo_graph_act(g, HALO_OP_RELU, "classifier.1", x);
    x = halo_graph_linear(g, "classifier.3", x, 4096, 4096, true);
    x = halo_graph_act(g, HALO_OP_RELU, "classifier.4", x);
    halo_graph_linear(g, "classifier.6", x, 4096, 1000, true);
}

static void build_alexnet(struct halo_graph *g)
{
    int x = halo_graph_conv(g, "features.0", HALO_INPUT, 3, 64, 11, 4, 2, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "features.1", x);
    x = halo_graph_pool(g, HALO_OP_MAXPOOL, "features.2", x, 3, 2, 0);
    x = halo_graph_conv(g, "features.3", x, 64, 192, 5, 1, 2, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "features.4", x);
    x = halo_graph_pool(g, HALO_OP_MAXPOOL, "features.5", x, 3, 2, 0);
    x = halo_graph_conv(g, "features.6", x, 192, 384, 3, 1, 1, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "features.7", x);
    x = halo_graph_conv(g, "features.8", x, 384, 256, 3, 1, 1, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "features.9", x);
    x = halo_graph_conv(g, "features.10", x, 256, 256, 3, 1, 1, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "features.11", x);
    x = halo_graph_pool(g, HALO_OP_MAXPOOL, "features.12", x, 3, 2, 0);
    x = halo_graph_adaptive_avgpool(g, "avgpool", x, 6, 6);
    x = halo_graph_flatten(g, "flatten", x);
    x = halo_graph_linear(g, "classifier.1", x, 256 * 6 * 6, 4096, true);
    x = halo_graph_act(g, HALO_OP_RELU, "classifier.2", x);
    x = halo_graph_linear(g, "classifier.4", x, 4096, 4096, true);
    x = halo_graph_act(g, HALO_OP_RELU, "classifier.5", x);
    halo_graph_linear(g, "classifier.6", x, 4096, 1000, true);
}

/* ---- MobileNetV2 ------------------------------------------------------------------------- */

/* Conv2dNormActivation(cin, cout, k, stride, groups) with ReLU6 at "<p>.0", "<p>.1", "<p>.2". */
static int conv_bn_relu6(struct halo_graph *g, const char *p, int x, int cin, int cout, int k, int s,
                         int groups)
{
    char a[128];
    snprintf(a, sizeof a, "%s.0", p);
    x = halo_graph_conv(g, a, x, cin, cout, k, s, (k - 1) / 2, 1, groups, false);
    snprintf(a, sizeof a, "%s.1", p);
    x = halo_graph_bn(g, a, x, cout);
    snprintf(a, sizeof a, "%s.2", p);
    return halo_graph_act(g, HALO_OP_RELU6, a, x);
}

static int inverted_residual(struct halo_graph *g, int idx, int x, int inp, int oup, int stride, int t)
{
    char p[64], a[96];
    int hidden = inp * t, k = 0, y = x;
    if (t != 1) {
        snprintf(p, sizeof p, "features.%d.conv.%d", idx, k++);
        y = conv_bn_relu6(g, p, y, inp, hidden, 1, 1, 1);
    }
    snprintf(p, sizeof p, "features.%d.conv.%d", idx, k++);
    y = conv_bn_relu6(g, p, y, hidden, hidden, 3, stride, hidden);
    snprintf(a, sizeof a, "features.%d.conv.%d", idx, k++);
    y = halo_graph_conv(g, a, y, hidden, oup, 1, 1, 0, 1, 1, false);
    snprintf(a, sizeof a, "features.%d.conv.%d", idx, k++);
    y = halo_graph_bn(g, a, y, oup);
    if (stride == 1 && inp == oup) {
        snprintf(a, sizeof a, "features.%d.add", idx);
        y = halo_graph_add(g, a, x, y);
    }
    return y;
}

static void build_mobilenet_v2(struct halo_graph *g)
{
    static const int settings[7][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                       {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
    int x = conv_bn_relu6(g, "features.0", HALO_INPUT, 3, 32, 3, 2, 1);
    int c = 32, idx = 1;
    for (int i = 0; i < 7; i++)
        for (int r = 0; r < settings[i][2]; r++) {
            x = inverted_residual(g, idx++, x, c, settings[i][1], r == 0 ? settings[i][3] : 1,
                                  settings[i][0]);
            c = settings[i][1];
        }
    x = conv_bn_relu6(g, "features.18", x, c, 1280, 1, 1, 1);
    x = halo_graph_adaptive_avgpool(g, "avgpool", x, 1, 1);
    x = halo_graph_flatten(g, "flatten", x);
    halo_graph_linear(g, "classifier.1", x, 1280, 1000, true);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static const int vgg_a[] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
static const int vgg_b[] = {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
static const int vgg_d[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
static const int vgg_e[] = {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                            512, 512, 512, 512, 0,   512, 512, 512, 512, 0};
#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void build_named(struct halo_graph *g, const char *name)
{
    static const int r18[4] = {2, 2, 2, 2}, r34[4] = {3, 4, 6, 3}, r101[4] = {3, 4, 23, 3},
                     r152[4] = {3, 8, 36, 3};
    bool bn = strstr(name, "_bn") != NULL;
    if (!strcmp(name, "resnet18")) build_resnet(g, r18, false);
    else if (!strcmp(name, "resnet34")) build_resnet(g, r34, false);
    else if (!strcmp(name, "resnet50")) build_resnet(g, r34, true);
    else if (!strcmp(name, "resnet101")) build_resnet(g, r101, true);
    else if (!strcmp(name, "resnet152")) build_resnet(g, r152, true);
    else if (!strncmp(name, "vgg11", 5)) build_vgg(g, vgg_a, N_OF(vgg_a), bn);
    else if (!strncmp(name, "vgg13", 5)) build_vgg(g, vgg_b, N_OF(vgg_b), bn);
    else if (!strncmp(name, "vgg16", 5)) build_vgg(g, vgg_d, N_OF(vgg_d), bn);
    else if (!strncmp(name, "vgg19", 5)) build_vgg(g, vgg_e, N_OF(vgg_e), bn);
    else if (!strcmp(name, "alexnet")) build_alexnet(g);
    else if (!strcmp(name, "mobilenet_v2")) build_mobilenet_v2(g);
    else HALO_ASSERT(!"zoo entry without a builder");
}

enum halo_status halo_zoo_build(const char *name, struct halo_graph **out)
{
    *out = NULL;
    int n;
    const struct halo_zoo_entry *e = halo_zoo_list(&n);
    int found = -1;
    for (int i = 0; i < n; i++)
        if (name && !strcmp(name, e[i].name)) found = i;
    if (found < 0) {
        char known[512] = "";
        for (int i = 0; i < n; i++) {
            if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, e[i].name, sizeof known - strlen(known) - 1);
        }
        return halo_error(HALO_ERR_INVALID, "unknown model '%s' (known: %s)", name ? name : "", known);
    }
    struct halo_graph *g = halo_graph_new(e[found].name, 3);
    if (!g) return HALO_ERR_NOMEM;
    build_named(g, e[found].name);
    enum halo_status st = halo_graph_finalize(g);
    if (st != HALO_OK) {
        halo_graph_free(g);
        return st;
    }
    *out = g;
    return HALO_OK;
}

enum halo_status halo_zoo_build_for(const char *name, int h, int w, struct halo_graph **out)
{
    struct halo_graph *g;
    *out = NULL;
    HALO_TRY(halo_zoo_build(name, &g));
    if (halo_graph_infer(g, h, w) != HALO_OK) {
        int mh, mw;
        enum halo_status st = halo_graph_min_input(g, &mh, &mw);
        if (st == HALO_OK)
            st = halo_error(HALO_ERR_INVALID, "%s: input %dx%d is too small (minimum %dx%d)", name, h, w,
                            mh, mw);
        halo_graph_free(g);
        return st;
    }
    *out = g;
    return HALO_OK;
}
