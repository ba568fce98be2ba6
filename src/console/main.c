/* supervisor-console: the command line, start-up and shutdown. It owns the
 * config, the loop, the rpcclient, the nodes, the HTTP server and the API,
 * and frees them all on SIGTERM/SIGINT. */
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "node.h"
#include "rpcclient.h"
#include "xalloc.h"

#define CONSOLE_VERSION "0.1"

static void usage(FILE *f)
{
    fprintf(f, "usage: supervisor-console -c FILE [--check-config]\n"
               "  -c, --configuration FILE  the console's INI file (see doc/console.md)\n"
               "      --check-config        check FILE, print nothing if it is good, exit\n"
               "  -h, --help                this text\n"
               "  -v, --version             print the version\n");
}

static void stop_cb(struct loop *l, int signo, void *arg)
{
    (void)arg;
    log_info("received %s, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    loop_stop(l);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"configuration", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int check = 0, opt;
    while ((opt = getopt_long(argc, argv, "c:hv", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 'C': check = 1; break;
        case 'h': usage(stdout); return 0;
        case 'v': printf("%s\n", CONSOLE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !path) {
        usage(stderr);
        return 2;
    }

    struct err e;
    err_clear(&e);
    struct config cfg;
    if (config_load(&cfg, path, &e) < 0) {
        fprintf(stderr, "Error: %s\n", e.msg);
        return 2;
    }
    if (check) {
        config_release(&cfg);
        return 0;
    }

    log_set_early_stderr(true);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "Error: cannot initialize libcurl\n");
        config_release(&cfg);
        return 1;
    }
    int rc = 1;
    struct loop *l = loop_new();
    struct node *nodes = xcalloc(cfg.nnodes, sizeof *nodes);
    struct api *api = NULL;
    struct http *http = NULL;
    struct rpcclient *rpc = rpcclient_new(l, &e);
    if (!rpc)
        goto out;
    for (size_t i = 0; i < cfg.nnodes; i++)
        node_init(&nodes[i], &cfg.nodes[i], &cfg, l, rpc);
    api = api_new(nodes, cfg.nnodes);
    http = http_new(l, cfg.listen_host, cfg.listen_port, api_handle, api, &e);
    if (!http)
        goto out;
    loop_signal(l, SIGTERM, stop_cb, NULL);
    loop_signal(l, SIGINT, stop_cb, NULL);
    bool v6 = strchr(cfg.listen_host, ':') != NULL;
    char host[80];
    snprintf(host, sizeof host, "%s%s%s", v6 ? "[" : "", cfg.listen_host, v6 ? "]" : "");
    log_info("supervisor-console %s listening on http://%s:%d/ (%zu nodes)", CONSOLE_VERSION, host,
             http_port(http), cfg.nnodes);
    for (size_t i = 0; i < cfg.nnodes; i++)
        node_poll_now(&nodes[i]);
    rc = loop_run(l) == 0 ? 0 : 1;
out:
    if (rc && e.msg[0])
        fprintf(stderr, "Error: %s\n", e.msg);
    http_free(http);
    api_free(api);
    for (size_t i = 0; rpc && i < cfg.nnodes; i++)
        node_release(&nodes[i]);
    free(nodes);
    rpcclient_free(rpc);
    loop_free(l);
    curl_global_cleanup();
    config_release(&cfg);
    return rc;
}
