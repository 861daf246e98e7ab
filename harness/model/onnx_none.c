/* onnx_none: the ONNX importer's entry points in a build without protobuf-c or onnx.proto: every
 * import fails with a message that says what to install. */
#include "model/onnx.h"

#include <string.h>

bool halo_onnx_available(void) { return false; }

bool halo_onnx_is_path(const char *model)
{
    size_t n = model ? strlen(model) : 0;
    return n > 5 && !strcmp(model + n - 5, ".onnx");
}

static enum halo_status missing(const char *name)
{
    return halo_error(HALO_ERR_UNSUPPORTED,
                      "%s: this halo was built without ONNX support (install libprotobuf-c-dev, protobuf-c-compiler "
                      "and libonnx-dev, then rebuild)",
                      name);
}

enum halo_status halo_onnx_import(const char *path, struct halo_graph **g, struct halo_weights **w)
{
    *g = NULL;
    if (w) *w = NULL;
    return missing(path);
}

enum halo_status halo_onnx_import_mem(const char *name, const void *data, size_t size, struct halo_graph **g,
                                      struct halo_weights **w)
{
    (void)data;
    (void)size;
    *g = NULL;
    if (w) *w = NULL;
    return missing(name);
}
