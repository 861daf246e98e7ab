/* test_link_obs: a frame's measured messages replayed through the link models. Two messages posted
 * together on one uplink at nominal rates give observations of the nominal rate under either model
 * (the raw post-to-receipt interval gives half); links at half the rate give half; latency is not
 * counted as rate; the messages' order does not matter; bad messages are refused. */
#include "test.h"

#include "partition/link_obs.h"

#define N 3
#define MB 1000000 /* bytes: 80 ms at 100 Mbps */

static double lat0[N * N], bw100[N * N], cap100[N];

static void fill(double *a, int n, double v)
{
    for (int i = 0; i < n; i++) a[i] = v;
}

/* Two 1 MB messages from device 0 posted at 10 ms, to 1 and to 2, on model m: predictions, then
 * the rates a real link that took `scale` times the model's time shows. */
static void shared_uplink(const struct halo_link_model *m, double scale, double want_mbps)
{
    struct halo_link_obs x[2] = {{0, 1, MB, 10, 0}, {0, 2, MB, 10, 0}};
    CHECK_OK(halo_link_predict(m, N, lat0, bw100, cap100, cap100, x, 2));
    if (m == &halo_link_fifo) { /* one after the other on the uplink */
        CHECK_NEAR(x[0].pred_ms, 90, 1e-9);
        CHECK_NEAR(x[1].pred_ms, 170, 1e-9);
    } else { /* half the uplink each, both to the end */
        CHECK_NEAR(x[0].pred_ms, 170, 1e-9);
        CHECK_NEAR(x[1].pred_ms, 170, 1e-9);
    }
    for (int i = 0; i < 2; i++) {
        double recv = x[i].post_ms + scale * (x[i].pred_ms - x[i].post_ms);
        CHECK_NEAR(halo_link_obs_rate(100, 0, x[i].post_ms, x[i].pred_ms, recv), want_mbps, 1e-9);
    }
    /* the raw interval says the second (fifo) or both (fair) ran at half the rate */
    double raw = (double)MB * 8e-3 / (scale * (x[1].pred_ms - x[1].post_ms));
    CHECK_NEAR(raw, want_mbps / 2, 1e-9);
}

static void test_latency(void)
{
    double lat[N * N];
    fill(lat, N * N, 5);
    struct halo_link_obs x = {1, 2, MB / 2, 0, 0};
    CHECK_OK(halo_link_predict(&halo_link_fifo, N, lat, bw100, NULL, NULL, &x, 1));
    CHECK_NEAR(x.pred_ms, 45, 1e-9);
    /* 5 ms of latency, then 80 ms instead of 40: half the rate, not 45/85 of it */
    CHECK_NEAR(halo_link_obs_rate(100, 5, 0, x.pred_ms, 85), 50, 1e-9);
    /* within the latency: nothing to tell */
    CHECK_NEAR(halo_link_obs_rate(100, 5, 0, x.pred_ms, 4), -1, 0);
    CHECK_NEAR(halo_link_obs_rate(100, 5, 0, 5, 40), -1, 0);
}

static void test_order(void)
{
    /* a later message given first: the replay submits by post time, and sets each in place */
    struct halo_link_obs x[3] = {{0, 2, MB, 50, 0}, {0, 1, MB, 0, 0}, {2, 1, MB, 0, 0}};
    CHECK_OK(halo_link_predict(NULL, N, lat0, bw100, cap100, cap100, x, 3));
    /* fifo: 0's uplink carries x[1] (0..80), then x[0] (80..160); 1's downlink x[1] then x[2] */
    CHECK_NEAR(x[1].pred_ms, 80, 1e-9);
    CHECK_NEAR(x[0].pred_ms, 160, 1e-9);
    CHECK_NEAR(x[2].pred_ms, 160, 1e-9);
}

static void test_bad(void)
{
    struct halo_link_obs self = {1, 1, MB, 0, 0}, out = {0, N, MB, 0, 0};
    CHECK_ERR(halo_link_predict(NULL, N, lat0, bw100, NULL, NULL, &self, 1), HALO_ERR_INVALID, "message 0");
    CHECK_ERR(halo_link_predict(NULL, N, lat0, bw100, NULL, NULL, &out, 1), HALO_ERR_INVALID, "message 0");
    double bw[N * N];
    fill(bw, N * N, 0);
    struct halo_link_obs x = {0, 1, MB, 0, 0};
    CHECK_ERR(halo_link_predict(NULL, N, lat0, bw, NULL, NULL, &x, 1), HALO_ERR_INVALID, "rate");
    CHECK_OK(halo_link_predict(NULL, N, lat0, bw100, NULL, NULL, &x, 0));
}

int main(void)
{
    fill(lat0, N * N, 0);
    fill(bw100, N * N, 100);
    fill(cap100, N, 100);
    RUN_CASE("shared uplink fifo nominal", shared_uplink(&halo_link_fifo, 1, 100));
    RUN_CASE("shared uplink fair nominal", shared_uplink(&halo_link_fair, 1, 100));
    RUN_CASE("shared uplink fifo half rate", shared_uplink(&halo_link_fifo, 2, 50));
    RUN_CASE("shared uplink fair half rate", shared_uplink(&halo_link_fair, 2, 50));
    RUN(test_latency);
    RUN(test_order);
    RUN(test_bad);
    return halo_test_done("test_link_obs");
}
