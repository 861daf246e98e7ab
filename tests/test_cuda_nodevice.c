/* test_cuda_nodevice: on a machine without a GPU the cuda backend must fail at once with
 * HALO_ERR_NODEVICE and a message saying so (the CLI turns it into exit 2). SKIP where the cuda
 * backend is not compiled in, or where a GPU is present (test_backend_cuda covers that case). */
#include "exec/backend.h"
#include "halo_config.h"
#include "test.h"

#if !HALO_CUDA_BACKEND
static void test_not_compiled(void)
{
    CHECK(strstr(halo_backend_available(), "cuda") == NULL);
    struct halo_backend *none = NULL;
    CHECK_ERR(halo_backend_new("cuda", NULL, &none), HALO_ERR_INVALID, "unknown backend 'cuda'");
    SKIP_CASE("the cuda backend is not compiled in");
}
#else
static void test_nodevice(void)
{
    CHECK(strstr(halo_backend_available(), "cuda") != NULL);
    struct halo_backend *be = (struct halo_backend *)&be; /* must be reset to NULL on failure */
    halo_error_clear();
    enum halo_status st = halo_backend_new("cuda", NULL, &be);
    if (st == HALO_OK) {
        const char *version = halo_backend_version(be);
        halo_test_case_skip("a GPU is present (%s)", version);
        halo_backend_free(be);
        return;
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
}
#endif

int main(void)
{
#if !HALO_CUDA_BACKEND
    RUN(test_not_compiled);
#else
    RUN(test_nodevice);
#endif
    return halo_test_done("test_cuda_nodevice");
}
