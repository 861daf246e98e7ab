/* test_adapt: the estimator's EWMA (exact values for the stated alpha), its fallbacks (a pair never
 * seen, a stale estimate), the policy's hysteresis (a gain must hold for `hold` checks, no adoption
 * within the minimum interval, no flapping once adapted), a slow link and a straggler losing work,
 * a dead ES excluded at once, and the planning time of a re-plan of resnet50 on 8 ESs (printed:
 * times are not checked on a shared machine). */
#include "test.h"
#include "test_cluster.h"

#include "core/clock.h"
#include "model/model.h"
#include "partition/adapt.h"
#include "partition/planner.h"

struct fix {
    struct halo_graph *g;
    struct halo_cluster *c;
    struct halo_planner_ctx ctx;
    struct halo_plan *p; /* DPFP over every ES */
    int es[8], n_es;
    struct halo_adapt *a;
};

static void fix_free(struct fix *f)
{
    halo_adapt_free(f->a);
    halo_plan_free(f->p);
    if (f->ctx.pricer) halo_planner_ctx_free(&f->ctx);
    halo_cluster_free(f->c);
    halo_graph_free(f->g);
}

/* n identical ESs on a 200 Mbps LAN, resnet18 at 96x96; the first plan is DPFP's, rebuilt over the
 * run's devices. */
static bool fix_init(struct fix *f, int n, const struct halo_adapt_opts *o)
{
    memset(f, 0, sizeof *f);
    double gf[8] = {2, 2, 2, 2, 2, 2, 2, 2}, bw[8] = {200, 200, 200, 200, 200, 200, 200, 200};
    if (halo_model_build_for("resnet18", 96, 96, &f->g) != HALO_OK) return false;
    f->c = test_cluster(n, gf, NULL, bw, 200, 0.05);
    if (!f->c) return false;
    if (halo_planner_ctx_init(&f->ctx, f->g, f->c, (struct halo_planner_opts){0}) != HALO_OK) return false;
    f->n_es = n;
    for (int k = 0; k < n; k++) f->es[k] = k + 1;
    struct halo_plan *q = NULL;
    if (halo_plan_dpfp(&f->ctx, &q) != HALO_OK) return false;
    struct halo_objective obj = {.kind = HALO_OBJECTIVE_LATENCY};
    enum halo_status st = halo_adapt_new(f->g, f->c, f->es, n, &obj, NULL, o, &f->a);
    if (st == HALO_OK) st = halo_adapt_rebuild(f->a, 0, q, &f->p);
    halo_plan_free(q);
    if (st != HALO_OK) fprintf(stderr, "fixture: %s\n", halo_error_msg());
    return st == HALO_OK;
}

/* MACs plan p gives cluster device d (its blocks' parts). */
static int64_t macs_of(const struct halo_plan *p, const struct halo_cluster *c, int d)
{
    int64_t m = 0;
    for (int b = 0; b < p->n_blocks; b++)
        for (int k = 0; k < p->block[b].n_parts; k++)
            if (halo_cluster_find(c, p->dev[p->block[b].part[k].device].name) == d) m += p->block[b].part[k].macs;
    return m;
}

