/* launch: is this process under an MPI launcher, and re-running it under mpirun when not. Open
 * MPI's mpirun (Debian's openmpi-bin); the flags are the ones measured on a 2-core host (docs/ARCHITECTURE.md, "The runtime"):
 * --bind-to none (np <= 2 otherwise pins each rank to one core), --oversubscribe when ranks exceed
 * cores, the run-as-root variables when root, and orte_abort_on_non_zero_status=0 so that a rank
 * that dies does not make mpirun kill the source before it can name that rank. With that setting
 * Open MPI 4.1's mpirun exits 0 when every rank exits non-zero, so the source also writes its exit
 * status to a file the launcher reads (HALO_RUN_STATUS_FILE).
 *
 * Hosts. With a hostfile (the user's, or one written from the plan's hosts) the ranks go to their
 * hosts in rank order: Open MPI's sequential mapper (--map-by seq) puts rank k on the host of the
 * hostfile's line k, repeated hosts included. Ranks on several hosts talk TCP (OMPI_MCA_btl=tcp,self,
 * unless the user set a btl): Open MPI's default would join ranks of one kernel through shared
 * memory, which is no network. A source on another host than mpirun cannot write the status file;
 * its failures end the job through MPI_Abort, whose code mpirun passes on. */
#define _GNU_SOURCE
#include "core/alloc.h"
#include "core/clock.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t halo_rt_eager_bytes(int64_t max_msg_bytes)
{
    /* the message's wire header and Open MPI's own fit in the 4 KiB added */
    int64_t need = max_msg_bytes + 4096, e = 65536;
    while (e < need && e < HALO_RT_EAGER_MAX) e *= 2;
    return e;
}

bool halo_rt_under_launcher(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
                                       "MPI_LOCALNRANKS", NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i])) return true;
    return false;
}

/* True when `name` is an executable file on PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len && snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, name) < (int)sizeof buf) {
            struct stat sb;
            if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) && access(buf, X_OK) == 0) return true;
        }
        if (!end) break;
        p = end + 1;
    }
    return false;
}

bool halo_rt_status_read(void)
{
    /* a rank on another host than the launcher sees no such file (or no such variable) */
    const char *path = getenv("HALO_RUN_STATUS_FILE");
    return path && *path && access(path, W_OK) == 0;
}

/* Appends one line to the launcher's status file (nothing when there is none, as under a user's
 * mpirun or on another host). */
static void status_append(const char *line)
{
    const char *path = getenv("HALO_RUN_STATUS_FILE");
    if (!path || !*path) return;
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0) return;
    size_t n = strlen(line);
    if (write(fd, line, n) != (ssize_t)n) { /* the launcher then falls back on mpirun's status */
    }
    close(fd);
}

void halo_rt_report_exit(int code)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d\n", code);
    status_append(buf);
}

void halo_rt_report_end(void)
{
    status_append("end\n");
}

/* The first status a rank reported, or -1; *ended: rank 0 reported the job over for it. */
static int read_status(const char *path, bool *ended)
{
    FILE *f = fopen(path, "r");
    int code = -1;
    if (ended) *ended = false;
    if (!f) return -1;
    char line[64];
    while (fgets(line, sizeof line, f)) {
        int v;
        if (!strcmp(line, "end\n")) {
            if (ended) *ended = true;
        } else if (code < 0 && sscanf(line, "%d", &v) == 1) {
            code = v;
        }
    }
    fclose(f);
    return code;
}

/* While mpirun runs, a signal to this process must not leave the status file behind (killed by
 * `timeout` or a SIGTERM it was left in /tmp): the handler passes a signal that another process
 * sent on to mpirun, which stops its ranks; one from the terminal (Ctrl-C) reached mpirun already.
 * Once mpirun has exited the file is removed and the signal raised again, so this process ends as
 * the signal asked. Only SIGKILL, which nothing catches, can still leave the file. */
static volatile sig_atomic_t relaunch_signal;
static volatile pid_t relaunch_child;

static void on_relaunch_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    relaunch_signal = sig;
    if (relaunch_child > 0 && (!info || info->si_code != SI_KERNEL)) kill(relaunch_child, sig);
}

static const int relaunch_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_RELAUNCH_SIGNALS ((int)(sizeof relaunch_signals / sizeof *relaunch_signals))

/* The plan's hosts as a hostfile for the sequential mapper: one line per rank. */
static enum halo_status write_hostfile(const char *path, const char *const *hosts, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) return halo_error(HALO_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    for (int r = 0; r < n; r++) fprintf(f, "%s\n", hosts[r]);
    if (fclose(f) != 0) return halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return HALO_OK;
}

/* Whether the hosts are not all one. */
static bool several_hosts(const char *const *hosts, int n)
{
    for (int r = 1; hosts && r < n; r++)
        if (strcmp(hosts[r], hosts[0])) return true;
    return false;
}

