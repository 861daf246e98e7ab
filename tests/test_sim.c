/* Reliability simulation: channel samplers against theory, failure probabilities, Wilson
 * intervals, reproducibility bit for bit. */
#include "core/json.h"
#include "model/zoo.h"
#include "partition/planner.h"
#include "partition/sim.h"
#include "test.h"

#include <math.h>

static struct halo_cluster *cluster(const char *channel)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"schema\": \"halo-cluster/1\", \"name\": \"t\", \"source\": \"cam\", %s%s"
             "\"devices\": [{\"name\": \"cam\", \"uplink_mbps\": 300, \"downlink_mbps\": 300, \"latency_ms\": 0.5},"
             "{\"name\": \"es1\", \"capacity\": {\"gflops\": 40}, \"uplink_mbps\": 300, \"downlink_mbps\": 300},"
             "{\"name\": \"es2\", \"capacity\": {\"gflops\": 40}, \"uplink_mbps\": 300, \"downlink_mbps\": 300},"
             "{\"name\": \"es3\", \"capacity\": {\"gflops\": 30}, \"uplink_mbps\": 200, \"downlink_mbps\": 200}]}",
             channel ? "\"channel\": " : "", channel ? channel : "");
    cJSON *j;
    struct halo_cluster *c = NULL;
    if (halo_json_parse("t.json", text, strlen(text), &j) == HALO_OK) {
        if (halo_cluster_from_json("/tmp/halo-sim-cluster.json", j, &c) != HALO_OK) fprintf(stderr, "%s\n", halo_error_msg());
        cJSON_Delete(j);
    }
    return c;
}

/* Plans dpfp on the cluster for vgg11 at 96x96 and simulates n draws. */
static double *simulate(struct halo_cluster *c, uint64_t seed, int64_t n, double *total)
{
    struct halo_graph *g;
    struct halo_planner_ctx ctx;
    struct halo_plan *p;
    struct halo_channel *ch;
    CHECK_OK(halo_zoo_build_for("vgg11", 96, 96, &g));
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
    CHECK_OK(halo_plan_dpfp(&ctx, &p));
    CHECK_OK(halo_channel_new(c, &ch));
    int map[8];
    CHECK_OK(halo_sim_device_map(p, c, map));
    int *maps[1] = {map};
    double *lat = malloc((size_t)n * sizeof *lat);
    CHECK_OK(halo_sim_run(&p, maps, 1, c, ch, seed, n, lat));
    *total = p->total_ms;
    halo_channel_free(ch);
    halo_plan_free(p);
    halo_planner_ctx_free(&ctx);
    halo_graph_free(g);
    return lat;
}

static void test_static_channel(void)
{
    /* a static channel: every draw is the deterministic latency, so P is exactly 0 or 1 */
    struct halo_cluster *c = cluster(NULL);
    double total;
    double *lat = simulate(c, 7, 1000, &total);
    int64_t above = 0, below = 0;
    for (int i = 0; i < 1000; i++) {
        CHECK(lat[i] == total);
        above += lat[i] > total * (1 - 1e-9);
        below += lat[i] > total * (1 + 1e-9);
    }
    CHECK_EQ(above, 1000);
    CHECK_EQ(below, 0);
    free(lat);
    halo_cluster_free(c);
}

static void test_rayleigh_monotone(void)
{
    struct halo_cluster *c;
    double total;
    /* Rayleigh fading: P(latency > D) is non-increasing in D; seeds reproduce bit for bit */
    c = cluster("{\"model\": \"rayleigh\", \"bandwidth_mhz\": 20, \"snr_db\": 15},");
    const int64_t N = 20000;
    double *a = simulate(c, 42, N, &total), *b = simulate(c, 42, N, &total), *d = simulate(c, 43, N, &total);
    CHECK(memcmp(a, b, (size_t)N * sizeof *a) == 0);
    CHECK(memcmp(a, d, (size_t)N * sizeof *a) != 0);
    double prev = 1.1;
    int spread = 0;
    for (double dl = 0; dl <= 2000; dl += 5) {
        int64_t f = 0;
        for (int64_t i = 0; i < N; i++) f += a[i] > dl;
        double pf = (double)f / N;
        CHECK(pf <= prev);
        spread += pf > 0 && pf < 1;
        prev = pf;
    }
    CHECK(spread > 5); /* fading really spreads the latency */
    free(a);
    free(b);
    free(d);
    halo_cluster_free(c);
}

