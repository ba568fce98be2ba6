/* follow: the commands that read logs: tail (with -f, a stream of
 * /logtail/<name>/<channel>), maintail (-f: /mainlogtail) and fg (the
 * process's stdout and stderr streams, the terminal's input sent to its
 * stdin), until the server closes or ^C. */
#include "cmd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "xalloc.h"

/* ---- tail -f / maintail -f / fg streams ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* SIGINT sets `interrupted` and interrupts poll() while a stream runs. */
static void catch_sigint(struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, old);
}

/* http_client.Listener.feed: text as it is, else "Undecodable: b'...'". */
static void feed_stdout(void *ctx, const char *p, size_t n)
{
    (void)ctx;
    if (xmlrpc_utf8_valid(p, n)) {
        fwrite(p, 1, n, stdout);
    } else {
        struct buf b;
        buf_init(&b);
        buf_puts(&b, "Undecodable: ");
        fmt_bytes_repr(&b, p, n);
        fwrite(b.data, 1, b.len, stdout);
        buf_release(&b);
    }
    fflush(stdout);
}

struct stream {
    int fd;
    char *url;
    struct tailp p;
};

static void stream_open(struct ctl *c, struct stream *s, const char *path)
{
    struct client_conf cc = cmd_conf_of(c);
    s->url = xasprintf("%s%s", c->serverurl, path);
    tailp_init(&s->p);
    s->fd = client_stream_open(&cc, path);
    if (s->fd < 0) {
        struct buf b;
        buf_init(&b);
        buf_printf(&b, "<class '%s'> ([Errno %d] %s)", fmt_oserror_class(errno), errno,
                   strerror(errno));
        fflush(stdout);
        fprintf(stderr, "%s Cannot connect, error: %s\n", s->url, b.data);
        buf_release(&b);
    }
}

