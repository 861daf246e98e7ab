/* halo infer: one image through one zoo model on one backend; prints the top-5 classes, the
 * latency and what ran, and optionally writes the logits. */
#include "cli/cli.h"
#include "cli/output.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/image.h"
#include "core/parse.h"
#include "exec/executor.h"
#include "model/model.h"
#include "model/weights.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Weights seed when --weights is absent: fixed, so runs are comparable. */
#define INFER_DEFAULT_WEIGHTS_SEED 0
#define INFER_TOP_K 5

/* A raw float32 CHW tensor of exactly 3 x h x w from a file (for cross-checks with torch). */
static enum halo_status load_raw(const char *path, int h, int w, struct halo_tensor *out)
{
    FILE *f;
    long long size = 0;
    HALO_TRY(halo_file_open_regular(path, &f, &size));
    size_t want = (size_t)3 * h * w * sizeof(float);
    enum halo_status st = HALO_OK;
    if ((size_t)size != want)
        st = halo_error(HALO_ERR_INVALID, "%s: %lld bytes, expected %zu (3x%dx%d float32 for --input %dx%d)", path,
                        size, want, h, w, h, w);
    if (st == HALO_OK) st = halo_tensor_alloc(out, 3, (struct halo_rect){0, h, 0, w});
    if (st == HALO_OK && fread(out->data, 1, want, f) != want) {
        halo_tensor_free(out);
        st = halo_error(HALO_ERR_IO, "%s: read error", path);
    }
    /* a NaN or an infinity would run through every layer and come out as NaN logits */
    for (size_t i = 0; st == HALO_OK && i < want / sizeof(float); i++)
        if (!isfinite(out->data[i])) {
            st = halo_error(HALO_ERR_INVALID, "%s: element %zu is %g: the input must be finite", path, i,
                            (double)out->data[i]);
            halo_tensor_free(out);
        }
    fclose(f);
    return st;
}

/* Writes n floats as little-endian float32, no header. */
static enum halo_status write_logits(const char *path, const float *v, size_t n)
{
    struct halo_outfile *o;
    HALO_TRY(halo_outfile_open(path, &o));
    FILE *f = halo_outfile_stream(o);
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        unsigned char b[4] = {(unsigned char)bits, (unsigned char)(bits >> 8), (unsigned char)(bits >> 16),
                              (unsigned char)(bits >> 24)};
        if (fwrite(b, 1, 4, f) != 4) break; /* the close reports it */
    }
    return halo_outfile_close(o);
}

/* The distinct implementations that ran a node, in order of first use, and how many nodes each
 * ran; nodes fused into another node's primitive ("fused into layer1.0.conv1") count as one kind.
 * names and counts hold g->n_nodes entries; returns how many kinds. */
static int impl_kinds(struct halo_backend *be, const struct halo_graph *g, const char **names, int *counts)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const char *s = halo_backend_impl(be, i);
        if (!strncmp(s, "fused", 5)) s = "fused";
        int k = 0;
        while (k < n && strcmp(names[k], s)) k++;
        if (k == n) {
            names[n] = s;
            counts[n++] = 0;
        }
        counts[k]++;
    }
    return n;
}

/* The top k classes of the logits y[0..n): softmax in double, then repeated arg-max (ties: lower
 * class index first). Returns how many were found (k or fewer). */
static int top_k(const float *y, size_t n, int k, size_t *cls, double *prob)
{
    double mx = -INFINITY, sum = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, y[i]);
    for (size_t i = 0; i < n; i++) sum += exp(y[i] - mx);
    size_t prev = SIZE_MAX;
    int r = 0;
    for (; r < k && (size_t)r < n; r++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            bool below_prev = prev == SIZE_MAX || y[i] < y[prev] || (y[i] == y[prev] && i > prev);
            if (below_prev && (best == SIZE_MAX || y[i] > y[best])) best = i;
        }
        if (best == SIZE_MAX) break;
        cls[r] = best;
        prob[r] = exp(y[best] - mx) / sum;
        prev = best;
    }
    return r;
}

/* Opens the requested backend; without --backend, cpu when it is compiled in and starts, else ref
 * (`note` then says why). */
