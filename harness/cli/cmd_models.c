/* halo models: the zoo with its input constraints and sizes at 224x224. */
#include "cli/cli.h"
#include "cli/output.h"
#include "model/count.h"
#include "model/zoo.h"

#include <stdio.h>

/* What a row of the table says about one zoo model. */
struct model_row {
    const struct halo_zoo_entry *e;
    int stages, min_h, min_w;
    struct halo_count count; /* at 224x224 */
};

static enum halo_status model_row(const struct halo_zoo_entry *e, struct model_row *r)
{
    struct halo_graph *g;
    *r = (struct model_row){.e = e};
    enum halo_status st = halo_zoo_build(e->name, &g);
    if (st == HALO_OK) st = halo_graph_min_input(g, &r->min_h, &r->min_w);
    if (st == HALO_OK) st = halo_graph_infer(g, 224, 224);
    if (st == HALO_OK) {
        r->stages = g->n_stages;
        r->count = halo_count_range(g, 0, g->n_nodes);
    }
    halo_graph_free(g);
    return st;
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    int n;
    const struct halo_zoo_entry *e = halo_zoo_list(&n);
    cJSON *doc = NULL, *arr = NULL;
    if (a.format == HALO_FORMAT_JSON) {
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "mac_convention",
                                "torchvision: conv and linear multiply-accumulates, padded taps included; FLOP = 2 x MAC");
        arr = cJSON_AddArrayToObject(doc, "models");
    } else if (a.format == HALO_FORMAT_CSV) {
        printf("model,family,stages,params,macs_224,gmac_224,min_h,min_w,description\n");
    } else {
        printf("%-14s %-10s %8s %12s %9s  %s\n", "model", "family", "stages", "params", "GMAC@224",
               "input (min HxW; any larger size)");
    }
    for (int i = 0; i < n; i++) {
        struct model_row r;
        enum halo_status st = model_row(&e[i], &r);
        if (st != HALO_OK) {
            cJSON_Delete(doc);
            return halo_cli_fail(cmd, st);
        }
        if (a.format == HALO_FORMAT_JSON) {
            cJSON *o = cJSON_CreateObject();
            int min[2] = {r.min_h, r.min_w};
            cJSON_AddStringToObject(o, "model", e[i].name);
            cJSON_AddStringToObject(o, "family", e[i].family);
            cJSON_AddNumberToObject(o, "stages", r.stages);
            cJSON_AddNumberToObject(o, "params", (double)r.count.params);
            cJSON_AddNumberToObject(o, "macs_224", (double)r.count.macs);
            cJSON_AddNumberToObject(o, "gmac_224", (double)r.count.macs / 1e9);
            cJSON_AddItemToObject(o, "min_input", cJSON_CreateIntArray(min, 2));
            cJSON_AddStringToObject(o, "description", e[i].description);
            cJSON_AddItemToArray(arr, o);
        } else if (a.format == HALO_FORMAT_CSV) {
            printf("%s,%s,%d,%lld,%lld,%.3f,%d,%d,", e[i].name, e[i].family, r.stages, (long long)r.count.params,
                   (long long)r.count.macs, (double)r.count.macs / 1e9, r.min_h, r.min_w);
            halo_cli_csv_str(stdout, e[i].description);
            printf("\n");
        } else {
            printf("%-14s %-10s %8d %12lld %9.3f  3x%dx%d or larger; %s\n", e[i].name, e[i].family, r.stages,
                   (long long)r.count.params, (double)r.count.macs / 1e9, r.min_h, r.min_w, e[i].description);
        }
    }
    return doc ? halo_cli_put_json(cmd, doc) : HALO_EXIT_OK;
}

const struct halo_cli_cmd halo_cmd_models = {
    .name = "models",
    .usage = "[--format table|csv|json]",
    .summary = "list the model zoo with parameter counts, GMAC at 224x224 and minimum input size",
    .details = "GMAC counts multiply-accumulates of conv and linear layers as torchvision does\n"
               "(padded taps included); FLOPs = 2 x MAC.",
    .opts = (const struct halo_cli_opt[]){{0}},
    .min_pos = 0,
    .max_pos = 0,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
