/* json: reading and writing JSON files with cJSON, and field getters whose errors name the file
 * and the field path ("cluster.json: devices[2].bandwidth_mbps: must be > 0"). */
#ifndef HALO_JSON_H
#define HALO_JSON_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "core/status.h"

/* Parses the JSON file at path: a regular file or a pipe (a named pipe is read once a writer opens
 * it), at most HALO_JSON_MAX_BYTES. Errors: cannot open, not a file, too large, and halo_json_parse's. */
enum halo_status halo_json_load(const char *path, cJSON **out);
/* Parses JSON text; `name` is used in messages in place of a file name. Stricter than cJSON:
 * data after the value, a key given twice in one object and \u0000 inside a string are errors
 * (with the line and column, or the key's path). */
enum halo_status halo_json_parse(const char *name, const char *text, size_t len, cJSON **out);
/* Writes j, formatted, to path through core/file.h (atomically for regular files). */
enum halo_status halo_json_save(const char *path, const cJSON *j);

/* Getters. `where` is the path of `obj` ("" for the root, "devices[2]"); a missing optional field
 * leaves *out unchanged. Numbers must be finite and in [lo, hi]; ints must be whole. */
enum halo_status halo_json_num(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, double lo, double hi, double *out);
enum halo_status halo_json_int(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, long lo, long hi, long *out);
enum halo_status halo_json_str(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, const char **out);
/* A name (device, model, profile, method): a string that halo_check_name accepts. */
enum halo_status halo_json_name(const char *file, const cJSON *obj, const char *where, const char *key,
                                bool required, const char **out);
/* An n x n matrix field of numbers in [lo, hi] into m (row-major); the diagonal must hold numbers
 * too but is not read. *present says whether the field was there (m untouched when not). */
enum halo_status halo_json_matrix(const char *file, const cJSON *obj, const char *where, const char *key,
                                  bool required, int n, double lo, double hi, double *m, bool *present);
enum halo_status halo_json_bool(const char *file, const cJSON *obj, const char *where, const char *key,
                                bool required, bool *out);
/* An array (type cJSON_Array) or object (cJSON_Object) field; *out NULL when optional and missing. */
enum halo_status halo_json_child(const char *file, const cJSON *obj, const char *where, const char *key,
                                 bool required, int type, const cJSON **out);
/* Rejects fields not in `allowed` (NULL-terminated): catches typos in hand-written files. */
enum halo_status halo_json_known_keys(const char *file, const cJSON *obj, const char *where,
                                      const char *const *allowed);
/* "where.key" or "key" into buf. */
const char *halo_json_path(char *buf, size_t size, const char *where, const char *key);
/* "where.key[i]" (or "key[i]") into buf: the path of an array element. */
const char *halo_json_item(char *buf, size_t size, const char *where, const char *key, int i);

#endif
