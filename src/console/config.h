/* config: the console's INI file (Supervisor's style, read by ini.c) turned
 * into a typed struct config, every value checked, every error with its
 * file and line. Sections:
 *   [console]   listen = host:port (loopback only without TLS), database
 *               (path), poll_interval, timeout, action_timeout, retry_max,
 *               login_delay, login_delay_max (seconds), audit_keep (rows),
 *               tls_cert, tls_key (PEM paths, both or neither),
 *               server_name (comma list of Host names accepted),
 *               trusted_proxies (comma list of addresses whose
 *               X-Forwarded-For names the client)
 *   [node:NAME] url = http[s]://host:port | unix:///path, username,
 *               password, environment, ca_file (PEM path), tls_verify
 * The config is a value: nothing else is read from the file later (the
 * TLS certificate and key are read, checked and kept here). */
#ifndef CONSOLE_CONFIG_H
#define CONSOLE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct config_node {
    char *name;        /* owned: NAME of [node:NAME] */
    char *url;         /* owned: as configured (never holds credentials) */
    char *rpc_url;     /* owned: what curl is given ("http://h:p/RPC2") */
    char *unix_path;   /* owned: unix:// nodes, else NULL */
    char *username;    /* owned; NULL: no auth */
    char *password;    /* owned; NULL with username: empty */
    char *environment; /* owned; "" when not set */
    char *ca_file;     /* owned: https:// nodes' CA bundle; NULL: the system's */
    bool tls_verify;   /* check an https:// node's certificate (default true) */
};

#define CONFIG_PEM_MAX (1024 * 1024) /* tls_cert, tls_key: larger files are refused */

struct config {
    char *listen_host;       /* owned: numeric address ("127.0.0.1", "::1") */
    int listen_port;         /* 0: any free port (logged at start) */
    long poll_interval_ms;   /* between two polls of a node; default 5 s */
    long timeout_ms;         /* cap of one poll call; default 10 s */
    long action_timeout_ms;  /* cap of start/stop/restart; default 60 s */
    long retry_max_ms;       /* longest wait before retrying an offline node; 30 s */
    long login_delay_ms;     /* first refusal after 5 failed logins in a row; 1 s */
    long login_delay_max_ms; /* the doubling stops here; 15 min */
    long audit_keep;         /* rows of the activity log kept; 100,000 */
    char *database;          /* owned: SQLite file; default console.db beside the config */
    char *tls_cert;          /* owned: path; NULL: plain HTTP (loopback only) */
    char *tls_key;           /* owned: path */
    char *tls_cert_pem;      /* owned: tls_cert's contents (NUL-terminated, checked) */
    char *tls_key_pem;       /* owned: tls_key's contents; wiped on release */
    char **server_names;     /* owned: Host names accepted besides loopback ones */
    size_t nserver_names;
    char **trusted_proxies;  /* owned: numeric addresses, as hdr_numeric_addr writes them */
    size_t ntrusted_proxies;
    struct config_node *nodes; /* owned array, in file order */
    size_t nnodes;
};

/* Read path into c (which it initializes). -1 + e (ERR_CONFIG) with
 * "<file>:<line>: <what>" for the first error found; c is then empty. */
int config_load(struct config *c, const char *path, struct err *e);
/* The same from text (tests); name stands for the file in messages. */
int config_parse(struct config *c, const char *text, size_t len, const char *name, struct err *e);
void config_release(struct config *c);

#endif
