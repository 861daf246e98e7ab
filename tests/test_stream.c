/* Streams through the cost model (partition/timeline): a hand-built two-ES pipeline whose latency
 * and period are computed by hand — frames as fast as possible, one frame in flight, periodic
 * arrivals below capacity — and the rules (admission, oldest frame first, busy times, bad input);
 * the same pipeline through the stream evaluation (partition/stream_eval) and the objectives;
 * plan variants (a round robin built by hand: its file round trip, validation, rotation, period);
 * arrivals; the period bound against every planner's simulated stream. */
#include "core/json.h"
#include "model/graph.h"
#include "model/zoo.h"
#include "partition/planner.h"
#include "partition/stream_eval.h"
#include "partition/stream_stats.h"
#include "partition/timeline.h"
#include "test.h"
#include "test_cluster.h"

#include <math.h>
#include <string.h>

/* conv-relu-conv-relu, then global pool, flatten, linear: two spatial stages and a tail */
static struct halo_graph *two_stage_graph(void)
{
    struct halo_graph *g = halo_graph_new("two", 3);
    int x = halo_graph_conv(g, "c1", HALO_INPUT, 3, 8, 3, 1, 1, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "r1", x);
    x = halo_graph_conv(g, "c2", x, 8, 8, 3, 1, 1, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "r2", x);
    x = halo_graph_adaptive_avgpool(g, "pool", x, 1, 1);
    x = halo_graph_flatten(g, "flat", x);
    halo_graph_linear(g, "fc", x, 8, 10, true);
    return g;
}

struct pipe {
    struct halo_graph *g;
    struct halo_cluster *c;
    struct halo_planner_ctx ctx;
    struct halo_plan *p;
    double t_img, t_mid, t_res; /* the three transfers, ms */
};

#define C1_MS 10.0 /* block 0 on es1 */
#define C2_MS 6.0  /* block 1 on es2 */
#define CT_MS 1.0  /* the tail on es2 */
#define LAT_MS 2.0

/* Block 0 (stage 0) on es1, block 1 (stage 1) on es2, the tail on es2; every link LAT_MS and
 * 100 Mbps; compute times set by hand. Each transfer is LAT_MS + bytes * 8e-3 / 100. */
static bool pipe_build(struct pipe *t)
{
    memset(t, 0, sizeof *t);
    t->g = two_stage_graph();
    if (!t->g || halo_graph_finalize(t->g) != HALO_OK || halo_graph_infer(t->g, 16, 16) != HALO_OK) return false;
    CHECK_EQ(t->g->n_spatial, 2);
    double gf[2] = {10, 10}, bw[2] = {100, 100};
    t->c = test_cluster(2, gf, NULL, bw, 100, 0);
    if (!t->c || halo_planner_ctx_init(&t->ctx, t->g, t->c, (struct halo_planner_opts){0}) != HALO_OK) return false;
    int es[2] = {1, 2}, d1 = 1, d2 = 2;
    struct halo_rect full = halo_rect_full(halo_stage_out_shape(t->g, 0));
    if (halo_planner_plan_new(&t->ctx, "pipe", es, 2, &t->p) != HALO_OK ||
        halo_plan_add_block(t->p, t->g, 0, 1, HALO_TILE_EXACT, false, 1, &d1, &full) != HALO_OK ||
        halo_plan_add_block(t->p, t->g, 1, 2, HALO_TILE_EXACT, false, 1, &d2, &full) != HALO_OK ||
        halo_planner_finish(&t->ctx, t->p, es, 2) != HALO_OK) {
        fprintf(stderr, "pipeline plan: %s\n", halo_error_msg());
        return false;
    }
    struct halo_plan *p = t->p;
    p->block[0].part[0].compute_ms = C1_MS;
    p->block[1].part[0].compute_ms = C2_MS;
    p->tail.compute_ms = CT_MS;
    for (int i = 0; i < p->n_dev * p->n_dev; i++) {
        p->lat_ms[i] = LAT_MS;
        p->bw_mbps[i] = 100;
    }
    if (halo_plan_simulate(p, t->g) != HALO_OK) return false;
    const struct halo_sched *s = &p->sched;
    /* image -> es1, es1 -> es2, the tail's input (a local copy on es2), logits es2 -> source */
    CHECK_EQ(s->n_msg, 4);
    CHECK_EQ(s->n_wire, 3);
    CHECK(s->msg[2].from == 2 && s->msg[2].to == 2);
    t->t_img = LAT_MS + (double)s->msg[0].bytes * 8e-3 / 100;
    t->t_mid = LAT_MS + (double)s->msg[1].bytes * 8e-3 / 100;
    t->t_res = LAT_MS + (double)s->msg[3].bytes * 8e-3 / 100;
    return true;
}

static void pipe_free(struct pipe *t)
{
    halo_plan_free(t->p);
    halo_planner_ctx_free(&t->ctx);
    halo_cluster_free(t->c);
    halo_graph_free(t->g);
}

static enum halo_status stream(const struct pipe *t, int n, const double *arrival, int inflight, double *admit,
                               double *done, double *busy)
{
    const struct halo_plan *plans[1] = {t->p};
    const struct halo_sched *scheds[1] = {&t->p->sched};
    struct halo_stream_in in = {.plans = plans, .scheds = scheds, .n_var = 1, .n_frames = n, .arrival_ms = arrival,
                                .inflight = inflight};
    struct halo_stream_out out = {.admit_ms = admit, .done_ms = done, .compute_busy_ms = busy};
    return halo_stream_run(&in, &out);
}

