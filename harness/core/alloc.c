#include "core/alloc.h"
#include "core/status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int overflows(size_t n, size_t size) { return size && n > SIZE_MAX / size; }

void *halo_malloc(size_t n, size_t size)
{
    void *p = overflows(n, size) ? NULL : malloc((n && size) ? n * size : 1);
    if (!p) halo_error(HALO_ERR_NOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *halo_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) halo_error(HALO_ERR_NOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *halo_realloc(void *old, size_t n, size_t size)
{
    void *p = overflows(n, size) ? NULL : realloc(old, (n && size) ? n * size : 1);
    if (!p) halo_error(HALO_ERR_NOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

char *halo_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = halo_malloc(n, 1);
    if (p) memcpy(p, s, n);
    return p;
}

void *halo_aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) {
        halo_error(HALO_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
        return NULL;
    }
    return p;
}

void halo_aligned_free(void *p) { free(p); }

int halo_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    void *q = halo_realloc(*p, n, size);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}
