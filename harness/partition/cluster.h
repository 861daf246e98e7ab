/* cluster: the edge servers (ESs) and the source device, each with a profile (measured, or an
 * inline effective capacity) and a link. JSON schema "halo-cluster/1", documented in README.md.
 * A message from a to b occupies a's uplink and b's downlink for latency + bytes / bandwidth. */
#ifndef HALO_CLUSTER_H
#define HALO_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/status.h"
#include "profile/profile.h"

#define HALO_CLUSTER_SCHEMA "halo-cluster/1"

struct halo_device {
    char *name;
    char *profile_ref;            /* the profile path as written, or "inline" */
    struct halo_profile *profile; /* NULL for a source that does not compute */
    double speed;                 /* relative speed factor: compute time is divided by it */
    double up_mbps, down_mbps;    /* access link */
    double latency_ms;            /* one-way latency of the access link */
    char *host;                   /* the machine it runs on (halo run's placement), or NULL */
};

struct halo_cluster {
    char *path;
    char *name;
    int n;                  /* devices */
    struct halo_device *dev;
    int source;             /* index of the source device (holds the image, gets the result) */
    double *bw_mbps;        /* n x n, [a * n + b] for a -> b */
    double *lat_ms;         /* n x n */
    cJSON *channel;         /* the channel model as written (halo sim reads it), or NULL */
};

/* Loads and validates a cluster file and every profile it names (paths relative to the cluster
 * file's folder, then to the working directory). Errors name the file and field. */
enum halo_status halo_cluster_load(const char *path, struct halo_cluster **out);
/* Validates and builds a cluster from parsed JSON; `name` is used in messages. */
enum halo_status halo_cluster_from_json(const char *name, const cJSON *j, struct halo_cluster **out);
void halo_cluster_free(struct halo_cluster *c);

/* Milliseconds for `bytes` from device a to device b on an idle link (0 when a == b). */
double halo_cluster_transfer_ms(const struct halo_cluster *c, int a, int b, int64_t bytes);
/* Index of the device named `name`, or -1. */
int halo_cluster_find(const struct halo_cluster *c, const char *name);
/* Number of edge servers (devices other than the source). */
int halo_cluster_n_es(const struct halo_cluster *c);

#endif
