/* codec: ADCNN's compression of tile outputs as real bytes — clipped ReLU, quantisation of the
 * non-zeros, run-length coding of zero runs. What the runtime sends and what the cost model prices.
 *
 * Values. With bounds a < b and `bits` = B (1..16), L = 2^B - 1 non-zero levels a + q*D,
 * q = 1..L, D = (b - a) / L. An element x <= a (or NaN) is ZERO and decodes to 0.0 exactly (the
 * ReLU's zero, not a); any other x is clipped to b and rounded to the nearest level, with q >= 1
 * (values just above a take the first level). halo_codec_quantise gives the decoded values.
 *
 * Bytes (little-endian), a 32-byte header and a bit-packed payload:
 *   0  4  magic "HZC1"          8  8  element count (uint64)     24  8  payload length in bits
 *   4  1  version (1)           16 4  a, clip_lo (float32)       32  .. payload, ceil(bits/8) bytes
 *   5  1  B, bits (1..16)       20 4  b, clip_hi (float32)
 *   6  2  reserved (0)
 * The payload is a sequence of B-bit codes, packed least significant bit first: code q in 1..L is
 * one non-zero element of level q; code 0 is a zero run whose length - 1 follows in the next B
 * bits, so one run token covers 1..2^B zeros and a longer run takes several tokens. Unused bits
 * of the last byte are zero. */
#ifndef HALO_CODEC_H
#define HALO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define HALO_CODEC_HEADER_BYTES 32

/* The codec's settings, as a plan stores them for its compressed blocks. */
struct halo_codec {
    float clip_lo, clip_hi;  /* clipped ReLU bounds */
    int bits;                /* quantisation bits of non-zeros */
    double ratio;            /* compressed bytes / raw bytes used to predict transfers */
};

/* HALO_OK when the settings can encode: finite a < b and 1 <= bits <= 16. */
enum halo_status halo_codec_check(const struct halo_codec *c);

/* What decode(encode(x)) gives: x[0..n) clipped and quantised into out[0..n) (may alias x). */
void halo_codec_quantise(const float *x, size_t n, const struct halo_codec *c, float *out);

/* The upper bound b for data like x[0..n) with c's lower bound and bits: among the 90th .. 100th
 * percentiles of the values above a, the one with the least squared quantisation error over x.
 * Returns c->clip_hi when no value lies above a. */
float halo_codec_fit_hi(const float *x, size_t n, const struct halo_codec *c);

/* Encodes x[0..n) into a new buffer *out (free() it) of *bytes bytes, header included. */
enum halo_status halo_codec_encode(const float *x, size_t n, const struct halo_codec *c, uint8_t **out,
                                   size_t *bytes);

/* Decodes buf[0..bytes) into out[0..n): exactly halo_codec_quantise of what was encoded. Checks
 * everything and never reads outside buf: a short or long buffer, a bad magic, version, bits or
 * bounds, an element count other than n, settings other than `expect` (when not NULL), a run past
 * the count or a payload that ends early or late are HALO_ERR_INVALID with the reason. */
enum halo_status halo_codec_decode(const uint8_t *buf, size_t bytes, const struct halo_codec *expect,
                                   float *out, size_t n);

#endif
