#define _GNU_SOURCE /* realpath, O_CLOEXEC */
#include "core/file.h"
#include "core/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum halo_status halo_file_check_regular(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return halo_error(HALO_ERR_IO, "%s: %s", path, S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
    return HALO_OK;
}

enum halo_status halo_file_open_regular(const char *path, FILE **out, long long *size)
{
    *out = NULL;
    struct stat sb;
    HALO_TRY(halo_file_check_regular(path));
    /* O_NONBLOCK: should the name become a FIFO between the stat and the open, the open returns */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return halo_error(HALO_ERR_IO, "%s: not a regular file", path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int err = errno;
        close(fd);
        return halo_error(HALO_ERR_IO, "%s: cannot open: %s", path, strerror(err));
    }
    if (size) *size = (long long)sb.st_size;
    *out = f;
    return HALO_OK;
}

struct halo_outfile {
    char *name;   /* as the user gave it: messages */
    char *target; /* the regular file to replace (links followed); NULL when written through */
    char *tmp;    /* the temporary file beside target */
    FILE *f;
};

static void outfile_free(struct halo_outfile *o)
{
    if (!o) return;
    free(o->name);
    free(o->target);
    free(o->tmp);
    free(o);
}

/* The file a name that does not exist stands for: the name itself, or, for a dangling symbolic
 * link, the path its chain of links ends at (to be created, the links kept). */
static char *dangling_target(const char *path)
{
    char *p = halo_strdup(path);
    for (int hops = 0; p && hops < 40; hops++) {
        struct stat sb;
        if (lstat(p, &sb) != 0 || !S_ISLNK(sb.st_mode)) return p;
        char link[PATH_MAX];
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n < 0) return p;
        link[n] = '\0';
        char *next;
        const char *slash = strrchr(p, '/');
        if (link[0] == '/' || !slash) {
            next = halo_strdup(link);
        } else {
            size_t len = (size_t)(slash - p) + 1 + (size_t)n + 1;
            next = halo_malloc(len, 1);
            if (next) snprintf(next, len, "%.*s/%s", (int)(slash - p), p, link);
        }
        free(p);
        p = next;
    }
    return p; /* a loop of links: creating it fails below with the system's message */
}

/* A new temporary file beside target, with the mode target has (or the default one). */
static enum halo_status open_tmp(struct halo_outfile *o, const char *name, mode_t mode, bool keep_mode)
{
    size_t n = strlen(o->target) + 16;
    if (!(o->tmp = halo_malloc(n, 1))) return HALO_ERR_NOMEM;
    snprintf(o->tmp, n, "%s.tmp-XXXXXX", o->target);
    int fd = mkostemp(o->tmp, O_CLOEXEC);
    if (fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        return halo_error(HALO_ERR_IO, "%s: cannot write: %s", name, strerror(errno));
    }
    if (!keep_mode) { /* what open(O_CREAT, 0666) would give: the umask applies */
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(fd, mode & 07777) != 0) { /* not fatal: the file is written with mkstemp's 0600 */
    }
    if (!(o->f = fdopen(fd, "wb"))) {
        int err = errno;
        close(fd);
        unlink(o->tmp);
        return halo_error(HALO_ERR_IO, "%s: cannot write: %s", name, strerror(err));
    }
    return HALO_OK;
}

/* Opens a device, FIFO or other special file to write in place. A FIFO without a reader would
 * block forever: O_NONBLOCK makes that an error (ENXIO) instead; the writes then block as usual. */
static enum halo_status open_through(struct halo_outfile *o, const char *path, const struct stat *sb)
{
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENXIO && S_ISFIFO(sb->st_mode))
            return halo_error(HALO_ERR_IO, "%s: cannot write: a FIFO that no process reads", path);
        if (errno == ENXIO && S_ISSOCK(sb->st_mode))
            return halo_error(HALO_ERR_IO, "%s: cannot write: a socket, not a file", path);
        return halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    if (!(o->f = fdopen(fd, "wb"))) {
        int err = errno;
        close(fd);
        return halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(err));
    }
    return HALO_OK;
}

