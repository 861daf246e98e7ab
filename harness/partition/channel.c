#include "partition/channel.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/json.h"
#include "core/limits.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void halo_channel_free(struct halo_channel *ch)
{
    if (!ch) return;
    free(ch->w_mhz);
    free(ch->snr);
    free(ch->rows);
    free(ch->first_row);
    free(ch);
}

double halo_rayleigh_rate(double w_mhz, double snr, double h2) { return w_mhz * log2(1 + snr * h2); }

void halo_channel_rng(struct halo_rng *r, uint64_t seed, uint64_t draw, uint64_t stream)
{
    /* splitmix-style mixing of the three keys into one seed */
    uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ (draw + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull ^
                 (stream + 1) * 0x94d049bb133111ebull;
    halo_rng_seed(r, x);
}

/* Rows by device, then time, then line: each device's rows are one sorted run, searched per draw;
 * of two rows at the same time the later line wins. */
static int cmp_row(const void *a, const void *b)
{
    const struct halo_trace_row *x = a, *y = b;
    if (x->device != y->device) return x->device - y->device;
    if (x->time_s != y->time_s) return x->time_s < y->time_s ? -1 : 1;
    return x->line - y->line;
}

/* A number of a trace row: plain decimal ([-+]digits[.digits][e[-+]digits]), nothing else (no hex,
 * no inf or nan, no spaces), within [lo, hi]. */
static bool trace_number(const char *s, double lo, double hi, double *out)
{
    if (!*s || strspn(s, "0123456789.eE+-") != strlen(s)) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* Splits line (its end of line removed) at commas into exactly n fields; false when it has more
 * or fewer. */
static bool split_fields(char *line, char **f, int n)
{
    int k = 0;
    for (char *p = line;; p++) {
        if (k == n) return false;
        f[k++] = p;
        p = strchr(p, ',');
        if (!p) break;
        *p = '\0';
    }
    return k == n;
}

/* CSV "time_s,device,up_mbps,down_mbps" with a header line; LF or CRLF line ends, an optional
 * UTF-8 byte order mark, blank lines and lines starting with '#' skipped. Times are in [0, 1e9]
 * s, rates within the bandwidth bounds of a cluster. */
static enum halo_status load_trace(const struct halo_cluster *c, const char *path, struct halo_channel *ch)
{
    FILE *f;
    HALO_TRY(halo_file_open_regular(path, &f, NULL));
    char line[1024];
    size_t cap = 0;
    int lineno = 0;
    enum halo_status st = HALO_OK;
    while (st == HALO_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            st = halo_error(HALO_ERR_INVALID, "%s: line %d: longer than %d bytes", path, lineno, (int)sizeof line - 2);
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        char *text = line;
        if (lineno == 1 && !strncmp(text, "\xef\xbb\xbf", 3)) text += 3; /* a UTF-8 byte order mark */
        if (lineno == 1) {
            if (strcmp(text, "time_s,device,up_mbps,down_mbps"))
                st = halo_error(HALO_ERR_INVALID, "%s: line 1: header must be time_s,device,up_mbps,down_mbps", path);
            continue;
        }
        if (!*text || text[0] == '#') continue;
        char *fld[4];
        double t, up, down;
        if (!split_fields(text, fld, 4)) {
            st = halo_error(HALO_ERR_INVALID, "%s: line %d: expected 4 fields: time_s,device,up_mbps,down_mbps", path,
                            lineno);
            break;
        }
        if (!trace_number(fld[0], 0, 1e9, &t) || !trace_number(fld[2], HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX, &up) ||
            !trace_number(fld[3], HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX, &down)) {
            st = halo_error(HALO_ERR_INVALID, "%s: line %d: expected time_s in [0, 1e9], a device, rates in [%g, %g] Mbit/s",
                            path, lineno, HALO_BANDWIDTH_MBPS_MIN, HALO_BANDWIDTH_MBPS_MAX);
            break;
        }
        int d = halo_cluster_find(c, fld[1]);
        if (d < 0) {
            st = halo_error(HALO_ERR_INVALID, "%s: line %d: '%s' is not a device of the cluster", path, lineno, fld[1]);
            break;
        }
        if (halo_grow((void **)&ch->rows, &cap, (size_t)ch->n_rows + 1, sizeof *ch->rows)) {
            st = HALO_ERR_NOMEM;
            break;
        }
        ch->rows[ch->n_rows++] = (struct halo_trace_row){t, d, up, down, lineno};
    }
    if (st == HALO_OK && ferror(f)) st = halo_error(HALO_ERR_IO, "%s: read error", path);
    fclose(f);
    if (st == HALO_OK && ch->n_rows == 0) st = halo_error(HALO_ERR_INVALID, "%s: no rows", path);
    if (st != HALO_OK) return st;
    qsort(ch->rows, (size_t)ch->n_rows, sizeof *ch->rows, cmp_row);
    /* each device's run of rows; the trace lasts until its last row, plus one interval */
    if (!(ch->first_row = halo_calloc((size_t)c->n + 1, sizeof *ch->first_row))) return HALO_ERR_NOMEM;
    double end = 0;
    for (int i = 0; i < ch->n_rows; i++) {
        ch->first_row[ch->rows[i].device + 1]++;
        if (ch->rows[i].time_s > end) end = ch->rows[i].time_s;
    }
    for (int d = 0; d < c->n; d++) ch->first_row[d + 1] += ch->first_row[d];
    ch->period_s = end + ch->interval_s;
    return HALO_OK;
}

static enum halo_status parse(const struct halo_cluster *c, const cJSON *j, struct halo_channel *ch)
{
    const char *file = c->path, *model;
    static const char *const keys[] = {"model", "bandwidth_mhz", "snr_db", "devices", "file", "interval_s", "note", NULL};
    HALO_TRY(halo_json_known_keys(file, j, "channel", keys));
    HALO_TRY(halo_json_str(file, j, "channel", "model", true, &model));
    const char *note;
    HALO_TRY(halo_json_str(file, j, "channel", "note", false, &note));
    /* each model takes its own fields only: "bandwidth_mhz" means nothing to the static one */
    static const char *const static_keys[] = {"model", "note", NULL};
    static const char *const rayleigh_keys[] = {"model", "bandwidth_mhz", "snr_db", "devices", "note", NULL};
    static const char *const trace_keys[] = {"model", "file", "interval_s", "note", NULL};
    if (!strcmp(model, "static")) {
        ch->model = HALO_CHANNEL_STATIC;
        return halo_json_known_keys(file, j, "channel", static_keys);
    }
    if (!strcmp(model, "rayleigh")) {
        ch->model = HALO_CHANNEL_RAYLEIGH;
        HALO_TRY(halo_json_known_keys(file, j, "channel", rayleigh_keys));
        double w = 0, snr_db = 0;
        HALO_TRY(halo_json_num(file, j, "channel", "bandwidth_mhz", true, 1e-6, 1e6, &w));
        HALO_TRY(halo_json_num(file, j, "channel", "snr_db", true, -50, 100, &snr_db));
        ch->w_mhz = halo_malloc((size_t)c->n, sizeof *ch->w_mhz);
        ch->snr = halo_malloc((size_t)c->n, sizeof *ch->snr);
        if (!ch->w_mhz || !ch->snr) return HALO_ERR_NOMEM;
        for (int d = 0; d < c->n; d++) {
            ch->w_mhz[d] = w;
            ch->snr[d] = pow(10, snr_db / 10);
        }
        const cJSON *devs, *o;
        HALO_TRY(halo_json_child(file, j, "channel", "devices", false, cJSON_Object, &devs));
        cJSON_ArrayForEach(o, devs)
        {
            char where[256];
            snprintf(where, sizeof where, "channel.devices.%s", o->string ? o->string : "?");
            int d = o->string ? halo_cluster_find(c, o->string) : -1;
            if (d < 0) return halo_error(HALO_ERR_INVALID, "%s: %s: not a device of the cluster", file, where);
            static const char *const dkeys[] = {"bandwidth_mhz", "snr_db", NULL};
            HALO_TRY(halo_json_known_keys(file, o, where, dkeys));
            double dw = ch->w_mhz[d], ds = 10 * log10(ch->snr[d]);
            HALO_TRY(halo_json_num(file, o, where, "bandwidth_mhz", false, 1e-6, 1e6, &dw));
            HALO_TRY(halo_json_num(file, o, where, "snr_db", false, -50, 100, &ds));
            ch->w_mhz[d] = dw;
            ch->snr[d] = pow(10, ds / 10);
        }
        return HALO_OK;
    }
    if (!strcmp(model, "trace")) {
        ch->model = HALO_CHANNEL_TRACE;
        HALO_TRY(halo_json_known_keys(file, j, "channel", trace_keys));
        const char *tf;
        HALO_TRY(halo_json_str(file, j, "channel", "file", true, &tf));
        ch->interval_s = 1;
        HALO_TRY(halo_json_num(file, j, "channel", "interval_s", false, 1e-9, 1e9, &ch->interval_s));
        char path[1024];
        const char *slash = strrchr(file, '/');
        if (tf[0] != '/' && slash) {
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - file), file, tf);
            if (access(path, R_OK) != 0) snprintf(path, sizeof path, "%s", tf);
        } else {
            snprintf(path, sizeof path, "%s", tf);
        }
        enum halo_status st = load_trace(c, path, ch);
        if (st != HALO_OK) halo_error_prefix("%s: channel.file", file);
        return st;
    }
    return halo_error(HALO_ERR_INVALID, "%s: channel.model: '%s': expected static, rayleigh or trace", file, model);
}

