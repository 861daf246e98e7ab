/* Weights: seeded random weights are reproducible; safetensors save/load round-trips bit for bit;
 * every malformed file gives its own error naming the file and the tensor. Files are crafted by a
 * small writer here, independent of the one under test. */
#include "core/alloc.h"
#include "model/weights.h"
#include "model/zoo.h"
#include "test.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/halo_test_weights_XXXXXX";

static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* ---- a hand-rolled safetensors writer ------------------------------------------------------- */

struct tensor {
    char name[128];
    char dtype[16];
    int64_t shape[4];
    int rank;
    unsigned char *data; /* owned */
    size_t bytes;
    long long begin, end; /* offsets written; -1: computed */
};

struct file {
    struct tensor *t;
    int n;
    char extra[256]; /* raw JSON entries appended to the header (with leading comma) */
};

static void file_free(struct file *f)
{
    for (int i = 0; i < f->n; i++) free(f->t[i].data);
    free(f->t);
    memset(f, 0, sizeof *f);
}

static struct tensor *file_add(struct file *f, const char *name, const char *dtype, const int64_t *shape, int rank,
                               const void *data, size_t bytes)
{
    f->t = realloc(f->t, (size_t)(f->n + 1) * sizeof *f->t);
    HALO_ASSERT(f->t);
    struct tensor *t = &f->t[f->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->dtype, sizeof t->dtype, "%s", dtype);
    memcpy(t->shape, shape, (size_t)rank * sizeof *shape);
    t->rank = rank;
    t->data = malloc(bytes ? bytes : 1);
    HALO_ASSERT(t->data);
    if (bytes) memcpy(t->data, data, bytes);
    t->bytes = bytes;
    t->begin = t->end = -1;
    return t;
}

static struct tensor *file_find(struct file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    fprintf(stderr, "test: no tensor %s\n", name);
    abort();
}

static void file_remove(struct file *f, const char *name)
{
    struct tensor *t = file_find(f, name);
    free(t->data);
    int i = (int)(t - f->t);
    memmove(&f->t[i], &f->t[i + 1], (size_t)(f->n - i - 1) * sizeof *t);
    f->n--;
}

/* Every tensor of g from w, named and shaped as torchvision does (written independently of
 * safetensors.c: the shapes come from the node fields). */
static void file_from_weights(struct file *f, const struct halo_graph *g, const struct halo_weights *w)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *n = &g->nodes[i];
        char name[160];
        if (n->op == HALO_OP_CONV || n->op == HALO_OP_LINEAR) {
            int64_t ws[4] = {n->cout, n->op == HALO_OP_CONV ? n->cin / n->groups : n->cin, n->win.kh, n->win.kw};
            int rank = n->op == HALO_OP_CONV ? 4 : 2;
            int64_t numel = ws[0] * ws[1] * (rank == 4 ? ws[2] * ws[3] : 1);
            snprintf(name, sizeof name, "%s.weight", n->name);
            file_add(f, name, "F32", ws, rank, w->node[i].weight, (size_t)numel * 4);
            if (n->bias) {
                int64_t bs[1] = {n->cout};
                snprintf(name, sizeof name, "%s.bias", n->name);
                file_add(f, name, "F32", bs, 1, w->node[i].bias, (size_t)n->cout * 4);
            }
        } else if (n->op == HALO_OP_BN) {
            int64_t bs[1] = {n->cout};
            const char *suf[4] = {"weight", "bias", "running_mean", "running_var"};
            const float *d[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
            for (int k = 0; k < 4; k++) {
                snprintf(name, sizeof name, "%s.%s", n->name, suf[k]);
                file_add(f, name, "F32", bs, 1, d[k], (size_t)n->cout * 4);
            }
        }
    }
}