static void test_hand_pipeline(void)
{
    struct pipe t;
    if (!pipe_build(&t)) {
        CHECK(!"pipeline plan built");
        pipe_free(&t);
        return;
    }
    /* one frame: the transfers and computations one after another */
    double latency = t.t_img + C1_MS + t.t_mid + C2_MS + CT_MS + t.t_res;
    CHECK_NEAR(t.p->total_ms, latency, 1e-9);
    CHECK(t.t_img < C1_MS && t.t_mid < C1_MS && t.t_res < C1_MS && C2_MS + CT_MS < C1_MS);

    /* as fast as possible, no bound in flight: a flow shop whose bottleneck is es1's 10 ms, so
     * frame k is done at t_img + 10 (k + 1) + t_mid + c2 + ct + t_res: period 10 ms */
    enum { N = 12 };
    double admit[N], done[N], busy[3];
    CHECK_OK(stream(&t, N, NULL, 0, admit, done, busy));
    for (int k = 0; k < N; k++) {
        CHECK_NEAR(admit[k], 0, 0);
        CHECK_NEAR(done[k], latency + C1_MS * k, 1e-9);
    }
    struct halo_stream_stats st;
    CHECK_OK(halo_stream_stats(NULL, admit, done, N, 2, latency + 25, &st));
    CHECK_NEAR(st.period_ms, C1_MS, 1e-9); /* the bottleneck */
    CHECK_NEAR(st.throughput_fps, 100, 1e-6);
    CHECK_NEAR(st.latency_p50_ms, latency + C1_MS * 5, 1e-9); /* nearest rank: the 6th of 12 */
    CHECK_NEAR(st.latency_max_ms, latency + C1_MS * (N - 1), 1e-9);
    CHECK_NEAR(st.queue_max_ms, 0, 0);
    CHECK_EQ(st.deadline_misses, N - 3); /* frames 3.. exceed latency + 25 ms */
    CHECK_NEAR(busy[1], N * C1_MS, 1e-9);
    CHECK_NEAR(busy[2], N * (C2_MS + CT_MS), 1e-9);
    CHECK_NEAR(busy[0], 0, 0);

    /* one frame in flight: one after another, period = latency; frame k waits k * latency */
    CHECK_OK(stream(&t, N, NULL, 1, admit, done, NULL));
    CHECK_OK(halo_stream_stats(NULL, admit, done, N, -1, 0, &st));
    CHECK_NEAR(st.period_ms, latency, 1e-9);
    CHECK_NEAR(st.inference_p50_ms, latency, 1e-9); /* queueing apart */
    CHECK_NEAR(st.queue_max_ms, latency * (N - 1), 1e-9);
    CHECK_EQ(st.warmup, 1);
    for (int k = 0; k < N; k++) {
        CHECK_NEAR(admit[k], latency * k, 1e-9);
        CHECK_NEAR(done[k], latency * (k + 1), 1e-9);
    }

    /* two in flight: frame k is admitted when frame k - 2 is done */
    CHECK_OK(stream(&t, N, NULL, 2, admit, done, NULL));
    for (int k = 2; k < N; k++) CHECK_NEAR(admit[k], done[k - 2], 0);

    /* periodic arrivals every 25 ms, slower than the 10 ms period: no queueing, every frame's
     * latency is the single frame's */
    double arr[N];
    for (int k = 0; k < N; k++) arr[k] = 25.0 * k;
    CHECK_OK(stream(&t, N, arr, 0, admit, done, NULL));
    for (int k = 0; k < N; k++) {
        CHECK_NEAR(admit[k], arr[k], 0);
        CHECK_NEAR(done[k] - arr[k], latency, 1e-9);
    }

    /* arrivals every 5 ms, faster than the period: the queue grows by 5 ms a frame */
    for (int k = 0; k < N; k++) arr[k] = 5.0 * k;
    CHECK_OK(stream(&t, N, arr, 0, admit, done, NULL));
    for (int k = 0; k < N; k++) CHECK_NEAR(done[k] - arr[k], latency + (C1_MS - 5.0) * k, 1e-9);

    /* frames that go back in time are refused */
    arr[3] = 1;
    CHECK_ERR(stream(&t, N, arr, 0, admit, done, NULL), HALO_ERR_INVALID, "frame 3 arrives");
    pipe_free(&t);
}

/* Events carry their frame, and a device's computations never overlap: es1 computes frame 0's
 * block, then frame 1's. */
static void test_oldest_first(void)
{
    struct pipe t;
    if (!pipe_build(&t)) {
        CHECK(!"pipeline plan built");
        pipe_free(&t);
        return;
    }
    const struct halo_plan *plans[1] = {t.p};
    const struct halo_sched *scheds[1] = {&t.p->sched};
    struct halo_stream_in in = {.plans = plans, .scheds = scheds, .n_var = 1, .n_frames = 2};
    struct halo_stream_out out = {.record = true};
    CHECK_OK(halo_stream_run(&in, &out));
    int seen = 0;
    double prev_end = 0;
    for (int i = 0; i < out.n_events; i++) {
        const struct halo_plan_event *e = &out.events[i];
        if (e->kind != HALO_EVENT_COMPUTE || e->device != 1) continue;
        CHECK_EQ(e->frame, seen);
        CHECK(e->start_ms >= prev_end);
        prev_end = e->end_ms;
        seen++;
    }
    CHECK_EQ(seen, 2);
    free(out.events);
    pipe_free(&t);
}

/* The hand-built pipeline through halo_plan_stream and the objectives: the same hand figures. */
static void test_stream_eval(void)
{
    struct pipe t;
    if (!pipe_build(&t)) {
        CHECK(!"pipeline plan built");
        pipe_free(&t);
        return;
    }
    double latency = t.t_img + C1_MS + t.t_mid + C2_MS + CT_MS + t.t_res;
    /* the busiest resource per frame is es1's compute */
    CHECK_NEAR(halo_plan_period_bound(t.p), C1_MS, 1e-9);
    CHECK_EQ(halo_stream_default_inflight(t.p), 4); /* two ESs compute */
    struct halo_stream_opts o = {.n_frames = 12, .warmup = 2, .inflight = -1};
    struct halo_stream_result r;
    CHECK_OK(halo_plan_stream(t.p, &o, &r));
    CHECK_EQ(r.n_frames, 12);
    CHECK_EQ(r.inflight, 0);
    CHECK_NEAR(r.stats.period_ms, C1_MS, 1e-9);
    CHECK_NEAR(r.done_ms[11], latency + 11 * C1_MS, 1e-9);
    double span = latency + 11 * C1_MS;
    CHECK_NEAR(r.stats.span_ms, span, 1e-9);
    CHECK_NEAR(r.util[1], 12 * C1_MS / span, 1e-12);
    CHECK_NEAR(r.util[2], 12 * (C2_MS + CT_MS) / span, 1e-12);
    CHECK_NEAR(r.up_busy[0], 12 * t.t_img / span, 1e-12); /* the image leaves the source 12 times */
    CHECK_NEAR(r.down_busy[0], 12 * t.t_res / span, 1e-12);
    CHECK_NEAR(r.up_bytes_s[1], 12.0 * (double)t.p->sched.msg[1].bytes * 1000 / span, 1e-6);
    halo_stream_result_free(&r);
    /* periodic arrivals every 25 ms: every frame's latency is one frame's */
    o = (struct halo_stream_opts){.fps = 40, .n_frames = 12};
    CHECK_OK(halo_plan_stream(t.p, &o, &r));
    CHECK_NEAR(r.arrival_ms[5], 125, 1e-9);
    CHECK_NEAR(r.stats.latency_p99_ms, latency, 1e-9);
    CHECK_NEAR(r.stats.queue_max_ms, 0, 0);
    halo_stream_result_free(&r);

    /* the objectives */
    struct halo_objective lat = {.kind = HALO_OBJECTIVE_LATENCY, .fps = 50};
    struct halo_stream_figures f;
    CHECK_OK(halo_plan_figures(t.p, &lat, &f));
    CHECK_NEAR(f.single_ms, latency, 1e-9);
    CHECK_NEAR(f.period_ms, C1_MS, 1e-9);
    CHECK_NEAR(f.throughput_fps, 100, 1e-6);
    CHECK_NEAR(f.rate_fps, 50, 0);
    CHECK_NEAR(f.latency_p99_ms, latency, 1e-9); /* 20 ms between frames, a 10 ms bottleneck */
    CHECK(f.sustains && f.feasible);
    lat.fps = 150; /* more than the bottleneck allows */
    struct halo_stream_figures g;
    CHECK_OK(halo_plan_figures(t.p, &lat, &g));
    CHECK(!g.sustains && !g.feasible);
    CHECK(g.latency_p99_ms > latency + 10); /* the queue grows */
    CHECK(halo_objective_compare(&lat, &f, &g) > 0);
    CHECK(halo_objective_compare(&lat, &g, &f) < 0);
    CHECK_EQ(halo_objective_compare(&lat, &f, &f), 0);
    /* throughput: the plan's own 100 frames/s; under a bound below one frame's latency, nothing
     * meets it; under a looser one, the highest rate within it */
    struct halo_objective thr = {.kind = HALO_OBJECTIVE_THROUGHPUT};
    CHECK_OK(halo_plan_figures(t.p, &thr, &f));
    CHECK_NEAR(f.rate_fps, 100, 1e-6);
    CHECK(f.feasible);
    thr.deadline_ms = latency - 1;
    CHECK_OK(halo_plan_figures(t.p, &thr, &g));
    CHECK(!g.feasible);
    CHECK(halo_objective_compare(&thr, &f, &g) > 0);
    thr.deadline_ms = latency + 0.5;
    CHECK_OK(halo_plan_figures(t.p, &thr, &g));
    CHECK(g.feasible && g.latency_p99_ms <= latency + 0.5);
    CHECK(g.rate_fps > 50 && g.rate_fps <= 100 + 1e-6);
    pipe_free(&t);
}

