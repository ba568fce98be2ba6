/* streamer: the log-capture benchmark's child and its checker.
 *   streamer write BYTES          write ceil(BYTES/64) numbered 64-byte lines to
 *                                 stdout in 64 KiB writes, flat out, then exit 0
 *   streamer check BYTES FILE...  read FILEs in order as one stream and print one
 *                                 JSON line: bytes expected, found, lost,
 *                                 reordered (duplicated or out of order), corrupt
 * A line is 16 decimal digits (its number from 0), a space, 46 filler bytes and
 * '\n', so a rotation that splits a line is harmless once the files are joined. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LINE = 64, DIGITS = 16, PER_WRITE = 1024 };

static const char filler[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST";

static void put_number(char *p, unsigned long long n)
{
    for (int i = DIGITS - 1; i >= 0; i--) {
        p[i] = (char)('0' + n % 10);
        n /= 10;
    }
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int do_write(unsigned long long lines)
{
    static char buf[LINE * PER_WRITE];
    for (int i = 0; i < PER_WRITE; i++) {
        char *l = buf + (size_t)i * LINE;
        l[DIGITS] = ' ';
        memcpy(l + DIGITS + 1, filler, LINE - DIGITS - 2);
        l[LINE - 1] = '\n';
    }
    for (unsigned long long n = 0; n < lines;) {
        unsigned long long k = lines - n < PER_WRITE ? lines - n : PER_WRITE;
        for (unsigned long long i = 0; i < k; i++)
            put_number(buf + i * LINE, n + i);
        if (write_all(1, buf, (size_t)(k * LINE)) < 0) {
            perror("streamer: write");
            return 1;
        }
        n += k;
    }
    return 0;
}

struct check {
    unsigned long long next, found, lost, reordered, corrupt;
    char line[LINE];
    size_t have;
};

static void check_line(struct check *c)
{
    unsigned long long n = 0;
    int ok = c->line[DIGITS] == ' ' && c->line[LINE - 1] == '\n' &&
             memcmp(c->line + DIGITS + 1, filler, LINE - DIGITS - 2) == 0;
    for (int i = 0; ok && i < DIGITS; i++) {
        if (c->line[i] < '0' || c->line[i] > '9')
            ok = 0;
        n = n * 10 + (unsigned long long)(c->line[i] - '0');
    }
    if (!ok) {
        c->corrupt += LINE;
    } else if (n == c->next) {
        c->next++;
    } else if (n > c->next) {
        c->lost += (n - c->next) * LINE;
        c->next = n + 1;
    } else {
        c->reordered += LINE;
    }
}

static int do_check(unsigned long long lines, int nfiles, char **files)
{
    struct check c = {0};
    static char buf[1 << 16];
    for (int f = 0; f < nfiles; f++) {
        int fd = open(files[f], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "streamer: cannot open '%s': %s\n", files[f], strerror(errno));
            return 1;
        }
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0) {
            c.found += (unsigned long long)r;
            for (ssize_t i = 0; i < r; i++) {
                c.line[c.have++] = buf[i];
                if (buf[i] == '\n' || c.have == LINE) {
                    if (c.have == LINE)
                        check_line(&c);
                    else
                        c.corrupt += c.have;
                    c.have = 0;
                }
            }
        }
        close(fd);
    }
    c.corrupt += c.have;
    if (c.next < lines)
        c.lost += (lines - c.next) * LINE;
    printf("{\"expected\": %llu, \"found\": %llu, \"lost\": %llu, \"reordered\": %llu, "
           "\"corrupt\": %llu}\n",
           lines * LINE, c.found, c.lost, c.reordered, c.corrupt);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: streamer write BYTES | streamer check BYTES FILE...\n");
        return 64;
    }
    unsigned long long lines = (strtoull(argv[2], NULL, 10) + LINE - 1) / LINE;
    if (strcmp(argv[1], "write") == 0)
        return do_write(lines);
    if (strcmp(argv[1], "check") == 0)
        return do_check(lines, argc - 3, argv + 3);
    return 64;
}
