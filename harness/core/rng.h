/* rng: small, seeded, reproducible random numbers (xoshiro256** seeded by splitmix64).
 * The same seed gives the same stream on every platform. */
#ifndef HALO_RNG_H
#define HALO_RNG_H

#include <stdint.h>

struct halo_rng {
    uint64_t s[4];
};

void halo_rng_seed(struct halo_rng *r, uint64_t seed);
uint64_t halo_rng_u64(struct halo_rng *r);
double halo_rng_uniform(struct halo_rng *r);         /* [0, 1) */
double halo_rng_normal(struct halo_rng *r);          /* N(0, 1), Box-Muller */
double halo_rng_exponential(struct halo_rng *r);     /* Exp(1) */
int halo_rng_int(struct halo_rng *r, int lo, int hi); /* uniform in [lo, hi] */

#endif
