/* runtime on MPI. Rank k runs plan device k. Per inference every rank posts its receives first,
 * then walks the schedule's steps in their global order, doing its own: wait for the input pieces
 * (MPI_Test + a 200 us sleep: a blocking wait would busy-poll a core), assemble, compute, post its
 * outputs (non-blocking sends, data packed as soon as it exists). The source also gathers and
 * forwards what the plan routes through it, and receives the logits.
 *
 * Links (--link emulated). Wall clock: the sender reserves its uplink for latency + bytes/bandwidth
 * from max(now, uplink free) and stamps the interval in the message header; the receiver delays
 * delivery to the end of that interval, re-reserving its downlink: start = max(sender's start,
 * downlink free), in the order it sees messages (each batch sorted by sender start). This is an
 * approximation of the plan's model: the sender's uplink is released at the sender's end even when
 * the receiver's downlink delayed the message, and messages are taken in arrival order rather than
 * per block by data-ready time. Compressed blocks' outputs travel as ADCNN's codec writes them
 * (exec/codec.h) and are timed at their real size; the source forwards what it holds raw, and a
 * device's own pieces stay exact. Virtual clock: data moves at transport speed while one rank at a
 * time computes (a token passed in step order carries the measured durations); the timeline comes
 * from vclock's replay of the plan's link model — exact, as halo_plan_simulate models it.
 *
 * Faults: every wait has a deadline (the inference's start + timeout). A rank past it reports to
 * the source what it waits for; the source, past the deadline plus a grace period, follows the
 * chain of "waits for" reports to the rank that sent none — dead or stalled — and names it.
 *
 * This file is the runtime's lifetime (init, free, abort) and runtime.h's small accessors; the
 * rest is cut by concern (rt_internal.h lists the files): setup and agreement, the wire, waiting
 * and diagnosis, the platform, the step engine and the report. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum halo_status rt_mpi_fail(int rc, const char *call)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "error %d", rc);
    return halo_error(HALO_ERR_MPI, "%s: %s", call, s);
}

bool halo_rt_should_print(const struct halo_rt *rt) { return rt->rank == 0 || rt->job.print_local; }
int halo_rt_rank(const struct halo_rt *rt) { return rt->rank; }
int halo_rt_size(const struct halo_rt *rt) { return rt->size; }
const char *halo_rt_backend_name(const struct halo_rt *rt) { return rt->job.be ? halo_backend_name(rt->job.be) : "-"; }
const char *halo_rt_backend_version(const struct halo_rt *rt)
{
    return rt->job.be ? halo_backend_version(rt->job.be) : "-";
}
int halo_rt_backend_threads(const struct halo_rt *rt) { return rt->job.be ? halo_backend_threads(rt->job.be) : 0; }
double halo_rt_timeout_ms(const struct halo_rt *rt) { return rt->wait.timeout_ms; }
int halo_rt_inflight(const struct halo_rt *rt) { return rt->job.opts.inflight; }

enum halo_status halo_rt_init(int *argc, char ***argv, struct halo_rt **out)
{
    *out = NULL;
    struct halo_rt *rt = halo_calloc(1, sizeof *rt);
    if (!rt) return HALO_ERR_NOMEM;
    /* MPI's null handles are not zero bytes: the requests tested before their first use */
    rt->comm = MPI_COMM_NULL;
    rt->eng.start_req = rt->wait.stall_req = rt->wait.stall_sreq = rt->rep.stats_sreq = MPI_REQUEST_NULL;
    rt->clock.in_req = rt->clock.ping_sreq = rt->clock.pong_req = rt->clock.est_sreq = MPI_REQUEST_NULL;
    *out = rt;
    MPI_TRY(MPI_Init(argc, argv));
    MPI_TRY(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_TRY(MPI_Comm_dup(MPI_COMM_WORLD, &rt->comm));
    MPI_TRY(MPI_Comm_set_errhandler(rt->comm, MPI_ERRORS_RETURN));
    MPI_TRY(MPI_Comm_rank(rt->comm, &rt->rank));
    MPI_TRY(MPI_Comm_size(rt->comm, &rt->size));
    int *ub, flag = 0;
    MPI_TRY(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag));
    rt->tag_ub = flag ? *ub : 32767;
    /* the ranks Open MPI places on this rank's node, the ones it may join through shared memory
     * (collective: here, where every rank has just started) */
    MPI_Comm shared;
    MPI_TRY(MPI_Comm_split_type(rt->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shared));
    int node = rt->rank;
    int rc = MPI_Allreduce(MPI_IN_PLACE, &node, 1, MPI_INT, MPI_MIN, shared);
    MPI_Comm_free(&shared);
    if (rc != MPI_SUCCESS) return rt_mpi_fail(rc, "MPI_Allreduce(node)");
    rt->hosts.node = node;
    return HALO_OK;
}

void halo_rt_free(struct halo_rt *rt)
{
    if (!rt) return;
    rt_free_plan_state(rt);
    rt_engine_free(rt);
    rt_wait_free(rt);
    rt_report_free(rt);
    rt_job_free(rt);
    rt_hosts_free(rt);
    rt_clock_free(rt);
    free(rt);
}

void halo_rt_fail_job(int code)
{
    int up = 0;
    fflush(stdout);
    fflush(stderr);
    if (MPI_Initialized(&up) == MPI_SUCCESS && !up) MPI_Init(NULL, NULL);
    MPI_Abort(MPI_COMM_WORLD, code);
    _exit(code);
}

void halo_rt_abort(struct halo_rt *rt, int code)
{
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(rt && rt->comm != MPI_COMM_NULL ? rt->comm : MPI_COMM_WORLD, code);
    _exit(code); /* MPI_Abort does not return; if it did, the job must still end */
}
