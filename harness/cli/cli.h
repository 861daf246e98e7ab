/* cli: the subcommands of `halo` and their shared argument parser. Only this folder touches argv,
 * stdout and exit codes. Exit codes: 0 ok, 1 a check or run failed, 2 bad input or usage. */
#ifndef HALO_CLI_H
#define HALO_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"
#include "model/graph.h"

enum { HALO_EXIT_OK = 0, HALO_EXIT_FAIL = 1, HALO_EXIT_USAGE = 2 };

/* What --format selects, the same on every command (cli/output.h says what each one means). */
enum halo_cli_format { HALO_FORMAT_TABLE, HALO_FORMAT_CSV, HALO_FORMAT_JSON };
#define HALO_FORMAT_BIT(f) (1u << (f))
#define HALO_FORMATS_TABLE_JSON (HALO_FORMAT_BIT(HALO_FORMAT_TABLE) | HALO_FORMAT_BIT(HALO_FORMAT_JSON))
#define HALO_FORMATS_ALL (HALO_FORMATS_TABLE_JSON | HALO_FORMAT_BIT(HALO_FORMAT_CSV))

/* One flag: "--name VALUE" or "--name=VALUE" (arg != NULL), or a switch (arg == NULL). */
struct halo_cli_opt {
    const char *name;
    char short_name; /* 0 for none, e.g. 'o' for -o */
    const char *arg; /* metavariable shown in help, NULL for a switch */
    const char *help;
};

struct halo_cli_cmd {
    const char *name;
    const char *usage;   /* "MODEL [--input HxW] ..." */
    const char *summary; /* one line */
    const char *details; /* paragraphs after the flag list, may be NULL */
    const struct halo_cli_opt *opts; /* terminated by {0} */
    int min_pos, max_pos; /* positional argument counts */
    int (*run)(const struct halo_cli_cmd *cmd, int argc, char **argv);
    /* HALO_FORMAT_BIT()s of the formats --format accepts (the parser handles the flag and its help
     * line for every command alike); 0: the command prints no results and has no --format */
    unsigned formats;
    /* Prints the details when they are made at run time (e.g. from a registry); NULL: details. */
    void (*help_details)(FILE *f);
};

#define HALO_CLI_MAX_ARGS 64

struct halo_cli_args {
    const char *value[HALO_CLI_MAX_ARGS]; /* per opts[i]; "" for a given switch, NULL if absent */
    const char *pos[HALO_CLI_MAX_ARGS];
    int n_pos;
    bool help;
    enum halo_cli_format format; /* --format; HALO_FORMAT_TABLE when absent */
};

/* Parses argv (after the subcommand). Prints help and returns 0 with args->help set for --help;
 * on a usage error (a --format value the command does not write included) prints one line to
 * stderr and returns HALO_EXIT_USAGE. */
int halo_cli_parse(const struct halo_cli_cmd *cmd, int argc, char **argv, struct halo_cli_args *args);
/* The value of flag `name`, or NULL when not given. */
const char *halo_cli_get(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, const char *name);
bool halo_cli_has(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, const char *name);
void halo_cli_help(const struct halo_cli_cmd *cmd, FILE *f);

