/* Provenance: every field filled, the date in UTC ISO 8601, header and values with the same
 * number of CSV fields, and CSV quoting of awkward text. */
#include "core/provenance.h"
#include "halo_config.h"
#include "test.h"

#include <ctype.h>
#include <stdbool.h>

/* Fields of one CSV line (quotes respected). */
static int csv_fields(const char *s)
{
    int n = 1;
    bool q = false;
    for (; *s; s++) {
        if (*s == '"') q = !q;
        else if (*s == ',' && !q) n++;
    }
    return n;
}

static void test_provenance_fields(void)
{
    struct halo_provenance p;
    CHECK_OK(halo_provenance_get(&p, "cpu", "oneDNN 2.6.3 (avx512_core), \"x\"", 2));
    CHECK_STR(p.commit, HALO_GIT_COMMIT);
    CHECK(p.host && *p.host);
    CHECK(p.cpu_model && *p.cpu_model);
    CHECK(p.date && strlen(p.date) == 20 && p.date[4] == '-' && p.date[10] == 'T' && p.date[19] == 'Z');
    for (int i = 0; p.date && i < 4; i++) CHECK(isdigit((unsigned char)p.date[i]));
    CHECK_EQ(p.threads, 2);
    CHECK_STR(halo_provenance_csv_header(), "commit,host,cpu_model,threads,backend,library,date");
    char *v = halo_provenance_csv_values(&p);
    CHECK(v != NULL);
    if (v) {
        CHECK_EQ(csv_fields(v), csv_fields(halo_provenance_csv_header()));
        CHECK(strstr(v, ",2,cpu,\"oneDNN 2.6.3 (avx512_core), \"\"x\"\"\",") != NULL);
    }
    free(v);
    halo_provenance_free(&p);
    halo_provenance_free(&p); /* idempotent */

    CHECK_OK(halo_provenance_get(&p, NULL, NULL, 0));
    CHECK_STR(p.backend, "");
    CHECK_STR(p.library, "");
    halo_provenance_free(&p);
}

static void test_csv_field(void)
{
    char *f = halo_csv_field("plain");
    CHECK_STR(f, "plain");
    free(f);
    f = halo_csv_field("a,b");
    CHECK_STR(f, "\"a,b\"");
    free(f);
    f = halo_csv_field("say \"hi\"");
    CHECK_STR(f, "\"say \"\"hi\"\"\"");
    free(f);
    f = halo_csv_field(NULL);
    CHECK_STR(f, "");
    free(f);
}

int main(void)
{
    RUN(test_provenance_fields);
    RUN(test_csv_field);
    return halo_test_done("test_provenance");
}
