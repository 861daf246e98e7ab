/* halo ceilings: a platform's measured ceilings through its backend — peak FP32 FLOP/s (an FMA
 * kernel per ISA and thread count, the library's GEMM beside it; on a GPU also its tensor cores),
 * memory bandwidth per level (STREAM copy and triad over working sets), on a GPU host<->device
 * copies — as a table or one JSON document (halo-ceilings/1), which `halo bench --ceilings` and
 * profiles read. */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/json.h"
#include "core/parse.h"
#include "exec/backend.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void progress(void *arg, const char *what)
{
    (void)arg;
    fprintf(stderr, "\r\033[Khalo ceilings: %s", what);
    fflush(stderr);
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "-";
}

/* "48 KiB", "2 MiB", "1.5 GiB" */
static const char *bytes_str(double b, char *buf, size_t cap)
{
    if (!isfinite(b)) snprintf(buf, cap, "-");
    else if (b >= 1024.0 * 1024 * 1024) snprintf(buf, cap, "%.3g GiB", b / (1024.0 * 1024 * 1024));
    else if (b >= 1024.0 * 1024) snprintf(buf, cap, "%.3g MiB", b / (1024.0 * 1024));
    else snprintf(buf, cap, "%.3g KiB", b / 1024.0);
    return buf;
}

/* The FLOP/s part: the peak, the GEMM, and per ISA (and, on a CPU, per thread count). */
static void print_compute(const cJSON *doc)
{
    const cJSON *fma = cJSON_GetObjectItemCaseSensitive(doc, "fma"), *e;
    const cJSON *sg = cJSON_GetObjectItemCaseSensitive(doc, "sgemm");
    double peak = num(doc, "peak_gflops"), sgemm = num(doc, "sgemm_gflops");
    printf("FP32 peak: %.1f GFLOP/s (%s FMA kernel, %g threads); GEMM %.1f GFLOP/s (%.2f of the peak)\n", peak,
           str(doc, "isa"), num(doc, "threads"), sgemm, sgemm / peak);
    const cJSON *clk = cJSON_GetObjectItemCaseSensitive(doc, "clock");
    if (clk) {
        printf("clock the peak implies: %.0f MHz at %g FLOP/cycle/core (assumed: %s)", num(clk, "implied_mhz"),
               num(clk, "flop_per_cycle_per_core"), str(clk, "assumed"));
        if (isfinite(num(clk, "cpuinfo_mhz"))) printf("; /proc/cpuinfo says %.0f MHz now", num(clk, "cpuinfo_mhz"));
        printf("\n");
    }
    const cJSON *first = cJSON_GetArrayItem(fma, 0);
    const cJSON *pt0 = first ? cJSON_GetObjectItemCaseSensitive(first, "per_threads") : NULL;
    if (pt0) { /* a CPU: one column per ISA, one row per thread count */
        printf("\nGFLOP/s by threads (FLOP = 2 per multiply-add):\n%7s", "threads");
        cJSON_ArrayForEach(e, fma) printf(" %10s%s", str(e, "isa"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "allowed")) ? " " : "*");
        printf(" %11s\n", "sgemm");
        int n = cJSON_GetArraySize(pt0);
        const cJSON *spt = sg ? cJSON_GetObjectItemCaseSensitive(sg, "per_threads") : NULL;
        for (int t = 0; t < n; t++) {
            printf("%7d", t + 1);
            cJSON_ArrayForEach(e, fma) printf(" %10.1f ", num(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "per_threads"), t), "gflops"));
            printf(" %11.1f\n", num(cJSON_GetArrayItem(spt, t), "gflops"));
        }
        printf("(* not allowed by ONEDNN_MAX_CPU_ISA: measured, not the peak; sgemm: %s)\n", str(sg, "library"));
    } else {
        cJSON_ArrayForEach(e, fma) printf("  %-10s %10.1f GFLOP/s  %s\n", str(e, "isa"), num(e, "gflops"), str(e, "kernel"));
        const cJSON *tc = cJSON_GetObjectItemCaseSensitive(doc, "tensor");
        cJSON_ArrayForEach(e, tc) printf("  %-10s %10.1f GFLOP/s  %s, n = %g\n", str(e, "precision"), num(e, "gflops"),
                                         str(e, "routine"), num(e, "n"));
    }
}