static void test_ewma(void)
{
    struct fix f;
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.alpha = 0.25;
    o.stale_ms = 1000;
    CHECK(fix_init(&f, 2, &o));
    if (!f.a) goto out;
    /* es1 -> es2 at 200 Mbps; 1e6 bytes take the pair's latency + 40 ms */
    double lat = f.c->lat_ms[1 * f.c->n + 2];
    CHECK_NEAR(halo_adapt_rate(f.a, 0, 1, 2), 200, 1e-9);
    halo_adapt_observe_transfer(f.a, 10, 1, 2, 1000000, lat + 80); /* 100 Mbps: replaces the cluster's */
    CHECK_NEAR(halo_adapt_rate(f.a, 10, 1, 2), 100, 1e-9);
    halo_adapt_observe_transfer(f.a, 20, 1, 2, 1000000, lat + 160); /* 50 Mbps */
    CHECK_NEAR(halo_adapt_rate(f.a, 20, 1, 2), 0.75 * 100 + 0.25 * 50, 1e-9);
    /* a pair never seen: the cluster's rate while the slow pair may be es2's downlink's fault */
    CHECK_NEAR(halo_adapt_rate(f.a, 20, 1, 0), 200, 1e-9);
    CHECK_NEAR(halo_adapt_rate(f.a, 20, 0, 1), 200, 1e-9); /* es1's downlink: nothing seen */
    /* es2's downlink shown fast: the slow pair is es1's uplink's (87.5 / 200) */
    halo_adapt_observe_transfer(f.a, 20, 0, 2, 1000000, f.c->lat_ms[2] + 40);
    CHECK_NEAR(halo_adapt_rate(f.a, 20, 1, 0), 87.5, 1e-9);
    /* stale: back to the cluster's */
    CHECK_NEAR(halo_adapt_rate(f.a, 1021, 1, 2), 200, 1e-9);
    /* within the latency: no rate to tell */
    halo_adapt_observe_transfer(f.a, 1100, 2, 1, 1000, lat);
    CHECK_NEAR(halo_adapt_rate(f.a, 1100, 2, 1), 200, 1e-9);
    /* speed: a step predicted at 10 ms for speed 1 that took 40 ms */
    CHECK_NEAR(halo_adapt_speed(f.a, 0, 1), 1, 1e-12);
    halo_adapt_observe_compute(f.a, 5, 1, 10, 1, 40);
    CHECK_NEAR(halo_adapt_speed(f.a, 5, 1), 0.25, 1e-12);
    halo_adapt_observe_compute(f.a, 6, 1, 10, 1, 10);
    CHECK_NEAR(halo_adapt_speed(f.a, 6, 1), 0.75 * 0.25 + 0.25 * 1, 1e-12);
out:
    fix_free(&f);
}

/* A device not measured lately takes the median speed of its peers (devices priced by the same
 * profile) once two have been measured; one measured device lends nobody its speed. */
static void test_peer_speed(void)
{
    struct fix f;
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.alpha = 1;
    o.stale_ms = 1000;
    CHECK(fix_init(&f, 3, &o));
    if (!f.a) goto out;
    halo_adapt_observe_compute(f.a, 5, 1, 7, 1, 10); /* es1 at 0.7 */
    CHECK_NEAR(halo_adapt_speed(f.a, 5, 1), 0.7, 1e-12);
    CHECK_NEAR(halo_adapt_speed(f.a, 5, 3), 1, 1e-12); /* a straggler's speed is its own */
    halo_adapt_observe_compute(f.a, 6, 2, 8, 1, 10); /* es2 at 0.8 */
    CHECK_NEAR(halo_adapt_speed(f.a, 6, 3), 0.75, 1e-12); /* the platform's, as two peers ran */
    CHECK_NEAR(halo_adapt_speed(f.a, 6, 1), 0.7, 1e-12);  /* a fresh estimate stays its own */
    CHECK_NEAR(halo_adapt_speed(f.a, 2000, 1), 0.75, 1e-12); /* stale: the peers' median */
    halo_adapt_mark_dead(f.a, 2);                                /* the dead lend nothing */
    CHECK_NEAR(halo_adapt_speed(f.a, 2000, 3), 1, 1e-12);
out:
    fix_free(&f);
}

/* A round of messages between every pair of devices observed at now: those to or from `slow` at
 * `mbps`, the others at the cluster's rates. */
static void observe_slow_links(struct halo_adapt *a, const struct halo_cluster *c, int slow, double mbps, double now)
{
    for (int x = 0; x < c->n; x++)
        for (int y = 0; y < c->n; y++) {
            if (x == y) continue;
            double r = x == slow || y == slow ? mbps : c->bw_mbps[x * c->n + y];
            halo_adapt_observe_transfer(a, now, x, y, 100000, c->lat_ms[x * c->n + y] + 100000 * 8e-3 / r);
        }
}

