/* cmd_sim: what halo sim's files share. */
#ifndef HALO_CMD_SIM_H
#define HALO_CMD_SIM_H

#include "cli/cli.h"
#include "core/json.h"
#include "partition/stream_eval.h"

#include <stdbool.h>
#include <stdint.h>

/* halo sim --adapt (cmd_sim_adapt.c): a stream static and adaptive under a link trace and
 * stragglers; the exit code. */
int halo_sim_adapt(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *model);

/* The input sizes of --sizes (or the one of --input). */
struct sizes {
    int n;
    int *h, *w;
};

/* halo sim's parsed flags, for draws and for streams. */
struct sim_args {
    enum halo_cli_format format;
    /* streams (--fps): the rates (0: as fast as possible), how frames arrive, what planners plan for */
    double *fps;
    int n_fps;
    struct halo_stream_opts stream;
    enum halo_objective_kind objective;
    const char *cluster, *csv, *dump_dir;
    char **methods;
    int n_methods;
    double *deadlines;
    int n_deadlines;
    int64_t draws;
    uint64_t seed;
    bool reuse;
    int dump_count;
    struct sizes sizes;
    int base_h, base_w;
    const struct halo_link_model *link; /* NULL: the default */
};

/* The link model's name (cmd_sim.c), as every output states it. */
const char *halo_sim_link_name(const struct sim_args *A);

/* One deadline's failures f of n with its Wilson interval, into jd or a table cell (cmd_sim.c). */
void halo_sim_deadline_cell(cJSON *jd, enum halo_cli_format format, double deadline_ms, int64_t f, int64_t n,
                            const char *count_key, const char *p_key, double *pf, double *lo, double *hi);

/* halo sim --fps (cmd_sim_stream.c): every method at every rate as a stream; the exit code. */
int halo_sim_stream(const struct halo_cli_cmd *cmd, const char *model, struct sim_args *A);

/* The stream mode's flags into A (cmd_sim_stream.c): a usage error's exit code, or 0. */
int halo_sim_stream_args(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *fps_s,
                         struct sim_args *A);

#endif
