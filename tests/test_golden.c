/* Pinned planner outputs: every planner of halo_planners() on fixed clusters (committed profiles,
 * so planning is pure and deterministic) and models, dumped as canonical text and compared with
 * tests/golden/plans.txt. A planner whose decisions change -- a block boundary, a row split, a
 * tail device, a prediction -- shows up as a diff naming the plan, so a mutation of the planning
 * logic fails here even where every property test still holds.
 *   test_golden [GOLDEN]          compare (default tests/golden/plans.txt, from the source root)
 *   test_golden --write FILE      write the dump to FILE (tests/golden/update.sh does) */
#include "core/status.h"
#include "model/zoo.h"
#include "partition/planner.h"
#include "test.h"

#include <stdarg.h>
#include <unistd.h>

/* Homogeneous and heterogeneous, fast and slow links, 2 to 8 ESs, CPU and GPU profiles; and one
 * cluster planned again with every ES imposed (no subset search). */
static const struct {
    const char *name;
    bool no_select;
} clusters[] = {{"homo-2-slow", false},   {"homo-4-fast", false},   {"homo-8-slow", false}, {"hetero-4-slow", false},
                {"hetero-8-fast", false}, {"hetero-8-fast", true},  {"gpu-hetero-4", false}};
static const struct {
    const char *model;
    int h, w;
} models[] = {{"resnet50", 224, 224}, {"vgg16", 224, 224}, {"resnet18", 97, 131}};

static const char header[] =
    "# Pinned planner outputs: every planner of halo_planners() on fixed clusters (profiles/clusters/)\n"
    "# and models, as tests/test_golden.c writes them; test_golden fails on any difference.\n"
    "#\n"
    "# A difference is a change of what the planners decide. Review it; when it is intended, update\n"
    "# this file with\n"
    "#     tests/golden/update.sh\n"
    "# (builds test_golden if needed, rewrites this file, shows the git diff) and commit it with the\n"
    "# change that caused it.\n"
    "#\n"
    "# Per plan: method, model, input HxW, cluster (\"no-select\": every ES imposed); the predicted\n"
    "# total_ms (to 0.01 ms) and bytes_moved; every block's stages stage0..stage1, its tile mode and whether it gathers at the\n"
    "# source or compresses, and its parts in order: device, output rows y0..y1 (and columns x0..x1\n"
    "# where the block is cut as a grid); the tail's device and stages; for a plan a stream rotates over\n"
    "# (round robin), each further variant the same way, indented under \"variant V\".\n";

/* ---- a growing text buffer -------------------------------------------------------------------- */

struct text {
    char *s;
    size_t len, cap;
};

static void addf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) abort();
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* ---- the dump -------------------------------------------------------------------------------- */

static const char *dev_name(const struct halo_plan *p, int d)
{
    return d >= 0 && d < p->n_dev ? p->dev[d].name : "?";
}

/* One plan, canonically: its first line "plan METHOD MODEL HxW CLUSTER" names it; a plan that a
 * stream rotates over (round robin) lists its further variants after it, each indented. */
static void dump_body(struct text *t, const struct halo_plan *p, const char *in);

static void dump_plan(struct text *t, const struct halo_plan *p, const char *cluster)
{
    addf(t, "plan %s %s %dx%d %s\n", p->method, p->model, p->h, p->w, cluster);
    dump_body(t, p, "  ");
    for (int v = 0; v < p->n_rot; v++) {
        addf(t, "  variant %d\n", v + 1);
        dump_body(t, p->rot[v], "    ");
    }
}

static void dump_body(struct text *t, const struct halo_plan *p, const char *in)
{
    addf(t, "%stotal_ms %.2f bytes_moved %lld\n", in, p->total_ms, (long long)p->bytes_moved);
    for (int b = 0; b < p->n_blocks; b++) {
        const struct halo_plan_block *bl = &p->block[b];
        addf(t, "%sblock %d stages %d..%d %s%s%s\n", in, b, bl->stage0, bl->stage1,
             bl->mode == HALO_TILE_EXACT ? "exact" : "zero-pad", bl->gather ? " gather" : "",
             bl->compress ? " compress" : "");
        int x_min = 0, x_max = 0;
        for (int k = 0; k < bl->n_parts; k++) {
            if (!k || bl->part[k].out.x0 < x_min) x_min = bl->part[k].out.x0;
            if (!k || bl->part[k].out.x1 > x_max) x_max = bl->part[k].out.x1;
        }
        bool grid = false;
        for (int k = 0; k < bl->n_parts; k++)
            grid |= bl->part[k].out.x0 != x_min || bl->part[k].out.x1 != x_max;
        for (int k = 0; k < bl->n_parts; k++) {
            const struct halo_rect r = bl->part[k].out;
            addf(t, "%s  %s y %d..%d", in, dev_name(p, bl->part[k].device), r.y0, r.y1);
            if (grid) addf(t, " x %d..%d", r.x0, r.x1);
            addf(t, "\n");
        }
    }
    addf(t, "%stail %s stages %d..%d\n", in, dev_name(p, p->tail.device), p->tail.stage0, p->tail.stage1);
}

