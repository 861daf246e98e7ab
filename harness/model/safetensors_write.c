/* safetensors_write: halo_weights_save (declared in model/weights.h) — F32 tensors under
 * torchvision's names, the header padded so that the data is 8-byte aligned, written atomically. */
#include "core/alloc.h"
#include "core/file.h"
#include "core/log.h"
#include "model/safetensors.h"
#include "model/weights.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_add(struct buf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        if (halo_grow((void **)&b->p, &b->cap, b->len + (size_t)n + 1024, 1)) {
            b->oom = true;
            return;
        }
    }
}

/* A JSON string literal of s. */
static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') buf_add(b, "\\%c", c);
        else if (c < 0x20) buf_add(b, "\\u%04x", c);
        else buf_add(b, "%c", c);
    }
    buf_add(b, "\"");
}

/* The header JSON, padded with spaces so that the data starts 8-byte aligned (as safetensors
 * writes it). */
static enum halo_status build_header(const struct halo_graph *g, struct buf *b)
{
    buf_add(b, "{\"__metadata__\":{\"format\":\"pt\",\"model\":");
    buf_str(b, g->name);
    buf_add(b, ",\"producer\":\"halo\"}");
    uint64_t off = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const struct halo_node *nd = &g->nodes[i];
        for (int k = 0; k < 4; k++) {
            int64_t dims[4];
            int rank = halo_safetensors_slot_shape(nd, k, dims);
            if (!rank) continue;
            int64_t sz[4];
            halo_weights_sizes(nd, sz);
            char name[1024];
            snprintf(name, sizeof name, "%s.%s", nd->name, halo_safetensors_slot_suffix(nd->op, k));
            buf_add(b, ",");
            buf_str(b, name);
            buf_add(b, ":{\"dtype\":\"F32\",\"shape\":[");
            for (int r = 0; r < rank; r++) buf_add(b, "%s%lld", r ? "," : "", (long long)dims[r]);
            buf_add(b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                    (unsigned long long)(off + 4 * (uint64_t)sz[k]));
            off += 4 * (uint64_t)sz[k];
        }
    }
    buf_add(b, "}");
    while (!b->oom && (8 + b->len) % 8) buf_add(b, " ");
    return b->oom ? HALO_ERR_NOMEM : HALO_OK;
}

enum halo_status halo_weights_save(const struct halo_graph *g, const struct halo_weights *w, const char *path)
{
    HALO_ASSERT(w && w->n_nodes == g->n_nodes);
    struct buf b = {0};
    enum halo_status st = build_header(g, &b);
    struct halo_outfile *o = NULL;
    if (st == HALO_OK) st = halo_outfile_open(path, &o);
    if (st == HALO_OK) {
        FILE *f = halo_outfile_stream(o);
        unsigned char len8[8];
        for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)b.len >> (8 * i));
        bool bad = fwrite(len8, 1, 8, f) != 8 || fwrite(b.p, 1, b.len, f) != b.len;
        for (int i = 0; i < g->n_nodes && !bad; i++) {
            int64_t sz[4];
            halo_weights_sizes(&g->nodes[i], sz);
            const float *t[4] = {w->node[i].weight, w->node[i].bias, w->node[i].mean, w->node[i].var};
            for (int k = 0; k < 4 && !bad; k++)
                if (sz[k]) bad = fwrite(t[k], sizeof(float), (size_t)sz[k], f) != (size_t)sz[k];
        }
        st = halo_outfile_close(o); /* reports a failed write with its reason */
    }
    free(b.p);
    return st;
}
