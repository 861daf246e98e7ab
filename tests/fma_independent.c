/* An FP32 FMA peak measured independently of halo (no code shared with exec/ceilings_cpu.c), for
 * test_cli_ceilings: GCC vector types as wide as the compiler's -march=native allows (AVX-512,
 * AVX2 + FMA, else SSE), 12 independent accumulators per thread, one POSIX thread per requested
 * thread, the best of several runs. Compile with -O3 -march=native -std=gnu11 -pthread (GNU C
 * contracts x * a + b into an FMA where the ISA has one).
 * usage: fma_independent THREADS RUNS  ->  prints the best GFLOP/s (FLOP = 2 per multiply-add) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define VEC_BYTES 64
#elif defined(__AVX2__) && defined(__FMA__)
#define VEC_BYTES 32
#else
#define VEC_BYTES 16
#endif
#define LANES (VEC_BYTES / 4)
#define ACCS 12

typedef float vec __attribute__((vector_size(VEC_BYTES)));

static long iters;
static pthread_barrier_t start;
static volatile float sink;
static double *t_start, *t_end; /* per thread: the main thread may run only after the workers */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *worker(void *arg)
{
    size_t id = (size_t)arg;
    float seed = (float)(id + 1);
    vec a, b, x[ACCS];
    for (int l = 0; l < LANES; l++) {
        a[l] = 0.9999999f;
        b[l] = 1e-4f;
    }
    for (int k = 0; k < ACCS; k++)
        for (int l = 0; l < LANES; l++) x[k][l] = seed + (float)k;
    pthread_barrier_wait(&start);
    t_start[id] = now();
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < ACCS; k++) x[k] = x[k] * a + b;
    t_end[id] = now();
    float s = 0;
    for (int k = 0; k < ACCS; k++)
        for (int l = 0; l < LANES; l++) s += x[k][l];
    sink = s;
    return NULL;
}

/* Seconds of one run on n threads: from the first thread's start to the last one's end. */
static double run(int n)
{
    pthread_t *t = malloc(sizeof *t * (size_t)n);
    t_start = malloc(sizeof *t_start * (size_t)n);
    t_end = malloc(sizeof *t_end * (size_t)n);
    pthread_barrier_init(&start, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, worker, (void *)(size_t)i);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    double t0 = t_start[0], t1 = t_end[0];
    for (int i = 1; i < n; i++) {
        if (t_start[i] < t0) t0 = t_start[i];
        if (t_end[i] > t1) t1 = t_end[i];
    }
    pthread_barrier_destroy(&start);
    free(t);
    free(t_start);
    free(t_end);
    return t1 - t0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1, runs = argc > 2 ? atoi(argv[2]) : 10;
    if (n < 1 || runs < 1) {
        fprintf(stderr, "usage: fma_independent THREADS RUNS\n");
        return 2;
    }
    iters = 1 << 16;
    double dt = run(1);
    iters = (long)(iters * 0.004 / (dt > 1e-6 ? dt : 1e-6)); /* about 4 ms a run */
    if (iters < 1000) iters = 1000;
    double best = 1e30;
    for (int r = 0; r < runs; r++) {
        double s = run(n);
        if (s < best) best = s;
    }
    printf("%.3f\n", 2.0 * ACCS * LANES * (double)iters * n / best / 1e9);
    return 0;
}
