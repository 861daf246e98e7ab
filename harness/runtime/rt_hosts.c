/* rt_hosts: where the ranks run, as the source sees it after every rank described its place
 * (rt_platform.c: rt_host_identify). A host is a kernel, decided by boot id: hostnames repeat on
 * edge boards, and one kernel can hold several network namespaces (containers, halo's testbed) that
 * look like hosts. A rank's clock is the source's only on the same kernel in the same time namespace
 * (a time namespace shifts CLOCK_MONOTONIC and keeps the boot id); every other rank gets an offset
 * (rt_clock.c). Open MPI joins two ranks through shared memory (its vader btl) when it places them
 * on one node — one daemon, which MPI_COMM_TYPE_SHARED shows — and the btl selection allows it,
 * whatever their network namespaces or hostnames: then --link real times memory copies. Ranks that
 * each have a daemon of their own (ssh, or the testbed's rsh agent) talk TCP even on one kernel. */
#include "runtime/rt_internal.h"
#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One kernel: the boot ids decide; where a kernel shows none, the hostnames do. */
static bool same_host(const struct rt_host_id *a, const struct rt_host_id *b)
{
    if (*a->boot_id && *b->boot_id) return !strcmp(a->boot_id, b->boot_id);
    return !*a->boot_id && !*b->boot_id && !strcmp(a->hostname, b->hostname);
}

/* The host the plans give rank r's device, or NULL. */
static const char *plan_host(const struct halo_rt *rt, int r)
{
    for (int i = 0; i < rt->job.n_plans; i++)
        if (r < rt->job.plans[i]->n_dev && rt->job.plans[i]->dev[r].host) return rt->job.plans[i]->dev[r].host;
    return NULL;
}

/* "1 (es1), 2 (es2)" for the ranks with sel[r], into buf. */
static void rank_list(const struct halo_rt *rt, const bool *sel, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int r = 0; r < rt->size && len < size; r++)
        if (sel[r]) len += (size_t)snprintf(buf + len, size - len, "%s%d (%s)", len ? ", " : "", r, rt_dev_name(rt, r));
}

static void place_ranks(struct halo_rt *rt, const struct rt_host_id *ids)
{
    const char *hook = getenv("HALO_TEST_CLOCK_SYNC"); /* tests: every rank's clock measured */
    bool measure_all = hook && !strcmp(hook, "1");
    struct rt_hosts *h = &rt->hosts;
    struct halo_rt_hosts *pub = &h->pub;
    int n = rt->size;
    *pub = (struct halo_rt_hosts){.n_ranks = n, .rank = h->place};
    for (int r = 0; r < n; r++) {
        struct halo_rt_place *pl = &h->place[r];
        const struct rt_host_id *id = &ids[r];
        snprintf(pl->hostname, sizeof pl->hostname, "%s", id->hostname);
        snprintf(pl->btl, sizeof pl->btl, "%s", id->btl);
        pl->btl_shm = rt_transport_may_shm(id->btl, id->pml);
        pl->host = pub->n_hosts;
        bool new_name = true, new_netns = true;
        int ns_on_host = 0;
        for (int q = 0; q < r; q++) {
            new_name &= strcmp(ids[q].hostname, id->hostname) != 0;
            if (!same_host(&ids[q], id)) continue;
            pl->host = h->place[q].host;
            if (ids[q].net_ns == id->net_ns) {
                pl->netns = h->place[q].netns;
                new_netns = false;
            }
            if (h->place[q].netns + 1 > ns_on_host) ns_on_host = h->place[q].netns + 1;
        }
        if (pl->host == pub->n_hosts) pub->n_hosts++;
        if (new_netns) {
            pl->netns = ns_on_host;
            pub->n_netns++;
        }
        pub->n_hostnames += new_name;
        bool new_node = true;
        for (int q = 0; q < r; q++) new_node &= ids[q].node != id->node;
        pub->n_nodes += new_node;
        /* no time namespaces (kernels before 5.6): inode 0 on both, one clock */
        pl->same_clock = r == 0 || (!measure_all && same_host(id, &ids[0]) && id->time_ns == ids[0].time_ns);
        pub->n_offset += !pl->same_clock;
    }
    for (int r = 0; r < n; r++)
        for (int q = 0; q < n && !h->place[r].shm; q++)
            h->place[r].shm = q != r && ids[q].node == ids[r].node && same_host(&ids[q], &ids[r]) &&
                              h->place[r].btl_shm && rt_transport_may_shm(ids[q].btl, ids[q].pml);
    for (int r = 0; r < n; r++) pub->n_shm += h->place[r].shm;
}

