/* Image input: PNG and JPEG files written here with libpng and libjpeg, decoded and put through
 * the evaluation transform, checked against hand computations: constant colours normalise
 * exactly, crops land where torchvision puts them (round half to even), Pillow's antialiased
 * bilinear weights on tiny images, grayscale / RGBA / palette / 16-bit conversion, and corrupt or
 * truncated files give an error naming the file instead of a crash. */
#include "core/image.h"
#include "test.h"

#include <jpeglib.h>
#include <png.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/halo_test_image_XXXXXX";
static const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};

static const char *tmp_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* What ToTensor + Normalize give for an 8-bit value v in channel c, computed as torch does. */
static float norm(int v, int c) { return ((float)v / 255.0f - mean[c]) / stdev[c]; }

/* Pixel generator: channel values of (y, x) for an image with `ch` channels. */
typedef void (*pixel_fn)(int y, int x, int ch, unsigned v[4]);

static void write_png(const char *path, int h, int w, int color_type, int depth, pixel_fn px)
{
    FILE *f = fopen(path, "wb");
    HALO_ASSERT(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    HALO_ASSERT(png && info && !setjmp(png_jmpbuf(png)));
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    int ch = color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_RGBA ? 4
           : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[4] = {{10, 20, 30}, {200, 100, 50}, {0, 255, 0}, {255, 255, 255}};
        png_set_PLTE(png, info, pal, 4);
    }
    png_write_info(png, info);
    int bpc = depth / 8 ? depth / 8 : 1;
    unsigned char *row = calloc((size_t)w * ch * bpc, 1);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned v[4];
            px(y, x, ch, v);
            for (int c = 0; c < ch; c++) {
                if (bpc == 2) {
                    row[(x * ch + c) * 2] = (unsigned char)(v[c] >> 8);
                    row[(x * ch + c) * 2 + 1] = (unsigned char)v[c];
                } else {
                    row[x * ch + c] = (unsigned char)v[c];
                }
            }
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
}

static void write_jpeg(const char *path, int h, int w, int ch, int quality, pixel_fn px)
{
    FILE *f = fopen(path, "wb");
    HALO_ASSERT(f);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = ch;
    c.in_color_space = ch == 4 ? JCS_CMYK : ch == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c); /* for CMYK libjpeg writes an Adobe marker, as Photoshop and Pillow do */
    jpeg_set_quality(&c, quality, TRUE);
    for (int i = 0; i < c.num_components; i++) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc((size_t)w * ch);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned v[4];
            px(y, x, ch, v);
            for (int k = 0; k < ch; k++) row[x * ch + k] = (unsigned char)v[k];
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    fclose(f);
}

static void px_const(int y, int x, int ch, unsigned v[4])
{
    (void)y;
    (void)x;
    if (ch >= 3) {
        v[0] = 200;
        v[1] = 100;
        v[2] = 50;
        v[3] = (unsigned)(x * 7 + y) & 255; /* alpha varies: it must be ignored */
    } else {
        v[0] = 77;
        v[1] = (unsigned)(x + y) & 255;
    }
}

/* A gradient whose every pixel is distinct in some channel: locates crops exactly. */
static void px_grad(int y, int x, int ch, unsigned v[4])
{
    (void)ch;
    v[0] = (unsigned)x & 255;
    v[1] = (unsigned)y & 255;
    v[2] = (unsigned)(x * 3 + y * 5) & 255;
    v[3] = 255;
}

static void px_gray16(int y, int x, int ch, unsigned v[4])
{
    (void)ch;
    v[0] = (unsigned)(((x + y) & 255) << 8 | 0xab);
}

/* 16-bit gray values below 256 too: they pass unchanged, the others clip to 255 */
static void px_gray16_low(int y, int x, int ch, unsigned v[4])
{
    (void)ch;
    v[0] = (unsigned)(x * 60 + y);
}

/* CMYK as an Adobe file stores it (inverted): C 215, M 155, Y 55, K 225 */
static void px_cmyk(int y, int x, int ch, unsigned v[4])
{
    (void)y;
    (void)x;
    (void)ch;
    v[0] = 255 - 215;
    v[1] = 255 - 155;
    v[2] = 255 - 55;
    v[3] = 255 - 225;
}

