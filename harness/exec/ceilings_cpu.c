/* ceilings_cpu: the host CPU's ceilings as hardware people measure them (the Empirical Roofline
 * Toolkit, STREAM): an FMA kernel per ISA with enough independent accumulators to hide the FMA
 * latency, at every thread count; oneDNN's sgemm beside it (what a tuned library reaches); STREAM
 * copy and triad over working sets from a fraction of L1 to several times the last-level cache,
 * each point placed in the level its working set fits; the clock the peak implies.
 *
 * The kernels are intrinsics in functions compiled for their own ISA (target attributes), run
 * only where the CPU (and the OS, for the wider registers) supports them, so that the build's
 * flags (no -march) and optimisation level do not decide what is measured. */
#include "exec/ceilings_cpu.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/provenance.h"
#include "core/topology.h"
#include "halo_config.h"

#include <cpuid.h>
#include <dnnl.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the FMA kernels ----------------------------------------------------------------------- */

enum isa { ISA_SSE41, ISA_AVX2, ISA_AVX512, ISA_COUNT_ };

static const struct {
    const char *name;
    const char *kernel;
    int lanes, accumulators;
} isas[ISA_COUNT_] = {
    [ISA_SSE41] = {"sse41", "x = x * a + b as a multiply then an add (SSE4.1 has no FMA)", 4, 12},
    [ISA_AVX2] = {"avx2", "x = fma(x, a, b) (AVX2 + FMA3)", 8, 12},
    [ISA_AVX512] = {"avx512", "x = fma(x, a, b) (AVX-512F)", 16, 16},
};

/* x -> x * a + b with a just below 1 stays near its start: no overflow, no denormals. */
#define HALO_ACC12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define HALO_ACC16(X) HALO_ACC12(X) X(12) X(13) X(14) X(15)

__attribute__((target("sse4.1"))) static float fma_sse41(long iters, float seed)
{
    const __m128 a = _mm_set1_ps(0.99999994f), b = _mm_set1_ps(seed * 1e-3f);
#define DECL(i) __m128 x##i = _mm_set1_ps(seed + (float)(i));
    HALO_ACC12(DECL)
#undef DECL
    for (long it = 0; it < iters; it++) {
#define STEP(i) x##i = _mm_add_ps(_mm_mul_ps(x##i, a), b);
        HALO_ACC12(STEP)
#undef STEP
    }
    __m128 s = _mm_setzero_ps();
#define SUM(i) s = _mm_add_ps(s, x##i);
    HALO_ACC12(SUM)
#undef SUM
    float v[4];
    _mm_storeu_ps(v, s);
    return v[0] + v[1] + v[2] + v[3];
}

__attribute__((target("avx2,fma"))) static float fma_avx2(long iters, float seed)
{
    const __m256 a = _mm256_set1_ps(0.99999994f), b = _mm256_set1_ps(seed * 1e-3f);
#define DECL(i) __m256 x##i = _mm256_set1_ps(seed + (float)(i));
    HALO_ACC12(DECL)
#undef DECL
    for (long it = 0; it < iters; it++) {
#define STEP(i) x##i = _mm256_fmadd_ps(x##i, a, b);
        HALO_ACC12(STEP)
#undef STEP
    }
    __m256 s = _mm256_setzero_ps();
#define SUM(i) s = _mm256_add_ps(s, x##i);
    HALO_ACC12(SUM)
#undef SUM
    float v[8];
    _mm256_storeu_ps(v, s);
    return v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
}

__attribute__((target("avx512f"))) static float fma_avx512(long iters, float seed)
{
    const __m512 a = _mm512_set1_ps(0.99999994f), b = _mm512_set1_ps(seed * 1e-3f);
#define DECL(i) __m512 x##i = _mm512_set1_ps(seed + (float)(i));
    HALO_ACC16(DECL)
#undef DECL
    for (long it = 0; it < iters; it++) {
#define STEP(i) x##i = _mm512_fmadd_ps(x##i, a, b);
        HALO_ACC16(STEP)
#undef STEP
    }
    __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, x##i);
    HALO_ACC16(SUM)
#undef SUM
    return _mm512_reduce_add_ps(s);
}

static float fma_run(enum isa k, long iters, float seed)
{
    switch (k) {
    case ISA_SSE41: return fma_sse41(iters, seed);
    case ISA_AVX2: return fma_avx2(iters, seed);
    default: return fma_avx512(iters, seed);
    }
}

