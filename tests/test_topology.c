/* Topology: counts that agree with each other and with the OS, a JSON description with the
 * fields profiles rely on, binding (the process; a thread to a core or to a PU) that leaves the
 * reported cpuset alone, and binding requests outside the cpuset rejected. */
#define _GNU_SOURCE
#include "core/topology.h"
#include "halo_config.h"
#include "test.h"

#include <sched.h>
#include <unistd.h>

static int allowed_cpus(void)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    return sched_getaffinity(0, sizeof s, &s) == 0 ? CPU_COUNT(&s) : -1;
}

/* The process's topology and cpuset as the first case found them; the later cases use them (and
 * run no check, so fail, when it could not be loaded). */
static struct halo_topology *t;
static int before, cores, pus;

static void test_counts(void)
{
    before = allowed_cpus();
    CHECK_OK(halo_topology_load_cpus(&t));
    if (!t) return;
    cores = halo_topology_cores(t);
    pus = halo_topology_pus(t);
    CHECK(cores >= 1);
    CHECK(pus >= cores);
    CHECK_EQ(pus, before); /* the PUs of the process's cpuset are what sched_getaffinity allows */
    CHECK(strlen(halo_topology_cpu_model(t)) > 0);
    CHECK_EQ(halo_topology_process_cores(), cores);
}

static void test_describe(void)
{
    if (!t) return;
    cJSON *d = NULL;
    CHECK_OK(halo_topology_describe(t, &d));
    if (d) {
        const char *keys[] = {"discovery", "cpu_model", "process_cores", "process_pus", "caches", "numa_nodes", "gpus"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            bool has = cJSON_GetObjectItemCaseSensitive(d, keys[i]) != NULL;
            if (!has) fprintf(stderr, "  describe: no '%s'\n", keys[i]);
            CHECK(has);
        }
        CHECK_EQ(cJSON_GetObjectItemCaseSensitive(d, "process_cores")->valuedouble, cores);
        CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d, "gpus")));
#if HALO_HAVE_HWLOC
        const cJSON *caches = cJSON_GetObjectItemCaseSensitive(d, "caches"), *c;
        CHECK(cJSON_GetArraySize(caches) >= 1);
        cJSON_ArrayForEach(c, caches) {
            CHECK(cJSON_GetObjectItemCaseSensitive(c, "size_bytes")->valuedouble > 0);
            CHECK(cJSON_GetObjectItemCaseSensitive(c, "level")->valuedouble >= 1);
        }
        CHECK(cJSON_GetObjectItemCaseSensitive(d, "cores")->valuedouble >= cores);
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "numa_nodes")) >= 1);
#endif
        cJSON_Delete(d);
    }
}

static void test_bind(void)
{
    if (!t) return;
    /* binding narrows the OS cpuset, not what the topology reports */
    CHECK_OK(halo_topology_bind(t, 0, 1));
    int after = allowed_cpus();
    CHECK(after >= 1 && after <= pus / cores + (pus % cores != 0));
    CHECK_OK(halo_topology_bind_thread(t, cores - 1));
    CHECK_EQ(allowed_cpus(), 1);
    /* a PU by its place in the process's cpuset: the thread runs on exactly that OS CPU */
    int last_pu = halo_topology_pu_os_index(t, pus - 1);
    CHECK(last_pu >= 0);
    CHECK_OK(halo_topology_bind_thread_pu(t, pus - 1));
    cpu_set_t one;
    CPU_ZERO(&one);
    CHECK(sched_getaffinity(0, sizeof one, &one) == 0 && CPU_COUNT(&one) == 1 && last_pu >= 0 &&
          CPU_ISSET(last_pu, &one));
    CHECK_EQ(halo_topology_pu_os_index(t, pus), -1);
    struct halo_topology *t2 = NULL;
    CHECK_OK(halo_topology_load_cpus(&t2));
    if (t2) CHECK_EQ(halo_topology_cores(t2), cores);
    halo_topology_free(t2);
    CHECK_OK(halo_topology_bind(t, 0, cores));
    CHECK_EQ(allowed_cpus(), before);
}

static void test_bind_errors(void)
{
    if (!t) return;
    CHECK_ERR(halo_topology_bind(t, 0, cores + 1), HALO_ERR_INVALID, "the process has");
    CHECK_ERR(halo_topology_bind(t, -1, 1), HALO_ERR_INVALID, "cannot bind");
    CHECK_ERR(halo_topology_bind_thread(t, cores), HALO_ERR_INVALID, "cannot bind a thread to core");
    CHECK_ERR(halo_topology_bind_thread_pu(t, pus), HALO_ERR_INVALID, "cannot bind a thread to PU");
}

int main(void)
{
    RUN(test_counts);
    RUN(test_describe);
    RUN(test_bind);
    RUN(test_bind_errors);
    halo_topology_free(t);
    halo_topology_free(NULL);
    return halo_test_done("test_topology");
}