static void px_palette(int y, int x, int ch, unsigned v[4])
{
    (void)ch;
    v[0] = (unsigned)(x + y) & 3;
}

/* Number of elements of t that differ from f(c, y, x). */
static int count_bad(const struct halo_tensor *t, float (*f)(int c, int y, int x), float tol)
{
    int h = halo_rect_h(t->rect), w = halo_rect_w(t->rect), bad = 0;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float got = t->data[((size_t)c * h + y) * w + x], want = f(c, y, x);
                if (!(fabsf(got - want) <= tol)) {
                    if (bad++ < 3) fprintf(stderr, "  [%d][%d][%d]: %.9g, want %.9g\n", c, y, x, got, want);
                }
            }
    return bad;
}

static float want_rgb_const(int c, int y, int x)
{
    (void)y;
    (void)x;
    static const int v[3] = {200, 100, 50};
    return norm(v[c], c);
}

static float want_gray_const(int c, int y, int x)
{
    (void)y;
    (void)x;
    return norm(77, c);
}

/* Crop offsets of the gradient test (set before count_bad). */
static int crop_oy, crop_ox;

static float want_grad(int c, int y, int x)
{
    unsigned v[4];
    px_grad(y + crop_oy, x + crop_ox, 3, v);
    return norm((int)v[c], c);
}

static void test_constant_colours(void)
{
    struct halo_tensor t = {0};
    /* 300 rows x 400 columns: resized to 256 x 341, cropped to 224 x 224 */
    const char *p = tmp_path("rgb.png");
    write_png(p, 300, 400, PNG_COLOR_TYPE_RGB, 8, px_const);
    CHECK_OK(halo_image_load(p, 224, 224, &t));
    CHECK_EQ(t.c, 3);
    CHECK(halo_rect_eq(t.rect, (struct halo_rect){0, 224, 0, 224}));
    if (t.data) CHECK_EQ(count_bad(&t, want_rgb_const, 0.0f), 0);
    halo_tensor_free(&t);

    p = tmp_path("rgba.png");
    write_png(p, 300, 400, PNG_COLOR_TYPE_RGBA, 8, px_const);
    CHECK_OK(halo_image_load(p, 64, 96, &t));
    CHECK(halo_rect_eq(t.rect, (struct halo_rect){0, 64, 0, 96}));
    if (t.data) CHECK_EQ(count_bad(&t, want_rgb_const, 0.0f), 0);
    halo_tensor_free(&t);

    p = tmp_path("gray.png");
    write_png(p, 50, 40, PNG_COLOR_TYPE_GRAY, 8, px_const); /* upscaled */
    CHECK_OK(halo_image_load(p, 224, 224, &t));
    if (t.data) CHECK_EQ(count_bad(&t, want_gray_const, 0.0f), 0);
    halo_tensor_free(&t);

    p = tmp_path("gray_alpha.png");
    write_png(p, 260, 261, PNG_COLOR_TYPE_GRAY_ALPHA, 8, px_const);
    CHECK_OK(halo_image_load(p, 224, 224, &t));
    if (t.data) CHECK_EQ(count_bad(&t, want_gray_const, 0.0f), 0);
    halo_tensor_free(&t);

    /* JPEG is lossy: a flat colour comes back within one level */
    p = tmp_path("rgb.jpg");
    write_jpeg(p, 300, 400, 3, 95, px_const);
    CHECK_OK(halo_image_load(p, 224, 224, &t));
    if (t.data) CHECK_EQ(count_bad(&t, want_rgb_const, 1.01f / 255.0f / 0.224f), 0);
    halo_tensor_free(&t);
    p = tmp_path("gray.jpg");
    write_jpeg(p, 120, 90, 1, 95, px_const);
    CHECK_OK(halo_image_load(p, 224, 224, &t));
    if (t.data) CHECK_EQ(count_bad(&t, want_gray_const, 1.01f / 255.0f / 0.224f), 0);
    halo_tensor_free(&t);
}

