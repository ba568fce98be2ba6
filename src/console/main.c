/* supervisor-console: the command line, start-up, reload and shutdown. It
 * owns the config, the database, the loop, the rpcclient, the nodes, the
 * HTTP server and the API, and frees them all on SIGTERM/SIGINT. SIGHUP
 * reads the config again and applies what can change live (reload_cb). */
#include <curl/curl.h>
#include <getopt.h>
#include <malloc.h>
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

/* What a reload swaps: the running config and nodes (each allocated on
 * its own: the api, jobs and calls in flight hold node pointers). */
struct running {
    const char *path;
    struct config *cfg;  /* owned */
    struct node **nodes; /* owned array of owned nodes, cfg->nnodes of them */
    struct loop *loop;
    struct rpcclient *rpc;
    struct api *api;
    struct http *http;
};

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether a node's connection is the same: then its state (online, the
 * processes, the event stream) is kept across the reload. */
static bool same_connection(const struct config_node *a, const struct config_node *b)
{
    return same_str(a->url, b->url) && same_str(a->unix_path, b->unix_path) &&
           same_str(a->username, b->username) && same_str(a->password, b->password) &&
           same_str(a->ca_file, b->ca_file) && a->tls_verify == b->tls_verify;
}

/* A kept node now borrows the new config (the same values where they
 * matter to its connection; environment and intervals may differ). */
static void rebind(struct node *n, const struct config_node *cfg, const struct config *conf)
{
    n->cfg = cfg;
    n->conf = conf;
    n->target.url = cfg->rpc_url;
    n->target.unix_path = cfg->unix_path;
    n->target.username = cfg->username;
    n->target.password = cfg->password;
    n->target.ca_file = cfg->ca_file;
}

/* Keys read once at start-up: the new config gets the running values (the
 * server borrows the TLS PEM text), and a change is logged. */
static void keep_startup_keys(struct config *run, struct config *next)
{
    if (strcmp(run->listen_host, next->listen_host) != 0 || run->listen_port != next->listen_port)
        log_warn("reload: listen changed: takes effect after a restart");
    if (strcmp(run->database, next->database) != 0)
        log_warn("reload: database changed: takes effect after a restart");
    if (!same_str(run->tls_cert_pem, next->tls_cert_pem) ||
        !same_str(run->tls_key_pem, next->tls_key_pem))
        log_warn("reload: tls_cert or tls_key changed: takes effect after a restart");
    if (run->login_delay_ms != next->login_delay_ms ||
        run->login_delay_max_ms != next->login_delay_max_ms)
        log_warn("reload: login_delay changed: takes effect after a restart");
#define SWAP(f)                                                                                    \
    do {                                                                                           \
        __typeof__(run->f) t = run->f;                                                             \
        run->f = next->f;                                                                          \
        next->f = t;                                                                               \
    } while (0)
    SWAP(listen_host);
    SWAP(listen_port);
    SWAP(database);
    SWAP(tls_cert);
    SWAP(tls_key);
    SWAP(tls_cert_pem);
    SWAP(tls_key_pem);
    SWAP(login_delay_ms);
    SWAP(login_delay_max_ms);
#undef SWAP
}

/* SIGHUP: read the config again; a bad one is logged and the running one
 * kept. Nodes are matched by name: the same connection keeps its node
 * (state, stream), a new or changed one starts afresh, and a removed or
 * changed one leaves: its actions in flight are answered 503, its job
 * items end as errors (api_node_gone). */
