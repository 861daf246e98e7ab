#include "partition/channel.h"
#include "core/alloc.h"
#include "core/json.h"

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

static int cmp_row(const void *a, const void *b)
{
    const struct halo_trace_row *x = a, *y = b;
    if (x->time_s != y->time_s) return x->time_s < y->time_s ? -1 : 1;
    return x->device - y->device;
}

/* CSV "time_s,device,up_mbps,down_mbps" with a header line. */
static enum halo_status load_trace(const struct halo_cluster *c, const char *path, struct halo_channel *ch)
{
    FILE *f = fopen(path, "r");
    if (!f) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char line[512];
    size_t cap = 0;
    int lineno = 0;
    enum halo_status st = HALO_OK;
    while (st == HALO_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "time_s,device,up_mbps,down_mbps", 31))
                st = halo_error(HALO_ERR_INVALID, "%s: line 1: header must be time_s,device,up_mbps,down_mbps", path);
            continue;
        }
        if (line[0] == '\n' || line[0] == '#') continue;
        char dev[128];
        double t, up, down;
        if (sscanf(line, "%lf,%127[^,],%lf,%lf", &t, dev, &up, &down) != 4 || !isfinite(t) || t < 0 ||
            !(up > 0) || !(down > 0) || !isfinite(up) || !isfinite(down)) {
            st = halo_error(HALO_ERR_INVALID, "%s: line %d: expected time_s >= 0, a device, rates > 0", path, lineno);
            break;
        }
        int d = halo_cluster_find(c, dev);
        if (d < 0) {
            st = halo_error(HALO_ERR_INVALID, "%s: line %d: '%s' is not a device of the cluster", path, lineno, dev);
            break;
        }
        if (halo_grow((void **)&ch->rows, &cap, (size_t)ch->n_rows + 1, sizeof *ch->rows)) {
            st = HALO_ERR_NOMEM;
            break;
        }
        ch->rows[ch->n_rows++] = (struct halo_trace_row){t, d, up, down};
    }
    fclose(f);
    if (st == HALO_OK && ch->n_rows == 0) st = halo_error(HALO_ERR_INVALID, "%s: no rows", path);
    if (st != HALO_OK) return st;
    qsort(ch->rows, (size_t)ch->n_rows, sizeof *ch->rows, cmp_row);
    ch->period_s = ch->rows[ch->n_rows - 1].time_s + ch->interval_s;
    return HALO_OK;
}

static enum halo_status parse(const struct halo_cluster *c, const cJSON *j, struct halo_channel *ch)
{
    const char *file = c->path, *model;
    static const char *const keys[] = {"model", "bandwidth_mhz", "snr_db", "devices", "file", "interval_s", "note", NULL};
    HALO_TRY(halo_json_known_keys(file, j, "channel", keys));
    HALO_TRY(halo_json_str(file, j, "channel", "model", true, &model));
    if (!strcmp(model, "static")) {
        ch->model = HALO_CHANNEL_STATIC;
        return HALO_OK;
    }
    if (!strcmp(model, "rayleigh")) {
        ch->model = HALO_CHANNEL_RAYLEIGH;
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
            /* a deep fade can give a rate of ~0: keep it positive so times stay finite (1 bit/s) */
            if (up[d] < 1e-6) up[d] = 1e-6;
            if (down[d] < 1e-6) down[d] = 1e-6;
        }
    } else if (ch->model == HALO_CHANNEL_TRACE) {
        double t = fmod((double)draw * ch->interval_s, ch->period_s);
        for (int i = 0; i < ch->n_rows && ch->rows[i].time_s <= t; i++) {
            /* a trace's rates are of the cluster's kind (cluster.h: nominal ones become goodput) */
            double k = c->rates == HALO_RATES_NOMINAL ? HALO_GOODPUT_PER_NOMINAL : 1;
            up[ch->rows[i].device] = ch->rows[i].up_mbps * k;
            down[ch->rows[i].device] = ch->rows[i].down_mbps * k;
        }
    }
}
