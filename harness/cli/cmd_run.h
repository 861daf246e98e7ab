/* cmd_run: what `halo run`'s files share — cmd_run.c (arguments, the job, single inferences),
 * cmd_run_print.c (their output), cmd_run_stream.c (a stream of frames: its table, JSON and
 * per-frame CSV rows) and cmd_run_adapt.c (adaptation's flags and re-plans). */
#ifndef HALO_CLI_CMD_RUN_H
#define HALO_CLI_CMD_RUN_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/file.h"
#include "core/provenance.h"
#include "runtime/runtime.h"

struct run_args {
    struct halo_run_opts o;
    const char *plans[HALO_CLI_MAX_ARGS];
    int repeat, warmup;
    const char *csv, *trace;
    const char *hostfile;  /* --hostfile: the ranks' hosts, one line per rank */
    enum halo_cli_format format;
};

/* What rank 0 writes besides the table: the CSV rows' destinations (the --csv file, stdout under
 * --format csv), the --trace file, and the JSON document under --format json. */
struct run_out {
    FILE *sinks[2];
    int n_sinks;
    struct halo_outfile *files[2]; /* --csv, --trace: discarded when the run fails */
    FILE *trace;
    const char *prov;      /* provenance CSV values */
    cJSON *doc, *plans;    /* --format json */
};

/* The header of the per-frame CSV rows of a stream (without the provenance columns). */
extern const char *const halo_run_stream_csv_header;

/* Rank 0 after a stream of the plan in use: the table (or the plan's JSON object's "stream"), the
 * per-frame CSV rows and the trace. Returns the number of lossless frames that failed --verify. */
int halo_run_stream_report(const struct halo_rt *rt, const struct run_args *ra, struct run_out *out, cJSON *jplan,
                           const struct halo_stream_report *r);

/* cmd_run_adapt.c: --adapt, --cluster, --link-trace and the adaptation flags into o (after the
 * others: it checks them against --frames); a usage error's exit code, or 0. */
int halo_run_adapt_args(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, struct halo_run_opts *o);
/* The re-plans of a stream (a table's lines; nothing without --adapt on). */
void halo_run_adapt_print(const struct halo_rt *rt, const struct halo_stream_report *r);

/* cmd_run_print.c: the output of single inferences (rank 0). The run's header (settings, hosts,
 * clocks) as a table or as the JSON document's start; a plan's header line; one inference's table,
 * JSON object and CSV rows (device -1: the whole inference); the CSV header of those rows. */
void halo_run_print_header(const struct halo_rt *rt, const struct run_args *ra);
cJSON *halo_run_header_json(const struct halo_rt *rt, const struct run_args *ra, const struct halo_provenance *prov);
void halo_run_print_plan_header(const struct halo_rt *rt);
/* After a plan's runs: the clock offsets re-estimated during them, beside the setup's. */
void halo_run_print_clocks(const struct halo_rt *rt);
void halo_run_print_report(const struct halo_rt *rt, const struct halo_run_report *r, int i, int n);
cJSON *halo_run_report_json(const struct halo_rt *rt, const struct halo_run_report *r, int i);
void halo_run_csv_row(FILE *f, const struct halo_rt *rt, const struct run_args *ra, const char *prov,
                      const struct halo_run_report *r, int i, int dev);
extern const char *const halo_run_csv_header;
/* 100 (measured - predicted) / predicted; 0 without a prediction. */
double halo_run_pct(double measured, double predicted);

/* "wall" or "virtual", "emulated" or "real". */
const char *halo_run_clock_name(enum halo_clock_mode c);
const char *halo_run_link_name(enum halo_link_mode l);

#endif
