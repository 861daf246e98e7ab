#include "core/hash.h"

#include <string.h>

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t halo_hash_bytes(const void *data, size_t n)
{
    /* each lane's update is a bijection of its state for a fixed word and of the word for a fixed
     * state, so one changed word always changes its lane, and the lanes are combined by xor */
    const unsigned char *p = data;
    uint64_t h[4] = {0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * k, 8);
            h[k] = rotl64(h[k] ^ (w * 0x9fb21c651e98df25ull), 29) * 0xbf58476d1ce4e5b9ull;
        }
    uint64_t r = h[0] ^ rotl64(h[1], 17) ^ rotl64(h[2], 31) ^ rotl64(h[3], 47) ^ (uint64_t)n;
    r = halo_fnv1a(r, p + i, n - i);
    r ^= r >> 33;
    r *= 0xff51afd7ed558ccdull;
    r ^= r >> 33;
    return r;
}
