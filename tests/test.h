/* test.h: tiny assertion macros for halo's ctest programs. A failing check prints both values,
 * file and line, and the test exits 1 at the end; SKIP exits 77 (ctest SKIP_RETURN_CODE). */
#ifndef HALO_TEST_H
#define HALO_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HALO_TEST_SKIP 77

static int halo_test_failures = 0;
static int halo_test_checks = 0;

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        halo_test_checks++;                                                                      \
        if (!(cond)) {                                                                           \
            halo_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);             \
        }                                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                                           \
    do {                                                                                         \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                    \
        halo_test_checks++;                                                                      \
        if (va_ != vb_) {                                                                        \
            halo_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__,       \
                    __LINE__, #a, #b, va_, vb_);                                                 \
        }                                                                                        \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                    \
    do {                                                                                         \
        double va_ = (double)(a), vb_ = (double)(b);                                             \
        halo_test_checks++;                                                                      \
        if (!(fabs(va_ - vb_) <= (tol))) {                                                       \
            halo_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s ~ %s (%.9g vs %.9g, tol %g)\n",        \
                    __FILE__, __LINE__, #a, #b, va_, vb_, (double)(tol));                        \
        }                                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                                          \
    do {                                                                                         \
        const char *sa_ = (a), *sb_ = (b);                                                       \
        halo_test_checks++;                                                                      \
        if (!sa_ || !sb_ || strcmp(sa_, sb_)) {                                                  \
            halo_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s (\"%s\" vs \"%s\")\n", __FILE__,  \
                    __LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");               \
        }                                                                                        \
    } while (0)

#define CHECK_OK(expr)                                                                           \
    do {                                                                                         \
        enum halo_status st_ = (expr);                                                           \
        halo_test_checks++;                                                                      \
        if (st_ != HALO_OK) {                                                                    \
            halo_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #expr,             \
                    halo_status_str(st_), halo_error_msg());                                     \
        }                                                                                        \
    } while (0)

/* Expects `expr` to fail with status `want` and a message containing `substr`. */
#define CHECK_ERR(expr, want, substr)                                                            \
    do {                                                                                         \
        halo_error_clear();                                                                      \
        enum halo_status st_ = (expr);                                                           \
        halo_test_checks++;                                                                      \
        if (st_ != (want) || !strstr(halo_error_msg(), (substr))) {                              \
            halo_test_failures++;                                                                \
            fprintf(stderr, "%s:%d: %s: expected %s with \"%s\", got %s: \"%s\"\n", __FILE__,    \
                    __LINE__, #expr, halo_status_str(want), (substr), halo_status_str(st_),      \
                    halo_error_msg());                                                           \
        }                                                                                        \
    } while (0)

static inline int halo_test_done(const char *name)
{
    if (halo_test_failures) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, halo_test_failures, halo_test_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, halo_test_checks);
    return 0;
}

#endif