/* Writes f (tensors back to back; explicit offsets where set) and returns the path. */
static const char *file_write(const struct file *f, const char *name)
{
    size_t cap = 1 << 20, len = 0;
    char *h = malloc(cap);
    HALO_ASSERT(h);
    len += (size_t)snprintf(h + len, cap - len, "{\"__metadata__\":{\"format\":\"pt\"}");
    long long off = 0;
    for (int i = 0; i < f->n; i++) {
        const struct tensor *t = &f->t[i];
        long long b = t->begin >= 0 ? t->begin : off, e = t->end >= 0 ? t->end : off + (long long)t->bytes;
        if (len + 512 > cap) {
            cap *= 2;
            h = realloc(h, cap);
            HALO_ASSERT(h);
        }
        len += (size_t)snprintf(h + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", t->name, t->dtype);
        for (int r = 0; r < t->rank; r++) len += (size_t)snprintf(h + len, cap - len, "%s%lld", r ? "," : "", (long long)t->shape[r]);
        len += (size_t)snprintf(h + len, cap - len, "],\"data_offsets\":[%lld,%lld]}", b, e);
        off += (long long)t->bytes;
    }
    len += (size_t)snprintf(h + len, cap - len, "%s}", f->extra);
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "wb");
    HALO_ASSERT(fp);
    uint64_t n = len;
    unsigned char l8[8];
    for (int i = 0; i < 8; i++) l8[i] = (unsigned char)(n >> (8 * i));
    fwrite(l8, 1, 8, fp);
    fwrite(h, 1, len, fp);
    for (int i = 0; i < f->n; i++) fwrite(f->t[i].data, 1, f->t[i].bytes, fp);
    fclose(fp);
    free(h);
    return path;
}

/* Writes raw bytes: an 8-byte length `hlen` then `body`. */
static const char *raw_write(const char *name, uint64_t hlen, const char *body, size_t body_len)
{
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "wb");
    HALO_ASSERT(fp);
    unsigned char l8[8];
    for (int i = 0; i < 8; i++) l8[i] = (unsigned char)(hlen >> (8 * i));
    fwrite(l8, 1, 8, fp);
    fwrite(body, 1, body_len, fp);
    fclose(fp);
    return path;
}

/* A header-only file holding exactly the JSON `json`. */
static const char *json_write(const char *name, const char *json)
{
    return raw_write(name, strlen(json), json, strlen(json));
}

/* Expects loading `path` for g to fail with status `want` and a message naming the file and
 * containing `what`. */
#define CHECK_LOAD_ERR(g, path, want, what)                                                       \
    do {                                                                                          \
        struct halo_weights *w_ = NULL;                                                           \
        const char *p_ = (path);                                                                  \
        CHECK_ERR(halo_weights_load((g), p_, &w_), (want), (what));                               \
        CHECK(strstr(halo_error_msg(), p_) != NULL);                                              \
        CHECK(w_ == NULL);                                                                        \
        halo_weights_free(w_);                                                                    \
    } while (0)

static bool weights_equal(const struct halo_graph *g, const struct halo_weights *a, const struct halo_weights *b)
{
    for (int i = 0; i < g->n_nodes; i++) {
        int64_t sz[4];
        halo_weights_sizes(&g->nodes[i], sz);
        const float *x[4] = {a->node[i].weight, a->node[i].bias, a->node[i].mean, a->node[i].var};
        const float *y[4] = {b->node[i].weight, b->node[i].bias, b->node[i].mean, b->node[i].var};
        for (int k = 0; k < 4; k++)
            if (sz[k] && memcmp(x[k], y[k], (size_t)sz[k] * 4)) {
                fprintf(stderr, "  %s slot %d differs\n", g->nodes[i].name, k);
                return false;
            }
    }
    return true;
}

