#include "runtime/inject.h"
#include "core/alloc.h"
#include "core/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void halo_faults_free(struct halo_faults *f)
{
    if (!f) return;
    free(f->f);
    f->f = NULL;
    f->n = 0;
}

const struct halo_fault *halo_faults_find(const struct halo_faults *f, enum halo_fault_kind kind, int rank)
{
    for (int i = 0; f && i < f->n; i++)
        if (f->f[i].kind == kind && f->f[i].rank == rank) return &f->f[i];
    return NULL;
}

/* One item "kind:rank[@block]" or "delay:rank:ms[@block]" (item is a writable copy). */
static enum halo_status parse_item(char *item, int n_dev, int n_blocks, struct halo_fault *f)
{
    static const char *const kinds[] = {"kill", "stall", "delay", "corrupt", "drop"};
    char what[160];
    snprintf(what, sizeof what, "--inject: '%s'", item);
    char *at = strchr(item, '@');
    f->block = 0;
    f->frame = 0;
    if (at) {
        *at = '\0';
        char *slash = strchr(at + 1, '/'); /* BLOCK/FRAME: a stream's frames before FRAME are spared */
        if (slash) {
            *slash = '\0';
            HALO_TRY(halo_parse_int(what, slash + 1, 0, 1 << 30, &f->frame));
        }
        HALO_TRY(halo_parse_int(what, at + 1, 0, 1 << 20, &f->block));
    }
    char *colon = strchr(item, ':');
    if (!colon)
        return halo_error(HALO_ERR_INVALID, "%s: expected KIND:RANK[@BLOCK] (kill, stall, corrupt, drop) or "
                                            "delay:RANK:MS[@BLOCK]", what);
    *colon = '\0';
    int k = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(item, kinds[i])) k = i;
    if (k < 0)
        return halo_error(HALO_ERR_INVALID, "%s: unknown fault '%s': expected kill, stall, delay, corrupt or drop", what,
                          item);
    f->kind = (enum halo_fault_kind)k;
    char *rank_s = colon + 1, *ms_s = NULL;
    if (f->kind == HALO_FAULT_DELAY) {
        char *c2 = strchr(rank_s, ':');
        if (!c2) return halo_error(HALO_ERR_INVALID, "%s: expected delay:RANK:MS[@BLOCK]", what);
        *c2 = '\0';
        ms_s = c2 + 1;
        HALO_TRY(halo_parse_double(what, ms_s, 0, 1e7, &f->delay_ms));
    }
    int lo = f->kind == HALO_FAULT_KILL || f->kind == HALO_FAULT_STALL ? 1 : 0;
    HALO_TRY(halo_parse_int(what, rank_s, lo, 1 << 20, &f->rank));
    if (n_dev > 0 && f->rank >= n_dev)
        return halo_error(HALO_ERR_INVALID, "%s: rank %d: the plan has ranks 0..%d (0 is the source)", what, f->rank,
                          n_dev - 1);
    if (n_blocks > 0 && f->block > n_blocks)
        return halo_error(HALO_ERR_INVALID, "%s: block %d: the plan has blocks 0..%d (%d = the tail)", what, f->block,
                          n_blocks, n_blocks);
    return HALO_OK;
}

enum halo_status halo_faults_parse(const char *spec, int n_dev, int n_blocks, struct halo_faults *out)
{
    *out = (struct halo_faults){0};
    char **items = NULL;
    int n = 0;
    HALO_TRY(halo_parse_str_list("--inject", spec, &items, &n));
    out->f = halo_calloc((size_t)n, sizeof *out->f);
    enum halo_status st = out->f ? HALO_OK : HALO_ERR_NOMEM;
    for (int i = 0; i < n && st == HALO_OK; i++) {
        st = parse_item(items[i], n_dev, n_blocks, &out->f[i]);
        if (st == HALO_OK) out->n++;
    }
    halo_strlist_free(items, n);
    if (st != HALO_OK) halo_faults_free(out);
    return st;
}
