#include "core/json.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "core/file.h"
#include "core/parse.h"

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

/* Line and column (from 1) of text + off. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* Offset of the first \u0000 escape inside a string of text, or len. cJSON keeps it as a NUL byte
 * in the middle of the string, and every C string function would then see only what comes before:
 * "cam\u0000evil" would select the device "cam". */
static size_t find_nul_escape(const char *text, size_t len)
{
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (!in_string) {
            in_string = ch == '"';
        } else if (ch == '"') {
            in_string = false;
        } else if (ch == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && i + 5 < len && !strncmp(text + i + 2, "0000", 4)) return i;
            i++; /* the escaped character, a quote or a backslash included */
        }
    }
    return len;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key given twice in obj (NULL when none). Python's json and jq keep the last of the two,
 * cJSON finds the first: the same file would mean two things, so it means neither. */
static const char *duplicate_key(const cJSON *obj)
{
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, obj) n++;
    if (n < 2) return NULL;
    if (n <= 16) {
        for (const cJSON *a = obj->child; a; a = a->next)
            for (const cJSON *b = obj->child; b != a; b = b->next)
                if (a->string && b->string && !strcmp(a->string, b->string)) return a->string;
        return NULL;
    }
    const char **keys = halo_malloc((size_t)n, sizeof *keys);
    if (!keys) return NULL; /* not checked rather than a failure: the reading goes on */
    int k = 0;
    cJSON_ArrayForEach(c, obj) keys[k++] = c->string ? c->string : "";
    qsort(keys, (size_t)n, sizeof *keys, cmp_str_ptr);
    const char *dup = NULL;
    for (int i = 1; i < n && !dup; i++)
        if (!strcmp(keys[i - 1], keys[i])) dup = keys[i];
    free(keys);
    return dup;
}

/* Finds a key given twice anywhere under j; its path ("devices[2].uplink_mbps") goes into path. */
static bool find_duplicate(const cJSON *j, char *path, size_t cap)
{
    size_t len = strlen(path);
    if (cJSON_IsObject(j)) {
        const char *dup = duplicate_key(j);
        if (dup) {
            snprintf(path + len, cap - len, "%s%s", len ? "." : "", dup);
            return true;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, j)
        {
            snprintf(path + len, cap - len, "%s%s", len ? "." : "", c->string ? c->string : "");
            if (find_duplicate(c, path, cap)) return true;
        }
    } else if (cJSON_IsArray(j)) {
        const cJSON *c;
        int i = 0;
        cJSON_ArrayForEach(c, j)
        {
            snprintf(path + len, cap - len, "[%d]", i++);
            if (find_duplicate(c, path, cap)) return true;
        }
    }
    path[len] = '\0';
    return false;
}

enum halo_status halo_json_parse(const char *name, const char *text, size_t len, cJSON **out)
{
    int line, col;
    *out = NULL;
    size_t nul = find_nul_escape(text, len);
    if (nul < len) {
        line_col(text, nul, &line, &col);
        return halo_error(HALO_ERR_PARSE, "%s: line %d, column %d: \\u0000 (NUL) inside a string", name, line, col);
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        line_col(text, off, &line, &col);
        return halo_error(HALO_ERR_PARSE, "%s: line %d, column %d: invalid JSON", name, line, col);
    }
    size_t off = (size_t)(end - text);
    while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r')) off++;
    if (off < len) {
        cJSON_Delete(j);
        line_col(text, off, &line, &col);
        return halo_error(HALO_ERR_PARSE, "%s: line %d, column %d: unexpected data after the JSON value", name, line,
                          col);
    }
    char path[512] = "";
    if (find_duplicate(j, path, sizeof path)) {
        cJSON_Delete(j);
        return halo_error(HALO_ERR_PARSE, "%s: %s: given twice", name, path);
    }
    *out = j;
    return HALO_OK;
}

enum halo_status halo_json_load(const char *path, cJSON **out)
{
    *out = NULL;
    /* stat before open: a folder opens but reads as an error, a device such as /dev/zero never
     * ends; only regular files and pipes (a shell's <(...), a named pipe: read once its writer
     * opens it) are read, and never more than HALO_JSON_MAX_BYTES of them */
    struct stat sb;
    if (stat(path, &sb) != 0) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode))
        return halo_error(HALO_ERR_IO, "%s: %s", path, S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
    if (S_ISREG(sb.st_mode) && sb.st_size > HALO_JSON_MAX_BYTES)
        return halo_error(HALO_ERR_INVALID, "%s: %lld bytes: larger than the %ld MiB a JSON file of halo's may have",
                          path, (long long)sb.st_size, HALO_JSON_MAX_BYTES >> 20);
    FILE *f = fopen(path, "rb");
    if (!f) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    enum halo_status st = HALO_OK;
    for (;;) {
        if (len > (size_t)HALO_JSON_MAX_BYTES) {
            st = halo_error(HALO_ERR_INVALID, "%s: larger than the %ld MiB a JSON file of halo's may have", path,
                            HALO_JSON_MAX_BYTES >> 20);
            break;
        }
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
    struct halo_outfile *o;
    enum halo_status st = halo_outfile_open(path, &o);
    if (st == HALO_OK) {
        FILE *f = halo_outfile_stream(o);
        fputs(text, f);
        fputc('\n', f);
        st = halo_outfile_close(o);
    }
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

enum halo_status halo_json_name(const char *file, const cJSON *obj, const char *where, const char *key,
                                bool required, const char **out)
{
    const char *s = NULL;
    HALO_TRY(halo_json_str(file, obj, where, key, required, &s));
    if (!s) return HALO_OK;
    char p[256], what[512];
    snprintf(what, sizeof what, "%s: %s", file, halo_json_path(p, sizeof p, where, key));
    HALO_TRY(halo_check_name(what, s));
    *out = s;
    return HALO_OK;
}

enum halo_status halo_json_matrix(const char *file, const cJSON *obj, const char *where, const char *key,
                                  bool required, int n, double lo, double hi, double *m, bool *present)
{
    const cJSON *a, *row, *v;
    char p[256];
    *present = false;
    HALO_TRY(halo_json_child(file, obj, where, key, required, cJSON_Array, &a));
    if (!a) return HALO_OK;
    halo_json_path(p, sizeof p, where, key);
    if (cJSON_GetArraySize(a) != n)
        return halo_error(HALO_ERR_INVALID, "%s: %s: must have %d rows (one per device)", file, p, n);
    int i = 0;
    cJSON_ArrayForEach(row, a)
    {
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return halo_error(HALO_ERR_INVALID, "%s: %s[%d]: must be an array of %d numbers", file, p, i, n);
        int k = 0;
        cJSON_ArrayForEach(v, row)
        {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
                return halo_error(HALO_ERR_INVALID, "%s: %s[%d][%d]: must be a number%s", file, p, i, k,
                                  i == k ? " (the diagonal is not read)" : "");
            if (i != k && (v->valuedouble < lo || v->valuedouble > hi))
                return halo_error(HALO_ERR_INVALID, "%s: %s[%d][%d]: %g is out of range [%g, %g]", file, p, i, k,
                                  v->valuedouble, lo, hi);
            if (i != k) m[(size_t)i * n + k] = v->valuedouble;
            k++;
        }
        i++;
    }
    *present = true;
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
