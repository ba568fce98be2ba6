/* exiter CODE [DELAY_MS [MARKFILE]]: test child that appends its pid to
 * MARKFILE (if given), prints "exiter <pid> code CODE" on stdout and
 * "exiter stderr" on stderr, waits DELAY_MS milliseconds, then exits CODE. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 0;
    long ms = argc > 2 ? atol(argv[2]) : 0;
    if (argc > 3) {
        FILE *f = fopen(argv[3], "a");
        if (f) {
            fprintf(f, "%ld\n", (long)getpid());
            fclose(f);
        }
    }
    printf("exiter %ld code %d\n", (long)getpid(), code);
    fflush(stdout);
    fprintf(stderr, "exiter stderr\n");
    if (ms > 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    return code;
}
