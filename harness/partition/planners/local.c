/* local: the whole model on the best single device — the papers' "pre-trained model on one
 * device", the reference every speedup is measured against. [reconstructed] "best" is the lowest
 * standalone latency: the image sent there, the whole model, the logits back. */
#include "core/alloc.h"
#include "partition/planner.h"

#include <stdlib.h>

enum halo_status halo_plan_local(const struct halo_planner_ctx *ctx, struct halo_plan **out)
{
    HALO_TRY(halo_planner_single(ctx, ctx->local_device, "local", out));
    free((*out)->notes);
    (*out)->notes = halo_strdup("local: the whole model on the best single device (lowest standalone latency)");
    return HALO_OK;
}
