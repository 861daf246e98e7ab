/* cuda_ceilings: the GPU's measured ceilings, the cuda backend's `ceilings` entry — FP32 peak by an
 * FMA kernel (16 independent chains per thread, every SM full) and by cuBLAS SGEMM, TF32 and FP16
 * tensor-core GEMM (cublasGemmEx with those compute types), device-memory bandwidth by STREAM copy
 * and triad over working sets (in L2, then in device memory), and host<->device copies from pinned
 * and from pageable memory. Everything runs on the backend's stream and is timed with its events
 * (copies with the host clock around synchronous calls); the best of several runs after a
 * discarded one. The document has the same keys as the cpu backend's (halo-ceilings/1). */
#include "ceilings_kernels.h"
#include "core/clock.h"
#include "core/provenance.h"
#include "cuda_internal.h"
#include "halo_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one timed job does. */
enum job_op { JOB_FMA, JOB_SGEMM, JOB_GEMM_TF32, JOB_GEMM_FP16, JOB_COPY, JOB_TRIAD };

struct job {
    enum job_op op;
    int blocks, threads;   /* kernels */
    long long iters;       /* JOB_FMA */
    long long n;           /* floats (STREAM) or the GEMM's side */
    void *a, *b, *c;       /* device buffers */
};

struct ceil_ctx {
    struct cuda_ctx *c;
    const struct halo_ceilings_opts *o;
    int trials;
    double target_ms; /* one timed sample lasts at least this long */
};

static void note(struct ceil_ctx *x, const char *what)
{
    if (x->o->progress) x->o->progress(x->o->progress_arg, what);
}

