/* safetensors: reading weights from a safetensors file, halo_weights_load and _load_mem (declared
 * in model/weights.h); safetensors_write.c writes them, safetensors_names.c names them.
 * Format (https://github.com/huggingface/safetensors): u64 little-endian header length N, N bytes
 * of JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then
 * the data buffer; offsets are relative to its start. Names are torchvision's state_dict names.
 * Every entry is validated before any data is used; every error names the file and the tensor.
 * F32 is loaded as it is; F16, BF16 and F64 are converted to float32 (an extra: torchvision
 * exports are F32); any other dtype is an error. Holes between tensors are tolerated, overlaps
 * are not (the spec forbids both; holes do no harm to a reader). */
#include "core/alloc.h"
#include "core/file.h"
#include "core/json.h"
#include "core/log.h"
#include "model/safetensors.h"
#include "model/weights.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reference implementation refuses headers above 100 MB; a larger length is a corrupt file. */
#define ST_HEADER_LIMIT_BYTES 100000000ull
/* Offsets and shapes are JSON numbers (doubles): integers above 2^53 cannot be exact. */
#define ST_INT_LIMIT 9007199254740992.0

enum dtype_kind { KIND_FLOAT, KIND_INT, KIND_OTHER };

struct dtype {
    const char *name;
    int size_bytes;
    enum dtype_kind kind;
};

static const struct dtype dtypes[] = {
    {"F32", 4, KIND_FLOAT},  {"F16", 2, KIND_FLOAT},  {"BF16", 2, KIND_FLOAT}, {"F64", 8, KIND_FLOAT},
    {"I64", 8, KIND_INT},    {"I32", 4, KIND_INT},    {"I16", 2, KIND_INT},    {"I8", 1, KIND_INT},
    {"U64", 8, KIND_INT},    {"U32", 4, KIND_INT},    {"U16", 2, KIND_INT},    {"U8", 1, KIND_INT},
    {"BOOL", 1, KIND_OTHER}, {"F8_E4M3", 1, KIND_OTHER}, {"F8_E5M2", 1, KIND_OTHER},
};

static const struct dtype *dtype_find(const char *s)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dtypes[i].name, s)) return &dtypes[i];
    return NULL;
}

static void shape_str(char *buf, size_t size, const int64_t *dims, int rank)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < rank && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "," : "", (long long)dims[i]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

static float **slot_ptr(struct halo_node_weights *nw, int k)
{
    float **p[4] = {&nw->weight, &nw->bias, &nw->mean, &nw->var};
    return p[k];
}

/* ---- loading -------------------------------------------------------------------------------- */

/* A graph node by name. */
struct named {
    const char *name;
    int node;
};

/* One validated header entry. */
struct entry {
    const char *name;
    const struct dtype *dt;
    int64_t dims[8];
    int rank;
    uint64_t begin, end; /* in the data buffer */
};