static void test_crops(void)
{
    struct halo_tensor t = {0};
    /* shorter side already 256: no resize, so the crop reads the file's pixels directly. The
     * offsets are torchvision's int(round((size - crop) / 2)), with round half to even. */
    struct {
        int h, w, oy, ox;
    } cases[] = {
        {256, 256, 16, 16}, {256, 257, 16, 16} /* 16.5 -> 16 */, {256, 259, 16, 18} /* 17.5 -> 18 */,
        {300, 256, 38, 16}, {256, 300, 16, 38},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "grad_%dx%d.png", cases[i].h, cases[i].w);
        const char *p = tmp_path(name);
        write_png(p, cases[i].h, cases[i].w, PNG_COLOR_TYPE_RGB, 8, px_grad);
        CHECK_OK(halo_image_load(p, 224, 224, &t));
        crop_oy = cases[i].oy;
        crop_ox = cases[i].ox;
        if (t.data) {
            int bad = count_bad(&t, want_grad, 0.0f);
            if (bad) fprintf(stderr, "  crop of %dx%d\n", cases[i].h, cases[i].w);
            CHECK_EQ(bad, 0);
        }
        halo_tensor_free(&t);
    }
    /* --input 192x192 wants a shorter side of round(256/224*192) = 219 */
    CHECK_EQ(halo_image_resize_short(224, 224), 256);
    CHECK_EQ(halo_image_resize_short(192, 192), 219);
    CHECK_EQ(halo_image_resize_short(64, 300), 73);
    const char *p = tmp_path("grad_219.png");
    write_png(p, 219, 230, PNG_COLOR_TYPE_RGB, 8, px_grad); /* 219 x 230: no resize for 192x192 */
    CHECK_OK(halo_image_load(p, 192, 192, &t));
    crop_oy = 14; /* (219 - 192) / 2 = 13.5 -> 14 */
    crop_ox = 19; /* (230 - 192) / 2 = 19 */
    if (t.data) CHECK_EQ(count_bad(&t, want_grad, 0.0f), 0);
    halo_tensor_free(&t);
}

static void test_resize_weights(void)
{
    /* Pillow's bilinear on tiny rows, by hand. Upscaling 2 -> 4: output centres at 0.25, 0.75,
     * 1.25, 1.75 input pixels: weights (1), (3/4, 1/4), (1/4, 3/4), (1). Downscaling 4 -> 2 is
     * antialiased: the triangle is 2 pixels wide, taps at distances 0.5/2, 0.5/2, 1.5/2 from the
     * centre: weights 3/7, 3/7, 1/7 (plain bilinear would average just the two middle pixels). */
    struct halo_image_rgb8 in = {1, 2, (unsigned char[]){0, 0, 0, 100, 100, 100}}, out;
    CHECK_OK(halo_image_resize(&in, 1, 4, &out));
    unsigned char want_up[4] = {0, 25, 75, 100}; /* 25.0 and 75.0 exactly */
    for (int x = 0; x < 4 && out.data; x++) CHECK_EQ(out.data[x * 3], want_up[x]);
    halo_image_rgb8_free(&out);

    unsigned char row[12] = {0, 0, 0, 70, 70, 70, 140, 140, 140, 210, 210, 210};
    struct halo_image_rgb8 in4 = {1, 4, row};
    CHECK_OK(halo_image_resize(&in4, 1, 2, &out));
    /* (3*0 + 3*70 + 140) / 7 = 50, (70 + 3*140 + 3*210) / 7 = 160 */
    if (out.data) {
        CHECK_EQ(out.data[0], 50);
        CHECK_EQ(out.data[3], 160);
    }
    halo_image_rgb8_free(&out);
    /* the same along y */
    struct halo_image_rgb8 col = {4, 1, row};
    CHECK_OK(halo_image_resize(&col, 2, 1, &out));
    if (out.data) {
        CHECK_EQ(out.data[0], 50);
        CHECK_EQ(out.data[3], 160);
    }
    halo_image_rgb8_free(&out);
}

