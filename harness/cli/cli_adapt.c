/* The flags of adaptation that halo sim --adapt and halo run --adapt share: the estimator's
 * weight, the policy's gain, hold and interval, how often it checks and how far DPFP searches;
 * parsed the same way everywhere. */
#include "cli/cli.h"
#include "core/parse.h"
#include "partition/adapt.h"

#include <string.h>

static const char *get(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *name)
{
    for (const struct halo_cli_opt *o = cmd->opts; o && o->name; o++)
        if (!strcmp(o->name, name)) return halo_cli_get(cmd, a, name);
    return NULL;
}

int halo_cli_adapt_opts(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, struct halo_adapt_opts *o,
                        double *check_ms)
{
    *o = halo_adapt_opts_default();
    *check_ms = HALO_CLI_ADAPT_CHECK_MS;
    const char *v;
    enum halo_status st = HALO_OK;
    if ((v = get(cmd, args, "adapt-alpha"))) st = halo_parse_double("--adapt-alpha", v, 1e-6, 1, &o->alpha);
    if (st == HALO_OK && (v = get(cmd, args, "adapt-gain"))) st = halo_parse_double("--adapt-gain", v, 0, 10, &o->gain);
    if (st == HALO_OK && (v = get(cmd, args, "adapt-hold"))) st = halo_parse_int("--adapt-hold", v, 1, 1000, &o->hold);
    if (st == HALO_OK && (v = get(cmd, args, "adapt-interval-ms")))
        st = halo_parse_double("--adapt-interval-ms", v, 0, 1e9, &o->min_interval_ms);
    if (st == HALO_OK && (v = get(cmd, args, "adapt-check-ms")))
        st = halo_parse_double("--adapt-check-ms", v, 1e-3, 1e9, check_ms);
    if (st == HALO_OK && (v = get(cmd, args, "adapt-search"))) st = halo_parse_int("--adapt-search", v, 0, 64, &o->search);
    if (st != HALO_OK) return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    return 0;
}
