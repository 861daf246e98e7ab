/* Planning: the block DP against brute force, DPFP's ES-subset search against exhaustive search,
 * DPFP for streams' pipeline DP against brute force (random costs and its own model),
 * the plan validator on crafted broken plans, plan files, the cost model on a plan without a
 * tail, and cluster-file errors. */
#include "core/json.h"
#include "core/rng.h"
#include "model/zoo.h"
#include "partition/dp.h"
#include "partition/link.h"
#include "partition/pipe_dp.h"
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
    CHECK_OK(halo_plan_timeline(p, NULL, NULL, false, &t));
    CHECK_NEAR(t, p->total_ms, 0);
    for (int i = 0; i < 9; i++) fast[i] = 2 * p->bw_mbps[i];
    CHECK_OK(halo_plan_timeline(p, fast, NULL, false, &t));
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

/* ---- DPFP for streams: the pipeline DP against brute force -------------------------------- */

/* Random costs, tabled so that both searches see the same numbers. */
struct pipe_tables {
    int S, N;
    double *blk;  /* [a][m][i][j][first] */
    double *io;   /* [a][m][i][in/out] */
    double *tail; /* [a][m] */
};

static size_t pt_g(const struct pipe_tables *t, int a, int m) { return (size_t)a * (t->N + 1) + m; }

static double pt_block(const void *arg, int a, int m, int i, int j, bool first)
{
    const struct pipe_tables *t = arg;
    return t->blk[((pt_g(t, a, m) * (t->S + 1) + i) * (t->S + 1) + j) * 2 + first];
}

static double pt_input(const void *arg, int a, int m, int i)
{
    const struct pipe_tables *t = arg;
    return t->io[(pt_g(t, a, m) * (t->S + 1) + i) * 2];
}

static double pt_output(const void *arg, int a, int m, int j)
{
    const struct pipe_tables *t = arg;
    return t->io[(pt_g(t, a, m) * (t->S + 1) + j) * 2 + 1];
}

static double pt_tail(const void *arg, int a, int m)
{
    const struct pipe_tables *t = arg;
    return t->tail[pt_g(t, a, m)];
}

/* A pipeline is well formed: groups chain the stages and sit in order on ESs [0, k). */
static void check_pipe_shape(const struct halo_pipe *p, int S)
{
    CHECK(p->n_groups >= 1 && p->n_blocks >= p->n_groups);
    CHECK_EQ(p->stage0[0], 0);
    CHECK_EQ(p->stage0[p->n_groups], S);
    CHECK_EQ(p->cut[0], 0);
    CHECK_EQ(p->cut[p->n_blocks], S);
    CHECK_EQ(p->es1[p->n_groups - 1], p->k);
    for (int g = 0; g < p->n_groups; g++) {
        CHECK(p->stage0[g] < p->stage0[g + 1] && p->es0[g] < p->es1[g]);
        if (g) CHECK(p->es0[g] >= p->es1[g - 1]);
        bool is_cut = false;
        for (int b = 0; b <= p->n_blocks; b++) is_cut |= p->cut[b] == p->stage0[g];
        CHECK(is_cut);
    }
    for (int b = 0; b < p->n_blocks; b++) CHECK(p->cut[b] < p->cut[b + 1]);
}