/* Every planner on clusters[ci] and models[mi], appended to t. A planner that fails is dumped as
 * its error (pinned like a plan) and counted in *errors. Returns the status of the set-up (the
 * cluster file, the model, pricing), with nothing dumped when it failed. */
static enum halo_status dump_all(struct text *t, int ci, int mi, int *errors)
{
    const char *model = models[mi].model;
    int h = models[mi].h, w = models[mi].w;
    char path[256], cluster[128];
    snprintf(path, sizeof path, "profiles/clusters/%s.json", clusters[ci].name);
    snprintf(cluster, sizeof cluster, "%s%s", clusters[ci].name, clusters[ci].no_select ? " no-select" : "");
    struct halo_cluster *c = NULL;
    struct halo_graph *g = NULL;
    struct halo_planner_ctx ctx;
    struct halo_planner_opts opts = {.no_select = clusters[ci].no_select};
    enum halo_status st = halo_cluster_load(path, &c);
    if (st == HALO_OK) st = halo_zoo_build_for(model, h, w, &g);
    if (st == HALO_OK) st = halo_planner_ctx_init(&ctx, g, c, opts);
    if (st != HALO_OK) {
        halo_graph_free(g);
        halo_cluster_free(c);
        return st;
    }
    int n;
    const struct halo_planner_info *pl = halo_planners(&n);
    for (int i = 0; i < n; i++) {
        struct halo_plan *p = NULL;
        halo_error_clear();
        st = pl[i].plan(&ctx, &p);
        if (st == HALO_OK) {
            dump_plan(t, p, cluster);
        } else {
            addf(t, "plan %s %s %dx%d %s\n  error %s: %s\n", pl[i].name, model, h, w, cluster, halo_status_str(st),
                 halo_error_msg());
            ++*errors;
        }
        halo_plan_free(p);
    }
    halo_planner_ctx_free(&ctx);
    halo_graph_free(g);
    halo_cluster_free(c);
    return HALO_OK;
}

/* ---- comparison ------------------------------------------------------------------------------ */

static char *golden;            /* the golden file's text, or NULL when it could not be read */
static const char *golden_path;
static struct text all;         /* everything this run dumped, in file order */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct text t = {0};
    char buf[8192];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) addf(&t, "%.*s", (int)n, buf);
    fclose(f);
    if (!t.s) addf(&t, "%s", "");
    return t.s;
}

static bool write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fputs(s, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* Prints the first `max_lines` of a unified diff of want -> got on stderr (diff(1); without it,
 * the first line that differs). */
static void show_diff(const char *want, const char *got, int max_lines)
{
    char a[] = "/tmp/halo-golden-want-XXXXXX", b[] = "/tmp/halo-golden-got-XXXXXX";
    int fa = mkstemp(a), fb = mkstemp(b);
    if (fa >= 0) close(fa);
    if (fb >= 0) close(fb);
    int rc = -1;
    if (fa >= 0 && fb >= 0 && write_file(a, want) && write_file(b, got)) {
        char cmd[512];
        fflush(stderr);
        snprintf(cmd, sizeof cmd, "diff -u --label '%s' --label 'this build' '%s' '%s' | head -n %d >&2", golden_path,
                 a, b, max_lines);
        rc = system(cmd);
    }
    if (rc != 0) { /* no diff(1): the first differing line */
        int line = 1;
        const char *p = want, *q = got;
        for (; *p && *p == *q; p++, q++) line += *p == '\n';
        fprintf(stderr, "  first difference at line %d:\n  - %.*s\n  + %.*s\n", line, (int)strcspn(p, "\n"), p,
                (int)strcspn(q, "\n"), q);
    }
    if (fa >= 0) unlink(a);
    if (fb >= 0) unlink(b);
}

/* The golden file's block for the plan whose first line is `first` (up to the next line that is
 * not indented), copied; NULL when it has none. */
static char *golden_block(const char *first)
{
    size_t n = strlen(first);
    for (const char *p = golden; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len == n && !memcmp(p, first, n)) {
            const char *e = eol ? eol + 1 : p + len;
            while (*e == ' ') {
                const char *x = strchr(e, '\n');
                e = x ? x + 1 : e + strlen(e);
            }
            char *s = malloc((size_t)(e - p) + 1);
            if (!s) abort();
            memcpy(s, p, (size_t)(e - p));
            s[e - p] = 0;
            return s;
        }
        p = eol ? eol + 1 : p + len;
    }
    return NULL;
}

