/* supervisor-console: the command line, start-up and shutdown. It owns the
 * config, the database, the loop, the rpcclient, the nodes, the HTTP server
 * and the API, and frees them all on SIGTERM/SIGINT. */
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api.h"
#include "config.h"
#include "hasher.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "node.h"
#include "rpcclient.h"
#include "store.h"
#include "web.h"
#include "xalloc.h"

#define CONSOLE_VERSION "0.1"

static void usage(FILE *f)
{
    fprintf(f, "usage: supervisor-console -c FILE [--check-config]\n"
               "       supervisor-console -c FILE --set-user NAME --role ROLE [--environments "
               "LIST]\n"
               "  -c, --configuration FILE  the console's INI file (see doc/console.md)\n"
               "      --check-config        check FILE, print nothing if it is good, exit\n"
               "      --set-user NAME       add or replace a user (password: one line on "
               "stdin)\n"
               "      --role ROLE           viewer, operator or admin\n"
               "      --environments LIST   comma list the user is limited to (default: all)\n"
               "  -h, --help                this text\n"
               "  -v, --version             print the version\n");
}

/* --set-user: the password is the first line of stdin (not an argument:
 * those show in ps). */
static int set_user_cmd(struct store *store, const char *name, enum store_role role,
                        const char *envs)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    struct err e;
    err_clear(&e);
    int rc = 0;
    if (n <= 0) {
        fprintf(stderr, "Error: no password on stdin\n");
        rc = 2;
    } else if (!name[0]) {
        fprintf(stderr, "Error: an empty user name\n");
        rc = 2;
    } else if (store_user_set(store, name, line, role, envs, &e) < 0) {
        fprintf(stderr, "Error: %s\n", e.msg);
        rc = 1;
    }
    if (line)
        explicit_bzero(line, cap);
    free(line);
    return rc;
}

/* With no user at all, create "admin" with a random password, shown once on
 * stderr (never admin/admin). */
static int first_admin(struct store *store)
{
    int n = store_user_count(store);
    if (n != 0)
        return n < 0 ? -1 : 0;
    static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char raw[20];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return -1;
    char pw[sizeof raw + 1];
    for (size_t i = 0; i < sizeof raw; i++)
        pw[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
    pw[sizeof raw] = '\0';
    struct err e;
    err_clear(&e);
    if (store_user_set(store, "admin", pw, ROLE_ADMIN, "", &e) < 0) {
        fprintf(stderr, "Error: %s\n", e.msg);
        return -1;
    }
    fprintf(stderr,
            "supervisor-console: created user 'admin' with password '%s' (shown only "
            "this once; change it with --set-user)\n",
            pw);
    explicit_bzero(pw, sizeof pw);
    return 0;
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
        {"set-user", required_argument, NULL, 'U'},
        {"role", required_argument, NULL, 'R'},
        {"environments", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *set_user = NULL, *role = NULL, *envs = "";
    int check = 0, opt;
    while ((opt = getopt_long(argc, argv, "c:hv", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 'C': check = 1; break;
        case 'U': set_user = optarg; break;
        case 'R': role = optarg; break;
        case 'E': envs = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'v': printf("%s\n", CONSOLE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !path || (set_user && (!role || store_role_parse(role) < 0)) ||
        (!set_user && role)) {
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
    /* the password hasher forks now, while nothing else exists (no SQLite,
     * libcurl or loop in the child); --set-user hashes in this process */
    struct hasher *hasher = set_user ? NULL : hasher_new(&e);
    struct store *store = set_user || hasher ? store_open(cfg.database, &e) : NULL;
    if (!store) {
        fprintf(stderr, "Error: %s\n", e.msg);
        hasher_free(hasher);
        config_release(&cfg);
        return 1;
    }
    if (set_user) {
        int r = set_user_cmd(store, set_user, (enum store_role)store_role_parse(role), envs);
        store_close(store);
        config_release(&cfg);
        return r;
    }
    if (first_admin(store) < 0) {
        hasher_free(hasher);
        store_close(store);
        config_release(&cfg);
        return 1;
    }

    log_set_early_stderr(true);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "Error: cannot initialize libcurl\n");
        hasher_free(hasher);
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
    api = api_new(&cfg, l, nodes, cfg.nnodes, store, hasher);
    struct http_tls tls = {cfg.tls_cert_pem, cfg.tls_key_pem};
    http = http_new(l, cfg.listen_host, cfg.listen_port, cfg.tls_cert ? &tls : NULL, web_handle,
                    api, &e);
    if (!http)
        goto out;
    loop_signal(l, SIGTERM, stop_cb, NULL);
    loop_signal(l, SIGINT, stop_cb, NULL);
    bool v6 = strchr(cfg.listen_host, ':') != NULL;
    char host[80];
    snprintf(host, sizeof host, "%s%s%s", v6 ? "[" : "", cfg.listen_host, v6 ? "]" : "");
    log_info("supervisor-console %s listening on http%s://%s:%d/ (%zu nodes)", CONSOLE_VERSION,
             cfg.tls_cert ? "s" : "", host, http_port(http), cfg.nnodes);
    for (size_t i = 0; i < cfg.nnodes; i++)
        node_poll_now(&nodes[i]);
    rc = loop_run(l) == 0 ? 0 : 1;
out:
    if (rc && e.msg[0])
        fprintf(stderr, "Error: %s\n", e.msg);
    http_free(http);
    api_free(api);
    hasher_free(hasher);
    for (size_t i = 0; rpc && i < cfg.nnodes; i++)
        node_release(&nodes[i]);
    free(nodes);
    rpcclient_free(rpc);
    loop_free(l);
    store_close(store);
    curl_global_cleanup();
    config_release(&cfg);
    return rc;
}
