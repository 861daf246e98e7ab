/* onnx_internal: what the files of the ONNX importer share — the import context (the model as
 * protobuf-c unpacked it, the table of named values, the graph and weights being built), constant
 * tensors, and the helpers that read attributes and report errors naming the node, the op and the
 * attribute. onnx.c reads and orders the model, onnx_values.c holds these helpers, onnx_ops.c and
 * onnx_ops_shape.c map its operators to halo's nodes, onnx_fold.c folds the constant shape
 * subgraphs exporters emit. Not part of libhalo's interface. */
#ifndef HALO_ONNX_INTERNAL_H
#define HALO_ONNX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/hash.h"
#include "model/graph.h"
#include "model/weights.h"
#include "onnx/onnx.pb-c.h"

/* ONNX's TensorProto.DataType values the importer reads. */
enum {
    ONNX_FLOAT = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT,
    ONNX_INT32 = ONNX__TENSOR_PROTO__DATA_TYPE__INT32,
    ONNX_INT64 = ONNX__TENSOR_PROTO__DATA_TYPE__INT64,
    ONNX_FLOAT16 = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16,
    ONNX_DOUBLE = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE,
    ONNX_BFLOAT16 = ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16,
};

#define ONNX_MAX_RANK 8
/* Elements any tensor may have: larger products of dims are absurd (and would overflow). */
#define ONNX_MAX_ELEMS ((int64_t)1 << 40)

/* *acc *= v unless v is negative or the product passes ONNX_MAX_ELEMS (then false). */
static inline bool onnx_mul_ok(int64_t *acc, int64_t v)
{
    if (v < 0 || (v && *acc > ONNX_MAX_ELEMS / v)) return false;
    *acc *= v;
    return true;
}

/* *n = the elements of a tensor of these dims, unless a dim is negative or the product of its
 * non-zero dims passes ONNX_MAX_ELEMS (then false): an empty tensor's other dims are bounded too,
 * so no sum or product of one tensor's dims can overflow. */
static inline bool onnx_dims_ok(int rank, const int64_t *dims, int64_t *n)
{
    int64_t nonzero = 1;
    bool empty = false;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 0) empty = true;
        else if (!onnx_mul_ok(&nonzero, dims[d])) return false;
    }
    *n = empty ? 0 : nonzero;
    return true;
}

/* A constant tensor, converted: float32 (f) or int64 (i); rank 0 is a scalar. */
struct onnx_tensor {
    bool is_int;
    int rank;
    int64_t dims[ONNX_MAX_RANK];
    int64_t n;
    float *f;
    int64_t *i;
};

enum onnx_value_kind {
    ONNX_VALUE_CONST,  /* known at import: an initializer, a Constant, a folded result */
    ONNX_VALUE_TENSOR, /* computed by a halo node (or the graph input) */
};

/* A named value of the model. A tensor is 1 x c x h x w (4-D) or, `flat`, 1 x k (2-D: after a
 * flatten or a linear layer), which halo holds as k x 1 x 1. */
struct onnx_value {
    const char *name;              /* the model's string */
    enum onnx_value_kind kind;
    const Onnx__TensorProto *init; /* a const not yet converted (an initializer), or NULL */
    struct onnx_tensor *t;         /* a converted const (owned) */
    int producer;                  /* tensor: halo node index or HALO_INPUT */
    bool flat;                     /* tensor: 2-D */
    int c;                         /* tensor: channels (4-D) or features (2-D); -1 when they depend on the input size */
    bool global;                   /* tensor: 1 x 1 whatever the input size (after a global pooling) */
    bool direct;                   /* tensor: the output of its producer itself, not an alias of it */
    int uses;                      /* inputs of reachable nodes (and graph outputs) reading it */
};

