// LD_PRELOAD shim: logs every pwrite/write/ftruncate made to the file named by H5LOG_TARGET (basename match)
// into H5LOG (records: char op, u64 offset, u64 len, data). On open(O_RDWR) of the target it snapshots the file to
// H5LOG.base first (only once, before any logged write).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
static int logfd = -1;
static int tracked[4096];
static int snap_done = 0;
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_open)(const char *, int, ...);
static void init(void) {
    if (!real_pwrite) {
        real_pwrite = dlsym(RTLD_NEXT, "pwrite");
        real_write = dlsym(RTLD_NEXT, "write");
        real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
        real_open = dlsym(RTLD_NEXT, "open");
    }
}
static void rawwrite(const void *p, size_t n) {
    const char *c = p;
    while (n) { ssize_t w = syscall(SYS_write, logfd, c, n); if (w <= 0) abort(); c += w; n -= w; }
}
static void record(char op, uint64_t off, uint64_t len, const void *data) {
    if (logfd < 0) {
        const char *l = getenv("H5LOG");
        logfd = syscall(SYS_open, l, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (logfd < 0) abort();
    }
    rawwrite(&op, 1); rawwrite(&off, 8); rawwrite(&len, 8);
    if (data) rawwrite(data, len);
}
static int is_target(const char *path) {
    const char *t = getenv("H5LOG_TARGET");
    if (!t) return 0;
    size_t lp = strlen(path), lt = strlen(t);
    return lp >= lt && strcmp(path + lp - lt, t) == 0 && (lp == lt || path[lp - lt - 1] == '/');
}
int open(const char *path, int flags, ...) {
    init();
    mode_t mode = 0;
    if (flags & O_CREAT) { va_list a; va_start(a, flags); mode = va_arg(a, int); va_end(a); }
    int target = is_target(path) && (flags & O_ACCMODE) != O_RDONLY;
    if (target && !snap_done) {
        snap_done = 1;
        char base[4096]; snprintf(base, sizeof base, "%s.base", getenv("H5LOG"));
        int out = syscall(SYS_open, base, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = (flags & O_TRUNC) ? -1 : syscall(SYS_open, path, O_RDONLY);
        char buf[65536]; ssize_t n;
        if (in >= 0) { while ((n = read(in, buf, sizeof buf)) > 0) syscall(SYS_write, out, buf, n); close(in); }
        close(out);
    }
    int fd = real_open(path, flags, mode);
    if (fd >= 0 && fd < 4096) tracked[fd] = target;
    if (target && fd >= 0 && (flags & O_TRUNC)) record('t', 0, 0, NULL);
    return fd;
}
int open64(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & O_CREAT) { va_list a; va_start(a, flags); mode = va_arg(a, int); va_end(a); }
    return open(path, flags, mode);
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    init();
    if (fd >= 0 && fd < 4096 && tracked[fd]) record('w', off, n, buf);
    return real_pwrite(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }
ssize_t write(int fd, const void *buf, size_t n) {
    init();
    if (fd >= 0 && fd < 4096 && tracked[fd]) { off_t off = lseek(fd, 0, SEEK_CUR); record('w', off, n, buf); }
    return real_write(fd, buf, n);
}
int ftruncate(int fd, off_t len) {
    init();
    if (fd >= 0 && fd < 4096 && tracked[fd]) record('t', len, 0, NULL);
    return real_ftruncate(fd, len);
}
int ftruncate64(int fd, off_t len) { return ftruncate(fd, len); }
int close(int fd) {
    static int (*real_close)(int);
    if (!real_close) real_close = dlsym(RTLD_NEXT, "close");
    if (fd >= 0 && fd < 4096) tracked[fd] = 0;
    return real_close(fd);
}
