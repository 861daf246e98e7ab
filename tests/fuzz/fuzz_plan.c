/* fuzz_plan: plan JSON (halo-plan/1) as `halo run` reads it: halo_plan_from_json, then
 * halo_plan_validate against the zoo graph the plan names, and for a valid plan what the runtime
 * and `halo sim` derive from it (sources, the predicted timeline, per-device times, the hash). */
#include "fuzz.h"

#include "core/json.h"
#include "model/zoo.h"
#include "partition/plan.h"

/* The last graph built (plans mostly name the same model and size: build it once). */
static struct halo_graph *g;
static char g_model[64];
static int g_h, g_w;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    halo_log_set_level(HALO_LOG_ERROR);
    return 0;
}

static const struct halo_graph *graph_for(const struct halo_plan *p)
{
    if (g && !strcmp(g_model, p->model) && g_h == p->h && g_w == p->w) return g;
    if (strlen(p->model) >= sizeof g_model) return NULL;
    struct halo_graph *ng = NULL;
    enum halo_status st = halo_zoo_build_for(p->model, p->h, p->w, &ng);
    fuzz_expect_message(st);
    if (st != HALO_OK) return NULL;
    halo_graph_free(g);
    g = ng;
    snprintf(g_model, sizeof g_model, "%s", p->model);
    g_h = p->h;
    g_w = p->w;
    return g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *j = NULL;
    enum halo_status st = halo_json_parse("fuzz/plan.json", (const char *)data, size, &j);
    fuzz_expect_message(st);
    if (st != HALO_OK) return 0;
    struct halo_plan *p = NULL;
    st = halo_plan_from_json("fuzz/plan.json", j, &p);
    fuzz_expect_message(st);
    cJSON_Delete(j);
    if (st != HALO_OK) return 0;
    volatile uint64_t h = halo_plan_hash(p);
    const struct halo_graph *gr = graph_for(p);
    if (gr) {
        st = halo_plan_validate(p, gr, "fuzz/plan.json");
        fuzz_expect_message(st);
        if (st == HALO_OK) {
            st = halo_plan_derive(p, gr);
            fuzz_expect_message(st);
            double total = 0;
            if (st == HALO_OK) fuzz_expect_message(halo_plan_timeline(p, NULL, NULL, true, &total));
            for (int k = 0; st == HALO_OK && k < p->n_dev; k++) {
                double c, r, s, i;
                halo_plan_device_times(p, k, &c, &r, &s, &i);
            }
            h ^= halo_plan_hash(p);
        }
    }
    (void)h;
    halo_plan_free(p);
    return 0;
}
