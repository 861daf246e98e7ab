/* halo: the command. Dispatches to one subcommand per file in cli/. */
#include "cli/cli.h"
#include "cli/output.h"
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HALO_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return HALO_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("halo %s (%s)\n", HALO_VERSION, HALO_GIT_COMMIT);
        return HALO_EXIT_OK;
    }
    for (int i = 0; halo_commands[i]; i++)
        if (!strcmp(argv[1], halo_commands[i]->name))
            return halo_commands[i]->run(halo_commands[i], argc - 2, argv + 2);
    fprintf(stderr, "halo: unknown command '%s' (see 'halo --help')\n", argv[1]);
    return HALO_EXIT_USAGE;
}
