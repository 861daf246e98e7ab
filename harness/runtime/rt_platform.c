/* rt_platform: what the runtime needs of the host — the cores a rank gets on the wall clock and
 * their binding (through core/topology, which does every binding in halo), whether this
 * process's other threads are running (/proc), which the virtual clock waits on, and where this
 * process runs: its kernel's boot id, its namespaces, its hostname and addresses, and the transport
 * Open MPI was told to use. */
#define _GNU_SOURCE /* gettid */
#include "runtime/rt_internal.h"
#include "core/topology.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether rank d computes a step of any plan (or variant) of the job. */
static bool rank_computes(const struct rt_job *j, int d)
{
    for (int i = 0; i < j->n_plans; i++)
        for (int v = 0; v < halo_plan_n_variants(j->plans[i]); v++) {
            const struct halo_plan *p = halo_plan_variant(j->plans[i], v);
            if (d >= p->n_dev) continue;
            if (p->tail.device == d) return true;
            for (int b = 0; b < p->n_blocks; b++)
                for (int k = 0; k < p->block[b].n_parts; k++)
                    if (p->block[b].part[k].device == d) return true;
        }
    return false;
}

/* Wall clock, every rank on one Open MPI node: a computing rank's thread count by default is its
 * share of the cores (the cores / the computing ranks, at least 1); 0: not so placed. */
int rt_share_cores(const struct halo_rt *rt)
{
    const struct rt_job *j = &rt->job;
    const char *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (j->opts.clock != HALO_CLOCK_WALL || !ls || atoi(ls) != rt->size || !rank_computes(j, rt->rank)) return 0;
    int n = 0;
    for (int d = 0; d < rt->size; d++) n += rank_computes(j, d);
    int c = halo_topology_process_cores();
    return c <= 1 ? 0 : n <= c ? c / n : 1;
}

void rt_kernel_share(const struct halo_rt *rt, int r, int32_t *me, int32_t *n)
{
    const struct rt_job *j = &rt->job;
    const struct halo_rt_place *pl = rt->hosts.place;
    int on_kernel = 0;
    *me = -1;
    *n = 0;
    for (int q = 0; q < rt->size; q++) on_kernel += pl[q].host == pl[r].host;
    if (j->opts.clock != HALO_CLOCK_WALL || on_kernel < 2) return;
    for (int q = 0; q < rt->size; q++) {
        if (pl[q].host != pl[r].host || !rank_computes(j, q)) continue;
        if (q == r) *me = *n;
        ++*n;
    }
    if (*n == 0) *n = 1; /* nobody computes there: still let r's threads go anywhere */
}

void rt_apply_share(const struct halo_rt *rt, int me, int n)
{
    struct halo_topology *topo = NULL;
    if (n <= 0 || !rt->job.be || halo_topology_load_cpus(&topo) != HALO_OK) return;
    int c = halo_topology_pus(topo), threads = halo_backend_threads(rt->job.be);
    bool free_run = me < 0 || n > c || c <= 1;
    int first = free_run ? 0 : me * c / n, cnt = free_run ? c : (me + 1) * c / n - first;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        int pu = first + t % cnt;
        if (free_run ? halo_topology_unbind_thread(topo) != HALO_OK : halo_topology_bind_thread_pu(topo, pu) != HALO_OK)
            fprintf(stderr, "halo run: rank %d: cannot bind a thread (%s); it runs where it was\n", rt->rank,
                    halo_error_msg());
    }
    (void)threads;
    halo_topology_free(topo);
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

/* ---- where this process runs ------------------------------------------------------------------- */

static void read_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    if (!fgets(buf, (int)size, f)) buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
}

static uint64_t ns_inode(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (uint64_t)sb.st_ino : 0;
}

/* Open MPI's selection of one framework ("btl", "pml") as its MPI_T control variable holds it
 * (command line, environment and parameter files all end up there), else the environment's. */
