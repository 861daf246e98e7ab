/* The stream flags that halo plan and halo sim share: how frames arrive and how many are in
 * flight, parsed the same way everywhere. */
#include "cli/cli.h"
#include "core/parse.h"
#include "partition/stream_eval.h"

#include <string.h>

static bool has_opt(const struct halo_cli_cmd *cmd, const char *name)
{
    for (const struct halo_cli_opt *o = cmd->opts; o && o->name; o++)
        if (!strcmp(o->name, name)) return true;
    return false;
}

static const char *get(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *name)
{
    return has_opt(cmd, name) ? halo_cli_get(cmd, a, name) : NULL;
}

int halo_cli_stream_opts(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, uint64_t seed,
                         struct halo_stream_opts *o, bool *fps_given)
{
    memset(o, 0, sizeof *o);
    o->seed = seed;
    if (fps_given) *fps_given = false;
    const char *v;
    if (fps_given && (v = get(cmd, args, "fps")) && strcmp(v, "max")) {
        if (halo_parse_double("--fps", v, 1e-6, 1e9, &o->fps) != HALO_OK)
            return halo_cli_usage_error(cmd, "%s (or 'max': as fast as possible)", halo_error_msg());
        *fps_given = true;
    }
    if ((v = get(cmd, args, "frames")) && halo_parse_int("--frames", v, 2, 1000000, &o->n_frames) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if ((v = get(cmd, args, "inflight")) && halo_parse_int("--inflight", v, 1, 1000000, &o->inflight) != HALO_OK)
        return halo_cli_usage_error(cmd, "%s", halo_error_msg());
    if ((v = get(cmd, args, "arrivals"))) {
        if (!strcmp(v, "periodic")) o->arrivals = HALO_ARRIVALS_PERIODIC;
        else if (!strcmp(v, "poisson")) o->arrivals = HALO_ARRIVALS_POISSON;
        else return halo_cli_usage_error(cmd, "--arrivals: '%s': expected periodic or poisson", v);
    }
    return 0;
}