/* Arrivals: periodic exactly, Poisson reproducible by seed with the right mean gap. */
/* Percentiles are nearest rank: the p-th of n sorted values is the ceil(p/100 * n)-th. Sizes where
 * p/100 * n is not a whole number tell it from the ranks below and above. Frames done out of
 * order, so the latencies are sorted first. */
static void test_percentiles(void)
{
    double arrival[10] = {0}, done[10] = {30, 10, 50, 20, 40}, admit[10];
    struct halo_stream_stats st;
    CHECK_OK(halo_stream_stats(arrival, NULL, done, 5, 0, 0, &st));
    CHECK_NEAR(st.latency_p50_ms, 30, 0); /* rank ceil(2.5) = 3 */
    CHECK_NEAR(st.latency_p90_ms, 50, 0); /* rank ceil(4.5) = 5 */
    CHECK_NEAR(st.latency_p99_ms, 50, 0);
    CHECK_NEAR(st.latency_max_ms, 50, 0);
    CHECK_NEAR(st.latency_mean_ms, 30, 1e-12);
    for (int i = 0; i < 10; i++) {
        arrival[i] = 100.0 * i;
        admit[i] = arrival[i] + (9 - i); /* queueing 9, 8, ..., 0 ms */
        done[i] = admit[i] + 1 + i;      /* latency 10 for every frame; inference 1 .. 10 ms */
    }
    CHECK_OK(halo_stream_stats(arrival, admit, done, 10, 0, 0, &st));
    CHECK_NEAR(st.latency_p99_ms, 10, 1e-12);
    CHECK_NEAR(st.inference_p50_ms, 5, 1e-12); /* rank 5 of 10: a whole number */
    CHECK_NEAR(st.queue_p90_ms, 8, 1e-12);     /* rank 9 of 10 */
    CHECK_NEAR(st.queue_max_ms, 9, 1e-12);
    CHECK_OK(halo_stream_stats(arrival, admit, done, 7, 0, 0, &st));
    /* queueing of frames 0..6: 9 .. 3 ms; p90: rank ceil(6.3) = 7, the largest */
    CHECK_NEAR(st.queue_p90_ms, 9, 1e-12);
    CHECK_NEAR(st.inference_p50_ms, 4, 1e-12); /* inference 1 .. 7 ms; rank ceil(3.5) = 4 */
}