/* FLOPs of one kernel iteration: every lane of every accumulator does a multiply and an add. */
static double fma_flops_per_iter(enum isa k) { return 2.0 * isas[k].lanes * isas[k].accumulators; }

/* ---- the STREAM kernels (per ISA, aligned, n a multiple of 16) ------------------------------ */

/* no-tree-loop-distribute-patterns: GCC must keep the copy loop a loop, not make it a memcpy call
 * (clang has no such attribute, and does not turn intrinsic loads and stores into one) */
#if defined(__clang__)
#define HALO_STREAM_FN(isa_target) __attribute__((target(isa_target)))
#else
#define HALO_STREAM_FN(isa_target) __attribute__((target(isa_target), optimize("no-tree-loop-distribute-patterns")))
#endif

HALO_STREAM_FN("sse4.1") static void copy_sse41(float *restrict a, const float *restrict b, long n)
{
    for (long i = 0; i < n; i += 4) _mm_store_ps(a + i, _mm_load_ps(b + i));
}
HALO_STREAM_FN("sse4.1") static void triad_sse41(float *restrict a, const float *restrict b, const float *restrict c,
                                                  float s, long n)
{
    const __m128 vs = _mm_set1_ps(s);
    for (long i = 0; i < n; i += 4) _mm_store_ps(a + i, _mm_add_ps(_mm_load_ps(b + i), _mm_mul_ps(vs, _mm_load_ps(c + i))));
}
HALO_STREAM_FN("avx2,fma") static void copy_avx2(float *restrict a, const float *restrict b, long n)
{
    for (long i = 0; i < n; i += 8) _mm256_store_ps(a + i, _mm256_load_ps(b + i));
}
HALO_STREAM_FN("avx2,fma") static void triad_avx2(float *restrict a, const float *restrict b, const float *restrict c,
                                                   float s, long n)
{
    const __m256 vs = _mm256_set1_ps(s);
    for (long i = 0; i < n; i += 8) _mm256_store_ps(a + i, _mm256_fmadd_ps(vs, _mm256_load_ps(c + i), _mm256_load_ps(b + i)));
}
HALO_STREAM_FN("avx512f") static void copy_avx512(float *restrict a, const float *restrict b, long n)
{
    for (long i = 0; i < n; i += 16) _mm512_store_ps(a + i, _mm512_load_ps(b + i));
}
HALO_STREAM_FN("avx512f") static void triad_avx512(float *restrict a, const float *restrict b, const float *restrict c,
                                                    float s, long n)
{
    const __m512 vs = _mm512_set1_ps(s);
    for (long i = 0; i < n; i += 16) _mm512_store_ps(a + i, _mm512_fmadd_ps(vs, _mm512_load_ps(c + i), _mm512_load_ps(b + i)));
}

static void stream_run(enum isa k, bool triad, float *a, const float *b, const float *c, long n)
{
    switch (k) {
    case ISA_SSE41: triad ? triad_sse41(a, b, c, 3.0f, n) : copy_sse41(a, b, n); break;
    case ISA_AVX2: triad ? triad_avx2(a, b, c, 3.0f, n) : copy_avx2(a, b, n); break;
    default: triad ? triad_avx512(a, b, c, 3.0f, n) : copy_avx512(a, b, n); break;
    }
}

/* ---- the CPU: what it supports, what it is allowed, its FLOP per cycle ---------------------- */

static bool isa_supported(enum isa k)
{
    __builtin_cpu_init();
    switch (k) {
    case ISA_SSE41: return __builtin_cpu_supports("sse4.1");
    case ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    default: return __builtin_cpu_supports("avx512f");
    }
}

/* The widest ISA ONEDNN_MAX_CPU_ISA lets oneDNN use (AVX without AVX2 has no kernel here: SSE4.1). */
static enum isa isa_allowed(const char *cap)
{
    if (!cap || !*cap || !strncmp(cap, "ALL", 3) || !strncmp(cap, "AVX512", 6) || !strncmp(cap, "AVX10", 5))
        return ISA_AVX512;
    if (!strncmp(cap, "AVX2", 4)) return ISA_AVX2;
    return ISA_SSE41;
}

static unsigned cpu_family(void)
{
    unsigned eax = 0, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned base = (eax >> 8) & 0xf;
    return base == 0xf ? base + ((eax >> 20) & 0xff) : base;
}

