/* TEMPORARY placeholder until the oneDNN backend lands (same session). */
#include "exec/backend.h"
enum halo_status halo_backend_cpu_new(const struct halo_backend_opts *opts, struct halo_backend **out)
{
    (void)opts;
    *out = NULL;
    return halo_error(HALO_ERR_UNSUPPORTED, "cpu backend not yet implemented");
}
