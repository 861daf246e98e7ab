#include "core/image.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/log.h"
#include "core/rng.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

/* Pillow refuses to open an image of more than 2 * Image.MAX_IMAGE_PIXELS pixels
 * (DecompressionBombError), so torchvision never sees one; halo refuses it too, before allocating
 * the pixels (a few bytes of PNG or JPEG can claim 65535 x 65535). The resized image of the
 * transform is held to the same bound (a 1-pixel-high strip would grow to gigapixels). */
#define IMAGE_MAX_PIXELS (2ull * 89478485ull)

static enum halo_status too_many_pixels(const char *path, uint64_t w, uint64_t h)
{
    return halo_error(HALO_ERR_INVALID,
                      "%s: %llux%llu pixels: above the decompression-bomb limit of %llu pixels (Pillow's, as torchvision "
                      "reads images)",
                      path, (unsigned long long)w, (unsigned long long)h, IMAGE_MAX_PIXELS);
}

void halo_image_rgb8_free(struct halo_image_rgb8 *img)
{
    if (!img) return;
    free(img->data);
    img->data = NULL;
    img->h = img->w = 0;
}

/* Allocates an h x w RGB image. */
static enum halo_status rgb8_alloc(struct halo_image_rgb8 *img, int h, int w)
{
    img->h = h;
    img->w = w;
    img->data = halo_malloc((size_t)h * (size_t)w, 3);
    return img->data ? HALO_OK : halo_error(HALO_ERR_NOMEM, "out of memory for a %dx%d image", w, h);
}

static enum halo_status read_file(const char *path, unsigned char **buf, size_t *len)
{
    FILE *f;
    long long size = 0;
    HALO_TRY(halo_file_open_regular(path, &f, &size)); /* checked before the open: a FIFO would block */
    enum halo_status st = HALO_OK;
    if (size == 0) st = halo_error(HALO_ERR_PARSE, "%s: empty file, not an image", path);
    if (st == HALO_OK && !(*buf = halo_malloc((size_t)size, 1))) st = HALO_ERR_NOMEM;
    if (st == HALO_OK) {
        *len = fread(*buf, 1, (size_t)size, f);
        if (*len != (size_t)size) {
            st = halo_error(HALO_ERR_IO, "%s: read error", path);
            free(*buf);
            *buf = NULL;
        }
    }
    fclose(f);
    return st;
}

/* ---- PNG ------------------------------------------------------------------------------------ */

/* libpng reports errors by longjmp to the setjmp in decode_png; nothing is printed. */
struct png_ctx {
    const unsigned char *data;
    size_t len, pos;
    char msg[256];
    char warning[256]; /* the first warning: libpng's detail before a generic error */
    png_bytep *rows;
    bool too_large;    /* above IMAGE_MAX_PIXELS: not a corrupt file, a refused one */
    png_uint_32 w, h;
};

static void png_on_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    if (!c->warning[0]) snprintf(c->warning, sizeof c->warning, "%s", msg);
    HALO_DEBUG("libpng warning: %s", msg);
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
    struct png_ctx *c = png_get_io_ptr(png);
    if (n > c->len - c->pos) png_error(png, "file truncated");
    memcpy(out, c->data + c->pos, n);
    c->pos += n;
}