/* The DP against brute force for every k under goal and bound; returns how many k differ. */
static int compare_pipe(const struct halo_pipe_costs *c, enum halo_pipe_goal goal, double bound, bool every,
                        const char *what)
{
    struct halo_pipe dp[8];
    int differ = 0;
    CHECK(c->N <= 8);
    CHECK_OK(halo_pipe_dp(c, goal, bound, every, dp));
    for (int k = 1; k <= c->N; k++) {
        struct halo_pipe bf;
        CHECK_OK(halo_pipe_brute_force(c, k, goal, bound, every, &bf));
        CHECK_EQ(dp[k - 1].n_groups > 0, bf.n_groups > 0);
        if (dp[k - 1].n_groups > 0 && bf.n_groups > 0) {
            check_pipe_shape(&dp[k - 1], c->S);
            /* the DP's pipeline costs what it says */
            struct halo_pipe again = dp[k - 1];
            halo_pipe_eval(c, &again);
            CHECK_NEAR(again.period_ms, dp[k - 1].period_ms, 1e-12 * fabs(again.period_ms));
            CHECK_NEAR(again.latency_ms, dp[k - 1].latency_ms, 1e-12 * fabs(again.latency_ms));
            bool same = dp[k - 1].feasible == bf.feasible &&
                        fabs(dp[k - 1].period_ms - bf.period_ms) <= 1e-9 * fabs(bf.period_ms) &&
                        fabs(dp[k - 1].latency_ms - bf.latency_ms) <= 1e-9 * fabs(bf.latency_ms);
            if (!same) {
                differ++;
                printf("pipe DP differs from brute force: %s, %s, bound %g%s, k = %d: DP period %.6f latency %.6f%s, "
                       "brute force %.6f %.6f%s\n", what, goal == HALO_PIPE_PERIOD ? "period" : "latency", bound,
                       every ? ", every ES" : "", k, dp[k - 1].period_ms, dp[k - 1].latency_ms,
                       dp[k - 1].feasible ? "" : " (outside)", bf.period_ms, bf.latency_ms, bf.feasible ? "" : " (outside)");
            }
        }
        halo_pipe_free(&bf);
        halo_pipe_free(&dp[k - 1]);
    }
    return differ;
}

