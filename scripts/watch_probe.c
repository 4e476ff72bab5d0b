/* watch_probe: prints "w<TAB>DIR<TAB>NAME" the moment a file in DIR is closed after writing or
 * moved in, unbuffered. scripts/bench_watch.py builds it static and mounts it into the watched
 * container, to see when a synced file becomes visible there. Usage: watch_probe DIR */
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    mkdir(argv[1], 0755);
    int fd = inotify_init();
    if (fd < 0 || inotify_add_watch(fd, argv[1], IN_CLOSE_WRITE | IN_MOVED_TO) < 0) return 1;
    char buf[65536], line[4352];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) return 1;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->len) {
                int k = snprintf(line, sizeof line, "w\t%s\t%s\n", argv[1], e->name);
                if (k > 0) write(1, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
            }
            p += sizeof *e + e->len;
        }
    }
}