/* Prints "halo CMD: <last error>" to stderr and returns the exit code for the status. */
int halo_cli_fail(const struct halo_cli_cmd *cmd, enum halo_status st);
/* Prints "halo CMD: <message>" to stderr and returns HALO_EXIT_USAGE. */
int halo_cli_usage_error(const struct halo_cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parses --input (default 224x224 when absent) into h, w. */
enum halo_status halo_cli_input_size(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args,
                                     int *h, int *w);

/* Profiles of another CPU (cli/foreign.c): plan, sim and run collect the devices whose profile was
 * measured on another CPU model or under another oneDNN ISA cap than this host's (or estimated
 * from a datasheet), then print one line per such profile on stderr. new() returns NULL when
 * HALO_QUIET_FOREIGN is set to anything but 0 (the caller prices by reference platforms on
 * purpose) or out of memory; every other function accepts NULL and then does nothing. */
struct halo_cluster;
struct halo_cli_foreign;
struct halo_cli_foreign *halo_cli_foreign_new(void);
/* Adds the devices of c that have a profile; only[0..n_only) names the devices to consider
 * (n_only 0: all). */
void halo_cli_foreign_add(struct halo_cli_foreign *f, const struct halo_cluster *c, const char *const *only,
                          int n_only);
/* Adds the devices a plan file uses, from the cluster file it names (nothing when that is gone). */
void halo_cli_foreign_add_plan(struct halo_cli_foreign *f, const char *plan_path);
void halo_cli_foreign_print(const struct halo_cli_cmd *cmd, const struct halo_cli_foreign *f);
void halo_cli_foreign_free(struct halo_cli_foreign *f);

/* The stream flags a command shares (cli_stream.c): --fps F|max, --frames N, --inflight K,
 * --arrivals periodic|poisson (with `seed`), each read only when the command has it, into *o
 * (zeroed first: as fast as possible, the defaults of partition/stream_eval.h). *fps_given says
 * whether --fps named a rate (max counts as none); fps_given NULL: --fps is the caller's to parse.
 * Bad values: a usage error is printed and HALO_EXIT_USAGE returned; 0 otherwise. */
struct halo_stream_opts;
int halo_cli_stream_opts(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, uint64_t seed,
                         struct halo_stream_opts *o, bool *fps_given);

/* The adaptation flags a command shares (cli_adapt.c), each read only when the command has it:
 * --adapt-alpha A, --adapt-gain G, --adapt-hold H, --adapt-interval-ms I, --adapt-check-ms C,
 * --adapt-search N, into *o (halo_adapt_opts_default first) and *check_ms (the time between
 * checks, default HALO_CLI_ADAPT_CHECK_MS). Bad values: a usage error is printed and
 * HALO_EXIT_USAGE returned; 0 otherwise. */
#define HALO_CLI_ADAPT_CHECK_MS 250.0
struct halo_adapt_opts;
int halo_cli_adapt_opts(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, struct halo_adapt_opts *o,
                        double *check_ms);
/* The lines of --help that say what the adaptation flags do. */
#define HALO_CLI_ADAPT_OPTS                                                                              \
    {"adapt-alpha", 0, "A", "adapt: EWMA weight of a new observation, (0, 1] (default 0.3)"},            \
    {"adapt-gain", 0, "G", "adapt: relative predicted gain a new plan must offer (default 0.10)"},       \
    {"adapt-hold", 0, "H", "adapt: consecutive checks the gain must hold (default 3)"},                  \
    {"adapt-interval-ms", 0, "MS", "adapt: at least this long between re-plans (default 2000)"},        \
    {"adapt-check-ms", 0, "MS", "adapt: at least this long between checks (default 250)"},              \
    {"adapt-search", 0, "N", "adapt: DPFP subset sizes refined per re-plan, 0: all (default 2)"}

/* Whether one inference of g fits this machine's memory (physical memory, and the address-space
 * limit when one is set): HALO_ERR_INVALID naming the input size, what it needs and what there is
 * otherwise, so that a huge --input is bad input (exit 2) rather than an allocation failure or,
 * on a large host, a computation of tens of gigabytes started by mistake. */
enum halo_status halo_cli_check_memory(const struct halo_graph *g);

/* --link-model NAME (read only when the command has it) into *out: NULL when absent (the plan's
 * or the default), else the model of partition/link.h's table. A name not in the table: a usage
 * error is printed and HALO_EXIT_USAGE returned; 0 otherwise. */
struct halo_link_model;
int halo_cli_link_model(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args,
                        const struct halo_link_model **out);
/* The link models of the table, one line each with what it assumes, for --help. */
void halo_cli_link_models_help(FILE *f);
/* "links by the M model (what it assumes); rates goodput, as given" (nominal: "rates nominal,
 * taken as goodput x 1448/1514") into buf; m NULL: the default. Returns buf. */
const char *halo_cli_links_words(const struct halo_link_model *m, bool nominal, char *buf, size_t n);

/* The table of subcommands, terminated by {0}. */
extern const struct halo_cli_cmd *const halo_commands[];

#endif
