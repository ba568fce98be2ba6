/* shell: the interactive loop; libedit only when stdin is a terminal. */
#include "shell.h"

#include <dlfcn.h>
#include <errno.h>
#include <histedit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

/* libedit is loaded when a terminal session starts, not linked: loading it
 * and its libraries cost every one-shot command ~0.4 ms, a tenth of a
 * `status`. The header still types every call. */
#define EDIT_FUNCS(X)                                                              \
    X(el_init) X(el_line) X(el_insertstr) X(el_set) X(el_wset) X(el_source)        \
    X(el_gets) X(el_end) X(history_init) X(history) X(history_end)
static struct {
#define EDIT_DECL(f) __typeof__(f) *f;
    EDIT_FUNCS(EDIT_DECL)
#undef EDIT_DECL
} ed;

/* false: no libedit (then stdin is read line by line). Once loaded it is
 * never closed: what libedit still holds is reachable only through its own
 * data, which dlclose would unmap (a leak to LeakSanitizer). */
static bool edit_load(void)
{
    void *h = dlopen(LIBEDIT_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return false;
#define EDIT_SYM(f)                                                                \
    if (!(ed.f = (__typeof__(ed.f))dlsym(h, #f))) {                                \
        dlclose(h);                                                                \
        return false;                                                              \
    }
    EDIT_FUNCS(EDIT_SYM)
#undef EDIT_SYM
    return true;
}

static struct ctl *the_ctl;
static char *prompt_text;
static volatile sig_atomic_t got_sigint;

static void on_sigint(int sig)
{
    (void)sig;
    got_sigint = 1;
}

static char *prompt_fn(EditLine *el)
{
    (void)el;
    return prompt_text;
}

/* Python's readline delimiters without ':', '*' and '-' (supervisorctl
 * removes them so "group:*" and "a-b" complete as one word). */
static bool is_delim(char ch)
{
    return strchr(" \t\n`~!@#$%^&()=+[{]}\\|;'\",<>/?", ch) != NULL;
}

static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    const LineInfo *li = ed.el_line(el);
    const char *start = li->cursor;
    while (start > li->buffer && !is_delim(start[-1]))
        start--;
    char *text = xstrndup(start, (size_t)(li->cursor - start));
    char *line = xstrndup(li->buffer, (size_t)(li->lastchar - li->buffer));
    char **m = ctl_complete(the_ctl, line, text);
    size_t n = 0;
    while (m[n])
        n++;
    unsigned char rc = CC_ERROR;
    size_t tl = strlen(text);
    if (n == 1) {
        ed.el_insertstr(el, m[0] + tl);
        rc = CC_REFRESH;
    } else if (n > 1) {
        size_t common = strlen(m[0]);
        for (size_t i = 1; i < n; i++) {
            size_t k = 0;
            while (k < common && m[i][k] == m[0][k])
                k++;
            common = k;
        }
        if (common > tl) {
            char *ins = xstrndup(m[0] + tl, common - tl);
            ed.el_insertstr(el, ins);
            free(ins);
            rc = CC_REFRESH;
        } else {
            fputc('\n', stdout);
            for (size_t i = 0; i < n; i++)
                printf("%s%s", m[i], i + 1 < n ? " " : "\n");
            fflush(stdout);
            rc = CC_REDISPLAY;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(m[i]);
    free(m);
    free(text);
    free(line);
    return rc;
}

static void history_load(History *h, const char *path)
{
    HistEvent ev;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        ed.history(h, &ev, H_ENTER, line);
    }
    free(line);
    fclose(f);
}

static void history_save(History *h, const char *path)
{
    HistEvent ev;
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    /* oldest first */
    if (ed.history(h, &ev, H_LAST) == 0) {
        do
            fprintf(f, "%s\n", ev.str);
        while (ed.history(h, &ev, H_PREV) == 0);
    }
    fclose(f);
}

static void run_pipe(struct ctl *c);

static void run_tty(struct ctl *c)
{
    if (!edit_load()) { /* as Python's supervisorctl without readline */
        run_pipe(c);
        return;
    }
    EditLine *el = ed.el_init("supervisorctl", stdin, stdout, stderr);
    History *h = ed.history_init();
    HistEvent ev;
    ed.history(h, &ev, H_SETSIZE, 1000);
    if (c->history_file)
        history_load(h, c->history_file);
    ed.el_set(el, EL_PROMPT, prompt_fn);
    ed.el_set(el, EL_EDITOR, "emacs");
    ed.el_set(el, EL_HIST, ed.history, h);
    /* the wide form: el_set's EL_ADDFN copies name and help and never frees them */
    ed.el_wset(el, EL_ADDFN, L"sv-complete", L"complete a command or name", complete_fn);
    ed.el_set(el, EL_BIND, "^I", "sv-complete", NULL);
    ed.el_source(el, NULL); /* ~/.editrc */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    for (;;) {
        int count;
        got_sigint = 0;
        const char *line = ed.el_gets(el, &count);
        if (!line) {
            if (got_sigint || (count < 0 && errno == EINTR)) {
                /* ^C at the prompt: KeyboardInterrupt leaves the loop */
                ctl_output(c, "%s", "");
                break;
            }
            if (ctl_onecmd(c, "EOF"))
                break;
            continue;
        }
        char *copy = xstrdup(line);
        size_t n = strlen(copy);
        if (n && copy[n - 1] == '\n')
            copy[--n] = '\0';
        if (n)
            ed.history(h, &ev, H_ENTER, copy);
        sigaction(SIGINT, &old, NULL); /* a command may be interrupted for good */
        bool stop = ctl_onecmd(c, copy);
        sigaction(SIGINT, &sa, NULL);
        free(copy);
        if (stop)
            break;
    }
    sigaction(SIGINT, &old, NULL);
    if (c->history_file)
        history_save(h, c->history_file);
    ed.history_end(h);
    ed.el_end(el);
}

static void run_pipe(struct ctl *c)
{
    for (;;) {
        char *line = ctl_input(prompt_text);
        bool stop = ctl_onecmd(c, line ? line : "EOF");
        free(line);
        if (stop)
            break;
    }
}

void shell_run(struct ctl *c)
{
    the_ctl = c;
    prompt_text = xasprintf("%s> ", c->prompt);
    if (!ctl_onecmd(c, "status")) {
        if (isatty(0))
            run_tty(c);
        else
            run_pipe(c);
    }
    free(prompt_text);
    prompt_text = NULL;
}
