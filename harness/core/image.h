/* image: the network input. PNG (libpng) and JPEG (libjpeg-turbo) files decoded to RGB and put
 * through torchvision's standard evaluation transform, or a seeded N(0,1) image.
 *
 * The transform is torchvision's `Resize(S)`, `CenterCrop(h, w)`, `ToTensor()`,
 * `Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))` on a PIL RGB image, with
 * S = round(256/224 * min(h, w)) (S = 256 for the standard 224x224 crop).
 * Resize sets the shorter side to S and the longer to floor(S * long / short), as torchvision
 * does. torchvision's default on PIL images is *antialiased* bilinear: Pillow's resampler, whose
 * triangle filter widens with the downscaling factor. halo reimplements that resampler as Pillow
 * (up to 12.x) computes it: separable, horizontal pass first, 22-bit fixed-point weights, 8-bit
 * rounding after each pass. Measured against torchvision 0.29 + Pillow 13.0 on PNG and JPEG
 * files (libjpeg-turbo in both): bit-identical tensors, except that Pillow 13 runs the vertical
 * pass first for some shapes (e.g. 800x257 -> 796x256), which moves some pixels by one level
 * (0.0175 after normalisation); against Pillow's horizontal-then-vertical order it is exact.
 * CenterCrop puts the crop's top-left corner at round((size - crop) / 2) with Python's
 * round-half-to-even, and pads with black (pixel value 0) where the crop is larger than the
 * resized image, as torchvision does. Grayscale, palette and 16-bit images are converted to 8-bit
 * RGB, and alpha is dropped (PIL's convert("RGB")). */
#ifndef HALO_IMAGE_H
#define HALO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"

/* A decoded image: h rows of w RGB pixels, 8 bits per channel, interleaved. */
struct halo_image_rgb8 {
    int h, w;
    unsigned char *data; /* h * w * 3 bytes */
};

/* Decodes a PNG or JPEG file (chosen by its first bytes, not its name) to RGB. Errors name the
 * file: unreadable (HALO_ERR_IO), not PNG/JPEG, corrupt or truncated data, zero size
 * (HALO_ERR_PARSE), more than 2 * 89478485 pixels (HALO_ERR_INVALID: Pillow's decompression-bomb
 * limit, so nothing torchvision reads is refused). Never aborts: libpng and libjpeg errors are caught. */
enum halo_status halo_image_decode(const char *path, struct halo_image_rgb8 *img);
/* The same from the file's bytes in memory; `name` stands for the file in messages. */
enum halo_status halo_image_decode_mem(const char *name, const void *bytes, size_t len, struct halo_image_rgb8 *img);
void halo_image_rgb8_free(struct halo_image_rgb8 *img);

/* The shorter side the image is resized to before a centre crop of h x w: round(256/224 * min). */
int halo_image_resize_short(int h, int w);

/* Resizes img to width rw and height rh with Pillow's antialiased bilinear filter; out is
 * allocated (free with halo_image_rgb8_free). */
enum halo_status halo_image_resize(const struct halo_image_rgb8 *img, int rh, int rw, struct halo_image_rgb8 *out);

/* The transform's geometric half: Resize then CenterCrop of img to an h x w network input. out
 * becomes the h x w RGB frame as a camera feeding the network has it, 3 bytes a pixel (what the
 * source sends; allocated, free with halo_image_rgb8_free). */
enum halo_status halo_image_frame(const struct halo_image_rgb8 *img, int h, int w, struct halo_image_rgb8 *out);

/* The transform's arithmetic half: ToTensor then Normalize, in float32 as torch computes them.
 * rgb holds the pixels of out->rect (its rows one after another, 3 bytes a pixel, interleaved);
 * out (3 channels, already allocated) receives them as CHW floats. Each value depends only on its
 * pixel, so normalising a piece of a frame gives exactly that piece of the normalised frame. */
void halo_image_normalize(const unsigned char *rgb, struct halo_tensor *out);

/* The evaluation transform of img for an h x w network input: out becomes 3 x h x w float32
 * (full rect), normalised with the ImageNet mean and std (halo_image_frame, then
 * halo_image_normalize). */
enum halo_status halo_image_transform(const struct halo_image_rgb8 *img, int h, int w, struct halo_tensor *out);

/* halo_image_decode then halo_image_transform. */
enum halo_status halo_image_load(const char *path, int h, int w, struct halo_tensor *out);
/* halo_image_decode then halo_image_frame: the file as an h x w uint8 frame. */
enum halo_status halo_image_load_frame(const char *path, int h, int w, struct halo_image_rgb8 *out);
/* The frame as a 3 x h x w float32 tensor (full rect): halo_image_normalize of all of it. */
enum halo_status halo_image_frame_tensor(const struct halo_image_rgb8 *frame, struct halo_tensor *out);

/* The PNG and JPEG files of a folder (by their names' extensions: .png, .jpg, .jpeg in any case),
 * as paths "dir/name" sorted by name (bytewise); *paths is allocated (free each and the array).
 * A folder that cannot be read is HALO_ERR_IO, one without such a file HALO_ERR_INVALID. */
enum halo_status halo_image_list(const char *dir, char ***paths, int *n);

/* A 3 x h x w image of independent N(0,1) values from halo's seeded RNG (CHW order). */
enum halo_status halo_image_random(uint64_t seed, int h, int w, struct halo_tensor *out);
/* An h x w frame of independent uniform 8-bit values from halo's seeded RNG (a camera's random
 * frame: what `halo run` sends when no image is given). */
enum halo_status halo_image_random_frame(uint64_t seed, int h, int w, struct halo_image_rgb8 *out);

#endif
