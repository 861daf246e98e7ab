/* test.h: tiny assertion macros and named cases for halo's ctest programs. A failing check prints
 * the case it failed in, file and line, and both values; the program exits 1 at the end, and also
 * when it ran no check at all or a case ran none (a test that tests nothing must not pass). A case
 * that cannot run (no device, no library) says so with SKIP_CASE; when every case skipped the
 * program exits 77 (ctest SKIP_RETURN_CODE).
 *
 *   static void test_dp(void) { CHECK_EQ(...); }
 *   int main(void) {
 *       RUN(test_dp);                                          case "test_dp"
 *       RUN_CASE("growth vgg16 224x224", growth("vgg16", 224, 224));   a call with arguments
 *       return halo_test_done("test_plan");
 *   }
 *
 * A failure reads `[case test_dp] tests/test_plan.c:42: CHECK_EQ failed: a == b (3 vs 4)`, and
 * halo_test_done lists the failed cases with their counts. Checks outside any case (a program's
 * set-up in main) count too and are reported as "(outside any case)". */
#ifndef HALO_TEST_H
#define HALO_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

#define HALO_TEST_SKIP 77

static int halo_test_failures = 0;
static int halo_test_checks = 0;

/* One case run so far (the open one included). */
struct halo_test_case {
    char *name;
    int checks, failures;  /* of this case */
    bool skipped;
    double ms;
};

static struct {
    struct halo_test_case *cases;
    int n, cap;
    int open;              /* index of the running case, -1 outside any */
    int checks0, failures0; /* global counters when it began */
    double t0_ms;
} halo_test_state_ = {NULL, 0, 0, -1, 0, 0, 0};

static inline const char *halo_test_case_name(void)
{
    return halo_test_state_.open >= 0 ? halo_test_state_.cases[halo_test_state_.open].name : NULL;
}

