/* test_runtime: the runtime's MPI-free parts. The schedule of every planner's plan (pieces cover
 * each input exactly once, senders hold what they send before they send it, tags are unique);
 * the virtual clock's replay reproduces halo_plan_simulate bit for bit with the plan's own times, is
 * causal (later durations do not move earlier steps) and never overlaps two messages on a link;
 * the rates file. The MPI runs are tests/test_runtime.sh. */
#include "core/json.h"
#include "model/zoo.h"
#include "partition/planner.h"
#include "runtime/runtime.h"
#include "partition/schedule.h"
#include "runtime/vclock.h"
#include "test.h"
#include "test_cluster.h"

#include <stdio.h>

static double step_ms(const struct halo_plan *p, const struct halo_sched *s, int k)
{
    const struct halo_sched_step *sp = &s->step[k];
    return sp->block < s->n_blocks ? p->block[sp->block].part[sp->part].compute_ms : p->tail.compute_ms;
}

/* Structural properties of the schedule of plan p. */
static void check_schedule(const struct halo_plan *p, const struct halo_graph *g, const struct halo_sched *s,
                           const char *what)
{
    int fails = halo_test_failures;
    int n_steps = 1;
    for (int b = 0; b < p->n_blocks; b++) n_steps += p->block[b].n_parts;
    CHECK_EQ(s->n_step, n_steps);
    CHECK_EQ(s->msg[s->n_msg - 1].kind, HALO_SCHED_RESULT);
    for (int k = 0; k < s->n_step; k++) {
        const struct halo_sched_step *sp = &s->step[k];
        int64_t area = 0;
        for (int m = sp->msg0; m < sp->msg0 + sp->n_msg; m++) {
            const struct halo_sched_msg *mm = &s->msg[m];
            CHECK_EQ(mm->step, k);
            CHECK_EQ(mm->to, sp->device);
            CHECK(halo_rect_contains(sp->in, mm->rect));
            CHECK_EQ(mm->c, sp->in_c);
            area += halo_rect_area(mm->rect);
            /* what a piece is cut from exists before the step that needs it */
            if (mm->ready_step >= 0) {
                CHECK(mm->ready_step < k);
                CHECK_EQ(s->step[mm->ready_step].device, mm->from);
                CHECK(halo_rect_contains(s->step[mm->ready_step].out, mm->rect));
            } else if (mm->ready_gather >= 0) {
                CHECK_EQ(mm->from, 0);
                CHECK(mm->ready_gather < sp->block && p->block[mm->ready_gather].gather);
            } else {
                CHECK_EQ(sp->block, 0);
                CHECK_EQ(mm->from, 0);
            }
        }
        CHECK_EQ(area, halo_rect_area(sp->in));
        if (sp->block < s->n_blocks) CHECK_EQ(sp->in_producer, sp->block ? p->block[sp->block - 1].last - 1 : HALO_INPUT);
    }
    int wire = 0;
    for (int m = 0; m < s->n_msg; m++) wire += s->msg[m].from != s->msg[m].to;
    CHECK_EQ(wire, s->n_wire);
    (void)g;
    if (halo_test_failures > fails) fprintf(stderr, "  (schedule of %s)\n", what);
}

