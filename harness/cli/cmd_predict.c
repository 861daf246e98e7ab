/* halo predict: the speedup ratio of platform B over platform A for a model by three predictors
 * side by side — DPFP's analytical method (FLOPs and each platform's effective capacity per layer
 * class), the ratio of the platforms' peak FLOP/s, and a roofline from each platform's measured
 * ceilings alone — beside the measured ratio and each one's error. */
#include "cli/cli.h"
#include "cli/output.h"
#include "model/model.h"
#include "profile/profile.h"
#include "profile/roofline.h"

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

/* The two predictors from the ceilings: peak FLOP/s of each platform, and the roofline's ms. */
struct ceil_pred {
    bool have;         /* both profiles have ceilings */
    const char *why;   /* when not: which profile lacks them */
    double peak[2];    /* GFLOP/s of A and B */
    double roof_ms[2]; /* roofline predictor's ms of A and B */
};

static enum halo_status ceil_predict(struct halo_profile *const P[2], const char *const file[2],
                                     const struct halo_graph *g, struct ceil_pred *c)
{
    *c = (struct ceil_pred){0};
    for (int k = 0; k < 2; k++)
        if (!P[k]->ceilings) {
            c->why = file[k];
            return HALO_OK;
        }
    for (int k = 0; k < 2; k++) {
        struct halo_roof r;
        HALO_TRY(halo_roof_from_json(file[k], "ceilings", P[k]->ceilings, P[k]->threads, &r));
        c->peak[k] = r.peak_gflops;
        c->roof_ms[k] = halo_roofline_predict_ms(&r, g);
        halo_roof_free(&r);
    }
    c->have = true;
    return HALO_OK;
}

/* One predictor as JSON: its two values (keys a_key, b_key), ratio and error (null when absent). */
static cJSON *pred_json(const char *name, const char *basis, const char *unit_key, double a, double b, double ratio,
                        bool have, const char *why, double meas)
{
    cJSON *o = cJSON_CreateObject();
    char ka[32], kb[32];
    snprintf(ka, sizeof ka, "from_%s", unit_key);
    snprintf(kb, sizeof kb, "to_%s", unit_key);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "basis", basis);
    if (have) {
        cJSON_AddNumberToObject(o, ka, a);
        cJSON_AddNumberToObject(o, kb, b);
        cJSON_AddNumberToObject(o, "ratio", ratio);
        if (meas > 0) cJSON_AddNumberToObject(o, "error_pct", 100 * (ratio - meas) / meas);
        else cJSON_AddNullToObject(o, "error_pct");
    } else {
        cJSON_AddNullToObject(o, ka);
        cJSON_AddNullToObject(o, kb);
        cJSON_AddNullToObject(o, "ratio");
        cJSON_AddNullToObject(o, "error_pct");
        char msg[512];
        snprintf(msg, sizeof msg, "%s has no ceilings (measure it with halo profile, without --no-ceilings)", why);
        cJSON_AddStringToObject(o, "missing", msg);
    }
    return o;
}

static const char *const basis_dpfp = "sum over layers of overhead + FLOPs / the fitted effective capacity of the "
                                      "layer's class (DPFP's analytical model)";
static const char *const basis_peak = "ratio of the platforms' peak FP32 FLOP/s (FMA kernel of their ceilings, at "
                                      "the profiles' threads and ISA)";
static const char *const basis_roof = "sum over layers of max(FLOPs / peak, bytes / triad bandwidth of the level "
                                      "the layer's working set fits in), from each platform's ceilings alone";

static void print_err(double ratio, double meas)
{
    if (meas > 0) printf(" %+9.1f %%\n", halo_cli_unsigned_zero(100 * (ratio - meas) / meas, 1));
    else printf(" %11s\n", "-");
}

