#include "exec/codec.h"
#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t magic[4] = {'H', 'Z', 'C', '1'};
#define CODEC_VERSION 1

enum halo_status halo_codec_check(const struct halo_codec *c)
{
    if (!c) return halo_error(HALO_ERR_INVALID, "codec: no settings");
    if (!isfinite(c->clip_lo) || !isfinite(c->clip_hi) || !(c->clip_lo < c->clip_hi))
        return halo_error(HALO_ERR_INVALID, "codec: bounds [%g, %g]: need finite clip_lo < clip_hi", c->clip_lo,
                          c->clip_hi);
    if (c->bits < 1 || c->bits > 16)
        return halo_error(HALO_ERR_INVALID, "codec: bits %d: must be 1..16", c->bits);
    return HALO_OK;
}

static uint32_t n_levels(int bits) { return (1u << bits) - 1; }

/* The level code of x: 0 for a zero, else 1..L. */
static uint32_t level_of(float x, float a, float b, uint32_t L)
{
    if (!(x > a)) return 0; /* also NaN */
    double v = x < b ? x : b, d = ((double)b - a) / L;
    double q = floor((v - a) / d + 0.5);
    if (q < 1) q = 1;
    if (q > L) q = L;
    return (uint32_t)q;
}

static float level_value(uint32_t q, float a, float b, uint32_t L)
{
    return (float)(a + (double)q * (((double)b - a) / L));
}

