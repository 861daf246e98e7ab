/* Core: parsers of user input, rects, seeded RNG, statistics, JSON field errors. */
#include "core/json.h"
#include "core/parse.h"
#include "core/rng.h"
#include "core/clock.h"
#include "core/tensor.h"
#include "test.h"

static void test_parse(void)
{
    int h, w, n;
    CHECK_OK(halo_parse_size("--input", "225x317", &h, &w));
    CHECK(h == 225 && w == 317);
    CHECK_OK(halo_parse_size("--input", "64", &h, &w));
    CHECK(h == 64 && w == 64);
    CHECK_ERR(halo_parse_size("--input", "224x", &h, &w), HALO_ERR_INVALID, "--input: '224x': expected HxW");
    CHECK_ERR(halo_parse_size("--input", "x224", &h, &w), HALO_ERR_INVALID, "expected HxW");
    CHECK_ERR(halo_parse_size("--input", "-3x4", &h, &w), HALO_ERR_INVALID, "expected HxW");
    CHECK_ERR(halo_parse_size("--input", "0x4", &h, &w), HALO_ERR_INVALID, "must be in [1, 65536]");
    CHECK_ERR(halo_parse_size("--input", "99999999999x4", &h, &w), HALO_ERR_INVALID, "must be in");
    CHECK_ERR(halo_parse_size("--input", "", &h, &w), HALO_ERR_INVALID, "missing value");
    CHECK_ERR(halo_parse_size("--input", "12 x 4", &h, &w), HALO_ERR_INVALID, "expected HxW");
    long l;
    CHECK_ERR(halo_parse_long("--repeat", "3.5", 1, 10, &l), HALO_ERR_INVALID, "expected an integer");
    CHECK_ERR(halo_parse_long("--repeat", "0", 1, 10, &l), HALO_ERR_INVALID, "must be in [1, 10]");
    double d;
    CHECK_ERR(halo_parse_double("--bw", "nan", 0, 10, &d), HALO_ERR_INVALID, "expected a number");
    CHECK_ERR(halo_parse_double("--bw", "1e999", 0, 10, &d), HALO_ERR_INVALID, "expected a number");
    int *iv;
    CHECK_OK(halo_parse_int_list("--rows", "3,4,5", 1, 100, &iv, &n));
    CHECK(n == 3 && iv[0] == 3 && iv[2] == 5);
    free(iv);
    CHECK_ERR(halo_parse_int_list("--rows", "3,,5", 1, 100, &iv, &n), HALO_ERR_INVALID, "empty item 2");
    CHECK_ERR(halo_parse_int_list("--rows", "3,x", 1, 100, &iv, &n), HALO_ERR_INVALID, "'x'");
    CHECK_ERR(halo_parse_int_list("--rows", "3,", 1, 100, &iv, &n), HALO_ERR_INVALID, "empty item 2");
    char **sv;
    CHECK_OK(halo_parse_str_list("--models", "resnet50,vgg16", &sv, &n));
    CHECK(n == 2);
    CHECK_STR(sv[1], "vgg16");
    halo_strlist_free(sv, n);
}

static void test_rect(void)
{
    struct halo_rect a = {0, 10, 0, 5}, b = {5, 20, 2, 8};
    struct halo_rect i = halo_rect_intersect(a, b), u = halo_rect_union(a, b);
    CHECK(i.y0 == 5 && i.y1 == 10 && i.x0 == 2 && i.x1 == 5);
    CHECK(u.y0 == 0 && u.y1 == 20 && u.x0 == 0 && u.x1 == 8);
    CHECK(halo_rect_empty(halo_rect_intersect(a, (struct halo_rect){10, 12, 0, 5})));
    CHECK(halo_rect_contains(u, a) && !halo_rect_contains(a, b));
}

static void test_rng(void)
{
    struct halo_rng r1, r2;
    halo_rng_seed(&r1, 7);
    halo_rng_seed(&r2, 7);
    for (int k = 0; k < 100; k++) CHECK_EQ(halo_rng_u64(&r1), halo_rng_u64(&r2));
    double mean = 0, var = 0;
    const int N = 200000;
    for (int k = 0; k < N; k++) {
        double x = halo_rng_normal(&r1);
        mean += x;
        var += x * x;
    }
    mean /= N;
    var = var / N - mean * mean;
    CHECK_NEAR(mean, 0.0, 0.01); /* 4.5 standard errors */
    CHECK_NEAR(var, 1.0, 0.015);
}

static void test_stats(void)
{
    double v[] = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
    struct halo_stats s = halo_stats_of(v, 10);
    CHECK(s.min == 1 && s.max == 10 && s.median == 5.5 && s.p90 == 9);
}

static void test_json_errors(void)
{
    double d;
    cJSON *j;
    const char *text = "{\"devices\": [{\"name\": \"es1\", \"bandwidth_mbps\": -5}], \"x\": 1}";
    CHECK_OK(halo_json_parse("c.json", text, strlen(text), &j));
    const cJSON *dev = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "devices"), 0);
    CHECK_ERR(halo_json_num("c.json", dev, "devices[0]", "bandwidth_mbps", true, 1e-9, 1e9, &d),
              HALO_ERR_INVALID, "c.json: devices[0].bandwidth_mbps: -5 is out of range");
    CHECK_ERR(halo_json_num("c.json", dev, "devices[0]", "latency_ms", true, 0, 1e9, &d), HALO_ERR_INVALID,
              "c.json: devices[0].latency_ms: missing");
    const char *str;
    CHECK_ERR(halo_json_str("c.json", j, "", "x", true, &str), HALO_ERR_INVALID, "c.json: x: must be a string");
    static const char *const allowed[] = {"devices", NULL};
    CHECK_ERR(halo_json_known_keys("c.json", j, "", allowed), HALO_ERR_INVALID, "c.json: x: unknown field");
    cJSON_Delete(j);
    CHECK_ERR(halo_json_parse("c.json", "{\n  \"a\": [1,\n}", 14, &j), HALO_ERR_PARSE, "c.json: line 3, column 1: invalid JSON");
    CHECK_ERR(halo_json_load("/nonexistent/x.json", &j), HALO_ERR_IO, "/nonexistent/x.json: cannot open");
}

int main(void)
{
    RUN(test_parse);
    RUN(test_rect);
    RUN(test_rng);
    RUN(test_stats);
    RUN(test_json_errors);
    return halo_test_done("test_core");
}
