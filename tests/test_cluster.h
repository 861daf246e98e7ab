/* test_cluster: clusters built in memory for the planner, baseline and runtime tests — a source
 * "src" and ESs es1..esN with inline capacities — through the same JSON loader users' files take. */
#ifndef HALO_TEST_CLUSTER_H
#define HALO_TEST_CLUSTER_H

#include "core/json.h"
#include "partition/cluster.h"

#include <stdio.h>

/* n ESs with capacities gflops[i], symmetric links of mbps[i] Mbps and 0.2 ms, and the source's
 * links of src_mbps and 0.5 ms. speed: per-ES speed factors, or NULL for none; overhead_ms: the
 * per-layer overhead of every ES, or < 0 to leave it to the loader's default. NULL (with the
 * loader's message on stderr) on a rejected cluster. */
static struct halo_cluster *test_cluster(int n, const double *gflops, const double *speed, const double *mbps,
                                         double src_mbps, double overhead_ms)
{
    cJSON *j = cJSON_CreateObject(), *devs = cJSON_AddArrayToObject(j, "devices");
    cJSON_AddStringToObject(j, "schema", HALO_CLUSTER_SCHEMA);
    cJSON_AddStringToObject(j, "source", "src");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "name", "src");
    cJSON_AddNumberToObject(s, "uplink_mbps", src_mbps);
    cJSON_AddNumberToObject(s, "downlink_mbps", src_mbps);
    cJSON_AddNumberToObject(s, "latency_ms", 0.5);
    cJSON_AddItemToArray(devs, s);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "es%d", i + 1);
        cJSON *d = cJSON_CreateObject(), *cap = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "name", name);
        cJSON_AddNumberToObject(cap, "gflops", gflops[i]);
        if (overhead_ms >= 0) cJSON_AddNumberToObject(cap, "overhead_ms", overhead_ms);
        cJSON_AddItemToObject(d, "capacity", cap);
        if (speed) cJSON_AddNumberToObject(d, "speed", speed[i]);
        cJSON_AddNumberToObject(d, "uplink_mbps", mbps[i]);
        cJSON_AddNumberToObject(d, "downlink_mbps", mbps[i]);
        cJSON_AddNumberToObject(d, "latency_ms", 0.2);
        cJSON_AddItemToArray(devs, d);
    }
    struct halo_cluster *c = NULL;
    enum halo_status st = halo_cluster_from_json("mem.json", j, &c);
    if (st != HALO_OK) fprintf(stderr, "cluster: %s\n", halo_error_msg());
    cJSON_Delete(j);
    return c;
}

#endif