void halo_codec_quantise(const float *x, size_t n, const struct halo_codec *c, float *out)
{
    uint32_t L = n_levels(c->bits);
    for (size_t i = 0; i < n; i++) {
        uint32_t q = level_of(x[i], c->clip_lo, c->clip_hi, L);
        out[i] = q ? level_value(q, c->clip_lo, c->clip_hi, L) : 0.0f;
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

float halo_codec_fit_hi(const float *x, size_t n, const struct halo_codec *c)
{
    static const double quantiles[] = {0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999, 1.0};
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += x[i] > c->clip_lo;
    float *v = m ? malloc(m * sizeof *v) : NULL;
    if (!v) return c->clip_hi;
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > c->clip_lo) v[m++] = x[i];
    qsort(v, m, sizeof *v, cmp_float);
    uint32_t L = n_levels(c->bits);
    float best = c->clip_hi;
    double best_err = INFINITY;
    for (size_t k = 0; k < sizeof quantiles / sizeof quantiles[0]; k++) {
        size_t at = (size_t)(quantiles[k] * (double)(m - 1));
        float hi = v[at];
        if (!(hi > c->clip_lo)) continue;
        double err = 0;
        for (size_t i = 0; i < m; i++) {
            uint32_t q = level_of(v[i], c->clip_lo, hi, L);
            double e = (double)v[i] - (q ? level_value(q, c->clip_lo, hi, L) : 0.0f);
            err += e * e;
        }
        if (err < best_err) {
            best_err = err;
            best = hi;
        }
    }
    free(v);
    return best;
}

/* ---- bits, least significant first ----------------------------------------------------------- */

struct bitw {
    uint8_t *p;
    uint64_t pos; /* bits written */
};

static void put(struct bitw *w, uint32_t v, int bits)
{
    for (int i = 0; i < bits; i++, w->pos++)
        if (v >> i & 1u) w->p[w->pos >> 3] |= (uint8_t)(1u << (w->pos & 7));
}

static uint32_t get(const uint8_t *p, uint64_t *pos, int bits)
{
    uint32_t v = 0;
    for (int i = 0; i < bits; i++, (*pos)++)
        v |= (uint32_t)(p[*pos >> 3] >> (*pos & 7) & 1u) << i;
    return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = 0;
    for (int i = 0; i < 4; i++) u |= (uint32_t)p[i] << (8 * i);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

enum halo_status halo_codec_encode(const float *x, size_t n, const struct halo_codec *c, uint8_t **out,
                                   size_t *bytes)
{
    *out = NULL;
    *bytes = 0;
    HALO_TRY(halo_codec_check(c));
    int B = c->bits;
    uint32_t L = n_levels(B), max_run = 1u << B;
    /* worst case: every element an isolated zero, two codes each */
    if (n > (SIZE_MAX - HALO_CODEC_HEADER_BYTES - 1) / 4 / (size_t)B)
        return halo_error(HALO_ERR_INVALID, "codec: %zu elements are too many to encode", n);
    size_t cap = HALO_CODEC_HEADER_BYTES + (2 * (size_t)B * n + 7) / 8;
    uint8_t *buf = halo_calloc(cap, 1);
    if (!buf) return HALO_ERR_NOMEM;
    struct bitw w = {buf + HALO_CODEC_HEADER_BYTES, 0};
    for (size_t i = 0; i < n;) {
        uint32_t q = level_of(x[i], c->clip_lo, c->clip_hi, L);
        if (q) {
            put(&w, q, B);
            i++;
            continue;
        }
        uint32_t run = 1;
        while (i + run < n && run < max_run && level_of(x[i + run], c->clip_lo, c->clip_hi, L) == 0) run++;
        put(&w, 0, B);
        put(&w, run - 1, B);
        i += run;
    }
    memcpy(buf, magic, 4);
    buf[4] = CODEC_VERSION;
    buf[5] = (uint8_t)B;
    put_u64(buf + 8, (uint64_t)n);
    put_f32(buf + 16, c->clip_lo);
    put_f32(buf + 20, c->clip_hi);
    put_u64(buf + 24, w.pos);
    size_t size = HALO_CODEC_HEADER_BYTES + (size_t)((w.pos + 7) / 8);
    uint8_t *shrunk = realloc(buf, size);
    *out = shrunk ? shrunk : buf;
    *bytes = size;
    return HALO_OK;
}

enum halo_status halo_codec_decode(const uint8_t *buf, size_t bytes, const struct halo_codec *expect,
                                   float *out, size_t n)
{
    if (!buf || bytes < HALO_CODEC_HEADER_BYTES)
        return halo_error(HALO_ERR_INVALID, "codec: %zu bytes: shorter than the %d-byte header", buf ? bytes : 0,
                          HALO_CODEC_HEADER_BYTES);
    if (memcmp(buf, magic, 4)) return halo_error(HALO_ERR_INVALID, "codec: bad magic (not an HZC1 stream)");
    if (buf[4] != CODEC_VERSION)
        return halo_error(HALO_ERR_INVALID, "codec: version %u: this halo reads version %d", buf[4], CODEC_VERSION);
    if (buf[6] || buf[7]) return halo_error(HALO_ERR_INVALID, "codec: reserved header bytes are not zero");
    struct halo_codec c = {get_f32(buf + 16), get_f32(buf + 20), buf[5], 0};
    HALO_TRY(halo_codec_check(&c));
    if (expect && (expect->bits != c.bits || expect->clip_lo != c.clip_lo || expect->clip_hi != c.clip_hi))
        return halo_error(HALO_ERR_INVALID, "codec: stream has bounds [%g, %g] and %d bits, expected [%g, %g] and %d",
                          c.clip_lo, c.clip_hi, c.bits, expect->clip_lo, expect->clip_hi, expect->bits);
    uint64_t count = get_u64(buf + 8), nbits = get_u64(buf + 24);
    if (count != (uint64_t)n)
        return halo_error(HALO_ERR_INVALID, "codec: stream holds %llu elements, expected %zu",
                          (unsigned long long)count, n);
    size_t payload = bytes - HALO_CODEC_HEADER_BYTES;
    if (nbits > (uint64_t)payload * 8 || (nbits + 7) / 8 != (uint64_t)payload)
        return halo_error(HALO_ERR_INVALID, "codec: header says %llu payload bits, the buffer has %zu payload bytes",
                          (unsigned long long)nbits, payload);
    const uint8_t *p = buf + HALO_CODEC_HEADER_BYTES;
    int B = c.bits;
    uint32_t L = n_levels(B);
    uint64_t pos = 0;
    for (size_t i = 0; i < n;) {
        if (pos + (uint64_t)B > nbits)
            return halo_error(HALO_ERR_INVALID, "codec: payload ends after %zu of %zu elements", i, n);
        uint32_t q = get(p, &pos, B);
        if (q) {
            out[i++] = level_value(q, c.clip_lo, c.clip_hi, L);
            continue;
        }
        if (pos + (uint64_t)B > nbits)
            return halo_error(HALO_ERR_INVALID, "codec: payload ends inside a zero run at element %zu", i);
        uint64_t run = (uint64_t)get(p, &pos, B) + 1;
        if (run > n - i)
            return halo_error(HALO_ERR_INVALID, "codec: zero run of %llu at element %zu passes the %zu elements",
                              (unsigned long long)run, i, n);
        memset(out + i, 0, (size_t)run * sizeof *out);
        i += (size_t)run;
    }
    if (pos != nbits)
        return halo_error(HALO_ERR_INVALID, "codec: %llu payload bits left after the last element",
                          (unsigned long long)(nbits - pos));
    for (uint64_t b = pos; b < (uint64_t)payload * 8; b++)
        if (p[b >> 3] >> (b & 7) & 1u) return halo_error(HALO_ERR_INVALID, "codec: padding bits are not zero");
    return HALO_OK;
}
