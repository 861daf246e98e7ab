#include "cli/cli.h"
#include "core/parse.h"
#include "model/count.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <sys/resource.h>
#include <unistd.h>

static int find_opt(const struct halo_cli_cmd *cmd, const char *name, size_t len, char short_name)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
        const struct halo_cli_opt *o = &cmd->opts[i];
        if (short_name ? o->short_name == short_name
                       : (strlen(o->name) == len && !strncmp(o->name, name, len)))
            return i;
    }
    return -1;
}

/* Copies s into dst (cap bytes, NUL-terminated, truncated if need be) with control characters
 * escaped ("\n" as the two characters \ and n): an error is one line on stderr even when it
 * quotes a file's or an argument's text that holds a newline. */
static void escape_into(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') n += (size_t)snprintf(dst + n, cap - n, "\\n");
        else if (c == '\r') n += (size_t)snprintf(dst + n, cap - n, "\\r");
        else if (c == '\t') n += (size_t)snprintf(dst + n, cap - n, "\\t");
        else if (c < 0x20 || c == 0x7f) n += (size_t)snprintf(dst + n, cap - n, "\\x%02x", c);
        else dst[n++] = (char)c;
    }
    dst[n] = '\0';
}

/* One error line on stderr in a single write: stderr is unbuffered, and under mpirun other
 * processes write to the same terminal, so a line written piecemeal came out interleaved. */
static void put_error_line(const char *cmd, const char *msg, const char *suffix)
{
    char esc[4 * 4096 + 8], line[sizeof esc + 256];
    escape_into(esc, sizeof esc, msg);
    int n = snprintf(line, sizeof line, "halo %s: %s%s\n", cmd, esc, suffix);
    if (n > 0) fwrite(line, 1, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, stderr);
}

int halo_cli_usage_error(const struct halo_cli_cmd *cmd, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char see[96];
    snprintf(see, sizeof see, " (see 'halo %s --help')", cmd->name);
    put_error_line(cmd->name, msg, see);
    return HALO_EXIT_USAGE;
}

static const char *const format_names[] = {"table", "csv", "json"};

/* "table|csv|json" (sep "|") or "table, csv or json" (sep NULL): the formats cmd accepts. */
static void format_list(const struct halo_cli_cmd *cmd, const char *sep, char *buf, size_t cap)
{
    int n = 0, k = 0;
    for (int f = 0; f < 3; f++) n += (cmd->formats & HALO_FORMAT_BIT(f)) != 0;
    buf[0] = '\0';
    for (int f = 0; f < 3; f++) {
        if (!(cmd->formats & HALO_FORMAT_BIT(f))) continue;
        size_t len = strlen(buf);
        const char *before = k == 0 ? "" : sep ? sep : k == n - 1 ? " or " : ", ";
        snprintf(buf + len, cap - len, "%s%s", before, format_names[f]);
        k++;
    }
}

static int parse_format(const struct halo_cli_cmd *cmd, const char *v, enum halo_cli_format *out)
{
    for (int f = 0; f < 3; f++)
        if ((cmd->formats & HALO_FORMAT_BIT(f)) && !strcmp(v, format_names[f])) {
            *out = (enum halo_cli_format)f;
            return 0;
        }
    char known[64];
    format_list(cmd, NULL, known, sizeof known);
    return halo_cli_usage_error(cmd, "--format: '%s': expected %s", v, known);
}

/* True when the command's first positional argument is MODEL (its usage has a MODEL that is not a
 * flag's value): then --model VALUE may stand for it, for every such command alike. */
static bool takes_model(const struct halo_cli_cmd *cmd)
{
    const char *u = cmd->usage, *m = u;
    while ((m = strstr(m, "MODEL"))) {
        bool word = (m == u || m[-1] == ' ') && (m[5] == ' ' || m[5] == '\0');
        const char *prev = m;
        while (prev > u && prev[-1] == ' ') prev--;
        while (prev > u && prev[-1] != ' ') prev--;
        if (word && (prev == m || *prev != '-')) return true;
        m += 5;
    }
    return false;
}