/* FP32 FLOP per cycle per core of a kernel, by what is known of the vendor's cores; the implied
 * clock is only as right as this, so the assumption is written beside it. */
static int flop_per_cycle(enum isa k, const char **why)
{
    bool amd = __builtin_cpu_is("amd");
    switch (k) {
    case ISA_SSE41:
        *why = amd ? "AMD Zen: two multiply and two add pipes, 4 lanes" : "two ports that each multiply or add, 4 lanes";
        return amd ? 16 : 8;
    case ISA_AVX2: *why = "two 256-bit FMA units"; return 32;
    default:
        if (amd && cpu_family() < 0x1a) {
            *why = "AMD Zen 4: AVX-512 on two 256-bit FMA units";
            return 32;
        }
        *why = amd ? "AMD Zen 5: two 512-bit FMA units" : "two 512-bit FMA units (Xeon Gold/Platinum; one on some parts)";
        return 64;
    }
}

/* "cpu MHz" of /proc/cpuinfo (the kernel's current reading of core 0), or 0. */
static double cpuinfo_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    double mhz = 0;
    while (f && mhz == 0 && fgets(line, sizeof line, f))
        if (!strncmp(line, "cpu MHz", 7) && strchr(line, ':')) mhz = atof(strchr(line, ':') + 1);
    if (f) fclose(f);
    return mhz;
}

/* ---- measuring ------------------------------------------------------------------------------ */

struct meas {
    const struct halo_ceilings_opts *o;
    int threads, trials;
    double fma_ms;      /* target time of one FMA run */
    double stream_bytes; /* bytes one STREAM sample moves at least */
    volatile float sink;
};

static void note(struct meas *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct meas *m, const char *fmt, ...)
{
    if (!m->o->progress) return;
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    m->o->progress(m->o->progress_arg, buf);
}

/* Binds thread i of the OpenMP pool to core i, as the cpu backend does, so that every thread
 * count below runs one thread per core. */
static void bind_pool(int threads)
{
    struct halo_topology *t;
    if (halo_topology_load_cpus(&t) != HALO_OK) return;
    if (threads <= halo_topology_cores(t)) {
        int failed = 0;
#pragma omp parallel num_threads(threads) reduction(+ : failed)
        failed += halo_topology_bind_thread(t, omp_get_thread_num()) != HALO_OK;
        if (failed) HALO_WARN("ceilings: binding %d of %d threads to their cores failed", failed, threads);
    }
    halo_topology_free(t);
}

/* ms of one run of the FMA kernel on `threads` threads, `iters` iterations each. */
static double time_fma(struct meas *m, enum isa k, int threads, long iters)
{
    float s = 0;
    double t0 = halo_now_ms();
#pragma omp parallel num_threads(threads) reduction(+ : s)
    s += fma_run(k, iters, 1.0f + (float)omp_get_thread_num());
    double dt = halo_now_ms() - t0;
    m->sink += s;
    return dt;
}

/* GFLOP/s of the FMA kernel of every ISA in `on` at 1..threads threads into gflops[isa][t - 1].
 * The trials go round every (ISA, threads) in turn and each keeps its best, so that a stretch of
 * time another process took from some core spoils one trial of each, not every trial of one. */
static void measure_fma(struct meas *m, const bool *on, double **gflops)
{
    long iters[ISA_COUNT_] = {0};
    double *best = halo_malloc((size_t)ISA_COUNT_ * m->threads, sizeof *best);
    if (!best) return;
    for (int k = 0; k < ISA_COUNT_; k++) {
        if (!on[k]) continue;
        long it = 1 << 14;
        time_fma(m, (enum isa)k, 1, it); /* warms the core up */
        double ms = time_fma(m, (enum isa)k, 1, it);
        iters[k] = (long)fmax(1024, it * m->fma_ms / fmax(ms, 1e-3));
        for (int t = 0; t < m->threads; t++) best[k * m->threads + t] = INFINITY;
    }
    for (int r = 0; r < m->trials; r++) {
        note(m, "FMA kernels, round %d of %d", r + 1, m->trials);
        for (int k = 0; k < ISA_COUNT_; k++)
            for (int t = 1; on[k] && t <= m->threads; t++) {
                double ms = time_fma(m, (enum isa)k, t, iters[k]);
                if (ms < best[k * m->threads + t - 1]) best[k * m->threads + t - 1] = ms;
            }
    }
    for (int k = 0; k < ISA_COUNT_; k++)
        for (int t = 1; on[k] && t <= m->threads; t++)
            gflops[k][t - 1] = (double)t * (double)iters[k] * fma_flops_per_iter((enum isa)k) / (best[k * m->threads + t - 1] * 1e6);
    free(best);
}