static enum halo_status open_backend(const char *name, const struct halo_backend_opts *opts,
                                     struct halo_backend **be, char *note, size_t note_size)
{
    note[0] = '\0';
    if (name) return halo_backend_new(name, opts, be);
    if (halo_backend_compiled("cpu")) {
        if (halo_backend_new("cpu", opts, be) == HALO_OK) return HALO_OK;
        snprintf(note, note_size, " (default cpu backend unavailable: %s)", halo_error_msg());
    } else {
        snprintf(note, note_size, " (this build has no cpu backend)");
    }
    return halo_backend_new("ref", opts, be);
}

static int run(const struct halo_cli_cmd *cmd, int argc, char **argv)
{
    struct halo_cli_args a;
    int rc = halo_cli_parse(cmd, argc, argv, &a);
    if (rc || a.help) return rc;
    const char *backend = halo_cli_get(cmd, &a, "backend"), *weights = halo_cli_get(cmd, &a, "weights");
    const char *image = halo_cli_get(cmd, &a, "image"), *seed_s = halo_cli_get(cmd, &a, "seed");
    const char *raw = halo_cli_get(cmd, &a, "input-raw"), *out = halo_cli_get(cmd, &a, "out");
    const char *threads_s = halo_cli_get(cmd, &a, "threads");
    if ((image != NULL) + (seed_s != NULL) + (raw != NULL) > 1)
        return halo_cli_usage_error(cmd, "--image, --seed and --input-raw are mutually exclusive");
    long seed = 0;
    struct halo_backend_opts opts = {0, 0};
    enum halo_status st = HALO_OK;
    if (seed_s) st = halo_parse_long("--seed", seed_s, 0, LONG_MAX, &seed);
    if (st == HALO_OK && threads_s) st = halo_parse_threads("--threads", threads_s, &opts.threads);
    if (st == HALO_OK && backend && !*backend) st = halo_error(HALO_ERR_INVALID, "--backend: empty name");
    int h, w;
    if (st == HALO_OK) st = halo_cli_input_size(cmd, &a, &h, &w);
    if (st != HALO_OK) return halo_cli_fail(cmd, st);

    struct halo_graph *g = NULL;
    struct halo_weights *wt = NULL;
    struct halo_backend *be = NULL;
    struct halo_tensor x = {0}, y = {0};
    char note[1200];
    st = halo_model_build_for(a.pos[0], h, w, &g);
    if (st == HALO_OK) st = halo_cli_check_memory(g);
    if (st == HALO_OK) {
        if (image) st = halo_image_load(image, h, w, &x);
        else if (raw) st = load_raw(raw, h, w, &x);
        else st = halo_image_random((uint64_t)seed, h, w, &x);
    }
    if (st == HALO_OK)
        st = halo_model_weights(g, weights, INFER_DEFAULT_WEIGHTS_SEED, &wt);
    if (st == HALO_OK) st = open_backend(backend, &opts, &be, note, sizeof note);
    if (st == HALO_OK) st = halo_backend_load(be, g, wt);
    double ms = 0;
    if (st == HALO_OK) st = halo_exec_graph(be, g, &x, &y, NULL); /* warm-up: JIT, reorders, caches */
    if (st == HALO_OK) {
        halo_tensor_free(&y);
        double t0 = halo_now_ms();
        st = halo_exec_graph(be, g, &x, &y, NULL);
        ms = halo_now_ms() - t0;
    }
    size_t n = st == HALO_OK ? halo_tensor_numel(&y) : 0;
    if (st == HALO_OK && out) st = write_logits(out, y.data, n);
    if (st != HALO_OK) {
        rc = halo_cli_fail(cmd, st);
        goto done;
    }

    const char *bname = halo_backend_name(be), *bver = halo_backend_version(be);
    int threads = halo_backend_threads(be);
    size_t cls[INFER_TOP_K];
    double prob[INFER_TOP_K];
    int n_top = top_k(y.data, n, INFER_TOP_K, cls, prob);
    const char **kinds = halo_calloc((size_t)g->n_nodes + 1, sizeof *kinds);
    int *counts = halo_calloc((size_t)g->n_nodes + 1, sizeof *counts);
    if (!kinds || !counts) {
        free(kinds);
        free(counts);
        rc = halo_cli_fail(cmd, halo_error(HALO_ERR_NOMEM, "out of memory"));
        goto done;
    }
    int n_kinds = impl_kinds(be, g, kinds, counts);
    /* inputs and weights are finite; logits that are not come from float32 overflow inside the
     * network: say so rather than rank NaNs */
    size_t n_bad = 0;
    for (size_t i = 0; i < n; i++) n_bad += !isfinite(y.data[i]);
    if (a.format == HALO_FORMAT_JSON) {
        cJSON *doc = cJSON_CreateObject(), *o;
        int in[3] = {3, h, w};
        cJSON_AddStringToObject(doc, "model", g->name);
        cJSON_AddItemToObject(doc, "input", cJSON_CreateIntArray(in, 3));
        o = cJSON_AddObjectToObject(doc, "image");
        cJSON_AddStringToObject(o, "kind", image ? "image" : raw ? "raw" : "random");
        if (image || raw) cJSON_AddStringToObject(o, "file", image ? image : raw);
        else cJSON_AddNumberToObject(o, "seed", (double)seed);
        if (image) cJSON_AddNumberToObject(o, "resize_short", halo_image_resize_short(h, w));
        o = cJSON_AddObjectToObject(doc, "weights");
        if (weights || g->source) {
            char hash[24];
            snprintf(hash, sizeof hash, "%016llx", (unsigned long long)wt->hash);
            cJSON_AddStringToObject(o, weights ? "file" : "onnx", weights ? weights : g->source);
            cJSON_AddStringToObject(o, "hash", hash);
        } else {
            cJSON_AddBoolToObject(o, "random", true);
            cJSON_AddNumberToObject(o, "seed", INFER_DEFAULT_WEIGHTS_SEED);
        }
        o = cJSON_AddObjectToObject(doc, "backend");
        cJSON_AddStringToObject(o, "name", bname);
        cJSON_AddStringToObject(o, "library", bver);
        cJSON_AddNumberToObject(o, "threads", threads);
        if (note[0]) { /* " (why)" without its brackets */
            char why[sizeof note];
            snprintf(why, sizeof why, "%.*s", (int)strlen(note) - 3, note + 2);
            cJSON_AddStringToObject(o, "note", why);
        }
        cJSON *impl = cJSON_AddArrayToObject(doc, "impl");
        for (int k = 0; k < n_kinds; k++) {
            o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "impl", kinds[k]);
            cJSON_AddNumberToObject(o, "nodes", counts[k]);
            cJSON_AddItemToArray(impl, o);
        }
        cJSON_AddNumberToObject(doc, "latency_ms", ms);
        cJSON_AddStringToObject(doc, "timing", "one timed run after one warm-up run; monotonic clock");
        if (out) cJSON_AddStringToObject(doc, "logits_file", out);
        cJSON *top = cJSON_AddArrayToObject(doc, "top");
        for (int r = 0; r < n_top; r++) {
            o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "rank", r + 1);
            cJSON_AddNumberToObject(o, "class", (double)cls[r]);
            cJSON_AddNumberToObject(o, "probability", prob[r]);
            cJSON_AddNumberToObject(o, "logit", y.data[cls[r]]);
            cJSON_AddItemToArray(top, o);
        }
        rc = halo_cli_put_json(cmd, doc);
    } else if (a.format == HALO_FORMAT_CSV) {
        printf("model,input,backend,threads,weights,latency_ms,rank,class,probability,logit\n");
        for (int r = 0; r < n_top; r++) {
            printf("%s,%dx%d,%s,%d,", g->name, h, w, bname, threads);
            halo_cli_csv_str(stdout, weights ? weights : "random");
            printf(",%.6f,%d,%zu,%.9g,%.9g\n", ms, r + 1, cls[r], prob[r], (double)y.data[cls[r]]);
        }
        rc = HALO_EXIT_OK;
    } else {
        printf("model     %s, input 3x%dx%d\n", g->name, h, w);
        if (image) printf("input     %s (resize shorter side to %d, centre crop %dx%d, ImageNet mean/std)\n", image,
                          halo_image_resize_short(h, w), h, w);
        else if (raw) printf("input     %s (raw float32, used as it is)\n", raw);
        else printf("input     random N(0,1) image, seed %ld%s\n", seed, seed_s ? "" : " (default; --image or --seed)");
        if (weights) printf("weights   %s (hash %016llx)\n", weights, (unsigned long long)wt->hash);
        else if (g->source)
            printf("weights   the initializers of %s (hash %016llx)\n", g->source, (unsigned long long)wt->hash);
        else printf("weights   RANDOM WEIGHTS (seed %d): not trained, the classes below mean nothing; "
                    "pass --weights FILE\n", INFER_DEFAULT_WEIGHTS_SEED);
        printf("backend   %s%s%s%s, %d thread%s%s\n", bname, strcmp(bname, bver) ? " (" : "",
               strcmp(bname, bver) ? bver : "", strcmp(bname, bver) ? ")" : "", threads, threads == 1 ? "" : "s", note);
        printf("impl      ");
        for (int k = 0; k < n_kinds; k++)
            printf("%s%s (%d node%s)", k ? ", " : "", kinds[k], counts[k], counts[k] == 1 ? "" : "s");
        printf("\nlatency   %.3f ms (one timed run after one warm-up run)\n", ms);
        if (out) printf("logits    %s: %zu float32, little-endian, no header\n", out, n);
        printf("\n%4s %6s %12s %12s\n", "rank", "class", "probability", "logit");
        for (int r = 0; r < n_top; r++) printf("%4d %6zu %12.6f %12.6f\n", r + 1, cls[r], prob[r], y.data[cls[r]]);
        rc = HALO_EXIT_OK;
    }
    if (n_bad && rc == HALO_EXIT_OK) {
        fflush(stdout);
        halo_error(HALO_ERR_MISMATCH, "%zu of the %zu logits are NaN or infinite: float32 overflowed inside the "
                                      "network (are the weights' magnitudes sane?)", n_bad, n);
        rc = halo_cli_fail(cmd, HALO_ERR_MISMATCH);
    }
    free(kinds);
    free(counts);
