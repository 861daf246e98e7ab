/* graph: a CNN as nodes in topological order (NCHW float32, one sample), shape inference for any
 * input H x W, and the chain of stages every planner works on. torchvision's definitions are the
 * reference; node names are torchvision's module paths so weights match by name. */
#ifndef HALO_GRAPH_H
#define HALO_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"

/* Producer index of the graph's input tensor. */
#define HALO_INPUT (-1)

enum halo_op {
    HALO_OP_CONV,             /* conv2d: stride, padding, dilation, groups, optional bias */
    HALO_OP_BN,               /* batchnorm2d, inference (running statistics) */
    HALO_OP_RELU,
    HALO_OP_RELU6,            /* clamp(x, 0, 6) (MobileNetV2) */
    HALO_OP_MAXPOOL,
    HALO_OP_AVGPOOL,
    HALO_OP_ADAPTIVE_AVGPOOL, /* PyTorch bins: [floor(i*H/o), ceil((i+1)*H/o)) */
    HALO_OP_FLATTEN,          /* c x h x w -> (c*h*w) x 1 x 1; data unchanged in NCHW */
    HALO_OP_LINEAR,
    HALO_OP_ADD,              /* element-wise sum of two tensors (residual) */
    HALO_OP_CONCAT,           /* the channels of two tensors of the same height and width, in order */
    HALO_OP_MUL,              /* element-wise product; the second operand may be c x 1 x 1 (channel gating) */
    HALO_OP_SIGMOID,
    HALO_OP_HARDSIGMOID,      /* clamp(alpha * x + beta, 0, 1) */
    HALO_OP_HARDSWISH,        /* x * clamp(x / 6 + 1 / 2, 0, 1) */
    HALO_OP_LEAKY_RELU,       /* x >= 0 ? x : alpha * x */
    HALO_OP_CLIP,             /* clamp(x, alpha, beta) */
    HALO_OP_COUNT_
};

/* Kernel, stride, padding and dilation of a conv or pooling window, per axis. ph and pw pad the
 * top and left; the bottom and right get ph + eh and pw + ew (eh, ew: 0 for PyTorch's symmetric
 * padding, other values for ONNX's asymmetric pads). */
struct halo_window {
    int kh, kw, sh, sw, ph, pw, dh, dw, eh, ew;
};

struct halo_node {
    enum halo_op op;
    char *name;             /* torchvision module path: "layer1.0.conv2", "features.28" */
    int in[2];              /* producer node indices, HALO_INPUT for the graph input */
    int n_in;
    struct halo_window win; /* conv and pools */
    int cin, cout, groups;  /* conv: channels and groups; linear: in and out features */
    bool bias;              /* conv and linear */
    bool ceil_mode;         /* pools */
    bool count_include_pad; /* avgpool */
    int out_h, out_w;       /* adaptive avgpool output size */
    int same_pad;           /* conv and pools: ONNX's auto_pad SAME_UPPER (1) or SAME_LOWER (2): the
                             * padding is set for each input size so that ceil(in / stride) come out */
    float eps;              /* batchnorm */
    float alpha, beta;      /* leaky relu: alpha the slope; clip: [alpha, beta]; hardsigmoid: alpha, beta */
    int channels;           /* of the output, known from the structure (-1 after a flatten); set by the builders */
    struct halo_shape in_shape[2]; /* filled by halo_graph_infer */
    struct halo_shape out_shape;   /* filled by halo_graph_infer */
};

/* A maximal node range [first, last) with one input tensor and one output tensor, starting at a
 * conv, linear or adaptive pool. `spatial` stages keep an H x W layout (the part planners split);
 * the rest (global pool, flatten, classifier) is the tail. */
struct halo_stage {
    int first, last;
    char *name;
    bool spatial;
};

struct halo_graph {
    char *name;
    int in_c;                 /* input channels */
    struct halo_node *nodes;
    int n_nodes;
    struct halo_stage *stages;
    int n_stages;
    int n_spatial;            /* stages[0..n_spatial) are spatial, the rest are the tail */
    struct halo_shape input;  /* the input shape of the last successful halo_graph_infer */
    bool inferred;
    char *source;             /* the ONNX file the graph was imported from; NULL for the zoo */
    uint64_t source_hash;     /* halo_hash_bytes of that file's bytes (0 for the zoo) */
    /* builder state */
    size_t cap;
    bool oom;
};

