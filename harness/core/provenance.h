/* provenance: where and when a measurement was taken (commit, host, CPU model, UTC date) and
 * with what (backend, library version, threads), as CSV columns every measurement row carries. */
#ifndef HALO_PROVENANCE_H
#define HALO_PROVENANCE_H

#include "core/status.h"

struct halo_provenance {
    char *commit;    /* HALO_GIT_COMMIT of this build ("1a2b3c4d5e6f", "-dirty" when modified) */
    char *host;      /* gethostname() */
    char *cpu_model; /* topology's CPU model name */
    char *date;      /* UTC, ISO 8601: "2024-05-01T12:34:56Z" */
    char *backend;   /* "cpu", "ref", "cuda"; "" when not about a backend */
    char *library;   /* backend library and version, "oneDNN 2.6.3 (avx512_core_amx)"; "" if none */
    int threads;     /* compute threads; 0 when not about a backend */
};

/* Fills p for now; backend/library may be NULL (then ""). Free with halo_provenance_free. */
enum halo_status halo_provenance_get(struct halo_provenance *p, const char *backend, const char *library,
                                     int threads);
void halo_provenance_free(struct halo_provenance *p);

/* The CSV header of the provenance columns, without a leading or trailing comma:
 * "commit,host,cpu_model,threads,backend,library,date". */
const char *halo_provenance_csv_header(void);

/* The matching CSV values, each field quoted when it holds a comma, quote or newline;
 * malloc'd (NULL when out of memory). */
char *halo_provenance_csv_values(const struct halo_provenance *p);

/* One CSV field: s as is, or in double quotes (inner quotes doubled) when it needs them;
 * malloc'd (NULL when out of memory). */
char *halo_csv_field(const char *s);

#endif