static void print_memory(const cJSON *doc)
{
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(doc, "memory"), *e;
    char b1[32], b2[32];
    if (!mem) return;
    printf("\nmemory bandwidth (%s kernels, %g threads):\n", str(mem, "isa"), num(mem, "threads"));
    printf("  %-7s %12s %14s %12s %12s\n", "level", "capacity", "working set", "copy GB/s", "triad GB/s");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(mem, "levels"))
        printf("  %-7s %12s %14s %12.1f %12.1f\n", str(e, "level"), bytes_str(num(e, "capacity_bytes"), b1, sizeof b1),
               bytes_str(num(e, "working_set_bytes"), b2, sizeof b2), num(e, "copy_gbps"), num(e, "triad_gbps"));
    printf("  sweep (working set: level, copy / triad GB/s):");
    int i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(mem, "sweep"))
        printf("%s%s: %s %.0f/%.0f", i++ % 4 ? "; " : "\n    ", bytes_str(num(e, "working_set_bytes"), b1, sizeof b1),
               str(e, "level"), num(e, "copy_gbps"), num(e, "triad_gbps"));
    printf("\n  (%s)\n", str(mem, "kernel"));
    const cJSON *hd = cJSON_GetObjectItemCaseSensitive(doc, "host_device");
    if (hd) {
        printf("\nhost <-> device copies:\n");
        cJSON_ArrayForEach(e, hd) printf("  %-16s %-9s %12s %10.1f GB/s\n", str(e, "direction"), str(e, "host_memory"),
                                         bytes_str(num(e, "bytes"), b1, sizeof b1), num(e, "gbps"));
    }
}

static void print_table(const cJSON *doc)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(doc, "provenance");
    printf("ceilings of %s (%s backend, %s), %g threads, ISA cap %s\n", str(doc, "device"), str(doc, "backend"),
           str(p, "library"), num(doc, "threads"), str(p, "isa_cap"));
    printf("measured on %s, commit %s, %s\n\n", str(p, "host"), str(p, "commit"), str(p, "date"));
    print_compute(doc);
    print_memory(doc);
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *v, *backend = halo_backend_compiled("cpu") ? "cpu" : "ref", *outp = halo_cli_get(cmd, &a, "out");
    struct halo_ceilings_opts o = {.quick = halo_cli_has(cmd, &a, "quick")};
    if ((v = halo_cli_get(cmd, &a, "threads")) && halo_parse_threads("--threads", v, &o.threads) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if ((v = halo_cli_get(cmd, &a, "backend"))) backend = v;
    struct halo_backend_opts bo = {.threads = o.threads};
    struct halo_backend *be = NULL;
    cJSON *doc = NULL;
    enum halo_status st = halo_backend_new(backend, &bo, &be);
    if (st == HALO_OK && isatty(2)) o.progress = progress;
    if (st == HALO_OK) st = halo_backend_ceilings(be, &o, &doc);
    if (o.progress) fprintf(stderr, "\r\033[K");
    if (st == HALO_ERR_UNSUPPORTED)
        halo_error_prefix("--backend %s (this build has: %s)", backend, halo_backend_available());
    if (st == HALO_OK && outp) st = halo_json_save(outp, doc);
    halo_backend_free(be);
    if (st != HALO_OK) {
        cJSON_Delete(doc);
        return halo_cli_fail(cmd, st);
    }
    if (a.format == HALO_FORMAT_JSON) return halo_cli_put_json(cmd, doc);
    print_table(doc);
    if (outp) printf("\nwrote %s\n", outp);
    cJSON_Delete(doc);
    return HALO_EXIT_OK;
}

const struct halo_cli_cmd halo_cmd_ceilings = {
    .name = "ceilings",
    .usage = "[--backend cpu|cuda] [--threads N] [--quick] [-o CEILINGS.json] [--format table|json]",
    .summary = "measure a platform's ceilings: peak FP32 FLOP/s per ISA and threads, bandwidth per memory level",
    .details =
        "cpu: FP32 peak of an FMA kernel for each ISA the CPU has (SSE4.1 as multiply + add, AVX2 + FMA,\n"
        "AVX-512; 12-16 independent accumulators), at every thread count 1..N, one thread per core, and\n"
        "oneDNN's sgemm beside it; STREAM copy and triad (fp32) over working sets from an eighth of L1 to\n"
        "4x the last cache level, each placed in the level (hwloc's cache sizes) it fits; per level the\n"
        "best point (DRAM: the largest working set); the clock the peak implies. ONEDNN_MAX_CPU_ISA\n"
        "caps the ISA of the peak and of the bandwidth kernels, as it caps the backend.\n"
        "cuda: FP32 peak of an FMA kernel and of cuBLAS SGEMM, TF32 and FP16 tensor-core GEMM\n"
        "(cublasGemmEx), device-memory copy and triad over working sets (L2, then device memory),\n"
        "host<->device copies from pinned and pageable memory.\n"
        "FLOP = 2 per multiply-add. Best of several runs after a discarded one; --quick uses smaller\n"
        "sizes and fewer runs (about a second on a CPU: noisier). -o writes the JSON document too;\n"
        "halo bench --ceilings and halo profile read the same object.",
    .opts = (const struct halo_cli_opt[]){
        {"backend", 0, "NAME", "cpu (default when built with oneDNN) or cuda"},
        {"threads", 0, "N", "threads, >= 1: FLOP/s at 1..N, bandwidth at N (default: the cores of the cpuset)"},
        {"quick", 0, NULL, "smaller sizes and fewer runs"},
        {"out", 'o', "F", "also write the JSON document to F"},
        {0}},
    .min_pos = 0,
    .max_pos = 0,
    .run = run,
    .formats = HALO_FORMATS_TABLE_JSON,
};
