/* alloc: checked allocation. NULL on failure with the last error set; callers return HALO_ERR_NOMEM.
 * Sizes are checked for overflow (n * size). */
#ifndef HALO_ALLOC_H
#define HALO_ALLOC_H

#include <stddef.h>

void *halo_malloc(size_t n, size_t size);   /* uninitialised n*size bytes, or NULL */
void *halo_calloc(size_t n, size_t size);   /* zeroed n*size bytes, or NULL */
void *halo_realloc(void *p, size_t n, size_t size);
char *halo_strdup(const char *s);           /* NULL for NULL or on failure */
void *halo_aligned_alloc(size_t bytes);     /* 64-byte aligned; free with halo_aligned_free */
void halo_aligned_free(void *p);

/* Grows *p (holding *cap elements of `size`) so it can hold at least `need`; 0 ok, -1 no memory. */
int halo_grow(void **p, size_t *cap, size_t need, size_t size);

#endif