/* Counts a failed check and prints `[case NAME] file:line: ` and the message on stderr. */
static inline void halo_test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void halo_test_fail_at(const char *file, int line, const char *fmt, ...)
{
    halo_test_failures++;
    const char *c = halo_test_case_name();
    if (c) fprintf(stderr, "[case %s] ", c);
    fprintf(stderr, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Starts the case `name` (copied); cases do not nest. */
static inline void halo_test_case_begin(const char *name)
{
    if (halo_test_state_.open >= 0) {
        fprintf(stderr, "test.h: case '%s' started inside case '%s'\n", name, halo_test_case_name());
        abort();
    }
    if (halo_test_state_.n == halo_test_state_.cap) {
        int cap = halo_test_state_.cap ? 2 * halo_test_state_.cap : 16;
        struct halo_test_case *c = realloc(halo_test_state_.cases, (size_t)cap * sizeof *c);
        if (!c) abort();
        halo_test_state_.cases = c;
        halo_test_state_.cap = cap;
    }
    size_t len = strlen(name);
    char *copy = malloc(len + 1);
    if (!copy) abort();
    memcpy(copy, name, len + 1);
    halo_test_state_.cases[halo_test_state_.n] = (struct halo_test_case){copy, 0, 0, false, 0};
    halo_test_state_.open = halo_test_state_.n++;
    halo_test_state_.checks0 = halo_test_checks;
    halo_test_state_.failures0 = halo_test_failures;
    halo_test_state_.t0_ms = halo_now_ms();
}

/* Ends the open case: records its counts and prints one line on stdout (stderr for a case that
 * failed or ran no check). */
static inline void halo_test_case_end(void)
{
    if (halo_test_state_.open < 0) return;
    struct halo_test_case *c = &halo_test_state_.cases[halo_test_state_.open];
    c->checks = halo_test_checks - halo_test_state_.checks0;
    c->failures = halo_test_failures - halo_test_state_.failures0;
    c->ms = halo_now_ms() - halo_test_state_.t0_ms;
    halo_test_state_.open = -1;
    if (c->failures)
        fprintf(stderr, "[case %s] %d of %d checks FAILED (%.1f s)\n", c->name, c->failures, c->checks, c->ms / 1e3);
    else if (!c->checks && !c->skipped)
        fprintf(stderr, "[case %s] FAILED: ran no check (%.1f s)\n", c->name, c->ms / 1e3);
    else if (!c->skipped) /* a skipped case said so in SKIP_CASE */
        printf("[case %s] %d checks passed (%.1f s)\n", c->name, c->checks, c->ms / 1e3);
    fflush(stdout);
}

/* Marks the open case skipped and says why on stdout (a printf format); the case then returns. */
static inline void halo_test_case_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void halo_test_case_skip(const char *fmt, ...)
{
    const char *name = halo_test_case_name();
    if (!name) {
        fprintf(stderr, "test.h: SKIP_CASE outside any case\n");
        abort();
    }
    halo_test_state_.cases[halo_test_state_.open].skipped = true;
    printf("[case %s] SKIP: ", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* Runs `stmt` (usually a call) as the case `name`. */
#define RUN_CASE(name, stmt)                                                                     \
    do {                                                                                         \
        halo_test_case_begin(name);                                                              \
        stmt;                                                                                    \
        halo_test_case_end();                                                                    \
    } while (0)

/* Runs `static void fn(void)` as the case named fn. */
#define RUN(fn) RUN_CASE(#fn, fn())

/* Skips the rest of the open case (in a function returning void), saying why (printf format). */
#define SKIP_CASE(...)                                                                           \
    do {                                                                                         \
        halo_test_case_skip(__VA_ARGS__);                                                        \
        return;                                                                                  \
    } while (0)

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        halo_test_checks++;                                                                      \
        if (!(cond)) halo_test_fail_at(__FILE__, __LINE__, "CHECK failed: %s", #cond);           \
    } while (0)

/* CHECK with a message (a printf format and its arguments) that says what failed. */
#define CHECK_MSG(cond, fmt, ...)                                                                \
    do {                                                                                         \
        halo_test_checks++;                                                                      \
        if (!(cond)) halo_test_fail_at(__FILE__, __LINE__, "CHECK failed: %s: " fmt, #cond, ##__VA_ARGS__); \
    } while (0)

#define CHECK_EQ(a, b)                                                                           \
    do {                                                                                         \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                    \
        halo_test_checks++;                                                                      \
        if (va_ != vb_)                                                                          \
            halo_test_fail_at(__FILE__, __LINE__, "CHECK_EQ failed: %s == %s (%lld vs %lld)", #a, #b, va_,  \
                              vb_);                                                              \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                    \
    do {                                                                                         \
        double va_ = (double)(a), vb_ = (double)(b);                                             \
        halo_test_checks++;                                                                      \
        if (!(fabs(va_ - vb_) <= (tol)))                                                         \
            halo_test_fail_at(__FILE__, __LINE__, "CHECK_NEAR failed: %s ~ %s (%.9g vs %.9g, tol %g)", #a, \
                              #b, va_, vb_, (double)(tol));                                      \
    } while (0)

#define CHECK_STR(a, b)                                                                          \
    do {                                                                                         \
        const char *sa_ = (a), *sb_ = (b);                                                       \
        halo_test_checks++;                                                                      \
        if (!sa_ || !sb_ || strcmp(sa_, sb_))                                                    \
            halo_test_fail_at(__FILE__, __LINE__, "CHECK_STR failed: %s == %s (\"%s\" vs \"%s\")", #a, \
                              #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                   \
    } while (0)

#define CHECK_OK(expr)                                                                           \
    do {                                                                                         \
        enum halo_status st_ = (expr);                                                           \
        halo_test_checks++;                                                                      \
        if (st_ != HALO_OK)                                                                      \
            halo_test_fail_at(__FILE__, __LINE__, "%s failed: %s: %s", #expr, halo_status_str(st_),    \
                              halo_error_msg());                                                 \
    } while (0)

/* Expects `expr` to fail with status `want` and a message containing `substr`. */
#define CHECK_ERR(expr, want, substr)                                                            \
    do {                                                                                         \
        halo_error_clear();                                                                      \
        enum halo_status st_ = (expr);                                                           \
        halo_test_checks++;                                                                      \
        if (st_ != (want) || !strstr(halo_error_msg(), (substr)))                                \
            halo_test_fail_at(__FILE__, __LINE__, "%s: expected %s with \"%s\", got %s: \"%s\"", #expr, \
                              halo_status_str(want), (substr), halo_status_str(st_),             \
                              halo_error_msg());                                                 \
    } while (0)

/* The program's verdict: 0 when every check passed and every case ran a check (or skipped), 77
 * when every case skipped and nothing failed, else 1 with the failed cases listed on stderr. */
static inline int halo_test_done(const char *name)
{
    halo_test_case_end();
    int n = halo_test_state_.n, bad = 0, skipped = 0, in_cases = 0, failed_in_cases = 0;
    for (int i = 0; i < n; i++) {
        const struct halo_test_case *c = &halo_test_state_.cases[i];
        bad += c->failures > 0 || (!c->checks && !c->skipped);
        skipped += c->skipped;
        in_cases += c->checks;
        failed_in_cases += c->failures;
    }
    int rc = 0;
    if (halo_test_failures || bad || !halo_test_checks || !n) {
        if (!halo_test_failures && !bad && n && skipped == n) {
            printf("%s: SKIP: every case skipped (%d checks ran)\n", name, halo_test_checks);
            rc = HALO_TEST_SKIP;
        } else {
            rc = 1;
            for (int i = 0; i < n; i++) {
                const struct halo_test_case *c = &halo_test_state_.cases[i];
                if (c->failures)
                    fprintf(stderr, "  [case %s] %d of %d checks FAILED\n", c->name, c->failures, c->checks);
                else if (!c->checks && !c->skipped)
                    fprintf(stderr, "  [case %s] ran no check\n", c->name);
            }
            if (halo_test_failures > failed_in_cases)
                fprintf(stderr, "  (outside any case) %d of %d checks FAILED\n", halo_test_failures - failed_in_cases,
                        halo_test_checks - in_cases);
            if (!n)
                fprintf(stderr, "%s: FAILED: ran no named case (wrap the checks in RUN or RUN_CASE)\n", name);
            else if (!halo_test_checks)
                fprintf(stderr, "%s: FAILED: ran no check\n", name);
            else
                fprintf(stderr, "%s: %d of %d checks FAILED; %d of %d cases failed\n", name, halo_test_failures,
                        halo_test_checks, bad, n);
        }
    } else if (skipped) {
        printf("%s: all %d checks passed in %d cases (%d skipped)\n", name, halo_test_checks, n - skipped, skipped);
    } else {
        printf("%s: all %d checks passed in %d cases\n", name, halo_test_checks, n);
    }
    for (int i = 0; i < n; i++) free(halo_test_state_.cases[i].name);
    free(halo_test_state_.cases);
    halo_test_state_.cases = NULL;
    halo_test_state_.n = halo_test_state_.cap = 0;
    return rc;
}

#endif
