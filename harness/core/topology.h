/* topology: the machine as hwloc sees it (packages, cores, PUs, caches, NUMA nodes, GPUs), the
 * cores this process may use, and binding of the process or a thread to some of them. Falls back
 * to sysconf and sched_getaffinity when halo is built without hwloc. */
#ifndef HALO_TOPOLOGY_H
#define HALO_TOPOLOGY_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "core/status.h"

/* Opaque: an hwloc topology (or the fallback's counts) and the process's cpuset. */
struct halo_topology;

/* Discovers the machine, I/O devices (GPUs) included. The process's cpuset is the one it had
 * when the first topology was loaded in this process, so binding (which narrows it) does not
 * change what later topologies report. */
enum halo_status halo_topology_load(struct halo_topology **out);
/* The same without I/O devices (faster: no GPU driver is asked; describe lists no GPUs), for
 * counting cores and binding. */
enum halo_status halo_topology_load_cpus(struct halo_topology **out);
void halo_topology_free(struct halo_topology *t);

/* Cores and PUs (hardware threads) of the process's cpuset; at least 1. */
int halo_topology_cores(const struct halo_topology *t);
int halo_topology_pus(const struct halo_topology *t);
/* Cores of the whole machine (not only the process's cpuset); at least 1. */
int halo_topology_machine_cores(const struct halo_topology *t);

/* The CPU model name ("Intel(R) Xeon(R) Platinum 8480+"), or "unknown"; owned by t. */
const char *halo_topology_cpu_model(const struct halo_topology *t);

/* Binds the whole process to cores [first, first + n) of its cpuset (every PU of those cores).
 * Errors: the range is not inside [0, cores), or the OS refused. */
enum halo_status halo_topology_bind(const struct halo_topology *t, int first, int n);

/* Binds the calling thread to one PU of core `core` of the process's cpuset. */
enum halo_status halo_topology_bind_thread(const struct halo_topology *t, int core);

/* Binds the calling thread to PU `pu` of the process's cpuset: pu in [0, halo_topology_pus),
 * the PUs in the OS's order, hardware threads of one core counted apart (sched_getaffinity's
 * view, where halo_topology_bind_thread counts cores). */
enum halo_status halo_topology_bind_thread_pu(const struct halo_topology *t, int pu);
/* Lets the calling thread run on every PU the process could use when its first topology was
 * loaded (undoes a thread binding). */
enum halo_status halo_topology_unbind_thread(const struct halo_topology *t);
/* The OS's number of that PU (the CPU number of sched_getaffinity and /proc), or -1 when pu is out
 * of range. */
int halo_topology_pu_os_index(const struct halo_topology *t, int pu);

/* A JSON description for profiles: cpu_model, packages, cores, pus, process_cores,
 * process_pus, caches [{level, type, size_bytes, count}], numa_nodes [{os_index, memory_bytes}],
 * gpus [{name, model, sm_count, memory_bytes}] (fields absent when hwloc does not know them;
 * empty from halo_topology_load_cpus),
 * and "discovery": "hwloc X.Y.Z" or "sysconf". The caller owns the object. */
enum halo_status halo_topology_describe(const struct halo_topology *t, cJSON **out);

/* One level of the data-cache hierarchy: its size per instance and how many instances there are
 * (per core for L1 and L2 on most CPUs, one or a few shared ones for L3). */
struct halo_cache_level {
    int level;          /* 1, 2, 3, ... */
    long long size_bytes; /* one instance */
    int count;          /* instances in the machine */
};

/* The data (or unified) caches, L1 first, into out[0..max); returns how many there are (0 when
 * nothing is known, e.g. without hwloc and without /sys). */
int halo_topology_caches(const struct halo_topology *t, struct halo_cache_level *out, int max);

/* The cache capacity `threads` threads bound one per core can fill at level c: the size of one
 * instance times the instances those cores reach (cores are spread evenly over the instances). */
double halo_cache_capacity_bytes(const struct halo_cache_level *c, int machine_cores, int threads);

/* Convenience: cores of the process's cpuset without keeping a topology (1 when discovery
 * fails, with a warning logged). */
int halo_topology_process_cores(void);

#endif
