/* The cpu backend's ceilings (quick sizes): the document's structure, and sanity that does not
 * depend on how busy the machine is — peaks > 0, the library's sgemm no faster than ~1.1x the FMA
 * kernel, one FMA entry per ISA the CPU has with a figure per thread count, the memory levels
 * those of hwloc plus DRAM, L1 bandwidth >= DRAM's, every sweep point in a level; and a backend
 * without ceilings says so. The ratio to an independent FMA measurement is test_cli_ceilings'. */
#include "core/topology.h"
#include "exec/backend.h"
#include "test.h"

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void test_cpu(void)
{
    struct halo_backend *be;
    struct halo_backend_opts bo = {.threads = 0};
    enum halo_status st = halo_backend_new("cpu", &bo, &be);
    if (st != HALO_OK) {
        SKIP_CASE("no cpu backend in this build: %s", halo_error_msg());
        return;
    }
    int threads = halo_backend_threads(be);
    struct halo_ceilings_opts o = {.quick = true};
    cJSON *doc = NULL;
    CHECK_OK(halo_backend_ceilings(be, &o, &doc));
    halo_backend_free(be);
    if (!doc) return;
    CHECK_STR(str(doc, "schema"), HALO_CEILINGS_SCHEMA);
    CHECK_STR(str(doc, "backend"), "cpu");
    CHECK_EQ((int)num(doc, "threads"), threads);
    double peak = num(doc, "peak_gflops"), sgemm = num(doc, "sgemm_gflops");
    CHECK_MSG(peak > 0, "peak %g", peak);
    CHECK_MSG(sgemm > 0 && sgemm <= 1.1 * peak, "sgemm %.1f GFLOP/s vs FMA peak %.1f", sgemm, peak);
    /* one entry per ISA, a figure per thread count; the peak is the widest allowed ISA's */
    const cJSON *fma = cJSON_GetObjectItemCaseSensitive(doc, "fma"), *e;
    CHECK(cJSON_GetArraySize(fma) >= 1);
    bool found = false;
    cJSON_ArrayForEach(e, fma)
    {
        const cJSON *pt = cJSON_GetObjectItemCaseSensitive(e, "per_threads");
        CHECK_EQ(cJSON_GetArraySize(pt), threads);
        CHECK_MSG(num(cJSON_GetArrayItem(pt, 0), "gflops") > 0, "%s at 1 thread", str(e, "isa"));
        CHECK(num(e, "flop_per_cycle_per_core") > 0 && num(e, "implied_mhz") > 0);
        if (!strcmp(str(e, "isa"), str(doc, "isa"))) {
            found = true;
            CHECK_NEAR(num(cJSON_GetArrayItem(pt, threads - 1), "gflops"), peak, 0);
        }
    }
    CHECK_MSG(found, "no FMA entry for the peak's ISA %s", str(doc, "isa"));
    const cJSON *sg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "sgemm"), "per_threads");
    CHECK_EQ(cJSON_GetArraySize(sg), threads);
    /* the levels: hwloc's data caches, then DRAM; capacities grow; L1 at least as fast as DRAM */
    struct halo_topology *t;
    struct halo_cache_level c[8];
    int nc = 0;
    CHECK_OK(halo_topology_load_cpus(&t));
    if (t) nc = halo_topology_caches(t, c, 8);
    halo_topology_free(t);
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(doc, "memory");
    const cJSON *levels = cJSON_GetObjectItemCaseSensitive(mem, "levels");
    int nl = cJSON_GetArraySize(levels);
    CHECK_MSG(nl == nc + 1, "%d memory levels for hwloc's %d caches + DRAM", nl, nc);
    for (int i = 0; i < nl && i < nc + 1; i++) {
        const cJSON *l = cJSON_GetArrayItem(levels, i);
        char want[8];
        snprintf(want, sizeof want, i < nc ? "L%d" : "DRAM", i < nc ? c[i].level : 0);
        CHECK_STR(str(l, "level"), want);
        CHECK(num(l, "triad_gbps") > 0 && num(l, "copy_gbps") > 0 && num(l, "working_set_bytes") > 0);
        if (i < nc) CHECK_MSG(num(l, "working_set_bytes") <= num(l, "capacity_bytes"), "level %s", want);
        else CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(l, "capacity_bytes")));
    }
    if (nl >= 2) {
        double l1 = num(cJSON_GetArrayItem(levels, 0), "triad_gbps"), dram = num(cJSON_GetArrayItem(levels, nl - 1), "triad_gbps");
        CHECK_MSG(l1 >= dram, "L1 triad %.1f GB/s below DRAM's %.1f", l1, dram);
        printf("peak %.1f GFLOP/s (%s, %d threads), sgemm %.1f; triad L1 %.1f GB/s, DRAM %.1f GB/s\n", peak,
               str(doc, "isa"), threads, sgemm, l1, dram);
    }
    const cJSON *sweep = cJSON_GetObjectItemCaseSensitive(mem, "sweep");
    double last = 0;
    cJSON_ArrayForEach(e, sweep)
    {
        CHECK(num(e, "working_set_bytes") > last);
        last = num(e, "working_set_bytes");
        CHECK(*str(e, "level"));
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(doc, "provenance");
    CHECK(*str(p, "cpu_model") && *str(p, "commit") && *str(p, "date") && *str(p, "library"));
    cJSON_Delete(doc);
}

static void test_ref_has_none(void)
{
    struct halo_backend *be;
    CHECK_OK(halo_backend_new("ref", NULL, &be));
    cJSON *doc = NULL;
    CHECK_ERR(halo_backend_ceilings(be, NULL, &doc), HALO_ERR_UNSUPPORTED, "the ref backend measures no ceilings");
    CHECK(doc == NULL);
    halo_backend_free(be);
}

int main(void)
{
    RUN(test_cpu);
    RUN(test_ref_has_none);
    return halo_test_done("test_ceilings");
}
