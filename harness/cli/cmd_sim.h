/* cmd_sim: what halo sim's files share. */
#ifndef HALO_CMD_SIM_H
#define HALO_CMD_SIM_H

#include "cli/cli.h"

/* halo sim --adapt (cmd_sim_adapt.c): a stream static and adaptive under a link trace and
 * stragglers; the exit code. */
int halo_sim_adapt(const struct halo_cli_cmd *cmd, const struct halo_cli_args *a, const char *model);

#endif