static void reload_cb(struct loop *l, int signo, void *arg)
{
    (void)l;
    (void)signo;
    struct running *run = arg;
    struct err e;
    err_clear(&e);
    struct config *next = xmalloc(sizeof *next);
    if (config_load(next, run->path, &e) < 0) {
        log_error("reload: %s: keeping the running config", e.msg);
        free(next);
        return;
    }
    keep_startup_keys(run->cfg, next);
    struct config *old = run->cfg;
    struct node **kept = xcalloc(old->nnodes ? old->nnodes : 1, sizeof *kept);
    struct node **nodes = xcalloc(next->nnodes, sizeof *nodes);
    size_t added = 0, changed = 0, removed = 0;
    for (size_t i = 0; i < next->nnodes; i++) {
        const struct config_node *nc = &next->nodes[i];
        for (size_t k = 0; k < old->nnodes && !nodes[i]; k++) {
            struct node *n = run->nodes[k];
            if (!kept[k] && strcmp(n->cfg->name, nc->name) == 0 && same_connection(n->cfg, nc)) {
                if (strcmp(n->cfg->environment, nc->environment) != 0)
                    log_info("reload: node '%s': environment '%s'", nc->name, nc->environment);
                rebind(n, nc, next);
                kept[k] = nodes[i] = n;
            }
        }
    }
    /* the nodes that leave, before their config goes */
    for (size_t k = 0; k < old->nnodes; k++) {
        struct node *n = run->nodes[k];
        if (kept[k])
            continue;
        bool again = false;
        for (size_t i = 0; i < next->nnodes; i++)
            again |= strcmp(next->nodes[i].name, n->cfg->name) == 0;
        log_info("reload: node '%s' %s", n->cfg->name, again ? "changed" : "removed");
        changed += again;
        removed += !again;
        api_node_gone(run->api, n);
        node_release(n);
        free(n);
    }
    bool *fresh = xcalloc(next->nnodes, sizeof *fresh);
    for (size_t i = 0; i < next->nnodes; i++) {
        if (nodes[i])
            continue;
        nodes[i] = xcalloc(1, sizeof *nodes[i]);
        node_init(nodes[i], &next->nodes[i], next, run->loop, run->rpc);
        fresh[i] = true;
        added++;
    }
    api_reload(run->api, next, nodes, next->nnodes);
    http_set_trusted_proxies(run->http, next->trusted_proxies, next->ntrusted_proxies);
    free(kept);
    free(run->nodes);
    run->nodes = nodes;
    run->cfg = next;
    config_release(old);
    free(old);
    for (size_t i = 0; i < next->nnodes; i++)
        if (fresh[i])
            node_poll_now(nodes[i]);
    free(fresh);
    log_info("reload: %zu nodes (%zu new, %zu changed, %zu removed)", next->nnodes, added - changed,
             changed, removed);
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
    /* Answers of megabytes (the overview at 50 x 100) are mmapped and given
     * back when freed; glibc's default threshold rises after the first and
     * keeps the next ones in the heap for good. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
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
    struct running run = {.path = path, .cfg = xmalloc(sizeof cfg)};
    *run.cfg = cfg; /* the config moves to the heap: a reload replaces it */
    struct config *c = run.cfg;
    run.loop = loop_new();
    run.nodes = xcalloc(c->nnodes, sizeof *run.nodes);
    struct http *http = NULL;
    run.rpc = rpcclient_new(run.loop, &e);
    if (!run.rpc)
        goto out;
    for (size_t i = 0; i < c->nnodes; i++) {
        run.nodes[i] = xcalloc(1, sizeof *run.nodes[i]);
        node_init(run.nodes[i], &c->nodes[i], c, run.loop, run.rpc);
    }
    run.api = api_new(c, run.loop, run.nodes, c->nnodes, store, hasher);
    struct http_tls tls = {c->tls_cert_pem, c->tls_key_pem};
    http = http_new(run.loop, c->listen_host, c->listen_port, c->tls_cert ? &tls : NULL, web_handle,
                    run.api, &e);
    if (!http)
        goto out;
    run.http = http;
    http_set_trusted_proxies(http, c->trusted_proxies, c->ntrusted_proxies);
    loop_signal(run.loop, SIGTERM, stop_cb, NULL);
    loop_signal(run.loop, SIGINT, stop_cb, NULL);
    loop_signal(run.loop, SIGHUP, reload_cb, &run);
    bool v6 = strchr(c->listen_host, ':') != NULL;
    char host[80];
    snprintf(host, sizeof host, "%s%s%s", v6 ? "[" : "", c->listen_host, v6 ? "]" : "");
    log_info("supervisor-console %s listening on http%s://%s:%d/ (%zu nodes)", CONSOLE_VERSION,
             c->tls_cert ? "s" : "", host, http_port(http), c->nnodes);
    for (size_t i = 0; i < c->nnodes; i++)
        node_poll_now(run.nodes[i]);
    rc = loop_run(run.loop) == 0 ? 0 : 1;
out:
    if (rc && e.msg[0])
        fprintf(stderr, "Error: %s\n", e.msg);
    http_free(http);
    api_free(run.api);
    hasher_free(hasher);
    for (size_t i = 0; i < run.cfg->nnodes; i++)
        if (run.nodes[i]) {
            node_release(run.nodes[i]);
            free(run.nodes[i]);
        }
    free(run.nodes);
    rpcclient_free(run.rpc);
    loop_free(run.loop);
    store_close(store);
    curl_global_cleanup();
    config_release(run.cfg);
    free(run.cfg);
    return rc;
}