static void test_arrivals(void)
{
    enum { N = 4000 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    halo_stream_arrivals(HALO_ARRIVALS_PERIODIC, 30, 1, N, a);
    CHECK_NEAR(a[0], 0, 0);
    CHECK_NEAR(a[3], 100, 1e-9);
    halo_stream_arrivals(HALO_ARRIVALS_POISSON, 50, 7, N, a);
    halo_stream_arrivals(HALO_ARRIVALS_POISSON, 50, 7, N, b);
    CHECK(!memcmp(a, b, N * sizeof *a));
    CHECK_NEAR(a[0], 0, 0);
    for (int i = 1; i < N; i++) CHECK(a[i] >= a[i - 1]);
    CHECK_NEAR(a[N - 1] / (N - 1), 20, 1.0); /* mean gap 1000 / 50 ms, within 5 % */
    halo_stream_arrivals(HALO_ARRIVALS_POISSON, 50, 8, N, b);
    CHECK(memcmp(a, b, N * sizeof *a) != 0);
    free(a);
    free(b);
}

/* A round robin built by hand: two ESs, frame f whole on ES 1 + f mod 2. Its file keeps the
 * variant, validation checks it, the hash covers it, and a stream alternates over it. */
static void test_variants(void)
{
    struct halo_graph *g = two_stage_graph();
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 16, 16));
    double gf[2] = {10, 10}, bw[2] = {100, 100};
    struct halo_cluster *c = test_cluster(2, gf, NULL, bw, 100, 0);
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
    int es[2] = {1, 2};
    struct halo_rect full = halo_rect_full(halo_stage_out_shape(g, 1));
    struct halo_plan *v[2];
    for (int k = 0; k < 2; k++) {
        int dev = k + 1;
        CHECK_OK(halo_planner_plan_new(&ctx, "rr", es, 2, &v[k]));
        CHECK_OK(halo_plan_add_block(v[k], g, 0, 2, HALO_TILE_EXACT, false, 1, &dev, &full));
        CHECK_OK(halo_planner_finish(&ctx, v[k], es, dev));
        v[k]->block[0].part[0].compute_ms = 10;
        v[k]->tail.compute_ms = 0;
        CHECK_OK(halo_plan_simulate(v[k], g));
    }
    struct halo_plan *p = v[0];
    uint64_t h0 = halo_plan_hash(p);
    CHECK_OK(halo_plan_add_variant(p, v[1]));
    CHECK_EQ(halo_plan_n_variants(p), 2);
    CHECK(halo_plan_variant(p, 3) == v[1] && halo_plan_variant(p, 4) == p);
    CHECK(halo_plan_hash(p) != h0);
    CHECK_EQ(halo_plan_n_computing(p), 2);
    CHECK_OK(halo_plan_validate(p, g, "rr"));
    /* a stream alternates: each ES computes every other frame (10 ms), so the period halves; the
     * links (image and logits, about 1 ms) are not the bottleneck */
    CHECK_NEAR(halo_plan_period_bound(p), 5, 1e-9);
    struct halo_stream_opts o = {.n_frames = 41, .warmup = 4};
    struct halo_stream_result r;
    CHECK_OK(halo_plan_stream(p, &o, &r));
    CHECK_NEAR(r.util[1], r.util[2], 0.05);
    CHECK_NEAR(r.stats.period_ms, 5, 1e-9);
    halo_stream_result_free(&r);
    /* the file round trip keeps the variant */
    const char *f = "/tmp/halo-test-rotation.json";
    CHECK_OK(halo_plan_save(p, f));
    struct halo_plan *q = NULL;
    CHECK_OK(halo_plan_load(f, &q));
    if (q) {
        CHECK_EQ(halo_plan_n_variants(q), 2);
        CHECK_OK(halo_plan_validate(q, g, f));
        CHECK_EQ(halo_plan_hash(q), halo_plan_hash(p));
        CHECK_OK(halo_plan_derive(q, g));
        CHECK(q->rot[0]->sched.n_msg > 0);
        CHECK_EQ(q->rot[0]->block[0].part[0].device, 2);
    }
    halo_plan_free(q);
    /* a variant on other devices, with links of its own, or rotating itself is refused */
    cJSON *j;
    CHECK_OK(halo_json_load(f, &j));
    cJSON *rot0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "rotation"), 0);
    cJSON *part = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(rot0, "blocks"), 0), "parts"), 0);
    cJSON_ReplaceItemInObject(part, "device", cJSON_CreateString("es9"));
    CHECK_ERR(halo_plan_from_json("r.json", j, &q), HALO_ERR_INVALID, "rotation[0].blocks[0].parts[0].device: 'es9'");
    cJSON_ReplaceItemInObject(part, "device", cJSON_CreateString("es2"));
    cJSON_AddItemToObject(rot0, "devices", cJSON_CreateArray());
    CHECK_ERR(halo_plan_from_json("r.json", j, &q), HALO_ERR_INVALID, "rotation[0].devices: unknown field");
    cJSON_DeleteItemFromObject(rot0, "devices");
    cJSON_ReplaceItemInObject(j, "rotation", cJSON_CreateString("x"));
    CHECK_ERR(halo_plan_from_json("r.json", j, &q), HALO_ERR_INVALID, "rotation");
    cJSON_Delete(j);
    /* in memory: a variant over other devices is refused when added */
    struct halo_plan *w;
    int one_es = 1, dev = 1;
    CHECK_OK(halo_planner_plan_new(&ctx, "rr", &one_es, 1, &w));
    CHECK_OK(halo_plan_add_block(w, g, 0, 2, HALO_TILE_EXACT, false, 1, &dev, &full));
    CHECK_OK(halo_planner_finish(&ctx, w, &one_es, 1));
    CHECK_ERR(halo_plan_add_variant(p, w), HALO_ERR_INVALID, "same 3 devices");
    /* a variant whose rows do not cover the output fails validation, named by its index */
    p->rot[0]->block[0].part[0].out.y1 -= 1;
    CHECK_ERR(halo_plan_validate(p, g, "rr"), HALO_ERR_INVALID, "rr: rotation[0]: blocks[0].parts");
    halo_plan_free(p);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
}

/* The period bound is a bound: no planner's stream runs faster in the long run (over a few
 * hundred frames the frames in flight at the window's two ends may differ by a few, which moves
 * the measured period by up to about 1 %: within 2 %), and a stream of one frame in flight runs at
 * its latency. */
static void test_period_bound(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet18", 64, 64, &g));
    double gf[3] = {40, 25, 15}, bw[3] = {300, 1000, 100};
    struct halo_cluster *c = test_cluster(3, gf, NULL, bw, 400, 0.02);
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
    int n;
    const struct halo_planner_info *pl = halo_planners(&n);
    for (int i = 0; i < 2 * n; i++) { /* every planner under each link model */
        struct halo_plan *p;
        ctx.opts.link = i < n ? &halo_link_fifo : &halo_link_fair;
        CHECK_OK(pl[i % n].plan(&ctx, &p));
        CHECK(p->link == ctx.opts.link);
        struct halo_stream_opts o = {.n_frames = 300};
        struct halo_stream_result r;
        CHECK_OK(halo_plan_stream(p, &o, &r));
        if (r.stats.period_ms < halo_plan_period_bound(p) * 0.98)
            fprintf(stderr, "%s: period %.4f ms below its bound %.4f ms\n", pl[i % n].name, r.stats.period_ms,
                    halo_plan_period_bound(p));
        CHECK(r.stats.period_ms >= halo_plan_period_bound(p) * 0.98);
        CHECK(r.util[0] <= 1 + 1e-9 && r.up_busy[0] <= 1 + 1e-9);
        halo_stream_result_free(&r);
        o.inflight = 1;
        CHECK_OK(halo_plan_stream(p, &o, &r));
        if (!p->n_rot) CHECK_NEAR(r.stats.period_ms, p->total_ms, 1e-9 * p->total_ms);
        halo_stream_result_free(&r);
        halo_plan_free(p);
    }
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
}

/* ---- the same pipeline on a zoo model, for `halo run` ------------------------------------------ */

/* resnet18 at 64x64 cut after layer2 (stages 0..4 on es1, 5..8 on es2, the tail on es2), every link
 * LAT_MS and 100 Mbps, compute set by hand: C1_MS, C2_MS, CT_MS. `halo run` executes it from a
 * file; tests/test_run_stream.sh checks its frames against the numbers computed here by hand. */
struct zoo_pipe {
    struct halo_graph *g;
    struct halo_cluster *c;
    struct halo_planner_ctx ctx;
    struct halo_plan *p;
    double latency; /* one frame, by hand */
};

