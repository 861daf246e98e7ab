/* fuzz_cluster: cluster JSON (halo-cluster/1) as `halo plan --cluster` and `halo sim` read it:
 * the text through halo_json_parse, halo_cluster_from_json, then the channel model and a few
 * channel draws and transfer times, as the planners use them. */
#include "fuzz.h"

#include "core/json.h"
#include "partition/channel.h"
#include "partition/cluster.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = NULL;
    enum halo_status st = halo_json_parse("fuzz/cluster.json", (const char *)data, size, &j);
    fuzz_expect_message(st);
    if (st != HALO_OK) return 0;
    struct halo_cluster *c = NULL;
    st = halo_cluster_from_json("fuzz/cluster.json", j, &c);
    fuzz_expect_message(st);
    if (st == HALO_OK) {
        volatile double sink = 0;
        for (int a = 0; a < c->n; a++)
            for (int b = 0; b < c->n; b++) sink += halo_cluster_transfer_ms(c, a, b, 1 << 20);
        sink += halo_cluster_n_es(c) + halo_cluster_find(c, c->dev[c->source].name);
        struct halo_channel *ch = NULL;
        st = halo_channel_new(c, &ch);
        fuzz_expect_message(st);
        if (st == HALO_OK) {
            double *up = malloc((size_t)c->n * sizeof *up), *down = malloc((size_t)c->n * sizeof *down);
            if (!up || !down) abort();
            for (uint64_t d = 0; d < 4; d++) {
                halo_channel_sample(ch, c, 7, d, up, down);
                for (int k = 0; k < c->n; k++)
                    if (!(up[k] > 0) || !(down[k] > 0)) {
                        fprintf(stderr, "fuzz_cluster: draw %d: device %d has rate %g/%g\n", (int)d, k, up[k], down[k]);
                        abort();
                    }
            }
            free(up);
            free(down);
            halo_channel_free(ch);
        }
        (void)sink;
        halo_cluster_free(c);
    }
    cJSON_Delete(j);
    return 0;
}
