/* fuzz.h: shared by the libFuzzer targets in tests/fuzz (one per parser a user's file reaches).
 * Each target defines LLVMFuzzerTestOneInput; built with HALO_FUZZ (clang) it gets libFuzzer's main,
 * otherwise driver.c's, which replays the committed seed corpus as a ctest. */
#ifndef HALO_FUZZ_H
#define HALO_FUZZ_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A rejected input must say why: every failing status comes with a message (halo_cli_fail prints
 * it as the one line on stderr). A silent failure is a bug the fuzzer reports as a crash. */
static inline void fuzz_expect_message(enum halo_status st)
{
    if (st == HALO_OK) return;
    const char *m = halo_error_msg();
    if (!m || !*m) {
        fprintf(stderr, "fuzz: status %d (%s) without a message\n", (int)st, halo_status_str(st));
        abort();
    }
}

/* A NUL-terminated copy of the input (the parsers of typed values take C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
