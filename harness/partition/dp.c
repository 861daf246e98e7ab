#include "partition/dp.h"
#include "core/alloc.h"
#include "core/status.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Is cost t with nb blocks better than cost best with best_nb blocks? Ties (within rounding) go to
 * fewer blocks: fewer synchronisations for the same predicted cost. */
static bool better(double t, double best, int nb, int best_nb)
{
    if (!isfinite(t)) return false;
    if (!isfinite(best)) return true;
    double eps = 1e-12 * fabs(best);
    return t < best - eps || (t <= best + eps && nb < best_nb);
}

double halo_dp_blocks(int n, halo_dp_cost_fn cost, void *arg, int *cuts, int *n_cuts)
{
    HALO_ASSERT(n >= 1);
    double *T = malloc((size_t)(n + 1) * sizeof *T);
    int *from = malloc((size_t)(n + 1) * sizeof *from), *blocks = malloc((size_t)(n + 1) * sizeof *blocks);
    HALO_ASSERT(T && from && blocks);
    T[0] = 0;
    blocks[0] = 0;
    for (int j = 1; j <= n; j++) {
        T[j] = INFINITY;
        from[j] = -1;
        blocks[j] = 0;
        for (int i = 0; i < j; i++) {
            double t = T[i] + cost(arg, i, j);
            if (better(t, T[j], blocks[i] + 1, blocks[j])) {
                T[j] = t;
                from[j] = i;
                blocks[j] = blocks[i] + 1;
            }
        }
    }
    int k = blocks[n];
    *n_cuts = k + 1;
    for (int j = n, m = k; m >= 0; m--) {
        cuts[m] = j;
        j = m > 0 ? from[j] : 0;
    }
    double best = T[n];
    free(T);
    free(from);
    free(blocks);
    return best;
}

double halo_dp_brute_force(int n, halo_dp_cost_fn cost, void *arg, int *cuts, int *n_cuts)
{
    HALO_ASSERT(n >= 1 && n <= 24);
    double best = INFINITY;
    int best_blocks = n + 1;
    unsigned long best_mask = 0;
    for (unsigned long mask = 0; mask < (1ul << (n - 1)); mask++) {
        /* bit b set: a cut after stage b (between b and b+1) */
        double t = 0;
        int start = 0, nb = 0;
        for (int b = 0; b < n; b++)
            if (b == n - 1 || (mask >> b & 1ul)) {
                t += cost(arg, start, b + 1);
                start = b + 1;
                nb++;
            }
        if (better(t, best, nb, best_blocks)) {
            best = t;
            best_blocks = nb;
            best_mask = mask;
        }
    }
    int k = 0;
    cuts[k++] = 0;
    for (int b = 0; b < n - 1; b++)
        if (best_mask >> b & 1ul) cuts[k++] = b + 1;
    cuts[k++] = n;
    *n_cuts = k;
    return best;
}