static void test_random(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet18", 32, 32, &g));
    struct halo_weights *a, *b, *c;
    CHECK_OK(halo_weights_random(g, 7, &a));
    CHECK_OK(halo_weights_random(g, 7, &b));
    CHECK_OK(halo_weights_random(g, 8, &c));
    CHECK(a->hash == b->hash);
    CHECK(a->hash != c->hash);
    CHECK(weights_equal(g, a, b));
    CHECK(memcmp(a->node[0].weight, c->node[0].weight, 64 * 4) != 0);
    CHECK_STR(a->source, "random seed 7");
    halo_weights_free(a);
    halo_weights_free(b);
    halo_weights_free(c);
    halo_graph_free(g);
}

static void test_round_trip(const char *model)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for(model, 64, 64, &g));
    struct halo_weights *w, *r = NULL;
    CHECK_OK(halo_weights_random(g, 11, &w));
    char name[64];
    snprintf(name, sizeof name, "%s.safetensors", model);
    const char *path = tmp_path(name);
    CHECK_OK(halo_weights_save(g, w, path));
    CHECK_OK(halo_weights_load(g, path, &r));
    if (r) {
        CHECK(weights_equal(g, w, r));
        CHECK(r->hash == w->hash);
        CHECK_STR(r->source, path);
    }
    /* the file's layout: 8-byte aligned data, metadata, tensors in graph order */
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        unsigned char l8[8];
        CHECK_EQ(fread(l8, 1, 8, f), 8);
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | l8[i];
        CHECK_EQ(hl % 8, 0);
        char *h = calloc(hl + 1, 1);
        CHECK_EQ(fread(h, 1, hl, f), hl);
        CHECK(strstr(h, "\"__metadata__\":{\"format\":\"pt\"") != NULL);
        CHECK(strstr(h, "\"producer\":\"halo\"") != NULL);
        char model_kv[80];
        snprintf(model_kv, sizeof model_kv, "\"model\":\"%s\"", model);
        CHECK(strstr(h, model_kv) != NULL);
        const char *first = !strcmp(model, "resnet18") ? "\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[64,3,7,7],"
                                                         "\"data_offsets\":[0,37632]}"
                                                       : "\"features.0.0.weight\":{\"dtype\":\"F32\",\"shape\":[32,3,3,3],"
                                                         "\"data_offsets\":[0,3456]}";
        CHECK(strstr(h, first) != NULL);
        free(h);
        fclose(f);
    }
    halo_weights_free(w);
    halo_weights_free(r);
    halo_graph_free(g);
}

static void test_other_dtypes(const struct halo_graph *g, const struct halo_weights *w)
{
    /* F16, BF16 and F64 are converted; values chosen to be exact in each */
    struct file f;
    file_from_weights(&f, g, w);
    struct tensor *t = file_find(&f, "fc.bias");
    uint16_t f16[1000], bf16[1000];
    double f64[1000];
    for (int i = 0; i < 1000; i++) {
        float v = (float)(i % 200 - 100) / 32.0f; /* 7 significant bits: exact in half and bfloat16 */
        f64[i] = v;
        uint32_t bits;
        memcpy(&bits, &v, 4);
        bf16[i] = (uint16_t)(bits >> 16);
        /* half: sign, 5-bit exponent, 10-bit mantissa */
        float a = fabsf(v);
        uint16_t hbits = 0;
        if (a > 0) {
            int e;
            float m = frexpf(a, &e); /* a = m * 2^e, m in [0.5, 1) */
            hbits = (uint16_t)(((e - 1 + 15) << 10) | ((int)(m * 2048) & 1023));
        }
        f16[i] = (uint16_t)(hbits | (v < 0 ? 0x8000 : 0));
    }
    const char *names[3] = {"F16", "BF16", "F64"};
    const void *data[3] = {f16, bf16, f64};
    size_t bytes[3] = {2000, 2000, 8000};
    for (int k = 0; k < 3; k++) {
        free(t->data);
        t->data = malloc(bytes[k]);
        memcpy(t->data, data[k], bytes[k]);
        t->bytes = bytes[k];
        snprintf(t->dtype, sizeof t->dtype, "%s", names[k]);
        struct halo_weights *r = NULL;
        CHECK_OK(halo_weights_load(g, file_write(&f, "dtype.safetensors"), &r));
        if (!r) continue;
        int fc = g->n_nodes - 1, bad = 0;
        for (int i = 0; i < 1000; i++) bad += r->node[fc].bias[i] != (float)(i % 200 - 100) / 32.0f;
        if (bad) fprintf(stderr, "  %s: %d values converted wrongly\n", names[k], bad);
        CHECK_EQ(bad, 0);
        halo_weights_free(r);
    }
    file_free(&f);
}

