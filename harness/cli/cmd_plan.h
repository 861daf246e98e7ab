/* cmd_plan: what halo plan's files share (cmd_plan.c: planning and the commands' flow;
 * cmd_plan_output.c: the printed tables and the JSON/CSV rows and documents). */
#ifndef HALO_CMD_PLAN_H
#define HALO_CMD_PLAN_H

#include "cli/cli.h"
#include "core/json.h"
#include "partition/planner.h"
#include "partition/stream_eval.h"
#include "runtime/plan_exec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Weights seed when --weights is absent (the same as halo infer's default). */
#define PLAN_DEVIATION_WEIGHTS_SEED 0

/* What a lossy plan is run with: n seeded inputs on one backend with one set of weights, opened
 * on first use and shared by every method. */
struct lossy_lab {
    int n;               /* inputs; 0: do not run */
    uint64_t seed;       /* first input seed */
    const char *backend; /* NULL: cpu when compiled in, else ref */
    const char *weights; /* NULL: random, PLAN_DEVIATION_WEIGHTS_SEED */
    struct halo_backend *be;
    struct halo_weights *w;
    char label[512];     /* "3 seeded N(0,1) inputs (seeds 1..3), cpu backend, random weights (seed 0)" */
};

/* What the comparison table says about one method's plan (against the local reference local_ms). */
struct method_row {
    const char *method;
    const char *link_model;           /* the plan's */
    double latency_ms, local_ms, speedup, reduction_pct, redundant_pct;
    int64_t bytes_moved, redundant_macs, model_macs;
    bool lossless;
    int es_used;
    const struct halo_deviation *dev; /* NULL: lossless, or the deviation was not measured */
    struct halo_stream_figures fig;   /* the plan as a stream, under the objective */
};

/* The plan's summary in words and tables (blocks, devices, latency, bytes, plan time). */
void halo_cmd_plan_print_summary(const struct halo_plan *p, const struct halo_graph *g, const struct halo_cluster *c,
                                 double plan_ms);
/* A lossy plan's deviation from the model (or why it was not measured); nothing when lossless. */
void halo_cmd_plan_print_deviation(const struct halo_plan *p, const struct lossy_lab *lab, const struct halo_deviation *d,
                                   bool have_dev);
/* The comparison table's row for one plan (against the local reference local_ms). */
struct method_row halo_cmd_plan_method_row(const struct halo_plan *p, const struct halo_graph *g, double local_ms,
                                           const struct halo_deviation *d, bool have_dev, const struct halo_stream_figures *fig);
/* A row as a JSON object (deviation and stream figures included). */
cJSON *halo_cmd_plan_row_json(const struct method_row *r, const struct halo_plan *p, const struct lossy_lab *lab);
/* A row as one CSV line on stdout. */
void halo_cmd_plan_row_csv(const struct method_row *r, const struct halo_graph *g, const struct halo_cluster *c,
                           const struct halo_objective *o);
/* The comparison's or the plan's document: what the table shows, with units in the keys. */
cJSON *halo_cmd_plan_doc_new(const struct halo_planner_ctx *ctx);
/* Prints the stream table's head: what the objective asks, how the streams ran, the columns. */
void halo_cmd_plan_stream_table_head(const struct halo_objective *o);
/* Appends a row of the stream table to *buf. */
void halo_cmd_plan_stream_row(char **buf, size_t *len, size_t *cap, const char *name, const struct halo_stream_figures *f,
                              bool deadline);
/* Prints the plan as a stream at the rate: throughput, latencies, utilisation and link loads. */
void halo_cmd_plan_print_stream(const struct halo_plan *p, const struct halo_objective *o, const struct halo_stream_figures *f,
                                const struct halo_stream_result *r);
/* The plan as a stream, as a JSON object (figures, utilisation and link loads per device). */
cJSON *halo_cmd_plan_stream_json(const struct halo_plan *p, const struct halo_stream_figures *f,
                                 const struct halo_stream_result *r);

#endif