static void test_conversions(void)
{
    struct halo_image_rgb8 img;
    /* 16-bit grayscale as Pillow reads it (mode I;16) and converts it to RGB: each value clipped
     * to 255 (not its high byte, which 16-bit RGB and gray+alpha PNGs give) */
    const char *p = tmp_path("gray16.png");
    write_png(p, 3, 5, PNG_COLOR_TYPE_GRAY, 16, px_gray16);
    CHECK_OK(halo_image_decode(p, &img));
    CHECK_EQ(img.h, 3);
    CHECK_EQ(img.w, 5);
    int bad = 0;
    for (int y = 0; y < 3 && img.data; y++)
        for (int x = 0; x < 5; x++)
            for (int c = 0; c < 3; c++) bad += img.data[(y * 5 + x) * 3 + c] != (x + y == 0 ? 0xab : 255);
    CHECK_EQ(bad, 0);
    halo_image_rgb8_free(&img);
    p = tmp_path("gray16_low.png");
    write_png(p, 2, 6, PNG_COLOR_TYPE_GRAY, 16, px_gray16_low);
    CHECK_OK(halo_image_decode(p, &img));
    bad = 0;
    for (int y = 0; y < 2 && img.data; y++)
        for (int x = 0; x < 6; x++)
            for (int c = 0; c < 3; c++) bad += img.data[(y * 6 + x) * 3 + c] != (x * 60 + y > 255 ? 255 : x * 60 + y);
    CHECK_EQ(bad, 0);
    halo_image_rgb8_free(&img);

    /* a CMYK JPEG converts as Pillow converts it (it called the file corrupt): the samples are
     * inverted (Adobe), then (255 - K) - C (255 - K) / 255 with Pillow's rounding; Pillow 13 gives
     * (5, 12, 24) for this colour. A flat colour at quality 100 decodes to its exact samples. */
    p = tmp_path("cmyk.jpg");
    write_jpeg(p, 16, 16, 4, 100, px_cmyk);
    CHECK_OK(halo_image_decode(p, &img));
    if (img.data) CHECK(img.data[0] == 5 && img.data[1] == 12 && img.data[2] == 24);
    if (img.data) CHECK(memcmp(img.data, img.data + 3 * (16 * 16 - 1), 3) == 0);
    halo_image_rgb8_free(&img);

    p = tmp_path("palette.png");
    write_png(p, 4, 6, PNG_COLOR_TYPE_PALETTE, 8, px_palette);
    CHECK_OK(halo_image_decode(p, &img));
    const unsigned char pal[4][3] = {{10, 20, 30}, {200, 100, 50}, {0, 255, 0}, {255, 255, 255}};
    bad = 0;
    for (int y = 0; y < 4 && img.data; y++)
        for (int x = 0; x < 6; x++) bad += memcmp(&img.data[(y * 6 + x) * 3], pal[(x + y) & 3], 3) != 0;
    CHECK_EQ(bad, 0);
    halo_image_rgb8_free(&img);

    p = tmp_path("rgba_small.png");
    write_png(p, 2, 2, PNG_COLOR_TYPE_RGBA, 8, px_grad);
    CHECK_OK(halo_image_decode(p, &img));
    if (img.data) CHECK(img.data[3 * 3 + 0] == 1 && img.data[3 * 3 + 1] == 1 && img.data[3 * 3 + 2] == 8);
    halo_image_rgb8_free(&img);
}

static void test_random(void)
{
    struct halo_tensor a = {0}, b = {0}, c = {0};
    CHECK_OK(halo_image_random(3, 64, 48, &a));
    CHECK_OK(halo_image_random(3, 64, 48, &b));
    CHECK_OK(halo_image_random(4, 64, 48, &c));
    CHECK(halo_rect_eq(a.rect, (struct halo_rect){0, 64, 0, 48}));
    size_t n = halo_tensor_numel(&a);
    CHECK_EQ(n, 3 * 64 * 48);
    CHECK(memcmp(a.data, b.data, n * 4) == 0);
    CHECK(memcmp(a.data, c.data, n * 4) != 0);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        s += a.data[i];
        s2 += (double)a.data[i] * a.data[i];
    }
    CHECK_NEAR(s / n, 0.0, 0.05);
    CHECK_NEAR(s2 / n, 1.0, 0.05);
    halo_tensor_free(&a);
    halo_tensor_free(&b);
    halo_tensor_free(&c);
}

