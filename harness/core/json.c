#include "core/json.h"
#include "core/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *halo_json_path(char *buf, size_t size, const char *where, const char *key)
{
    if (where && *where) snprintf(buf, size, "%s.%s", where, key);
    else snprintf(buf, size, "%s", key);
    return buf;
}

const char *halo_json_item(char *buf, size_t size, const char *where, const char *key, int i)
{
    int n = (where && *where) ? snprintf(buf, size, "%s.%s[%d]", where, key, i) : snprintf(buf, size, "%s[%d]", key, i);
    if (n < 0) buf[0] = '\0';
    return buf;
}

enum halo_status halo_json_parse(const char *name, const char *text, size_t len, cJSON **out)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) {
        int line = 1, col = 1;
        const char *stop = end ? end : text;
        for (const char *p = text; p < stop && p < text + len; p++) {
            if (*p == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return halo_error(HALO_ERR_PARSE, "%s: line %d, column %d: invalid JSON", name, line, col);
    }
    *out = j;
    return HALO_OK;
}

enum halo_status halo_json_load(const char *path, cJSON **out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    /* a folder opens but reads as an error; a device such as /dev/zero would never end: only
     * regular files and pipes (a shell's <(...)) are read */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode)) {
        fclose(f);
        return halo_error(HALO_ERR_IO, "%s: %s", path, S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    enum halo_status st = HALO_OK;
    for (;;) {
        if (halo_grow((void **)&buf, &cap, len + 65536, 1)) {
            st = HALO_ERR_NOMEM;
            break;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    if (st == HALO_OK && ferror(f)) st = halo_error(HALO_ERR_IO, "%s: read error", path);
    fclose(f);
    if (st == HALO_OK && len == 0) st = halo_error(HALO_ERR_PARSE, "%s: empty file", path);
    if (st == HALO_OK) st = halo_json_parse(path, buf, len, out);
    free(buf);
    return st;
}

enum halo_status halo_json_save(const char *path, const cJSON *j)
{
    char *text = cJSON_Print(j);
    if (!text) return halo_error(HALO_ERR_NOMEM, "%s: out of memory printing JSON", path);
    size_t n = strlen(path) + 8;
    char *tmp = halo_malloc(n, 1);
    if (!tmp) {
        free(text);
        return HALO_ERR_NOMEM;
    }
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    enum halo_status st = HALO_OK;
    if (!f) {
        st = halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    } else {
        int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
        bad |= fclose(f) != 0;
        if (bad || rename(tmp, path) != 0) {
            st = halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
            remove(tmp);
        }
    }
    free(tmp);
    free(text);
    return st;
}

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

enum halo_status halo_json_num(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, double lo, double hi, double *out)
{
    char p[256];
    const cJSON *v = field(obj, key);
    if (!v) {
        if (!required) return HALO_OK;
        return halo_error(HALO_ERR_INVALID, "%s: %s: missing", file, halo_json_path(p, sizeof p, where, key));
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return halo_error(HALO_ERR_INVALID, "%s: %s: must be a number", file,
                          halo_json_path(p, sizeof p, where, key));
    if (v->valuedouble < lo || v->valuedouble > hi)
        return halo_error(HALO_ERR_INVALID, "%s: %s: %g is out of range [%g, %g]", file,
                          halo_json_path(p, sizeof p, where, key), v->valuedouble, lo, hi);
    *out = v->valuedouble;
    return HALO_OK;
}

enum halo_status halo_json_int(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, long lo, long hi, long *out)
{
    double d = NAN;
    HALO_TRY(halo_json_num(file, obj, where, key, required, -HUGE_VAL, HUGE_VAL, &d));
    if (isnan(d)) return HALO_OK;
    char p[256];
    if (d != floor(d))
        return halo_error(HALO_ERR_INVALID, "%s: %s: %g: must be a whole number", file,
                          halo_json_path(p, sizeof p, where, key), d);
    /* compared as doubles before the conversion: a long cannot hold every double */
    if (d < (double)lo || d > (double)hi || !(fabs(d) < 0x1p63))
        return halo_error(HALO_ERR_INVALID, "%s: %s: %.17g is out of range [%ld, %ld]", file,
                          halo_json_path(p, sizeof p, where, key), d, lo, hi);
    *out = (long)d;
    return HALO_OK;
}

enum halo_status halo_json_str(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, const char **out)
{
    char p[256];
    const cJSON *v = field(obj, key);
    if (!v) {
        if (!required) return HALO_OK;
        return halo_error(HALO_ERR_INVALID, "%s: %s: missing", file, halo_json_path(p, sizeof p, where, key));
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return halo_error(HALO_ERR_INVALID, "%s: %s: must be a string", file,
                          halo_json_path(p, sizeof p, where, key));
    *out = v->valuestring;
    return HALO_OK;
}

enum halo_status halo_json_bool(const char *file, const cJSON *obj, const char *where, const char *key,
                                bool required, bool *out)
{
    char p[256];
    const cJSON *v = field(obj, key);
    if (!v) {
        if (!required) return HALO_OK;
        return halo_error(HALO_ERR_INVALID, "%s: %s: missing", file, halo_json_path(p, sizeof p, where, key));
    }
    if (!cJSON_IsBool(v))
        return halo_error(HALO_ERR_INVALID, "%s: %s: must be true or false", file,
                          halo_json_path(p, sizeof p, where, key));
    *out = cJSON_IsTrue(v);
    return HALO_OK;
}

enum halo_status halo_json_child(const char *file, const cJSON *obj, const char *where, const char *key,
                                 bool required, int type, const cJSON **out)
{
    char p[256];
    const cJSON *v = field(obj, key);
    *out = NULL;
    if (!v) {
        if (!required) return HALO_OK;
        return halo_error(HALO_ERR_INVALID, "%s: %s: missing", file, halo_json_path(p, sizeof p, where, key));
    }
    if ((v->type & 0xFF) != type)
        return halo_error(HALO_ERR_INVALID, "%s: %s: must be an %s", file,
                          halo_json_path(p, sizeof p, where, key), type == cJSON_Array ? "array" : "object");
    *out = v;
    return HALO_OK;
}

enum halo_status halo_json_known_keys(const char *file, const cJSON *obj, const char *where,
                                      const char *const *allowed)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, obj)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = c->string && !strcmp(c->string, *a);
        if (!ok) {
            char p[256];
            return halo_error(HALO_ERR_INVALID, "%s: %s: unknown field", file,
                              halo_json_path(p, sizeof p, where, c->string ? c->string : "?"));
        }
    }
    return HALO_OK;
}