/* dnnl_sgemm (row-major C = A B, n x n x n) at 1..threads threads; n grows with the threads so
 * that each run takes about as long. 0 where the call failed. */
static void measure_sgemm(struct meas *m, double *gflops, int *sizes)
{
    int nmax = m->o->quick ? 1024 : 2048;
    size_t cap = (size_t)nmax * nmax;
    float *A = halo_aligned_alloc(cap * sizeof(float)), *B = halo_aligned_alloc(cap * sizeof(float)),
          *C = halo_aligned_alloc(cap * sizeof(float));
    for (size_t i = 0; A && B && C && i < cap; i++) {
        A[i] = (float)(i % 7) * 0.125f;
        B[i] = (float)(i % 5) * 0.25f;
        C[i] = 0;
    }
    double *best = halo_malloc((size_t)m->threads, sizeof *best);
    for (int t = 1; t <= m->threads; t++) {
        gflops[t - 1] = 0;
        /* the size grows as the cube root of the threads: the same time per run */
        int n = (int)(nmax * cbrt((double)t / m->threads)) / 64 * 64;
        sizes[t - 1] = n < 256 ? 256 : n;
        if (best) best[t - 1] = INFINITY;
    }
    bool ok = A && B && C && best;
    /* rounds over the thread counts, the best of each kept (see measure_fma); round 0 warms up */
    for (int r = 0; r <= m->trials && ok; r++) {
        note(m, "oneDNN sgemm, round %d of %d", r + 1, m->trials + 1);
        for (int t = 1; t <= m->threads && ok; t++) {
            int n = sizes[t - 1];
            omp_set_num_threads(t);
            double t0 = halo_now_ms();
            dnnl_status_t s = dnnl_sgemm('N', 'N', n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
            double dt = halo_now_ms() - t0;
            if (s != dnnl_success) {
                HALO_WARN("ceilings: dnnl_sgemm(%d) failed (status %d)", n, (int)s);
                ok = false;
            }
            if (r > 0 && dt < best[t - 1]) best[t - 1] = dt;
        }
    }
    for (int t = 1; t <= m->threads && ok; t++)
        gflops[t - 1] = 2.0 * sizes[t - 1] * (double)sizes[t - 1] * sizes[t - 1] / (best[t - 1] * 1e6);
    free(best);
    halo_aligned_free(A);
    halo_aligned_free(B);
    halo_aligned_free(C);
}

struct level {
    char name[8];
    long long size_bytes; /* one instance; 0 for DRAM */
    int instances;
    double capacity_bytes; /* what the threads fill; 0 for DRAM (no limit) */
};

struct point {
    double ws_bytes; /* each kernel's arrays together: 8 n for copy, 12 n for triad */
    int level;
    double copy_gbps, triad_gbps;
};

/* GB/s of one STREAM kernel over `ws` bytes on the ISA's kernel: each thread sweeps its own
 * contiguous part, enough times that a sample moves m->stream_bytes; best of the trials. */
static double time_stream(struct meas *m, enum isa k, bool triad, float *a, float *b, float *c, double ws)
{
    int T = m->threads;
    long n = (long)(ws / (triad ? 12.0 : 8.0));
    long chunk = n / T / 16 * 16;
    if (chunk < 16) chunk = 16;
    long reps = (long)(m->stream_bytes / ws);
    if (reps < 1) reps = 1;
    double best = INFINITY;
    for (int r = 0; r <= m->trials; r++) {
        double t0 = halo_now_ms();
#pragma omp parallel num_threads(T)
        {
            long off = (long)omp_get_thread_num() * chunk;
            for (long i = 0; i < reps; i++) {
                stream_run(k, triad, a + off, b + off, c + off, chunk);
                __asm__ volatile("" ::: "memory"); /* every sweep happens */
            }
        }
        double dt = halo_now_ms() - t0;
        if (r > 0 && dt < best) best = dt;
    }
    return (triad ? 12.0 : 8.0) * (double)chunk * T * reps / (best * 1e6);
}

/* The cache levels the threads see (hwloc's sizes), then DRAM. */
static int cache_levels(int threads, struct level *lv, int max)
{
    struct halo_topology *t;
    struct halo_cache_level c[8];
    int n = 0;
    if (halo_topology_load_cpus(&t) == HALO_OK) {
        int nc = halo_topology_caches(t, c, 8), cores = halo_topology_machine_cores(t);
        for (int i = 0; i < nc && n < max - 1; i++) {
            lv[n] = (struct level){.size_bytes = c[i].size_bytes, .instances = c[i].count,
                                   .capacity_bytes = halo_cache_capacity_bytes(&c[i], cores, threads)};
            snprintf(lv[n].name, sizeof lv[n].name, "L%d", c[i].level);
            n++;
        }
        halo_topology_free(t);
    }
    lv[n] = (struct level){.name = "DRAM"};
    return n + 1;
}

static int level_of(const struct level *lv, int nl, double ws)
{
    for (int i = 0; i < nl - 1; i++)
        if (ws <= lv[i].capacity_bytes) return i;
    return nl - 1;
}

/* The sweep: working sets from an eighth of L1 to 4x the last cache (at least 64 MiB), doubling
 * (quadrupling when quick). */
static enum halo_status measure_stream(struct meas *m, enum isa k, const struct level *lv, int nl, struct point **out,
                                       int *n_out)
{
    double llc = nl > 1 ? lv[nl - 2].capacity_bytes : 8e6, l1 = nl > 1 ? lv[0].capacity_bytes : 32768.0 * m->threads;
    double lo = fmax(l1 / 8, 4096.0 * m->threads), hi = fmax(4 * llc, 64.0 * 1024 * 1024), f = m->o->quick ? 4 : 2;
    int np = 0;
    for (double ws = lo; ws < hi * 1.0001; ws *= f) np++;
    size_t elems = (size_t)(hi / 8) + 64 * (size_t)m->threads;
    float *a = halo_aligned_alloc(elems * sizeof(float)), *b = halo_aligned_alloc(elems * sizeof(float)),
          *c = halo_aligned_alloc(elems * sizeof(float));
    struct point *p = halo_calloc((size_t)np + 1, sizeof *p);
    if (!a || !b || !c || !p) {
        halo_aligned_free(a);
        halo_aligned_free(b);
        halo_aligned_free(c);
        free(p);
        return halo_error(HALO_ERR_NOMEM, "ceilings: out of memory for STREAM arrays of %.0f MiB", hi / 1048576);
    }
#pragma omp parallel for num_threads(m->threads) schedule(static)
    for (size_t i = 0; i < elems; i++) {
        a[i] = 0.0f;
        b[i] = 1.0f;
        c[i] = 2.0f;
    }
    int i = 0;
    for (double ws = lo; i < np; ws *= f, i++) {
        if (i == np - 1) ws = hi;
        note(m, "STREAM %s, working set %.0f KiB", isas[k].name, ws / 1024);
        p[i].ws_bytes = ws;
        p[i].level = level_of(lv, nl, ws);
        p[i].copy_gbps = time_stream(m, k, false, a, b, c, ws);
        p[i].triad_gbps = time_stream(m, k, true, a, b, c, ws);
    }
    halo_aligned_free(a);
    halo_aligned_free(b);
    halo_aligned_free(c);
    *out = p;
    *n_out = np;
    return HALO_OK;
}

/* ---- the JSON document ---------------------------------------------------------------------- */

static cJSON *thread_array(const double *v, const int *sizes, int n, const char *key)
{
    cJSON *arr = cJSON_CreateArray();
    for (int t = 0; t < n; t++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "threads", t + 1);
        cJSON_AddNumberToObject(o, key, v[t]);
        if (sizes) cJSON_AddNumberToObject(o, "n", sizes[t]);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* Per level: the best copy and triad among the sweep's points inside it (for DRAM the largest
 * working set, far beyond the caches), with the working set of the triad point. */
static cJSON *levels_json(const struct level *lv, int nl, const struct point *p, int np)
{
    cJSON *arr = cJSON_CreateArray();
    for (int l = 0; l < nl; l++) {
        int best = -1;
        double copy = 0;
        for (int i = 0; i < np; i++) {
            if (p[i].level != l) continue;
            if (l == nl - 1) best = i; /* DRAM: the last (largest) point */
            else if (best < 0 || p[i].triad_gbps > p[best].triad_gbps) best = i;
            if (p[i].copy_gbps > copy) copy = p[i].copy_gbps;
        }
        if (best < 0) continue;
        if (l == nl - 1) copy = p[best].copy_gbps;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "level", lv[l].name);
        if (l < nl - 1) {
            cJSON_AddNumberToObject(o, "size_bytes", (double)lv[l].size_bytes);
            cJSON_AddNumberToObject(o, "instances", lv[l].instances);
            cJSON_AddNumberToObject(o, "capacity_bytes", lv[l].capacity_bytes);
        } else {
            cJSON_AddNullToObject(o, "capacity_bytes");
        }
        cJSON_AddNumberToObject(o, "working_set_bytes", p[best].ws_bytes);
        cJSON_AddNumberToObject(o, "copy_gbps", copy);
        cJSON_AddNumberToObject(o, "triad_gbps", p[best].triad_gbps);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *sweep_json(const struct level *lv, const struct point *p, int np)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < np; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "working_set_bytes", p[i].ws_bytes);
        cJSON_AddStringToObject(o, "level", lv[p[i].level].name);
        cJSON_AddNumberToObject(o, "copy_gbps", p[i].copy_gbps);
        cJSON_AddNumberToObject(o, "triad_gbps", p[i].triad_gbps);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *provenance_json(const char *library, int threads, const char *cap)
{
    struct halo_provenance p;
    if (halo_provenance_get(&p, "cpu", library, threads) != HALO_OK) return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "cpu_model", p.cpu_model);
    cJSON_AddStringToObject(o, "host", p.host);
    cJSON_AddStringToObject(o, "commit", p.commit);
    cJSON_AddStringToObject(o, "date", p.date);
    cJSON_AddStringToObject(o, "backend", "cpu");
    cJSON_AddStringToObject(o, "library", p.library);
    cJSON_AddNumberToObject(o, "threads", threads);
    cJSON_AddStringToObject(o, "isa_cap", cap && *cap ? cap : "none");
    cJSON_AddStringToObject(o, "compiler", __VERSION__);
    cJSON_AddStringToObject(o, "halo", HALO_VERSION);
    halo_provenance_free(&p);
    return o;
}

