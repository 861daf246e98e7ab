/* profile: what `halo profile` measured on one platform (per-layer times at several tile
 * heights, whole-network latency, the platform), the fitted analytical model (effective
 * capacity per layer class plus a per-layer overhead), and pricing of any node on any tile from
 * them. JSON schema "halo-profile/1", documented in README.md.
 * One header, four files: profile.c (classes, the object), profile_json.c (load, save),
 * profile_fit.c (the fit), profile_price.c (the pricer). */
#ifndef HALO_PROFILE_H
#define HALO_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "core/clock.h"
#include "core/status.h"
#include "model/graph.h"

#define HALO_PROFILE_SCHEMA "halo-profile/1"

/* Layer classes of the analytical model. Conv classes are by shape; the element-wise class
 * (batchnorm, activations, pooling, add, flatten) counts element-wise ops, not MACs. */
enum halo_layer_class {
    HALO_CLASS_CONV3X3,    /* 3x3, stride 1, groups 1 */
    HALO_CLASS_CONV1X1,    /* 1x1, stride 1, groups 1 */
    HALO_CLASS_CONV_STRIDED, /* stride > 1, groups 1 (any kernel) */
    HALO_CLASS_DEPTHWISE,  /* groups > 1 */
    HALO_CLASS_CONV_OTHER, /* other kernels at stride 1 (5x5, 7x7, ...) */
    HALO_CLASS_LINEAR,
    HALO_CLASS_ELEMENTWISE,
    HALO_CLASS_COUNT_
};

const char *halo_layer_class_name(enum halo_layer_class c);
enum halo_layer_class halo_layer_class_of(const struct halo_node *n);
/* Parses a class name; returns HALO_CLASS_COUNT_ when unknown. */
enum halo_layer_class halo_layer_class_parse(const char *s);

/* Time of a layer on a tile: `fraction` of its output rows (full width), median ms. */
struct halo_prof_tile {
    double fraction;
    double time_ms;
};

struct halo_prof_layer {
    char *node;             /* node name, matched with the graph's */
    int index;              /* node index */
    enum halo_op op;
    enum halo_layer_class cls;
    int64_t macs, elem_ops;
    double bytes;           /* weights + inputs + output, float32 (profile/roofline.h); 0: not recorded */
    struct halo_stats time_ms; /* full layer: min, median, p90 (mean, max: 0 when not stored) */
    bool fused;             /* computed inside another node (time 0) */
    char *impl;             /* implementation or algorithm that ran */
    int n_tiles;
    struct halo_prof_tile *tiles; /* ascending fraction, fraction < 1 */
};

struct halo_prof_model {
    char *model;
    int h, w;
    struct halo_stats latency_ms; /* whole network, un-instrumented runs */
    int n_layers;
    struct halo_prof_layer *layers;
};

/* time_ms = overhead_ms + work / (gflops * 1e6), work = FLOPs (2*MAC), or element-wise ops for
 * the element-wise class; penalty[k] multiplies the time of a tile of fraction tile_fraction[k]
 * relative to fraction * full time (median over the class's measured layers; 1 when unknown). */
struct halo_class_fit {
    bool present;
    double gflops;       /* effective capacity (achieved, not peak) */
    double overhead_ms;  /* per-layer fixed cost */
    double r2;           /* of the fit over the class's layers */
    double max_rel_err;  /* max |predicted - measured| / measured over those layers */
    int n;               /* layers fitted */
};

struct halo_profile {
    char *path;          /* file it was loaded from, for messages */
    char *name;
    bool estimated;      /* datasheet-derived, not measured: for simulation only */
    char *backend;       /* "cpu", "cuda", "ref" */
    char *library;       /* e.g. "oneDNN 2.6.3 (avx512_core_amx)" */
    int threads;
    cJSON *platform;     /* the whole platform object (topology, versions, ...) */
    cJSON *settings;     /* warmup, repeat, tile heights, ... */
    cJSON *ceilings;     /* the platform's measured ceilings (halo-ceilings/1), or NULL: none measured */
    char **fused_ops;    /* op names the backend fuses into a preceding conv ("batchnorm", "relu", ...) */
    int n_fused_ops;
    int n_models;
    struct halo_prof_model *models;
    bool has_fit;
    struct halo_class_fit fit[HALO_CLASS_COUNT_];
    int n_fractions;     /* tile fractions of the penalty curve */
    double *fractions;
    double *penalty;     /* [HALO_CLASS_COUNT_][n_fractions] */
};