static enum halo_status run_job(struct cuda_ctx *c, const struct job *j)
{
    const float one = 1.0f, zero = 0.0f;
    int n = (int)j->n;
    switch (j->op) {
    case JOB_FMA: CU(hc_ceil_fma(c->stream, j->blocks, j->threads, j->iters, j->a)); break;
    case JOB_SGEMM: BLAS(cublasSgemm(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, j->a, n, j->b, n, &zero, j->c, n)); break;
    case JOB_GEMM_TF32:
        BLAS(cublasGemmEx(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, j->a, CUDA_R_32F, n, j->b, CUDA_R_32F, n, &zero,
                          j->c, CUDA_R_32F, n, CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT));
        break;
    case JOB_GEMM_FP16:
        BLAS(cublasGemmEx(c->blas, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, j->a, CUDA_R_16F, n, j->b, CUDA_R_16F, n, &zero,
                          j->c, CUDA_R_16F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        break;
    case JOB_COPY: CU(hc_ceil_copy(c->stream, j->blocks, j->a, j->b, j->n)); break;
    case JOB_TRIAD: CU(hc_ceil_triad(c->stream, j->blocks, j->a, j->b, j->c, 3.0f, j->n)); break;
    }
    return HALO_OK;
}

/* ms of `reps` runs between the stream's two events. */
static enum halo_status time_reps(struct cuda_ctx *c, const struct job *j, int reps, double *ms)
{
    CU(cudaEventRecord(c->ev0, c->stream));
    for (int r = 0; r < reps; r++) HALO_TRY(run_job(c, j));
    CU(cudaEventRecord(c->ev1, c->stream));
    CU(cudaEventSynchronize(c->ev1));
    float f = 0;
    CU(cudaEventElapsedTime(&f, c->ev0, c->ev1));
    *ms = f;
    return HALO_OK;
}

/* ms of one run: one discarded run sets how many runs a sample needs to last target_ms, then the
 * best sample of `trials`, divided by its runs. */
static enum halo_status time_job(struct ceil_ctx *x, const struct job *j, double *ms)
{
    double one;
    HALO_TRY(time_reps(x->c, j, 1, &one));
    int reps = one > 0 ? (int)ceil(x->target_ms / one) : 1;
    if (reps < 1) reps = 1;
    if (reps > 10000) reps = 10000;
    double best = INFINITY;
    for (int t = 0; t < x->trials; t++) {
        double s;
        HALO_TRY(time_reps(x->c, j, reps, &s));
        if (s < best) best = s;
    }
    *ms = best / reps;
    return HALO_OK;
}

static void dev_free(void *p)
{
    if (p) CU_WARN(cudaFree(p));
}

/* FP32 FLOP per cycle per SM: twice the FP32 lanes of an SM, by compute capability. */
static int flop_per_cycle_per_sm(int major, int minor, const char **why)
{
    if (major == 7 || (major == 8 && minor == 0)) {
        *why = "64 FP32 lanes per SM (Volta, Turing, A100)";
        return 128;
    }
    *why = "128 FP32 lanes per SM (GA10x, Ada, Hopper, Blackwell)";
    return 256;
}

/* The FMA kernel: every SM full (8 blocks of 256 threads each), iterations set so that one run
 * lasts about target_ms. */
static enum halo_status measure_fma(struct ceil_ctx *x, int sms, cJSON *doc, double *peak)
{
    struct job j = {.op = JOB_FMA, .blocks = sms * 8, .threads = 256, .iters = 1024};
    float *out = NULL;
    note(x, "FP32 FMA kernel");
    CU(cudaMalloc((void **)&out, (size_t)j.blocks * j.threads * sizeof(float)));
    j.a = out;
    double ms = 0;
    enum halo_status st = time_reps(x->c, &j, 1, &ms);
    if (st == HALO_OK) {
        long long it = (long long)(j.iters * x->target_ms / fmax(ms, 1e-3));
        j.iters = (it < 1024 ? 1024 : it) / HC_CEIL_FMA_UNROLL * HC_CEIL_FMA_UNROLL;
        st = time_job(x, &j, &ms);
    }
    dev_free(out);
    HALO_TRY(st);
    *peak = 2.0 * HC_CEIL_FMA_CHAINS * (double)j.iters * j.blocks * j.threads / (ms * 1e6);
    const char *why;
    int fpc = flop_per_cycle_per_sm(x->c->info.cc_major, x->c->info.cc_minor, &why);
    cJSON *arr = cJSON_AddArrayToObject(doc, "fma"), *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "isa", "cuda_fp32");
    cJSON_AddBoolToObject(e, "allowed", true);
    cJSON_AddStringToObject(e, "kernel", "x = fmaf(x, a, b), 16 independent chains per thread, 8 blocks of 256 threads per SM");
    cJSON_AddNumberToObject(e, "blocks", j.blocks);
    cJSON_AddNumberToObject(e, "threads_per_block", j.threads);
    cJSON_AddNumberToObject(e, "flop_per_cycle_per_sm", fpc);
    cJSON_AddNumberToObject(e, "implied_mhz", *peak * 1e3 / ((double)fpc * sms));
    cJSON_AddNumberToObject(e, "gflops", *peak);
    cJSON_AddItemToArray(arr, e);
    int khz = 0;
    cJSON *clk = cJSON_AddObjectToObject(doc, "clock");
    cJSON_AddNumberToObject(clk, "implied_mhz", *peak * 1e3 / ((double)fpc * sms));
    cJSON_AddNumberToObject(clk, "flop_per_cycle_per_sm", fpc);
    cJSON_AddStringToObject(clk, "assumed", why);
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, x->c->device) == cudaSuccess && khz > 0)
        cJSON_AddNumberToObject(clk, "device_max_mhz", khz / 1000.0);
    else
        cJSON_AddNullToObject(clk, "device_max_mhz");
    return HALO_OK;
}

