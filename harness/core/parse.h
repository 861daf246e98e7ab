/* parse: strict parsers for values a user types (numbers, sizes HxW, comma lists).
 * Errors name `what` (a flag or field) and the offending text, e.g. "--input: 'abc': expected HxW". */
#ifndef HALO_PARSE_H
#define HALO_PARSE_H

#include "core/status.h"

/* A whole decimal integer in [lo, hi]. */
enum halo_status halo_parse_long(const char *what, const char *s, long lo, long hi, long *out);
enum halo_status halo_parse_int(const char *what, const char *s, int lo, int hi, int *out);
/* A finite number in [lo, hi]. */
enum halo_status halo_parse_double(const char *what, const char *s, double lo, double hi, double *out);
/* --threads of every command: a whole number in [1, halo_threads_max()]. Far more threads than
 * processors only slows a run down, and past some thousands the OpenMP runtime under oneDNN fails
 * or overflows its stack. */
enum halo_status halo_parse_threads(const char *what, const char *s, int *out);
/* HALO_THREADS_PER_CPU per processor of this machine, at most HALO_THREADS_MAX (core/limits.h). */
int halo_threads_max(void);
/* A name (device, model, profile): 1 to HALO_NAME_MAX_BYTES bytes, no control characters (they
 * would reach a terminal as escape sequences), else "WHAT: ..." */
enum halo_status halo_check_name(const char *what, const char *s);
/* A host name as MPI hostfiles and ssh take it (a name or an address): 1 to HALO_HOST_MAX_BYTES
 * bytes of letters, digits, '.', '-', '_' and ':', else "WHAT: ..." */
enum halo_status halo_check_host(const char *what, const char *s);
/* "HxW" or "N" (square), each in [1, 65536]. */
enum halo_status halo_parse_size(const char *what, const char *s, int *h, int *w);
/* Comma lists; empty items are errors. *out is malloc'd (caller frees; strings: halo_strlist_free). */
enum halo_status halo_parse_int_list(const char *what, const char *s, int lo, int hi, int **out, int *n);
enum halo_status halo_parse_double_list(const char *what, const char *s, double lo, double hi,
                                        double **out, int *n);
enum halo_status halo_parse_str_list(const char *what, const char *s, char ***out, int *n);
void halo_strlist_free(char **v, int n);

#endif
