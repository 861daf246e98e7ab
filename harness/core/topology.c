#define _GNU_SOURCE /* sched_getaffinity, CPU_* macros */
#include "core/topology.h"
#include "core/alloc.h"
#include "core/log.h"
#include "halo_config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if HALO_HAVE_HWLOC
#include <hwloc.h>
#endif

/* "model name" from /proc/cpuinfo (x86) or "unknown"; malloc'd. */
static char *cpuinfo_model(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[1024];
    char *model = NULL;
    while (f && !model && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) && strncmp(line, "Model", 5)) continue;
        char *colon = strchr(line, ':');
        if (!colon) continue;
        colon++;
        while (*colon == ' ' || *colon == '\t') colon++;
        colon[strcspn(colon, "\n")] = '\0';
        if (*colon) model = halo_strdup(colon);
    }
    if (f) fclose(f);
    return model ? model : halo_strdup("unknown");
}

#if HALO_HAVE_HWLOC

/* Records the failing hwloc call's text and errno. */
#define HWLOC_CHECK(call)                                                                         \
    do {                                                                                          \
        if ((call) < 0)                                                                           \
            return halo_error(HALO_ERR_BACKEND, "hwloc: %s failed: %s", #call, strerror(errno));  \
    } while (0)

struct halo_topology {
    hwloc_topology_t topo;
    hwloc_bitmap_t procset; /* the process's cpuset at first load, within the allowed set */
    int n_cores;            /* cores that have a PU in procset */
    hwloc_obj_t *cores;     /* those cores, in logical order */
    char *model;
};

/* The process's cpuset the first time a topology was loaded (binding narrows it later). */
static hwloc_bitmap_t g_start_set;

void halo_topology_free(struct halo_topology *t)
{
    if (!t) return;
    if (t->procset) hwloc_bitmap_free(t->procset);
    if (t->topo) hwloc_topology_destroy(t->topo);
    free(t->cores);
    free(t->model);
    free(t);
}

static enum halo_status load_sets(struct halo_topology *t)
{
    if (!g_start_set) {
        hwloc_bitmap_t s = hwloc_bitmap_alloc();
        if (!s) return halo_error(HALO_ERR_NOMEM, "hwloc: out of memory");
        if (hwloc_get_cpubind(t->topo, s, HWLOC_CPUBIND_PROCESS) < 0)
            hwloc_bitmap_copy(s, hwloc_topology_get_allowed_cpuset(t->topo)); /* no binding support */
        g_start_set = s;
    }
    if (!(t->procset = hwloc_bitmap_alloc())) return halo_error(HALO_ERR_NOMEM, "hwloc: out of memory");
    hwloc_bitmap_and(t->procset, g_start_set, hwloc_topology_get_allowed_cpuset(t->topo));
    if (hwloc_bitmap_iszero(t->procset)) hwloc_bitmap_copy(t->procset, hwloc_topology_get_allowed_cpuset(t->topo));
    int all = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
    t->cores = halo_calloc((size_t)(all > 0 ? all : 1), sizeof *t->cores);
    if (!t->cores) return HALO_ERR_NOMEM;
    for (int i = 0; i < all; i++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, (unsigned)i);
        if (c && hwloc_bitmap_intersects(c->cpuset, t->procset)) t->cores[t->n_cores++] = c;
    }
    return HALO_OK;
}

static enum halo_status load_into(struct halo_topology *t, bool io_devices)
{
    HWLOC_CHECK(hwloc_topology_init(&t->topo));
    if (io_devices) HWLOC_CHECK(hwloc_topology_set_io_types_filter(t->topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT));
    HWLOC_CHECK(hwloc_topology_load(t->topo));
    HALO_TRY(load_sets(t));
    hwloc_obj_t pkg = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_PACKAGE, 0);
    const char *m = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    t->model = m ? halo_strdup(m) : cpuinfo_model();
    return t->model ? HALO_OK : HALO_ERR_NOMEM;
}

