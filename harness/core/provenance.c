#include "core/provenance.h"
#include "core/alloc.h"
#include "core/topology.h"
#include "halo_config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void halo_provenance_free(struct halo_provenance *p)
{
    if (!p) return;
    free(p->commit);
    free(p->host);
    free(p->cpu_model);
    free(p->date);
    free(p->backend);
    free(p->library);
    memset(p, 0, sizeof *p);
}

static char *hostname(void)
{
    size_t cap = 256;
    for (;;) {
        char *b = halo_malloc(cap, 1);
        if (!b) return NULL;
        if (gethostname(b, cap) == 0 && memchr(b, '\0', cap)) return b;
        free(b);
        if (cap > 65536) return halo_strdup("unknown");
        cap *= 4;
    }
}

static char *utc_now(void)
{
    time_t now = time(NULL);
    struct tm tm;
    char b[32];
    if (!gmtime_r(&now, &tm) || !strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm)) return halo_strdup("unknown");
    return halo_strdup(b);
}

static char *cpu_model(void)
{
    struct halo_topology *t;
    if (halo_topology_load_cpus(&t) != HALO_OK) return halo_strdup("unknown");
    char *m = halo_strdup(halo_topology_cpu_model(t));
    halo_topology_free(t);
    return m;
}

enum halo_status halo_provenance_get(struct halo_provenance *p, const char *backend, const char *library,
                                     int threads)
{
    memset(p, 0, sizeof *p);
    p->commit = halo_strdup(HALO_GIT_COMMIT);
    p->host = hostname();
    p->cpu_model = cpu_model();
    p->date = utc_now();
    p->backend = halo_strdup(backend ? backend : "");
    p->library = halo_strdup(library ? library : "");
    p->threads = threads;
    if (!p->commit || !p->host || !p->cpu_model || !p->date || !p->backend || !p->library) {
        halo_provenance_free(p);
        return halo_error(HALO_ERR_NOMEM, "out of memory gathering provenance");
    }
    return HALO_OK;
}

const char *halo_provenance_csv_header(void) { return "commit,host,cpu_model,threads,backend,library,date"; }

char *halo_csv_field(const char *s)
{
    if (!s) s = "";
    if (!strpbrk(s, ",\"\n\r")) return halo_strdup(s);
    size_t n = strlen(s), q = 0;
    for (size_t i = 0; i < n; i++) q += s[i] == '"';
    char *o = halo_malloc(n + q + 3, 1);
    if (!o) return NULL;
    char *d = o;
    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *d++ = '"';
        *d++ = s[i];
    }
    *d++ = '"';
    *d = '\0';
    return o;
}

char *halo_provenance_csv_values(const struct halo_provenance *p)
{
    char threads[24];
    snprintf(threads, sizeof threads, "%d", p->threads);
    const char *raw[7] = {p->commit, p->host, p->cpu_model, threads, p->backend, p->library, p->date};
    char *f[7] = {0};
    size_t len = 0;
    bool ok = true;
    for (int i = 0; i < 7; i++) {
        f[i] = halo_csv_field(raw[i]);
        if (!f[i]) ok = false;
        else len += strlen(f[i]) + 1;
    }
    char *out = ok ? halo_malloc(len + 1, 1) : NULL;
    if (out) {
        out[0] = '\0';
        for (int i = 0; i < 7; i++) {
            if (i) strcat(out, ",");
            strcat(out, f[i]);
        }
    }
    for (int i = 0; i < 7; i++) free(f[i]);
    return out;
}
