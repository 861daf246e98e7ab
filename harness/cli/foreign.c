/* foreign: the line `halo plan`, `halo sim` and `halo run` print to stderr when a device's profile
 * was measured on another CPU (or under another oneDNN ISA cap) than this host's. On the virtual
 * clock this host computes for every device and the plan prices it by its profile: a profile of
 * another CPU predicts that CPU, and the run's measured times will not match it. The comparison
 * itself is the profile layer's (halo_profile_origin); this file finds the host's facts, groups the
 * devices by profile and words the lines. */
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/topology.h"
#include "partition/cluster.h"
#include "profile/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One profile and the devices priced by it. */
struct foreign_entry {
    char *path;   /* the profile's file, as resolved */
    char devs[200];
    int n_devs;
    enum halo_profile_origin origin;
    char why[600];
};

struct halo_cli_foreign {
    char *host_cpu;      /* this host's CPU model (hwloc), "unknown" when discovery fails */
    const char *host_isa; /* ONEDNN_MAX_CPU_ISA, NULL when unset */
    int n, cap;
    struct foreign_entry *e;
};

static bool quiet(void)
{
    const char *q = getenv("HALO_QUIET_FOREIGN");
    return q && *q && strcmp(q, "0");
}

struct halo_cli_foreign *halo_cli_foreign_new(void)
{
    if (quiet()) return NULL;
    struct halo_cli_foreign *f = halo_calloc(1, sizeof *f);
    if (!f) return NULL;
    struct halo_topology *t = NULL;
    f->host_cpu = halo_strdup(halo_topology_load_cpus(&t) == HALO_OK ? halo_topology_cpu_model(t) : "unknown");
    halo_topology_free(t);
    f->host_isa = getenv("ONEDNN_MAX_CPU_ISA");
    if (!f->host_cpu) {
        free(f);
        return NULL;
    }
    return f;
}

void halo_cli_foreign_free(struct halo_cli_foreign *f)
{
    if (!f) return;
    for (int i = 0; i < f->n; i++) free(f->e[i].path);
    free(f->e);
    free(f->host_cpu);
    free(f);
}

/* Whether `name` is one of the comma-separated names in devs. */
static bool has_device(const char *devs, const char *name)
{
    size_t len = strlen(name);
    for (const char *s = devs; *s;) {
        size_t k = strcspn(s, ",");
        if (k == len && !strncmp(s, name, len)) return true;
        s += k;
        while (*s == ',' || *s == ' ') s++;
    }
    return false;
}

static void add_device(struct foreign_entry *e, const char *name)
{
    if (has_device(e->devs, name)) return;
    size_t len = strlen(e->devs);
    e->n_devs++;
    if (len + strlen(name) + 8 < sizeof e->devs) snprintf(e->devs + len, sizeof e->devs - len, "%s%s", len ? ", " : "", name);
    else if (!strstr(e->devs, ", ...")) snprintf(e->devs + len, sizeof e->devs - len, ", ...");
}

void halo_cli_foreign_add(struct halo_cli_foreign *f, const struct halo_cluster *c, const char *const *only,
                          int n_only)
{
    if (!f || !c) return;
    for (int d = 0; d < c->n; d++) {
        const struct halo_device *dev = &c->dev[d];
        if (!dev->profile) continue;
        bool wanted = n_only == 0;
        for (int k = 0; k < n_only && !wanted; k++) wanted = !strcmp(only[k], dev->name);
        if (!wanted) continue;
        char why[600];
        enum halo_profile_origin o = halo_profile_origin(dev->profile, f->host_cpu, f->host_isa, why, sizeof why);
        if (o == HALO_PROFILE_THIS_HOST || o == HALO_PROFILE_NOT_CPU) continue;
        const char *path = dev->profile->path ? dev->profile->path : dev->profile_ref;
        struct foreign_entry *e = NULL;
        for (int i = 0; i < f->n && !e; i++)
            if (!strcmp(f->e[i].path, path)) e = &f->e[i];
        if (!e) {
            if (f->n == f->cap) {
                int cap = f->cap ? 2 * f->cap : 4;
                struct foreign_entry *ne = halo_realloc(f->e, (size_t)cap, sizeof *ne);
                if (!ne) return;
                f->e = ne;
                f->cap = cap;
            }
            e = &f->e[f->n];
            memset(e, 0, sizeof *e);
            if (!(e->path = halo_strdup(path))) return;
            e->origin = o;
            snprintf(e->why, sizeof e->why, "%s", why);
            f->n++;
        }
        add_device(e, dev->name);
    }
}

