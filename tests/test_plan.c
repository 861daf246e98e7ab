/* Planning: the block DP against brute force, DPFP's ES-subset search against exhaustive search,
 * the plan validator on crafted broken plans, plan files, the cost model on a plan without a
 * tail, and cluster-file errors. */
#include "core/json.h"
#include "core/rng.h"
#include "model/zoo.h"
#include "partition/dp.h"
#include "partition/link.h"
#include "partition/planner.h"
#include "test.h"
#include "test_cluster.h"

#include <math.h>

/* ---- the DP against brute force ---------------------------------------------------------- */

struct random_costs {
    int n;
    double *c;
};

static double random_cost(void *arg, int i, int j)
{
    struct random_costs *r = arg;
    return r->c[i * (r->n + 1) + j];
}

static void check_dp(int n, halo_dp_cost_fn f, void *arg)
{
    int cuts_dp[32], cuts_bf[32], ndp, nbf;
    double a = halo_dp_blocks(n, f, arg, cuts_dp, &ndp), b = halo_dp_brute_force(n, f, arg, cuts_bf, &nbf);
    CHECK_NEAR(a, b, 1e-9 * fabs(b));
    /* the DP's partition really costs what it says */
    double t = 0;
    for (int k = 0; k + 1 < ndp; k++) t += f(arg, cuts_dp[k], cuts_dp[k + 1]);
    CHECK_NEAR(t, a, 1e-9 * fabs(a));
    CHECK_EQ(cuts_dp[0], 0);
    CHECK_EQ(cuts_dp[ndp - 1], n);
}

struct matrix_costs {
    int S;
    int n; /* prefix of the chain */
    const double *C;
};

static double matrix_cost(void *arg, int i, int j)
{
    struct matrix_costs *m = arg;
    return m->C[i * (m->S + 1) + j];
}

static void test_dp(void)
{
    struct halo_rng rng;
    halo_rng_seed(&rng, 11);
    for (int n = 1; n <= 12; n++)
        for (int rep = 0; rep < 20; rep++) {
            struct random_costs r = {n, malloc((size_t)(n + 1) * (n + 1) * sizeof(double))};
            /* random block costs; half the trials with a sub-additive structure that favours fusion */
            for (int i = 0; i <= n; i++)
                for (int j = i + 1; j <= n; j++)
                    r.c[i * (n + 1) + j] = rep % 2 ? halo_rng_uniform(&rng) * 10
                                                   : 1 + (j - i) * (0.5 + halo_rng_uniform(&rng)) + 0.1 * (j - i) * (j - i);
            check_dp(n, random_cost, &r);
            free(r.c);
        }
    /* real models at small inputs: DPFP's own block costs on prefixes of their stage chains */
    const char *models[] = {"resnet18", "vgg11", "mobilenet_v2"};
    double gf[3] = {100, 80, 50}, bw[3] = {500, 500, 300};
    struct halo_cluster *c = test_cluster(3, gf, NULL, bw, 200, 0.02);
    for (int m = 0; m < 3; m++) {
        struct halo_graph *g;
        CHECK_OK(halo_zoo_build_for(models[m], 96, 128, &g));
        struct halo_planner_ctx ctx;
        CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
        int es[3] = {1, 2, 3};
        double *C;
        int S;
        CHECK_OK(halo_dpfp_block_costs(&ctx, es, 3, &C, &S));
        for (int n = 1; n <= S && n <= 12; n++) {
            struct matrix_costs mc = {S, n, C};
            check_dp(n, matrix_cost, &mc);
        }
        free(C);
        halo_planner_ctx_free(&ctx);
        halo_graph_free(g);
    }
    halo_cluster_free(c);
}

/* ---- the ES-subset search against exhaustive search -------------------------------------- */

/* The best DPFP plan over every subset of the n ESs (each subset's ESs in the same speed order
 * the heuristic uses, so the heuristic's candidates are among these). */
static double exhaustive(const struct halo_planner_ctx *ctx, int n)
{
    double best = INFINITY;
    int es[16], order[17];
    int no = halo_planner_es_order(ctx, order);
    for (unsigned mask = 1; mask < (1u << n); mask++) {
        int k = 0;
        for (int i = 0; i < no; i++)
            if (mask >> (order[i] - 1) & 1u) es[k++] = order[i]; /* cluster index: device 0 is the source */
        struct halo_plan *p;
        if (halo_plan_dpfp_on(ctx, es, k, &p) != HALO_OK) continue;
        if (p->total_ms < best) best = p->total_ms;
        halo_plan_free(p);
    }
    return best;
}

