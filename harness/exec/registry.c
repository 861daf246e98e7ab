/* registry: the one table of the backends compiled into this build. It is built as its own
 * library above exec/ and cuda/ (ggml's split of backend interface, backends and registry), so
 * that the generic backend code below never calls into a particular backend. */
#include "exec/backend.h"
#include "halo_config.h"

#include <string.h>

struct backend_entry {
    const char *name;
    enum halo_status (*create)(const struct halo_backend_opts *opts, struct halo_backend **out);
};

static const struct backend_entry backends[] = {
    {"ref", halo_backend_ref_new},
#if HALO_HAVE_DNNL
    {"cpu", halo_backend_cpu_new},
#endif
#if HALO_CUDA_BACKEND
    {"cuda", halo_backend_cuda_new},
#endif
};

#define N_BACKENDS (sizeof backends / sizeof backends[0])

static const struct backend_entry *find(const char *name)
{
    for (size_t i = 0; name && i < N_BACKENDS; i++)
        if (!strcmp(backends[i].name, name)) return &backends[i];
    return NULL;
}

const char *halo_backend_available(void)
{
    static char list[64];
    if (!list[0])
        for (size_t i = 0; i < N_BACKENDS; i++) {
            if (i) strcat(list, ",");
            strcat(list, backends[i].name);
        }
    return list;
}

bool halo_backend_compiled(const char *name) { return find(name) != NULL; }

enum halo_status halo_backend_new(const char *name, const struct halo_backend_opts *opts, struct halo_backend **out)
{
    static const struct halo_backend_opts defaults = {0, 0};
    const struct backend_entry *e = find(name);
    *out = NULL;
    if (!e)
        return halo_error(HALO_ERR_INVALID, "unknown backend '%s' (this build has: %s)", name ? name : "",
                          halo_backend_available());
    return e->create(opts ? opts : &defaults, out);
}