void halo_cli_foreign_print(const struct halo_cli_cmd *cmd, const struct halo_cli_foreign *f)
{
    if (!f) return;
    fflush(stdout);
    for (int i = 0; i < f->n; i++) {
        const struct foreign_entry *e = &f->e[i];
        const char *whom = e->n_devs == 1 ? "device" : "devices";
        if (e->origin == HALO_PROFILE_ESTIMATED)
            fprintf(stderr, "halo %s: note: %s %s: profile %s is %s\n", cmd->name, whom, e->devs, e->path, e->why);
        else if (e->origin == HALO_PROFILE_UNRECORDED)
            fprintf(stderr, "halo %s: warning: %s %s: profile %s %s, so it may not predict this host (%s)\n", cmd->name,
                    whom, e->devs, e->path, e->why, f->host_cpu);
        else
            fprintf(stderr, "halo %s: warning: %s %s: profile %s was %s: it predicts that platform, not this one "
                            "(halo profile measures this host; HALO_QUIET_FOREIGN=1 hides this line)\n",
                    cmd->name, whom, e->devs, e->path, e->why);
    }
}

/* The cluster file a plan names and the devices it uses (plan order), from the plan's JSON. */
static enum halo_status plan_devices(const char *plan_path, char **cluster, char ***names, int *n)
{
    cJSON *j = NULL;
    *cluster = NULL;
    *names = NULL;
    *n = 0;
    HALO_TRY(halo_json_load(plan_path, &j));
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(j, "cluster");
    const cJSON *devs = cJSON_GetObjectItemCaseSensitive(j, "devices");
    enum halo_status st = HALO_OK;
    if (!cJSON_IsString(cl) || !cJSON_IsArray(devs)) st = HALO_ERR_INVALID;
    int nd = st == HALO_OK ? cJSON_GetArraySize(devs) : 0;
    if (st == HALO_OK && nd > 0 && !(*names = halo_calloc((size_t)nd, sizeof **names))) st = HALO_ERR_NOMEM;
    const cJSON *dev;
    cJSON_ArrayForEach(dev, devs)
    {
        if (st != HALO_OK || nd == 0) break;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(dev, "name");
        if (!cJSON_IsString(name)) st = HALO_ERR_INVALID;
        else if (!((*names)[(*n)++] = halo_strdup(name->valuestring))) st = HALO_ERR_NOMEM;
    }
    if (st == HALO_OK && !(*cluster = halo_strdup(cl->valuestring))) st = HALO_ERR_NOMEM;
    cJSON_Delete(j);
    return st;
}

void halo_cli_foreign_add_plan(struct halo_cli_foreign *f, const char *plan_path)
{
    if (!f) return;
    char *cluster = NULL, **names = NULL;
    int n = 0;
    struct halo_cluster *c = NULL;
    /* a plan whose cluster file has moved or changed cannot be checked: it says nothing */
    if (plan_devices(plan_path, &cluster, &names, &n) == HALO_OK && halo_cluster_load(cluster, &c) == HALO_OK)
        halo_cli_foreign_add(f, c, (const char *const *)names, n);
    halo_cluster_free(c);
    for (int k = 0; k < n; k++) free(names[k]);
    free(names);
    free(cluster);
}