enum halo_status halo_channel_new(const struct halo_cluster *c, struct halo_channel **out)
{
    *out = NULL;
    struct halo_channel *ch = halo_calloc(1, sizeof *ch);
    if (!ch) return HALO_ERR_NOMEM;
    ch->n = c->n;
    ch->model = HALO_CHANNEL_STATIC;
    enum halo_status st = c->channel ? parse(c, c->channel, ch) : HALO_OK;
    if (st != HALO_OK) {
        halo_channel_free(ch);
        return st;
    }
    *out = ch;
    return HALO_OK;
}

/* Each device's latest trace row at time t (s), over the rates already in up and down. */
static void trace_at(const struct halo_channel *ch, const struct halo_cluster *c, double t, double *up, double *down)
{
    /* a binary search in each device's run, O(log rows) (the whole trace was scanned per draw:
     * 1e6 rows took 37 s for 10000 draws) */
    for (int d = 0; d < c->n; d++) {
        int lo = ch->first_row[d], hi = ch->first_row[d + 1]; /* the answer is in [lo - 1, hi) */
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (ch->rows[mid].time_s <= t) lo = mid + 1;
            else hi = mid;
        }
        if (lo > ch->first_row[d]) {
            /* a trace's rates are of the cluster's kind (cluster.h: nominal ones become goodput) */
            double k = c->rates == HALO_RATES_NOMINAL ? HALO_GOODPUT_PER_NOMINAL : 1;
            up[d] = ch->rows[lo - 1].up_mbps * k;
            down[d] = ch->rows[lo - 1].down_mbps * k;
        }
    }
}