/* One case: every planner on the cluster and model, each plan compared with its block of the
 * golden file. */
static void golden_case(int ci, int mi)
{
    struct text t = {0};
    int errors = 0;
    enum halo_status st = dump_all(&t, ci, mi, &errors);
    CHECK_OK(st);
    if (st != HALO_OK) return;
    addf(&all, "%s", t.s);
    int plans = 0;
    for (const char *p = t.s; p && *p;) {
        const char *e = strchr(p, '\n') + 1;
        while (*e == ' ') e = strchr(e, '\n') + 1;
        char *mine = malloc((size_t)(e - p) + 1);
        if (!mine) abort();
        memcpy(mine, p, (size_t)(e - p));
        mine[e - p] = 0;
        char first[256];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(mine, "\n"), mine);
        char *want = golden ? golden_block(first) : NULL;
        CHECK_MSG(want != NULL, "'%s' is not in %s (a new plan? tests/golden/update.sh)", first, golden_path);
        if (want) {
            bool same = !strcmp(want, mine);
            CHECK_MSG(same, "'%s' differs from %s:", first, golden_path);
            if (!same) show_diff(want, mine, 40);
        }
        free(want);
        free(mine);
        plans++;
        p = e;
    }
    int n = 0;
    halo_planners(&n);
    CHECK_EQ(plans, n);
    if (errors) printf("  %d planner(s) failed (pinned as errors)\n", errors);
    free(t.s);
}

static void test_golden_file_readable(void)
{
    CHECK_MSG(golden != NULL, "%s: cannot open (run from the source root; tests/golden/update.sh writes it)",
              golden_path);
}

/* The whole file, header included: also catches plans the golden file has and this build no
 * longer makes. */
static void test_whole_file(void)
{
    bool same = golden && !strcmp(golden, all.s);
    CHECK_MSG(same, "%s differs from this build's plans (first lines of the diff follow)", golden_path);
    if (golden && !same) {
        show_diff(golden, all.s, 60);
        fprintf(stderr, "  if the change is intended: tests/golden/update.sh, review the diff, commit\n");
    }
}

int main(int argc, char **argv)
{
    const char *write_to = NULL;
    golden_path = "tests/golden/plans.txt";
    if (argc == 3 && !strcmp(argv[1], "--write")) write_to = argv[2];
    else if (argc == 2) golden_path = argv[1];
    else if (argc != 1) {
        fprintf(stderr, "usage: test_golden [GOLDEN] | test_golden --write FILE\n");
        return 2;
    }
    addf(&all, "%s", header);
    if (write_to) {
        int errors = 0;
        for (int c = 0; c < (int)(sizeof clusters / sizeof *clusters); c++)
            for (int m = 0; m < (int)(sizeof models / sizeof *models); m++)
                if (dump_all(&all, c, m, &errors) != HALO_OK) {
                    fprintf(stderr, "test_golden: %s\n", halo_error_msg());
                    return 1;
                }
        if (!write_file(write_to, all.s)) {
            fprintf(stderr, "test_golden: %s: cannot write\n", write_to);
            return 1;
        }
        printf("test_golden: wrote %s (%zu bytes%s)\n", write_to, all.len, errors ? "; some planners failed" : "");
        free(all.s);
        return 0;
    }
    golden = read_file(golden_path);
    if (!golden) { /* nothing to compare with: one failure, not one per plan */
        RUN(test_golden_file_readable);
        return halo_test_done("test_golden");
    }
    for (int c = 0; c < (int)(sizeof clusters / sizeof *clusters); c++)
        for (int m = 0; m < (int)(sizeof models / sizeof *models); m++) {
            char name[160];
            snprintf(name, sizeof name, "%s%s_%s_%dx%d", clusters[c].name, clusters[c].no_select ? "_no-select" : "",
                     models[m].model, models[m].h, models[m].w);
            RUN_CASE(name, golden_case(c, m));
        }
    RUN(test_whole_file);
    free(golden);
    free(all.s);
    return halo_test_done("test_golden");
}