/* ---- the object (profile.c) and JSON (profile_json.c) ---- */

/* Loads and validates a profile (schema version, every field); errors name file and field. */
enum halo_status halo_profile_load(const char *path, struct halo_profile **out);
/* The same from parsed JSON (fuzzing, tests); `name` stands for the file in messages. */
enum halo_status halo_profile_from_json(const char *name, const cJSON *j, struct halo_profile **out);
/* Writes the profile as JSON (atomically). */
enum halo_status halo_profile_save(const struct halo_profile *p, const char *path);
void halo_profile_free(struct halo_profile *p);
/* The measured model (model, h, w) or NULL. */
const struct halo_prof_model *halo_profile_find(const struct halo_profile *p, const char *model, int h, int w);
/* How a profile stands to the CPU that computes here: the virtual clock runs every device's steps
 * on this host and prices them by the device's profile, so a profile measured on another CPU model
 * (or under another oneDNN ISA cap) predicts that CPU, not this one. */
enum halo_profile_origin {
    HALO_PROFILE_THIS_HOST,  /* measured on this CPU model under this ISA cap */
    HALO_PROFILE_FOREIGN,    /* another CPU model, or another ISA cap */
    HALO_PROFILE_ESTIMATED,  /* derived from a datasheet: no machine measured it */
    HALO_PROFILE_UNRECORDED, /* a CPU measurement whose platform names no cpu_model */
    HALO_PROFILE_NOT_CPU,    /* an inline capacity or a GPU measurement: no CPU to compare */
};
/* Compares p's platform.cpu_model and platform.isa_cap (oneDNN's cap, cpu backend only) with the
 * host's: host_isa_cap is the cap in force here, NULL, "" or "none" when uncapped; caps compare
 * without case. Writes what differs, for people, into why[0..n) ("" when nothing does). Pure. */
enum halo_profile_origin halo_profile_origin(const struct halo_profile *p, const char *host_cpu_model,
                                             const char *host_isa_cap, char *why, size_t n);
/* Measured ms of layer l on a tile of `fraction` of its output rows, interpolated between the
 * measured tiles and the full layer (the fit's penalty curve and the pricer both read it). */
double halo_prof_layer_time_ms(const struct halo_prof_layer *l, double fraction);

/* ---- the fit (profile_fit.c) ---- */

/* Fits the analytical model from the measured layers (least squares per class; overhead
 * clamped at >= 0) and the thin-tile penalty curve. Classes with no measured layer stay absent. */
enum halo_status halo_profile_fit(struct halo_profile *p);
/* The same without the layers of model `exclude` (leave-one-model-out prediction). */
enum halo_status halo_profile_fit_except(struct halo_profile *p, const char *exclude);

/* ---- the pricer (profile_price.c) ---- */

/* Prices the nodes of one graph on one profile: measured times where the profile measured this
 * model at this input size, the fit elsewhere. Pure and cheap to query. */
struct halo_pricer;
enum halo_status halo_pricer_new(const struct halo_profile *p, const struct halo_graph *g, struct halo_pricer **out);
void halo_pricer_free(struct halo_pricer *pr);
/* Predicted ms for node i computing `area` of its output elements per channel (rows*cols). */
double halo_pricer_node_ms(const struct halo_pricer *pr, int node, int64_t area);
/* Predicted ms of nodes [first, last) on whole tensors. */
double halo_pricer_range_ms(const struct halo_pricer *pr, int first, int last);
/* True when every node priced from measurement (not the fit). */
bool halo_pricer_measured(const struct halo_pricer *pr);

/* Predicted whole-network ms of graph g on profile p from FLOPs and effective capacity only
 * (DPFP's analytical method: the fit, never the measured layer times). */
enum halo_status halo_profile_predict_ms(const struct halo_profile *p, const struct halo_graph *g, double *ms);

#endif