/* Replaying the plan's own compute times gives the plan's prediction; links never overlap. */
static void check_replay(const struct halo_plan *p, const struct halo_sched *s, const char *what)
{
    int fails = halo_test_failures;
    double *ms = malloc((size_t)s->n_step * sizeof *ms);
    for (int k = 0; k < s->n_step; k++) ms[k] = step_ms(p, s, k);
    struct halo_vclock v;
    CHECK_OK(halo_vclock_replay(p, s, ms, NULL, &v));
    /* one cost model: the replay is the prediction, bit for bit, event by event */
    CHECK_NEAR(v.total_ms, p->total_ms, 0);
    CHECK_EQ(v.bytes_moved, p->bytes_moved);
    CHECK_EQ(v.n_events, p->n_events);
    for (int i = 0; i < v.n_events && i < p->n_events; i++) {
        const struct halo_plan_event *x = &v.events[i], *y = &p->events[i];
        CHECK(x->device == y->device && x->peer == y->peer && x->block == y->block && x->part == y->part &&
              x->kind == y->kind && x->start_ms == y->start_ms && x->end_ms == y->end_ms && x->bytes == y->bytes);
    }
    for (int k = 0; k < p->n_dev; k++) {
        double a[4], b[4];
        halo_timeline_device_times(v.events, v.n_events, v.total_ms, k, &a[0], &a[1], &a[2], &a[3]);
        halo_plan_device_times(p, k, &b[0], &b[1], &b[2], &b[3]);
        for (int q = 0; q < 4; q++) CHECK_NEAR(a[q], b[q], 0);
    }
    /* one message at a time per uplink and per downlink */
    for (int i = 0; i < v.n_events; i++)
        for (int j = i + 1; j < v.n_events; j++) {
            const struct halo_plan_event *x = &v.events[i], *y = &v.events[j];
            if (x->kind == HALO_EVENT_COMPUTE || x->kind != y->kind || x->device != y->device) continue;
            CHECK(x->end_ms <= y->start_ms + 1e-12 || y->end_ms <= x->start_ms + 1e-12);
        }
    /* causal: changing step k's duration leaves steps that start before it untouched */
    int k = s->n_step / 2;
    double keep = ms[k];
    ms[k] = keep * 3 + 1;
    struct halo_vclock w;
    CHECK_OK(halo_vclock_replay(p, s, ms, NULL, &w));
    for (int q = 0; q <= k; q++) {
        CHECK_NEAR(w.step_start[q], v.step_start[q], 1e-12);
        if (q < k) CHECK_NEAR(w.step_end[q], v.step_end[q], 1e-12);
    }
    CHECK(w.total_ms >= v.total_ms - 1e-9);
    /* actual message sizes: twice the bytes on every link cannot make it faster */
    int64_t *bytes = malloc((size_t)s->n_msg * sizeof *bytes);
    for (int m = 0; m < s->n_msg; m++) bytes[m] = 2 * s->msg[m].bytes;
    ms[k] = keep;
    struct halo_vclock u;
    CHECK_OK(halo_vclock_replay(p, s, ms, bytes, &u));
    CHECK(u.total_ms > v.total_ms || s->n_wire == 0);
    CHECK_EQ(u.bytes_moved, 2 * v.bytes_moved);
    halo_vclock_free(&u);
    halo_vclock_free(&w);
    halo_vclock_free(&v);
    free(bytes);
    free(ms);
    if (halo_test_failures > fails) fprintf(stderr, "  (replay of %s)\n", what);
}

