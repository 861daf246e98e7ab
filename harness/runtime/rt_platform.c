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