static void test_rayleigh_sampler(void)
{
    struct halo_cluster *c = cluster("{\"model\": \"rayleigh\", \"bandwidth_mhz\": 20, \"snr_db\": 15},");
    /* the sampler against theory: |h|^2 ~ Exp(1) has mean 1 and variance 1, and the mean rate is
     * W * integral of log2(1 + SNR x) e^-x dx (numerically); tolerances are 4.5 standard errors */
    struct halo_channel *ch;
    CHECK_OK(halo_channel_new(c, &ch));
    const int M = 200000;
    double s1 = 0, s2 = 0, r1 = 0, up[4], down[4];
    for (int i = 0; i < M; i++) {
        struct halo_rng r;
        halo_channel_rng(&r, 9, (uint64_t)i, 0);
        double h2 = halo_rng_exponential(&r);
        s1 += h2;
        s2 += h2 * h2;
        halo_channel_sample(ch, c, 9, (uint64_t)i, up, down);
        r1 += up[1];
    }
    double mean = s1 / M, var = s2 / M - mean * mean;
    CHECK_NEAR(mean, 1.0, 4.5 / sqrt(M));
    CHECK_NEAR(var, 1.0, 4.5 * sqrt(8.0 / M)); /* Var of X^2 for Exp(1) is 20; of the variance ~8/M */
    double snr = pow(10, 1.5), theory = 0, dx = 1e-4;
    for (double x = dx / 2; x < 40; x += dx) theory += 20 * log2(1 + snr * x) * exp(-x) * dx;
    double rate_sd = 20 * 1.3; /* generous bound on the rate's standard deviation (Mbps) */
    CHECK_NEAR(r1 / M, theory, 4.5 * rate_sd / sqrt(M));
    halo_channel_free(ch);
    halo_cluster_free(c);
}

static void test_wilson(void)
{
    /* Wilson intervals: values from the closed form (checked by hand) */
    double lo, hi;
    halo_wilson(0, 100, &lo, &hi);
    CHECK_NEAR(lo, 0.0, 1e-12);
    CHECK_NEAR(hi, 0.036994, 1e-5);
    halo_wilson(50, 100, &lo, &hi);
    CHECK_NEAR(lo, 0.403832, 1e-5);
    CHECK_NEAR(hi, 0.596168, 1e-5);
}

static void test_trace(void)
{
    struct halo_cluster *c;
    struct halo_channel *ch;
    double up[4], down[4];
    /* a trace: rates follow the CSV, draw i at time i * interval */
    FILE *f = fopen("/tmp/halo-sim-trace.csv", "w");
    fputs("time_s,device,up_mbps,down_mbps\n0,es1,100,110\n0,es2,50,60\n2,es1,10,20\n", f);
    fclose(f);
    c = cluster("{\"model\": \"trace\", \"file\": \"/tmp/halo-sim-trace.csv\", \"interval_s\": 1},");
    CHECK_OK(halo_channel_new(c, &ch));
    halo_channel_sample(ch, c, 1, 0, up, down);
    CHECK(up[1] == 100 && down[1] == 110 && up[2] == 50 && up[3] == 200);
    halo_channel_sample(ch, c, 1, 2, up, down);
    CHECK(up[1] == 10 && down[1] == 20 && up[2] == 50);
    halo_channel_sample(ch, c, 1, 3, up, down); /* the trace is 3 s long: draw 3 wraps to time 0 */
    CHECK(up[1] == 100);
    halo_channel_free(ch);
    halo_cluster_free(c);
}

/* A trace written with CRLF line ends, a byte order mark and blank lines reads as the same trace;
 * every draw of a random trace gives each device its latest row at the draw's time (later lines win
 * at equal times), as a scan of the whole trace would (sampling is a binary search per device). */