enum halo_status halo_rt_relaunch(const struct halo_launch *l, int argc, char **argv, int *exit_status)
{
    int np = l->np;
    *exit_status = 1;
    if (getenv("HALO_RUN_LAUNCHED"))
        return halo_error(HALO_ERR_MPI, "started by mpirun, but no MPI launcher variables (OMPI_COMM_WORLD_SIZE, "
                                        "PMI_*, PMIX_RANK) are set: this mpirun is not Open MPI's");
    if (!on_path("mpirun"))
        return halo_error(HALO_ERR_UNSUPPORTED, "mpirun not found on PATH: install Open MPI (Debian: openmpi-bin) "
                                                "or start halo run under your MPI launcher");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return halo_error(HALO_ERR_IO, "/proc/self/exe: cannot read this program's path: %s", strerror(errno));
    exe[n] = '\0';
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char np_s[32];
    snprintf(np_s, sizeof np_s, "%d", np);
    char **av = halo_calloc((size_t)argc + 20, sizeof *av);
    if (!av) return HALO_ERR_NOMEM;
    const char *tmpdir = getenv("TMPDIR");
    char hosts_path[PATH_MAX] = "";
    bool placed = l->hostfile || l->hosts;
    if (l->hosts && !l->hostfile) {
        snprintf(hosts_path, sizeof hosts_path, "%s/halo-run-hosts-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        int hfd = mkstemp(hosts_path);
        enum halo_status hs = hfd < 0 ? halo_error(HALO_ERR_IO, "%s: cannot create: %s", hosts_path, strerror(errno))
                                      : (close(hfd), write_hostfile(hosts_path, l->hosts, np));
        if (hs != HALO_OK) {
            if (hfd >= 0) remove(hosts_path);
            free(av);
            return hs;
        }
    }
    int k = 0;
    av[k++] = "mpirun";
    av[k++] = "--bind-to";
    av[k++] = "none";
    if (placed) {
        /* rank k on line k's host; several ranks on one host share its slots */
        av[k++] = "--map-by";
        av[k++] = "seq";
        av[k++] = "--hostfile";
        av[k++] = (char *)(l->hostfile ? l->hostfile : hosts_path);
        av[k++] = "--oversubscribe";
    } else if (cores > 0 && np > cores) {
        av[k++] = "--oversubscribe";
    }
    /* --adapt on: a rank that dies does not end the job (Open MPI's orte_enable_recovery; there is
     * no ULFM in Debian's Open MPI 4.1): the survivors' communicator returns errors, they go on */
    bool adapt = false;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--adapt") && !strcmp(argv[i + 1], "on")) {
            av[k++] = "--enable-recovery";
            adapt = true;
            break;
        }
    av[k++] = "-np";
    av[k++] = np_s;
    av[k++] = exe;
    for (int i = 1; i < argc; i++) av[k++] = argv[i];
    av[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    /* the handlers are in place, and the signals blocked, before the status file exists: a signal
     * from then on waits until the child is known, then the handler passes it on */
    struct sigaction sa = {0}, old[N_RELAUNCH_SIGNALS];
    sigset_t block, prev;
    sa.sa_sigaction = on_relaunch_signal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&block);
    for (int i = 0; i < N_RELAUNCH_SIGNALS; i++) sigaddset(&block, relaunch_signals[i]);
    sigprocmask(SIG_BLOCK, &block, &prev);
    relaunch_signal = 0;
    relaunch_child = 0;
    for (int i = 0; i < N_RELAUNCH_SIGNALS; i++) sigaction(relaunch_signals[i], &sa, &old[i]);
    /* in $TMPDIR when set (as mkstemp's users expect), else /tmp */
    char status_path[PATH_MAX];
    snprintf(status_path, sizeof status_path, "%s/halo-run-status-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int sfd = mkstemp(status_path);
    if (sfd < 0) {
        int err = errno;
        for (int i = 0; i < N_RELAUNCH_SIGNALS; i++) sigaction(relaunch_signals[i], &old[i], NULL);
        sigprocmask(SIG_SETMASK, &prev, NULL);
        free(av);
        if (*hosts_path) remove(hosts_path);
        return halo_error(HALO_ERR_IO, "%s: cannot create: %s", status_path, strerror(err));
    }
    close(sfd);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        for (int i = 0; i < N_RELAUNCH_SIGNALS; i++) sigaction(relaunch_signals[i], &old[i], NULL);
        sigprocmask(SIG_SETMASK, &prev, NULL);
        free(av);
        remove(status_path);
        if (*hosts_path) remove(hosts_path);
        return halo_error(HALO_ERR_IO, "fork: %s", strerror(err));
    }
    if (pid == 0) {
        for (int i = 0; i < N_RELAUNCH_SIGNALS; i++) sigaction(relaunch_signals[i], &old[i], NULL);
        sigprocmask(SIG_SETMASK, &prev, NULL);
        setenv("HALO_RUN_LAUNCHED", "1", 1);
        setenv("HALO_RUN_STATUS_FILE", status_path, 1);
        setenv("OMPI_MCA_orte_abort_on_non_zero_status", "0", 0);
        /* TCP when asked, or by default across hosts (the user's own btl setting stays) */
        if (l->tcp) setenv("OMPI_MCA_btl", "tcp,self", 1);
        else if (l->several || several_hosts(l->hosts, np)) setenv("OMPI_MCA_btl", "tcp,self", 0);
        /* every message sent eagerly, so that its bytes flow while its receiver computes (the
         * user's own settings stay) */
        char eager[32];
        snprintf(eager, sizeof eager, "%lld", (long long)halo_rt_eager_bytes(l->max_msg_bytes));
        setenv("OMPI_MCA_btl_tcp_eager_limit", eager, 0);
        setenv("OMPI_MCA_btl_tcp_rndv_eager_limit", eager, 0);
        setenv("OMPI_MCA_btl_tcp_max_send_size", eager, 0);
        /* --adapt on: MPI_Finalize without its opening barrier, a fence over every rank of the job
         * that a dead rank can hold up for ever (halo_rt_finish) */
        if (adapt) setenv("OMPI_MCA_async_mpi_finalize", "1", 0);
        if (geteuid() == 0) {
            setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
            setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
        }
        execvp("mpirun", av);
        fprintf(stderr, "halo run: cannot start mpirun: %s\n", strerror(errno));
        _exit(127);
    }
    free(av);
    relaunch_child = pid;
    /* SIGCHLD stays blocked, so that the wait below wakes when mpirun exits (sigtimedwait) */
    sigset_t chld, waitmask = prev;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigaddset(&waitmask, SIGCHLD);
    sigprocmask(SIG_SETMASK, &waitmask, NULL);
    int ws, werr = 0;
    /* the source is over but mpirun is not: past the grace, a rank that left the stream and never
     * the job (excluded as stalled under --adapt on) holds it, and mpirun is stopped: SIGTERM, then
     * SIGKILL after another grace. stage 0: the source still runs; 1: it ended at since_ms;
     * 2: SIGTERM sent at since_ms; 3: SIGKILL sent. */
    int stage = 0;
    double since_ms = 0;
    for (;;) {
        pid_t w = waitpid(pid, &ws, WNOHANG);
        if (w == pid) break;
        if (w < 0) {
            if (errno == EINTR) continue;
            werr = errno;
            break;
        }
        double now = halo_now_ms();
        bool ended = false;
        if (stage == 0) read_status(status_path, &ended);
        if (ended) {
            stage = 1;
            since_ms = now;
        } else if ((stage == 1 || stage == 2) && now - since_ms > HALO_RT_END_GRACE_MS) {
            if (stage == 1)
                fprintf(stderr,
                        "halo run: the source ended %.0f s ago and mpirun has not: a rank that left the job "
                        "(excluded as dead or stalled) is still running; stopping mpirun\n",
                        (now - since_ms) / 1000);
            kill(pid, stage == 1 ? SIGTERM : SIGKILL);
            stage++;
            since_ms = now;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        sigtimedwait(&chld, NULL, &ts);
    }
    sigprocmask(SIG_SETMASK, &prev, NULL);
    relaunch_child = 0;
    int code = werr ? -1 : read_status(status_path, NULL);
    remove(status_path);
    if (*hosts_path) remove(hosts_path);
    for (int i = 0; i < N_RELAUNCH_SIGNALS; i++) sigaction(relaunch_signals[i], &old[i], NULL);
    if (relaunch_signal) { /* end as the signal asked, now that the file is gone */
        fflush(stdout);
        signal(relaunch_signal, SIG_DFL);
        raise(relaunch_signal);
    }
    if (werr) return halo_error(HALO_ERR_IO, "waitpid(mpirun): %s", strerror(werr));
    int mpirun_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    /* mpirun's own failure (127: not started, an abort) wins over a rank's "ok" */
    *exit_status = code < 0 ? (mpirun_status ? mpirun_status : 1) : (code == 0 ? mpirun_status : code);
    /* stopped by halo after the source ended: the source's status is the job's */
    if (stage >= 2 && code >= 0) *exit_status = code;
    /* a source on another host than mpirun cannot write the file; it ends a failed job with
     * MPI_Abort, so mpirun's 0 is then its success */
    if (code < 0 && mpirun_status == 0 && placed) *exit_status = 0;
    else if (code < 0 && mpirun_status == 0)
        return halo_error(HALO_ERR_MPI, "mpirun exited 0 but no rank reported a status (did the ranks start?)");
    return HALO_OK;
}