static void test_pipe_dp(void)
{
    struct halo_rng rng;
    halo_rng_seed(&rng, 29);
    int differ = 0, compared = 0;
    for (int S = 1; S <= 6; S++)
        for (int N = 1; N <= 4; N++)
            for (int rep = 0; rep < 3; rep++) {
                struct pipe_tables t = {S, N, NULL, NULL, NULL};
                size_t ng = (size_t)(N + 1) * (N + 1), s1 = (size_t)S + 1;
                t.blk = malloc(ng * s1 * s1 * 2 * sizeof *t.blk);
                t.io = malloc(ng * s1 * 2 * sizeof *t.io);
                t.tail = malloc(ng * sizeof *t.tail);
                for (size_t q = 0; q < ng * s1 * s1 * 2; q++) t.blk[q] = 0.5 + 10 * halo_rng_uniform(&rng);
                for (size_t q = 0; q < ng * s1 * 2; q++) t.io[q] = 8 * halo_rng_uniform(&rng);
                for (size_t q = 0; q < ng; q++) t.tail[q] = 3 * halo_rng_uniform(&rng);
                /* every third table has ties: costs on a coarse grid */
                if (rep == 2)
                    for (size_t q = 0; q < ng * s1 * s1 * 2; q++) t.blk[q] = floor(t.blk[q]);
                struct halo_pipe_costs c = {S, N, pt_block, pt_input, pt_output, pt_tail, &t};
                char what[64];
                snprintf(what, sizeof what, "random S=%d N=%d #%d", S, N, rep);
                /* unbounded, then bounds that cut the front in the middle */
                double bounds[3] = {INFINITY, 6 + 4 * S * halo_rng_uniform(&rng), 2 + 10 * halo_rng_uniform(&rng)};
                for (int b = 0; b < 3; b++)
                    for (int every = 0; every < 2; every++) {
                        differ += compare_pipe(&c, HALO_PIPE_PERIOD, bounds[b == 2 ? 0 : b], every, what);
                        differ += compare_pipe(&c, HALO_PIPE_LATENCY, bounds[b == 1 ? 0 : b], every, what);
                        compared += 2 * N;
                    }
                free(t.blk);
                free(t.io);
                free(t.tail);
            }
    /* DPFP for streams' own model: six conv stages and a tail on four heterogeneous ESs */
    struct halo_graph *g = halo_graph_new("six", 3);
    int x = HALO_INPUT, cin = 3;
    const int cout[6] = {8, 16, 16, 32, 32, 32}, stride[6] = {1, 2, 1, 2, 1, 1};
    for (int l = 0; l < 6; l++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", l);
        x = halo_graph_conv(g, name, x, cin, cout[l], 3, stride[l], 1, 1, 1, true);
        snprintf(name, sizeof name, "r%d", l);
        x = halo_graph_act(g, HALO_OP_RELU, name, x);
        cin = cout[l];
    }
    x = halo_graph_adaptive_avgpool(g, "pool", x, 1, 1);
    x = halo_graph_flatten(g, "flat", x);
    halo_graph_linear(g, "fc", x, 32, 10, true);
    CHECK_OK(halo_graph_finalize(g));
    CHECK_OK(halo_graph_infer(g, 64, 64));
    CHECK_EQ(g->n_spatial, 6);
    double gf[4] = {3, 2, 1.2, 0.6}, bw[4] = {1000, 200, 500, 50};
    struct halo_cluster *cl = test_cluster(4, gf, NULL, bw, 300, 0.02);
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, cl, (struct halo_planner_opts){0}));
    struct halo_pipe_costs c;
    void *model = NULL;
    CHECK_OK(halo_dpfp_stream_model(&ctx, &c, &model));
    CHECK_EQ(c.S, 6);
    CHECK_EQ(c.N, 4);
    struct halo_pipe best[4];
    CHECK_OK(halo_pipe_dp(&c, HALO_PIPE_PERIOD, INFINITY, false, best));
    double P = best[3].period_ms, L = best[3].latency_ms;
    for (int k = 0; k < 4; k++) halo_pipe_free(&best[k]);
    double pbounds[3] = {INFINITY, 1.2 * L, 0.8 * L}, lbounds[3] = {INFINITY, 1.5 * P, 0.9 * P};
    for (int b = 0; b < 3; b++)
        for (int every = 0; every < 2; every++) {
            differ += compare_pipe(&c, HALO_PIPE_PERIOD, pbounds[b], every, "dpfp-stream's model, six stages");
            differ += compare_pipe(&c, HALO_PIPE_LATENCY, lbounds[b], every, "dpfp-stream's model, six stages");
            compared += 8;
        }
    halo_dpfp_stream_model_free(model);
    /* the planner itself: its plan validates and, under the throughput objective, runs at least as
     * fast as DPFP's and the layer pipeline's */
    struct halo_planner_opts opts = {.objective = {.kind = HALO_OBJECTIVE_THROUGHPUT}};
    halo_planner_ctx_free(&ctx);
    CHECK_OK(halo_planner_ctx_init(&ctx, g, cl, opts));
    struct halo_plan *ds, *dp, *pe;
    CHECK_OK(halo_plan_dpfp_stream(&ctx, &ds));
    CHECK_OK(halo_plan_dpfp(&ctx, &dp));
    CHECK_OK(halo_plan_pipeedge(&ctx, &pe));
    CHECK_OK(halo_plan_validate(ds, g, "dpfp-stream"));
    CHECK(strstr(ds->notes, "HALO'S EXTENSION") != NULL);
    struct halo_stream_figures fs, fd, fp;
    CHECK_OK(halo_plan_figures(ds, &opts.objective, &fs));
    CHECK_OK(halo_plan_figures(dp, &opts.objective, &fd));
    CHECK_OK(halo_plan_figures(pe, &opts.objective, &fp));
    printf("six stages, 4 ESs, as fast as possible: dpfp-stream %.2f, dpfp %.2f, pipeedge %.2f frames/s\n",
           fs.throughput_fps, fd.throughput_fps, fp.throughput_fps);
    CHECK(fs.throughput_fps >= fd.throughput_fps * (1 - 1e-9));
    CHECK(fs.throughput_fps >= fp.throughput_fps * (1 - 1e-9));
    halo_plan_free(ds);
    halo_plan_free(dp);
    halo_plan_free(pe);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(cl);
    halo_graph_free(g);
    printf("pipeline DP vs brute force: %d of %d (k, goal, bound) cases differ\n", differ, compared);
    CHECK_EQ(differ, 0);
}

int main(void)
{
    RUN(test_dp);
    RUN(test_pipe_dp);
    RUN(test_subsets);
    RUN(test_one_es_and_validator);
    RUN(test_cost_model);
    RUN(test_cluster_errors);
    return halo_test_done("test_plan");
}