static enum halo_status load(bool io_devices, struct halo_topology **out)
{
    *out = NULL;
    struct halo_topology *t = halo_calloc(1, sizeof *t);
    if (!t) return HALO_ERR_NOMEM;
    enum halo_status st = load_into(t, io_devices);
    if (st != HALO_OK) {
        halo_topology_free(t);
        return st;
    }
    *out = t;
    return HALO_OK;
}

int halo_topology_cores(const struct halo_topology *t) { return t->n_cores > 0 ? t->n_cores : 1; }

int halo_topology_pus(const struct halo_topology *t)
{
    int n = hwloc_bitmap_weight(t->procset);
    return n > 0 ? n : 1;
}

const char *halo_topology_cpu_model(const struct halo_topology *t) { return t->model; }

int halo_topology_machine_cores(const struct halo_topology *t)
{
    int n = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
    return n > 0 ? n : 1;
}

/* Binds to `set` (freed here). */
static enum halo_status bind_to(const struct halo_topology *t, hwloc_bitmap_t set, int flags)
{
    hwloc_bitmap_and(set, set, t->procset);
    enum halo_status st = HALO_OK;
    if (hwloc_set_cpubind(t->topo, set, flags) < 0)
        st = halo_error(HALO_ERR_BACKEND, "hwloc: hwloc_set_cpubind(t->topo, set, %s) failed: %s",
                        flags == HWLOC_CPUBIND_THREAD ? "HWLOC_CPUBIND_THREAD" : "HWLOC_CPUBIND_PROCESS",
                        strerror(errno));
    hwloc_bitmap_free(set);
    return st;
}

enum halo_status halo_topology_bind(const struct halo_topology *t, int first, int n)
{
    if (first < 0 || n < 1 || first + n > t->n_cores)
        return halo_error(HALO_ERR_INVALID, "cannot bind to cores [%d, %d): the process has %d", first, first + n,
                          t->n_cores);
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) return halo_error(HALO_ERR_NOMEM, "hwloc: out of memory");
    for (int i = first; i < first + n; i++) hwloc_bitmap_or(set, set, t->cores[i]->cpuset);
    return bind_to(t, set, HWLOC_CPUBIND_PROCESS);
}

enum halo_status halo_topology_bind_thread(const struct halo_topology *t, int core)
{
    if (core < 0 || core >= t->n_cores)
        return halo_error(HALO_ERR_INVALID, "cannot bind a thread to core %d: the process has %d", core, t->n_cores);
    hwloc_bitmap_t set = hwloc_bitmap_dup(t->cores[core]->cpuset);
    if (!set) return halo_error(HALO_ERR_NOMEM, "hwloc: out of memory");
    hwloc_bitmap_and(set, set, t->procset);
    hwloc_bitmap_singlify(set); /* one PU: a thread that moves between hyperthreads loses its caches */
    return bind_to(t, set, HWLOC_CPUBIND_THREAD);
}

int halo_topology_pu_os_index(const struct halo_topology *t, int pu)
{
    int i = 0;
    for (int id = hwloc_bitmap_first(t->procset); id >= 0 && pu >= 0; id = hwloc_bitmap_next(t->procset, id))
        if (i++ == pu) return id;
    return -1;
}

enum halo_status halo_topology_bind_thread_pu(const struct halo_topology *t, int pu)
{
    int id = halo_topology_pu_os_index(t, pu);
    if (id < 0)
        return halo_error(HALO_ERR_INVALID, "cannot bind a thread to PU %d: the process has %d", pu,
                          hwloc_bitmap_weight(t->procset));
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) return halo_error(HALO_ERR_NOMEM, "hwloc: out of memory");
    hwloc_bitmap_only(set, (unsigned)id);
    return bind_to(t, set, HWLOC_CPUBIND_THREAD);
}

enum halo_status halo_topology_unbind_thread(const struct halo_topology *t)
{
    hwloc_bitmap_t set = hwloc_bitmap_dup(t->procset);
    if (!set) return halo_error(HALO_ERR_NOMEM, "hwloc: out of memory");
    return bind_to(t, set, HWLOC_CPUBIND_THREAD);
}

