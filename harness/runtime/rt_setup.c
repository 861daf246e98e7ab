/* rt_setup: everything before the first inference, and the agreement of the ranks. Every rank loads
 * the plans, the graph, the weights and the backend (rank 0 the image too) and sends the source
 * what it got: its status, hashes of its plans, links and weights, and where it runs. The source
 * judges — a rank that failed, holds another plan or other weights, or runs on another host than
 * the plan gives its device, is named; so is a transport that the options rule out (rt_hosts.c) —
 * and sends every rank the verdict; ranks whose clock is not the source's then get their offset
 * (rt_clock.c). Also which plan is in use: switching plans rebuilds every piece's per-plan state. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"
#include "core/hash.h"
#include "core/image.h"
#include "core/topology.h"
#include "model/model.h"
#include "model/weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a rank tells the source after loading. */
struct rank_info {
    int32_t status, n_dev;
    uint64_t plan_hash, links_hash, weights_hash;
    struct rt_host_id id;
    char err[512];
};

/* The source's answer. */
struct verdict {
    int32_t status, kind, rank, sync; /* sync: the rank's clock offset is measured next */
    int32_t share_me, share_n;        /* where its threads go (rt_kernel_share) */
};
enum { VERDICT_OK, VERDICT_OWN, VERDICT_RANK_FAILED, VERDICT_PLAN, VERDICT_WEIGHTS, VERDICT_HOSTS };

/* ---- the plan in use --------------------------------------------------------------------------- */

static uint64_t links_hash(const struct halo_plan *p)
{
    uint64_t h = HALO_FNV1A_INIT;
    size_t n = (size_t)p->n_dev * p->n_dev;
    h = halo_fnv1a(h, p->bw_mbps, n * sizeof(double));
    return halo_fnv1a(h, p->lat_ms, n * sizeof(double));
}

/* The frames a stream keeps at once: every rank's buffers are per slot. */
static int n_slots(const struct halo_run_opts *o) { return o->n_frames > 0 && o->inflight > 0 ? o->inflight : 1; }

/* --rotate: the plans become the variants of the first one (they must share its devices and links). */
static enum halo_status rotate(struct rt_job *j)
{
    struct halo_plan *p = j->plans[0];
    HALO_TRY(halo_rt_check_rotation(j->plans, j->n_plans, j->opts.plan_paths));
    if (j->n_plans == 1) return HALO_OK;
    p->rot = halo_calloc((size_t)j->n_plans - 1, sizeof *p->rot);
    if (!p->rot) return HALO_ERR_NOMEM;
    for (int i = 1; i < j->n_plans; i++) {
        p->rot[i - 1] = j->plans[i];
        j->plans[i] = NULL;
    }
    p->n_rot = j->n_plans - 1;
    j->n_plans = 1;
    return HALO_OK;
}

/* Loads every plan (the first one's graph serves all) and checks what the runtime supports. */
static enum halo_status load_plans(struct halo_rt *rt)
{
    struct rt_job *j = &rt->job;
    const struct halo_run_opts *o = &j->opts;
    j->plans = halo_calloc((size_t)o->n_plans, sizeof *j->plans);
    if (!j->plans) return HALO_ERR_NOMEM;
    for (int i = 0; i < o->n_plans; i++) {
        j->plan_path = o->plan_paths[i];
        HALO_TRY(halo_rt_load_plan(o, o->plan_paths[i], &j->plans[i], &j->g));
        j->n_plans++;
        if (j->plans[i]->n_dev > j->max_dev) j->max_dev = j->plans[i]->n_dev;
    }
    if (o->rotate) HALO_TRY(rotate(j));
    if (o->n_frames > 0 && o->inflight <= 0) j->opts.inflight = halo_rt_default_inflight(j->max_dev);
    for (int i = 0; i < j->n_plans; i++) {
        int max_msg = 0;
        for (int v = 0; v < halo_plan_n_variants(j->plans[i]); v++) {
            struct halo_sched s;
            HALO_TRY(halo_sched_build(halo_plan_variant(j->plans[i], v), j->g, &s));
            if (s.n_msg > max_msg) max_msg = s.n_msg;
            halo_sched_free(&s);
        }
        long tags = (long)TAG_BASE + (long)n_slots(o) * max_msg;
        if (tags > rt->tag_ub)
            return halo_error(HALO_ERR_UNSUPPORTED, "%s: %d frames in flight of its %d messages need MPI tags up to "
                                                    "%ld, this MPI allows %ld%s", o->plan_paths[i], n_slots(o), max_msg,
                              tags, rt->tag_ub, n_slots(o) > 1 ? ": lower --inflight" : "");
    }
    j->plan = j->plans[0];
    j->plan_path = o->plan_paths[0];
    return HALO_OK;
}

