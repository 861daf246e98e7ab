/* test_onnx_nodes: ONNX's own backend tests (Debian's libonnx-testdata: node/test_* and
 * pytorch-converted/test_*, each a model.onnx with inputs and expected outputs as TensorProto
 * files) through halo's importer and the ref and cpu backends, for every test whose ops halo
 * imports. SKIP (77) without the test data.
 *
 * halo's networks read one image, 1 x C x H x W, and take their weights from initializers, so each
 * model is adapted before import, the node itself untouched:
 *  - inputs that are parameters (a conv's weight, a batchnorm's statistics, a clip's bounds, a
 *    gemm's B and C) become initializers holding the test's data;
 *  - a batch of N runs as N images, one sample at a time; a tensor of another rank is read as an
 *    image: element-wise ops see all of it as C x 1 x 1, a [N, K] classifier input is a
 *    1 x K x 1 x 1 image with a Flatten before the node;
 *  - two computed operands (Add, Mul, Concat) are stacked on channels into one image and picked out
 *    again by two 1x1 convs with 0/1 weights, which copy exactly.
 * A test whose adapted model halo refuses (an op variant or attribute it does not implement) is
 * skipped with halo's own message; the summary lists every skip and every unsupported op.
 * Usage: test_onnx_nodes [DATA_DIR] [NAME_FILTER] */
#include "test.h"

#include "core/alloc.h"
#include "exec/backend.h"
#include "exec/executor.h"
#include "model/onnx.h"
#include "onnx/onnx.pb-c.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#define RTOL 1e-4 /* ONNX's own runner allows 1e-3 relative and 1e-7 absolute */
#define ATOL 1e-6

/* The ops the importer maps to halo's nodes (a test with any other op is not run: it counts as
 * unsupported), and those it only folds when their inputs are constants (shape arithmetic: their
 * node tests compute them on the network's data, which halo does not). */
static const char *const computed[] = {
    "Conv",        "BatchNormalization", "Relu",    "Clip",    "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish",
    "Mul",         "Add",                "Sub",     "Div",     "MaxPool",   "AveragePool", "GlobalAveragePool",
    "Flatten",     "Reshape",            "Gemm",    "MatMul",  "Concat",    "Identity", "Dropout", "Squeeze",
    "Unsqueeze",   NULL};
static const char *const folded[] = {"Shape", "Gather", "Cast", "Slice", "Constant", "ConstantOfShape", NULL};

static bool in_list(const char *const *list, const char *op)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(op, list[i])) return true;
    return false;
}

static bool is_supported(const char *op) { return in_list(computed, op) || in_list(folded, op); }

/* ---- the summary --------------------------------------------------------------------------------- */

static int n_ran, n_passed, n_failed, n_skipped, n_folded;
static char skipped_list[64 * 1024];
static struct {
    char op[64];
    int tests;
} unsupported[256];
static int n_unsupported;

static void note_unsupported(const char *op)
{
    for (int i = 0; i < n_unsupported; i++)
        if (!strcmp(unsupported[i].op, op)) {
            unsupported[i].tests++;
            return;
        }
    if (n_unsupported < 256) {
        snprintf(unsupported[n_unsupported].op, sizeof unsupported[0].op, "%s", op);
        unsupported[n_unsupported++].tests = 1;
    }
}

static void note_skip(const char *name, const char *why)
{
    n_skipped++;
    size_t l = strlen(skipped_list), n = strlen(name);
    if (!strncmp(why, name, n) && !strncmp(why + n, ": ", 2)) why += n + 2; /* halo's message names the file */
    snprintf(skipped_list + l, sizeof skipped_list - l, "  %s: %s\n", name, why);
}