static const char *cache_type(hwloc_obj_cache_type_t ty)
{
    switch (ty) {
    case HWLOC_OBJ_CACHE_DATA: return "data";
    case HWLOC_OBJ_CACHE_INSTRUCTION: return "instruction";
    default: return "unified";
    }
}

static void describe_caches(const struct halo_topology *t, cJSON *arr)
{
    static const hwloc_obj_type_t levels[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                              HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
        int n = hwloc_get_nbobjs_by_type(t->topo, levels[l]);
        if (n <= 0) continue;
        hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, levels[l], 0);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "level", (double)c->attr->cache.depth);
        cJSON_AddStringToObject(o, "type", cache_type(c->attr->cache.type));
        cJSON_AddNumberToObject(o, "size_bytes", (double)c->attr->cache.size);
        cJSON_AddNumberToObject(o, "count", n);
        cJSON_AddItemToArray(arr, o);
    }
}

int halo_topology_caches(const struct halo_topology *t, struct halo_cache_level *out, int max)
{
    static const hwloc_obj_type_t levels[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                              HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
    int n = 0;
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
        int count = hwloc_get_nbobjs_by_type(t->topo, levels[l]);
        if (count <= 0) continue;
        hwloc_obj_t c = hwloc_get_obj_by_type(t->topo, levels[l], 0);
        if (c->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION || c->attr->cache.size == 0) continue;
        if (n < max) out[n] = (struct halo_cache_level){(int)c->attr->cache.depth, (long long)c->attr->cache.size, count};
        n++;
    }
    return n < max ? n : max;
}

static bool is_gpu(hwloc_obj_t d)
{
#if HWLOC_API_VERSION >= 0x00030000
    return (d->attr->osdev.types & (HWLOC_OBJ_OSDEV_GPU | HWLOC_OBJ_OSDEV_COPROC)) != 0;
#else
    return d->attr->osdev.type == HWLOC_OBJ_OSDEV_GPU || d->attr->osdev.type == HWLOC_OBJ_OSDEV_COPROC;
#endif
}

/* CUDA devices (cuda0) carry the SM count and memory; NVML (nvml0) and others the model. */
static void describe_gpus(const struct halo_topology *t, cJSON *arr)
{
    hwloc_obj_t d = NULL;
    while ((d = hwloc_get_next_osdev(t->topo, d)) != NULL) {
        if (!is_gpu(d) || !d->name) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", d->name);
        const char *model = hwloc_obj_get_info_by_name(d, "GPUModel");
        const char *sms = hwloc_obj_get_info_by_name(d, "CUDAMultiProcessors");
        const char *mem_kib = hwloc_obj_get_info_by_name(d, "CUDAGlobalMemorySize");
        if (model) cJSON_AddStringToObject(o, "model", model);
        if (sms) cJSON_AddNumberToObject(o, "sm_count", atof(sms));
        if (mem_kib) cJSON_AddNumberToObject(o, "memory_bytes", atof(mem_kib) * 1024.0);
        cJSON_AddItemToArray(arr, o);
    }
}

enum halo_status halo_topology_describe(const struct halo_topology *t, cJSON **out)
{
    cJSON *o = cJSON_CreateObject(), *caches = cJSON_CreateArray(), *numa = cJSON_CreateArray(),
          *gpus = cJSON_CreateArray();
    if (!o || !caches || !numa || !gpus) {
        cJSON_Delete(o);
        cJSON_Delete(caches);
        cJSON_Delete(numa);
        cJSON_Delete(gpus);
        return halo_error(HALO_ERR_NOMEM, "out of memory describing the topology");
    }
    cJSON_AddStringToObject(o, "discovery", "hwloc " HWLOC_VERSION);
    cJSON_AddStringToObject(o, "cpu_model", t->model);
    cJSON_AddNumberToObject(o, "packages", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PACKAGE));
    cJSON_AddNumberToObject(o, "cores", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE));
    cJSON_AddNumberToObject(o, "pus", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU));
    cJSON_AddNumberToObject(o, "process_cores", halo_topology_cores(t));
    cJSON_AddNumberToObject(o, "process_pus", halo_topology_pus(t));
    describe_caches(t, caches);
    cJSON_AddItemToObject(o, "caches", caches);
    int nn = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < nn; i++) {
        hwloc_obj_t n = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "os_index", n->os_index);
        cJSON_AddNumberToObject(e, "memory_bytes", (double)n->attr->numanode.local_memory);
        cJSON_AddItemToArray(numa, e);
    }
    cJSON_AddItemToObject(o, "numa_nodes", numa);
    describe_gpus(t, gpus);
    cJSON_AddItemToObject(o, "gpus", gpus);
    *out = o;
    return HALO_OK;
}

