/* test_cuda_nodevice: on a machine without a GPU the cuda backend must fail at once with
 * HALO_ERR_NODEVICE and a message saying so (the CLI turns it into exit 2). SKIP where the cuda
 * backend is not compiled in, or where a GPU is present (test_backend_cuda covers that case). */
#include "exec/backend.h"
#include "halo_config.h"
#include "test.h"

int main(void)
{
#if !HALO_CUDA_BACKEND
    CHECK(strstr(halo_backend_available(), "cuda") == NULL);
    struct halo_backend *none = NULL;
    CHECK_ERR(halo_backend_new("cuda", NULL, &none), HALO_ERR_INVALID, "unknown backend 'cuda'");
    if (halo_test_failures) return halo_test_done("test_cuda_nodevice");
    fprintf(stderr, "test_cuda_nodevice: SKIP: the cuda backend is not compiled in\n");
    return HALO_TEST_SKIP;
#else
    CHECK(strstr(halo_backend_available(), "cuda") != NULL);
    struct halo_backend *be = (struct halo_backend *)&be; /* must be reset to NULL on failure */
    halo_error_clear();
    enum halo_status st = halo_backend_new("cuda", NULL, &be);
    if (st == HALO_OK) {
        fprintf(stderr, "test_cuda_nodevice: SKIP: a GPU is present (%s)\n", halo_backend_version(be));
        halo_backend_free(be);
        return HALO_TEST_SKIP;
    }
    CHECK_EQ(st, HALO_ERR_NODEVICE);
    CHECK(be == NULL);
    CHECK(strstr(halo_error_msg(), "cuda backend: no") != NULL);
    CHECK(strstr(halo_error_msg(), "CUDA device") != NULL);
    CHECK(strchr(halo_error_msg(), '\n') == NULL); /* one line for the CLI */
    /* A second attempt fails the same way (no state left behind), also for another device index. */
    struct halo_backend_opts opts = {.threads = 0, .device = 1};
    CHECK_ERR(halo_backend_new("cuda", &opts, &be), HALO_ERR_NODEVICE, "no CUDA device");
    CHECK(be == NULL);
    CHECK_ERR(halo_backend_new("cuda", NULL, &be), HALO_ERR_NODEVICE, "no CUDA device");
    fprintf(stderr, "test_cuda_nodevice: message: %s\n", halo_error_msg());
    return halo_test_done("test_cuda_nodevice");
#endif
}
