#include "runtime/vclock.h"
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

void halo_vclock_free(struct halo_vclock *v)
{
    if (!v) return;
    free(v->step_start);
    free(v->step_end);
    free(v->msg_start);
    free(v->msg_end);
    free(v->events);
    memset(v, 0, sizeof *v);
}

enum halo_status halo_vclock_replay(const struct halo_plan *p, const struct halo_sched *s, const double *step_ms,
                                    const int64_t *msg_bytes, struct halo_vclock *v)
{
    memset(v, 0, sizeof *v);
    v->step_start = halo_calloc((size_t)s->n_step, sizeof(double));
    v->step_end = halo_calloc((size_t)s->n_step, sizeof(double));
    v->msg_start = halo_calloc((size_t)s->n_msg, sizeof(double));
    v->msg_end = halo_calloc((size_t)s->n_msg, sizeof(double));
    enum halo_status st = v->step_start && v->step_end && v->msg_start && v->msg_end ? HALO_OK : HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        struct halo_timeline_in in = {.plan = p, .sched = s, .step_ms = step_ms, .msg_bytes = msg_bytes};
        struct halo_timeline_out out = {.step_start = v->step_start, .step_end = v->step_end,
                                        .msg_start = v->msg_start, .msg_end = v->msg_end, .record = true};
        st = halo_timeline_run(&in, &out);
        v->total_ms = out.total_ms;
        v->bytes_moved = out.bytes_moved;
        v->events = out.events;
        v->n_events = out.n_events;
    }
    if (st != HALO_OK) halo_vclock_free(v);
    return st;
}