static void test_trace_random(void)
{
    struct halo_cluster *c;
    struct halo_channel *ch;
    double up[4], down[4];
    FILE *f = fopen("/tmp/halo-sim-trace.csv", "w");
    fputs("\xef\xbb\xbftime_s,device,up_mbps,down_mbps\r\n0,es1,100,110\r\n\r\n# a comment\r\n2,es1,10,20\r\n\r\n", f);
    fclose(f);
    c = cluster("{\"model\": \"trace\", \"file\": \"/tmp/halo-sim-trace.csv\", \"interval_s\": 1},");
    CHECK_OK(halo_channel_new(c, &ch));
    if (ch) {
        halo_channel_sample(ch, c, 1, 2, up, down);
        CHECK(up[1] == 10 && down[1] == 20 && up[2] == 300);
        halo_channel_free(ch);
    }
    halo_cluster_free(c);

    struct halo_rng r;
    halo_rng_seed(&r, 11);
    enum { ROWS = 3000 };
    static double t[ROWS], u[ROWS], dn[ROWS];
    static int dev[ROWS];
    f = fopen("/tmp/halo-sim-trace.csv", "w");
    fputs("time_s,device,up_mbps,down_mbps\n", f);
    for (int i = 0; i < ROWS; i++) {
        t[i] = (double)(halo_rng_u64(&r) % 500) / 4; /* repeated times on purpose */
        dev[i] = 1 + (int)(halo_rng_u64(&r) % 3);
        u[i] = 1 + (double)(halo_rng_u64(&r) % 1000);
        dn[i] = 1 + (double)(halo_rng_u64(&r) % 1000);
        fprintf(f, "%.17g,es%d,%.17g,%.17g\n", t[i], dev[i], u[i], dn[i]);
    }
    fclose(f);
    c = cluster("{\"model\": \"trace\", \"file\": \"/tmp/halo-sim-trace.csv\", \"interval_s\": 0.37},");
    CHECK_OK(halo_channel_new(c, &ch));
    int bad = 0;
    for (uint64_t draw = 0; ch && draw < 2000; draw++) {
        halo_channel_sample(ch, c, 1, draw, up, down);
        double at = fmod((double)draw * 0.37, ch->period_s), want_up[4], want_down[4], best[4];
        for (int d = 0; d < 4; d++) {
            want_up[d] = c->dev[d].up_mbps;
            want_down[d] = c->dev[d].down_mbps;
            best[d] = -1;
        }
        for (int i = 0; i < ROWS; i++) /* the latest row at or before `at`, the later line on a tie */
            if (t[i] <= at && t[i] >= best[dev[i]]) {
                best[dev[i]] = t[i];
                want_up[dev[i]] = u[i];
                want_down[dev[i]] = dn[i];
            }
        for (int d = 0; d < 4; d++) bad += up[d] != want_up[d] || down[d] != want_down[d];
    }
    CHECK_EQ(bad, 0);
    halo_channel_free(ch);
    halo_cluster_free(c);
}

static void test_channel_errors(void)
{
    struct halo_cluster *c;
    struct halo_channel *ch;
    c = cluster("{\"model\": \"rayleigh\", \"bandwidth_mhz\": 20},");
    CHECK_ERR(halo_channel_new(c, &ch), HALO_ERR_INVALID, "channel.snr_db: missing");
    halo_cluster_free(c);
    c = cluster("{\"model\": \"fading\"},");
    CHECK_ERR(halo_channel_new(c, &ch), HALO_ERR_INVALID, "channel.model: 'fading': expected static, rayleigh or trace");
    halo_cluster_free(c);
}

int main(void)
{
    RUN(test_static_channel);
    RUN(test_rayleigh_monotone);
    RUN(test_rayleigh_sampler);
    RUN(test_wilson);
    RUN(test_trace);
    RUN(test_trace_random);
    RUN(test_channel_errors);
    return halo_test_done("test_sim");

}
