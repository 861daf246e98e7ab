/* fuzz_trace: the channel trace CSV (time_s,device,up_mbps,down_mbps) that a cluster's
 * "channel": {"model": "trace", "file": ...} names, as `halo sim` reads it. The loader reads a file:
 * each input is written to one temporary file that a fixed three-device cluster points to. */
#include "fuzz.h"

#include <unistd.h>

#include "core/json.h"
#include "partition/channel.h"
#include "partition/cluster.h"

static struct halo_cluster *c;
static char trace_path[256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(trace_path, sizeof trace_path, "%s/halo-fuzz-trace-%d.csv", dir, (int)getpid());
    char text[1024];
    snprintf(text, sizeof text,
             "{\"schema\": \"halo-cluster/1\", \"source\": \"cam\", \"channel\": {\"model\": \"trace\", \"file\": \"%s\", "
             "\"interval_s\": 0.5}, \"devices\": ["
             "{\"name\": \"cam\", \"uplink_mbps\": 100, \"downlink_mbps\": 100},"
             "{\"name\": \"es1\", \"capacity\": {\"gflops\": 10}, \"uplink_mbps\": 50, \"downlink_mbps\": 50},"
             "{\"name\": \"es2\", \"capacity\": {\"gflops\": 20}, \"uplink_mbps\": 50, \"downlink_mbps\": 50}]}",
             trace_path);
    cJSON *j;
    if (halo_json_parse("fuzz/cluster.json", text, strlen(text), &j) != HALO_OK ||
        halo_cluster_from_json("fuzz/cluster.json", j, &c) != HALO_OK) {
        fprintf(stderr, "fuzz_trace: %s\n", halo_error_msg());
        abort();
    }
    cJSON_Delete(j);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(trace_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) abort();
    struct halo_channel *ch = NULL;
    enum halo_status st = halo_channel_new(c, &ch);
    fuzz_expect_message(st);
    if (st == HALO_OK) {
        double up[3], down[3];
        for (uint64_t d = 0; d < 8; d++) {
            halo_channel_sample(ch, c, 1, d * 977, up, down);
            for (int k = 0; k < 3; k++)
                if (!(up[k] > 0) || !(down[k] > 0) || !isfinite(up[k]) || !isfinite(down[k])) abort();
        }
        halo_channel_free(ch);
    }
    unlink(trace_path);
    return 0;
}
