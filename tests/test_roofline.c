/* The roofline (profile/roofline.c) on hand-made numbers: reading a roof from ceilings (and the
 * errors of a bad one), the bytes a node moves, a layer's place under the roof (level, bound,
 * attainable, efficiency, above the roof and why), the roofline predictor on a two-node graph, and
 * a profile's ceilings through save and load. Every expected value is worked out by hand below. */
#include "core/alloc.h"
#include "model/count.h"
#include "model/zoo.h"
#include "profile/profile.h"
#include "profile/roofline.h"
#include "test.h"

#include <unistd.h>

/* peak 100 GFLOP/s at 2 threads (the avx2 kernel reached 60 at 1); L1 1000 bytes at 400 GB/s,
 * L2 1e6 bytes at 200 GB/s, DRAM 20 GB/s */
static const char *const CEIL =
    "{\"schema\": \"halo-ceilings/1\", \"backend\": \"cpu\", \"device\": \"hand-made\", \"threads\": 2,"
    " \"isa\": \"avx2\", \"peak_gflops\": 100, \"sgemm_gflops\": 90,"
    " \"fma\": [{\"isa\": \"avx2\", \"per_threads\": [{\"threads\": 1, \"gflops\": 60}, {\"threads\": 2, \"gflops\": 100}]}],"
    " \"memory\": {\"levels\": ["
    "  {\"level\": \"L1\", \"capacity_bytes\": 1000, \"triad_gbps\": 400},"
    "  {\"level\": \"L2\", \"capacity_bytes\": 1000000, \"triad_gbps\": 200},"
    "  {\"level\": \"DRAM\", \"capacity_bytes\": null, \"triad_gbps\": 20}]}}";

#define REL(a, b) CHECK_NEAR((a) / (b), 1.0, 1e-14)

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    CHECK(j != NULL);
    return j;
}

static void test_read_roof(void)
{
    cJSON *j = parse(CEIL);
    struct halo_roof r;
    CHECK_OK(halo_roof_from_json("c.json", "ceilings", j, 0, &r));
    CHECK_EQ(r.n_levels, 3);
    CHECK_EQ(r.threads, 2);
    CHECK_NEAR(r.peak_gflops, 100, 0);
    CHECK_STR(r.levels[1].name, "L2");
    CHECK_NEAR(r.levels[1].capacity_bytes, 1e6, 0);
    CHECK_NEAR(r.levels[2].capacity_bytes, 0, 0);
    CHECK_NEAR(r.levels[2].gbps, 20, 0);
    halo_roof_free(&r);
    /* one thread: the FMA kernel's figure at 1 thread; 3 threads were not measured: the peak */
    CHECK_OK(halo_roof_from_json("c.json", "ceilings", j, 1, &r));
    CHECK_NEAR(r.peak_gflops, 60, 0);
    CHECK_EQ(r.threads, 1);
    halo_roof_free(&r);
    CHECK_OK(halo_roof_from_json("c.json", "ceilings", j, 3, &r));
    CHECK_NEAR(r.peak_gflops, 100, 0);
    CHECK_EQ(r.threads, 2);
    halo_roof_free(&r);
    cJSON_Delete(j);
}

/* Each bad document and the field its error must name. */
static void test_bad_roofs(void)
{
    static const struct {
        const char *from, *to, *msg;
    } cases[] = {
        {"halo-ceilings/1", "halo-ceilings/9", "c.json: ceilings.schema: 'halo-ceilings/9' is not supported"},
        {"\"peak_gflops\": 100", "\"peak_gflops\": 0", "c.json: ceilings.peak_gflops: 0 is out of range"},
        {"\"peak_gflops\": 100", "\"peak\": 100", "c.json: ceilings.peak_gflops: missing"},
        {"\"capacity_bytes\": null", "\"capacity_bytes\": 5e6", "ceilings.memory.levels[2].capacity_bytes: the last level"},
        {"\"capacity_bytes\": 1000000", "\"capacity_bytes\": 900", "ceilings.memory.levels[1].capacity_bytes: must be larger"},
        {"\"triad_gbps\": 200", "\"triad_gbps\": \"fast\"", "ceilings.memory.levels[1].triad_gbps: must be a number"},
        {"\"memory\"", "\"mem\"", "c.json: ceilings.memory: missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *at = strstr(CEIL, cases[i].from);
        CHECK(at != NULL);
        if (!at) continue;
        char text[2048];
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - CEIL), CEIL, cases[i].to, at + strlen(cases[i].from));
        cJSON *j = parse(text);
        struct halo_roof r;
        CHECK_ERR(halo_roof_from_json("c.json", "ceilings", j, 0, &r), HALO_ERR_INVALID, cases[i].msg);
        cJSON_Delete(j);
    }
}