/* ---- files and tensors ----------------------------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            uint8_t *b = realloc(buf, cap);
            if (!b) break;
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (!got) break;
        n += got;
    }
    fclose(f);
    *size = n;
    return buf;
}

static Onnx__TensorProto *read_tensor(const char *path)
{
    size_t n;
    uint8_t *b = read_file(path, &n);
    if (!b) return NULL;
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, n, b);
    free(b);
    return t;
}

static int64_t numel(const Onnx__TensorProto *t)
{
    int64_t n = 1;
    for (size_t d = 0; d < t->n_dims; d++) n *= t->dims[d];
    return n;
}

/* The float data of a FLOAT tensor (NULL for other types). */
static float *floats(const Onnx__TensorProto *t)
{
    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) return NULL;
    int64_t n = numel(t);
    float *f = malloc((size_t)(n ? n : 1) * sizeof *f);
    if (!f) return NULL;
    if (n == 0) return f;
    if (t->has_raw_data && t->raw_data.len == (size_t)n * 4) memcpy(f, t->raw_data.data, (size_t)n * 4);
    else if (t->n_float_data == (size_t)n) memcpy(f, t->float_data, (size_t)n * 4);
    else {
        free(f);
        return NULL;
    }
    return f;
}

/* ---- rewriting the model -------------------------------------------------------------------------- */

/* Allocations made for the rewritten model, freed after it is packed. */
static void *arena[4096];
static int n_arena;

static void *take(size_t size)
{
    void *p = calloc(1, size);
    HALO_ASSERT(p && n_arena < 4096);
    arena[n_arena++] = p;
    return p;
}

static void arena_free(void)
{
    while (n_arena) free(arena[--n_arena]);
}

static char *str(const char *s)
{
    char *p = take(strlen(s) + 1);
    strcpy(p, s);
    return p;
}

static Onnx__ValueInfoProto *image_input(const char *name, const int64_t dims[4])
{
    Onnx__ValueInfoProto *vi = take(sizeof *vi);
    Onnx__TypeProto *tp = take(sizeof *tp);
    Onnx__TypeProto__Tensor *tt = take(sizeof *tt);
    Onnx__TensorShapeProto *sh = take(sizeof *sh);
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = 4;
    sh->dim = take(4 * sizeof *sh->dim);
    for (int k = 0; k < 4; k++) {
        Onnx__TensorShapeProto__Dimension *d = take(sizeof *d);
        onnx__tensor_shape_proto__dimension__init(d);
        d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d->dim_value = dims[k];
        sh->dim[k] = d;
    }
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->name = str(name);
    vi->type = tp;
    return vi;
}

static Onnx__NodeProto *node(const char *op, const char *in0, const char *in1, const char *out)
{
    Onnx__NodeProto *n = take(sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = str(op);
    n->name = str(out);
    n->n_input = in1 ? 2 : 1;
    n->input = take(2 * sizeof *n->input);
    n->input[0] = str(in0);
    if (in1) n->input[1] = str(in1);
    n->n_output = 1;
    n->output = take(sizeof *n->output);
    n->output[0] = str(out);
    return n;
}

/* A 1x1 conv weight [c, total, 1, 1] that copies channels [first, first + c) of `total`. */
static Onnx__TensorProto *selector(const char *name, int first, int c, int total)
{
    Onnx__TensorProto *t = take(sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = str(name);
    t->has_data_type = 1;
    t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->n_dims = 4;
    t->dims = take(4 * sizeof *t->dims);
    t->dims[0] = c;
    t->dims[1] = total;
    t->dims[2] = t->dims[3] = 1;
    t->n_float_data = (size_t)c * total;
    t->float_data = take(t->n_float_data * sizeof *t->float_data);
    for (int o = 0; o < c; o++) t->float_data[(size_t)o * total + first + o] = 1.0f;
    return t;
}

/* ---- one test ------------------------------------------------------------------------------------- */

enum kind { K_ELTWISE, K_CHANNEL, K_GEMM, K_BINARY, K_CONCAT };

struct adapted {
    int samples;          /* images run, one per batch sample */
    int64_t img[4];       /* each image: 1 x C x H x W */
    int n_data;           /* data inputs stacked on channels into the image (1, or 2+ for K_BINARY/K_CONCAT) */
    int data_c[8];        /* channels of each */
    const float *data[8]; /* test data of each, [samples][c][h][w] */
};

static bool compare(const char *name, const char *be, const float *y, const float *e, int64_t n, char *why, size_t nw)
{
    double worst = 0;
    int64_t at = -1;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)y[i] - e[i]), tol = ATOL + RTOL * fabs(e[i]);
        bool same = (isnan(y[i]) && isnan(e[i])) || y[i] == e[i];
        if (!same && !(d <= tol) && (at < 0 || d / tol > worst)) {
            worst = d / tol;
            at = i;
        }
    }
    if (at < 0) return true;
    snprintf(why, nw, "%s on %s: element %lld is %.9g, expected %.9g", name, be, (long long)at, y[at], e[at]);
    return false;
}