/* The descriptor a name of an open one stands for (/dev/stdout, /dev/fd/N, /proc/self/fd/N), or -1.
 * Writing there means writing to that descriptor, at its offset, as a shell's redirection does;
 * reopening the name would write at offset 0 or replace the file stdout points to. */
static int fd_name(const char *path)
{
    static const char *const prefixes[] = {"/dev/fd/", "/proc/self/fd/", NULL};
    if (!strcmp(path, "/dev/stdout")) return 1;
    if (!strcmp(path, "/dev/stderr")) return 2;
    for (int i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(path, prefixes[i], n) || !path[n]) continue;
        char *end;
        long fd = strtol(path + n, &end, 10);
        if (*end || fd < 0 || fd > INT_MAX) return -1;
        return fcntl((int)fd, F_GETFD) < 0 ? -1 : (int)fd;
    }
    return -1;
}

enum halo_status halo_outfile_open(const char *path, struct halo_outfile **out)
{
    *out = NULL;
    if (!path || !*path) return halo_error(HALO_ERR_IO, "output file: empty name");
    struct halo_outfile *o = halo_calloc(1, sizeof *o);
    if (!o || !(o->name = halo_strdup(path))) {
        outfile_free(o);
        return HALO_ERR_NOMEM;
    }
    enum halo_status st;
    struct stat sb;
    int fd = fd_name(path);
    if (fd >= 0) {
        if (fd == 1 || fd == 2) fflush(fd == 1 ? stdout : stderr); /* what was printed comes first */
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        o->f = dfd >= 0 ? fdopen(dfd, "wb") : NULL;
        if (!o->f && dfd >= 0) close(dfd);
        st = o->f ? HALO_OK : halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    } else if (stat(path, &sb) == 0) { /* follows links, /dev/stdout and /proc/self/fd/N included */
        if (S_ISDIR(sb.st_mode)) {
            st = halo_error(HALO_ERR_IO, "%s: is a directory", path);
        } else if (S_ISREG(sb.st_mode)) {
            o->target = realpath(path, NULL);
            st = o->target ? open_tmp(o, path, sb.st_mode, true)
                           : halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        } else {
            st = open_through(o, path, &sb);
        }
    } else if (errno == ENOENT) {
        o->target = dangling_target(path);
        st = o->target ? open_tmp(o, path, 0, false) : HALO_ERR_NOMEM;
    } else {
        st = halo_error(HALO_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    if (st != HALO_OK) {
        outfile_free(o);
        return st;
    }
    *out = o;
    return HALO_OK;
}

FILE *halo_outfile_stream(struct halo_outfile *o) { return o->f; }

enum halo_status halo_outfile_close(struct halo_outfile *o)
{
    int err = 0;
    bool bad = false;
    errno = 0;
    if (fflush(o->f) != 0) {
        bad = true;
        err = errno;
    }
    bad |= ferror(o->f) != 0;
    if (fclose(o->f) != 0 && !bad) {
        bad = true;
        err = errno;
    }
    o->f = NULL;
    if (!bad && o->tmp && rename(o->tmp, o->target) != 0) {
        bad = true;
        err = errno;
    }
    enum halo_status st = HALO_OK;
    if (bad) {
        if (o->tmp) unlink(o->tmp);
        st = halo_error(HALO_ERR_IO, "%s: cannot write: %s", o->name, err ? strerror(err) : "write error");
    }
    outfile_free(o);
    return st;
}

void halo_outfile_discard(struct halo_outfile *o)
{
    if (!o) return;
    if (o->f) fclose(o->f);
    if (o->tmp) unlink(o->tmp);
    outfile_free(o);
}

enum halo_status halo_outfile_write(const char *path, const void *data, size_t len)
{
    struct halo_outfile *o;
    HALO_TRY(halo_outfile_open(path, &o));
    if (len && fwrite(data, 1, len, o->f) != len) { /* the close reports it with the reason */
    }
    return halo_outfile_close(o);
}

enum halo_status halo_outfile_check_stdout(void)
{
    errno = 0;
    int flushed = fflush(stdout);
    int err = errno;
    if (flushed == 0 && !ferror(stdout)) return HALO_OK;
    return halo_error(HALO_ERR_IO, "stdout: cannot write: %s", err ? strerror(err) : "write error");
}