static bool zoo_pipe_build(struct zoo_pipe *t)
{
    memset(t, 0, sizeof *t);
    if (halo_zoo_build_for("resnet18", 64, 64, &t->g) != HALO_OK) return false;
    double gf[2] = {10, 10}, bw[2] = {100, 100};
    t->c = test_cluster(2, gf, NULL, bw, 100, 0);
    if (!t->c || halo_planner_ctx_init(&t->ctx, t->g, t->c, (struct halo_planner_opts){0}) != HALO_OK) return false;
    int es[2] = {1, 2}, d1 = 1, d2 = 2;
    struct halo_rect r0 = halo_rect_full(halo_stage_out_shape(t->g, 4)), r1 = halo_rect_full(halo_stage_out_shape(t->g, 8));
    if (halo_planner_plan_new(&t->ctx, "hand-pipeline", es, 2, &t->p) != HALO_OK ||
        halo_plan_add_block(t->p, t->g, 0, 5, HALO_TILE_EXACT, false, 1, &d1, &r0) != HALO_OK ||
        halo_plan_add_block(t->p, t->g, 5, 9, HALO_TILE_EXACT, false, 1, &d2, &r1) != HALO_OK ||
        halo_planner_finish(&t->ctx, t->p, es, 2) != HALO_OK || t->p->tail.device != 2) {
        fprintf(stderr, "resnet18 pipeline plan: %s\n", halo_error_msg());
        return false;
    }
    struct halo_plan *p = t->p;
    p->block[0].part[0].compute_ms = C1_MS;
    p->block[1].part[0].compute_ms = C2_MS;
    p->tail.compute_ms = CT_MS;
    for (int i = 0; i < p->n_dev * p->n_dev; i++) {
        p->lat_ms[i] = LAT_MS;
        p->bw_mbps[i] = 100;
    }
    if (halo_plan_simulate(p, t->g) != HALO_OK) return false;
    /* the image as uint8 (3 x 64 x 64 bytes), layer2's output as float (128 x 8 x 8), the logits */
    double t_img = LAT_MS + 3.0 * 64 * 64 * 8e-3 / 100, t_mid = LAT_MS + 4.0 * 128 * 8 * 8 * 8e-3 / 100,
           t_res = LAT_MS + 4.0 * 1000 * 8e-3 / 100;
    t->latency = t_img + C1_MS + t_mid + C2_MS + CT_MS + t_res;
    CHECK_NEAR(p->total_ms, t->latency, 1e-9);
    CHECK(t_mid < C1_MS && C2_MS + CT_MS < C1_MS && t->latency < 3 * C1_MS);
    return true;
}

static void zoo_pipe_free(struct zoo_pipe *t)
{
    halo_plan_free(t->p);
    halo_planner_ctx_free(&t->ctx);
    halo_cluster_free(t->c);
    halo_graph_free(t->g);
}

/* The cost model on the resnet18 pipeline gives the hand numbers: as fast as possible with 3 in
 * flight, es1's 10 ms is the period and frame k is done at latency + 10 k (admitted when frame
 * k - 3 is done); every 25 ms, every frame takes the single frame's latency. */
static void test_zoo_pipeline(void)
{
    struct zoo_pipe t;
    if (!zoo_pipe_build(&t)) {
        CHECK(!"resnet18 pipeline built");
        zoo_pipe_free(&t);
        return;
    }
    enum { N = 12 };
    const struct halo_plan *plans[1] = {t.p};
    const struct halo_sched *scheds[1] = {&t.p->sched};
    double admit[N], done[N], arr[N];
    struct halo_stream_in in = {.plans = plans, .scheds = scheds, .n_var = 1, .n_frames = N, .inflight = 3};
    struct halo_stream_out out = {.admit_ms = admit, .done_ms = done};
    CHECK_OK(halo_stream_run(&in, &out));
    for (int k = 0; k < N; k++) {
        CHECK_NEAR(done[k], t.latency + C1_MS * k, 1e-9);
        CHECK_NEAR(admit[k], k < 3 ? 0 : done[k - 3], 0);
    }
    for (int k = 0; k < N; k++) arr[k] = 25.0 * k;
    in.arrival_ms = arr;
    CHECK_OK(halo_stream_run(&in, &out));
    for (int k = 0; k < N; k++) CHECK_NEAR(done[k] - arr[k], t.latency, 1e-9);
    zoo_pipe_free(&t);
}

/* resnet18 at 64x64 on two ESs whose parts interleave: stages 0..2 (16 rows out) as rows 0-4 on es1,
 * 4-8 on es2, 8-12 on es1, 12-16 on es2; stages 3..4 (8 rows out) as rows 0-2 on es2, 2-4 on es1,
 * 4-6 on es2, 6-8 on es1; the rest whole on es1. Each part of the second block reads rows of both
 * of the other ES's parts of the first, so es2 sends es1 four messages in the order its parts end
 * (part 1's two pieces, then part 3's) while es1 expects them in schedule order (block 1 part 1's
 * two pieces, then part 3's): only the message index in the tag keeps them apart. The planners never
 * cut like this, so their plans cannot show whether the runtime matches messages by index. */
static bool write_interleaved(const char *path)
{
    struct halo_graph *g = NULL;
    double gf[2] = {10, 10}, bw[2] = {1000, 1000};
    struct halo_cluster *c = halo_zoo_build_for("resnet18", 64, 64, &g) == HALO_OK ? test_cluster(2, gf, NULL, bw, 1000, 0.02) : NULL;
    struct halo_planner_ctx ctx = {0};
    struct halo_plan *p = NULL;
    bool ok = c && halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}) == HALO_OK;
    int es[2] = {1, 2}, d_a[4] = {1, 2, 1, 2}, d_b[4] = {2, 1, 2, 1}, one = 1;
    struct halo_rect a[4], b[4], r2 = halo_rect_full(halo_stage_out_shape(g, 2)),
                              r4 = halo_rect_full(halo_stage_out_shape(g, 4)),
                              r8 = halo_rect_full(halo_stage_out_shape(g, 8));
    for (int k = 0; k < 4; k++) {
        a[k] = r2, b[k] = r4;
        a[k].y0 = r2.y1 * k / 4, a[k].y1 = r2.y1 * (k + 1) / 4;
        b[k].y0 = r4.y1 * k / 4, b[k].y1 = r4.y1 * (k + 1) / 4;
    }
    ok = ok && halo_planner_plan_new(&ctx, "interleaved", es, 2, &p) == HALO_OK &&
         halo_plan_add_block(p, g, 0, 3, HALO_TILE_EXACT, false, 4, d_a, a) == HALO_OK &&
         halo_plan_add_block(p, g, 3, 5, HALO_TILE_EXACT, false, 4, d_b, b) == HALO_OK &&
         halo_plan_add_block(p, g, 5, g->n_spatial, HALO_TILE_EXACT, false, 1, &one, &r8) == HALO_OK &&
         halo_planner_finish(&ctx, p, es, 2) == HALO_OK && halo_plan_save(p, path) == HALO_OK;
    /* the crossing this plan exists for: es2 -> es1 messages in schedule order come from es2's
     * parts 1, 3, 1, 3 (block 1's part 1, then its part 3) */
    if (ok) {
        int from_part[8], n = 0;
        for (int m = 0; m < p->sched.n_msg && n < 8; m++) {
            const struct halo_sched_msg *mm = &p->sched.msg[m];
            if (mm->kind != HALO_SCHED_INPUT || mm->block != 1 || mm->from != 2 || mm->to != 1) continue;
            from_part[n] = -1;
            for (int k = 0; k < 4; k++)
                if (p->block[0].part[k].device == 2 && halo_rect_contains(p->block[0].part[k].out, mm->rect))
                    from_part[n] = k;
            n++;
        }
        ok = n == 4 && from_part[0] == 1 && from_part[1] == 3 && from_part[2] == 1 && from_part[3] == 3;
        if (!ok) halo_error(HALO_ERR_INTERNAL, "interleaved plan: es2 -> es1 pieces do not cross (%d of them)", n);
    }
    halo_plan_free(p);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
    return ok;
}