/* Every rank on the host the plan gives its device. */
static enum halo_status check_placement(struct halo_rt *rt, const struct rt_host_id *ids)
{
    char msg[1536];
    size_t len = 0;
    int bad = 0;
    msg[0] = '\0';
    for (int r = 0; r < rt->size; r++) {
        if (ids[r].placed != 0) continue;
        bad++;
        if (len < sizeof msg)
            len += (size_t)snprintf(msg + len, sizeof msg - len, "%srank %d (%s) runs on '%s', the plan puts it on '%s'",
                                    bad > 1 ? "; " : "", r, rt_dev_name(rt, r), ids[r].hostname, plan_host(rt, r));
    }
    if (!bad) return HALO_OK;
    return halo_error(HALO_ERR_INVALID, "%s: %d rank%s on the wrong host: %s. Start rank k on the host of the plan's "
                                        "device k: halo run with the plan's hosts or --hostfile F (one line per rank, "
                                        "in device order), or your mpirun with such a hostfile and --map-by seq",
                      rt->job.plan_path, bad, bad == 1 ? "" : "s", msg);
}

/* --transport tcp: no rank may use shared memory. --link real: ranks that look like separate
 * machines (other network namespaces or hostnames) but share a kernel and may use shared memory are
 * refused unless --allow-shared-memory; on a plain single host it is only reported. */
static enum halo_status check_transport(struct halo_rt *rt, const struct rt_host_id *ids)
{
    const struct rt_hosts *h = &rt->hosts;
    const struct halo_run_opts *o = &rt->job.opts;
    bool *sel = halo_calloc((size_t)rt->size, sizeof *sel);
    if (!sel) return HALO_ERR_NOMEM;
    char list[1024];
    enum halo_status st = HALO_OK;
    int n = 0, first = -1;
    for (int r = 0; r < rt->size; r++)
        if ((sel[r] = rt_transport_may_shm(ids[r].btl, ids[r].pml)) && first < 0) first = r;
    if (o->transport == HALO_TRANSPORT_TCP && first >= 0) {
        rank_list(rt, sel, list, sizeof list);
        st = halo_error(HALO_ERR_INVALID, "--transport tcp: Open MPI may use shared memory on rank%s %s (btl '%s'%s%s): "
                                          "start the ranks with --mca btl tcp,self (halo run's own launcher sets "
                                          "OMPI_MCA_btl=tcp,self)", list[0] && strchr(list, ',') ? "s" : "", list,
                        ids[first].btl, *ids[first].pml ? ", pml " : "", ids[first].pml);
    }
    bool apart = false;
    for (int r = 0; r < rt->size; r++) {
        sel[r] = h->place[r].shm;
        n += sel[r];
        for (int q = 0; q < r && sel[r]; q++)
            apart |= sel[q] && h->place[q].host == h->place[r].host &&
                     (h->place[q].netns != h->place[r].netns || strcmp(ids[q].hostname, ids[r].hostname));
    }
    if (st == HALO_OK && o->link == HALO_LINK_REAL && apart && !o->allow_shm) {
        rank_list(rt, sel, list, sizeof list);
        st = halo_error(HALO_ERR_INVALID, "--link real: ranks %s run on one kernel (boot id %.8s) under different "
                                          "hostnames or network namespaces, and Open MPI, which places them on one "
                                          "node, may join them through shared memory (btl '%s'): the links would be memory copies, not a network. "
                                          "Use --transport tcp (under your own mpirun: --mca btl tcp,self), or "
                                          "--allow-shared-memory to time shared memory anyway", list,
                        ids[first >= 0 ? first : 0].boot_id, ids[first >= 0 ? first : 0].btl);
    }
    (void)n;
    free(sel);
    return st;
}

enum halo_status rt_hosts_judge(struct halo_rt *rt, const struct rt_host_id *ids)
{
    struct rt_hosts *h = &rt->hosts;
    free(h->place);
    h->place = halo_calloc((size_t)rt->size, sizeof *h->place);
    if (!h->place) return HALO_ERR_NOMEM;
    place_ranks(rt, ids);
    HALO_TRY(check_placement(rt, ids));
    return check_transport(rt, ids);
}

void rt_hosts_free(struct halo_rt *rt)
{
    free(rt->hosts.place);
    rt->hosts.place = NULL;
}

const struct halo_rt_hosts *halo_rt_hosts(const struct halo_rt *rt)
{
    return rt->rank == 0 && rt->hosts.place ? &rt->hosts.pub : NULL;
}