struct onnx_ctx {
    const char *file;         /* the name in messages */
    Onnx__ModelProto *model;
    Onnx__GraphProto *graph;
    int64_t opset;            /* of the default domain */
    /* values, by name */
    struct onnx_value *values;
    int n_values;
    size_t cap_values;
    int *slots;               /* open addressing over values, -1 empty */
    size_t n_slots;
    /* the graph being built and the parameters of each of its nodes */
    struct halo_graph *g;
    struct halo_node_weights *nw;
    int n_nw;                 /* entries of nw in use (the graph's nodes so far) */
    size_t cap_nw;
    int *named;               /* open addressing over the graph's node names (node index, -1 empty), */
    size_t n_named_slots;     /* holding nodes [0, n_named): onnx_node_name brings it up to date */
    int n_named;
    bool want_weights;        /* convert the weights' values (not only their shapes) */
    int ref_h, ref_w;         /* the input size shapes are folded at: the declared one, else 224 x 224 */
    bool ref_static;          /* the model declares a fixed height and width */
    const Onnx__NodeProto *node; /* the node being imported, for messages */
};

/* ---- onnx_values.c: values, tensors, errors, attributes ---- */

static inline size_t onnx_name_hash(const char *s) { return (size_t)halo_fnv1a(HALO_FNV1A_INIT, s, strlen(s)); }

/* A new value named `name`; a name defined twice is an error (ONNX graphs are in SSA form). */
enum halo_status onnx_value_add(struct onnx_ctx *x, const char *name, struct onnx_value **out);
/* ONNX's name of a TensorProto data type ("FLOAT", "UINT8", ...). */
const char *onnx_dtype_name(int32_t t);