static void mpi_selection(const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    bool found = false;
    int provided = 0, n = 0;
    if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_SUCCESS) {
        if (MPI_T_cvar_get_num(&n) != MPI_SUCCESS) n = 0;
        for (int i = 0; i < n && !found; i++) {
            char cname[256], desc[8];
            int nl = sizeof cname, dl = sizeof desc, verb, bind, scope;
            MPI_Datatype dt;
            MPI_T_enum en;
            if (MPI_T_cvar_get_info(i, cname, &nl, &verb, &dt, &en, desc, &dl, &bind, &scope) != MPI_SUCCESS ||
                strcmp(cname, name) || dt != MPI_CHAR || bind != MPI_T_BIND_NO_OBJECT)
                continue;
            MPI_T_cvar_handle h;
            int count = 0;
            if (MPI_T_cvar_handle_alloc(i, NULL, &h, &count) != MPI_SUCCESS) continue;
            /* count: the string's capacity (2048 in Open MPI 4.1) */
            char *val = count > 0 && count <= 65536 ? calloc((size_t)count + 1, 1) : NULL;
            if (val && MPI_T_cvar_read(h, val) == MPI_SUCCESS) {
                snprintf(buf, size, "%s", val);
                found = true;
            }
            free(val);
            MPI_T_cvar_handle_free(&h);
        }
        MPI_T_finalize();
    }
    if (!found) {
        char var[64];
        snprintf(var, sizeof var, "OMPI_MCA_%s", name);
        const char *v = getenv(var);
        if (v) snprintf(buf, size, "%s", v);
    }
}

/* Whether `host` (a plan's) names this machine: its hostname (or either one's first label, as
 * a short name and a fully qualified one), or an address of one of its interfaces. */
static bool is_this_host(const char *host, const char *hostname)
{
    if (!strcmp(host, hostname)) return true;
    size_t a = strcspn(host, "."), b = strcspn(hostname, ".");
    if ((!host[a] || !hostname[b]) && a == b && !strncmp(host, hostname, a)) return true;
    bool found = false;
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0) return false;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        char addr[INET6_ADDRSTRLEN] = "";
        if (!i->ifa_addr) continue;
        if (i->ifa_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr, addr, sizeof addr);
        else if (i->ifa_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr, addr, sizeof addr);
        found = *addr && !strcmp(addr, host);
    }
    freeifaddrs(ifs);
    return found;
}

void rt_host_identify(struct rt_host_id *id, const char *plan_host)
{
    memset(id, 0, sizeof *id);
    read_line("/proc/sys/kernel/random/boot_id", id->boot_id, sizeof id->boot_id);
    id->time_ns = ns_inode("/proc/self/ns/time");
    id->net_ns = ns_inode("/proc/self/ns/net");
    if (gethostname(id->hostname, sizeof id->hostname - 1) != 0) snprintf(id->hostname, sizeof id->hostname, "?");
    mpi_selection("btl", id->btl, sizeof id->btl);
    mpi_selection("pml", id->pml, sizeof id->pml);
    id->placed = plan_host ? is_this_host(plan_host, id->hostname) : -1;
}

/* Whether a selection ("a,b", "^a,b" or "" for all) allows any of the components in `names`. */
static bool allows(const char *sel, const char *const *names)
{
    bool exclude = sel[0] == '^';
    if (!*sel) return true;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", sel + exclude);
    bool listed = false;
    char *save = NULL;
    for (char *w = strtok_r(buf, ", ", &save); w && !listed; w = strtok_r(NULL, ", ", &save))
        for (int k = 0; names[k] && !listed; k++) listed = !strcmp(w, names[k]);
    return exclude ? !listed : listed;
}

bool rt_transport_may_shm(const char *btl, const char *pml)
{
    /* ob1, the pml of ordinary Ethernet clusters, moves bytes through the btls; UCX's pml brings its
     * own transports (shared memory among them) but takes over only where it is asked for by name */
    static const char *const shm_btls[] = {"vader", "sm", NULL}, *const ucx[] = {"ucx", NULL};
    return allows(btl, shm_btls) || (*pml && pml[0] != '^' && allows(pml, ucx));
}
