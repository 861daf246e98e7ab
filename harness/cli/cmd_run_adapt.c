/* halo run --adapt on|off and --link-trace: the flags (cmd_run.c's table lists them) and the
 * re-plans of a stream in its report. */
#include "cli/cmd_run.h"
#include "partition/adapt.h"

#include <stdio.h>
#include <string.h>

int halo_run_adapt_args(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, struct halo_run_opts *o)
{
    const char *v = halo_cli_get(cmd, a, "adapt");
    if (v && strcmp(v, "on") && strcmp(v, "off")) return halo_cli_usage_error(cmd, "--adapt: '%s': expected on or off", v);
    o->adapt = v && !strcmp(v, "on");
    o->cluster_path = halo_cli_get(cmd, a, "cluster");
    o->link_trace = halo_cli_get(cmd, a, "link-trace");
    int rc = halo_cli_adapt_opts(cmd, a, &o->adapt_opts, &o->adapt_check_ms);
    if (rc) return rc;
    static const char *const only[] = {"adapt-alpha", "adapt-gain", "adapt-hold", "adapt-interval-ms", "adapt-check-ms",
                                       "adapt-search", "cluster"};
    for (size_t i = 0; !o->adapt && i < sizeof only / sizeof only[0]; i++)
        if (halo_cli_has(cmd, a, only[i])) return halo_cli_usage_error(cmd, "--%s needs --adapt on", only[i]);
    if ((o->adapt || o->link_trace) && o->n_frames <= 0)
        return halo_cli_usage_error(cmd, "--%s needs --frames N (a stream)", o->adapt ? "adapt on" : "link-trace");
    if (o->adapt && !o->cluster_path)
        return halo_cli_usage_error(cmd, "--adapt on needs --cluster F: the cluster the plan was made on (its profiles "
                                         "price the re-plans)");
    if (o->adapt && (o->n_plans != 1 || o->rotate))
        return halo_cli_usage_error(cmd, "--adapt on re-plans one plan: give one, without --rotate");
    if (o->link_trace && o->link == HALO_LINK_REAL)
        return halo_cli_usage_error(cmd, "--link-trace sets emulated links' rates: it needs --link emulated");
    return 0;
}

void halo_run_adapt_print(const struct halo_rt *rt, const struct halo_stream_report *r)
{
    const struct halo_plan *p = halo_rt_plan(rt);
    if (!r->var_of) return;
    printf("adapt     %d re-plan%s adopted in %d checks; time per check mean %.2f ms, max %.2f ms (the source's "
           "monotonic clock: estimates, DPFP, scoring)\n",
           r->n_replans, r->n_replans == 1 ? "" : "s", r->n_checks, r->check_ms_mean, r->check_ms_max);
    if (r->n_link_obs || r->n_link_skip)
        printf("          links: %d transfers observed against the link model, %d skipped (the receiver had not "
               "polled for over 10 %% of the transfer)\n",
               r->n_link_obs, r->n_link_skip);
    for (int i = 0; i < r->n_replans; i++) {
        const struct halo_run_replan *x = &r->replans[i];
        const struct halo_adapt_record *c = &x->rec;
        const char *dev = "-";
        /* the record names a cluster device: the plan's devices carry the same names */
        (void)p;
        if (c->device >= 0 && x->dev_name) dev = x->dev_name;
        printf("          t %9.1f ms  epoch %d from frame %d  %-9s %-8s x%-6.3g predicted %8.2f -> %8.2f ms  ESs %d -> %d"
               "  planned in %.1f ms%s\n",
               c->time_ms, x->epoch, x->first_frame, halo_adapt_trigger_name(c->trigger), dev, c->change, c->old_ms,
               c->new_ms, c->old_es, c->new_es, c->plan_ms, c->urgent ? "  (urgent)" : "");
    }
    for (int i = 0; i < r->n_recoveries; i++) {
        const struct halo_run_recovery *x = &r->recoveries[i];
        printf("recovery  rank %d (%s) died or stalled: named at %.1f ms, %.1f ms after the last result (bound: the "
               "wait's timeout and grace, %.0f ms); frames %d.. ran again on epoch %d over the survivors; frame %d's "
               "result in at %.1f ms (recovery %.1f ms after detection); wall clock of the stream\n",
               x->rank, x->name, x->detected_ms, x->detected_ms - x->last_result_ms, x->bound_ms, x->restart, x->epoch,
               x->restart, x->recovered_ms, x->recovered_ms >= 0 ? x->recovered_ms - x->detected_ms : -1);
    }
}
