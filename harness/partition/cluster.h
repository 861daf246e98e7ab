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

/* What a cluster's link rates are. Goodput (the default): the payload rate a transfer gets, used
 * as given. Nominal: the line rate (what a NIC or tc's tbf is set to); halo uses
 * HALO_GOODPUT_PER_NOMINAL of it, TCP's payload per Ethernet frame: 1448 bytes of MSS (a 1500-byte
 * MTU less 20 of IP, 20 of TCP and 12 of timestamps) per 1514 bytes on the wire (the MTU and the
 * 14-byte Ethernet header), 95.64 Mbit/s of a 100 Mbit/s link (95.7 measured through tbf). The
 * conversion holds for every link model: it says what the numbers mean, not how links are
 * shared. */
enum halo_rates { HALO_RATES_GOODPUT, HALO_RATES_NOMINAL };
#define HALO_GOODPUT_PER_NOMINAL (1448.0 / 1514.0)
/* "goodput" or "nominal". */
const char *halo_rates_name(enum halo_rates r);

struct halo_device {
    char *name;
    char *profile_ref;            /* the profile path as written, or "inline" */
    struct halo_profile *profile; /* NULL for a source that does not compute */
    double speed;                 /* relative speed factor: compute time is divided by it */
    double up_mbps, down_mbps;    /* access link, goodput (nominal rates converted) */
    double latency_ms;            /* one-way latency of the access link */
    char *host;                   /* the machine it runs on (halo run's placement), or NULL */
};

struct halo_cluster {
    char *path;
    char *name;
    int n;                  /* devices */
    struct halo_device *dev;
    int source;             /* index of the source device (holds the image, gets the result) */
    enum halo_rates rates;  /* what the file's rates were; every rate here is goodput */
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