/* HALO_ERR_INVALID (or `st`) with "file: node NAME (OP): <message>" for the current node. */
enum halo_status onnx_node_error(struct onnx_ctx *x, enum halo_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value named `name`, or NULL. */
struct onnx_value *onnx_value_find(struct onnx_ctx *x, const char *name);
/* Input k of the current node: NULL when absent (k past the inputs or an empty name). */
struct onnx_value *onnx_input(struct onnx_ctx *x, int k);
/* Input k as a converted constant; an error naming the input when it is not one (`what` says
 * what it is, e.g. "the weight"). `optional`: absence gives *out = NULL. */
enum halo_status onnx_input_const(struct onnx_ctx *x, int k, const char *what, bool optional,
                                  const struct onnx_tensor **out);
/* Input k as a layer's weight, owned by the caller: its dims always, its values (f) only when the
 * import keeps weights (x->want_weights), so that reading a graph alone converts no weights. */
enum halo_status onnx_input_weight(struct onnx_ctx *x, int k, const char *what, bool optional,
                                   struct onnx_tensor **out);
/* Input k as a tensor computed by the graph; an error when it is a constant or absent. */
enum halo_status onnx_input_tensor(struct onnx_ctx *x, int k, struct onnx_value **out);
/* Defines output k of the current node as a tensor produced by halo node `producer`. */
enum halo_status onnx_set_tensor(struct onnx_ctx *x, int k, int producer, bool flat, int c, bool global);
/* Output k of the current node as the same tensor as `v` (identity, view reshapes). */
enum halo_status onnx_set_alias(struct onnx_ctx *x, int k, const struct onnx_value *v, bool flat, bool global);
/* Output k as a constant (takes ownership of t, also on failure). */
enum halo_status onnx_set_const(struct onnx_ctx *x, int k, struct onnx_tensor *t);
/* Outputs from `k` on must be unused (an optional output halo does not compute). */
enum halo_status onnx_outputs_unused(struct onnx_ctx *x, int k);

/* A new constant of `rank` dims (a copy of dims), float or int64, zeroed; NULL on allocation failure. */
struct onnx_tensor *onnx_tensor_new(bool is_int, int rank, const int64_t *dims);
void onnx_tensor_free(struct onnx_tensor *t);
/* Converts a TensorProto (float32, float16, bfloat16, double, int32, int64) into a new tensor;
 * other types and inconsistent sizes are errors naming the tensor. */
enum halo_status onnx_tensor_from_proto(struct onnx_ctx *x, const Onnx__TensorProto *p, struct onnx_tensor **out);
/* The same, checked alike, but with the values only when `values` (else f and i are NULL). */
enum halo_status onnx_tensor_read(struct onnx_ctx *x, const Onnx__TensorProto *p, bool values, struct onnx_tensor **out);
/* Element e of a constant as a double / an int64 (floats truncated). */
double onnx_tensor_get(const struct onnx_tensor *t, int64_t e);
int64_t onnx_tensor_get_int(const struct onnx_tensor *t, int64_t e);

/* The shape of a tensor value at the reference input size: [1, c, h, w], or [1, k] when flat. */
enum halo_status onnx_tensor_shape(struct onnx_ctx *x, const struct onnx_value *v, int64_t dims[4], int *rank);

/* Appends the parameters of the newest halo node (the arrays are taken over); keeps nw in step
 * with the graph's nodes. */
enum halo_status onnx_add_weights(struct onnx_ctx *x, float *weight, float *bias, float *mean, float *var);
/* A unique halo node name: `want` when free, else the node's name, else OP_INDEX, with a suffix
 * when taken. Returns a static buffer's copy the caller frees. */
char *onnx_node_name(struct onnx_ctx *x, const char *want);

/* ---- attributes of the current node ---- */

/* Fails naming the first attribute of the current node that is not in `known` (NULL-terminated). */
enum halo_status onnx_attrs_known(struct onnx_ctx *x, const char *const *known);
const Onnx__AttributeProto *onnx_attr(struct onnx_ctx *x, const char *name);
enum halo_status onnx_attr_int(struct onnx_ctx *x, const char *name, int64_t def, int64_t *out);
enum halo_status onnx_attr_float(struct onnx_ctx *x, const char *name, float def, float *out);
/* A string attribute; *out is def when absent (the returned string is NUL-terminated in buf). */
enum halo_status onnx_attr_string(struct onnx_ctx *x, const char *name, const char *def, char *buf, size_t n,
                                  const char **out);
/* An ints attribute: *n = 0 when absent; more than `max` values is an error. `max` must be the
 * capacity of vals: ONNX_ATTR_INTS passes the size of an array it is given. */
enum halo_status onnx_attr_ints(struct onnx_ctx *x, const char *name, int max, int64_t *vals, int *n);
#define ONNX_ATTR_INTS(x, name, arr, n) onnx_attr_ints((x), (name), (int)(sizeof(arr) / sizeof((arr)[0])), (arr), (n))

/* ---- onnx_ops.c: the layers (conv, batchnorm, element-wise, activations, pooling) ---- */

enum halo_status onnx_op_conv(struct onnx_ctx *x);
enum halo_status onnx_op_batchnorm(struct onnx_ctx *x);
enum halo_status onnx_op_binary(struct onnx_ctx *x);     /* Add, Sub, Mul, Div */
enum halo_status onnx_op_activation(struct onnx_ctx *x); /* Relu, Sigmoid, HardSwish, LeakyRelu, HardSigmoid */
enum halo_status onnx_op_clip(struct onnx_ctx *x);
enum halo_status onnx_op_pool(struct onnx_ctx *x);       /* MaxPool, AveragePool */
enum halo_status onnx_op_global_avgpool(struct onnx_ctx *x);
/* Helpers of both op files: the name of input k ("" when absent); the halo name of a node whose
 * weight is initializer `wname` ("P" for "P.weight", so that a safetensors file of the
 * exporter's names loads with --weights; else the node's); the graph builder's allocation state. */
const char *onnx_input_name(struct onnx_ctx *x, int k);
char *onnx_weight_name(struct onnx_ctx *x, const char *wname);
enum halo_status onnx_check_oom(struct onnx_ctx *x);

/* ---- onnx_ops_shape.c: shapes, the classifier, concat, constants, and the op table ---- */

/* Imports the current node (x->node): adds its halo nodes and defines its outputs. */
enum halo_status onnx_import_node(struct onnx_ctx *x);

/* ---- onnx_fold.c: constant folding ---- */

/* When every input of the current node is a constant and the op is one exporters use on shapes
 * (Shape, Gather, Unsqueeze, Squeeze, Concat, Cast, Slice, Reshape, Identity, Add, Sub, Mul, Div,
 * ConstantOfShape, Range is not), computes its outputs: *done tells whether it did. Shape reads a
 * tensor's shape at the reference input size. */
enum halo_status onnx_fold(struct onnx_ctx *x, bool *done);

#endif
