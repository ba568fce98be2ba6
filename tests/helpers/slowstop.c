/* slowstop [MARKFILE]: test child that ignores SIGTERM, SIGINT, SIGQUIT and
 * SIGHUP (so only SIGKILL ends it), then writes "slowstop <pid> ready" to
 * stdout and to MARKFILE (if given) and sleeps forever. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "a");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
    }
    printf("slowstop %ld ready\n", (long)getpid());
    fflush(stdout);
    for (;;)
        pause();
}