struct loader {
    const char *path;
    const struct halo_graph *g;
    const unsigned char *data; /* the data buffer (after the header) */
    uint64_t data_bytes;
    struct named *by_name; /* nodes with parameters, sorted by name */
    int n_by_name;
    unsigned char *seen; /* per node, bit k: slot k was loaded */
    struct entry *entries;
    int n_entries;
};

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/* The node called `name` (length len) among the nodes with parameters, or -1. */
static int node_by_name(const struct loader *L, const char *name, size_t len)
{
    int lo = 0, hi = L->n_by_name - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *s = L->by_name[mid].name;
        int c = strncmp(s, name, len);
        if (c == 0 && s[len]) c = 1;
        if (c == 0) return L->by_name[mid].node;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static bool json_uint(const cJSON *j, uint64_t *out)
{
    if (!cJSON_IsNumber(j)) return false;
    double d = j->valuedouble;
    if (!(d >= 0 && d <= ST_INT_LIMIT) || d != floor(d)) return false;
    *out = (uint64_t)d;
    return true;
}

/* Checks one header entry's form: dtype, shape, data_offsets and their consistency. */
static enum halo_status check_entry(const struct loader *L, const cJSON *j, struct entry *e)
{
    const char *p = L->path, *n = j->string;
    e->name = n;
    if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_PARSE, "%s: tensor %s: entry is not a JSON object", p, n);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(j, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(j, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(j, "data_offsets");
    if (!dt) return halo_error(HALO_ERR_PARSE, "%s: tensor %s: missing dtype", p, n);
    if (!cJSON_IsString(dt)) return halo_error(HALO_ERR_PARSE, "%s: tensor %s: dtype is not a string", p, n);
    if (!(e->dt = dtype_find(dt->valuestring)))
        return halo_error(HALO_ERR_PARSE, "%s: tensor %s: unknown dtype '%s'", p, n, dt->valuestring);
    if (!shape) return halo_error(HALO_ERR_PARSE, "%s: tensor %s: missing shape", p, n);
    if (!cJSON_IsArray(shape))
        return halo_error(HALO_ERR_PARSE, "%s: tensor %s: shape is not an array", p, n);
    int rank = cJSON_GetArraySize(shape);
    if (rank > (int)(sizeof e->dims / sizeof e->dims[0]))
        return halo_error(HALO_ERR_PARSE, "%s: tensor %s: shape has %d dimensions; no halo parameter has more than 4",
                          p, n, rank);
    e->rank = rank;
    uint64_t numel = 1;
    int r = 0;
    for (const cJSON *d = shape->child; d; d = d->next, r++) {
        uint64_t v;
        if (!json_uint(d, &v))
            return halo_error(HALO_ERR_PARSE, "%s: tensor %s: shape[%d] is not a non-negative integer", p, n, r);
        e->dims[r] = (int64_t)v;
        if (v && numel > UINT64_MAX / 8 / v)
            return halo_error(HALO_ERR_PARSE, "%s: tensor %s: shape is absurdly large", p, n);
        numel *= v;
    }
    if (!off) return halo_error(HALO_ERR_PARSE, "%s: tensor %s: missing data_offsets", p, n);
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !json_uint(off->child, &e->begin) ||
        !json_uint(off->child->next, &e->end))
        return halo_error(HALO_ERR_PARSE, "%s: tensor %s: data_offsets must be [begin, end], two non-negative integers",
                          p, n);
    if (e->begin > e->end)
        return halo_error(HALO_ERR_PARSE, "%s: tensor %s: data_offsets [%llu, %llu]: begin > end", p, n,
                          (unsigned long long)e->begin, (unsigned long long)e->end);
    if (e->end > L->data_bytes)
        return halo_error(HALO_ERR_PARSE,
                          "%s: tensor %s: data_offsets [%llu, %llu] run past the end of the data (%llu bytes): "
                          "file truncated?",
                          p, n, (unsigned long long)e->begin, (unsigned long long)e->end,
                          (unsigned long long)L->data_bytes);
    uint64_t want = numel * (uint64_t)e->dt->size_bytes;
    if (e->end - e->begin != want) {
        char s[160];
        shape_str(s, sizeof s, e->dims, e->rank);
        return halo_error(HALO_ERR_PARSE, "%s: tensor %s: data_offsets [%llu, %llu] hold %llu bytes; %s %s needs %llu",
                          p, n, (unsigned long long)e->begin, (unsigned long long)e->end,
                          (unsigned long long)(e->end - e->begin), e->dt->name, s, (unsigned long long)want);
    }
    return HALO_OK;
}

static int cmp_entry_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* JSON objects may repeat a key; a tensor given twice is ambiguous. Sorts L->entries. */
static enum halo_status check_duplicates(struct loader *L)
{
    qsort(L->entries, (size_t)L->n_entries, sizeof *L->entries, cmp_entry_name);
    for (int i = 1; i < L->n_entries; i++)
        if (!strcmp(L->entries[i - 1].name, L->entries[i].name))
            return halo_error(HALO_ERR_PARSE, "%s: tensor %s appears twice in the header", L->path, L->entries[i].name);
    return HALO_OK;
}

static int cmp_begin(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Rejects overlapping byte ranges (empty tensors overlap nothing). Sorts L->entries. */
static enum halo_status check_overlaps(struct loader *L)
{
    qsort(L->entries, (size_t)L->n_entries, sizeof *L->entries, cmp_begin);
    const struct entry *last = NULL; /* the non-empty entry reaching furthest so far */
    for (int i = 0; i < L->n_entries; i++) {
        const struct entry *e = &L->entries[i];
        if (e->begin == e->end) continue;
        if (last && e->begin < last->end)
            return halo_error(HALO_ERR_PARSE,
                              "%s: tensors %s [%llu, %llu] and %s [%llu, %llu] overlap in the data buffer", L->path,
                              last->name, (unsigned long long)last->begin, (unsigned long long)last->end, e->name,
                              (unsigned long long)e->begin, (unsigned long long)e->end);
        if (!last || e->end > last->end) last = e;
    }
    return HALO_OK;
}

static float half_to_float(uint16_t h)
{
    int sign = h >> 15, ex = (h >> 10) & 31, man = h & 1023;
    float v;
    if (ex == 0) v = ldexpf((float)man, -24);
    else if (ex == 31) v = man ? NAN : INFINITY;
    else v = ldexpf((float)(man | 1024), ex - 25);
    return sign ? -v : v;
}

/* Copies (or converts) a float tensor's bytes into dst. */
static enum halo_status copy_floats(const struct loader *L, const struct entry *e, float *dst, int64_t count)
{
    const unsigned char *src = L->data + e->begin;
    const char *dn = e->dt->name;
    if (!strcmp(dn, "F32")) {
        memcpy(dst, src, (size_t)count * 4);
        return HALO_OK;
    }
    for (int64_t i = 0; i < count; i++) {
        if (!strcmp(dn, "F16")) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            dst[i] = half_to_float(h);
        } else if (!strcmp(dn, "BF16")) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            uint32_t bits = (uint32_t)h << 16;
            memcpy(&dst[i], &bits, 4);
        } else {
            double d;
            memcpy(&d, src + 8 * i, 8);
            if (isfinite(d) && fabs(d) > FLT_MAX)
                return halo_error(HALO_ERR_INVALID, "%s: tensor %s: element %lld (%g) is out of float32 range",
                                  L->path, e->name, (long long)i, d);
            dst[i] = (float)d;
        }
    }
    return HALO_OK;
}