/* --write DIR: the resnet18 pipeline as DIR/pipeline.json with its hand numbers in DIR/pipeline.txt
 * ("latency_ms L" and "period_ms P"), N round-robin variants on N identical ESs
 * (DIR/rr-K.json: the whole model on ES K, K = 1..N; links fast, so compute bounds throughput),
 * and the interleaved plan (DIR/interleaved.json, write_interleaved). */
static int write_files(const char *dir, int n_rr)
{
    char path[1024];
    struct zoo_pipe t;
    bool ok = zoo_pipe_build(&t);
    snprintf(path, sizeof path, "%s/interleaved.json", dir);
    ok = ok && write_interleaved(path);
    snprintf(path, sizeof path, "%s/pipeline.json", dir);
    ok = ok && halo_plan_save(t.p, path) == HALO_OK;
    snprintf(path, sizeof path, "%s/pipeline.txt", dir);
    FILE *f = ok ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "latency_ms %.9f\nperiod_ms %.9f\n", t.latency, C1_MS);
        ok = fclose(f) == 0;
    }
    zoo_pipe_free(&t);
    /* round robin: N ESs of equal capacity, 10 Gbit/s links, at 160x160: compute bounds throughput on a
     * fast CPU too (at 64x64 the frames in flight did) */
    double gf[16], bw[16];
    for (int i = 0; i < n_rr && i < 16; i++) gf[i] = 50, bw[i] = 10000;
    struct halo_graph *g = NULL;
    struct halo_cluster *c = ok && halo_zoo_build_for("resnet18", 160, 160, &g) == HALO_OK ? test_cluster(n_rr, gf, NULL, bw, 10000, 0) : NULL;
    struct halo_planner_ctx ctx = {0};
    ok = c && halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}) == HALO_OK;
    int es[16];
    for (int i = 0; i < n_rr; i++) es[i] = i + 1;
    for (int k = 1; ok && k <= n_rr; k++) {
        struct halo_plan *p = NULL;
        struct halo_rect r = halo_rect_full(halo_stage_out_shape(g, g->n_spatial - 1));
        ok = halo_planner_plan_new(&ctx, "whole-frame", es, n_rr, &p) == HALO_OK &&
             halo_plan_add_block(p, g, 0, g->n_spatial, HALO_TILE_EXACT, false, 1, &k, &r) == HALO_OK &&
             halo_planner_finish(&ctx, p, es, n_rr) == HALO_OK && halo_plan_set_tail(p, g, k, ctx.pricer[k]) == HALO_OK &&
             halo_plan_simulate(p, g) == HALO_OK;
        snprintf(path, sizeof path, "%s/rr-%d.json", dir, k);
        ok = ok && halo_plan_save(p, path) == HALO_OK;
        halo_plan_free(p);
    }
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
    if (!ok) fprintf(stderr, "test_stream --write: %s\n", halo_error_msg());
    return ok ? 0 : 1;
}

/* ---- link models: hand-computed cases -------------------------------------------------------- */

/* Drives a link model as the cost model does: at each time, the model's events first, then the
 * messages ready then (in array order); fills every message's start_ms and end_ms. Returns the
 * number of messages popped (n when all arrived). */
static int drive(const struct halo_link_model *m, int n_dev, struct halo_link_xfer *x, int n)
{
    size_t sz = m->state_size(n_dev, n);
    void *state = malloc(sz);
    if (!state) return -1;
    m->reset(state, n_dev, n);
    int sub = 0, got = 0, guard = 0;
    while ((sub < n || isfinite(m->next_end(state))) && guard++ < 100 * n + 100) {
        double t = m->next_end(state);
        if (sub < n && x[sub].ready_ms < t) {
            m->submit(state, &x[sub++]);
            continue;
        }
        if (m->pop(state)) got++;
    }
    free(state);
    return got;
}

/* A message a -> b of `kbit` kilobits (bytes = kbit / 8e-3), ready at `ready`, with its pair's
 * latency and bandwidth and the two access links' capacities. */
static struct halo_link_xfer msg(int a, int b, double kbit, double ready, double lat, double bw, double up, double down)
{
    return (struct halo_link_xfer){.from = a, .to = b, .bytes = (int64_t)llround(kbit / 8e-3), .ready_ms = ready,
                                   .lat_ms = lat, .bw_mbps = bw, .up_mbps = up, .down_mbps = down};
}

