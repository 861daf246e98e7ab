#include "cli/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char halo_cli_output_help[] =
    "Output: every command that reports results takes --format table|csv|json, the same everywhere:\n"
    "  table  for people (the default)\n"
    "  csv    one header line, then one row per result (commands whose results are rows)\n"
    "  json   one JSON document with the table's fields; keys carry their units (_ms, _bytes, _mbps,\n"
    "         _gflops, _gbps, _mhz) and the provenance where the table shows it\n"
    "All go to stdout; progress and notes go to stderr. Files that a command's own flags name (-o,\n"
    "--csv F, --trace F, --dump DIR) are written whatever the format. A --format value the command\n"
    "does not write is bad usage (exit 2).\n";

int halo_cli_put_json(const struct halo_cli_cmd *cmd, cJSON *doc)
{
    char *text = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!text) return halo_cli_fail(cmd, halo_error(HALO_ERR_NOMEM, "out of memory writing JSON"));
    puts(text);
    free(text);
    fflush(stdout);
    return HALO_EXIT_OK;
}

cJSON *halo_cli_provenance_json(const struct halo_provenance *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "commit", p->commit ? p->commit : "");
    cJSON_AddStringToObject(o, "host", p->host ? p->host : "");
    cJSON_AddStringToObject(o, "cpu_model", p->cpu_model ? p->cpu_model : "");
    cJSON_AddNumberToObject(o, "threads", p->threads);
    cJSON_AddStringToObject(o, "backend", p->backend ? p->backend : "");
    cJSON_AddStringToObject(o, "library", p->library ? p->library : "");
    cJSON_AddStringToObject(o, "date", p->date ? p->date : "");
    return o;
}

void halo_cli_csv_str(FILE *f, const char *s)
{
    if (!s) s = "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void halo_cli_wrap(FILE *f, int col, int indent, int width, const char *text)
{
    const char *s = text;
    bool first_word = true;
    while (*s) {
        while (*s == ' ') s++;
        if (!*s) break;
        size_t len = strcspn(s, " ");
        if (!first_word && col + 1 + (int)len > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            first_word = true;
        }
        if (!first_word) {
            fputc(' ', f);
            col++;
        }
        fwrite(s, 1, len, f);
        col += (int)len;
        s += len;
        first_word = false;
    }
    fputc('\n', f);
}

double halo_cli_unsigned_zero(double v, int decimals)
{
    return fabs(v) < 0.5 * pow(10, -decimals) ? 0 : v;
}
