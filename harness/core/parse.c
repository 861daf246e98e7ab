#include "core/parse.h"
#include "core/alloc.h"
#include "core/limits.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HALO_SIZE_MAX_SIDE HALO_IMAGE_SIDE_MAX

enum halo_status halo_parse_long(const char *what, const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return halo_error(HALO_ERR_INVALID, "%s: missing value", what);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (isspace((unsigned char)*s) || *end || errno == ERANGE)
        return halo_error(HALO_ERR_INVALID, "%s: '%s': expected an integer", what, s);
    if (v < lo || v > hi)
        return halo_error(HALO_ERR_INVALID, "%s: %ld: must be in [%ld, %ld]", what, v, lo, hi);
    *out = v;
    return HALO_OK;
}

enum halo_status halo_parse_int(const char *what, const char *s, int lo, int hi, int *out)
{
    long v;
    HALO_TRY(halo_parse_long(what, s, lo, hi, &v));
    *out = (int)v;
    return HALO_OK;
}

enum halo_status halo_parse_double(const char *what, const char *s, double lo, double hi, double *out)
{
    if (!s || !*s) return halo_error(HALO_ERR_INVALID, "%s: missing value", what);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (isspace((unsigned char)*s) || *end || errno == ERANGE || !isfinite(v))
        return halo_error(HALO_ERR_INVALID, "%s: '%s': expected a number", what, s);
    if (v < lo || v > hi)
        return halo_error(HALO_ERR_INVALID, "%s: %g: must be in [%g, %g]", what, v, lo, hi);
    *out = v;
    return HALO_OK;
}

int halo_threads_max(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long most = cpus > 0 ? cpus * HALO_THREADS_PER_CPU : HALO_THREADS_PER_CPU;
    return most < HALO_THREADS_MAX ? (int)most : HALO_THREADS_MAX;
}

enum halo_status halo_parse_threads(const char *what, const char *s, int *out)
{
    return halo_parse_int(what, s, 1, halo_threads_max(), out);
}

enum halo_status halo_check_name(const char *what, const char *s)
{
    if (!*s) return halo_error(HALO_ERR_INVALID, "%s: empty", what);
    size_t n = strlen(s);
    if (n > HALO_NAME_MAX_BYTES)
        return halo_error(HALO_ERR_INVALID, "%s: %zu bytes: a name has at most %d", what, n, HALO_NAME_MAX_BYTES);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return halo_error(HALO_ERR_INVALID, "%s: '%s': a name holds no control characters (byte 0x%02x)", what,
                              s, *p);
    return HALO_OK;
}

enum halo_status halo_check_host(const char *what, const char *s)
{
    size_t n = strlen(s);
    if (!n) return halo_error(HALO_ERR_INVALID, "%s: empty", what);
    if (n > HALO_HOST_MAX_BYTES)
        return halo_error(HALO_ERR_INVALID, "%s: %zu bytes: a host name has at most %d", what, n, HALO_HOST_MAX_BYTES);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!isalnum(*p) && !strchr(".-_:", *p))
            return halo_error(HALO_ERR_INVALID, "%s: '%s': a host name holds letters, digits, '.', '-', '_' and ':' "
                                                "only (byte 0x%02x)", what, s, *p);
    return HALO_OK;
}

enum halo_status halo_parse_size(const char *what, const char *s, int *h, int *w)
{
    if (!s || !*s) return halo_error(HALO_ERR_INVALID, "%s: missing value, expected HxW", what);
    const char *x = strchr(s, 'x');
    char a[32], b[32];
    size_t la = x ? (size_t)(x - s) : strlen(s);
    if (la == 0 || la >= sizeof a || (x && (strlen(x + 1) == 0 || strlen(x + 1) >= sizeof b)))
        return halo_error(HALO_ERR_INVALID, "%s: '%s': expected HxW (e.g. 224x224)", what, s);
    memcpy(a, s, la);
    a[la] = '\0';
    snprintf(b, sizeof b, "%s", x ? x + 1 : a);
    for (const char *p = a; *p; p++)
        if (!isdigit((unsigned char)*p))
            return halo_error(HALO_ERR_INVALID, "%s: '%s': expected HxW (e.g. 224x224)", what, s);
    for (const char *p = b; *p; p++)
        if (!isdigit((unsigned char)*p))
            return halo_error(HALO_ERR_INVALID, "%s: '%s': expected HxW (e.g. 224x224)", what, s);
    long hv = strtol(a, NULL, 10), wv = strtol(b, NULL, 10);
    if (hv < 1 || wv < 1 || hv > HALO_SIZE_MAX_SIDE || wv > HALO_SIZE_MAX_SIDE)
        return halo_error(HALO_ERR_INVALID, "%s: '%s': each side must be in [1, %d]", what, s,
                          HALO_SIZE_MAX_SIDE);
    *h = (int)hv;
    *w = (int)wv;
    return HALO_OK;
}

/* Splits s on commas into malloc'd items; every item must be non-empty. */
enum halo_status halo_parse_str_list(const char *what, const char *s, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!s || !*s) return halo_error(HALO_ERR_INVALID, "%s: empty list", what);
    int count = 1;
    for (const char *p = s; *p; p++) count += *p == ',';
    char **v = halo_calloc((size_t)count, sizeof *v);
    if (!v) return HALO_ERR_NOMEM;
    const char *start = s;
    for (int i = 0; i < count; i++) {
        const char *end = strchr(start, ',');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        if (len == 0) {
            halo_strlist_free(v, count);
            return halo_error(HALO_ERR_INVALID, "%s: '%s': empty item %d in list", what, s, i + 1);
        }
        v[i] = halo_malloc(len + 1, 1);
        if (!v[i]) {
            halo_strlist_free(v, count);
            return HALO_ERR_NOMEM;
        }
        memcpy(v[i], start, len);
        v[i][len] = '\0';
        start = end ? end + 1 : start + len;
    }
    *out = v;
    *n = count;
    return HALO_OK;
}

void halo_strlist_free(char **v, int n)
{
    if (!v) return;
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

enum halo_status halo_parse_int_list(const char *what, const char *s, int lo, int hi, int **out, int *n)
{
    char **items;
    int count;
    HALO_TRY(halo_parse_str_list(what, s, &items, &count));
    int *v = halo_malloc((size_t)count, sizeof *v);
    enum halo_status st = v ? HALO_OK : HALO_ERR_NOMEM;
    for (int i = 0; i < count && st == HALO_OK; i++) st = halo_parse_int(what, items[i], lo, hi, &v[i]);
    halo_strlist_free(items, count);
    if (st != HALO_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = count;
    return HALO_OK;
}

enum halo_status halo_parse_double_list(const char *what, const char *s, double lo, double hi,
                                        double **out, int *n)
{
    char **items;
    int count;
    HALO_TRY(halo_parse_str_list(what, s, &items, &count));
    double *v = halo_malloc((size_t)count, sizeof *v);
    enum halo_status st = v ? HALO_OK : HALO_ERR_NOMEM;
    for (int i = 0; i < count && st == HALO_OK; i++) st = halo_parse_double(what, items[i], lo, hi, &v[i]);
    halo_strlist_free(items, count);
    if (st != HALO_OK) {
        free(v);
        return st;
    }
    *out = v;
    *n = count;
    return HALO_OK;
}
