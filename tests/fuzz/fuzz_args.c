/* fuzz_args: what a user types on the command line: the typed-value parsers of core/parse.c
 * (integers, numbers, HxW sizes, comma lists) and the flag parser of cli/cli.c. The first byte
 * picks the parser; the rest is the text (for the flag parser: arguments separated by NUL bytes). */
#include "fuzz.h"

#include "cli/cli.h"
#include "core/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    if (!freopen("/dev/null", "w", stdout)) abort(); /* --help prints the help: keep the output readable */
    return 0;
}

static const struct halo_cli_opt opts[] = {
    {"input", 0, "HxW", "size"},      {"out", 'o', "F", "file"}, {"check", 0, NULL, "switch"},
    {"threads", 't', "N", "count"}, {"rows", 0, "LIST", "list"}, {0},
};

static int run_cmd(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    (void)cmd;
    (void)argc;
    (void)argv;
    return 0;
}

static const struct halo_cli_cmd fake = {
    .name = "fuzz", .usage = "A [B]", .summary = "fuzzed flags", .opts = opts, .min_pos = 1, .max_pos = 2, .run = run_cmd,
};

static void cli(const char *s, size_t len)
{
    /* argv from NUL-separated words (the copy has one more NUL at the end) */
    int argc = 0;
    for (size_t i = 0; i < len; i++) argc += s[i] == '\0';
    argc++;
    char **argv = malloc((size_t)argc * sizeof *argv);
    if (!argv) abort();
    const char *p = s;
    for (int i = 0; i < argc; i++) {
        argv[i] = (char *)p;
        p += strlen(p) + 1;
    }
    struct halo_cli_args a;
    int rc = halo_cli_parse(&fake, argc, argv, &a);
    if (rc != 0 && rc != HALO_EXIT_USAGE) abort();
    if (rc == 0 && !a.help) {
        if (a.n_pos < fake.min_pos || a.n_pos > fake.max_pos) abort();
        int h, w;
        fuzz_expect_message(halo_cli_input_size(&fake, &a, &h, &w));
        (void)halo_cli_has(&fake, &a, "check");
    }
    free(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    char *s = fuzz_cstr(data + 1, size - 1);
    long l;
    int i, h, w, n = 0;
    double d;
    int *iv = NULL;
    double *dv = NULL;
    char **sv = NULL;
    switch (data[0] % 8) {
    case 0: fuzz_expect_message(halo_parse_long("--n", s, -1000, 1L << 40, &l)); break;
    case 1: fuzz_expect_message(halo_parse_int("--n", s, 1, 1 << 20, &i)); break;
    case 2: fuzz_expect_message(halo_parse_double("--x", s, -1e9, 1e9, &d)); break;
    case 3:
        if (halo_parse_size("--input", s, &h, &w) == HALO_OK) {
            if (h < 1 || w < 1 || h > 65536 || w > 65536) abort();
        } else {
            fuzz_expect_message(HALO_ERR_INVALID);
        }
        break;
    case 4:
        if (halo_parse_int_list("--rows", s, 1, 1 << 16, &iv, &n) == HALO_OK) {
            for (int k = 0; k < n; k++)
                if (iv[k] < 1 || iv[k] > 1 << 16) abort();
            free(iv);
        } else {
            fuzz_expect_message(HALO_ERR_INVALID);
        }
        break;
    case 5:
        if (halo_parse_double_list("--deadline-ms", s, 0, 1e9, &dv, &n) == HALO_OK) {
            for (int k = 0; k < n; k++)
                if (!(dv[k] >= 0 && dv[k] <= 1e9)) abort();
            free(dv);
        } else {
            fuzz_expect_message(HALO_ERR_INVALID);
        }
        break;
    case 6:
        if (halo_parse_str_list("--models", s, &sv, &n) == HALO_OK) {
            for (int k = 0; k < n; k++)
                if (!sv[k][0]) abort();
            halo_strlist_free(sv, n);
        } else {
            fuzz_expect_message(HALO_ERR_INVALID);
        }
        break;
    default: cli(s, size - 1); break;
    }
    free(s);
    return 0;
}