static void test_planners(void)
{
    static const char *const models[] = {"resnet18", "vgg11", "resnet50"};
    static const int sizes[] = {64, 64, 96};
    const double gf[4] = {40, 25, 60, 15}, sp[4] = {1, 0.5, 1, 2}, bw[4] = {300, 100, 1000, 50};
    int n;
    const struct halo_planner_info *pl = halo_planners(&n);
    int checked = 0;
    for (int mi = 0; mi < 3; mi++)
        for (int nes = 1; nes <= 4; nes += 3) {
            struct halo_graph *g = NULL;
            struct halo_cluster *c = test_cluster(nes, gf, sp, bw, 400, -1);
            CHECK(c != NULL);
            CHECK_OK(halo_zoo_build_for(models[mi], sizes[mi], sizes[mi], &g));
            struct halo_planner_ctx ctx;
            CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){.no_select = true}));
            for (int i = 0; i < n; i++) {
                struct halo_plan *p = NULL;
                char what[128];
                snprintf(what, sizeof what, "%s %s at %d, %d ESs", pl[i].name, models[mi], sizes[mi], nes);
                enum halo_status st = pl[i].plan(&ctx, &p);
                if (st != HALO_OK) {
                    fprintf(stderr, "%s: %s\n", what, halo_error_msg());
                    CHECK_OK(st);
                    continue;
                }
                struct halo_sched s;
                CHECK_OK(halo_sched_build(p, g, &s));
                check_schedule(p, g, &s, what);
                check_replay(p, &s, what);
                halo_sched_free(&s);
                halo_plan_free(p);
                checked++;
            }
            halo_planner_ctx_free(&ctx);
            halo_cluster_free(c);
            halo_graph_free(g);
        }
    printf("schedules and replays of %d plans (%d methods) match the planners' simulation\n", checked, n);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_rates(void)
{
    const double gf[2] = {40, 40}, sp[2] = {1, 1}, bw[2] = {100, 100};
    struct halo_cluster *c = test_cluster(2, gf, sp, bw, 100, -1);
    struct halo_graph *g = NULL;
    CHECK_OK(halo_zoo_build_for("resnet18", 64, 64, &g));
    struct halo_planner_ctx ctx;
    CHECK_OK(halo_planner_ctx_init(&ctx, g, c, (struct halo_planner_opts){.no_select = true}));
    struct halo_plan *p = NULL;
    CHECK_OK(halo_plan_dpfp(&ctx, &p));
    const char *f = "/tmp/halo-test-rates.json";
    write_file(f, "{\"schema\": \"halo-rates/1\", \"devices\": [\"src\", \"es1\", \"es2\"], \"bandwidth_mbps\": "
                  "[[0, 10, 10], [10, 0, 10], [10, 10, 0]], \"latency_ms\": [[0, 1, 1], [1, 0, 1], [1, 1, 0]]}");
    struct halo_sched s;
    CHECK_OK(halo_sched_build(p, g, &s));
    double before = p->total_ms;
    CHECK_OK(halo_rt_apply_rates(p, g, f));
    CHECK_NEAR(p->bw_mbps[1], 10, 0);
    CHECK_NEAR(p->lat_ms[1], 1, 0);
    double *ms = malloc((size_t)s.n_step * sizeof *ms);
    for (int k = 0; k < s.n_step; k++) ms[k] = step_ms(p, &s, k);
    struct halo_vclock v;
    CHECK_OK(halo_vclock_replay(p, &s, ms, NULL, &v));
    CHECK(v.total_ms > before); /* ten times less bandwidth */
    halo_vclock_free(&v);
    free(ms);
    halo_sched_free(&s);
    write_file(f, "{\"schema\": \"halo-rates/1\", \"bandwidth_mbps\": [[0, 10], [10, 0]]}");
    CHECK_ERR(halo_rt_apply_rates(p, g, f), HALO_ERR_INVALID, "bandwidth_mbps: must have 3 rows");
    write_file(f, "{\"schema\": \"halo-rates/1\", \"bandwidth_mbps\": [[0, 10, 10], [10, 0, -1], [10, 10, 0]]}");
    CHECK_ERR(halo_rt_apply_rates(p, g, f), HALO_ERR_INVALID, "bandwidth_mbps[1][2]: -1 is out of range [0.001, 1e+09]");
    write_file(f, "{\"schema\": \"halo-rates/1\", \"devices\": [\"src\", \"es2\", \"es1\"], \"bandwidth_mbps\": "
                  "[[0, 10, 10], [10, 0, 10], [10, 10, 0]]}");
    CHECK_ERR(halo_rt_apply_rates(p, g, f), HALO_ERR_INVALID, "devices[1]: must be 'es1'");
    write_file(f, "{\"schema\": \"halo-rates/2\", \"bandwidth_mbps\": []}");
    CHECK_ERR(halo_rt_apply_rates(p, g, f), HALO_ERR_INVALID, "schema: 'halo-rates/2' is not supported");
    remove(f);
    halo_plan_free(p);
    halo_planner_ctx_free(&ctx);
    halo_cluster_free(c);
    halo_graph_free(g);
}

int main(void)
{
    RUN(test_planners);
    RUN(test_rates);
    return halo_test_done("test_runtime");
}
