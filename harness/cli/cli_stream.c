/* The flags of the cost model that halo plan, halo sim and halo run share: how frames arrive and
 * how many are in flight, and which link model predicts; parsed the same way everywhere. */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/parse.h"
#include "partition/link.h"
#include "partition/stream_eval.h"

#include <stdio.h>
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

int halo_cli_link_model(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args,
                        const struct halo_link_model **out)
{
    *out = NULL;
    const char *v = get(cmd, args, "link-model");
    if (!v) return 0;
    if (!(*out = halo_link_model_find(v)))
        return halo_cli_usage_error(cmd, "--link-model: '%s': expected %s", v, halo_link_model_names());
    return 0;
}

void halo_cli_link_models_help(FILE *f)
{
    fprintf(f, "Link models (--link-model; a plan file names the one it was predicted with, default %s):\n",
            halo_link_model_default()->name);
    for (int i = 0; halo_link_model_at(i); i++) {
        const struct halo_link_model *m = halo_link_model_at(i);
        int col = fprintf(f, "  %-6s ", m->name);
        halo_cli_wrap(f, col, 9, 100, m->help);
    }
}

const char *halo_cli_links_words(const struct halo_link_model *m, bool nominal, char *buf, size_t n)
{
    if (!m) m = halo_link_model_default();
    snprintf(buf, n, "links by the %s model (%s); rates %s", m->name, m->help,
             nominal ? "nominal, taken as goodput x 1448/1514" : "goodput, as given");
    return buf;
}