/* A parameter is finite, a variance >= 0: a NaN or an infinity in a weight would run through every
 * layer (and the cpu backend's ReLU turns NaN into 0: the top-5 looked plausible), a negative
 * running variance makes BatchNorm take the root of a negative number. */
static enum halo_status check_values(const struct loader *L, const struct entry *e, const float *v, int64_t count,
                                     bool variance)
{
    for (int64_t i = 0; i < count; i++) {
        if (!isfinite(v[i]))
            return halo_error(HALO_ERR_INVALID, "%s: tensor %s: element %lld is %s: parameters must be finite", L->path,
                              e->name, (long long)i, isnan(v[i]) ? "NaN" : v[i] > 0 ? "+inf" : "-inf");
        if (variance && v[i] < 0)
            return halo_error(HALO_ERR_INVALID, "%s: tensor %s: element %lld is %g: a variance must be >= 0", L->path,
                              e->name, (long long)i, (double)v[i]);
    }
    return HALO_OK;
}

/* Matches one checked entry to a slot of the graph and loads it. */
static enum halo_status load_entry(struct loader *L, const struct entry *e, struct halo_weights *w)
{
    const char *p = L->path, *n = e->name;
    const char *dot = strrchr(n, '.');
    int node = dot ? node_by_name(L, n, (size_t)(dot - n)) : -1;
    if (node >= 0 && !strcmp(dot + 1, "num_batches_tracked") && L->g->nodes[node].op == HALO_OP_BN) {
        if (e->dt->kind != KIND_INT)
            return halo_error(HALO_ERR_INVALID, "%s: tensor %s: dtype %s, expected an integer dtype", p, n,
                              e->dt->name);
        return HALO_OK; /* a training counter: not used at inference */
    }
    int k = -1;
    for (int s = 0; node >= 0 && s < 4; s++) {
        const char *suf = halo_safetensors_slot_suffix(L->g->nodes[node].op, s);
        int64_t dims[4];
        if (suf && !strcmp(dot + 1, suf) && halo_safetensors_slot_shape(&L->g->nodes[node], s, dims)) k = s;
    }
    if (k < 0) return halo_error(HALO_ERR_INVALID, "%s: unexpected tensor %s (%s has no such parameter)", p, n, L->g->name);
    if (L->seen[node] & (1u << k)) return halo_error(HALO_ERR_PARSE, "%s: tensor %s appears twice in the header", p, n);
    if (e->dt->kind != KIND_FLOAT)
        return halo_error(HALO_ERR_INVALID, "%s: tensor %s: dtype %s not supported for parameters (F32 expected; "
                                            "F16, BF16 and F64 are converted)",
                          p, n, e->dt->name);
    int64_t want[4];
    int rank = halo_safetensors_slot_shape(&L->g->nodes[node], k, want);
    bool same = rank == e->rank;
    for (int i = 0; same && i < rank; i++) same = want[i] == e->dims[i];
    if (!same) {
        char got_s[160], want_s[160];
        shape_str(got_s, sizeof got_s, e->dims, e->rank);
        shape_str(want_s, sizeof want_s, want, rank);
        return halo_error(HALO_ERR_INVALID, "%s: tensor %s: shape %s, expected %s", p, n, got_s, want_s);
    }
    int64_t sz[4];
    halo_weights_sizes(&L->g->nodes[node], sz);
    HALO_TRY(copy_floats(L, e, *slot_ptr(&w->node[node], k), sz[k]));
    HALO_TRY(check_values(L, e, *slot_ptr(&w->node[node], k), sz[k], !strcmp(dot + 1, "running_var")));
    if (strcmp(e->dt->name, "F32")) HALO_INFO("%s: tensor %s converted from %s to F32", p, n, e->dt->name);
    L->seen[node] |= (unsigned char)(1u << k);
    return HALO_OK;
}