static void test_subsets(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet18", 128, 128, &g));
    /* homogeneous: every subset of size k is the same, so the k-fastest search is exhaustive */
    for (int n = 1; n <= 5; n++) {
        double gf[8], bw[8];
        for (int i = 0; i < n; i++) {
            gf[i] = 50;
            bw[i] = 300;
        }
        struct halo_cluster *c = test_cluster(n, gf, NULL, bw, 300, 0.02);
        struct halo_planner_ctx ctx;
        CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
        struct halo_plan *p;
        CHECK_OK(halo_plan_dpfp(&ctx, &p));
        double ex = exhaustive(&ctx, n);
        CHECK_NEAR(p->total_ms, ex, 1e-9 * ex);
        CHECK_OK(halo_plan_validate(p, g, "dpfp"));
        halo_plan_free(p);
        halo_planner_ctx_free(&ctx);
        halo_cluster_free(c);
    }
    halo_graph_free(g);
    /* heterogeneous: report the gap of the heuristic to the exhaustive optimum (slow devices and
     * fast links, where splitting pays and the subset matters) */
    CHECK_OK(halo_zoo_build_for("vgg11", 128, 128, &g));
    struct halo_rng rng;
    halo_rng_seed(&rng, 5);
    double worst_gap = 0, sum_gap = 0;
    int trials = 0;
    for (int t = 0; t < 10; t++) {
        int n = 2 + t % 7; /* 2..8 ESs */
        double gf[8], bw[8];
        for (int i = 0; i < n; i++) {
            gf[i] = 2 + 48 * halo_rng_uniform(&rng);
            bw[i] = 100 + 900 * halo_rng_uniform(&rng);
        }
        struct halo_cluster *c = test_cluster(n, gf, NULL, bw, 200 + 800 * halo_rng_uniform(&rng), 0.02);
        struct halo_planner_ctx ctx;
        CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
        struct halo_plan *p;
        CHECK_OK(halo_plan_dpfp(&ctx, &p));
        double ex = exhaustive(&ctx, n), gap = (p->total_ms - ex) / ex;
        CHECK(gap >= -1e-9); /* exhaustive includes the heuristic's subsets */
        CHECK(p->total_ms <= ctx.local_ms * (1 + 1e-9)); /* never worse than the best single ES */
        printf("subset search: %d heterogeneous ESs: heuristic %.3f ms on %d ESs, exhaustive %.3f ms, gap %.2f %%\n",
               n, p->total_ms, p->n_dev - 1, ex, 100 * gap);
        if (gap > worst_gap) worst_gap = gap;
        sum_gap += gap;
        trials++;
        halo_plan_free(p);
        halo_planner_ctx_free(&ctx);
        halo_cluster_free(c);
    }
    printf("subset search: mean gap %.2f %%, worst %.2f %% over %d random heterogeneous clusters\n",
           100 * sum_gap / trials, 100 * worst_gap, trials);
    halo_graph_free(g);
}

/* ---- one ES is local inference; validator; files ----------------------------------------- */