/* cuBLAS SGEMM (FP32, default math: no tensor cores) and the tensor-core GEMMs, n x n x n. */
static enum halo_status measure_gemms(struct ceil_ctx *x, size_t mem_bytes, cJSON *doc, double *sgemm, double *tf32)
{
    int n = x->o->quick ? 2048 : 8192;
    while (n > 512 && 3.0 * n * n * sizeof(float) > mem_bytes / 4.0) n /= 2; /* a quarter of the memory at most */
    size_t bytes = (size_t)n * n * sizeof(float);
    void *a = NULL, *b = NULL, *c = NULL;
    enum halo_status st = halo_cuda_check(cudaMalloc(&a, bytes), "cudaMalloc(&a, bytes)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMalloc(&b, bytes), "cudaMalloc(&b, bytes)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMalloc(&c, bytes), "cudaMalloc(&c, bytes)");
    /* 0x3c in every byte: about 0.0115 as float, 1.06 as half: no zeros, no denormals, no overflow */
    if (st == HALO_OK) st = halo_cuda_check(cudaMemset(a, 0x3c, bytes), "cudaMemset(a, 0x3c, bytes)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMemset(b, 0x3c, bytes), "cudaMemset(b, 0x3c, bytes)");
    static const struct {
        enum job_op op;
        const char *precision, *routine;
    } gemms[] = {
        {JOB_SGEMM, "fp32", "cublasSgemm, column-major C = A B, default math (no tensor cores)"},
        {JOB_GEMM_TF32, "tf32", "cublasGemmEx, fp32 data, CUBLAS_COMPUTE_32F_FAST_TF32 (tensor cores)"},
        {JOB_GEMM_FP16, "fp16", "cublasGemmEx, fp16 data, CUBLAS_COMPUTE_32F (tensor cores, fp32 accumulation)"},
    };
    double g[3] = {0};
    for (int k = 0; k < 3 && st == HALO_OK; k++) {
        struct job j = {.op = gemms[k].op, .n = n, .a = a, .b = b, .c = c};
        char what[96];
        snprintf(what, sizeof what, "GEMM %s %dx%dx%d", gemms[k].precision, n, n, n);
        note(x, what);
        double ms;
        st = time_job(x, &j, &ms);
        if (st == HALO_OK) g[k] = 2.0 * n * (double)n * n / (ms * 1e6);
    }
    dev_free(a);
    dev_free(b);
    dev_free(c);
    HALO_TRY(st);
    int ver = 0;
    BLAS(cublasGetVersion(x->c->blas, &ver));
    char lib[64];
    snprintf(lib, sizeof lib, "cuBLAS %d.%d.%d", ver / 10000, ver / 100 % 100, ver % 100);
    cJSON *sg = cJSON_AddObjectToObject(doc, "sgemm");
    cJSON_AddStringToObject(sg, "routine", gemms[0].routine);
    cJSON_AddStringToObject(sg, "library", lib);
    cJSON_AddNumberToObject(sg, "n", n);
    cJSON_AddNumberToObject(sg, "gflops", g[0]);
    cJSON *tc = cJSON_AddArrayToObject(doc, "tensor");
    for (int k = 1; k < 3; k++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "precision", gemms[k].precision);
        cJSON_AddStringToObject(e, "routine", gemms[k].routine);
        cJSON_AddStringToObject(e, "library", lib);
        cJSON_AddNumberToObject(e, "n", n);
        cJSON_AddNumberToObject(e, "gflops", g[k]);
        cJSON_AddItemToArray(tc, e);
    }
    *sgemm = g[0];
    *tf32 = g[1];
    return HALO_OK;
}

struct point {
    double ws_bytes;
    bool in_l2;
    double copy_gbps, triad_gbps;
};