enum halo_status halo_ceilings_cpu(int threads, const struct halo_ceilings_opts *o, const char *library, cJSON **out)
{
    *out = NULL;
    HALO_ASSERT(threads >= 1);
    const char *cap = getenv("ONEDNN_MAX_CPU_ISA");
    /* many short runs, the best kept: a run another process interrupted is dropped, not averaged in */
    struct meas m = {.o = o, .threads = threads, .trials = o->quick ? 8 : 15, .fma_ms = o->quick ? 1 : 4,
                     .stream_bytes = o->quick ? 32e6 : 128e6};
    int omp_before = omp_get_max_threads();
    bind_pool(threads);
    enum isa allowed = isa_allowed(cap), peak_isa = ISA_COUNT_;
    double *gf[ISA_COUNT_] = {0}, *sgemm = halo_calloc((size_t)threads, sizeof *sgemm);
    int *sgemm_n = halo_calloc((size_t)threads, sizeof *sgemm_n);
    struct point *pts = NULL;
    int np = 0;
    struct level lv[9];
    int nl = cache_levels(threads, lv, 9);
    enum halo_status st = sgemm && sgemm_n ? HALO_OK : HALO_ERR_NOMEM;
    bool on[ISA_COUNT_] = {0};
    for (int k = 0; k < ISA_COUNT_ && st == HALO_OK; k++) {
        if (!(on[k] = isa_supported((enum isa)k))) continue;
        if (!(gf[k] = halo_calloc((size_t)threads, sizeof *gf[k]))) st = HALO_ERR_NOMEM;
        if (k <= (int)allowed) peak_isa = (enum isa)k;
    }
    if (st == HALO_OK) measure_fma(&m, on, gf);
    if (st == HALO_OK && peak_isa == ISA_COUNT_)
        st = halo_error(HALO_ERR_UNSUPPORTED, "ceilings: this CPU has none of SSE4.1, AVX2 + FMA, AVX-512");
    if (st == HALO_OK) measure_sgemm(&m, sgemm, sgemm_n);
    omp_set_num_threads(omp_before);
    if (st == HALO_OK) st = measure_stream(&m, peak_isa, lv, nl, &pts, &np);
    cJSON *doc = st == HALO_OK ? cJSON_CreateObject() : NULL, *prov = doc ? provenance_json(library, threads, cap) : NULL;
    if (st == HALO_OK && (!doc || !prov)) st = HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        const char *why;
        int fpc = flop_per_cycle(peak_isa, &why);
        double peak = gf[peak_isa][threads - 1];
        cJSON_AddStringToObject(doc, "schema", HALO_CEILINGS_SCHEMA);
        cJSON_AddStringToObject(doc, "backend", "cpu");
        cJSON_AddStringToObject(doc, "device", cJSON_GetObjectItemCaseSensitive(prov, "cpu_model")->valuestring);
        cJSON_AddStringToObject(doc, "precision", "fp32");
        cJSON_AddNumberToObject(doc, "threads", threads);
        cJSON_AddStringToObject(doc, "isa", isas[peak_isa].name);
        cJSON_AddNumberToObject(doc, "peak_gflops", peak);
        cJSON_AddNumberToObject(doc, "sgemm_gflops", sgemm[threads - 1]);
        cJSON_AddStringToObject(doc, "flop_basis", "FLOP = 2 per multiply-add (one FMA, or a multiply and an add); fp32");
        cJSON *fma = cJSON_AddArrayToObject(doc, "fma");
        for (int k = 0; k < ISA_COUNT_; k++) {
            if (!gf[k]) continue;
            const char *w;
            int f = flop_per_cycle((enum isa)k, &w);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "isa", isas[k].name);
            cJSON_AddBoolToObject(e, "allowed", k <= (int)allowed);
            cJSON_AddStringToObject(e, "kernel", isas[k].kernel);
            cJSON_AddNumberToObject(e, "lanes", isas[k].lanes);
            cJSON_AddNumberToObject(e, "accumulators", isas[k].accumulators);
            cJSON_AddNumberToObject(e, "flop_per_cycle_per_core", f);
            cJSON_AddNumberToObject(e, "implied_mhz", gf[k][threads - 1] * 1e3 / ((double)f * threads));
            cJSON_AddItemToObject(e, "per_threads", thread_array(gf[k], NULL, threads, "gflops"));
            cJSON_AddItemToArray(fma, e);
        }
        cJSON *sg = cJSON_AddObjectToObject(doc, "sgemm");
        cJSON_AddStringToObject(sg, "routine", "dnnl_sgemm, row-major C = A B, n x n x n, fp32");
        cJSON_AddStringToObject(sg, "library", library ? library : "oneDNN");
        cJSON_AddItemToObject(sg, "per_threads", thread_array(sgemm, sgemm_n, threads, "gflops"));
        cJSON *mem = cJSON_AddObjectToObject(doc, "memory");
        cJSON_AddStringToObject(mem, "kernel", "STREAM copy a = b (8 bytes per element) and triad a = b + s c (12 bytes "
                                               "per element), fp32, each thread on its own part; write-allocate "
                                               "traffic not counted");
        cJSON_AddStringToObject(mem, "isa", isas[peak_isa].name);
        cJSON_AddNumberToObject(mem, "threads", threads);
        cJSON_AddItemToObject(mem, "levels", levels_json(lv, nl, pts, np));
        cJSON_AddItemToObject(mem, "sweep", sweep_json(lv, pts, np));
        cJSON *clk = cJSON_AddObjectToObject(doc, "clock");
        cJSON_AddNumberToObject(clk, "implied_mhz", peak * 1e3 / ((double)fpc * threads));
        cJSON_AddNumberToObject(clk, "flop_per_cycle_per_core", fpc);
        cJSON_AddStringToObject(clk, "assumed", why);
        double mhz = cpuinfo_mhz();
        if (mhz > 0) cJSON_AddNumberToObject(clk, "cpuinfo_mhz", mhz);
        else cJSON_AddNullToObject(clk, "cpuinfo_mhz");
        cJSON_AddItemToObject(doc, "provenance", prov);
        prov = NULL;
    }
    for (int k = 0; k < ISA_COUNT_; k++) free(gf[k]);
    free(sgemm);
    free(sgemm_n);
    free(pts);
    cJSON_Delete(prov);
    if (st != HALO_OK) {
        cJSON_Delete(doc);
        return st == HALO_ERR_NOMEM ? halo_error(st, "ceilings: out of memory") : st;
    }
    *out = doc;
    return HALO_OK;
}
