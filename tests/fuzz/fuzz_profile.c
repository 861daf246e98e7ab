/* fuzz_profile: profile JSON (halo-profile/1) as `halo fit`, `halo predict` and cluster files read
 * it: halo_profile_from_json, then what the tools do with a loaded profile: price a graph (measured
 * layers where the profile matches it, the fit elsewhere), refit, price again, predict. */
#include "fuzz.h"

#include "core/json.h"
#include "model/zoo.h"
#include "profile/profile.h"

static struct halo_graph *g18; /* resnet18 at 64x64: the model of the seed profiles */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    if (halo_zoo_build_for("resnet18", 64, 64, &g18) != HALO_OK) abort();
    return 0;
}

static void price(const struct halo_profile *p)
{
    struct halo_pricer *pr = NULL;
    enum halo_status st = halo_pricer_new(p, g18, &pr);
    fuzz_expect_message(st);
    if (st != HALO_OK) return;
    volatile double t = halo_pricer_range_ms(pr, 0, g18->n_nodes);
    for (int i = 0; i < g18->n_nodes; i++) {
        int64_t full = (int64_t)g18->nodes[i].out_shape.h * g18->nodes[i].out_shape.w;
        t += halo_pricer_node_ms(pr, i, full / 3 + 1);
    }
    (void)halo_pricer_measured(pr);
    (void)t;
    halo_pricer_free(pr);
    double ms = 0;
    fuzz_expect_message(halo_profile_predict_ms(p, g18, &ms));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = NULL;
    enum halo_status st = halo_json_parse("fuzz/profile.json", (const char *)data, size, &j);
    fuzz_expect_message(st);
    if (st != HALO_OK) return 0;
    struct halo_profile *p = NULL;
    st = halo_profile_from_json("fuzz/profile.json", j, &p);
    fuzz_expect_message(st);
    cJSON_Delete(j);
    if (st != HALO_OK) return 0;
    price(p);
    (void)halo_profile_find(p, "resnet18", 64, 64);
    if (p->n_models) {
        fuzz_expect_message(halo_profile_fit_except(p, p->models[0].model));
        fuzz_expect_message(halo_profile_fit(p));
        price(p);
    }
    halo_profile_free(p);
    return 0;
}