void rt_free_plan_state(struct halo_rt *rt)
{
    rt_wire_free(rt);
    rt_engine_free_plan(rt);
    rt_report_free_plan(rt);
    rt_wait_free_plan(rt);
    halo_vclock_free(&rt->job.pred);
    for (int v = 0; rt->job.sv && v < rt->job.n_var; v++) halo_sched_free(&rt->job.sv[v]);
    free(rt->job.sv);
    free(rt->job.svp);
    free(rt->job.var);
    rt->job.sv = NULL;
    rt->job.svp = NULL;
    rt->job.var = NULL;
    rt->job.n_var = 0;
    rt->job.have_sched = false;
    rt_adapt_free(rt);
}

/* Makes plan i the one the next inferences run: schedule, prediction, every piece's buffers. */
static enum halo_status activate(struct halo_rt *rt, int i)
{
    struct rt_job *j = &rt->job;
    rt_free_plan_state(rt);
    j->cur = i;
    j->plan = j->plans[i];
    j->plan_path = j->opts.plan_paths[j->opts.rotate ? 0 : i];
    int nv = halo_plan_n_variants(j->plan);
    j->var = halo_calloc((size_t)nv, sizeof *j->var);
    j->sv = halo_calloc((size_t)nv, sizeof *j->sv);
    j->svp = halo_calloc((size_t)nv, sizeof *j->svp);
    if (!j->var || !j->sv || !j->svp) return HALO_ERR_NOMEM;
    j->max_msg = j->max_step = j->max_blocks = 0;
    for (int v = 0; v < nv; v++) {
        j->var[v] = halo_plan_variant(j->plan, v);
        HALO_TRY(halo_sched_build(j->var[v], j->g, &j->sv[v]));
        j->n_var = v + 1;
        j->svp[v] = &j->sv[v];
        if (j->sv[v].n_msg > j->max_msg) j->max_msg = j->sv[v].n_msg;
        if (j->sv[v].n_step > j->max_step) j->max_step = j->sv[v].n_step;
        if (j->sv[v].n_blocks > j->max_blocks) j->max_blocks = j->sv[v].n_blocks;
    }
    j->n_slots = n_slots(&j->opts);
    HALO_TRY(rt_adapt_caps(rt)); /* --adapt on: room for the epochs to come */
    j->have_sched = true;
    /* the prediction: the plan's compute times through its link model, on the sources the file
     * names (a loaded plan has no timeline; halo_plan_simulate would re-derive the sources) */
    HALO_TRY(halo_vclock_replay(j->plan, &j->sv[0], NULL, NULL, &j->pred));
    j->speed = rt->rank < j->plan->n_dev ? j->plan->dev[rt->rank].speed : 1;
    HALO_TRY(rt_wire_alloc(rt));
    HALO_TRY(rt_engine_alloc(rt));
    HALO_TRY(rt_report_alloc(rt));
    return rt_wait_alloc(rt);
}

int halo_rt_n_plans(const struct halo_rt *rt) { return rt->job.n_plans; }
const struct halo_plan *halo_rt_plan(const struct halo_rt *rt) { return rt->job.plan; }
const char *halo_rt_plan_path(const struct halo_rt *rt) { return rt->job.plan_path; }

enum halo_status halo_rt_use_plan(struct halo_rt *rt, int i)
{
    HALO_ASSERT(i >= 0 && i < rt->job.n_plans);
    return i == rt->job.cur && rt->job.have_sched ? HALO_OK : activate(rt, i);
}

void rt_job_free(struct halo_rt *rt)
{
    struct rt_job *j = &rt->job;
    for (int i = 0; i < j->n_images; i++) {
        halo_image_rgb8_free(&j->images[i]);
        free(j->image_names[i]);
    }
    free(j->images);
    free(j->image_names);
    j->images = NULL;
    j->image_names = NULL;
    j->n_images = 0;
    halo_backend_free(j->be);
    for (int i = 0; i < j->n_plans; i++) halo_plan_free(j->plans[i]);
    free(j->plans);
    halo_graph_free(j->g);
    halo_faults_free(&j->faults);
}

/* ---- loading ----------------------------------------------------------------------------------- */

/* Rank 0: the frames of --image or --images, each decoded, resized and cropped once, before any
 * clock runs (a folder: its first n_frames images at most, as frames cycle over them). */