static void test_one_es_and_validator(void)
{
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet50", 160, 192, &g));
    double gf1[1] = {120}, bw1[1] = {400};
    struct halo_cluster *c1 = test_cluster(1, gf1, NULL, bw1, 400, 0.02);
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c1, (struct halo_planner_opts){0}));
    struct halo_plan *p, *l;
    CHECK_OK(halo_plan_dpfp(&ctx, &p));
    CHECK_OK(halo_plan_local(&ctx, &l));
    CHECK_NEAR(p->total_ms, ctx.local_ms, 1e-9 * ctx.local_ms);
    CHECK_NEAR(l->total_ms, ctx.local_ms, 1e-9 * ctx.local_ms);
    CHECK_EQ(p->n_blocks, 1);
    CHECK_EQ(p->redundant_macs, 0);
    halo_plan_free(p);
    halo_plan_free(l);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c1);

    double gf[4] = {100, 100, 60, 60}, bw[4] = {1000, 1000, 500, 500};
    struct halo_cluster *c = test_cluster(4, gf, NULL, bw, 500, 0.02);
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){.no_select = true}));
    CHECK_OK(halo_plan_dpfp(&ctx, &p));
    CHECK_OK(halo_plan_validate(p, g, "p"));
    CHECK_EQ(p->n_dev, 5);
    CHECK(p->n_blocks >= 1);
    CHECK(p->total_ms < ctx.local_ms); /* 4 ESs on a fast network beat one */
    CHECK(p->redundant_macs > 0);
    /* the plan file round trip keeps the structure and validates */
    CHECK_OK(halo_plan_save(p, "/tmp/halo-test-plan.json"));
    struct halo_plan *q;
    CHECK_OK(halo_plan_load("/tmp/halo-test-plan.json", &q));
    CHECK_OK(halo_plan_validate(q, g, "q"));
    CHECK_EQ(halo_plan_hash(q), halo_plan_hash(p));
    CHECK_NEAR(q->total_ms, p->total_ms, 1e-9);
    halo_plan_free(q);

    /* crafted broken plans */
    struct halo_plan_block *b0 = &p->block[0];
    struct halo_rect saved = b0->part[0].out;
    b0->part[0].out.y1 += 1; /* overlaps the next part */
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "overlaps parts[0]");
    b0->part[0].out.y1 -= 2; /* leaves a row uncovered */
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "parts: cover");
    b0->part[0].out = saved;
    struct halo_rect in = b0->part[1].in;
    b0->part[1].in.y0 += 1;
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "but its output needs");
    b0->part[1].in = in;
    int dev = b0->part[1].src[0].device;
    b0->part[1].src[0].device = 2 + (dev == 2); /* an ES that does not hold the image */
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "does not hold");
    b0->part[1].src[0].device = dev;
    b0->part[0].device = 9;
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "no such device");
    b0->part[0].device = 1;
    p->lossless = false;
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "lossless");
    p->lossless = true;
    p->tail.stage0 += 1;
    CHECK_ERR(halo_plan_validate(p, g, "p"), HALO_ERR_INVALID, "tail.stages");
    p->tail.stage0 -= 1;
    CHECK_OK(halo_plan_validate(p, g, "p"));
    halo_plan_free(p);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
}

/* ---- the cost model ------------------------------------------------------------------------ */

/* The link models' table, and a plan whose last block ends the network (no tail): the result
 * leaves the tail device once every part of the last block has finished. */