/* Runs the imported graph on every sample and compares with the expected outputs. */
static void run_backends(const char *name, struct halo_graph *g, const struct halo_weights *w, const struct adapted *a,
                         const float *expect, int64_t n_expect)
{
    int64_t per = n_expect / a->samples;
    for (int b = 0; b < 2; b++) {
        const char *bname = b ? "cpu" : "ref";
        if (!halo_backend_compiled(bname)) continue;
        struct halo_backend *be = NULL;
        struct halo_backend_opts opts = {1, 0};
        CHECK_OK(halo_backend_new(bname, &opts, &be));
        if (!be) return;
        CHECK_OK(halo_backend_load(be, g, w));
        bool ok = true;
        char why[1600] = "";
        for (int s = 0; s < a->samples && ok; s++) {
            int C = (int)a->img[1], H = (int)a->img[2], W = (int)a->img[3];
            struct halo_tensor x = {0}, y = {0};
            CHECK_OK(halo_tensor_alloc(&x, C, (struct halo_rect){0, H, 0, W}));
            size_t hw = (size_t)H * W, off = 0;
            for (int k = 0; k < a->n_data; k++) { /* stacked on channels */
                size_t n = (size_t)a->data_c[k] * hw;
                memcpy(x.data + off, a->data[k] + (size_t)s * n, n * sizeof(float));
                off += n;
            }
            enum halo_status st = halo_exec_graph(be, g, &x, &y, NULL);
            CHECK_OK(st);
            if (st == HALO_OK) {
                CHECK_MSG((int64_t)halo_tensor_numel(&y) == per, "%s: %zu outputs per sample, expected %lld", name,
                          halo_tensor_numel(&y), (long long)per);
                if ((int64_t)halo_tensor_numel(&y) == per)
                    ok = compare(name, bname, y.data, expect + (size_t)s * per, per, why, sizeof why);
            } else {
                ok = false;
            }
            halo_tensor_free(&x);
            halo_tensor_free(&y);
        }
        CHECK_MSG(ok, "%s", why);
        if (!ok) n_failed++;
        halo_backend_free(be);
        if (!ok) return;
    }
    n_passed++;
}