static enum halo_status load_images(struct halo_rt *rt)
{
    struct rt_job *j = &rt->job;
    const struct halo_run_opts *o = &j->opts;
    const struct halo_graph *g = j->g;
    if (g->input.c != 3)
        return halo_error(HALO_ERR_UNSUPPORTED, "%s: the model's input has %d channels; the source sends RGB frames "
                                                "(3)", j->plan_path, g->input.c);
    char **paths = NULL;
    int n = 0;
    if (o->images_dir) {
        HALO_TRY(halo_image_list(o->images_dir, &paths, &n));
        int want = o->n_frames > 0 ? o->n_frames : 1;
        for (int i = want; i < n; i++) free(paths[i]);
        if (n > want) n = want;
    } else if (o->image_path) {
        paths = halo_calloc(1, sizeof *paths);
        if (!paths || !(paths[0] = halo_strdup(o->image_path))) {
            free(paths);
            return HALO_ERR_NOMEM;
        }
        n = 1;
    }
    if (n == 0) return HALO_OK;
    j->image_names = paths;
    j->images = halo_calloc((size_t)n, sizeof *j->images);
    if (!j->images) {
        for (int i = 0; i < n; i++) free(paths[i]);
        free(paths);
        j->image_names = NULL;
        return HALO_ERR_NOMEM;
    }
    j->n_images = n;
    for (int i = 0; i < n; i++) HALO_TRY(halo_image_load_frame(paths[i], g->input.h, g->input.w, &j->images[i]));
    return HALO_OK;
}

enum halo_status rt_frame_pixels(struct halo_rt *rt, int f, struct halo_image_rgb8 *own,
                                 const struct halo_image_rgb8 **rgb, int *image)
{
    const struct rt_job *j = &rt->job;
    if (j->n_images > 0) {
        *image = f % j->n_images;
        *rgb = &j->images[*image];
        return HALO_OK;
    }
    *image = -1;
    halo_image_rgb8_free(own);
    HALO_TRY(halo_image_random_frame(j->opts.image_seed + (uint64_t)f, j->g->input.h, j->g->input.w, own));
    *rgb = own;
    return HALO_OK;
}

/* Everything a rank needs before the first inference (after the plan). */
static enum halo_status load_rest(struct halo_rt *rt, uint64_t *weights_hash)
{
    struct rt_job *j = &rt->job;
    const struct halo_run_opts *o = &j->opts;
    struct halo_weights *w = NULL;
    HALO_TRY(activate(rt, 0));
    HALO_TRY(rt_engine_setup(rt));
    HALO_TRY(o->weights_seeded ? halo_weights_random(j->g, o->weights_seed, &w)
                               : halo_model_weights(j->g, o->weights_path, o->weights_seed, &w));
    *weights_hash = w->hash;
    /* threads: where they go is decided once the source knows which ranks share a kernel */
    struct halo_backend_opts bo = {o->threads ? o->threads : rt_share_cores(rt), 0};
    enum halo_status st = halo_backend_new(o->backend, &bo, &j->be);
    if (st == HALO_OK) st = halo_backend_load(j->be, j->g, w);
    halo_weights_free(w); /* the backend keeps its own copy */
    HALO_TRY(st);
    if (rt->rank == 0) HALO_TRY(load_images(rt));
    return HALO_OK;
}

/* ---- agreement --------------------------------------------------------------------------------- */

/* Every rank's info to the source; the verdict back (to the others; rank 0 judges after). */
static enum halo_status exchange_setup(struct halo_rt *rt, struct rank_info *mine, struct rank_info *info,
                                       struct verdict *v)
{
    rt->wait.deadline = halo_now_ms() + fmax(RT_SETUP_TIMEOUT_MS, rt->job.opts.timeout_ms);
    rt->wait.timeout_ms = rt->wait.deadline - halo_now_ms();
    if (rt->rank == 0) {
        MPI_Request *q = halo_malloc((size_t)rt->size, sizeof *q);
        if (!q) return HALO_ERR_NOMEM;
        info[0] = *mine;
        q[0] = MPI_REQUEST_NULL;
        enum halo_status st = HALO_OK;
        for (int r = 1; r < rt->size && st == HALO_OK; r++) {
            int rc = MPI_Irecv(&info[r], sizeof *info, MPI_BYTE, r, TAG_INFO, rt->comm, &q[r]);
            if (rc != MPI_SUCCESS) st = rt_mpi_fail(rc, "MPI_Irecv(info)");
        }
        for (int r = 1; r < rt->size && st == HALO_OK; r++) st = rt_wait_req(rt, &q[r], r, WAIT_SETUP);
        free(q);
        return st;
    }
    MPI_Request q;
    MPI_TRY(MPI_Isend(mine, sizeof *mine, MPI_BYTE, 0, TAG_INFO, rt->comm, &q));
    HALO_TRY(rt_wait_req(rt, &q, 0, WAIT_SETUP));
    MPI_TRY(MPI_Irecv(v, sizeof *v, MPI_BYTE, 0, TAG_VERDICT, rt->comm, &q));
    return rt_wait_req(rt, &q, 0, WAIT_SETUP);
}

