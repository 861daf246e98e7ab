/* halo fit: derive the analytical model (effective capacity per layer class) of a profile. */
#include "cli/cli.h"
#include "cli/output.h"
#include "profile/profile.h"

#include <stdio.h>
#include <string.h>

void halo_cli_print_fit(const struct halo_profile *p);
void halo_cli_print_fit_csv(const struct halo_profile *p);
cJSON *halo_cli_fit_json(const struct halo_profile *p);

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *outp = halo_cli_get(cmd, &a, "out"), *except = halo_cli_get(cmd, &a, "except");
    struct halo_profile *p;
    enum halo_status st = halo_profile_load(a.pos[0], &p);
    if (st != HALO_OK) return halo_cli_fail(cmd, st);
    if (except && !halo_profile_find(p, except, p->n_models ? p->models[0].h : 224, p->n_models ? p->models[0].w : 224)) {
        bool any = false;
        for (int m = 0; m < p->n_models; m++) any |= !strcmp(p->models[m].model, except);
        if (!any) st = halo_error(HALO_ERR_INVALID, "--except: %s did not measure %s", a.pos[0], except);
    }
    if (st == HALO_OK && p->n_models == 0)
        st = halo_error(HALO_ERR_INVALID, "%s: models: empty: nothing to fit (a datasheet profile keeps its fit)", a.pos[0]);
    if (st == HALO_OK) st = halo_profile_fit_except(p, except);
    if (st == HALO_OK) st = halo_profile_save(p, outp ? outp : a.pos[0]);
    if (st != HALO_OK) {
        halo_profile_free(p);
        return halo_cli_fail(cmd, st);
    }
    if (a.format == HALO_FORMAT_JSON) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "profile", p->name);
        cJSON_AddStringToObject(doc, "backend", p->backend);
        cJSON_AddStringToObject(doc, "library", p->library);
        cJSON_AddNumberToObject(doc, "threads", p->threads);
        if (except) cJSON_AddStringToObject(doc, "except", except);
        else cJSON_AddNullToObject(doc, "except");
        cJSON_AddItemToObject(doc, "fit", halo_cli_fit_json(p));
        cJSON_AddStringToObject(doc, "file", outp ? outp : a.pos[0]);
        rc = halo_cli_put_json(cmd, doc);
    } else if (a.format == HALO_FORMAT_CSV) {
        halo_cli_print_fit_csv(p);
    } else {
        printf("profile %s (%s backend, %s, %d threads)%s%s\n\n", p->name, p->backend, p->library, p->threads,
               except ? ", fitted without " : "", except ? except : "");
        halo_cli_print_fit(p);
        printf("\nwrote the fit into %s\n", outp ? outp : a.pos[0]);
    }
    halo_profile_free(p);
    return rc;
}

const struct halo_cli_cmd halo_cmd_fit = {
    .name = "fit",
    .usage = "PROFILE.json [-o OUT.json] [--except MODEL] [--format table|csv|json]",
    .summary = "fit effective capacity per layer class (GFLOP/s) plus per-layer overhead, with fit quality",
    .details = "Per class (conv3x3, conv1x1, conv_strided, depthwise, conv_other, linear, elementwise), a\n"
               "least-squares fit time_ms = overhead_ms + work / (GFLOP/s * 1e6) over the measured layers\n"
               "(work = FLOPs = 2 x MAC; element-wise ops for the elementwise class; layers fused into\n"
               "another are left out; a negative overhead is clamped to 0). R2 and the largest relative\n"
               "error per layer say how well it fits. The thin-tile penalty per class is the median of\n"
               "strip time / (fraction x full time). The planner prices layers the profile did not\n"
               "measure with this fit. Written back into the profile (or -o).",
    .opts = (const struct halo_cli_opt[]){
        {"out", 'o', "F", "write the profile with its fit to F instead of in place"},
        {"except", 0, "MODEL", "fit without this model's layers (leave-one-model-out)"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