int halo_cli_parse(const struct halo_cli_cmd *cmd, int argc, char **argv, struct halo_cli_args *args)
{
    memset(args, 0, sizeof *args);
    bool only_pos = false;
    const char *model = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && takes_model(cmd) && (!strcmp(a, "--model") || !strncmp(a, "--model=", 8))) {
            if (model) return halo_cli_usage_error(cmd, "--model given twice");
            if (a[7] == '=') model = a + 8;
            else if (i + 1 < argc) model = argv[++i];
            else return halo_cli_usage_error(cmd, "--model needs a value (a zoo name or an .onnx file)");
            continue;
        }
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (args->n_pos >= HALO_CLI_MAX_ARGS) return halo_cli_usage_error(cmd, "too many arguments");
            args->pos[args->n_pos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            halo_cli_help(cmd, stdout);
            args->help = true;
            return 0;
        }
        int k;
        const char *inline_val = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            if (cmd->formats && len == 6 && !strncmp(a + 2, "format", 6)) {
                if (!eq && i + 1 >= argc) {
                    char known[64];
                    format_list(cmd, "|", known, sizeof known);
                    return halo_cli_usage_error(cmd, "--format needs a value (%s)", known);
                }
                int rc = parse_format(cmd, eq ? eq + 1 : argv[++i], &args->format);
                if (rc) return rc;
                continue;
            }
            k = find_opt(cmd, a + 2, len, 0);
            if (eq) inline_val = eq + 1;
        } else {
            k = a[2] == '\0' ? find_opt(cmd, NULL, 0, a[1]) : -1;
        }
        if (k < 0) return halo_cli_usage_error(cmd, "unknown flag '%s'", a);
        const struct halo_cli_opt *o = &cmd->opts[k];
        if (!o->arg) {
            if (inline_val) return halo_cli_usage_error(cmd, "--%s takes no value", o->name);
            args->value[k] = "";
            continue;
        }
        if (inline_val) {
            args->value[k] = inline_val;
        } else {
            if (i + 1 >= argc) return halo_cli_usage_error(cmd, "--%s needs a value (%s)", o->name, o->arg);
            args->value[k] = argv[++i];
        }
    }
    if (model) { /* the MODEL argument, first of the positionals */
        if (args->n_pos >= HALO_CLI_MAX_ARGS) return halo_cli_usage_error(cmd, "too many arguments");
        memmove(args->pos + 1, args->pos, (size_t)args->n_pos * sizeof *args->pos);
        args->pos[0] = model;
        args->n_pos++;
    }
    if (args->n_pos < cmd->min_pos)
        return halo_cli_usage_error(cmd, "missing argument; usage: halo %s %s", cmd->name, cmd->usage);
    if (args->n_pos > cmd->max_pos)
        return halo_cli_usage_error(cmd, "unexpected argument '%s'", args->pos[cmd->max_pos]);
    return 0;
}

const char *halo_cli_get(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, const char *name)
{
    int k = find_opt(cmd, name, strlen(name), 0);
    HALO_ASSERT(k >= 0);
    return args->value[k];
}

bool halo_cli_has(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args, const char *name)
{
    return halo_cli_get(cmd, args, name) != NULL;
}

void halo_cli_help(const struct halo_cli_cmd *cmd, FILE *f)
{
    fprintf(f, "usage: halo %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if ((cmd->opts && cmd->opts[0].name) || cmd->formats) fprintf(f, "\nflags:\n");
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
        const struct halo_cli_opt *o = &cmd->opts[i];
        char left[96];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-30s %s\n", left, o->help);
    }
    if (cmd->formats) {
        char known[64], left[96];
        format_list(cmd, "|", known, sizeof known);
        snprintf(left, sizeof left, "    --format %s", known);
        fprintf(f, "  %-30s %s\n", left,
                cmd->formats & HALO_FORMAT_BIT(HALO_FORMAT_CSV)
                    ? "a table for people (default), CSV rows, or one JSON document (see 'halo --help')"
                    : "a table for people (default) or one JSON document (see 'halo --help')");
    }
    if (takes_model(cmd))
        fprintf(f, "  %-30s %s\n", "    --model MODEL", "MODEL as a flag: a zoo name ('halo models') or an ONNX file (.onnx)");
    fprintf(f, "  %-30s %s\n", "-h, --help", "show this help");
    if (cmd->help_details) {
        fprintf(f, "\n");
        cmd->help_details(f);
    } else if (cmd->details) {
        fprintf(f, "\n%s\n", cmd->details);
    }
}

int halo_cli_fail(const struct halo_cli_cmd *cmd, enum halo_status st)
{
    const char *msg = halo_error_msg();
    put_error_line(cmd->name, *msg ? msg : halo_status_str(st), "");
    switch (st) {
    case HALO_ERR_INVALID:
    case HALO_ERR_PARSE:
    case HALO_ERR_IO:
    case HALO_ERR_UNSUPPORTED:
    case HALO_ERR_NODEVICE: return HALO_EXIT_USAGE;
    default: return HALO_EXIT_FAIL;
    }
}

enum halo_status halo_cli_input_size(const struct halo_cli_cmd *cmd, const struct halo_cli_args *args,
                                     int *h, int *w)
{
    const char *v = halo_cli_get(cmd, args, "input");
    *h = *w = 224;
    return v ? halo_parse_size("--input", v, h, w) : HALO_OK;
}

enum halo_status halo_cli_check_memory(const struct halo_graph *g)
{
    int node;
    double need = halo_count_min_bytes(g, &node);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double have = pages > 0 && page > 0 ? (double)pages * (double)page : INFINITY;
    const char *what = "this machine's memory";
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (double)rl.rlim_cur < have) {
        have = (double)rl.rlim_cur;
        what = "the address-space limit (ulimit -v)";
    }
    if (need <= have) return HALO_OK;
    const struct halo_node *n = &g->nodes[node];
    return halo_error(HALO_ERR_INVALID, "--input %dx%d: %s needs at least %.1f GiB for one inference (%s alone reads and "
                                        "writes %.1f GiB), more than the %.1f GiB of %s", g->input.h, g->input.w,
                      g->name, need / 1073741824.0, n->name,
                      4.0 * ((double)n->out_shape.c * n->out_shape.h * n->out_shape.w +
                             (double)n->in_shape[0].c * n->in_shape[0].h * n->in_shape[0].w) / 1073741824.0,
                      have / 1073741824.0, what);
}
