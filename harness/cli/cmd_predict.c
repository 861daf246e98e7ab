/* halo predict: the speedup ratio of platform B over platform A for a model, from FLOPs and each
 * platform's effective capacity (DPFP's analytical method), beside the measured ratio. */
#include "cli/cli.h"
#include "cli/output.h"
#include "model/model.h"
#include "profile/profile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Predicted ms of g on p from the fit; leave-one-model-out when p measured the model. */
static enum halo_status predict(struct halo_profile *p, const struct halo_graph *g, bool in_sample, bool *loo,
                                double *ms)
{
    *loo = false;
    bool measured = false;
    for (int m = 0; m < p->n_models; m++) measured |= !strcmp(p->models[m].model, g->name);
    if (measured && !in_sample && p->n_models > 1) {
        HALO_TRY(halo_profile_fit_except(p, g->name));
        *loo = true;
    } else if (p->n_models > 0 && !p->has_fit) {
        HALO_TRY(halo_profile_fit(p));
    }
    return halo_profile_predict_ms(p, g, ms);
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *from = halo_cli_get(cmd, &a, "from"), *to = halo_cli_get(cmd, &a, "to");
    if (!from || !to) return halo_cli_usage_error(cmd, "--from and --to are required");
    bool in_sample = halo_cli_has(cmd, &a, "in-sample");
    int h, w;
    struct halo_graph *g = NULL;
    struct halo_profile *A = NULL, *B = NULL;
    enum halo_status st = halo_cli_input_size(cmd, &a, &h, &w);
    if (st == HALO_OK) st = halo_model_build_for(a.pos[0], h, w, &g);
    if (st == HALO_OK) st = halo_profile_load(from, &A);
    if (st == HALO_OK) st = halo_profile_load(to, &B);
    double ma = 0, mb = 0;
    bool la = false, lb = false;
    if (st == HALO_OK) st = predict(A, g, in_sample, &la, &ma);
    if (st == HALO_OK) st = predict(B, g, in_sample, &lb, &mb);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
    } else {
        double pred = ma / mb;
        const struct halo_prof_model *xa = halo_profile_find(A, g->name, h, w), *xb = halo_profile_find(B, g->name, h, w);
        double meas = xa && xb ? xa->latency_ms.median / xb->latency_ms.median : 0;
        if (a.format == HALO_FORMAT_JSON) {
            cJSON *doc = cJSON_CreateObject();
            int in[2] = {h, w};
            cJSON_AddStringToObject(doc, "model", g->name);
            cJSON_AddItemToObject(doc, "input", cJSON_CreateIntArray(in, 2));
            cJSON_AddStringToObject(doc, "basis", "predicted: sum over layers of overhead + FLOPs / the fitted effective "
                                                  "capacity of the layer's class; measured: the profiles' median latency");
            cJSON_AddBoolToObject(doc, "fit_without_model", la || lb); /* a profile that measured MODEL, refitted */
            const struct halo_profile *P[2] = {A, B};
            const char *file[2] = {from, to}, *key[2] = {"from", "to"};
            const struct halo_prof_model *X[2] = {xa, xb};
            double M[2] = {ma, mb};
            for (int k = 0; k < 2; k++) {
                cJSON *o = cJSON_AddObjectToObject(doc, key[k]);
                cJSON_AddStringToObject(o, "profile", P[k]->name);
                cJSON_AddStringToObject(o, "file", file[k]);
                cJSON_AddBoolToObject(o, "estimated", P[k]->estimated);
                cJSON_AddNumberToObject(o, "predicted_ms", M[k]);
                if (X[k]) cJSON_AddNumberToObject(o, "measured_ms", X[k]->latency_ms.median);
                else cJSON_AddNullToObject(o, "measured_ms");
            }
            cJSON_AddNumberToObject(doc, "predicted_ratio", pred);
            if (xa && xb) {
                cJSON_AddNumberToObject(doc, "measured_ratio", meas);
                cJSON_AddNumberToObject(doc, "error_pct", 100 * (pred - meas) / meas);
            } else {
                cJSON_AddNullToObject(doc, "measured_ratio");
                cJSON_AddNullToObject(doc, "error_pct");
            }
            rc = halo_cli_put_json(cmd, doc);
        } else if (a.format == HALO_FORMAT_CSV) {
            printf("model,input,from,to,fit_without_model,pred_from_ms,pred_to_ms,pred_ratio,measured_from_ms,measured_to_ms,"
                   "measured_ratio,err_pct\n");
            printf("%s,%dx%d,", g->name, h, w);
            halo_cli_csv_str(stdout, A->name);
            printf(",");
            halo_cli_csv_str(stdout, B->name);
            printf(",%s,%.9g,%.9g,%.9g,", (la || lb) ? "yes" : "no", ma, mb, pred);
            if (xa && xb)
                printf("%.9g,%.9g,%.9g,%.9g\n", xa->latency_ms.median, xb->latency_ms.median, meas,
                       100 * (pred - meas) / meas);
            else
                printf(",,,\n");
        } else {
            printf("%s at %dx%d: speedup of %s over %s\n", g->name, h, w, B->name, A->name);
            printf("predicted from FLOPs and effective capacity%s:\n", (la || lb) ? " (fit without this model's layers)" : "");
            printf("  %-28s %10.3f ms%s\n", A->name, ma, A->estimated ? "  (ESTIMATED profile)" : "");
            printf("  %-28s %10.3f ms%s\n", B->name, mb, B->estimated ? "  (ESTIMATED profile)" : "");
            printf("  predicted ratio %.4f\n", pred);
            if (xa && xb) {
                printf("measured (median latency): %.3f ms / %.3f ms = ratio %.4f\n", xa->latency_ms.median,
                       xb->latency_ms.median, meas);
                printf("error of the prediction: %+.1f %%\n", 100 * (pred - meas) / meas);
            } else {
                printf("measured: not available (%s did not measure %s at %dx%d)\n", xa ? B->name : A->name, g->name, h, w);
            }
        }
    }
    halo_profile_free(A);
    halo_profile_free(B);
    halo_graph_free(g);
    return rc;
}

const struct halo_cli_cmd halo_cmd_predict = {
    .name = "predict",
    .usage = "--from A.json --to B.json MODEL [--input HxW] [--in-sample] [--format table|csv|json]",
    .summary = "predict the speedup of platform B over A for a model from FLOPs and effective capacity",
    .details = "DPFP's analytical method: each platform's time is the sum over the model's layers of\n"
               "overhead + FLOPs / effective capacity of the layer's class (the fit, never the measured\n"
               "layer times). When a profile measured MODEL itself, its capacities are refitted without\n"
               "that model's layers, so the prediction is out of sample (--in-sample uses them). When both\n"
               "profiles measured MODEL at this size, the measured ratio of median latencies and the\n"
               "prediction's error are printed.",
    .opts = (const struct halo_cli_opt[]){
        {"from", 0, "A.json", "profile of the reference platform"},
        {"to", 0, "B.json", "profile of the platform whose speedup over A is predicted"},
        {"input", 0, "HxW", "input size (default 224x224)"},
        {"in-sample", 0, NULL, "use the fit of all measured layers, the model's own included"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