/* An empty graph for `in_c` input channels; NULL on allocation failure. */
struct halo_graph *halo_graph_new(const char *name, int in_c);
void halo_graph_free(struct halo_graph *g);

/* Builders: each appends a node reading `in` (node index or HALO_INPUT) and returns its index.
 * Structural mistakes are programmer errors (asserted); allocation failure is reported by
 * halo_graph_finalize. */
int halo_graph_conv(struct halo_graph *g, const char *name, int in, int cin, int cout, int k, int s,
                    int p, int d, int groups, bool bias);
int halo_graph_conv2(struct halo_graph *g, const char *name, int in, int cin, int cout,
                     struct halo_window w, int groups, bool bias);
int halo_graph_bn(struct halo_graph *g, const char *name, int in, int c);
int halo_graph_act(struct halo_graph *g, enum halo_op op, const char *name, int in);
int halo_graph_pool(struct halo_graph *g, enum halo_op op, const char *name, int in, int k, int s, int p);
/* A pool with any window (dilation for max pooling only), ceil mode and, for average pooling,
 * whether padded taps count in the divisor. */
int halo_graph_pool2(struct halo_graph *g, enum halo_op op, const char *name, int in, struct halo_window w,
                     bool ceil_mode, bool count_include_pad);
/* Element-wise activations with parameters: leaky relu (alpha), clip (alpha, beta), hardsigmoid
 * (alpha, beta). halo_graph_act takes every unary op and gives these their ONNX defaults. */
int halo_graph_act2(struct halo_graph *g, enum halo_op op, const char *name, int in, float alpha, float beta);
int halo_graph_adaptive_avgpool(struct halo_graph *g, const char *name, int in, int oh, int ow);
int halo_graph_flatten(struct halo_graph *g, const char *name, int in);
int halo_graph_linear(struct halo_graph *g, const char *name, int in, int fin, int fout, bool bias);
int halo_graph_add(struct halo_graph *g, const char *name, int a, int b);
/* The channels of a, then those of b (same height and width). A concat of more tensors is a chain. */
int halo_graph_concat(struct halo_graph *g, const char *name, int a, int b);
/* a * b element by element; b has a's shape or a's channels and 1 x 1 (broadcast: SE gating). */
int halo_graph_mul(struct halo_graph *g, const char *name, int a, int b);

/* Ends building: checks the structure and computes the stages. */
enum halo_status halo_graph_finalize(struct halo_graph *g);

/* Infers every node's shapes for an input of h x w. Errors name the node whose output would be
 * empty or whose input does not fit (e.g. a linear layer after a flatten of the wrong size). */
enum halo_status halo_graph_infer(struct halo_graph *g, int h, int w);

/* Smallest input height and width the graph accepts (each with the other side large). */
enum halo_status halo_graph_min_input(struct halo_graph *g, int *min_h, int *min_w);

/* The shape of the tensor produced by `producer` (node index or HALO_INPUT). */
struct halo_shape halo_graph_tensor_shape(const struct halo_graph *g, int producer);

/* Name of an op ("conv", "maxpool", ...). */
const char *halo_op_name(enum halo_op op);

/* Index of the stage containing node i. */
int halo_graph_stage_of(const struct halo_graph *g, int node);

/* True when the op keeps a spatial layout and works on local windows (can be tiled). */
bool halo_op_is_spatial(enum halo_op op);
/* True for the ops that read one tensor and map each element alone (relu, sigmoid, clip, ...). */
bool halo_op_is_unary(enum halo_op op);

#endif

/* Along the height axis, the jump J (product of strides) and receptive field R (input rows one
 * output row depends on) of nodes [first, last), a range whose only outside input is the output
 * of node first-1: n output rows need (n-1)*J + R input rows. Returns false when the range holds
 * a non-spatial node (global pooling, flatten, linear), whose field is the whole input. */
bool halo_graph_range_field(const struct halo_graph *g, int first, int last, int *jump, int *field);
