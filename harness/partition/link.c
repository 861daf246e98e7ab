/* link: the table of link models — the one place that knows which ones exist. A new model is its
 * own file (a `const struct halo_link_model`) and one line here. */
#include "partition/link.h"

#include <string.h>

static const struct halo_link_model *const models[] = {
    &halo_link_fifo,
    &halo_link_fair,
    &halo_link_tcp,
};

#define N_MODELS ((int)(sizeof models / sizeof models[0]))

const struct halo_link_model *halo_link_model_at(int i) { return i >= 0 && i < N_MODELS ? models[i] : NULL; }

const struct halo_link_model *halo_link_model_default(void) { return models[0]; }

const char *halo_link_model_names(void)
{
    static char names[128];
    if (!names[0])
        for (int i = 0; i < N_MODELS; i++) {
            if (i) strncat(names, "|", sizeof names - strlen(names) - 1);
            strncat(names, models[i]->name, sizeof names - strlen(names) - 1);
        }
    return names;
}

const struct halo_link_model *halo_link_model_find(const char *name)
{
    for (int i = 0; name && i < N_MODELS; i++)
        if (!strcmp(models[i]->name, name)) return models[i];
    return NULL;
}