/* CRC-32 as PNG chunks use it. */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

#define CHECK_IMAGE_ERR(path, want, what)                                                         \
    do {                                                                                          \
        struct halo_tensor t_ = {0};                                                              \
        const char *p_ = (path);                                                                  \
        CHECK_ERR(halo_image_load(p_, 224, 224, &t_), (want), (what));                            \
        CHECK(strstr(halo_error_msg(), p_) != NULL);                                              \
        CHECK(t_.data == NULL);                                                                   \
        halo_tensor_free(&t_);                                                                    \
    } while (0)

static void test_bad_files(void)
{
    CHECK_IMAGE_ERR(tmp_path("none.png"), HALO_ERR_IO, "cannot open");
    CHECK_IMAGE_ERR(tmpdir, HALO_ERR_IO, "is a directory");
    const char *fifo = tmp_path("fifo.png"); /* nobody writes it: refused at once, not waited on */
    if (mkfifo(fifo, 0600) == 0) {
        CHECK_IMAGE_ERR(fifo, HALO_ERR_IO, "not a regular file");
        unlink(fifo);
    }
    const char *p = tmp_path("empty.png");
    fclose(fopen(p, "wb"));
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "empty file");
    p = tmp_path("text.png");
    FILE *f = fopen(p, "wb");
    fputs("this is not an image\n", f);
    fclose(f);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "not a PNG or JPEG file");

    /* truncated PNG and JPEG (images of noise-like gradients so the data is long) */
    p = tmp_path("trunc.png");
    write_png(p, 64, 64, PNG_COLOR_TYPE_RGB, 8, px_grad);
    CHECK(truncate(p, file_size(p) / 2) == 0);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "corrupt or truncated PNG");
    p = tmp_path("trunc.jpg");
    write_jpeg(p, 64, 64, 3, 90, px_grad);
    CHECK(truncate(p, file_size(p) / 2) == 0);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "corrupt JPEG (file truncated): premature end of data");
    p = tmp_path("header_only.jpg");
    write_jpeg(p, 64, 64, 3, 90, px_grad);
    CHECK(truncate(p, 40) == 0);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "corrupt JPEG");

    /* magic bytes followed by garbage */
    p = tmp_path("garbage.png");
    f = fopen(p, "wb");
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    for (int i = 0; i < 200; i++) fputc((i * 37) & 255, f);
    fclose(f);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "corrupt or truncated PNG");
    p = tmp_path("garbage.jpg");
    f = fopen(p, "wb");
    fwrite("\xff\xd8\xff", 1, 3, f);
    for (int i = 0; i < 200; i++) fputc((i * 37) & 255, f);
    fclose(f);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "corrupt JPEG");

    /* a PNG whose IHDR says width 0 (with a correct CRC, so only the size is wrong) */
    p = tmp_path("zero.png");
    write_png(p, 2, 2, PNG_COLOR_TYPE_RGB, 8, px_grad);
    long n = file_size(p);
    unsigned char *b = malloc((size_t)n);
    f = fopen(p, "rb");
    CHECK_EQ(fread(b, 1, (size_t)n, f), n);
    fclose(f);
    CHECK(!memcmp(b + 12, "IHDR", 4));
    memset(b + 16, 0, 4); /* width */
    uint32_t crc = crc32_png(b + 12, 17);
    b[29] = (unsigned char)(crc >> 24);
    b[30] = (unsigned char)(crc >> 16);
    b[31] = (unsigned char)(crc >> 8);
    b[32] = (unsigned char)crc;
    f = fopen(p, "wb");
    fwrite(b, 1, (size_t)n, f);
    fclose(f);
    free(b);
    CHECK_IMAGE_ERR(p, HALO_ERR_PARSE, "width is zero");
}