static enum kind kind_of(const Onnx__NodeProto *n, int n_real)
{
    const char *op = n->op_type;
    if (n_real >= 2 && (!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") || !strcmp(op, "Div")))
        return K_BINARY;
    if (n_real >= 2 && !strcmp(op, "Concat")) return K_CONCAT;
    if (!strcmp(op, "Gemm") || !strcmp(op, "MatMul")) return K_GEMM;
    if (!strcmp(op, "Conv") || !strcmp(op, "BatchNormalization") || !strcmp(op, "MaxPool") ||
        !strcmp(op, "AveragePool") || !strcmp(op, "GlobalAveragePool") || !strcmp(op, "Flatten") ||
        !strcmp(op, "Reshape") || !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze"))
        return K_CHANNEL;
    return K_ELTWISE;
}

static void run_test(const char *dir, const char *name)
{
    char path[1400], why[1600];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    Onnx__ModelProto *m = bytes ? onnx__model_proto__unpack(NULL, size, bytes) : NULL;
    free(bytes);
    CHECK_MSG(m && m->graph, "%s: cannot read", path);
    if (!m || !m->graph) return;
    Onnx__GraphProto *gp = m->graph;
    /* the graph's inputs that are not initializers, in order: their data is input_K.pb */
    const char *real[16];
    int n_real = 0;
    for (size_t i = 0; i < gp->n_input && n_real < 16; i++) {
        bool init = false;
        for (size_t k = 0; k < gp->n_initializer && !init; k++) init = !strcmp(gp->initializer[k]->name, gp->input[i]->name);
        if (!init) real[n_real++] = gp->input[i]->name;
    }
    const Onnx__NodeProto *main_node = NULL;
    for (size_t i = 0; i < gp->n_node && !main_node; i++)
        if (strcmp(gp->node[i]->op_type, "Constant")) main_node = gp->node[i];
    Onnx__TensorProto *in[16] = {NULL}, *out = NULL;
    char *saved_name[16] = {NULL};
    float *expect = NULL, *data[16] = {NULL};
    struct halo_graph *g = NULL;
    struct halo_weights *w = NULL;
    Onnx__ValueInfoProto **saved_input = gp->input, **saved_output = gp->output;
    size_t saved_n_input = gp->n_input, saved_n_node = gp->n_node, saved_n_init = gp->n_initializer;
    size_t saved_n_output = gp->n_output;
    Onnx__NodeProto **saved_node = gp->node;
    Onnx__TensorProto **saved_init = gp->initializer;
    int64_t saved_axis = 0;
    Onnx__AttributeProto *axis_attr = NULL;
    why[0] = '\0';
    n_ran++;
    for (int k = 0; k < n_real; k++) {
        snprintf(path, sizeof path, "%s/test_data_set_0/input_%d.pb", dir, k);
        in[k] = read_tensor(path);
        if (!in[k]) snprintf(why, sizeof why, "input %d: cannot read %s", k, path);
    }
    snprintf(path, sizeof path, "%s/test_data_set_0/output_0.pb", dir);
    if (!why[0] && !(out = read_tensor(path))) snprintf(why, sizeof why, "cannot read %s", path);
    if (!why[0] && !main_node) snprintf(why, sizeof why, "no node");
    if (!why[0] && !(expect = floats(out))) snprintf(why, sizeof why, "expected output is not float32");
    enum kind kind = main_node ? kind_of(main_node, n_real) : K_ELTWISE;
    struct adapted a = {.samples = 1, .n_data = 1};
    int n_data = (kind == K_BINARY || kind == K_CONCAT) ? n_real : (n_real ? 1 : 0);
    if (!why[0] && (n_data < 1 || n_data > 8)) snprintf(why, sizeof why, "%d computed inputs", n_data);
    for (int k = 0; !why[0] && k < n_data; k++)
        if (!(data[k] = floats(in[k])))
            snprintf(why, sizeof why, "input '%s' is not float32 (halo computes float32 images)", real[k]);
    /* the image each sample becomes */
    const Onnx__TensorProto *d0 = n_data ? in[0] : NULL;
    int r = d0 ? (int)d0->n_dims : 0;
    int64_t dd[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    for (int k = 0; k < r && k < 8; k++) dd[k] = d0->dims[k];
    if (!why[0]) {
        switch (kind) {
        case K_ELTWISE: /* all of it as one C x 1 x 1 image */
            a.img[0] = 1, a.img[1] = numel(d0), a.img[2] = a.img[3] = 1;
            break;
        case K_CHANNEL:
        case K_GEMM:
            if (r < 2 || r > 4 || (kind == K_GEMM && r != 2))
                snprintf(why, sizeof why, "input of rank %d: halo's images are N x C x H x W", r);
            a.samples = (int)dd[0];
            a.img[0] = 1, a.img[1] = dd[1], a.img[2] = dd[2], a.img[3] = dd[3];
            break;
        case K_BINARY:
        case K_CONCAT:
            for (int k = 1; k < n_data && !why[0]; k++) {
                if ((int)in[k]->n_dims != r) snprintf(why, sizeof why, "inputs of ranks %d and %zu", r, in[k]->n_dims);
                for (int q = 0; q < r && !why[0]; q++)
                    if (in[k]->dims[q] != dd[q] && !(kind == K_CONCAT && q == 1))
                        snprintf(why, sizeof why, "operands of different shapes: halo does not broadcast two "
                                 "computed tensors (only a c x 1 x 1 gate)");
            }
            if (kind == K_CONCAT && !why[0]) {
                for (size_t i = 0; i < main_node->n_attribute; i++)
                    if (!strcmp(main_node->attribute[i]->name, "axis")) axis_attr = main_node->attribute[i];
                int64_t axis = axis_attr ? axis_attr->i : 0;
                if (axis < 0) axis += r;
                if (r < 2 || r > 4 || axis != 1)
                    snprintf(why, sizeof why, "concat along axis %lld of a rank-%d tensor: halo concatenates channels "
                             "(axis 1) of N x C x H x W", (long long)axis, r);
                else {
                    saved_axis = axis_attr->i;
                    axis_attr->i = 1; /* the same axis in the 4-D images */
                }
            }
            if (kind == K_BINARY && r == 1) a.img[0] = 1, a.img[1] = dd[0], a.img[2] = a.img[3] = 1;
            else {
                a.samples = (int)dd[0];
                int64_t rest = 1;
                for (int q = 2; q < r; q++) rest *= dd[q];
                a.img[0] = 1, a.img[2] = kind == K_CONCAT ? dd[2] : rest, a.img[3] = kind == K_CONCAT ? dd[3] : 1;
            }
            break;
        }
    }
    if (!why[0] && (a.samples < 1 || a.img[1] < 0 || a.img[2] < 1 || a.img[3] < 1))
        snprintf(why, sizeof why, "an empty input tensor");
    if (!why[0] && a.samples > 1 && !strcmp(main_node->op_type, "Reshape"))
        snprintf(why, sizeof why, "reshapes a batch of %d as a whole; halo runs one sample and reshapes only to "
                 "[1, features]", a.samples);
    /* the data of each stacked input, and the image's channels */
    a.n_data = n_data;
    a.img[1] = kind == K_BINARY || kind == K_CONCAT ? 0 : a.img[1];
    for (int k = 0; !why[0] && k < n_data; k++) {
        int64_t per = numel(in[k]) / a.samples;
        a.data_c[k] = (int)(per / (a.img[2] * a.img[3]));
        a.data[k] = data[k];
        if (kind == K_BINARY || kind == K_CONCAT) a.img[1] += a.data_c[k];
    }
    if (!why[0]) {
        /* the rewritten graph: one image input, parameters as initializers, adapters before the node */
        gp->n_input = 1;
        gp->input = take(sizeof *gp->input);
        gp->node = take((saved_n_node + 8) * sizeof *gp->node);
        gp->initializer = take((saved_n_init + 24) * sizeof *gp->initializer);
        if (saved_n_init) memcpy(gp->initializer, saved_init, saved_n_init * sizeof *gp->initializer);
        size_t nn = 0;
        if (kind == K_GEMM) {
            gp->input[0] = image_input("halo_image", a.img);
            gp->node[nn++] = node("Flatten", "halo_image", NULL, real[0]);
        } else if (kind == K_BINARY || kind == K_CONCAT) {
            gp->input[0] = image_input("halo_image", a.img);
            int first = 0;
            for (int k = 0; k < n_data; k++) {
                char wn[64];
                snprintf(wn, sizeof wn, "halo_select_%d", k);
                gp->initializer[gp->n_initializer++] = selector(wn, first, a.data_c[k], (int)a.img[1]);
                gp->node[nn++] = node("Conv", "halo_image", wn, real[k]);
                first += a.data_c[k];
            }
        } else {
            gp->input[0] = image_input(real[0], a.img);
        }
        for (int k = n_data; k < n_real; k++) { /* parameters: the test's data as initializers */
            saved_name[k] = in[k]->name;
            in[k]->name = (char *)real[k];
            gp->initializer[gp->n_initializer++] = in[k];
        }
        if (saved_n_node) memcpy(gp->node + nn, saved_node, saved_n_node * sizeof *gp->node);
        gp->n_node = nn + saved_n_node;
        size_t psize = onnx__model_proto__get_packed_size(m);
        uint8_t *packed = malloc(psize ? psize : 1);
        HALO_ASSERT(packed);
        onnx__model_proto__pack(m, packed);
        enum halo_status st = halo_onnx_import_mem(name, packed, psize, &g, &w);
        free(packed);
        if (st == HALO_OK && halo_graph_infer(g, (int)a.img[2], (int)a.img[3]) != HALO_OK) st = HALO_ERR_INVALID;
        if (st != HALO_OK) snprintf(why, sizeof why, "%s", halo_error_msg());
    }
    if (why[0]) {
        note_skip(name, why);
        halo_test_case_skip("%s", why);
    } else {
        run_backends(name, g, w, &a, expect, numel(out));
    }
    /* restore what protobuf-c allocated, then free it */
    for (int k = 0; k < n_real; k++)
        if (in[k] && in[k]->name == real[k]) in[k]->name = saved_name[k];
    if (axis_attr) axis_attr->i = saved_axis;
    gp->input = saved_input;
    gp->n_input = saved_n_input;
    gp->node = saved_node;
    gp->n_node = saved_n_node;
    gp->initializer = saved_init;
    gp->n_initializer = saved_n_init;
    gp->output = saved_output;
    gp->n_output = saved_n_output;
    arena_free();
    halo_graph_free(g);
    halo_weights_free(w);
    for (int k = 0; k < 16; k++) {
        free(data[k]);
        if (in[k]) onnx__tensor_proto__free_unpacked(in[k], NULL);
    }
    if (out) onnx__tensor_proto__free_unpacked(out, NULL);
    free(expect);
    onnx__model_proto__free_unpacked(m, NULL);
}

/* The ops of a test's model that halo does not import (counted per op); true when all are and its
 * first op is one halo computes (not only folds). */
static bool ops_supported(const char *dir)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    Onnx__ModelProto *m = bytes ? onnx__model_proto__unpack(NULL, size, bytes) : NULL;
    free(bytes);
    if (!m || !m->graph) {
        if (m) onnx__model_proto__free_unpacked(m, NULL);
        return true; /* run_test reports it */
    }
    bool ok = true;
    for (size_t i = 0; i < m->graph->n_node; i++)
        if (!is_supported(m->graph->node[i]->op_type)) {
            if (ok) note_unsupported(m->graph->node[i]->op_type);
            ok = false;
        }
    if (ok && m->graph->n_node && in_list(folded, m->graph->node[0]->op_type)) {
        n_folded++;
        ok = false;
    }
    onnx__model_proto__free_unpacked(m, NULL);
    return ok;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_suite(const char *root, const char *sub, const char *filter)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, sub);
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "test_", 5)) {
            if (halo_grow((void **)&names, &cap, n + 1, sizeof *names)) break;
            names[n++] = halo_strdup(e->d_name);
        }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[1200], label[300];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(label, sizeof label, "%s/%s", sub, names[i]);
        if ((!filter || strstr(label, filter)) && ops_supported(path)) RUN_CASE(label, run_test(path, label));
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "/usr/share/libonnx-testdata/data", *filter = argc > 2 ? argv[2] : NULL;
    struct stat sb;
    if (!halo_onnx_available()) {
        printf("SKIP: this halo was built without ONNX import\n");
        return HALO_TEST_SKIP;
    }
    if (stat(root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        printf("SKIP: %s: no ONNX backend test data (Debian: libonnx-testdata)\n", root);
        return HALO_TEST_SKIP;
    }
    run_suite(root, "node", filter);
    run_suite(root, "pytorch-converted", filter);
    run_suite(root, "pytorch-operator", filter);
    printf("\nONNX backend tests through halo (ref and cpu): %d ran, %d passed, %d failed, %d skipped\n", n_ran,
           n_passed, n_failed, n_skipped);
    if (n_skipped) printf("skipped (halo's reason):\n%s", skipped_list);
    printf("not run, shape arithmetic halo folds on constants but does not compute on data (Shape, Gather, Cast, "
           "Slice, Constant, ConstantOfShape): %d tests\n", n_folded);
    printf("not run, ops halo does not import (tests):");
    for (int i = 0; i < n_unsupported; i++) printf("%s %s (%d)", i ? "," : "", unsupported[i].op, unsupported[i].tests);
    printf("\n");
    return halo_test_done("test_onnx_nodes");
}
