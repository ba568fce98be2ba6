/* sleeper [TERMCODE [MARKFILE]]: test child that prints "sleeper <pid> up" on
 * stdout, optionally appends its pid to MARKFILE, then sleeps until a signal.
 * SIGTERM/SIGINT/SIGQUIT/SIGHUP make it exit with TERMCODE (default 0). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sig(int sig) { got = sig; }

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 0;
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (argc > 2) {
        FILE *f = fopen(argv[2], "a");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
    }
    /* The signals stay blocked except inside sigsuspend: one arriving
     * between the test of `got` and a pause() would be lost (and a stop
     * would wait for its SIGKILL). */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGQUIT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    printf("sleeper %ld up\n", (long)getpid());
    fflush(stdout);
    while (!got)
        sigsuspend(&old);
    return code;
}