static void test_link_fair(void)
{
    const struct halo_link_model *fair = halo_link_model_find("fair"), *fifo = halo_link_model_find("fifo");
    CHECK(fair == &halo_link_fair && fifo == &halo_link_fifo);
    CHECK(halo_link_model_default() == &halo_link_fifo); /* until measured otherwise */
    CHECK(!strcmp(halo_link_model_names(), "fifo|fair|tcp"));

    /* alone: latency + bytes / bandwidth, bit for bit as FIFO */
    struct halo_link_xfer a[2] = {msg(0, 2, 1000, 3, 2, 100, 100, 100)}, b[2];
    a[1] = msg(1, 2, 777, 20, 0.5, 37, 50, 40);
    memcpy(b, a, sizeof a);
    CHECK_EQ(drive(fair, 3, a, 2), 2);
    CHECK_EQ(drive(fifo, 3, b, 2), 2);
    CHECK_NEAR(a[0].end_ms, 3 + 2 + 10.0, 1e-12);
    CHECK(a[0].end_ms == b[0].end_ms && a[1].end_ms == b[1].end_ms);
    CHECK(a[0].start_ms == b[0].start_ms && a[1].start_ms == b[1].start_ms);

    /* two into one downlink, ready together: each at half rate, both done at 20 (FIFO: 10, 20) */
    a[0] = msg(0, 2, 1000, 0, 0, 100, 100, 100);
    a[1] = msg(1, 2, 1000, 0, 0, 100, 100, 100);
    memcpy(b, a, sizeof a);
    drive(fair, 3, a, 2);
    drive(fifo, 3, b, 2);
    CHECK_NEAR(a[0].end_ms, 20, 1e-9);
    CHECK_NEAR(a[1].end_ms, 20, 1e-9);
    CHECK_NEAR(b[0].end_ms, 10, 1e-9);
    CHECK_NEAR(b[1].end_ms, 20, 1e-9);

    /* one finishes early, the other speeds up: 500 kbit at 50 end at 10; the other's 500 left
     * go at 100: 15 */
    a[0] = msg(0, 2, 500, 0, 0, 100, 100, 100);
    a[1] = msg(1, 2, 1000, 0, 0, 100, 100, 100);
    drive(fair, 3, a, 2);
    CHECK_NEAR(a[0].end_ms, 10, 1e-9);
    CHECK_NEAR(a[1].end_ms, 15, 1e-9);

    /* latency takes no capacity: b flows alone for a's 5 ms of latency (500 kbit), then both at
     * 50: b's 500 left end at 15; a's 1000 - 500 then alone at 100: 20. FIFO: 15 and 25 */
    a[0] = msg(0, 2, 1000, 0, 5, 100, 100, 100);
    a[1] = msg(1, 2, 1000, 0, 0, 100, 100, 100);
    memcpy(b, a, sizeof a);
    drive(fair, 3, a, 2);
    drive(fifo, 3, b, 2);
    CHECK_NEAR(a[1].end_ms, 15, 1e-9);
    CHECK_NEAR(a[0].end_ms, 20, 1e-9);
    CHECK_NEAR(a[0].start_ms, 0, 0); /* on its links from its latency on */
    CHECK_NEAR(b[0].end_ms, 15, 1e-9);
    CHECK_NEAR(b[1].end_ms, 25, 1e-9);

    /* a later message joins: a alone 0..4 (400 kbit), then both at 50: a's 600 end at 16, b's
     * 1000 - 600 then at 100: 20 */
    a[0] = msg(0, 2, 1000, 0, 0, 100, 100, 100);
    a[1] = msg(1, 2, 1000, 4, 0, 100, 100, 100);
    drive(fair, 3, a, 2);
    CHECK_NEAR(a[0].end_ms, 16, 1e-9);
    CHECK_NEAR(a[1].end_ms, 20, 1e-9);

    /* max-min with two bottlenecks: the source's uplink of 100 feeds es1 (downlink 30) and es2
     * (downlink 100): es1's flow is held at 30 by its downlink, es2's gets the 70 left; when
     * es1's 300 kbit end at 10, es2's 1400 - 700 go at 100: 17 */
    a[0] = msg(0, 1, 300, 0, 0, 30, 100, 30);
    a[1] = msg(0, 2, 1400, 0, 0, 100, 100, 100);
    drive(fair, 3, a, 2);
    CHECK_NEAR(a[0].end_ms, 10, 1e-9);
    CHECK_NEAR(a[1].end_ms, 17, 1e-9);

    /* a scatter from a fast uplink: three ESs' downlinks of 100 under an uplink of 1000 each get
     * 100 (10 ms); under an uplink of 150 each gets 50 (20 ms) */
    struct halo_link_xfer s3[3];
    for (int k = 0; k < 3; k++) s3[k] = msg(0, k + 1, 1000, 0, 0, 100, 1000, 100);
    drive(fair, 4, s3, 3);
    for (int k = 0; k < 3; k++) CHECK_NEAR(s3[k].end_ms, 10, 1e-9);
    for (int k = 0; k < 3; k++) s3[k] = msg(0, k + 1, 1000, 0, 0, 100, 150, 100);
    drive(fair, 4, s3, 3);
    for (int k = 0; k < 3; k++) CHECK_NEAR(s3[k].end_ms, 20, 1e-9);

    /* two messages between the same pair share its path (bandwidth 100 between links of 1000) */
    a[0] = msg(0, 1, 1000, 0, 0, 100, 1000, 1000);
    a[1] = msg(0, 1, 500, 0, 0, 100, 1000, 1000);
    drive(fair, 2, a, 2);
    CHECK_NEAR(a[1].end_ms, 10, 1e-9);
    CHECK_NEAR(a[0].end_ms, 15, 1e-9);

    /* a chain: es1 -> es2 and es2 -> es3 use different links and do not slow each other */
    a[0] = msg(1, 2, 1000, 0, 1, 100, 100, 100);
    a[1] = msg(2, 3, 1000, 0, 1, 100, 100, 100);
    drive(fair, 4, a, 2);
    CHECK_NEAR(a[0].end_ms, 11, 1e-9);
    CHECK_NEAR(a[1].end_ms, 11, 1e-9);

    /* the period bound's holds: FIFO holds both links for latency + bytes / bandwidth; fair share
     * each link for bytes / its capacity */
    struct halo_link_xfer h = msg(0, 1, 1000, 0, 2, 50, 200, 100);
    double up, down;
    fifo->hold(&h, &up, &down);
    CHECK_NEAR(up, 22, 1e-12);
    CHECK_NEAR(down, 22, 1e-12);
    fair->hold(&h, &up, &down);
    CHECK_NEAR(up, 5, 1e-12);
    CHECK_NEAR(down, 10, 1e-12);
}