done:
    halo_tensor_free(&x);
    halo_tensor_free(&y);
    halo_backend_free(be);
    halo_weights_free(wt);
    halo_graph_free(g);
    return rc;
}

const struct halo_cli_cmd halo_cmd_infer = {
    .name = "infer",
    .usage = "MODEL [--backend cpu|ref|cuda] [--weights F] [--image F | --seed N] [--input HxW] [--out F] "
             "[--threads N] [--format table|csv|json]",
    .summary = "run one image through a model: top-5 classes, latency, logits",
    .details =
        "Without --weights an ONNX model (MODEL.onnx) runs with its own initializers and a zoo model\n"
        "with random weights (seed 0), whose classes mean nothing; --weights takes a safetensors file\n"
        "with torchvision's state_dict names (tools/export_torchvision.py writes one for any\n"
        "torchvision model). Without --image the input is a seeded N(0,1) image\n"
        "(--seed, default 0).\n"
        "\n"
        "An image (PNG or JPEG, any size; grayscale and alpha are converted to RGB) goes through\n"
        "torchvision's evaluation transform: the shorter side is resized to S = round(256/224 * min(H,W))\n"
        "with Pillow's antialiased bilinear filter (S = 256 for the default 224x224), then the centre\n"
        "HxW is cropped, scaled to [0,1] and normalised with the ImageNet mean (0.485,0.456,0.406)\n"
        "and std (0.229,0.224,0.225).\n"
        "\n"
        "The model runs once to warm up (JIT, reorders, caches), then once timed: the latency is that\n"
        "one run. Classes are ImageNet class indices 0..999 with their softmax probability.\n"
        "--out writes the logits of the timed run as raw little-endian float32, no header (1000 floats\n"
        "= 4000 bytes for every zoo model). --input-raw reads the input tensor itself: raw float32,\n"
        "3 x H x W in CHW order for the --input size (used to cross-check against torch).",
    .opts = (const struct halo_cli_opt[]){
        {"backend", 0, "NAME", "cpu, ref or cuda (default cpu when available, else ref)"},
        {"weights", 0, "FILE", "safetensors weights (default: an ONNX model's own, else random, seed 0)"},
        {"image", 0, "FILE", "PNG or JPEG input image"},
        {"seed", 0, "N", "seed of a random N(0,1) input image (default 0)"},
        {"input", 0, "HxW", "network input size (default 224x224; N means NxN)"},
        {"out", 'o', "FILE", "write the logits as raw little-endian float32"},
        {"threads", 0, "N", "compute threads (default: the cores of this process's cpuset)"},
        {"input-raw", 0, "FILE", "read the input tensor as raw float32 CHW (for cross-checks)"},
        {0}},
    .min_pos = 1,
    .max_pos = 1,
    .run = run,
    .formats = HALO_FORMATS_ALL,
};
