// replay LOG WORK [--pages] [--from N]: applies the write log of wlog.so to LOG.base record by record and checks
// every resulting state (each a state a SIGKILL can leave) in a forked child with libhdf5: the file opens, and
// every row before the shortest dataset's length is exact (step = row, kNN = row*0.5 + NN*1e-3, the late key NaN
// before 3000).
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
typedef int64_t hid_t; typedef int herr_t; typedef uint64_t hsize_t; typedef int htri_t; typedef int64_t ssize_t_;
typedef struct { int storage_type; hsize_t nlinks; int64_t max_corder; unsigned char mounted; } H5G_info_t;
extern herr_t H5open(void); extern hid_t H5T_NATIVE_DOUBLE_g, H5T_NATIVE_LLONG_g;
extern herr_t H5Eset_auto2(hid_t, void *, void *);
extern hid_t H5Fopen(const char *, unsigned, hid_t); extern herr_t H5Fclose(hid_t);
extern herr_t H5Gget_info(hid_t, H5G_info_t *);
extern ssize_t H5Lget_name_by_idx(hid_t, const char *, int, int, hsize_t, char *, size_t, hid_t);
extern hid_t H5Dopen2(hid_t, const char *, hid_t); extern hid_t H5Dget_space(hid_t);
extern int H5Sget_simple_extent_dims(hid_t, hsize_t *, hsize_t *);
extern hid_t H5Screate_simple(int, const hsize_t *, const hsize_t *);
extern herr_t H5Sselect_hyperslab(hid_t, int, const hsize_t *, const hsize_t *, const hsize_t *, const hsize_t *);
extern herr_t H5Dread(hid_t, hid_t, hid_t, hid_t, hid_t, void *);
static int check(const char *path, char *msg, size_t cap) {
    H5open(); H5Eset_auto2(0, NULL, NULL);
    hid_t f = H5Fopen(path, 0, 0);
    if (f < 0) { snprintf(msg, cap, "unopenable"); return 2; }
    H5G_info_t gi; if (H5Gget_info(f, &gi) < 0) { snprintf(msg, cap, "no root info"); return 2; }
    if (gi.nlinks == 0) { snprintf(msg, cap, "empty"); return 3; }
    char names[64][256]; hid_t ds[64]; hsize_t len[64]; int nd = (int)gi.nlinks; hsize_t n = UINT64_MAX; int stepi = -1;
    for (int i = 0; i < nd; i++) {
        if (H5Lget_name_by_idx(f, ".", 0, 0, i, names[i], 256, 0) < 0) { snprintf(msg, cap, "link name %d", i); return 2; }
        ds[i] = H5Dopen2(f, names[i], 0);
        if (ds[i] < 0) { snprintf(msg, cap, "open %s", names[i]); return 2; }
        hid_t sp = H5Dget_space(ds[i]); if (sp < 0 || H5Sget_simple_extent_dims(sp, &len[i], NULL) != 1) { snprintf(msg, cap, "dims %s", names[i]); return 2; }
        if (len[i] < n) n = len[i];
        if (strcmp(names[i], "step") == 0) stepi = i;
    }
    if (stepi < 0) { snprintf(msg, cap, "no step"); return 3; }
    size_t used = snprintf(msg, cap, "n %llu:", (unsigned long long)n); int bad = 0;
    if (n == 0) return 0;
    double *v = malloc(n * 8); long long *st = (long long *)v;
    hsize_t zero = 0; hid_t mem = H5Screate_simple(1, &n, NULL);
    for (int i = 0; i < nd; i++) {
        hid_t fs = H5Dget_space(ds[i]); H5Sselect_hyperslab(fs, 0, &zero, NULL, &n, NULL);
        int isstep = i == stepi;
        if (H5Dread(ds[i], isstep ? H5T_NATIVE_LLONG_g : H5T_NATIVE_DOUBLE_g, mem, fs, 0, v) < 0) { snprintf(msg + used, cap - used, " read %s failed", names[i]); return 2; }
        long long first = -1, last = -1, count = 0; double got = 0;
        int k = names[i][0] == 'k' ? atoi(names[i] + 1) : 20;
        for (hsize_t r = 0; r < n; r++) {
            int ok;
            if (isstep) ok = st[r] == (long long)r;
            else {
                double want = (double)r * 0.5 + k * 1e-3;
                ok = (k == 20 && r < 3000) ? isnan(v[r]) : v[r] == want;
            }
            if (!ok) { if (first < 0) { first = r; got = isstep ? (double)st[r] : v[r]; } last = r; count++; }
        }
        if (count) { bad = 1; if (used < cap) used += snprintf(msg + used, cap - used, " %s rows %lld..%lld (%lld) got %g;", names[i], first, last, count, got); }
    }
    if (used < cap) used += snprintf(msg + used, cap - used, " lengths");
    for (int i = 0; i < nd && used < cap; i++) used += snprintf(msg + used, cap - used, " %s=%llu", names[i], (unsigned long long)len[i]);
    return bad;
}
static const char *work; static long states, failures, nfail_print = 300;
static void state(long rec, const char *tag, char op, uint64_t off, uint64_t len) {
    states++;
    int fds[2]; pipe(fds);
    pid_t pid = fork();
    if (pid == 0) { close(fds[0]); char msg[4096]; int rc = check(work, msg, sizeof msg); write(fds[1], msg, strlen(msg)); _exit(rc); }
    close(fds[1]); char msg[4096]; ssize_t m = 0, r; while ((r = read(fds[0], msg + m, sizeof msg - 1 - m)) > 0) m += r; msg[m] = 0; close(fds[0]);
    int st; waitpid(pid, &st, 0);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
    if (rc == 1 || rc == 2 || rc >= 100) {
        failures++;
        if (failures <= nfail_print) printf("record %ld (%s) %c off %llu len %llu: rc %d %s\n", rec, tag, op, (unsigned long long)off, (unsigned long long)len, rc, msg);
    }
}
int main(int argc, char **argv) {
    const char *logp = argv[1]; work = argv[2]; int pages = 0; long from = 0;
    for (int i = 3; i < argc; i++) { if (!strcmp(argv[i], "--pages")) pages = 1; if (!strcmp(argv[i], "--from")) from = atol(argv[++i]); }
    char base[4096]; snprintf(base, sizeof base, "%s.base", logp);
    { int in = open(base, O_RDONLY), out = open(work, O_WRONLY | O_CREAT | O_TRUNC, 0644); char b[65536]; ssize_t n; while ((n = read(in, b, sizeof b)) > 0) write(out, b, n); close(in); close(out); }
    int fd = open(work, O_RDWR); int lf = open(logp, O_RDONLY); struct stat sb; fstat(lf, &sb);
    unsigned char *d = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, lf, 0); size_t pos = 0; long rec = 0;
    while (pos < (size_t)sb.st_size) {
        char op = d[pos]; uint64_t off, len; memcpy(&off, d + pos + 1, 8); memcpy(&len, d + pos + 9, 8); pos += 17;
        if (op == 'w') {
            const unsigned char *buf = d + pos; pos += len;
            if (pages && rec >= from) {
                for (uint64_t cut = 4096 - off % 4096; cut < len; cut += 4096) {
                    pwrite(fd, buf, cut, off); char tag[64]; snprintf(tag, sizeof tag, "first %llu bytes", (unsigned long long)cut); state(rec, tag, op, off, len);
                }
            }
            pwrite(fd, buf, len, off);
        } else ftruncate(fd, off);
        if (rec >= from) state(rec, "full", op, off, len);
        rec++;
    }
    printf("%s: %ld records, %ld states checked, %ld failing states\n", logp, rec, states, failures);
    return 0;
}