void halo_channel_sample(const struct halo_channel *ch, const struct halo_cluster *c, uint64_t seed, uint64_t draw,
                         double *up, double *down)
{
    for (int d = 0; d < c->n; d++) {
        up[d] = c->dev[d].up_mbps;
        down[d] = c->dev[d].down_mbps;
    }
    if (ch->model == HALO_CHANNEL_RAYLEIGH) {
        for (int d = 0; d < c->n; d++) {
            struct halo_rng r;
            halo_channel_rng(&r, seed, draw, (uint64_t)d);
            up[d] = halo_rayleigh_rate(ch->w_mhz[d], ch->snr[d], halo_rng_exponential(&r));
            down[d] = halo_rayleigh_rate(ch->w_mhz[d], ch->snr[d], halo_rng_exponential(&r));
            /* a deep fade can give a rate of ~0: keep it within the bounds every file's rates have
             * (a draw is written as a rates file by halo sim --dump, read back by halo run) */
            if (!(up[d] >= HALO_BANDWIDTH_MBPS_MIN)) up[d] = HALO_BANDWIDTH_MBPS_MIN;
            if (!(down[d] >= HALO_BANDWIDTH_MBPS_MIN)) down[d] = HALO_BANDWIDTH_MBPS_MIN;
            if (up[d] > HALO_BANDWIDTH_MBPS_MAX) up[d] = HALO_BANDWIDTH_MBPS_MAX;
            if (down[d] > HALO_BANDWIDTH_MBPS_MAX) down[d] = HALO_BANDWIDTH_MBPS_MAX;
        }
    } else if (ch->model == HALO_CHANNEL_TRACE) {
        trace_at(ch, c, fmod((double)draw * ch->interval_s, ch->period_s), up, down);
    }
}

enum halo_status halo_channel_trace_load(const struct halo_cluster *c, const char *path, struct halo_channel **out)
{
    *out = NULL;
    struct halo_channel *ch = halo_calloc(1, sizeof *ch);
    if (!ch) return HALO_ERR_NOMEM;
    ch->n = c->n;
    ch->model = HALO_CHANNEL_TRACE;
    ch->interval_s = 1;
    enum halo_status st = load_trace(c, path, ch);
    if (st != HALO_OK) {
        halo_channel_free(ch);
        return st;
    }
    *out = ch;
    return HALO_OK;
}

void halo_channel_rates_at(const struct halo_channel *ch, const struct halo_cluster *c, double t_s, double *up,
                           double *down)
{
    if (ch->model != HALO_CHANNEL_TRACE) {
        halo_channel_sample(ch, c, 0, 0, up, down);
        return;
    }
    for (int d = 0; d < c->n; d++) {
        up[d] = c->dev[d].up_mbps;
        down[d] = c->dev[d].down_mbps;
    }
    trace_at(ch, c, t_s, up, down);
}