static enum halo_status decode_png(const char *path, const unsigned char *data, size_t len,
                                   struct halo_image_rgb8 *img)
{
    struct png_ctx c = {.data = data, .len = len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        return halo_error(HALO_ERR_NOMEM, "%s: out of memory starting libpng", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(c.rows);
        halo_image_rgb8_free(img);
        if (c.too_large) return too_many_pixels(path, c.w, c.h);
        if (c.warning[0])
            return halo_error(HALO_ERR_PARSE, "%s: corrupt or truncated PNG: %s (%s)", path, c.msg, c.warning);
        return halo_error(HALO_ERR_PARSE, "%s: corrupt or truncated PNG: %s", path, c.msg);
    }
    png_set_read_fn(png, &c, png_read_mem);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    if (w == 0 || h == 0) png_error(png, "zero-sized image");
    if ((uint64_t)w * h > IMAGE_MAX_PIXELS) {
        c.too_large = true;
        c.w = w;
        c.h = h;
        png_error(png, "too many pixels");
    }
    /* 16-bit grayscale: Pillow opens it as mode I;16 (the whole value), and convert("RGB") clips
     * each value to 255, so most of such an image is white; every other 16-bit PNG (RGB, gray with
     * alpha) Pillow reads by its high byte, as png_set_strip_16 does */
    bool gray16 = color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) == 16;
    if (!gray16) {
        png_set_expand(png);      /* palette to RGB, gray below 8 bits to 8, tRNS to alpha */
        png_set_strip_16(png);    /* 16 to 8 bits by dropping the low byte, as Pillow does */
        png_set_strip_alpha(png); /* PIL's convert("RGB") drops alpha */
        if (!(color & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t pixel_bytes = gray16 ? 2 : 3;
    if (png_get_rowbytes(png, info) != (size_t)w * pixel_bytes || w > INT32_MAX / 4 || h > INT32_MAX / 4)
        png_error(png, "unexpected pixel layout after conversion to RGB");
    if (rgb8_alloc(img, (int)h, (int)w) != HALO_OK) png_error(png, "out of memory for the pixels");
    /* the 16-bit samples (2 bytes, big-endian) go in the first two thirds of each RGB row */
    if (!(c.rows = halo_malloc(h, sizeof *c.rows))) png_error(png, "out of memory for the row pointers");
    for (png_uint_32 y = 0; y < h; y++) c.rows[y] = img->data + (size_t)y * w * 3;
    png_read_image(png, c.rows);
    png_read_end(png, NULL);
    if (gray16)
        for (png_uint_32 y = 0; y < h; y++) {
            unsigned char *row = c.rows[y];
            for (png_uint_32 x = w; x-- > 0;) { /* backwards: pixel x's RGB overwrites samples >= x only */
                unsigned v = (unsigned)row[2 * x] << 8 | row[2 * x + 1];
                unsigned char g = (unsigned char)(v > 255 ? 255 : v);
                row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = g;
            }
        }
    png_destroy_read_struct(&png, &info, NULL);
    free(c.rows);
    return HALO_OK;
}

/* ---- JPEG ----------------------------------------------------------------------------------- */

/* libjpeg's error_exit longjmps back to decode_jpeg; messages are kept, never printed. */
struct jpeg_ctx {
    struct jpeg_error_mgr mgr; /* first: libjpeg passes &mgr as cinfo->err */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    char warning[JMSG_LENGTH_MAX]; /* the first corrupt-data warning */
    bool truncated;
};

static void jpeg_on_error(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    cinfo->err->format_message(cinfo, c->msg);
    longjmp(c->jump, 1);
}

/* Warnings (level -1) continue decoding. Premature end of data is an error (Pillow raises "image
 * file is truncated"); other corrupt-data warnings are kept: a failed decode reports the first
 * one, a successful one logs it (Pillow decodes such files). */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    if (level >= 0) return;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) c->truncated = true;
    else if (!c->warning[0]) cinfo->err->format_message(cinfo, c->warning);
}

static void jpeg_on_output(j_common_ptr cinfo) { (void)cinfo; }

/* Pillow's conversion of a CMYK JPEG to RGB: the samples are inverted first ("CMYK;I": Pillow
 * always assumes Adobe's polarity, which Photoshop and Pillow itself write), then each channel is
 * (255 - K) - C * (255 - K) / 255 with Pillow's rounding of that product (its MULDIV255). */
static void cmyk_to_rgb(const unsigned char *in, unsigned char *out, unsigned w)
{
    for (unsigned x = 0; x < w; x++, in += 4, out += 3) {
        int nk = 255 - (255 - in[3]);
        for (int k = 0; k < 3; k++) {
            int t = (255 - in[k]) * nk + 128;
            int v = nk - (((t >> 8) + t) >> 8);
            out[k] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

static enum halo_status decode_jpeg(const char *path, const unsigned char *data, size_t len,
                                    struct halo_image_rgb8 *img)
{
    struct jpeg_decompress_struct cinfo;
    struct jpeg_ctx c;
    memset(&c, 0, sizeof c);
    cinfo.err = jpeg_std_error(&c.mgr);
    c.mgr.error_exit = jpeg_on_error;
    c.mgr.emit_message = jpeg_on_message;
    c.mgr.output_message = jpeg_on_output;
    if (setjmp(c.jump)) {
        jpeg_destroy_decompress(&cinfo);
        halo_image_rgb8_free(img);
        return halo_error(HALO_ERR_PARSE, "%s: corrupt JPEG%s: %s%s%s%s", path,
                          c.truncated ? " (file truncated)" : "", c.msg, c.warning[0] ? " (after: " : "", c.warning,
                          c.warning[0] ? ")" : "");
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if ((uint64_t)cinfo.image_width * cinfo.image_height > IMAGE_MAX_PIXELS) {
        uint64_t iw = cinfo.image_width, ih = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return too_many_pixels(path, iw, ih);
    }
    /* grayscale is replicated by libjpeg; CMYK and YCCK (Adobe) files are read as CMYK and
     * converted below as Pillow does */
    bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int comps = cmyk ? 4 : 3;
    if (cinfo.output_components != comps || cinfo.output_width == 0 || cinfo.output_height == 0) {
        snprintf(c.msg, sizeof c.msg, "unexpected %d components of %ux%u after conversion to RGB",
                 cinfo.output_components, cinfo.output_width, cinfo.output_height);
        longjmp(c.jump, 1);
    }
    if (rgb8_alloc(img, (int)cinfo.output_height, (int)cinfo.output_width) != HALO_OK) {
        snprintf(c.msg, sizeof c.msg, "out of memory for %ux%u pixels", cinfo.output_width, cinfo.output_height);
        longjmp(c.jump, 1);
    }
    unsigned char *cmyk_row = cmyk ? halo_malloc(cinfo.output_width, 4) : NULL;
    if (cmyk && !cmyk_row) {
        snprintf(c.msg, sizeof c.msg, "out of memory for a row of %u pixels", cinfo.output_width);
        longjmp(c.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height && !c.truncated) {
        unsigned char *rgb = img->data + (size_t)cinfo.output_scanline * cinfo.output_width * 3;
        JSAMPROW row = cmyk ? cmyk_row : rgb;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (cmyk) cmyk_to_rgb(cmyk_row, rgb, cinfo.output_width);
    }
    free(cmyk_row);
    if (c.truncated) {
        snprintf(c.msg, sizeof c.msg, "premature end of data");
        longjmp(c.jump, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (c.warning[0]) HALO_WARN("%s: decoded despite libjpeg's warning: %s", path, c.warning);
    return HALO_OK;
}

enum halo_status halo_image_decode_mem(const char *name, const void *bytes, size_t len, struct halo_image_rgb8 *img)
{
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char *data = bytes;
    memset(img, 0, sizeof *img);
    if (len >= 8 && !memcmp(data, png_magic, 8)) return decode_png(name, data, len, img);
    if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return decode_jpeg(name, data, len, img);
    return halo_error(HALO_ERR_PARSE, "%s: not a PNG or JPEG file (judged by its first bytes)", name);
}

enum halo_status halo_image_decode(const char *path, struct halo_image_rgb8 *img)
{
    memset(img, 0, sizeof *img);
    unsigned char *data = NULL;
    size_t len = 0;
    HALO_TRY(read_file(path, &data, &len));
    enum halo_status st = halo_image_decode_mem(path, data, len, img);
    free(data);
    return st;
}

/* ---- the transform -------------------------------------------------------------------------- */

int halo_image_resize_short(int h, int w)
{
    int m = h < w ? h : w;
    return (int)lround(256.0 * m / 224.0);
}

/* Pillow's fixed-point precision: 8 bits of result, 2 of headroom in an int32. */
#define PIL_PRECISION_BITS 22

/* Pillow's resampling weights for in_size -> out_size with the bilinear (triangle) filter,
 * widened by the scale when downscaling (the antialiasing). bounds[2i], bounds[2i+1]: first input
 * index and tap count of output i; k[i * ksize + t]: fixed-point weight of tap t. */
static enum halo_status resample_coeffs(int in_size, int out_size, int **bounds, int32_t **k, int *ksize)
{
    double scale = (double)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 1.0 * filterscale;
    *ksize = (int)ceil(support) * 2 + 1;
    *bounds = halo_malloc((size_t)out_size * 2, sizeof **bounds);
    *k = halo_calloc((size_t)out_size * (size_t)*ksize, sizeof **k);
    double *w = halo_malloc((size_t)*ksize, sizeof *w);
    if (!*bounds || !*k || !w) {
        free(*bounds);
        free(*k);
        free(w);
        return HALO_ERR_NOMEM;
    }
    for (int o = 0; o < out_size; o++) {
        double center = (o + 0.5) * scale, ss = 1.0 / filterscale, sum = 0;
        int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in_size) hi = in_size;
        int n = hi - lo;
        for (int t = 0; t < n; t++) {
            double x = fabs((t + lo - center + 0.5) * ss);
            w[t] = x < 1.0 ? 1.0 - x : 0.0;
            sum += w[t];
        }
        for (int t = 0; t < n; t++) {
            double v = sum != 0.0 ? w[t] / sum : w[t];
            (*k)[(size_t)o * *ksize + t] = (int32_t)(v < 0 ? -0.5 + v * (1 << PIL_PRECISION_BITS)
                                                           : 0.5 + v * (1 << PIL_PRECISION_BITS));
        }
        (*bounds)[2 * o] = lo;
        (*bounds)[2 * o + 1] = n;
    }
    free(w);
    return HALO_OK;
}

static inline unsigned char clip8(int64_t v)
{
    v >>= PIL_PRECISION_BITS;
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* One separable pass: along x (horizontal) or y. out has the other axis's size of in. */
static void resample_pass(const struct halo_image_rgb8 *in, struct halo_image_rgb8 *out, bool horizontal,
                          const int *bounds, const int32_t *k, int ksize)
{
    for (int y = 0; y < out->h; y++)
        for (int x = 0; x < out->w; x++) {
            int o = horizontal ? x : y;
            int lo = bounds[2 * o], n = bounds[2 * o + 1];
            const int32_t *kk = k + (size_t)o * ksize;
            int64_t acc[3] = {1 << (PIL_PRECISION_BITS - 1), 1 << (PIL_PRECISION_BITS - 1),
                              1 << (PIL_PRECISION_BITS - 1)};
            for (int t = 0; t < n; t++) {
                const unsigned char *p = horizontal ? in->data + ((size_t)y * in->w + lo + t) * 3
                                                    : in->data + ((size_t)(lo + t) * in->w + x) * 3;
                for (int ch = 0; ch < 3; ch++) acc[ch] += (int64_t)p[ch] * kk[t];
            }
            unsigned char *q = out->data + ((size_t)y * out->w + x) * 3;
            for (int ch = 0; ch < 3; ch++) q[ch] = clip8(acc[ch]);
        }
}

/* One pass of the resize along an axis (horizontal: x), into a newly allocated out. */
static enum halo_status resize_axis(const struct halo_image_rgb8 *in, int out_size, bool horizontal,
                                    struct halo_image_rgb8 *out)
{
    int *b;
    int32_t *k;
    int ks;
    HALO_TRY(resample_coeffs(horizontal ? in->w : in->h, out_size, &b, &k, &ks));
    enum halo_status st = rgb8_alloc(out, horizontal ? in->h : out_size, horizontal ? out_size : in->w);
    if (st == HALO_OK) resample_pass(in, out, horizontal, b, k, ks);
    free(b);
    free(k);
    return st;
}

enum halo_status halo_image_resize(const struct halo_image_rgb8 *img, int rh, int rw, struct halo_image_rgb8 *out)
{
    HALO_ASSERT(rh > 0 && rw > 0 && img->h > 0 && img->w > 0);
    memset(out, 0, sizeof *out);
    /* Pillow resizes horizontally first and skips a pass whose size does not change. */
    struct halo_image_rgb8 tmp = {0};
    const struct halo_image_rgb8 *src = img;
    enum halo_status st = HALO_OK;
    if (rw != img->w) {
        st = resize_axis(img, rw, true, &tmp);
        src = &tmp;
    }
    if (st == HALO_OK && rh != src->h) {
        st = resize_axis(src, rh, false, out);
    } else if (st == HALO_OK) {
        st = rgb8_alloc(out, rh, rw);
        if (st == HALO_OK) memcpy(out->data, src->data, (size_t)rh * rw * 3);
    }
    halo_image_rgb8_free(&tmp);
    if (st != HALO_OK) halo_image_rgb8_free(out);
    return st;
}

/* Top-left offset of a centre crop of `crop` out of `size` (negative: padding), as torchvision's
 * center_crop computes it: pad (crop - size) // 2 before, or int(round((size - crop) / 2.0)) with
 * Python's round-half-to-even. */
static int crop_offset(int size, int crop)
{
    if (crop > size) return -((crop - size) / 2);
    int d = size - crop, half = d / 2;
    if (d % 2 == 0) return half;
    return half % 2 == 0 ? half : half + 1; /* half + 0.5 rounds to the even neighbour */
}

enum halo_status halo_image_frame(const struct halo_image_rgb8 *img, int h, int w, struct halo_image_rgb8 *out)
{
    HALO_ASSERT(h > 0 && w > 0 && img->h > 0 && img->w > 0);
    memset(out, 0, sizeof *out);
    int s = halo_image_resize_short(h, w);
    double rhd, rwd;
    if (img->w <= img->h) { /* torchvision: new long side = int(S * long / short) */
        rwd = s;
        rhd = floor((double)((int64_t)s * img->h) / img->w);
    } else {
        rhd = s;
        rwd = floor((double)((int64_t)s * img->w) / img->h);
    }
    if (rhd * rwd > (double)IMAGE_MAX_PIXELS)
        return halo_error(HALO_ERR_INVALID,
                          "image %dx%d resized to a shorter side of %d would be %.0fx%.0f pixels: above the limit of "
                          "%llu pixels (is it a thin strip?)",
                          img->w, img->h, s, rwd, rhd, IMAGE_MAX_PIXELS);
    int rh = (int)rhd, rw = (int)rwd;
    struct halo_image_rgb8 r;
    HALO_TRY(halo_image_resize(img, rh, rw, &r));
    enum halo_status st = rgb8_alloc(out, h, w);
    if (st != HALO_OK) {
        halo_image_rgb8_free(&r);
        return st;
    }
    int oy = crop_offset(rh, h), ox = crop_offset(rw, w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int sy = y + oy, sx = x + ox;
            bool inside = sy >= 0 && sy < rh && sx >= 0 && sx < rw;
            for (int ch = 0; ch < 3; ch++)
                out->data[((size_t)y * w + x) * 3 + ch] = inside ? r.data[((size_t)sy * rw + sx) * 3 + ch] : 0;
        }
    halo_image_rgb8_free(&r);
    return HALO_OK;
}

void halo_image_normalize(const unsigned char *rgb, struct halo_tensor *out)
{
    HALO_ASSERT(out->c == 3 && out->data);
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    int h = halo_rect_h(out->rect), w = halo_rect_w(out->rect);
    for (int ch = 0; ch < 3; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                unsigned char v = rgb[((size_t)y * w + x) * 3 + ch];
                /* ToTensor then Normalize, in float32 as torch computes them */
                float t = (float)v / 255.0f;
                out->data[((size_t)ch * h + y) * w + x] = (t - mean[ch]) / std[ch];
            }
}

enum halo_status halo_image_frame_tensor(const struct halo_image_rgb8 *frame, struct halo_tensor *out)
{
    HALO_TRY(halo_tensor_alloc(out, 3, (struct halo_rect){0, frame->h, 0, frame->w}));
    halo_image_normalize(frame->data, out);
    return HALO_OK;
}

enum halo_status halo_image_transform(const struct halo_image_rgb8 *img, int h, int w, struct halo_tensor *out)
{
    struct halo_image_rgb8 frame;
    HALO_TRY(halo_image_frame(img, h, w, &frame));
    enum halo_status st = halo_image_frame_tensor(&frame, out);
    halo_image_rgb8_free(&frame);
    return st;
}

enum halo_status halo_image_load(const char *path, int h, int w, struct halo_tensor *out)
{
    struct halo_image_rgb8 img;
    HALO_TRY(halo_image_decode(path, &img));
    enum halo_status st = halo_image_transform(&img, h, w, out);
    if (st != HALO_OK) halo_error_prefix("%s", path);
    halo_image_rgb8_free(&img);
    return st;
}

enum halo_status halo_image_load_frame(const char *path, int h, int w, struct halo_image_rgb8 *out)
{
    struct halo_image_rgb8 img;
    memset(out, 0, sizeof *out);
    HALO_TRY(halo_image_decode(path, &img));
    enum halo_status st = halo_image_frame(&img, h, w, out);
    if (st != HALO_OK) halo_error_prefix("%s", path);
    halo_image_rgb8_free(&img);
    return st;
}

enum halo_status halo_image_random(uint64_t seed, int h, int w, struct halo_tensor *out)
{
    HALO_ASSERT(h > 0 && w > 0);
    HALO_TRY(halo_tensor_alloc(out, 3, (struct halo_rect){0, h, 0, w}));
    struct halo_rng rng;
    halo_rng_seed(&rng, seed);
    size_t n = halo_tensor_numel(out);
    for (size_t i = 0; i < n; i++) out->data[i] = (float)halo_rng_normal(&rng);
    return HALO_OK;
}

enum halo_status halo_image_random_frame(uint64_t seed, int h, int w, struct halo_image_rgb8 *out)
{
    HALO_ASSERT(h > 0 && w > 0);
    memset(out, 0, sizeof *out);
    HALO_TRY(rgb8_alloc(out, h, w));
    struct halo_rng rng;
    halo_rng_seed(&rng, seed);
    size_t n = (size_t)h * w * 3;
    for (size_t i = 0; i < n; i++) out->data[i] = (unsigned char)(halo_rng_u64(&rng) >> 56);
    return HALO_OK;
}

static bool image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

enum halo_status halo_image_list(const char *dir, char ***paths, int *n)
{
    *paths = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return halo_error(HALO_ERR_IO, "%s: cannot open the folder: %s", dir, strerror(errno));
    size_t cap = 0;
    enum halo_status st = HALO_OK;
    struct dirent *e;
    while (st == HALO_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !image_ext(e->d_name)) continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = halo_malloc(len, 1);
        if (!path || halo_grow((void **)paths, &cap, (size_t)*n + 1, sizeof **paths)) {
            free(path);
            st = HALO_ERR_NOMEM;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        (*paths)[(*n)++] = path;
    }
    closedir(d);
    if (st == HALO_OK && *n == 0) st = halo_error(HALO_ERR_INVALID, "%s: no PNG or JPEG file (.png, .jpg, .jpeg)", dir);
    if (st != HALO_OK) {
        for (int i = 0; i < *n; i++) free((*paths)[i]);
        free(*paths);
        *paths = NULL;
        *n = 0;
        return st;
    }
    qsort(*paths, (size_t)*n, sizeof **paths, cmp_str);
    return HALO_OK;
}
