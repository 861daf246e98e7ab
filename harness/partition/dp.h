/* dp: the dynamic programme over fused-block boundaries of a chain of n stages. T[0] = 0,
 * T[j] = min over i < j of T[i] + C(i, j) with C the cost of one block of stages [i, j); the
 * answer is T[n] and the cuts that reach it. Pure; tested against brute force. */
#ifndef HALO_DP_H
#define HALO_DP_H

/* Cost of one block of stages [i, j); return INFINITY for a block that cannot be used. */
typedef double (*halo_dp_cost_fn)(void *arg, int i, int j);

/* Fills cuts[0..*n_cuts) with the block boundaries 0 = c0 < c1 < ... < c_k = n of the cheapest
 * partition (ties: fewer blocks); returns its cost. cuts must hold n + 1 entries. */
double halo_dp_blocks(int n, halo_dp_cost_fn cost, void *arg, int *cuts, int *n_cuts);

/* The same answer by enumerating all 2^(n-1) partitions (tests only; n <= 24). */
double halo_dp_brute_force(int n, halo_dp_cost_fn cost, void *arg, int *cuts, int *n_cuts);

#endif