/* The first parameter of the graph that the file did not provide, and how many are missing. */
static enum halo_status check_missing(const struct loader *L)
{
    const char *first_node = NULL, *first_suf = NULL;
    int missing = 0;
    for (int i = 0; i < L->g->n_nodes; i++) {
        const struct halo_node *nd = &L->g->nodes[i];
        for (int k = 0; k < 4; k++) {
            int64_t dims[4];
            if (!halo_safetensors_slot_shape(nd, k, dims) || (L->seen[i] & (1u << k))) continue;
            if (!missing++) {
                first_node = nd->name;
                first_suf = halo_safetensors_slot_suffix(nd->op, k);
            }
        }
    }
    if (!missing) return HALO_OK;
    if (missing == 1) return halo_error(HALO_ERR_INVALID, "%s: missing tensor %s.%s", L->path, first_node, first_suf);
    return halo_error(HALO_ERR_INVALID, "%s: missing tensor %s.%s (and %d more; is this a %s file?)", L->path,
                      first_node, first_suf, missing - 1, L->g->name);
}

/* Validates the whole header, then loads every tensor. */
static enum halo_status load_header(struct loader *L, const cJSON *root, struct halo_weights *w)
{
    const char *p = L->path;
    if (!cJSON_IsObject(root)) return halo_error(HALO_ERR_PARSE, "%s: header: not a JSON object", p);
    int n = 0;
    for (const cJSON *j = root->child; j; j = j->next) n++;
    L->entries = halo_calloc((size_t)n + 1, sizeof *L->entries);
    if (!L->entries) return HALO_ERR_NOMEM;
    for (const cJSON *j = root->child; j; j = j->next) {
        if (!strcmp(j->string, "__metadata__")) {
            if (!cJSON_IsObject(j)) return halo_error(HALO_ERR_PARSE, "%s: header: __metadata__ is not an object", p);
            for (const cJSON *m = j->child; m; m = m->next)
                if (!cJSON_IsString(m))
                    return halo_error(HALO_ERR_PARSE, "%s: header: __metadata__.%s is not a string", p, m->string);
            continue;
        }
        HALO_TRY(check_entry(L, j, &L->entries[L->n_entries]));
        L->n_entries++;
    }
    HALO_TRY(check_duplicates(L));
    HALO_TRY(check_overlaps(L));
    /* Entries are now in data order: errors name the first bad tensor in the file's data. */
    for (int i = 0; i < L->n_entries; i++) HALO_TRY(load_entry(L, &L->entries[i], w));
    return check_missing(L);
}

/* Maps the file after checking its size and header length (before mapping, so that a bogus
 * length in a huge file costs nothing). */
