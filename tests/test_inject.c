/* inject: the --inject fault parser and the message checksum (no MPI: the faults themselves are
 * exercised on real runs by test_inject.sh). */
#include "core/hash.h"
#include "core/rng.h"
#include "runtime/inject.h"
#include "test.h"

#include <stdint.h>

static void test_faults_parse(void)
{
    struct halo_faults f;
    CHECK_OK(halo_faults_parse("kill:2@1,stall:3,delay:1:250.5@2,corrupt:0,drop:1@4", 4, 0, &f));
    CHECK_EQ(f.n, 5);
    if (f.n == 5) {
        CHECK(f.f[0].kind == HALO_FAULT_KILL && f.f[0].rank == 2 && f.f[0].block == 1);
        CHECK(f.f[1].kind == HALO_FAULT_STALL && f.f[1].rank == 3 && f.f[1].block == 0);
        CHECK(f.f[2].kind == HALO_FAULT_DELAY && f.f[2].rank == 1 && f.f[2].block == 2);
        CHECK_NEAR(f.f[2].delay_ms, 250.5, 0);
        CHECK(f.f[3].kind == HALO_FAULT_CORRUPT && f.f[3].rank == 0);
        CHECK(f.f[4].kind == HALO_FAULT_DROP && f.f[4].rank == 1 && f.f[4].block == 4);
    }
    CHECK(halo_faults_find(&f, HALO_FAULT_DROP, 1) == &f.f[4]);
    CHECK(halo_faults_find(&f, HALO_FAULT_DROP, 2) == NULL);
    halo_faults_free(&f);
    CHECK_ERR(halo_faults_parse("kill:0", 4, 0, &f), HALO_ERR_INVALID, "--inject: 'kill:0': 0: must be in [1,");
    CHECK_ERR(halo_faults_parse("stall:4", 4, 0, &f), HALO_ERR_INVALID, "rank 4: the plan has ranks 0..3");
    CHECK_ERR(halo_faults_parse("zap:1", 4, 0, &f), HALO_ERR_INVALID, "unknown fault 'zap'");
    CHECK_ERR(halo_faults_parse("delay:1", 4, 0, &f), HALO_ERR_INVALID, "expected delay:RANK:MS[@BLOCK]");
    CHECK_ERR(halo_faults_parse("delay:1:-5", 4, 0, &f), HALO_ERR_INVALID, "-5: must be in [0,");
    CHECK_ERR(halo_faults_parse("drop:1@x", 4, 0, &f), HALO_ERR_INVALID, "'x': expected an integer");
    CHECK_ERR(halo_faults_parse("kill", 4, 0, &f), HALO_ERR_INVALID, "expected KIND:RANK[@BLOCK]");
    CHECK_ERR(halo_faults_parse("kill:1,,drop:2", 4, 0, &f), HALO_ERR_INVALID, "empty item 2");
    CHECK_ERR(halo_faults_parse("", 4, 0, &f), HALO_ERR_INVALID, "--inject: empty list");
    /* a block beyond the plan's (the tail is block n_blocks) never fires: an error, not a no-op */
    CHECK_ERR(halo_faults_parse("kill:1@99999", 4, 7, &f), HALO_ERR_INVALID,
              "--inject: 'kill:1@99999': block 99999: the plan has blocks 0..7 (7 = the tail)");
    CHECK_OK(halo_faults_parse("kill:1@7", 4, 7, &f));
    halo_faults_free(&f);
    CHECK_OK(halo_faults_parse("corrupt:7", 0, 0, &f)); /* n_dev 0: ranks unchecked (under a user's mpirun) */
    halo_faults_free(&f);
}

static void test_wire_checksum(void)
{
    /* the checksum: any single flipped bit, at any position of any length, changes it */
    struct halo_rng r;
    halo_rng_seed(&r, 12);
    unsigned char buf[300];
    int misses = 0, tried = 0;
    for (size_t n = 0; n <= sizeof buf; n += n < 70 ? 1 : 23) {
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(halo_rng_u64(&r) >> 56);
        uint64_t h = halo_hash_bytes(buf, n);
        CHECK(h == halo_hash_bytes(buf, n)); /* deterministic */
        for (size_t i = 0; i < n; i++)
            for (int bit = 0; bit < 8; bit++) {
                buf[i] ^= (unsigned char)(1u << bit);
                misses += halo_hash_bytes(buf, n) == h;
                tried++;
                buf[i] ^= (unsigned char)(1u << bit);
            }
    }
    CHECK_EQ(misses, 0);
    CHECK(tried > 10000);
    /* length is part of it: a truncated payload of zeros differs */
    unsigned char zeros[64] = {0};
    CHECK(halo_hash_bytes(zeros, 64) != halo_hash_bytes(zeros, 63));
    CHECK(halo_hash_bytes(zeros, 32) != halo_hash_bytes(zeros, 0));
}

int main(void)
{
    RUN(test_faults_parse);
    RUN(test_wire_checksum);
    return halo_test_done("test_inject");
}
