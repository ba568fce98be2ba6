/* spewer [-n LINES] [-s out|err|both] [-i INTERVAL_MS] [-t TRAILER] [-x EXITCODE]:
 * test child writing LINES numbered lines of a fixed pattern (47 bytes each,
 * "O00000000 " or "E00000000 " + 36 pattern bytes + "\n") to stdout, stderr or
 * alternately to both, INTERVAL_MS apart (0 = as fast as possible; -n -1 =
 * forever). With -t, waits 300 ms and writes TRAILER + "\n" to the same
 * stream as line 0. Then exits EXITCODE if -x was given, else sleeps until SIGTERM
 * (exit 0). Every write is a whole line (write(2), no stdio buffering). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sig(int sig) { got = sig; }

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0)
            continue;
        p += w;
        n -= (size_t)w;
    }
}

int main(int argc, char **argv)
{
    long lines = 100, interval = 0;
    int exitcode = -1, opt;
    const char *stream = "out", *trailer = NULL;
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    while ((opt = getopt(argc, argv, "n:s:i:t:x:")) != -1) {
        switch (opt) {
        case 'n': lines = atol(optarg); break;
        case 's': stream = optarg; break;
        case 'i': interval = atol(optarg); break;
        case 't': trailer = optarg; break;
        case 'x': exitcode = atoi(optarg); break;
        default: return 64;
        }
    }
    int both = strcmp(stream, "both") == 0;
    int fd = strcmp(stream, "err") == 0 ? 2 : 1;
    for (long i = 0; (lines < 0 || i < lines) && !got; i++) {
        char buf[64];
        int use = both ? (i % 2 ? 2 : 1) : fd;
        int n = snprintf(buf, sizeof buf, "%c%08ld abcdefghijklmnopqrstuvwxyz0123456789\n",
                         use == 1 ? 'O' : 'E', i);
        write_all(use, buf, (size_t)n);
        if (interval > 0) {
            struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (trailer && !got) {
        struct timespec ts = {0, 300000000L};
        nanosleep(&ts, NULL);
        write_all(fd, trailer, strlen(trailer));
        write_all(fd, "\n", 1);
    }
    if (exitcode >= 0)
        return exitcode;
    /* SIGTERM blocked but inside sigsuspend: one arriving between the test
     * of `got` and a pause() would be lost */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (!got)
        sigsuspend(&old);
    return 0;
}
