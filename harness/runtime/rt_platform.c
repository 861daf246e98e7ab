/* rt_platform: what the runtime needs of the host — the cores a rank gets on the wall clock and
 * their binding (through core/topology, which does every binding in halo), and whether this
 * process's other threads are running (/proc), which the virtual clock waits on. */
#define _GNU_SOURCE /* gettid */
#include "runtime/rt_internal.h"
#include "core/topology.h"

#include <dirent.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Wall clock on one host: each computing rank gets its own share of the cores, so that ranks do
 * not all put their first thread on the same core; more computing ranks than cores share them
 * round robin. Ranks on several hosts (a real cluster) keep their cores. Returns the number of
 * PUs in the share (0: leave the threads as the backend binds them; share->topo is then NULL). */
int rt_share_cores(const struct halo_rt *rt, struct rt_cpu_share *share)
{
    const struct rt_job *j = &rt->job;
    *share = (struct rt_cpu_share){0};
    const char *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (j->opts.clock != HALO_CLOCK_WALL || !ls || atoi(ls) != rt->size) return 0;
    int n = 0, me = -1;
    for (int d = 0; d < rt->size; d++) {
        bool computes = false;
        for (int i = 0; i < j->n_plans && !computes; i++)
            for (int v = 0; v < halo_plan_n_variants(j->plans[i]) && !computes; v++) {
                const struct halo_plan *p = halo_plan_variant(j->plans[i], v);
                computes = d < p->n_dev && p->tail.device == d;
                for (int b = 0; b < p->n_blocks && !computes && d < p->n_dev; b++)
                    for (int k = 0; k < p->block[b].n_parts && !computes; k++)
                        computes = p->block[b].part[k].device == d;
            }
        if (computes && d == rt->rank) me = n;
        n += computes;
    }
    if (me < 0 || halo_topology_load_cpus(&share->topo) != HALO_OK) return 0;
    int c = halo_topology_pus(share->topo);
    if (c <= 1) {
        halo_topology_free(share->topo);
        share->topo = NULL;
        return 0;
    }
    share->first = n <= c ? me * c / n : me % c;
    share->n = (n <= c ? (me + 1) * c / n : share->first + 1) - share->first;
    return share->n;
}

/* Binds thread t of the backend's pool to the t-th PU of the share (OpenMP keeps its pool, so the
 * binding holds for every later parallel region of that size, as the cpu backend relies on). */
void rt_pin_threads(const struct rt_cpu_share *share, int threads)
{
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        int pu = share->first + t % share->n;
        if (halo_topology_bind_thread_pu(share->topo, pu) != HALO_OK)
            fprintf(stderr, "halo run: cannot bind a thread to CPU %d; it runs where the OS puts it\n",
                    halo_topology_pu_os_index(share->topo, pu));
    }
    (void)threads;
}

void rt_wake_threads(int threads)
{
    volatile int sink = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        sink = 1;
    }
    (void)threads;
    (void)sink;
}

bool rt_other_threads_running(void)
{
    bool busy = false;
#ifdef __linux__
    char self[32], path[64], buf[512];
    snprintf(self, sizeof self, "%ld", (long)gettid());
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && !busy && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, self)) continue;
        snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[n] = '\0';
        const char *q = strrchr(buf, ')'); /* the state follows the command name in parentheses */
        busy = q && q[1] == ' ' && q[2] == 'R';
    }
    if (d) closedir(d);
#endif
    return busy;
}