/* The camera's frame and its normalisation, apart: the frame is the uint8 pixels of the resize and
 * crop; normalising the whole frame is exactly halo_image_transform (bit for bit), and normalising
 * any piece of it gives exactly that piece of the whole — so a source may send the uint8 frame in
 * pieces and the ESs normalise what they receive. */
static void test_frame_split(void)
{
    const char *p = tmp_path("grad_frame.png");
    write_png(p, 181, 257, PNG_COLOR_TYPE_RGB, 8, px_grad);
    struct halo_image_rgb8 img = {0}, frame = {0};
    struct halo_tensor whole = {0}, viaf = {0};
    CHECK_OK(halo_image_decode(p, &img));
    CHECK_OK(halo_image_transform(&img, 96, 112, &whole));
    CHECK_OK(halo_image_frame(&img, 96, 112, &frame));
    CHECK_EQ(frame.h, 96);
    CHECK_EQ(frame.w, 112);
    CHECK_OK(halo_image_frame_tensor(&frame, &viaf));
    if (whole.data && viaf.data) CHECK(memcmp(whole.data, viaf.data, halo_tensor_numel(&whole) * 4) == 0);
    /* today's arithmetic, written out: (v / 255 - mean) / std in float32 */
    int bad = 0;
    for (int c = 0; c < 3 && frame.data && whole.data; c++)
        for (int y = 0; y < 96; y++)
            for (int x = 0; x < 112; x++)
                bad += whole.data[((size_t)c * 96 + y) * 112 + x] != norm(frame.data[((size_t)y * 112 + x) * 3 + c], c);
    CHECK_EQ(bad, 0);
    /* a piece of the frame, normalised where it arrives, equals that piece of the whole */
    struct halo_rect pieces[] = {{0, 96, 0, 112}, {0, 1, 0, 112}, {17, 60, 5, 99}, {95, 96, 111, 112}};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0] && frame.data && whole.data; i++) {
        struct halo_rect r = pieces[i];
        int h = halo_rect_h(r), w = halo_rect_w(r);
        unsigned char *px = malloc((size_t)h * w * 3);
        for (int y = 0; y < h; y++) memcpy(px + (size_t)y * w * 3, frame.data + ((size_t)(r.y0 + y) * 112 + r.x0) * 3, (size_t)w * 3);
        struct halo_tensor t = {0};
        CHECK_OK(halo_tensor_alloc(&t, 3, r));
        halo_image_normalize(px, &t);
        int diff = 0;
        for (int c = 0; c < 3; c++)
            for (int y = r.y0; y < r.y1; y++)
                for (int x = r.x0; x < r.x1; x++)
                    diff += t.data[((size_t)c * h + y - r.y0) * w + x - r.x0] != whole.data[((size_t)c * 96 + y) * 112 + x];
        CHECK_EQ(diff, 0);
        halo_tensor_free(&t);
        free(px);
    }
    /* random frames: seeded, uniform bytes */
    struct halo_image_rgb8 a = {0}, b = {0}, c = {0};
    CHECK_OK(halo_image_random_frame(5, 20, 30, &a));
    CHECK_OK(halo_image_random_frame(5, 20, 30, &b));
    CHECK_OK(halo_image_random_frame(6, 20, 30, &c));
    if (a.data && b.data && c.data) {
        CHECK(memcmp(a.data, b.data, 20 * 30 * 3) == 0);
        CHECK(memcmp(a.data, c.data, 20 * 30 * 3) != 0);
        double s = 0;
        for (int i = 0; i < 20 * 30 * 3; i++) s += a.data[i];
        CHECK_NEAR(s / (20 * 30 * 3), 127.5, 10);
    }
    halo_image_rgb8_free(&a);
    halo_image_rgb8_free(&b);
    halo_image_rgb8_free(&c);
    halo_image_rgb8_free(&img);
    halo_image_rgb8_free(&frame);
    halo_tensor_free(&whole);
    halo_tensor_free(&viaf);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_constant_colours);
    RUN(test_crops);
    RUN(test_resize_weights);
    RUN(test_conversions);
    RUN(test_random);
    RUN(test_frame_split);
    RUN(test_bad_files);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return halo_test_done("test_image");
}
