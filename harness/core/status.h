/* status: the one status enum of libhalo and the thread's last error message.
 * Library functions return a status; the message says where and what, for a person. */
#ifndef HALO_STATUS_H
#define HALO_STATUS_H

#include <stdio.h>
#include <stdlib.h>

enum halo_status {
    HALO_OK = 0,
    HALO_ERR_NOMEM = -1,       /* allocation failed */
    HALO_ERR_INVALID = -2,     /* bad user input: argument, file content, size */
    HALO_ERR_IO = -3,          /* file could not be opened, read or written */
    HALO_ERR_PARSE = -4,       /* file is not valid JSON / safetensors / image */
    HALO_ERR_UNSUPPORTED = -5, /* valid request this build or backend cannot do */
    HALO_ERR_BACKEND = -6,     /* a library call (oneDNN, cuDNN, CUDA) failed */
    HALO_ERR_NODEVICE = -7,    /* the requested device is not present */
    HALO_ERR_MPI = -8,         /* an MPI call failed */
    HALO_ERR_TIMEOUT = -9,     /* a peer did not answer in time */
    HALO_ERR_MISMATCH = -10,   /* results or peers disagree (verify, hashes) */
    HALO_ERR_INTERNAL = -11,   /* a bug in halo */
};

/* Short name of a status ("invalid input"); never NULL. */
const char *halo_status_str(enum halo_status s);

/* Records the thread's last error message (printf-style) and returns `s`, so that
 * `return halo_error(HALO_ERR_INVALID, "%s: devices[%d].name: missing", path, i);` reads well. */
enum halo_status halo_error(enum halo_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the thread's last error message with "prefix: " (adds context on the way up). */
void halo_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The thread's last error message; "" when none was set. */
const char *halo_error_msg(void);

/* Clears the thread's last error message. */
void halo_error_clear(void);

/* Programmer errors: abort with file and line. Never used for user input. */
#define HALO_ASSERT(x)                                                                   \
    do {                                                                                 \
        if (!(x)) {                                                                      \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #x);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* Propagates a non-OK status. */
#define HALO_TRY(expr)                                                                   \
    do {                                                                                 \
        enum halo_status halo_try_s_ = (expr);                                           \
        if (halo_try_s_ != HALO_OK) return halo_try_s_;                                  \
    } while (0)

#endif
