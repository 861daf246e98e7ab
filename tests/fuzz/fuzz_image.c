/* fuzz_image: the PNG and JPEG decoder of `halo infer --image` (and `halo run`): libpng and
 * libjpeg errors caught, sizes bounded, then torchvision's evaluation transform (antialiased resize,
 * centre crop, normalisation) of what decoded to a small network input. */
#include "fuzz.h"

#include "core/image.h"
#include "core/tensor.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct halo_image_rgb8 img;
    enum halo_status st = halo_image_decode_mem("fuzz.img", data, size, &img);
    fuzz_expect_message(st);
    if (st != HALO_OK) return 0;
    if (img.h < 1 || img.w < 1 || !img.data) abort();
    /* the transform's cost grows with the resized image: keep the fuzzer fast on big claims */
    if ((int64_t)img.h * img.w <= 1 << 16) {
        static const int sizes[][2] = {{7, 5}, {16, 16}};
        for (int k = 0; k < 2; k++) {
            struct halo_tensor t;
            st = halo_image_transform(&img, sizes[k][0], sizes[k][1], &t);
            fuzz_expect_message(st);
            if (st == HALO_OK) {
                for (size_t i = 0; i < halo_tensor_numel(&t); i++)
                    if (!isfinite(t.data[i])) abort();
                halo_tensor_free(&t);
            }
        }
    }
    halo_image_rgb8_free(&img);
    return 0;
}
