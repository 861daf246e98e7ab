/* hash: halo's two hashes. FNV-1a for small structures (plans, links: do two ranks hold the same?)
 * and a four-lane hash at about memory speed for bulk data (weights, and the checksum every
 * runtime message carries, which catches one corrupted in transit). */
#ifndef HALO_HASH_H
#define HALO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HALO_FNV1A_INIT 0xcbf29ce484222325ull

/* h updated with data[0..n): start from HALO_FNV1A_INIT, chain calls to hash several pieces. */
static inline uint64_t halo_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *c = data;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ull;
    return h;
}

/* 64-bit hash of data[0..n): any single changed byte changes it; four independent 64-bit lanes. */
uint64_t halo_hash_bytes(const void *data, size_t n);

#endif
