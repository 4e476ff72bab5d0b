/* rmtree: the deleter `rcompose watch` runs inside containers, which may have no `rm`.
 *
 *   rmtree PATH...
 *
 * Removes each PATH (a folder with everything in it; a symbolic link itself, never what it points
 * to), then its own file (argv[0]). A PATH already gone counts as removed. Exit status 0 when every
 * PATH is gone, 1 otherwise.
 *
 * Freestanding: no libc, raw system calls for x86_64 and aarch64, so the same few kilobytes run in
 * any Linux container of that architecture. Built by build.rs with the C compiler rustc links with. */

typedef long i64;
typedef unsigned long u64;

#if defined(__x86_64__)
#define SYS_close 3
#define SYS_getdents64 217
#define SYS_exit_group 231
#define SYS_openat 257
#define SYS_unlinkat 263
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
static i64 sys4(i64 n, i64 a, i64 b, i64 c, i64 d) {
    i64 ret;
    register i64 r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}
__asm__(".text\n.global _start\n_start:\n\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n\thlt\n");
#elif defined(__aarch64__)
#define SYS_unlinkat 35
#define SYS_openat 56
#define SYS_close 57
#define SYS_getdents64 61
#define SYS_exit_group 94
#define O_DIRECTORY 040000
#define O_NOFOLLOW 0100000
static i64 sys4(i64 n, i64 a, i64 b, i64 c, i64 d) {
    register i64 x8 __asm__("x8") = n;
    register i64 x0 __asm__("x0") = a;
    register i64 x1 __asm__("x1") = b;
    register i64 x2 __asm__("x2") = c;
    register i64 x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
__asm__(".text\n.global _start\n_start:\n\tmov x0, sp\n\tbl start_c\n\tbrk #0\n");
#else
#error "rmtree: unsupported architecture"
#endif

#define AT_FDCWD (-100)
#define AT_REMOVEDIR 0x200
#define O_CLOEXEC 02000000
#define ENOENT 2
#define EISDIR 21

struct dirent64 {
    u64 ino;
    i64 off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static int is_dot(const char *s) {
    return s[0] == '.' && (s[1] == 0 || (s[1] == '.' && s[2] == 0));
}

/* Removes `name` in folder `dir`; 0 when it is gone. */
static int remove_at(int dir, const char *name, int depth) {
    i64 r = sys4(SYS_unlinkat, dir, (i64)name, 0, 0);
    if (r == 0 || r == -ENOENT) return 0;
    if (r != -EISDIR || depth > 256) return -1;
    /* a folder: empty it, then remove it; links inside are removed, not followed */
    for (int pass = 0; pass < 4; pass++) {
        i64 fd = sys4(SYS_openat, dir, (i64)name, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) return -1;
        char buf[4096];
        int failed = 0;
        for (;;) {
            i64 n = sys4(SYS_getdents64, fd, (i64)buf, sizeof buf, 0);
            if (n <= 0) {
                failed |= n < 0;
                break;
            }
            for (i64 at = 0; at < n;) {
                struct dirent64 *d = (struct dirent64 *)(buf + at);
                at += d->reclen;
                if (!is_dot(d->name) && remove_at((int)fd, d->name, depth + 1) != 0) failed = 1;
            }
        }
        sys4(SYS_close, fd, 0, 0, 0);
        r = sys4(SYS_unlinkat, dir, (i64)name, AT_REMOVEDIR, 0);
        if (r == 0 || r == -ENOENT) return 0;
        if (failed) return -1;
    }
    return -1;
}

__attribute__((used)) void start_c(i64 *sp) {
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    int status = 0;
    for (int i = 1; i < argc; i++)
        if (remove_at(AT_FDCWD, argv[i], 0) != 0) status = 1;
    if (argc > 0) sys4(SYS_unlinkat, AT_FDCWD, (i64)argv[0], 0, 0);
    sys4(SYS_exit_group, status, 0, 0, 0);
    for (;;) {}
}