#else /* no hwloc: sysconf and sched_getaffinity */

struct halo_topology {
    int n_pus;      /* online PUs */
    int n_proc;     /* PUs in the process's cpuset; each counted as a core (SMT is invisible here) */
    int *proc_cpus; /* their OS indices */
    char *model;
};

static cpu_set_t g_start_set;
static bool g_have_start;

void halo_topology_free(struct halo_topology *t)
{
    if (!t) return;
    free(t->proc_cpus);
    free(t->model);
    free(t);
}

static enum halo_status load(bool io_devices, struct halo_topology **out)
{
    (void)io_devices;
    *out = NULL;
    struct halo_topology *t = halo_calloc(1, sizeof *t);
    if (!t) return HALO_ERR_NOMEM;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    t->n_pus = online > 0 ? (int)online : 1;
    if (!g_have_start) {
        CPU_ZERO(&g_start_set);
        if (sched_getaffinity(0, sizeof g_start_set, &g_start_set) < 0)
            for (int i = 0; i < t->n_pus && i < CPU_SETSIZE; i++) CPU_SET(i, &g_start_set);
        g_have_start = true;
    }
    t->proc_cpus = halo_calloc(CPU_SETSIZE, sizeof *t->proc_cpus);
    t->model = cpuinfo_model();
    if (!t->proc_cpus || !t->model) {
        halo_topology_free(t);
        return HALO_ERR_NOMEM;
    }
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &g_start_set)) t->proc_cpus[t->n_proc++] = i;
    *out = t;
    return HALO_OK;
}

int halo_topology_cores(const struct halo_topology *t) { return t->n_proc > 0 ? t->n_proc : 1; }
int halo_topology_pus(const struct halo_topology *t) { return halo_topology_cores(t); }
int halo_topology_machine_cores(const struct halo_topology *t) { return t->n_pus; }
const char *halo_topology_cpu_model(const struct halo_topology *t) { return t->model; }

static enum halo_status bind_set(const struct halo_topology *t, int first, int n, pid_t who)
{
    if (first < 0 || n < 1 || first + n > t->n_proc)
        return halo_error(HALO_ERR_INVALID, "cannot bind to cores [%d, %d): the process has %d", first, first + n,
                          t->n_proc);
    cpu_set_t s;
    CPU_ZERO(&s);
    for (int i = first; i < first + n; i++) CPU_SET(t->proc_cpus[i], &s);
    if (sched_setaffinity(who, sizeof s, &s) < 0)
        return halo_error(HALO_ERR_BACKEND, "sched_setaffinity(cores [%d, %d)) failed: %s", first, first + n,
                          strerror(errno));
    return HALO_OK;
}

/* Without hwloc only the calling thread can be bound (sched_setaffinity(0) is per thread), so
 * the process binding is applied to the caller; threads created later inherit it. */
enum halo_status halo_topology_bind(const struct halo_topology *t, int first, int n) { return bind_set(t, first, n, 0); }
enum halo_status halo_topology_bind_thread(const struct halo_topology *t, int core)
{
    if (core < 0 || core >= t->n_proc)
        return halo_error(HALO_ERR_INVALID, "cannot bind a thread to core %d: the process has %d", core, t->n_proc);
    return bind_set(t, core, 1, 0);
}