/* Slow enough for a gain past 10 %, not so slow that the plan in use is urgent to replace. */
#define SLOW_MBPS 20.0

static void test_hysteresis_link(void)
{
    struct fix f;
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.hold = 3;
    o.min_interval_ms = 1000;
    o.gain = 0.05; /* 4 ESs are 8 % faster than 3 here: below the default gain es2 would stay out */
    CHECK(fix_init(&f, 4, &o));
    if (!f.a) goto out;
    struct halo_plan *q = NULL;
    /* nothing changed: no re-plan, however often asked */
    for (int i = 0; i < 5; i++) {
        CHECK_OK(halo_adapt_check(f.a, 2000 + 100 * i, f.p, &q));
        CHECK(q == NULL);
    }
    /* es2's links drop to SLOW_MBPS: adopted on the hold-th check, not before */
    double t = 3000;
    for (int i = 0; i < o.hold; i++, t += 100) {
        observe_slow_links(f.a, f.c, 2, SLOW_MBPS, t);
        CHECK_OK(halo_adapt_check(f.a, t, f.p, &q));
        CHECK_MSG((q != NULL) == (i == o.hold - 1), "check %d adopted %d", i, q != NULL);
        if (q && i < o.hold - 1) halo_plan_free(q), q = NULL;
    }
    if (!q) goto out;
    int n;
    const struct halo_adapt_record *r = halo_adapt_log(f.a, &n);
    CHECK_EQ(n, 1);
    CHECK_EQ(r[0].trigger, HALO_ADAPT_TRIGGER_LINK);
    CHECK_EQ(r[0].device, 2);
    CHECK_NEAR(r[0].change, SLOW_MBPS / 200, 1e-9);
    CHECK(!r[0].urgent);
    CHECK_MSG(r[0].new_ms <= (1 - o.gain) * r[0].old_ms, "new %g old %g", r[0].new_ms, r[0].old_ms);
    CHECK_EQ(r[0].checks, 5 + o.hold);
    CHECK_MSG(macs_of(q, f.c, 2) < macs_of(f.p, f.c, 2), "es2 keeps %lld of %lld MACs", (long long)macs_of(q, f.c, 2),
              (long long)macs_of(f.p, f.c, 2));
    CHECK_EQ(q->n_dev, f.p->n_dev); /* the run's devices, whoever computes */
    CHECK_OK(halo_plan_validate(q, f.g, "replan"));
    /* within the minimum interval: no re-plan even with a gain to have (the old plan offered) */
    struct halo_plan *q2 = NULL;
    CHECK_OK(halo_adapt_check(f.a, t + 100, f.p, &q2));
    CHECK(q2 == NULL);
    /* adapted and steady: no flapping, however long it runs */
    for (int i = 0; i < 10; i++) {
        t += 400;
        observe_slow_links(f.a, f.c, 2, SLOW_MBPS, t);
        CHECK_OK(halo_adapt_check(f.a, t, q, &q2));
        CHECK(q2 == NULL);
        halo_plan_free(q2);
        q2 = NULL;
    }
    /* the link comes back: es2 wins its work back once the EWMA has seen it (alpha 0.3) */
    for (int i = 0; i < 30 && !q2; i++) {
        t += 400;
        observe_slow_links(f.a, f.c, 2, 200, t);
        CHECK_OK(halo_adapt_check(f.a, t, q, &q2));
    }
    CHECK(q2 != NULL);
    if (q2) CHECK(macs_of(q2, f.c, 2) > macs_of(q, f.c, 2));
    halo_plan_free(q2);
    halo_plan_free(q);
out:
    fix_free(&f);
}

/* A plan in use gone HALO_ADAPT_URGENT times worse is replaced at the first check, without the
 * hold. */
