/* plan_internal: what the files of the plan module (plan.c, plan_sources.c, plan_validate.c,
 * plan_json.c) share and nothing else calls. */
#ifndef HALO_PLAN_INTERNAL_H
#define HALO_PLAN_INTERNAL_H

#include "partition/plan.h"

/* Allocates the device table and the n x n link matrices (zeroed) of a new or loaded plan. */
enum halo_status halo_plan_alloc_devices(struct halo_plan *p, int n);

/* Derives every input's sources (unless `keep`: then the sources the plan names stay), then the
 * schedule: every message, its size and when its sender holds it. */
enum halo_status halo_plan_sources(struct halo_plan *p, const struct halo_graph *g, bool keep);

/* Checks the sources src[0..n_src) of the input rect `in` of a part of block b (b == n_blocks:
 * the tail) on `device`: each inside `in`, none overlapping, each held by its device then, all
 * of `in` covered. `name` and `where` go in messages. */
enum halo_status halo_plan_check_sources(const struct halo_plan *p, const struct halo_graph *g, int b, int device,
                                         struct halo_rect in, const struct halo_plan_src *src, int n_src,
                                         const char *name, const char *where);

#endif
