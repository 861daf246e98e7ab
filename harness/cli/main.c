/* halo: the command. Dispatches to one subcommand per file in cli/. */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/file.h"
#include "halo_config.h"

#include <stdio.h>
#include <string.h>

extern const struct halo_cli_cmd halo_cmd_models, halo_cmd_flops;
extern const struct halo_cli_cmd halo_cmd_tiles;
extern const struct halo_cli_cmd halo_cmd_infer;
extern const struct halo_cli_cmd halo_cmd_bench;
extern const struct halo_cli_cmd halo_cmd_methods, halo_cmd_plan;
extern const struct halo_cli_cmd halo_cmd_sim;
#if HALO_HAVE_MPI
extern const struct halo_cli_cmd halo_cmd_run; /* built with MPI only */
#endif
extern const struct halo_cli_cmd halo_cmd_ceilings, halo_cmd_profile, halo_cmd_fit, halo_cmd_predict;

const struct halo_cli_cmd *const halo_commands[] = {
    &halo_cmd_models,
    &halo_cmd_flops,
    &halo_cmd_tiles,
    &halo_cmd_infer,
    &halo_cmd_bench,
    &halo_cmd_ceilings,
    &halo_cmd_profile,
    &halo_cmd_fit,
    &halo_cmd_predict,
    &halo_cmd_methods,
    &halo_cmd_plan,
    &halo_cmd_sim,
#if HALO_HAVE_MPI
    &halo_cmd_run,
#endif
    NULL,
};

static void usage(FILE *f)
{
    fprintf(f, "usage: halo COMMAND [ARGS]\n\n"
               "halo %s: benchmarking harness and runtime for distributed CNN inference on edge\n"
               "clusters by receptive-field partitioning.\n\ncommands:\n",
            HALO_VERSION);
    for (int i = 0; halo_commands[i]; i++)
        fprintf(f, "  %-10s %s\n", halo_commands[i]->name, halo_commands[i]->summary);
    fprintf(f, "\n'halo COMMAND --help' describes a command's flags.\n\n%s\n"
               "Exit status: 0 ok, 1 a check or run failed, 2 bad input or usage.\n",
            halo_cli_output_help);
}

/* HALO_EXIT_OK when what went to stdout arrived; else the message and HALO_EXIT_USAGE. */
static int stdout_ok(void)
{
    if (halo_outfile_check_stdout() == HALO_OK) return HALO_EXIT_OK;
    fprintf(stderr, "halo: %s\n", halo_error_msg());
    return HALO_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HALO_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return stdout_ok();
    }
    if (!strcmp(argv[1], "--version")) {
        printf("halo %s (%s)\n", HALO_VERSION, HALO_GIT_COMMIT);
        return stdout_ok();
    }
    for (int i = 0; halo_commands[i]; i++)
        if (!strcmp(argv[1], halo_commands[i]->name)) {
            int rc = halo_commands[i]->run(halo_commands[i], argc - 2, argv + 2);
            /* results that never arrived (a full disk, a closed pipe) are a failure, not exit 0 */
            enum halo_status st = halo_outfile_check_stdout();
            if (st != HALO_OK) {
                int frc = halo_cli_fail(halo_commands[i], st);
                if (rc == HALO_EXIT_OK) rc = frc;
            }
            return rc;
        }
    fprintf(stderr, "halo: unknown command '%s' (see 'halo --help')\n", argv[1]);
    return HALO_EXIT_USAGE;
}