/* The three predictors side by side. */
static void print_three(const struct halo_profile *A, const struct halo_profile *B, double ma, double mb, double pred,
                        const struct ceil_pred *cp, double meas)
{
    printf("\nthree predictors of the ratio t_A / t_B:\n");
    printf("  %-34s %14s %14s %10s %11s\n", "predictor", A->name, B->name, "ratio", "error");
    printf("  %-34s %11.3f ms %11.3f ms %10.4f", "dpfp: FLOPs / effective capacity", ma, mb, pred);
    print_err(pred, meas);
    if (!cp->have) {
        printf("  peak FLOP/s ratio, roofline: not available (%s has no ceilings: measure it with halo profile)\n",
               cp->why);
        return;
    }
    printf("  %-34s %7.1f GFLOP/s %7.1f GFLOP/s %10.4f", "peak FP32 FLOP/s ratio", cp->peak[0], cp->peak[1],
           cp->peak[1] / cp->peak[0]);
    print_err(cp->peak[1] / cp->peak[0], meas);
    printf("  %-34s %11.3f ms %11.3f ms %10.4f", "roofline from the ceilings alone", cp->roof_ms[0], cp->roof_ms[1],
           cp->roof_ms[0] / cp->roof_ms[1]);
    print_err(cp->roof_ms[0] / cp->roof_ms[1], meas);
    if (meas > 0) printf("  %-34s %41.4f\n", "measured (median latency)", meas);
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
    struct ceil_pred cp = {0};
    struct halo_profile *const PP[2] = {A, B};
    const char *const FF[2] = {from, to};
    if (st == HALO_OK) st = ceil_predict(PP, FF, g, &cp);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
    } else {
        double pred = ma / mb;
        const struct halo_prof_model *xa = halo_profile_find(A, g->name, h, w), *xb = halo_profile_find(B, g->name, h, w);
        double meas = xa && xb ? xa->latency_ms.median / xb->latency_ms.median : 0;
        double peak_ratio = cp.have ? cp.peak[1] / cp.peak[0] : 0, roof_ratio = cp.have ? cp.roof_ms[0] / cp.roof_ms[1] : 0;
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
            cJSON *preds = cJSON_AddArrayToObject(doc, "predictors");
            cJSON_AddItemToArray(preds, pred_json("dpfp", basis_dpfp, "ms", ma, mb, pred, true, NULL, meas));
            cJSON_AddItemToArray(preds, pred_json("peak_flops", basis_peak, "gflops", cp.peak[0], cp.peak[1], peak_ratio,
                                                  cp.have, cp.why, meas));
            cJSON_AddItemToArray(preds, pred_json("roofline", basis_roof, "ms", cp.roof_ms[0], cp.roof_ms[1], roof_ratio,
                                                  cp.have, cp.why, meas));
            rc = halo_cli_put_json(cmd, doc);
        } else if (a.format == HALO_FORMAT_CSV) {
            printf("model,input,from,to,fit_without_model,pred_from_ms,pred_to_ms,pred_ratio,measured_from_ms,measured_to_ms,"
                   "measured_ratio,err_pct,peak_from_gflops,peak_to_gflops,peak_ratio,peak_err_pct,roofline_from_ms,"
                   "roofline_to_ms,roofline_ratio,roofline_err_pct\n");
            printf("%s,%dx%d,", g->name, h, w);
            halo_cli_csv_str(stdout, A->name);
            printf(",");
            halo_cli_csv_str(stdout, B->name);
            printf(",%s,%.9g,%.9g,%.9g,", (la || lb) ? "yes" : "no", ma, mb, pred);
            if (xa && xb)
                printf("%.9g,%.9g,%.9g,%.9g,", xa->latency_ms.median, xb->latency_ms.median, meas,
                       100 * (pred - meas) / meas);
            else
                printf(",,,,");
            if (cp.have) {
                printf("%.9g,%.9g,%.9g,", cp.peak[0], cp.peak[1], peak_ratio);
                if (meas > 0) printf("%.9g", 100 * (peak_ratio - meas) / meas);
                printf(",%.9g,%.9g,%.9g,", cp.roof_ms[0], cp.roof_ms[1], roof_ratio);
                if (meas > 0) printf("%.9g", 100 * (roof_ratio - meas) / meas);
                printf("\n");
            } else {
                printf(",,,,,,,\n");
            }
        } else {
            printf("%s at %dx%d: speedup of %s over %s\n", g->name, h, w, B->name, A->name);
            printf("predicted from FLOPs and effective capacity%s:\n", (la || lb) ? " (fit without this model's layers)" : "");
            printf("  %-28s %10.3f ms%s\n", A->name, ma, A->estimated ? "  (ESTIMATED profile)" : "");
            printf("  %-28s %10.3f ms%s\n", B->name, mb, B->estimated ? "  (ESTIMATED profile)" : "");
            printf("  predicted ratio %.4f\n", pred);
            if (xa && xb) {
                printf("measured (median latency): %.3f ms / %.3f ms = ratio %.4f\n", xa->latency_ms.median,
                       xb->latency_ms.median, meas);
                printf("error of the prediction: %+.1f %%\n", halo_cli_unsigned_zero(100 * (pred - meas) / meas, 1));
            } else {
                printf("measured: not available (%s did not measure %s at %dx%d)\n", xa ? B->name : A->name, g->name, h, w);
            }
            print_three(A, B, ma, mb, pred, &cp, meas);
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
    .summary = "predict the speedup of platform B over A for a model: DPFP's model, peak FLOP/s, roofline",
    .details = "DPFP's analytical method: each platform's time is the sum over the model's layers of\n"
               "overhead + FLOPs / effective capacity of the layer's class (the fit, never the measured\n"
               "layer times). When a profile measured MODEL itself, its capacities are refitted without\n"
               "that model's layers, so the prediction is out of sample (--in-sample uses them). When both\n"
               "profiles measured MODEL at this size, the measured ratio of median latencies and the\n"
               "prediction's error are printed.\n"
               "Beside it, two rivals from the profiles' measured ceilings (halo profile records them): the\n"
               "ratio of the platforms' peak FP32 FLOP/s, and a roofline predictor, each platform's time the\n"
               "sum over the model's layers of max(FLOPs / peak, bytes / bandwidth of the memory level the\n"
               "layer's working set fits in) — from the ceilings alone, no layer measured on either platform.\n"
               "A profile without ceilings leaves those two empty (JSON: null, with `missing` saying why).",
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
