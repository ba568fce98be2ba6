/* sigrec [FILE [EXITCODE]]: test child that catches every catchable signal
 * (1..31 except SIGCHLD), prints "sigrec <pid> ready" on stdout, and on the
 * first signal appends "<pid> SIGNAME\n" to FILE (if given and not "-"),
 * prints "sigrec <pid> got SIGNAME" on stdout, then exits EXITCODE (default:
 * the signal number). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_sig(int sig)
{
    got = sig;
}

static const char *name_of(int sig)
{
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCONT: return "SIGCONT";
    case SIGTSTP: return "SIGTSTP";
    case SIGTTIN: return "SIGTTIN";
    case SIGTTOU: return "SIGTTOU";
    case SIGURG: return "SIGURG";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGVTALRM: return "SIGVTALRM";
    case SIGPROF: return "SIGPROF";
    case SIGWINCH: return "SIGWINCH";
    case SIGIO: return "SIGIO";
    case SIGPWR: return "SIGPWR";
    case SIGSYS: return "SIGSYS";
    default: return "SIG?";
    }
}

int main(int argc, char **argv)
{
    const char *file = argc > 1 ? argv[1] : NULL;
    struct sigaction sa = {0};
    sigset_t all, old;
    sa.sa_handler = on_sig;
    sigfillset(&sa.sa_mask);
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
            sigaction(sig, &sa, NULL);
    printf("sigrec %ld ready\n", (long)getpid());
    fflush(stdout);
    while (!got)
        sigsuspend(&old);
    if (file && strcmp(file, "-") != 0) {
        FILE *f = fopen(file, "a");
        if (f) {
            fprintf(f, "%ld %s\n", (long)getpid(), name_of(got));
            fclose(f);
        }
    }
    printf("sigrec %ld got %s\n", (long)getpid(), name_of(got));
    fflush(stdout);
    return argc > 2 ? atoi(argv[2]) : (int)got;
}
