/* halo models: the zoo with its input constraints and sizes at 224x224. */
#include "cli/cli.h"
#include "model/count.h"
#include "model/zoo.h"

#include <stdio.h>

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    int n;
    const struct halo_zoo_entry *e = halo_zoo_list(&n);
    printf("%-14s %-10s %8s %12s %9s  %s\n", "model", "family", "stages", "params", "GMAC@224",
           "input (min HxW; any larger size)");
    for (int i = 0; i < n; i++) {
        struct halo_graph *g;
        enum halo_status st = halo_zoo_build(e[i].name, &g);
        int mh = 0, mw = 0;
        if (st == HALO_OK) st = halo_graph_min_input(g, &mh, &mw);
        if (st == HALO_OK) st = halo_graph_infer(g, 224, 224);
        if (st != HALO_OK) {
            halo_graph_free(g);
            return halo_cli_fail(cmd, st);
        }
        struct halo_count c = halo_count_range(g, 0, g->n_nodes);
        printf("%-14s %-10s %8d %12lld %9.3f  3x%dx%d or larger; %s\n", e[i].name, e[i].family,
               g->n_stages, (long long)c.params, (double)c.macs / 1e9, mh, mw, e[i].description);
        halo_graph_free(g);
    }
    return HALO_EXIT_OK;
}

const struct halo_cli_cmd halo_cmd_models = {
    .name = "models",
    .usage = "",
    .summary = "list the model zoo with parameter counts, GMAC at 224x224 and minimum input size",
    .details = "GMAC counts multiply-accumulates of conv and linear layers as torchvision does\n"
               "(padded taps included); FLOPs = 2 x MAC.",
    .opts = (const struct halo_cli_opt[]){{0}},
    .min_pos = 0,
    .max_pos = 0,
    .run = run,
};