static void test_urgent(void)
{
    struct fix f;
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.hold = 5;
    CHECK(fix_init(&f, 4, &o));
    if (!f.a) goto out;
    struct halo_plan *q = NULL;
    CHECK_OK(halo_adapt_check(f.a, 1000, f.p, &q)); /* the figure of the plan in use */
    CHECK(q == NULL);
    observe_slow_links(f.a, f.c, 2, 5, 1100);
    CHECK_OK(halo_adapt_check(f.a, 1100, f.p, &q));
    CHECK(q != NULL);
    const struct halo_adapt_record *r = halo_adapt_last(f.a);
    if (r) {
        CHECK(r->urgent);
        CHECK(r->old_ms >= HALO_ADAPT_URGENT * r->new_ms);
    }
    halo_plan_free(q);
out:
    fix_free(&f);
}

/* es1's steps take obs_ms where the plan says 10 ms, until a re-plan is adopted: it must name es1
 * with `trigger` ("straggler" when slower, "faster" when faster) and give es1 less work (slower: under
 * half its share) or more (faster). */
static void speed_replan(double obs_ms, enum halo_adapt_trigger trigger, const char *name)
{
    struct fix f;
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.hold = 2;
    CHECK(fix_init(&f, 4, &o));
    if (!f.a) goto out;
    struct halo_plan *q = NULL;
    for (int i = 0; i < o.hold && !q; i++) {
        halo_adapt_observe_compute(f.a, 3000 + i, 1, 10, 1, obs_ms);
        CHECK_OK(halo_adapt_check(f.a, 3000 + i, f.p, &q));
    }
    CHECK(q != NULL);
    if (!q) goto out;
    const struct halo_adapt_record *r = halo_adapt_last(f.a);
    CHECK_EQ(r->trigger, trigger);
    CHECK_EQ(r->device, 1);
    CHECK(strcmp(halo_adapt_trigger_name(r->trigger), name) == 0);
    if (obs_ms > 10)
        CHECK(macs_of(q, f.c, 1) < macs_of(f.p, f.c, 1) / 2);
    else
        CHECK(macs_of(q, f.c, 1) > macs_of(f.p, f.c, 1));
    halo_plan_free(q);
out:
    fix_free(&f);
}

/* es1 at a quarter of its speed */
static void test_straggler(void) { speed_replan(40, HALO_ADAPT_TRIGGER_STRAGGLER, "straggler"); }

/* es1 at four times its speed: more work, and the re-plan says "faster", not "straggler" */
static void test_faster(void) { speed_replan(2.5, HALO_ADAPT_TRIGGER_FASTER, "faster"); }

static void test_dead(void)
{
    struct fix f;
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.min_interval_ms = 1e9; /* a dead ES does not wait for the interval nor the hold */
    CHECK(fix_init(&f, 4, &o));
    if (!f.a) goto out;
    CHECK(macs_of(f.p, f.c, 3) > 0);
    struct halo_plan *q = NULL;
    halo_adapt_mark_dead(f.a, 3);
    CHECK(halo_adapt_is_dead(f.a, 3));
    CHECK_OK(halo_adapt_check(f.a, 10, f.p, &q));
    CHECK(q != NULL);
    if (!q) goto out;
    CHECK_EQ(halo_adapt_last(f.a)->trigger, HALO_ADAPT_TRIGGER_DEAD);
    CHECK_EQ(halo_adapt_last(f.a)->device, 3);
    CHECK_EQ(macs_of(q, f.c, 3), 0);
    CHECK(halo_cluster_find(f.c, q->dev[q->tail.device].name) != 3);
    CHECK_EQ(q->n_dev, 5);
    /* the plan that used it cannot be rebuilt on the survivors */
    struct halo_plan *z = NULL;
    CHECK_ERR(halo_adapt_rebuild(f.a, 10, f.p, &z), HALO_ERR_INVALID, "dead device 'es3'");
    /* once, not again */
    struct halo_plan *q2 = NULL;
    CHECK_OK(halo_adapt_check(f.a, 20, q, &q2));
    CHECK(q2 == NULL);
    halo_plan_free(q);
out:
    fix_free(&f);
}