/* STREAM over working sets from 1 MiB to 8x L2 (at least 512 MiB; a quarter of the memory at most). */
static enum halo_status measure_stream(struct ceil_ctx *x, int sms, size_t mem_bytes, int l2_bytes, cJSON *doc)
{
    double lo = 1 << 20, hi = fmax(8.0 * l2_bytes, x->o->quick ? 128.0 * (1 << 20) : 512.0 * (1 << 20)),
           f = x->o->quick ? 4 : 2;
    if (hi > mem_bytes / 4.0) hi = mem_bytes / 4.0;
    if (hi < lo) hi = lo;
    int np = 0;
    for (double ws = lo; ws < hi * 1.0001; ws *= f) np++;
    if (np < 1) np = 1;
    size_t elems = (size_t)(hi / 8) + 64;
    float *a = NULL, *b = NULL, *c = NULL;
    struct point *p = halo_calloc((size_t)np, sizeof *p);
    enum halo_status st = p ? HALO_OK : halo_error(HALO_ERR_NOMEM, "cuda ceilings: out of memory");
    if (st == HALO_OK) st = halo_cuda_check(cudaMalloc((void **)&a, elems * sizeof(float)), "cudaMalloc(&a)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMalloc((void **)&b, elems * sizeof(float)), "cudaMalloc(&b)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMalloc((void **)&c, elems * sizeof(float)), "cudaMalloc(&c)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMemset(b, 0x3c, elems * sizeof(float)), "cudaMemset(b)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMemset(c, 0x3c, elems * sizeof(float)), "cudaMemset(c)");
    double ws = lo;
    for (int i = 0; i < np && st == HALO_OK; i++, ws *= f) {
        if (i == np - 1) ws = hi;
        char what[96];
        snprintf(what, sizeof what, "STREAM, working set %.0f MiB", ws / (1 << 20));
        note(x, what);
        struct job cp = {.op = JOB_COPY, .blocks = sms * 8, .n = (long long)(ws / 8) / 4 * 4, .a = a, .b = b, .c = c};
        struct job tr = cp;
        tr.op = JOB_TRIAD;
        tr.n = (long long)(ws / 12) / 4 * 4;
        double mc, mt;
        st = time_job(x, &cp, &mc);
        if (st == HALO_OK) st = time_job(x, &tr, &mt);
        p[i] = (struct point){ws, l2_bytes > 0 && ws <= l2_bytes, 8.0 * cp.n / (mc * 1e6), 12.0 * tr.n / (mt * 1e6)};
    }
    dev_free(a);
    dev_free(b);
    dev_free(c);
    if (st != HALO_OK) {
        free(p);
        return st;
    }
    cJSON *mem = cJSON_AddObjectToObject(doc, "memory");
    cJSON_AddStringToObject(mem, "kernel", "STREAM copy a = b (8 bytes per element) and triad a = b + s c (12 bytes per "
                                           "element), fp32 as float4, grid-stride over 8 blocks of 256 threads per SM");
    cJSON_AddStringToObject(mem, "isa", "cuda");
    cJSON_AddNumberToObject(mem, "threads", 1);
    cJSON *levels = cJSON_AddArrayToObject(mem, "levels"), *sweep = cJSON_AddArrayToObject(mem, "sweep");
    int best_l2 = -1;
    for (int i = 0; i < np; i++)
        if (p[i].in_l2 && (best_l2 < 0 || p[i].triad_gbps > p[best_l2].triad_gbps)) best_l2 = i;
    for (int k = 0; k < 2; k++) {
        int i = k == 0 ? best_l2 : np - 1;
        if (i < 0) continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "level", k == 0 ? "L2" : "device");
        if (k == 0) {
            cJSON_AddNumberToObject(e, "size_bytes", l2_bytes);
            cJSON_AddNumberToObject(e, "instances", 1);
            cJSON_AddNumberToObject(e, "capacity_bytes", l2_bytes);
        } else {
            cJSON_AddNullToObject(e, "capacity_bytes");
        }
        cJSON_AddNumberToObject(e, "working_set_bytes", p[i].ws_bytes);
        cJSON_AddNumberToObject(e, "copy_gbps", p[i].copy_gbps);
        cJSON_AddNumberToObject(e, "triad_gbps", p[i].triad_gbps);
        cJSON_AddItemToArray(levels, e);
    }
    for (int i = 0; i < np; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "working_set_bytes", p[i].ws_bytes);
        cJSON_AddStringToObject(e, "level", p[i].in_l2 ? "L2" : "device");
        cJSON_AddNumberToObject(e, "copy_gbps", p[i].copy_gbps);
        cJSON_AddNumberToObject(e, "triad_gbps", p[i].triad_gbps);
        cJSON_AddItemToArray(sweep, e);
    }
    free(p);
    return HALO_OK;
}

/* Host<->device copies of `bytes` from pinned (cudaMallocHost) and pageable (malloc) memory, each
 * direction, timed with the host clock around the synchronous cudaMemcpy. */
static enum halo_status measure_host_device(struct ceil_ctx *x, cJSON *doc)
{
    size_t bytes = (size_t)(x->o->quick ? 64 : 256) << 20;
    void *dev = NULL, *pinned = NULL, *pageable = halo_malloc(bytes, 1);
    enum halo_status st = pageable ? HALO_OK : halo_error(HALO_ERR_NOMEM, "cuda ceilings: out of memory");
    if (st == HALO_OK) st = halo_cuda_check(cudaMalloc(&dev, bytes), "cudaMalloc(&dev, bytes)");
    if (st == HALO_OK) st = halo_cuda_check(cudaMallocHost(&pinned, bytes), "cudaMallocHost(&pinned, bytes)");
    if (st == HALO_OK) {
        memset(pageable, 1, bytes); /* touched: its pages exist before the copies */
        memset(pinned, 1, bytes);
    }
    cJSON *arr = st == HALO_OK ? cJSON_AddArrayToObject(doc, "host_device") : NULL;
    for (int k = 0; k < 4 && st == HALO_OK; k++) {
        bool h2d = k % 2 == 0, pin = k < 2;
        void *host = pin ? pinned : pageable;
        note(x, h2d ? "host to device copies" : "device to host copies");
        double best = INFINITY;
        for (int t = 0; t <= x->trials && st == HALO_OK; t++) {
            double t0 = halo_now_ms();
            st = halo_cuda_check(h2d ? cudaMemcpy(dev, host, bytes, cudaMemcpyHostToDevice)
                                     : cudaMemcpy(host, dev, bytes, cudaMemcpyDeviceToHost),
                                 "cudaMemcpy(host <-> device)");
            double ms = halo_now_ms() - t0;
            if (t > 0 && ms < best) best = ms;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "direction", h2d ? "host_to_device" : "device_to_host");
        cJSON_AddStringToObject(e, "host_memory", pin ? "pinned" : "pageable");
        cJSON_AddNumberToObject(e, "bytes", (double)bytes);
        cJSON_AddNumberToObject(e, "gbps", (double)bytes / (best * 1e6));
        cJSON_AddItemToArray(arr, e);
    }
    dev_free(dev);
    if (pinned) CU_WARN(cudaFreeHost(pinned));
    free(pageable);
    return st;
}