static void test_points(void)
{
    cJSON *j = parse(CEIL);
    struct halo_roof r;
    CHECK_OK(halo_roof_from_json("c.json", "ceilings", j, 0, &r));
    cJSON_Delete(j);
    struct halo_roofline l;
    /* 2e6 FLOP over 5e5 bytes: fits L2 (200 GB/s); 4 FLOP/byte x 200 = 800 > 100: compute-bound,
     * attainable 100, roof 2e6 / 1e8 = 0.02 ms; measured 0.04 ms: achieved 50, efficiency 0.5 */
    halo_roofline_point(&r, 2e6, 5e5, 0.04, "brgconv:avx2", &l);
    CHECK_EQ(l.level, 1);
    REL(l.intensity, 4);
    REL(l.bandwidth_gbps, 200);
    CHECK(l.compute_bound);
    REL(l.attainable_gflops, 100);
    REL(l.roof_ms, 0.02);
    REL(l.achieved_gflops, 50);
    REL(l.achieved_gbps, 12.5);
    REL(l.efficiency, 0.5);
    CHECK(!l.above_roof && l.reason == HALO_ABOVE_NONE);
    /* 1e3 FLOP over 4e6 bytes: beyond L2, DRAM at 20 GB/s: roof 4e6 / 2e10 s = 0.2 ms,
     * memory-bound, attainable 1e3 / 2e-4 s = 5e6 FLOP/s = 0.005 GFLOP/s */
    halo_roofline_point(&r, 1e3, 4e6, 0.4, NULL, &l);
    CHECK_EQ(l.level, 2);
    CHECK(!l.compute_bound);
    REL(l.roof_ms, 0.2);
    REL(l.attainable_gflops, 0.005);
    REL(l.efficiency, 0.5);
    /* a working set of exactly L1's capacity fits L1 */
    halo_roofline_point(&r, 0, 1000, 0, NULL, &l);
    CHECK_EQ(l.level, 0);
    REL(l.roof_ms, 1000 / 400e6);
    CHECK_NEAR(l.efficiency, 0, 0); /* not measured */
    /* above the roof: Winograd explains any margin; without it 5 % is noise, more is unexplained */
    halo_roofline_point(&r, 2e6, 5e5, 0.01, "jit:avx2 WINOGRAD", &l);
    CHECK(l.above_roof && l.reason == HALO_ABOVE_WINOGRAD);
    REL(l.efficiency, 2);
    halo_roofline_point(&r, 2e6, 5e5, 0.02 / 1.04, "brgconv", &l);
    CHECK(l.above_roof && l.reason == HALO_ABOVE_NOISE);
    /* memory-bound in DRAM (4e6 bytes: roof 0.2 ms) yet 0.1 ms: L2's roof (4e6 / 2e11 s = 0.02 ms) is
     * not beaten, so part of it was still in L2; 0.01 ms beats that too: unexplained */
    halo_roofline_point(&r, 1e3, 4e6, 0.1, NULL, &l);
    CHECK(l.above_roof && l.reason == HALO_ABOVE_CACHED);
    halo_roofline_point(&r, 1e3, 4e6, 0.01, NULL, &l);
    CHECK(l.above_roof && l.reason == HALO_ABOVE_UNEXPLAINED);
    halo_roofline_point(&r, 2e6, 5e5, 0.02 / 1.5, "brgconv", &l);
    CHECK(l.above_roof && l.reason == HALO_ABOVE_UNEXPLAINED); /* compute-bound: no faster level helps */
    cJSON *o = halo_roofline_json(&r, &l);
    CHECK(o && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "above_roof")));
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(o, "reason")->valuestring, "unexplained");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(o, "level")->valuestring, "L2");
    cJSON_Delete(o);
    halo_roof_free(&r);
}

/* conv 3->8, 3x3, pad 1, bias, on 3 x 10 x 10, then ReLU and flatten. */
static struct halo_graph *tiny(void)
{
    struct halo_graph *g = halo_graph_new("tiny", 3);
    int c = halo_graph_conv(g, "conv", HALO_INPUT, 3, 8, 3, 1, 1, 1, 1, true);
    int r = halo_graph_act(g, HALO_OP_RELU, "relu", c);
    halo_graph_flatten(g, "flatten", r);
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 10, 10));
    return g;
}

