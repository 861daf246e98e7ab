/* halo methods: the planning methods from the planners' registry, with their attributes, so that
 * scripts and figures take the list from halo instead of keeping their own copy. */
#include "cli/cli.h"
#include "cli/output.h"
#include "partition/planner.h"

#include <stdio.h>

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    int n;
    const struct halo_planner_info *pl = halo_planners(&n);
    if (a.format == HALO_FORMAT_JSON) {
        cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "methods");
        for (int i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", pl[i].name);
            cJSON_AddStringToObject(o, "label", pl[i].label);
            cJSON_AddStringToObject(o, "title", pl[i].title);
            cJSON_AddStringToObject(o, "role", pl[i].role);
            cJSON_AddBoolToObject(o, "lossless", pl[i].lossless);
            cJSON_AddStringToObject(o, "paper", pl[i].paper);
            if (pl[i].reconstructed) cJSON_AddStringToObject(o, "reconstructed", pl[i].reconstructed);
            else cJSON_AddNullToObject(o, "reconstructed");
            cJSON_AddItemToArray(arr, o);
        }
        return halo_cli_put_json(cmd, doc);
    }
    if (a.format == HALO_FORMAT_CSV) {
        printf("name,label,role,lossless,title\n");
        for (int i = 0; i < n; i++) {
            printf("%s,", pl[i].name);
            halo_cli_csv_str(stdout, pl[i].label);
            printf(",%s,%s,", pl[i].role, pl[i].lossless ? "yes" : "no");
            halo_cli_csv_str(stdout, pl[i].title);
            printf("\n");
        }
        return HALO_EXIT_OK;
    }
    printf("%-12s %-15s %-10s %-9s %s\n", "method", "label", "role", "lossless", "publication");
    for (int i = 0; i < n; i++)
        printf("%-12s %-15s %-10s %-9s %s\n", pl[i].name, pl[i].label, pl[i].role, pl[i].lossless ? "yes" : "NO",
               pl[i].title);
    printf("\n'halo plan --help' says what each method does: the paper's and halo's reconstruction.\n");
    return HALO_EXIT_OK;
}

const struct halo_cli_cmd halo_cmd_methods = {
    .name = "methods",
    .usage = "[--format table|csv|json]",
    .summary = "list the planning methods (DPFP and the baselines) with their attributes",
    .details = "The list is the planners' own registry, in its fixed order: what halo plan --method takes,\n"
               "what --method all compares, and the order (and colour) of every figure. JSON adds what each\n"
               "publication states and what halo reconstructs where it gives no detail.",
    .opts = (const struct halo_cli_opt[]){{0}},
    .min_pos = 0,
    .max_pos = 0,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
