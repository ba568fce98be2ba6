/* cleansig PROGRAM [ARGS...]: exec PROGRAM with every signal disposition at
 * its default and an empty signal mask, whatever the test runner inherited
 * (some sandboxes start processes with glibc's reserved signals 32 and 33
 * ignored, which would show up in the children's SigIgn). */
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cleansig PROGRAM [ARGS...]\n");
        return 2;
    }
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        unsigned long mask;
    } ksa = {.handler = SIG_DFL};
    for (int sig = 1; sig < 65; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof ksa.mask);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