static void test_bytes_and_predictor(void)
{
    struct halo_graph *g = tiny();
    /* conv: weights 8*3*9 + bias 8 = 224, input 300, output 800: 1324 floats; relu: 800 in, 800 out */
    CHECK_NEAR(halo_roofline_node_bytes(g, 0), 4.0 * 1324, 0);
    CHECK_NEAR(halo_roofline_node_bytes(g, 1), 4.0 * 1600, 0);
    CHECK_NEAR(halo_roofline_node_bytes(g, 2), 0, 0);
    cJSON *j = parse(CEIL);
    struct halo_roof r;
    CHECK_OK(halo_roof_from_json("c.json", "ceilings", j, 0, &r));
    cJSON_Delete(j);
    /* conv: 2 * 8*27*100 = 43200 FLOP, 5296 bytes (L2, 200 GB/s): max(43200 / 1e8, 5296 / 2e8) ms =
     * 4.32e-4 ms; relu: 6400 bytes (L2): 3.2e-5 ms; flatten: 0 */
    CHECK_EQ(halo_count_node(g, 0).macs, 21600);
    REL(halo_roofline_predict_ms(&r, g), 4.32e-4 + 3.2e-5);
    /* resnet18's stem conv at 224x224: weights 64*3*49, input 3*224^2, output 64*112^2 */
    struct halo_graph *rn;
    CHECK_OK(halo_zoo_build_for("resnet18", 224, 224, &rn));
    if (rn) CHECK_NEAR(halo_roofline_node_bytes(rn, 0), 4.0 * (9408 + 150528 + 802816), 0);
    halo_graph_free(rn);
    halo_roof_free(&r);
    halo_graph_free(g);
}

/* A measured profile of the tiny graph's layers with ceilings: saved with a roofline per layer,
 * loaded back with the same ceilings; without ceilings it still loads. */
static void test_profile_round_trip(void)
{
    char path[] = "/tmp/halo_test_roofline_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    const char *doc_fmt =
        "{\"schema\": \"halo-profile/1\", \"name\": \"t\", \"platform\": {\"backend\": \"cpu\", \"threads\": 2},"
        " \"models\": [{\"model\": \"resnet18\", \"input\": [2, 2], \"latency_ms\": {\"median\": 1},"
        "  \"layers\": [{\"node\": \"conv1\", \"index\": 0, \"op\": \"conv\", \"class\": \"conv_strided\", \"macs\": 9408,"
        "   \"bytes\": 5296, \"time_ms\": {\"median\": 0.00037632}, \"impl\": \"brgconv\"}]}]%s%s}";
    char text[4096];
    snprintf(text, sizeof text, doc_fmt, ", \"ceilings\": ", CEIL);
    cJSON *j = parse(text);
    struct halo_profile *p = NULL, *q = NULL;
    CHECK_OK(halo_profile_from_json("p.json", j, &p));
    cJSON_Delete(j);
    if (!p) return;
    CHECK(p->ceilings != NULL);
    CHECK_NEAR(p->models[0].layers[0].bytes, 5296, 0);
    CHECK_OK(halo_profile_save(p, path));
    CHECK_OK(halo_profile_load(path, &q));
    if (q) {
        CHECK(cJSON_Compare(p->ceilings, q->ceilings, 1));
        CHECK_NEAR(q->models[0].layers[0].bytes, 5296, 0);
    }
    /* the saved layer carries its roofline (a profile's layers are its model's nodes: resnet18's
     * conv1 at 2x2 computes one output pixel, 9408 MACs): 18816 FLOP / 5296 B in L2: roof
     * 1.8816e-4 ms, measured 3.7632e-4 ms: efficiency 0.5, compute-bound */
    cJSON *saved = NULL;
    FILE *f = fopen(path, "r");
    if (f) {
        char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        saved = cJSON_Parse(buf);
    }
    const cJSON *layer = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(saved, "models"), 0), "layers"), 0);
    const cJSON *rl = cJSON_GetObjectItemCaseSensitive(layer, "roofline");
    CHECK(rl != NULL);
    if (rl) {
        REL(cJSON_GetObjectItemCaseSensitive(rl, "efficiency")->valuedouble, 0.5);
        REL(cJSON_GetObjectItemCaseSensitive(rl, "roof_ms")->valuedouble, 1.8816e-4);
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(rl, "bound")->valuestring, "compute");
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(rl, "level")->valuestring, "L2");
    }
    cJSON_Delete(saved);
    halo_profile_free(q);
    halo_profile_free(p);
    /* without ceilings: valid, nothing invented */
    snprintf(text, sizeof text, doc_fmt, "", "");
    j = parse(text);
    CHECK_OK(halo_profile_from_json("p.json", j, &p));
    cJSON_Delete(j);
    CHECK(p && !p->ceilings);
    halo_profile_free(p);
    /* a broken ceilings section is an error that names it */
    snprintf(text, sizeof text, doc_fmt, ", \"ceilings\": ", "{\"schema\": \"halo-ceilings/1\"}");
    j = parse(text);
    CHECK_ERR(halo_profile_from_json("p.json", j, &p), HALO_ERR_INVALID, "p.json: ceilings.threads: missing");
    cJSON_Delete(j);
    unlink(path);
}

int main(void)
{
    RUN(test_read_roof);
    RUN(test_bad_roofs);
    RUN(test_points);
    RUN(test_bytes_and_predictor);
    RUN(test_profile_round_trip);
    return halo_test_done("test_roofline");
}