static void test_malformed(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet18", 64, 64, &g));
    struct halo_weights *w;
    CHECK_OK(halo_weights_random(g, 5, &w));
    struct file f;
    const char *p;

    /* the file itself */
    CHECK_LOAD_ERR(g, tmp_path("does_not_exist.safetensors"), HALO_ERR_IO, "cannot open");
    CHECK_LOAD_ERR(g, tmpdir, HALO_ERR_IO, "is a directory");
    /* a FIFO that nobody writes: refused at once, not waited on */
    const char *fifo = tmp_path("fifo.safetensors");
    if (mkfifo(fifo, 0600) == 0) {
        CHECK_LOAD_ERR(g, fifo, HALO_ERR_IO, "not a regular file");
        unlink(fifo);
    }
    p = tmp_path("short.safetensors");
    FILE *fp = fopen(p, "wb");
    fwrite("abcde", 1, 5, fp);
    fclose(fp);
    CHECK_LOAD_ERR(g, p, HALO_ERR_PARSE, "file is 5 bytes, shorter than the 8-byte");
    CHECK_LOAD_ERR(g, raw_write("past.safetensors", 1000, "{}", 2), HALO_ERR_PARSE,
                   "header length 1000 runs past the end of the file (10 bytes)");
    CHECK_LOAD_ERR(g, raw_write("huge_len.safetensors", UINT64_MAX, "{}", 2), HALO_ERR_PARSE,
                   "runs past the end of the file");
    /* a 200 MB sparse file whose header length fits the file but no sane header */
    p = raw_write("absurd.safetensors", 150000000ull, "{}", 2);
    CHECK(truncate(p, 200000000) == 0);
    CHECK_LOAD_ERR(g, p, HALO_ERR_PARSE, "header length 150000000 is absurdly large");
    unlink(p);

    /* the header */
    CHECK_LOAD_ERR(g, json_write("badjson.safetensors", "{\"conv1.weight\": {\"dtype\": "), HALO_ERR_PARSE,
                   "header: line 1, column");
    CHECK_LOAD_ERR(g, json_write("array.safetensors", "[1, 2]"), HALO_ERR_PARSE, "header: not a JSON object");
    CHECK_LOAD_ERR(g, json_write("meta.safetensors", "{\"__metadata__\": {\"a\": 1}}"), HALO_ERR_PARSE,
                   "__metadata__.a is not a string");
    CHECK_LOAD_ERR(g, json_write("entry.safetensors", "{\"conv1.weight\": 3}"), HALO_ERR_PARSE,
                   "tensor conv1.weight: entry is not a JSON object");
    CHECK_LOAD_ERR(g, json_write("nodtype.safetensors", "{\"conv1.weight\": {\"shape\": [], \"data_offsets\": [0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: missing dtype");
    CHECK_LOAD_ERR(g, json_write("unkdtype.safetensors",
                                 "{\"conv1.weight\": {\"dtype\": \"F17\", \"shape\": [], \"data_offsets\": [0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: unknown dtype 'F17'");
    CHECK_LOAD_ERR(g, json_write("noshape.safetensors", "{\"conv1.weight\": {\"dtype\": \"F32\", \"data_offsets\": [0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: missing shape");
    CHECK_LOAD_ERR(g, json_write("shapeobj.safetensors",
                                 "{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": 5, \"data_offsets\": [0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: shape is not an array");
    CHECK_LOAD_ERR(g, json_write("shapeneg.safetensors",
                                 "{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [64, -3], \"data_offsets\": [0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: shape[1] is not a non-negative integer");
    CHECK_LOAD_ERR(g, json_write("shapefrac.safetensors",
                                 "{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: shape[0] is not a non-negative integer");
    CHECK_LOAD_ERR(g, json_write("nooff.safetensors", "{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: missing data_offsets");
    CHECK_LOAD_ERR(g, json_write("off3.safetensors",
                                 "{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: data_offsets must be [begin, end]");
    CHECK_LOAD_ERR(g, json_write("offneg.safetensors",
                                 "{\"conv1.weight\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [-4, 0]}}"),
                   HALO_ERR_PARSE, "tensor conv1.weight: data_offsets must be [begin, end]");

    /* tensors against the data and each other */
    file_from_weights(&f, g, w);
    struct tensor *t = file_find(&f, "layer1.0.conv1.weight");
    t->begin = 8;
    t->end = 4;
    CHECK_LOAD_ERR(g, file_write(&f, "order.safetensors"), HALO_ERR_PARSE,
                   "tensor layer1.0.conv1.weight: data_offsets [8, 4]: begin > end");
    t->begin = 0;
    t->end = 4000000000ll;
    CHECK_LOAD_ERR(g, file_write(&f, "beyond.safetensors"), HALO_ERR_PARSE,
                   "tensor layer1.0.conv1.weight: data_offsets [0, 4000000000] run past the end of the data");
    t->begin = 0;
    t->end = 64;
    CHECK_LOAD_ERR(g, file_write(&f, "size.safetensors"), HALO_ERR_PARSE,
                   "tensor layer1.0.conv1.weight: data_offsets [0, 64] hold 64 bytes; F32 [64,64,3,3] needs 147456");
    t->begin = 37632 - 4; /* starts inside conv1.weight [0, 37632) */
    t->end = t->begin + 147456;
    CHECK_LOAD_ERR(g, file_write(&f, "overlap.safetensors"), HALO_ERR_PARSE,
                   "tensors conv1.weight [0, 37632] and layer1.0.conv1.weight [37628, 185084] overlap");
    file_free(&f);

    /* truncated data */
    file_from_weights(&f, g, w);
    p = file_write(&f, "truncated.safetensors");
    fp = fopen(p, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    CHECK(truncate(p, size - 100) == 0);
    CHECK_LOAD_ERR(g, p, HALO_ERR_PARSE, "tensor fc.bias: data_offsets");
    CHECK_LOAD_ERR(g, p, HALO_ERR_PARSE, "file truncated?");

    /* tensors against the graph */
    file_remove(&f, "layer1.0.conv1.weight");
    CHECK_LOAD_ERR(g, file_write(&f, "missing.safetensors"), HALO_ERR_INVALID, "missing tensor layer1.0.conv1.weight");
    file_free(&f);
    file_from_weights(&f, g, w);
    file_remove(&f, "layer2.0.downsample.1.running_var");
    file_remove(&f, "fc.bias");
    CHECK_LOAD_ERR(g, file_write(&f, "missing2.safetensors"), HALO_ERR_INVALID,
                   "missing tensor layer2.0.downsample.1.running_var (and 1 more");
    file_free(&f);

    file_from_weights(&f, g, w);
    int64_t s1[1] = {4};
    float four[4] = {0};
    file_add(&f, "layer9.0.conv1.weight", "F32", s1, 1, four, 16);
    CHECK_LOAD_ERR(g, file_write(&f, "unexpected.safetensors"), HALO_ERR_INVALID, "unexpected tensor layer9.0.conv1.weight");
    file_remove(&f, "layer9.0.conv1.weight");
    file_add(&f, "conv1.bias", "F32", s1, 1, four, 16); /* torchvision's ResNet convs have no bias */
    CHECK_LOAD_ERR(g, file_write(&f, "unexpected2.safetensors"), HALO_ERR_INVALID, "unexpected tensor conv1.bias");
    file_remove(&f, "conv1.bias");
    file_add(&f, "relu.weight", "F32", s1, 1, four, 16);
    CHECK_LOAD_ERR(g, file_write(&f, "unexpected3.safetensors"), HALO_ERR_INVALID, "unexpected tensor relu.weight");
    file_remove(&f, "relu.weight");
    file_add(&f, "conv1.num_batches_tracked", "I64", s1, 0, four, 8); /* not a batchnorm */
    CHECK_LOAD_ERR(g, file_write(&f, "unexpected4.safetensors"), HALO_ERR_INVALID,
                   "unexpected tensor conv1.num_batches_tracked");
    file_remove(&f, "conv1.num_batches_tracked");

    /* duplicate key in the JSON */
    snprintf(f.extra, sizeof f.extra, ",\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}");
    CHECK_LOAD_ERR(g, file_write(&f, "dup.safetensors"), HALO_ERR_PARSE, "header: fc.bias: given twice");
    f.extra[0] = '\0';

    t = file_find(&f, "layer1.0.conv1.weight");
    float *small = calloc(64 * 64, 4);
    free(t->data);
    t->data = (unsigned char *)small;
    t->bytes = 64 * 64 * 4;
    t->shape[2] = t->shape[3] = 1;
    CHECK_LOAD_ERR(g, file_write(&f, "shape.safetensors"), HALO_ERR_INVALID,
                   "layer1.0.conv1.weight: shape [64,64,1,1], expected [64,64,3,3]");
    t->rank = 2;
    CHECK_LOAD_ERR(g, file_write(&f, "rank.safetensors"), HALO_ERR_INVALID,
                   "layer1.0.conv1.weight: shape [64,64], expected [64,64,3,3]");
    file_free(&f);

    file_from_weights(&f, g, w);
    snprintf(file_find(&f, "bn1.running_mean")->dtype, 16, "I32");
    CHECK_LOAD_ERR(g, file_write(&f, "dtype.safetensors"), HALO_ERR_INVALID,
                   "tensor bn1.running_mean: dtype I32 not supported for parameters");
    file_free(&f);

    /* num_batches_tracked (any integer dtype, any shape) is ignored; a float one is an error */
    file_from_weights(&f, g, w);
    long long nbt = 12345;
    int32_t nbt32 = 7;
    file_add(&f, "bn1.num_batches_tracked", "I64", s1, 0, &nbt, 8);
    file_add(&f, "layer4.1.bn2.num_batches_tracked", "I32", s1, 0, &nbt32, 4);
    struct halo_weights *r = NULL;
    CHECK_OK(halo_weights_load(g, file_write(&f, "nbt.safetensors"), &r));
    if (r) {
        CHECK(weights_equal(g, w, r));
        CHECK(r->hash == w->hash);
    }
    halo_weights_free(r);
    snprintf(file_find(&f, "bn1.num_batches_tracked")->dtype, 16, "F64");
    CHECK_LOAD_ERR(g, file_write(&f, "nbt_f.safetensors"), HALO_ERR_INVALID,
                   "tensor bn1.num_batches_tracked: dtype F64, expected an integer dtype");
    file_free(&f);

    /* a file made for another model */
    struct halo_graph *g2;
    CHECK_OK(halo_zoo_build_for("resnet34", 64, 64, &g2));
    CHECK_LOAD_ERR(g2, tmp_path("nbt.safetensors"), HALO_ERR_INVALID, "missing tensor layer1.2.conv1.weight (and");
    halo_graph_free(g2);

    test_other_dtypes(g, w);
    halo_weights_free(w);
    halo_graph_free(g);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_random);
    RUN_CASE("round_trip_resnet18", test_round_trip("resnet18"));
    RUN_CASE("round_trip_mobilenet_v2", test_round_trip("mobilenet_v2"));
    RUN(test_malformed);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return halo_test_done("test_weights");
}
