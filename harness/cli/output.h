/* output: the one output convention of halo's commands. `--format table` (the default) prints a
 * table for people; `csv` one header line, then one row per result; `json` one JSON document whose
 * keys carry their units (_ms, _bytes, _mbps, _gflops) and the provenance where the table has it.
 * All three go to stdout; files named by a command's own flags (-o, --csv, --trace, --dump) are
 * written as they always were, whatever the format. */
#ifndef HALO_CLI_OUTPUT_H
#define HALO_CLI_OUTPUT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/provenance.h"

/* The convention in words, for `halo --help` (lines of at most 100 columns, ending in '\n'). */
extern const char halo_cli_output_help[];

/* Prints doc, formatted, and a newline to stdout, then frees it. Returns the exit code: a NULL
 * doc (a failed allocation while building it) or no memory to print it is a failure. */
int halo_cli_put_json(const struct halo_cli_cmd *cmd, cJSON *doc);

/* The provenance as an object with the CSV columns' names (commit, host, cpu_model, threads,
 * backend, library, date); NULL when out of memory. */
cJSON *halo_cli_provenance_json(const struct halo_provenance *p);

/* Prints s as one CSV field: as it is, or in double quotes (inner quotes doubled) when it holds
 * a comma, a quote or a line break. */
void halo_cli_csv_str(FILE *f, const char *s);

/* Prints text wrapped at `width` columns and a newline; the first line goes on at column `col`
 * (what the caller already printed on it), the others start at column `indent`. */
void halo_cli_wrap(FILE *f, int col, int indent, int width, const char *text);

/* v, or +0 when it prints as zero with `decimals` decimals: a difference that rounds to nothing
 * reads "0.0", never "-0.0". */
double halo_cli_unsigned_zero(double v, int decimals);

#endif