/* Rank 0's decision on everyone's setup, and its message. */
static struct verdict judge(struct halo_rt *rt, const struct rank_info *info)
{
    if (info[0].status != HALO_OK) return (struct verdict){.status = info[0].status, .kind = VERDICT_OWN, .rank = 0, .sync = 0};
    for (int r = 1; r < rt->size; r++)
        if (info[r].status != HALO_OK) {
            halo_error(info[r].status, "rank %d (%s) failed to set up: %s", r, rt_dev_name(rt, r), info[r].err);
            return (struct verdict){.status = info[r].status, .kind = VERDICT_RANK_FAILED, .rank = r, .sync = 0};
        }
    for (int r = 1; r < rt->size; r++)
        if (info[r].plan_hash != info[0].plan_hash || info[r].links_hash != info[0].links_hash) {
            halo_error(HALO_ERR_MISMATCH, "rank %d (%s) loaded a different plan than the source (plan hash %016llx vs "
                                          "%016llx%s): every rank must run the same plan files",
                       r, rt_dev_name(rt, r), (unsigned long long)info[r].plan_hash,
                       (unsigned long long)info[0].plan_hash,
                       info[r].plan_hash == info[0].plan_hash ? ", links differ" : "");
            return (struct verdict){.status = HALO_ERR_MISMATCH, .kind = VERDICT_PLAN, .rank = r, .sync = 0};
        }
    for (int r = 1; r < rt->size; r++)
        if (info[r].weights_hash != info[0].weights_hash) {
            halo_error(HALO_ERR_MISMATCH, "rank %d (%s) loaded different weights than the source (hash %016llx vs "
                                          "%016llx): every rank must use the same --weights file or seed",
                       r, rt_dev_name(rt, r), (unsigned long long)info[r].weights_hash,
                       (unsigned long long)info[0].weights_hash);
            return (struct verdict){.status = HALO_ERR_MISMATCH, .kind = VERDICT_WEIGHTS, .rank = r, .sync = 0};
        }
    struct rt_host_id *ids = halo_calloc((size_t)rt->size, sizeof *ids);
    enum halo_status st = ids ? HALO_OK : HALO_ERR_NOMEM;
    for (int r = 0; ids && r < rt->size; r++) ids[r] = info[r].id;
    if (st == HALO_OK) st = rt_hosts_judge(rt, ids);
    free(ids);
    if (st != HALO_OK) return (struct verdict){.status = st, .kind = VERDICT_HOSTS, .rank = 0, .sync = 0};
    return (struct verdict){.status = HALO_OK, .kind = VERDICT_OK, .rank = 0, .sync = 0};
}

/* This rank's load: plans (and their rank count), the rest; *wh: the weights' hash. */
static enum halo_status load(struct halo_rt *rt, uint64_t *wh)
{
    const struct halo_run_opts *opts = &rt->job.opts;
    enum halo_status st = load_plans(rt);
    int max_dev = rt->job.max_dev;
    if (st == HALO_OK && rt->size != max_dev) {
        if (opts->n_plans == 1)
            st = halo_error(HALO_ERR_INVALID, "%s: the plan has %d devices (the source and %d ESs) but %d MPI ranks "
                                              "were started: run it with mpirun -np %d, or without mpirun",
                            opts->plan_paths[0], max_dev, max_dev - 1, rt->size, max_dev);
        else
            st = halo_error(HALO_ERR_INVALID, "the largest of the %d plans has %d devices but %d MPI ranks were "
                                              "started: run them with mpirun -np %d, or without mpirun",
                            opts->n_plans, max_dev, rt->size, max_dev);
    }
    if (st == HALO_OK) st = load_rest(rt, wh);
    return st;
}