static void stream_close(struct stream *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void stream_release(struct stream *s)
{
    stream_close(s);
    free(s->url);
    tailp_release(&s->p);
}

/* Read what is there; closes the stream at its end. */
static void stream_read(struct stream *s)
{
    char tmp[65536];
    ssize_t n = read(s->fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        stream_close(s);
        return;
    }
    struct tailp_sink sink = {feed_stdout, NULL};
    if (tailp_feed(&s->p, tmp, (size_t)n, &sink) == TAILP_DONE) {
        fflush(stdout);
        if (s->p.error)
            fprintf(stderr, "%s Cannot connect, error: <class 'ValueError'> (bad response)\n",
                    s->url);
        else if (s->p.status != 200)
            fprintf(stderr, "%s Cannot read, status code %d\n", s->url, s->p.status);
        stream_close(s);
    }
}

/* _tailf: stream path until the server closes or ^C. */
static int tailf(struct ctl *c, const char *path)
{
    ctl_output(c, "==> Press Ctrl-C to exit <==");
    fflush(stdout);
    struct sigaction old;
    catch_sigint(&old);
    struct stream s;
    stream_open(c, &s, path);
    while (s.fd >= 0 && !interrupted) {
        struct pollfd pfd = {s.fd, POLLIN, 0};
        int r = poll(&pfd, 1, -1);
        if (r < 0)
            continue;
        stream_read(&s);
    }
    if (interrupted) {
        ctl_output(c, "%s", "");
    }
    stream_release(&s);
    sigaction(SIGINT, &old, NULL);
    fflush(stdout);
    return 0;
}

int follow_tail(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words args = cmd_split(arg);
    int ret = 0;
    char *channel = NULL;
    if (args.n < 1) {
        ctl_output(c, "Error: too few arguments");
        c->exitstatus = CTL_GENERIC;
        commands_help(c, "tail");
        goto out;
    }
    if (args.n > 3) {
        ctl_output(c, "Error: too many arguments");
        c->exitstatus = CTL_GENERIC;
        commands_help(c, "tail");
        goto out;
    }
    const char *modifier = NULL;
    size_t first = 0;
    if (args.w[0][0] == '-') {
        modifier = args.w[0];
        first = 1;
    }
    size_t left = args.n - first;
    const char *name;
    if (left == 1) {
        name = args.w[args.n - 1];
        channel = xstrdup("stdout");
    } else if (left > 0) {
        name = args.w[first];
        channel = xstrdup(args.w[args.n - 1]);
        for (char *p = channel; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        if (strcmp(channel, "stderr") != 0 && strcmp(channel, "stdout") != 0) {
            struct buf b;
            buf_init(&b);
            fmt_str_repr(&b, channel);
            ctl_output(c, "Error: bad channel %s", b.data);
            buf_release(&b);
            c->exitstatus = CTL_GENERIC;
            goto out;
        }
    } else {
        ctl_output(c, "Error: tail requires process name");
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    long long bytes = 1600;
    bool follow = false;
    if (modifier) {
        const char *what = modifier + 1;
        if (strcmp(what, "f") == 0) {
            follow = true;
        } else {
            char *end;
            errno = 0;
            /* int(): optional sign, digits, surrounding whitespace, '_' between digits */
            bytes = strtoll(what, &end, 10);
            if (!*what || *end || errno || what[0] == ' ') {
                ctl_output(c, "Error: bad argument %s", modifier);
                c->exitstatus = CTL_GENERIC;
                goto out;
            }
        }
    }
    if (follow) {
        char *path = xasprintf("/logtail/%s/%s", name, channel);
        ret = tailf(c, path);
        free(path);
        goto out;
    }
    struct xmlrpc_value *v;
    struct xmlrpc_value *params = cmd_args1(name);
    xmlrpc_array_push(params, xmlrpc_int(-bytes));
    xmlrpc_array_push(params, xmlrpc_int(0));
    int rc = cmd_rpc(c,
                     strcmp(channel, "stdout") == 0 ? "supervisor.readProcessStdoutLog"
                                                    : "supervisor.readProcessStderrLog",
                     params, &v);
    if (rc < 0) {
        ret = -1;
    } else if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_NO_FILE)
            ctl_output(c, "%s: ERROR (no log file)", name);
        else if (c->fault_code == F_FAILED)
            ctl_output(c, "%s: ERROR (unknown error reading log)", name);
        else if (c->fault_code == F_BAD_NAME)
            ctl_output(c, "%s: ERROR (no such process name)", name);
        else
            ret = cmd_raise_fault(c);
    } else {
        cmd_output_n(v->s ? v->s : "", v->len);
        xmlrpc_free(v);
    }
out:
    free(channel);
    cmd_words_free(&args);
    return ret;
}

int follow_maintail(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words args = cmd_split(arg);
    int ret = 0;
    long long bytes = 1600;
    if (args.n > 1) {
        ctl_output(c, "Error: too many arguments");
        c->exitstatus = CTL_GENERIC;
        commands_help(c, "maintail");
        goto out;
    }
    if (args.n == 1) {
        const char *a = args.w[0];
        if (a[0] != '-') {
            ctl_output(c, "Error: bad argument %s", a);
            c->exitstatus = CTL_GENERIC;
            goto out;
        }
        if (strcmp(a + 1, "f") == 0) {
            ret = tailf(c, "/mainlogtail");
            goto out;
        }
        char *end;
        errno = 0;
        bytes = strtoll(a + 1, &end, 10);
        if (!a[1] || *end || errno || a[1] == ' ') {
            ctl_output(c, "Error: bad argument %s", a);
            c->exitstatus = CTL_GENERIC;
            goto out;
        }
    }
    struct xmlrpc_value *v;
    int rc = cmd_rpc(c, "supervisor.readLog", cmd_args_ii(-bytes, 0), &v);
    if (rc < 0) {
        ret = -1;
    } else if (rc == 1) {
        c->exitstatus = CTL_GENERIC;
        if (c->fault_code == F_NO_FILE)
            ctl_output(c, "supervisord: ERROR (no log file)");
        else if (c->fault_code == F_FAILED)
            ctl_output(c, "supervisord: ERROR (unknown error reading log)");
        else
            ret = cmd_raise_fault(c);
    } else {
        cmd_output_n(v->s ? v->s : "", v->len);
        xmlrpc_free(v);
    }
out:
    cmd_words_free(&args);
    return ret;
}

static int fg_loop(struct ctl *c, const char *name)
{
    struct stream s[2];
    char *p0 = xasprintf("/logtail/%s/stdout", name), *p1 = xasprintf("/logtail/%s/stderr", name);
    stream_open(c, &s[0], p0);
    stream_open(c, &s[1], p1);
    free(p0);
    free(p1);
    struct sigaction old;
    catch_sigint(&old);
    struct buf line;
    buf_init(&line);
    int ret = 0;
    bool eof = false;
    for (;;) {
        if (interrupted || eof) {
            ctl_output(c, "Exiting foreground");
            break;
        }
        struct pollfd pfd[3] = {{0, POLLIN, 0}, {s[0].fd, POLLIN, 0}, {s[1].fd, POLLIN, 0}};
        if (poll(pfd, 3, -1) < 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (s[i].fd >= 0 && pfd[i + 1].revents)
                stream_read(&s[i]);
        if (!pfd[0].revents)
            continue;
        char tmp[4096];
        ssize_t n = read(0, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            eof = true; /* raw_input's EOFError; a last partial line first */
            if (line.len == 0)
                continue;
            buf_putc(&line, '\n');
        } else {
            buf_append(&line, tmp, (size_t)n);
        }
        char *nl;
        bool done = false;
        while (!done && (nl = memchr(line.data, '\n', line.len))) {
            size_t k = (size_t)(nl - line.data) + 1;
            char *text = xstrndup(line.data, k);
            buf_consume(&line, k);
            int rc = cmd_rpc(c, "supervisor.sendProcessStdin", cmd_args2(name, text), NULL);
            free(text);
            if (rc < 0) {
                ret = -1;
                done = true;
                break;
            }
            if (rc == 1) {
                if (c->fault_code == F_NOT_RUNNING) {
                    ctl_output(c, "Process got killed");
                } else {
                    char *fs = cmd_fault_str(c);
                    ctl_output(c, "ERROR: %s", fs);
                    free(fs);
                }
                ctl_output(c, "Exiting foreground");
                done = true;
                break;
            }
            struct xmlrpc_value *info;
            rc = cmd_rpc(c, "supervisor.getProcessInfo", cmd_args1(name), &info);
            if (rc != 0) {
                ret = rc == 1 ? cmd_raise_fault(c) : -1;
                done = true;
                break;
            }
            long long st = cmd_iget(info, "state");
            xmlrpc_free(info);
            if (st != PROC_RUNNING) {
                ctl_output(c, "Process got killed");
                ctl_output(c, "Exiting foreground");
                done = true;
                break;
            }
        }
        if (done)
            break;
    }
    buf_release(&line);
    stream_release(&s[0]);
    stream_release(&s[1]);
    sigaction(SIGINT, &old, NULL);
    return ret;
}

int follow_fg(struct ctl *c, const char *arg)
{
    CMD_UPCHECK(c);
    struct cmd_words names = cmd_split(arg);
    int ret = 0;
    if (names.n == 0) {
        ctl_output(c, "ERROR: no process name supplied");
        c->exitstatus = CTL_GENERIC;
        commands_help(c, "fg");
        goto out;
    }
    if (names.n > 1) {
        ctl_output(c, "ERROR: too many process names supplied");
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    struct xmlrpc_value *info;
    int rc = cmd_rpc(c, "supervisor.getProcessInfo", cmd_args1(names.w[0]), &info);
    if (rc < 0) {
        ret = -1;
        goto out;
    }
    if (rc == 1) {
        if (c->fault_code == F_BAD_NAME) {
            ctl_output(c, "ERROR: bad process name supplied");
            c->exitstatus = CTL_GENERIC;
        } else {
            char *fs = cmd_fault_str(c);
            ctl_output(c, "ERROR: %s", fs);
            free(fs);
        }
        goto out;
    }
    long long st = cmd_iget(info, "state");
    xmlrpc_free(info);
    if (st != PROC_RUNNING) {
        ctl_output(c, "ERROR: process not running");
        c->exitstatus = CTL_GENERIC;
        goto out;
    }
    ctl_output(c, "==> Press Ctrl-C to exit <==");
    fflush(stdout);
    ret = fg_loop(c, names.w[0]);
out:
    cmd_words_free(&names);
    return ret;
}