static void test_cost_model(void)
{
    CHECK(halo_link_model_find("fifo") == &halo_link_fifo);
    CHECK(halo_link_model_default() == &halo_link_fifo);
    CHECK(halo_link_model_find("nope") == NULL);
    CHECK(halo_link_model_at(0) == &halo_link_fifo);

    struct halo_graph *g = halo_graph_new("convs", 3);
    int x = halo_graph_conv(g, "c1", HALO_INPUT, 3, 8, 3, 1, 1, 1, 1, true);
    x = halo_graph_act(g, HALO_OP_RELU, "r1", x);
    x = halo_graph_conv(g, "c2", x, 8, 8, 3, 1, 1, 1, 1, true);
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 32, 32));
    CHECK_EQ(g->n_spatial, g->n_stages);
    double gf[2] = {10, 20}, bw[2] = {100, 50};
    struct halo_cluster *c = test_cluster(2, gf, NULL, bw, 80, 0.02);
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
    int es[2] = {1, 2}, dev[2] = {1, 2};
    struct halo_rect rects[2] = {{0, 12, 0, 32}, {12, 32, 0, 32}};
    struct halo_plan *p;
    CHECK_OK(halo_planner_plan_new(&ctx, "test", es, 2, &p));
    CHECK_OK(halo_plan_add_block(p, g, 0, g->n_spatial, HALO_TILE_EXACT, false, 2, dev, rects));
    CHECK_OK(halo_planner_finish(&ctx, p, es, 2));
    CHECK(p->tail.first == p->tail.last);
    const struct halo_sched *s = &p->sched;
    CHECK_EQ(s->block_step0[s->n_blocks + 1], s->block_step0[s->n_blocks]); /* no tail step */
    CHECK_EQ(s->msg[s->n_msg - 1].ready_step, -1);
    struct halo_sched rt;
    CHECK_ERR(halo_sched_build(p, g, &rt), HALO_ERR_UNSUPPORTED, "tail: empty");
    double last_end = 0;
    for (int i = 0; i < p->n_events; i++)
        if (p->events[i].kind == HALO_EVENT_COMPUTE && p->events[i].end_ms > last_end) last_end = p->events[i].end_ms;
    const struct halo_plan_event *r = &p->events[p->n_events - 1];
    CHECK(r->kind == HALO_EVENT_RECV && r->device == 0 && r->peer == 2 && r->block == -1);
    CHECK_NEAR(r->start_ms, last_end, 0);
    CHECK_NEAR(r->end_ms, p->total_ms, 0);
    /* re-running the timeline alone gives the same latency; faster links never make it slower */
    double t, fast[9];
    CHECK_OK(halo_plan_timeline(p, NULL, false, &t));
    CHECK_NEAR(t, p->total_ms, 0);
    for (int i = 0; i < 9; i++) fast[i] = 2 * p->bw_mbps[i];
    CHECK_OK(halo_plan_timeline(p, fast, false, &t));
    CHECK(t < p->total_ms);
    halo_plan_free(p);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_cluster_errors(void)
{
    struct halo_cluster *c;
    const char *head = "{\"schema\": \"halo-cluster/1\", \"source\": \"src\", \"devices\": [";
    char buf[2048];
    const char *src = "{\"name\": \"src\", \"uplink_mbps\": 100, \"downlink_mbps\": 100}";
    const char *es = "{\"name\": \"es1\", \"capacity\": {\"gflops\": 10}, \"uplink_mbps\": 100, \"downlink_mbps\": 100}";
    snprintf(buf, sizeof buf, "%s%s]}", head, src);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "/tmp/halo-c.json: devices: no edge servers");
    snprintf(buf, sizeof buf, "{\"schema\": \"halo-cluster/1\", \"source\": \"cam\", \"devices\": [%s, %s]}", src, es);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "source: 'cam' is not one of the devices");
    snprintf(buf, sizeof buf, "%s%s, {\"name\": \"es1\", \"capacity\": {\"gflops\": 10}, \"uplink_mbps\": 0, "
                              "\"downlink_mbps\": 100}]}", head, src);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "devices[1].uplink_mbps: 0 is out of range [0.001, 1e+09]");
    snprintf(buf, sizeof buf, "%s%s, {\"name\": \"es1\", \"profile\": \"/nonexistent.json\", \"uplink_mbps\": 10, "
                              "\"downlink_mbps\": 100}]}", head, src);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_IO, "devices[1].profile: /nonexistent.json: cannot open");
    write_file("/tmp/halo-p.json", "{\"schema\": \"halo-profile/1\", \"name\": 3}");
    snprintf(buf, sizeof buf, "%s%s, {\"name\": \"es1\", \"profile\": \"/tmp/halo-p.json\", \"uplink_mbps\": 10, "
                              "\"downlink_mbps\": 100}]}", head, src);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "/tmp/halo-p.json: name: must be a string");
    write_file("/tmp/halo-p.json", "{\"schema\": \"halo-profile/9\"}");
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "'halo-profile/9' is not supported");
    /* a profile that measured another model and has no fit cannot price resnet18 */
    write_file("/tmp/halo-p.json",
               "{\"schema\": \"halo-profile/1\", \"name\": \"p\", \"platform\": {\"backend\": \"cpu\"}, \"models\": "
               "[{\"model\": \"vgg11\", \"input\": [32, 32], \"latency_ms\": {\"median\": 1}, \"layers\": []}]}");
    CHECK_OK(halo_cluster_load("/tmp/halo-c.json", &c));
    struct halo_graph *g;
    CHECK_OK(halo_zoo_build_for("resnet18", 64, 64, &g));
    struct halo_planner_ctx ctx;
    CHECK_ERR(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}), HALO_ERR_INVALID,
              "fit.classes.conv_strided: missing, and the profile did not measure resnet18 at 64x64");
    halo_graph_free(g);
    halo_cluster_free(c);
    snprintf(buf, sizeof buf, "%s%s, %s], \"links\": {\"bandwidth_mbps\": [[0, 1], [1]]}}", head, src, es);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "links.bandwidth_mbps[1]: must be an array of 2");
    snprintf(buf, sizeof buf, "%s%s, %s], \"bandwith\": 3}", head, src, es);
    write_file("/tmp/halo-c.json", buf);
    CHECK_ERR(halo_cluster_load("/tmp/halo-c.json", &c), HALO_ERR_INVALID, "bandwith: unknown field");
}

int main(void)
{
    RUN(test_dp);
    RUN(test_subsets);
    RUN(test_one_es_and_validator);
    RUN(test_cost_model);
    RUN(test_cluster_errors);
    return halo_test_done("test_plan");
}