static enum halo_status map_file(const char *path, const unsigned char **map, uint64_t *size, uint64_t *hlen)
{
    /* checked before the open: opening a FIFO that nobody writes would block forever; O_NONBLOCK
     * for a name that becomes one in between */
    HALO_TRY(halo_file_check_regular(path));
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    unsigned char len8[8];
    enum halo_status st = HALO_OK;
    if (fstat(fd, &sb) != 0) st = halo_error(HALO_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode)) st = halo_error(HALO_ERR_IO, "%s: not a regular file", path);
    else if (sb.st_size < 8)
        st = halo_error(HALO_ERR_PARSE, "%s: file is %lld bytes, shorter than the 8-byte safetensors header length",
                        path, (long long)sb.st_size);
    else if (pread(fd, len8, 8, 0) != 8) st = halo_error(HALO_ERR_IO, "%s: read error", path);
    if (st == HALO_OK) {
        *size = (uint64_t)sb.st_size;
        *hlen = 0;
        for (int i = 7; i >= 0; i--) *hlen = *hlen << 8 | len8[i];
        if (*hlen > *size - 8)
            st = halo_error(HALO_ERR_PARSE, "%s: header length %llu runs past the end of the file (%llu bytes)", path,
                            (unsigned long long)*hlen, (unsigned long long)*size);
        else if (*hlen > ST_HEADER_LIMIT_BYTES)
            st = halo_error(HALO_ERR_PARSE, "%s: header length %llu is absurdly large (limit %llu bytes)", path,
                            (unsigned long long)*hlen, ST_HEADER_LIMIT_BYTES);
    }
    if (st == HALO_OK) {
        int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
        flags |= MAP_POPULATE; /* every byte is read once: fault it all in with read-ahead */
#endif
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, flags, fd, 0);
        if (m == MAP_FAILED) st = halo_error(HALO_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
        else *map = m;
    }
    close(fd);
    return st;
}

/* Loads from the whole file's bytes `map` (size bytes, header length hlen already checked). */
static enum halo_status load_bytes(const struct halo_graph *g, const char *path, const unsigned char *map,
                                   uint64_t size, uint64_t hlen, struct halo_weights **out)
{
    struct loader L = {.path = path, .g = g, .data = map + 8 + hlen, .data_bytes = size - 8 - hlen};
    struct halo_weights *w = NULL;
    cJSON *root = NULL;
    enum halo_status st = HALO_OK;
    size_t nlen = strlen(path) + 16;
    char *name = halo_malloc(nlen, 1);
    if (!name) st = HALO_ERR_NOMEM;
    else {
        snprintf(name, nlen, "%s: header", path);
        st = halo_json_parse(name, (const char *)map + 8, (size_t)hlen, &root);
        free(name);
    }
    if (st == HALO_OK) st = halo_weights_alloc(g, &w);
    if (st == HALO_OK) {
        L.by_name = halo_malloc((size_t)g->n_nodes + 1, sizeof *L.by_name);
        L.seen = halo_calloc((size_t)g->n_nodes + 1, 1);
        if (!L.by_name || !L.seen) st = HALO_ERR_NOMEM;
    }
    if (st == HALO_OK) {
        for (int i = 0; i < g->n_nodes; i++) {
            int64_t sz[4];
            halo_weights_sizes(&g->nodes[i], sz);
            if (sz[0]) L.by_name[L.n_by_name++] = (struct named){g->nodes[i].name, i};
        }
        qsort(L.by_name, (size_t)L.n_by_name, sizeof *L.by_name, cmp_named);
        st = load_header(&L, root, w);
    }
    if (st == HALO_OK) {
        w->source = halo_strdup(path);
        if (!w->source) st = HALO_ERR_NOMEM;
    }
    if (st == HALO_OK) {
        w->hash = halo_weights_hash(g, w);
        *out = w;
    } else {
        halo_weights_free(w);
    }
    cJSON_Delete(root);
    free(L.by_name);
    free(L.seen);
    free(L.entries);
    return st;
}

enum halo_status halo_weights_load(const struct halo_graph *g, const char *path, struct halo_weights **out)
{
    *out = NULL;
    const unsigned char *map = NULL;
    uint64_t size = 0, hlen = 0;
    HALO_TRY(map_file(path, &map, &size, &hlen));
    enum halo_status st = load_bytes(g, path, map, size, hlen, out);
    munmap((void *)map, (size_t)size);
    return st;
}

enum halo_status halo_weights_load_mem(const struct halo_graph *g, const char *name, const void *data, size_t size,
                                       struct halo_weights **out)
{
    *out = NULL;
    const unsigned char *d = data;
    if (size < 8)
        return halo_error(HALO_ERR_PARSE, "%s: file is %zu bytes, shorter than the 8-byte safetensors header length",
                          name, size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | d[i];
    if (hlen > size - 8)
        return halo_error(HALO_ERR_PARSE, "%s: header length %llu runs past the end of the file (%zu bytes)", name,
                          (unsigned long long)hlen, size);
    if (hlen > ST_HEADER_LIMIT_BYTES)
        return halo_error(HALO_ERR_PARSE, "%s: header length %llu is absurdly large (limit %llu bytes)", name,
                          (unsigned long long)hlen, ST_HEADER_LIMIT_BYTES);
    return load_bytes(g, name, d, size, hlen, out);
}