/* Rank 0 after the verdict: tells every rank, measures the clocks that are not its own. */
static enum halo_status announce(struct halo_rt *rt, struct verdict v)
{
    enum halo_status xs = HALO_OK;
    bool *remote = halo_calloc((size_t)rt->size, sizeof *remote);
    if (!remote) xs = HALO_ERR_NOMEM;
    /* a rank's times count on the source's timeline (deadlines, emulated links, the report): a
     * clock that is not provably the source's gets an offset */
    for (int r = 1; remote && r < rt->size; r++) remote[r] = v.status == HALO_OK && !rt->hosts.place[r].same_clock;
    for (int r = 1; r < rt->size && xs == HALO_OK; r++) {
        MPI_Request q;
        struct verdict vr = v;
        vr.sync = remote[r];
        if (v.status == HALO_OK) rt_kernel_share(rt, r, &vr.share_me, &vr.share_n);
        int rc = MPI_Isend(&vr, sizeof vr, MPI_BYTE, r, TAG_VERDICT, rt->comm, &q);
        xs = rc == MPI_SUCCESS ? rt_wait_req(rt, &q, r, WAIT_SETUP) : rt_mpi_fail(rc, "MPI_Isend(verdict)");
    }
    if (xs == HALO_OK && v.status == HALO_OK) xs = rt_clock_setup(rt, remote);
    free(remote);
    return xs;
}

enum halo_status halo_rt_setup(struct halo_rt *rt, const struct halo_run_opts *opts)
{
    rt->job.opts = *opts;
    if (opts->inject) { /* --inject (checked against the plan by halo_rt_precheck): kill and stall use the hooks */
        enum halo_status ist = halo_faults_parse(opts->inject, 0, 0, &rt->job.faults);
        if (ist != HALO_OK) return ist;
    }
    rt_engine_init_hooks(rt);
    struct rank_info mine = {0};
    uint64_t wh = 0;
    enum halo_status st = load(rt, &wh);
    mine.status = st;
    mine.n_dev = rt->job.max_dev;
    mine.plan_hash = mine.links_hash = HALO_FNV1A_INIT;
    for (int i = 0; i < rt->job.n_plans; i++)
        for (int v = 0; v < halo_plan_n_variants(rt->job.plans[i]); v++) {
            const struct halo_plan *pv = halo_plan_variant(rt->job.plans[i], v);
            uint64_t h[2] = {halo_plan_hash(pv), links_hash(pv)};
            mine.plan_hash = halo_fnv1a(mine.plan_hash, &h[0], sizeof h[0]);
            mine.links_hash = halo_fnv1a(mine.links_hash, &h[1], sizeof h[1]);
        }
    mine.weights_hash = wh;
    const char *plan_host = NULL; /* the host the plans give this rank's device */
    for (int i = 0; i < rt->job.n_plans && !plan_host; i++)
        if (rt->rank < rt->job.plans[i]->n_dev) plan_host = rt->job.plans[i]->dev[rt->rank].host;
    rt_host_identify(&mine.id, plan_host);
    mine.id.node = rt->hosts.node;
    snprintf(mine.err, sizeof mine.err, "%s", st == HALO_OK ? "" : halo_error_msg());
    char own_err[sizeof mine.err];
    snprintf(own_err, sizeof own_err, "%s", mine.err);

    struct rank_info *info = rt->rank == 0 ? halo_calloc((size_t)rt->size, sizeof *info) : NULL;
    struct verdict v = {0};
    if (rt->rank == 0 && !info) return HALO_ERR_NOMEM;
    enum halo_status xs = exchange_setup(rt, &mine, info, &v);
    if (xs != HALO_OK) {
        free(info);
        return xs;
    }
    if (rt->rank != 0) {
        if (v.status == HALO_OK) {
            rt_apply_share(rt, v.share_me, v.share_n);
            bool me = v.sync;
            HALO_TRY(rt_clock_setup(rt, &me));
            rt->job.ready = true;
            return HALO_OK;
        }
        rt->job.print_local = v.kind == VERDICT_RANK_FAILED && v.rank == rt->rank;
        if (rt->job.print_local) halo_error(st, "rank %d (%s): %s", rt->rank, rt_dev_name(rt, rt->rank), own_err);
        else halo_error(v.status, "the source ended the run (see its message)");
        return v.status;
    }
    v = judge(rt, info);
    if (v.kind == VERDICT_OWN) halo_error(st, "%s", own_err);
    xs = announce(rt, v);
    free(info);
    if (xs != HALO_OK) return xs;
    if (v.status != HALO_OK) return v.status;
    int32_t share_me, share_n;
    rt_kernel_share(rt, 0, &share_me, &share_n);
    rt_apply_share(rt, share_me, share_n);
    /* rank 0: the single-device reference for --verify, then the stall reports */
    if (opts->verify) HALO_TRY(rt_report_reference(rt));
    HALO_TRY(rt_wait_listen(rt));
    rt->job.ready = true;
    return HALO_OK;
}
