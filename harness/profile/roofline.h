/* roofline: where a layer sits under a platform's measured ceilings (halo-ceilings/1, from the
 * backend's ceilings entry). The one place that computes it: the profile's per-layer roofline,
 * `halo bench --per-layer` and the roofline predictor of `halo predict` all call these.
 *
 * A layer moves its weights, its inputs and its output once (float32): that is its working set
 * and its bytes. Its arithmetic intensity is FLOPs / bytes (FLOP = 2 MAC). The bandwidth that
 * bounds it is the triad bandwidth of the smallest memory level its working set fits in; the
 * attainable rate is min(peak, intensity x bandwidth), and the roof time max(FLOPs / peak,
 * bytes / bandwidth). Achieved / attainable = roof time / measured time. */
#ifndef HALO_ROOFLINE_H
#define HALO_ROOFLINE_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "core/status.h"
#include "model/graph.h"

/* One memory level of the roof. */
struct halo_roof_level {
    char *name;            /* "L1", "L2", "L3", "DRAM", "device" */
    double capacity_bytes; /* what fits (for the measured threads); 0 for the last level (no limit) */
    double gbps;           /* STREAM triad bandwidth, 1e9 bytes/s */
};

/* A platform's roof: its FP32 peak and its memory levels, smallest first. */
struct halo_roof {
    double peak_gflops;
    int threads;  /* threads the peak is for */
    char *isa;    /* the ISA or unit of the peak ("avx512", "cuda_fp32") */
    char *device; /* CPU model or GPU name */
    int n_levels;
    struct halo_roof_level *levels;
};

/* Reads a roof from a halo-ceilings/1 object `c` (at path `where` of `file`, for messages): the
 * peak of its ISA at `threads` threads where the FMA kernel was measured at that count (else the
 * object's peak_gflops; 0: the measured threads), and each level's capacity and triad bandwidth.
 * Errors name the file and the field. Free with halo_roof_free. */
enum halo_status halo_roof_from_json(const char *file, const char *where, const cJSON *c, int threads,
                                     struct halo_roof *out);
void halo_roof_free(struct halo_roof *r);

/* Bytes node i of g moves at least once: its weights (all four tensors), its inputs and its
 * output, float32; 0 for flatten (a view of its input). The shapes must be inferred. */
double halo_roofline_node_bytes(const struct halo_graph *g, int i);

/* Why a layer ran faster than its roof. */
enum halo_above_reason {
    HALO_ABOVE_NONE,        /* at or under the roof */
    HALO_ABOVE_WINOGRAD,    /* Winograd or FFT: fewer multiplications than the direct FLOPs counted */
    HALO_ABOVE_CACHED,      /* under the roof of the next faster level: part of the working set was
                             * still there (it spills over that level by little, or the layer
                             * before left its input there) */
    HALO_ABOVE_NOISE,       /* within 5 % of the roof: measurement noise */
    HALO_ABOVE_UNEXPLAINED, /* none of the above: a miscount or a wrong ceiling */
};
const char *halo_above_reason_str(enum halo_above_reason r);

/* One layer against the roof. */
struct halo_roofline {
    double flops, bytes;      /* FLOP = 2 MAC; bytes as halo_roofline_node_bytes */
    double intensity;         /* FLOP per byte */
    int level;                /* index into the roof's levels of the one the working set fits in */
    double bandwidth_gbps;    /* that level's triad bandwidth */
    double attainable_gflops; /* min(peak, intensity x bandwidth) */
    double roof_ms;           /* max(FLOPs / peak, bytes / bandwidth) */
    double achieved_gflops;   /* FLOPs / measured time; 0 when no time */
    double achieved_gbps;     /* bytes / measured time */
    double efficiency;        /* roof_ms / measured time = achieved / attainable; 0 when no time */
    bool compute_bound;       /* intensity x bandwidth >= peak */
    bool above_roof;          /* measured faster than the roof */
    enum halo_above_reason reason;
};

/* A layer of `flops` and `bytes` measured at time_ms (<= 0: not measured) by implementation
 * `impl` (may be NULL), against roof r. */
void halo_roofline_point(const struct halo_roof *r, double flops, double bytes, double time_ms, const char *impl,
                         struct halo_roofline *out);

/* The roofline predictor: the sum over g's nodes of max(FLOPs / peak, bytes / bandwidth) in ms,
 * from the roof alone (no time measured on the platform; flatten costs nothing). */
double halo_roofline_predict_ms(const struct halo_roof *r, const struct halo_graph *g);

/* The roofline of one layer as a JSON object (keys with units), NULL when out of memory. */
cJSON *halo_roofline_json(const struct halo_roof *r, const struct halo_roofline *l);

#endif