static cJSON *provenance_json(struct cuda_ctx *c)
{
    struct halo_provenance p;
    if (halo_provenance_get(&p, "cuda", c->version, 1) != HALO_OK) return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "gpu", c->info.name);
    cJSON_AddNumberToObject(o, "gpu_sms", c->info.sms);
    cJSON_AddNumberToObject(o, "gpu_memory_bytes", (double)c->info.memory_bytes);
    char cc[16];
    snprintf(cc, sizeof cc, "%d.%d", c->info.cc_major, c->info.cc_minor);
    cJSON_AddStringToObject(o, "gpu_compute_capability", cc);
    cJSON_AddStringToObject(o, "gpu_pci_bus_id", c->info.pci_bus_id);
    cJSON_AddStringToObject(o, "cpu_model", p.cpu_model);
    cJSON_AddStringToObject(o, "host", p.host);
    cJSON_AddStringToObject(o, "commit", p.commit);
    cJSON_AddStringToObject(o, "date", p.date);
    cJSON_AddStringToObject(o, "backend", "cuda");
    cJSON_AddStringToObject(o, "library", p.library);
    cJSON_AddNumberToObject(o, "threads", 1);
    cJSON_AddStringToObject(o, "isa_cap", "none");
    cJSON_AddStringToObject(o, "conv_math", c->info.tf32 ? "tf32" : "fp32");
    cJSON_AddStringToObject(o, "halo", HALO_VERSION);
    halo_provenance_free(&p);
    return o;
}

enum halo_status halo_cuda_ceilings(struct halo_backend *be, const struct halo_ceilings_opts *o, cJSON **out)
{
    *out = NULL;
    struct cuda_ctx *c = be->ctx;
    struct ceil_ctx x = {.c = c, .o = o, .trials = o->quick ? 3 : 5, .target_ms = o->quick ? 2 : 10};
    CU(cudaSetDevice(c->device));
    struct cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, c->device));
    cJSON *doc = cJSON_CreateObject(), *prov = provenance_json(c);
    if (!doc || !prov) {
        cJSON_Delete(doc);
        cJSON_Delete(prov);
        return halo_error(HALO_ERR_NOMEM, "cuda ceilings: out of memory");
    }
    double peak = 0, sgemm = 0, tf32 = 0;
    cJSON_AddStringToObject(doc, "schema", HALO_CEILINGS_SCHEMA);
    cJSON_AddStringToObject(doc, "backend", "cuda");
    cJSON_AddStringToObject(doc, "device", c->info.name);
    cJSON_AddStringToObject(doc, "precision", c->info.tf32 ? "tf32" : "fp32");
    cJSON_AddNumberToObject(doc, "threads", 1);
    cJSON_AddStringToObject(doc, "flop_basis", "FLOP = 2 per multiply-add; GEMM FLOPs = 2 n^3");
    enum halo_status st = measure_fma(&x, prop.multiProcessorCount, doc, &peak);
    if (st == HALO_OK) st = measure_gemms(&x, prop.totalGlobalMem, doc, &sgemm, &tf32);
    if (st == HALO_OK) st = measure_stream(&x, prop.multiProcessorCount, prop.totalGlobalMem, prop.l2CacheSize, doc);
    if (st == HALO_OK) st = measure_host_device(&x, doc);
    if (st != HALO_OK) {
        cJSON_Delete(doc);
        cJSON_Delete(prov);
        halo_error_prefix("cuda ceilings");
        return st;
    }
    /* the roof of what the backend runs: cuDNN's convolutions in FP32, or TF32 when asked for */
    cJSON_AddStringToObject(doc, "isa", c->info.tf32 ? "cuda_tf32" : "cuda_fp32");
    cJSON_AddNumberToObject(doc, "peak_gflops", c->info.tf32 ? tf32 : peak);
    cJSON_AddNumberToObject(doc, "fp32_fma_gflops", peak);
    cJSON_AddNumberToObject(doc, "sgemm_gflops", sgemm);
    cJSON_AddItemToObject(doc, "provenance", prov);
    *out = doc;
    return HALO_OK;
}
