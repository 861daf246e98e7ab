/* rt_token: the virtual clock's turn-taking. One rank at a time computes, with all cores: a token
 * passed in step order (from the rank of step k - 1 to the rank of step k when they differ) carries
 * every step's measured duration and every message's size so far. The rank holding it knows,
 * through vclock's replay of the plan's link model, when its step ends on the virtual timeline,
 * and stamps that on what it sends. On the wall clock only the durations and sizes are kept. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

enum halo_status rt_token_alloc(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    const struct halo_sched *s = &rt->job.s;
    int nm = s->n_msg, ns = s->n_step;
    t->vdur = halo_calloc((size_t)ns, sizeof *t->vdur);
    t->vbytes = halo_calloc((size_t)nm, sizeof *t->vbytes);
    if (!t->vdur || !t->vbytes) return HALO_ERR_NOMEM;
    if (rt->job.opts.clock != HALO_CLOCK_VIRTUAL) return HALO_OK;
    t->len = ns + nm;
    t->in = halo_calloc((size_t)ns, sizeof *t->in);
    t->out = halo_calloc((size_t)ns, sizeof *t->out);
    t->req = halo_malloc((size_t)ns, sizeof *t->req);
    t->sreq = halo_malloc((size_t)ns, sizeof *t->sreq);
    t->got = halo_calloc((size_t)ns, sizeof *t->got);
    if (!t->in || !t->out || !t->req || !t->sreq || !t->got) return HALO_ERR_NOMEM;
    for (int k = 0; k < ns; k++) t->req[k] = t->sreq[k] = MPI_REQUEST_NULL;
    for (int k = 0; k < ns; k++) {
        int d = s->step[k].device, prev = k > 0 ? s->step[k - 1].device : d;
        if (d == rt->rank && prev != d && !(t->in[k] = halo_malloc((size_t)t->len, sizeof(double))))
            return HALO_ERR_NOMEM;
        if (prev == rt->rank && d != prev && !(t->out[k] = halo_malloc((size_t)t->len, sizeof(double))))
            return HALO_ERR_NOMEM;
    }
    return HALO_OK;
}

void rt_token_free(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    for (int k = 0; t->in && k < rt->job.s.n_step; k++) {
        free(t->in[k]);
        free(t->out[k]);
    }
    void **arrays[] = {(void **)&t->in,  (void **)&t->out, (void **)&t->req,  (void **)&t->sreq,
                       (void **)&t->got, (void **)&t->vdur, (void **)&t->vbytes};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        free(*arrays[i]);
        *arrays[i] = NULL;
    }
}

enum halo_status rt_token_begin(struct halo_rt *rt)
{
    struct rt_token *t = &rt->tok;
    const struct halo_sched *s = &rt->job.s;
    memset(t->vdur, 0, (size_t)s->n_step * sizeof *t->vdur);
    for (int m = 0; m < s->n_msg; m++) t->vbytes[m] = (double)s->msg[m].bytes;
    for (int k = 0; t->in && k < s->n_step; k++) {
        t->got[k] = false;
        if (t->in[k])
            MPI_TRY(MPI_Irecv(t->in[k], t->len, MPI_DOUBLE, s->step[k - 1].device, TAG_BASE + s->n_msg + k, rt->comm,
                              &t->req[k]));
    }
    return HALO_OK;
}

enum halo_status rt_token_poll(struct halo_rt *rt, int *idx, bool *progressed)
{
    struct rt_token *t = &rt->tok;
    int out = 0, ns = rt->job.s.n_step;
    if (!t->req) return HALO_OK;
    MPI_TRY(MPI_Testsome(ns, t->req, &out, idx, MPI_STATUSES_IGNORE));
    for (int i = 0; out != MPI_UNDEFINED && i < out; i++) t->got[idx[i]] = *progressed = true;
    MPI_TRY(MPI_Testsome(ns, t->sreq, &out, idx, MPI_STATUSES_IGNORE));
    return HALO_OK;
}

static bool token_ready(struct halo_rt *rt, const void *arg) { return rt->tok.got[*(const int *)arg]; }

enum halo_status rt_token_take(struct halo_rt *rt, int s)
{
    struct rt_token *t = &rt->tok;
    const struct halo_sched *sc = &rt->job.s;
    if (!t->in || !t->in[s]) return HALO_OK; /* this rank has it: it computed step s - 1 */
    HALO_TRY(rt_wait_until(rt, token_ready, &s, sc->step[s - 1].device, WAIT_TOKEN, s));
    memcpy(t->vdur, t->in[s], (size_t)sc->n_step * sizeof(double));
    memcpy(t->vbytes, t->in[s] + sc->n_step, (size_t)sc->n_msg * sizeof(double));
    return HALO_OK;
}

void rt_token_step(struct halo_rt *rt, int s, double ms) { rt->tok.vdur[s] = ms; }
void rt_token_msg(struct halo_rt *rt, int m, int64_t bytes) { rt->tok.vbytes[m] = (double)bytes; }

enum halo_status rt_token_step_end(struct halo_rt *rt, int s, double *vend)
{
    const struct halo_sched *sc = &rt->job.s;
    int64_t *bytes = halo_malloc((size_t)sc->n_msg, sizeof *bytes);
    if (!bytes) return HALO_ERR_NOMEM;
    for (int m = 0; m < sc->n_msg; m++) bytes[m] = (int64_t)rt->tok.vbytes[m];
    struct halo_vclock v;
    enum halo_status st = halo_vclock_replay(rt->job.plan, sc, rt->tok.vdur, bytes, &v);
    free(bytes);
    HALO_TRY(st);
    *vend = v.step_end[s];
    halo_vclock_free(&v);
    return HALO_OK;
}

enum halo_status rt_token_pass(struct halo_rt *rt, int s)
{
    struct rt_token *t = &rt->tok;
    const struct halo_sched *sc = &rt->job.s;
    if (!t->out || s + 1 >= sc->n_step || !t->out[s + 1]) return HALO_OK; /* the next step is this rank's too */
    rt_wait_cores(rt);
    memcpy(t->out[s + 1], t->vdur, (size_t)sc->n_step * sizeof(double));
    memcpy(t->out[s + 1] + sc->n_step, t->vbytes, (size_t)sc->n_msg * sizeof(double));
    MPI_TRY(MPI_Isend(t->out[s + 1], t->len, MPI_DOUBLE, sc->step[s + 1].device, TAG_BASE + sc->n_msg + s + 1,
                      rt->comm, &t->sreq[s + 1]));
    return HALO_OK;
}

int rt_token_pending_send(const struct halo_rt *rt)
{
    for (int k = 0; rt->tok.sreq && k < rt->job.s.n_step; k++)
        if (rt->tok.sreq[k] != MPI_REQUEST_NULL) return k;
    return -1;
}