/* MPI over TCP: one in-order stream per pair; the pairs' streams share links as under fair share. */
static void test_link_tcp(void)
{
    const struct halo_link_model *tcp = halo_link_model_find("tcp");
    CHECK(tcp == &halo_link_tcp);

    /* alone: latency + bytes / bandwidth */
    struct halo_link_xfer a[3];
    a[0] = msg(0, 1, 2000, 3, 2, 100, 100, 100);
    a[1] = msg(1, 2, 100, 50, 0.5, 40, 50, 40);
    CHECK_EQ(drive(tcp, 3, a, 2), 2);
    CHECK_NEAR(a[0].end_ms, 3 + 2 + 20.0, 1e-9);
    CHECK_NEAR(a[1].end_ms, 50 + 0.5 + 2.5, 1e-9);

    /* a small message behind a large one on the same pair waits for all of it (fair share: it
     * would share the pair and arrive at 1.2) */
    a[0] = msg(0, 1, 4000, 0, 0, 100, 100, 100);
    a[1] = msg(0, 1, 10, 1, 0, 100, 100, 100);
    CHECK_EQ(drive(tcp, 2, a, 2), 2);
    CHECK_NEAR(a[0].end_ms, 40, 1e-9);
    CHECK_NEAR(a[1].end_ms, 40.1, 1e-9);

    /* in the order they left their latency: b (no latency) first, a after it */
    a[0] = msg(0, 1, 1000, 0, 2, 100, 100, 100);
    a[1] = msg(0, 1, 1000, 1, 0, 100, 100, 100);
    CHECK_EQ(drive(tcp, 2, a, 2), 2);
    CHECK_NEAR(a[1].end_ms, 11, 1e-9);
    CHECK_NEAR(a[0].end_ms, 21, 1e-9);

    /* small ones on a pair go one after the other, in order (fair: together at 2) */
    a[0] = msg(0, 1, 100, 0, 0, 100, 100, 100);
    a[1] = msg(0, 1, 100, 0, 0, 100, 100, 100);
    CHECK_EQ(drive(tcp, 2, a, 2), 2);
    CHECK_NEAR(a[0].end_ms, 1, 1e-9);
    CHECK_NEAR(a[1].end_ms, 2, 1e-9);

    /* different pairs share a downlink as under fair share: both at half rate */
    a[0] = msg(0, 2, 1000, 0, 0, 100, 100, 100);
    a[1] = msg(1, 2, 1000, 0, 0, 100, 100, 100);
    a[2] = msg(1, 0, 300, 0, 0, 100, 100, 100); /* 1's uplink: shared with its message to 2 */
    CHECK_EQ(drive(tcp, 3, a, 3), 3);
    CHECK_NEAR(a[2].end_ms, 6, 1e-9);  /* 1's uplink split 50/50 until its 300 kbit are sent */
    CHECK_NEAR(a[0].end_ms, 20, 1e-9); /* 2's downlink: 50 each all along (1 -> 2 is held at 50) */
    CHECK_NEAR(a[1].end_ms, 20, 1e-9);

    /* the period bound's holds are fair share's */
    struct halo_link_xfer h = msg(0, 1, 1000, 0, 2, 50, 200, 100);
    double up, down;
    tcp->hold(&h, &up, &down);
    CHECK_NEAR(up, 5, 1e-12);
    CHECK_NEAR(down, 10, 1e-12);
}

/* Many random messages, all ready at 0 without latency, under fair share and tcp: every one
 * arrives, none sooner than bytes / its own bandwidth, and no link carries more than its capacity
 * (the last arrival into, or out of, a device comes no sooner than the sum of its bytes / the
 * link's capacity). */
static void test_link_fair_random(void)
{
    enum { N = 40, D = 5 };
    uint64_t seed = 12345;
    for (int round = 0; round < 50; round++) {
        struct halo_link_xfer x[N];
        double capd[D], capu[D];
        for (int k = 0; k < D; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            capd[k] = 10 + (double)(seed >> 40) / (double)(1ull << 24) * 90;
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            capu[k] = 10 + (double)(seed >> 40) / (double)(1ull << 24) * 90;
        }
        for (int i = 0; i < N; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            int a = (int)((seed >> 33) % D), b = (int)((seed >> 45) % (D - 1));
            if (b >= a) b++;
            double bw = capu[a] < capd[b] ? capu[a] : capd[b];
            double kbit = 1 + (double)((seed >> 20) % 2000);
            x[i] = msg(a, b, kbit, 0, 0, bw, capu[a], capd[b]);
        }
        CHECK_EQ(drive(round % 2 ? &halo_link_tcp : &halo_link_fair, D, x, N), N);
        for (int i = 0; i < N; i++) CHECK(x[i].end_ms >= (double)x[i].bytes * 8e-3 / x[i].bw_mbps - 1e-9);
        for (int k = 0; k < D; k++)
            for (int side = 0; side < 2; side++) {
                double kbit = 0, last = 0;
                for (int i = 0; i < N; i++)
                    if ((side ? x[i].to : x[i].from) == k) {
                        kbit += (double)x[i].bytes * 8e-3;
                        if (x[i].end_ms > last) last = x[i].end_ms;
                    }
                CHECK(last >= kbit / (side ? capd[k] : capu[k]) * (1 - 1e-12));
            }
    }
}

/* The pipeline sends one message at a time: under fair share one frame, and a stream with one
 * frame in flight, are FIFO's bit for bit; frames as fast as possible overlap their messages. */
static void test_fair_pipeline(void)
{
    struct pipe t;
    if (!pipe_build(&t)) {
        CHECK(!"pipeline plan built");
        pipe_free(&t);
        return;
    }
    double fifo_total = t.p->total_ms;
    t.p->link = &halo_link_fair;
    CHECK_OK(halo_plan_simulate(t.p, t.g));
    CHECK(t.p->total_ms == fifo_total);
    enum { N = 6 };
    double admit[N], done[N], fifo_done[N];
    CHECK_OK(stream(&t, N, NULL, 1, admit, done, NULL));
    t.p->link = NULL;
    CHECK_OK(stream(&t, N, NULL, 1, admit, fifo_done, NULL));
    for (int k = 0; k < N; k++) CHECK(done[k] == fifo_done[k]);
    /* as fast as possible, every image leaves at 0 and shares the source's uplink: frame 0's
     * image comes later than under FIFO, and the bottleneck (es1's 10 ms) keeps the period */
    CHECK_OK(stream(&t, N, NULL, 0, admit, fifo_done, NULL));
    t.p->link = &halo_link_fair;
    CHECK_OK(stream(&t, N, NULL, 0, admit, done, NULL));
    CHECK(done[0] > fifo_done[0]);
    CHECK_NEAR(done[N - 1] - done[N - 2], C1_MS, 1e-9);
    pipe_free(&t);
}

/* Every planner under fair share on slow links at a full-size input, where messages and steps
 * often coincide: each plan simulates (a device's next step made ready while it is dispatched
 * once overflowed the cost model's list of devices to dispatch) and a single frame's latency is
 * what the plan says. */
static void test_fair_planners(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet18", 160, 160, &g));
    double gf[4] = {60, 40, 30, 20}, bw[4] = {100, 50, 100, 20};
    struct halo_cluster *c = test_cluster(4, gf, NULL, bw, 100, 0.05);
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){.link = &halo_link_fair}));
    int n;
    const struct halo_planner_info *pl = halo_planners(&n);
    for (int i = 0; i < n; i++) {
        struct halo_plan *p = NULL;
        CHECK_OK(pl[i].plan(&ctx, &p));
        if (!p) continue;
        double t;
        CHECK_OK(halo_plan_timeline(p, NULL, NULL, false, &t));
        CHECK(t == p->total_ms);
        halo_plan_free(p);
    }
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--write")) return write_files(argv[2], atoi(argv[3]));
    RUN(test_hand_pipeline);
    RUN(test_oldest_first);
    RUN(test_stream_eval);
    RUN(test_percentiles);
    RUN(test_arrivals);
    RUN(test_variants);
    RUN(test_period_bound);
    RUN(test_zoo_pipeline);
    RUN(test_link_fair);
    RUN(test_link_tcp);
    RUN(test_link_fair_random);
    RUN(test_fair_pipeline);
    RUN(test_fair_planners);
    return halo_test_done("test_stream");
}
