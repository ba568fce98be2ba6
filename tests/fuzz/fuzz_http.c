/* libFuzzer target for the HTTP request path: any bytes sent by a client
 * over the daemon's unix socket, through libmicrohttpd, httpd, auth, the
 * RPC dispatcher and the supervisor.* methods, /logtail and /mainlogtail.
 * One supervisor (built from a real config, as main does, without spawning
 * or signals) serves every input; each input is one connection: connect,
 * send, half-close, run the loop until the server closes or a bound passes.
 * The program's command does not exist, so start calls fail without a fork;
 * a shutdown or restart request is undone after the input. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "supervisor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct supervisor sup;
static bool ready;
static char dir[32], sock[64];

static const char conf_text[] = "[supervisord]\n"
                                "logfile=%s/main.log\n"
                                "childlogdir=%s\n"
                                "[unix_http_server]\n"
                                "file=%s\n"
                                "username=user\n"
                                "password=pass\n"
                                "[rpcinterface:supervisor]\n"
                                "supervisor.rpcinterface_factory = "
                                "supervisor.rpcinterface:make_main_rpcinterface\n"
                                "[program:p]\n"
                                "command=/nonexistent/fuzz-program\n"
                                "autostart=false\n"
                                "stdout_logfile=%s/p.log\n"
                                "[group:g]\n"
                                "programs=p\n";

static void cleanup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_http: cannot remove %s\n", dir);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/fuzz-http-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    snprintf(sock, sizeof sock, "%s/sv.sock", dir);
    char path[128];
    snprintf(path, sizeof path, "%s/sv.conf", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fprintf(f, conf_text, dir, dir, sock, dir);
    fclose(f);
    snprintf(path + strlen(dir), sizeof path - strlen(dir), "/p.log");
    f = fopen(path, "w"); /* something for readProcessStdoutLog and /logtail */
    if (!f)
        abort();
    fputs("line one\nline two\n", f);
    fclose(f);

    static struct config_cli cli;
    config_cli_init(&cli);
    struct config *cfg = calloc(1, sizeof *cfg);
    struct err e;
    snprintf(path, sizeof path, "%s/sv.conf", dir);
    if (!cfg || config_load(cfg, path, &cli, environ, NULL, &e) < 0) {
        fprintf(stderr, "fuzz_http: %s\n", e.msg);
        abort();
    }
    struct log_config lc = {.path = cfg->logfile, .level = LOG_CRIT};
    if (log_open(&lc, &e) < 0 || supervisor_init(&sup, cfg, &cli, environ, &e) < 0) {
        fprintf(stderr, "fuzz_http: %s\n", e.msg);
        abort();
    }
    ready = true;
}

/* Run the loop until the server closes the connection, or has been quiet
 * for a while (a /logtail stream never ends, and a server busy writing a
 * stream does not read the client's half-close), draining what it sends. */
static void serve(int fd)
{
    char buf[65536];
    int quiet = 0;
    for (int i = 0; i < 500 && quiet < 10; i++) {
        loop_run_once(sup.loop, 2);
        quiet++;
        for (;;) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r == 0)
                return;
            if (r < 0)
                break;
            quiet = 0;
            if (getenv("FUZZ_HTTP_ECHO")) /* see what an input gets back */
                fwrite(buf, 1, (size_t)r, stderr);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) /* stays under the socket buffer: the write cannot block */
        return 0;
    if (!ready)
        setup();
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    serve(fd);
    close(fd);
    for (int i = 0; i < 3; i++) /* let the server see the close */
        loop_run_once(sup.loop, 0);
    if (sup.mood != MOOD_RUNNING) { /* a shutdown or restart request */
        sup.mood = MOOD_RUNNING;
        sup.stopping = false;
    }
    return 0;
}