static void test_bad_opts(void)
{
    struct fix f;
    CHECK(fix_init(&f, 2, NULL));
    struct halo_adapt *a = NULL;
    struct halo_objective obj = {.kind = HALO_OBJECTIVE_LATENCY};
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.alpha = 0;
    if (f.c) CHECK_ERR(halo_adapt_new(f.g, f.c, f.es, 2, &obj, NULL, &o, &a), HALO_ERR_INVALID, "alpha");
    o = halo_adapt_opts_default();
    int es[2] = {1, 1};
    if (f.c) CHECK_ERR(halo_adapt_new(f.g, f.c, es, 2, &obj, NULL, &o, &a), HALO_ERR_INVALID, "distinct");
    CHECK(a == NULL);
    fix_free(&f);
}

/* resnet50 on the shipped 8-ES cluster: the planning time of checks on changed links (every
 * ES's links slowed in turn) and of a forced re-plan (a dead ES), with DPFP's full search and with
 * the search bounded to 2 subset sizes; printed, not checked. */
static void replan_time(int search)
{
    struct halo_cluster *c = NULL;
    struct halo_graph *g = NULL;
    if (halo_cluster_load("profiles/clusters/hetero-8-fast.json", &c) != HALO_OK ||
        halo_model_build_for("resnet50", 224, 224, &g) != HALO_OK) {
        CHECK_MSG(false, "%s", halo_error_msg());
        goto out;
    }
    int es[8], n = 0;
    for (int d = 0; d < c->n; d++)
        if (d != c->source) es[n++] = d;
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){0}));
    struct halo_plan *p0 = NULL, *p = NULL, *q = NULL;
    CHECK_OK(halo_plan_dpfp(&ctx, &p0));
    halo_planner_ctx_free(&ctx);
    struct halo_objective obj = {.kind = HALO_OBJECTIVE_LATENCY};
    struct halo_adapt_opts o = halo_adapt_opts_default();
    o.search = search;
    o.hold = 1;
    o.min_interval_ms = 0;
    struct halo_adapt *a = NULL;
    CHECK_OK(halo_adapt_new(g, c, es, n, &obj, NULL, &o, &a));
    if (!a || !p0) goto done;
    CHECK_OK(halo_adapt_rebuild(a, 0, p0, &p));
    double ms[8], sum = 0, worst = 0;
    int adopted = 0;
    for (int i = 0; i < n && p; i++) {
        observe_slow_links(a, c, es[i], 100, 3000 + 1000 * i);
        double t0 = halo_now_ms();
        CHECK_OK(halo_adapt_check(a, 3000 + 1000 * i, p, &q));
        ms[i] = halo_now_ms() - t0;
        sum += ms[i];
        worst = fmax(worst, ms[i]);
        if (q) {
            adopted++;
            halo_plan_free(p);
            p = q;
            q = NULL;
        }
    }
    halo_adapt_mark_dead(a, es[0]);
    double t0 = halo_now_ms();
    CHECK_OK(halo_adapt_check(a, 20000, p, &q));
    double dead_ms = halo_now_ms() - t0;
    CHECK(q != NULL);
    printf("re-plan time, resnet50 224x224 on hetero-8-fast (8 ESs), objective latency, DPFP search %s: checks on "
           "changed links mean %.1f ms, worst %.1f ms (%d checks, %d adopted); re-plan over 7 survivors %.1f ms\n",
           search ? "bounded to 2 subset sizes" : "full", sum / n, worst, n, adopted, dead_ms);
    halo_plan_free(q);
done:
    halo_plan_free(p);
    halo_plan_free(p0);
    halo_adapt_free(a);
out:
    halo_graph_free(g);
    halo_cluster_free(c);
}

int main(void)
{
    RUN(test_ewma);
    RUN(test_peer_speed);
    RUN(test_hysteresis_link);
    RUN(test_urgent);
    RUN(test_straggler);
    RUN(test_faster);
    RUN(test_dead);
    RUN(test_bad_opts);
    RUN_CASE("replan_time full", replan_time(0));
    RUN_CASE("replan_time bounded", replan_time(2));
    return halo_test_done("test_adapt");
}