/* Here every PU counts as a core, so the PU functions are the core ones. */
int halo_topology_pu_os_index(const struct halo_topology *t, int pu)
{
    return pu >= 0 && pu < t->n_proc ? t->proc_cpus[pu] : -1;
}
enum halo_status halo_topology_unbind_thread(const struct halo_topology *t)
{
    return bind_set(t, 0, t->n_proc, 0);
}
enum halo_status halo_topology_bind_thread_pu(const struct halo_topology *t, int pu)
{
    if (pu < 0 || pu >= t->n_proc)
        return halo_error(HALO_ERR_INVALID, "cannot bind a thread to PU %d: the process has %d", pu, t->n_proc);
    return bind_set(t, pu, 1, 0);
}

/* One line of a sysfs file, or "" . */
static void sysfs_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (f && fgets(buf, (int)cap, f)) buf[strcspn(buf, "\n")] = '\0';
    if (f) fclose(f);
}

/* Without hwloc the caches come from cpu0's entries in /sys: level, type, size ("48K") and the
 * CPUs sharing one instance (counted from shared_cpu_list's ranges). */
int halo_topology_caches(const struct halo_topology *t, struct halo_cache_level *out, int max)
{
    int n = 0;
    for (int i = 0; i < 16 && n < max; i++) {
        char path[128], v[256];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        sysfs_line(path, v, sizeof v);
        if (!v[0]) break;
        if (!strcmp(v, "Instruction")) continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        sysfs_line(path, v, sizeof v);
        int level = atoi(v);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        sysfs_line(path, v, sizeof v);
        char *end;
        long long size = strtoll(v, &end, 10);
        if (*end == 'K') size *= 1024;
        else if (*end == 'M') size *= 1024 * 1024;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
        sysfs_line(path, v, sizeof v);
        int sharing = 0;
        for (char *p = v; *p;) {
            long a = strtol(p, &end, 10), b = a;
            if (end == p) break;
            if (*end == '-') b = strtol(end + 1, &end, 10);
            sharing += (int)(b - a + 1);
            p = *end == ',' ? end + 1 : end;
        }
        if (level < 1 || size <= 0) continue;
        int count = sharing > 0 ? (t->n_pus + sharing - 1) / sharing : 1;
        out[n++] = (struct halo_cache_level){level, size, count > 0 ? count : 1};
    }
    return n;
}

enum halo_status halo_topology_describe(const struct halo_topology *t, cJSON **out)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return halo_error(HALO_ERR_NOMEM, "out of memory describing the topology");
    cJSON_AddStringToObject(o, "discovery", "sysconf");
    cJSON_AddStringToObject(o, "cpu_model", t->model);
    cJSON_AddNumberToObject(o, "pus", t->n_pus);
    cJSON_AddNumberToObject(o, "process_cores", halo_topology_cores(t));
    cJSON_AddNumberToObject(o, "process_pus", halo_topology_pus(t));
    cJSON_AddItemToObject(o, "caches", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "numa_nodes", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "gpus", cJSON_CreateArray());
    *out = o;
    return HALO_OK;
}

#endif

enum halo_status halo_topology_load(struct halo_topology **out) { return load(true, out); }
enum halo_status halo_topology_load_cpus(struct halo_topology **out) { return load(false, out); }

double halo_cache_capacity_bytes(const struct halo_cache_level *c, int cores, int threads)
{
    if (cores < 1) cores = 1;
    if (threads < 1) threads = 1;
    /* instances the threads reach: cores are spread evenly over the instances */
    long long reach = ((long long)threads * c->count + cores - 1) / cores;
    if (reach > c->count) reach = c->count;
    if (reach < 1) reach = 1;
    return (double)c->size_bytes * (double)reach;
}

int halo_topology_process_cores(void)
{
    struct halo_topology *t;
    if (halo_topology_load_cpus(&t) != HALO_OK) {
        HALO_WARN("topology: %s; assuming 1 core", halo_error_msg());
        return 1;
    }
    int n = halo_topology_cores(t);
    halo_topology_free(t);
    return n;
}
