/* json: reading and writing JSON files with cJSON, and field getters whose errors name the file
 * and the field path ("cluster.json: devices[2].bandwidth_mbps: must be > 0"). */
#ifndef HALO_JSON_H
#define HALO_JSON_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "core/status.h"

/* Parses the JSON file at path. Errors: cannot open, invalid JSON (with line and column). */
enum halo_status halo_json_load(const char *path, cJSON **out);
/* Parses JSON text; `name` is used in messages in place of a file name. */
enum halo_status halo_json_parse(const char *name, const char *text, size_t len, cJSON **out);
/* Writes j, formatted, to path (atomically: temp file then rename). */
enum halo_status halo_json_save(const char *path, const cJSON *j);

/* Getters. `where` is the path of `obj` ("" for the root, "devices[2]"); a missing optional field
 * leaves *out unchanged. Numbers must be finite and in [lo, hi]; ints must be whole. */
enum halo_status halo_json_num(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, double lo, double hi, double *out);
enum halo_status halo_json_int(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, long lo, long hi, long *out);
enum halo_status halo_json_str(const char *file, const cJSON *obj, const char *where, const char *key,
                               bool required, const char **out);
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
