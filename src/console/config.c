/* config: [console] and [node:NAME] into struct config. It owns the checks
 * and the messages; the INI syntax is ini.c's. The TLS certificate and key
 * are read here and checked with GnuTLS (the library libmicrohttpd serves
 * them with), so a bad pair is a config error with its line, not a failure
 * at start-up. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hdr.h"
#include "ini.h"
#include "xalloc.h"

#define DEFAULT_PORT 9100

static void init(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->listen_host = xstrdup("127.0.0.1");
    c->listen_port = DEFAULT_PORT;
    c->poll_interval_ms = 5000;
    c->timeout_ms = 10000;
    c->action_timeout_ms = 60000;
    c->retry_max_ms = 30000;
    c->login_delay_ms = 1000;
    c->login_delay_max_ms = 900000;
    c->audit_keep = 100000;
    c->database = xstrdup("console.db");
}

static void node_release(struct config_node *n)
{
    free(n->name);
    free(n->url);
    free(n->rpc_url);
    free(n->unix_path);
    free(n->username);
    if (n->password)
        explicit_bzero(n->password, strlen(n->password));
    free(n->password);
    free(n->environment);
    free(n->ca_file);
}

void config_release(struct config *c)
{
    for (size_t i = 0; i < c->nnodes; i++)
        node_release(&c->nodes[i]);
    free(c->nodes);
    free(c->listen_host);
    free(c->database);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->tls_cert_pem);
    if (c->tls_key_pem)
        explicit_bzero(c->tls_key_pem, strlen(c->tls_key_pem));
    free(c->tls_key_pem);
    for (size_t i = 0; i < c->nserver_names; i++)
        free(c->server_names[i]);
    free(c->server_names);
    for (size_t i = 0; i < c->ntrusted_proxies; i++)
        free(c->trusted_proxies[i]);
    free(c->trusted_proxies);
    memset(c, 0, sizeof *c);
}

__attribute__((format(printf, 4, 5))) static int bad(struct err *e, const char *file, int line,
                                                     const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_CONFIG, "%s:%d: %s", file, line, what);
}

/* Seconds as a decimal ("5", "0.5") into ms, within [lo, hi] ms. */
static int seconds(const struct ini_entry *en, long lo, long hi, long *out, struct err *e)
{
    char *end;
    errno = 0;
    double v = strtod(en->value, &end);
    if (end == en->value || *end || errno || !isfinite(v) || v * 1000 < (double)lo ||
        v * 1000 > (double)hi) {
        char range[64];
        snprintf(range, sizeof range, "%g..%g", (double)lo / 1000, (double)hi / 1000);
        return bad(e, en->file, en->line, "%s: expected a number of seconds in %s", en->key, range);
    }
    *out = (long)(v * 1000 + 0.5);
    return 0;
}

/* A whole number in [lo, hi]. */
static int count(const struct ini_entry *en, long lo, long hi, long *out, struct err *e)
{
    char *end;
    errno = 0;
    long v = strtol(en->value, &end, 10);
    if (end == en->value || *end || errno || v < lo || v > hi)
        return bad(e, en->file, en->line, "%s: expected a whole number in %ld..%ld", en->key, lo,
                   hi);
    *out = v;
    return 0;
}

static bool loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

static int port_of(const char *s, int lo, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > 65535 || s[0] == '-' || s[0] == '+')
        return -1;
    *out = (int)v;
    return 0;
}

/* listen = [host:]port, host a numeric address ([::1] for IPv6) or
 * localhost. Loopback only without TLS (checked once the section is read:
 * tls_cert may come after it): passwords and session cookies must not
 * cross a network in clear. */
static int parse_listen(struct config *c, const struct ini_entry *en, struct err *e)
{
    const char *v = en->value;
    char *host;
    const char *port;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':')
            return bad(e, en->file, en->line, "listen: '%s' is not [ipv6]:port", v);
        host = xstrndup(v + 1, (size_t)(close - v - 1));
        port = close + 2;
    } else {
        const char *colon = strrchr(v, ':');
        host = colon ? xstrndup(v, (size_t)(colon - v)) : xstrdup("");
        port = colon ? colon + 1 : v;
    }
    if (!host[0] || strcmp(host, "localhost") == 0) {
        free(host);
        host = xstrdup("127.0.0.1");
    }
    int p;
    if (port_of(port, 0, &p) < 0) {
        free(host);
        return bad(e, en->file, en->line, "listen: '%s' is not a port number (0-65535)", port);
    }
    struct in6_addr a;
    if (inet_pton(AF_INET, host, &a) != 1 && inet_pton(AF_INET6, host, &a) != 1) {
        int r =
            bad(e, en->file, en->line,
                "listen: '%s' is not a numeric address (127.0.0.1, 0.0.0.0, [::1], [::])", host);
        free(host);
        return r;
    }
    free(c->listen_host);
    c->listen_host = host;
    c->listen_port = p;
    return 0;
}

static bool host_ok(const char *h, size_t n)
{
    if (n == 0)
        return false;
    if (h[0] == '[')
        return n > 2 && h[n - 1] == ']' && strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
    return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") >= n;
}

/* url = http[s]://host[:port][/] or unix:///absolute/path. Credentials
 * belong in username= and password=, never in the url (it is shown
 * everywhere). */
static int parse_url(struct config_node *n, const struct ini_entry *en, struct err *e)
{
    const char *v = en->value;
    free(n->url); /* a key given twice: the last wins */
    free(n->rpc_url);
    free(n->unix_path);
    n->url = n->rpc_url = n->unix_path = NULL;
    if (strncmp(v, "unix://", 7) == 0) {
        const char *path = v + 7;
        if (path[0] != '/')
            return bad(e, en->file, en->line,
                       "url: '%s': the socket path must be absolute "
                       "(unix:///path)",
                       v);
        n->unix_path = xstrdup(path);
        n->rpc_url = xstrdup("http://localhost/RPC2");
        n->url = xstrdup(v);
        return 0;
    }
    bool tls = strncmp(v, "https://", 8) == 0;
    if (!tls && strncmp(v, "http://", 7) != 0)
        return bad(e, en->file, en->line,
                   "url: '%s' is neither http[s]://host:port nor "
                   "unix:///path",
                   v);
    const char *scheme = tls ? "https" : "http";
    const char *auth = v + (tls ? 8 : 7);
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen))
        return bad(e, en->file, en->line,
                   "url: credentials go in username= and password=, "
                   "not in the url");
    if (auth[alen] && strcmp(auth + alen, "/") != 0)
        return bad(e, en->file, en->line,
                   "url: '%s': only %s://host:port is supported "
                   "(no path)",
                   v, scheme);
    char *hp = xstrndup(auth, alen);
    char *colon = strrchr(hp, ':');
    if (colon && hp[0] == '[' && colon < strchr(hp, ']'))
        colon = NULL; /* inside [ipv6] */
    int port = tls ? 443 : 80;
    if (colon) {
        *colon = '\0';
        if (port_of(colon + 1, 1, &port) < 0) {
            free(hp);
            return bad(e, en->file, en->line, "url: '%s': bad port", v);
        }
    }
    if (!host_ok(hp, strlen(hp))) {
        free(hp);
        return bad(e, en->file, en->line, "url: '%s': bad host", v);
    }
    n->rpc_url = xasprintf("%s://%s:%d/RPC2", scheme, hp, port);
    n->url = xasprintf("%s://%s:%d", scheme, hp, port);
    free(hp);
    return 0;
}

/* Supervisor's booleans. */
static int boolean(const struct ini_entry *en, bool *out, struct err *e)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(en->value, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(en->value, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return bad(e, en->file, en->line, "%s: expected true or false", en->key);
}

/* The whole of a regular file of at most max bytes, NUL-terminated (a NUL
 * inside is refused: PEM is text). NULL + the reason in why. */
static char *read_small(const char *path, size_t max, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (off_t)max) {
        snprintf(why, whylen, S_ISREG(st.st_mode) ? "larger than %zu bytes" : "not a regular file",
                 max);
        close(fd);
        return NULL;
    }
    char *data = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(why, whylen, "%s", r < 0 ? strerror(errno) : "shorter than its size");
            close(fd);
            explicit_bzero(data, got);
            free(data);
            return NULL;
        }
        got += (size_t)r;
    }
    close(fd);
    data[got] = '\0';
    if (strlen(data) != got) {
        snprintf(why, whylen, "not a PEM file (a NUL byte)");
        explicit_bzero(data, got);
        free(data);
        return NULL;
    }
    return data;
}

/* tls_cert and tls_key: read both, then let GnuTLS say whether they are a
 * certificate (chain), a private key, and a pair. */
static int read_tls(struct config *c, const struct ini_entry *cert_en,
                    const struct ini_entry *key_en, struct err *e)
{
    char why[256];
    c->tls_cert_pem = read_small(cert_en->value, CONFIG_PEM_MAX, why, sizeof why);
    if (!c->tls_cert_pem)
        return bad(e, cert_en->file, cert_en->line, "tls_cert: cannot read '%s': %s",
                   cert_en->value, why);
    c->tls_key_pem = read_small(key_en->value, CONFIG_PEM_MAX, why, sizeof why);
    if (!c->tls_key_pem)
        return bad(e, key_en->file, key_en->line, "tls_key: cannot read '%s': %s", key_en->value,
                   why);
    gnutls_datum_t cd = {(unsigned char *)c->tls_cert_pem, (unsigned)strlen(c->tls_cert_pem)};
    gnutls_datum_t kd = {(unsigned char *)c->tls_key_pem, (unsigned)strlen(c->tls_key_pem)};
    gnutls_x509_crt_t *crts = NULL;
    unsigned ncrts = 0;
    int r = gnutls_x509_crt_list_import2(&crts, &ncrts, &cd, GNUTLS_X509_FMT_PEM, 0);
    for (unsigned i = 0; r >= 0 && i < ncrts; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    if (r < 0 || ncrts == 0)
        return bad(e, cert_en->file, cert_en->line, "tls_cert: '%s' holds no PEM certificate: %s",
                   cert_en->value, r < 0 ? gnutls_strerror(r) : "none found");
    gnutls_x509_privkey_t key;
    r = gnutls_x509_privkey_init(&key);
    if (r >= 0) {
        r = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
        gnutls_x509_privkey_deinit(key);
    }
    if (r < 0)
        return bad(e, key_en->file, key_en->line,
                   "tls_key: '%s' holds no unencrypted PEM private key: %s", key_en->value,
                   gnutls_strerror(r));
    gnutls_certificate_credentials_t cred;
    r = gnutls_certificate_allocate_credentials(&cred);
    if (r >= 0) {
        /* GnuTLS checks here that the key is the certificate's */
        r = gnutls_certificate_set_x509_key_mem(cred, &cd, &kd, GNUTLS_X509_FMT_PEM);
        gnutls_certificate_free_credentials(cred);
    }
    if (r < 0)
        return bad(e, key_en->file, key_en->line, "tls_key: '%s' does not go with '%s': %s",
                   key_en->value, cert_en->value, gnutls_strerror(r));
    free(c->tls_cert);
    free(c->tls_key);
    c->tls_cert = xstrdup(cert_en->value);
    c->tls_key = xstrdup(key_en->value);
    return 0;
}

/* The next word of a comma list, blanks around it trimmed; false at the
 * end. An empty word (",,") is returned as such, for the caller to refuse. */
static bool next_item(const char **p, const char **w, size_t *wl)
{
    if (!**p)
        return false;
    size_t len = strcspn(*p, ",");
    *w = *p;
    *wl = len;
    while (*wl && (**w == ' ' || **w == '\t'))
        (*w)++, (*wl)--;
    while (*wl && ((*w)[*wl - 1] == ' ' || (*w)[*wl - 1] == '\t'))
        (*wl)--;
    *p += len;
    if (**p == ',')
        (*p)++;
    return true;
}

/* server_name = a comma list of the names (or addresses) clients reach the
 * console by: Host headers the DNS-rebinding check accepts besides
 * loopback ones. */
static int parse_server_names(struct config *c, const struct ini_entry *en, struct err *e)
{
    for (size_t i = 0; i < c->nserver_names; i++)
        free(c->server_names[i]);
    c->nserver_names = 0;
    const char *p = en->value, *w;
    size_t wl;
    while (next_item(&p, &w, &wl)) {
        if (wl == 0 || wl > 253 || !host_ok(w, wl))
            return bad(e, en->file, en->line,
                       "server_name: '%.*s' is not a host name (no port: any is accepted)", (int)wl,
                       w);
        c->server_names =
            xrealloc(c->server_names, (c->nserver_names + 1) * sizeof *c->server_names);
        c->server_names[c->nserver_names++] = xstrndup(w, wl);
    }
    if (c->nserver_names == 0)
        return bad(e, en->file, en->line, "server_name: expected a comma list of host names");
    return 0;
}

/* trusted_proxies = a comma list of numeric addresses whose
 * X-Forwarded-For names the client (kept in the form http.c compares). */
static int parse_trusted_proxies(struct config *c, const struct ini_entry *en, struct err *e)
{
    for (size_t i = 0; i < c->ntrusted_proxies; i++)
        free(c->trusted_proxies[i]);
    c->ntrusted_proxies = 0;
    const char *p = en->value, *w;
    size_t wl;
    while (next_item(&p, &w, &wl)) {
        char addr[HDR_ADDR_MAX];
        if (!hdr_numeric_addr(w, wl, addr))
            return bad(e, en->file, en->line,
                       "trusted_proxies: '%.*s' is not a numeric IP address", (int)wl, w);
        c->trusted_proxies =
            xrealloc(c->trusted_proxies, (c->ntrusted_proxies + 1) * sizeof *c->trusted_proxies);
        c->trusted_proxies[c->ntrusted_proxies++] = xstrdup(addr);
    }
    if (c->ntrusted_proxies == 0)
        return bad(e, en->file, en->line,
                   "trusted_proxies: expected a comma list of IP addresses");
    return 0;
}

static bool name_ok(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
                       strlen(s);
}

static int read_console(struct config *c, const struct ini_section *s, struct err *e)
{
    const struct ini_entry *listen_en = NULL, *cert_en = NULL, *key_en = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const struct ini_entry *en = &s->entries[i];
        int r = 0;
        if (strcmp(en->key, "listen") == 0) {
            r = parse_listen(c, en, e);
            listen_en = en;
        } else if (strcmp(en->key, "tls_cert") == 0 || strcmp(en->key, "tls_key") == 0) {
            if (!en->value[0])
                r = bad(e, en->file, en->line, "%s: a path is required", en->key);
            *(en->key[4] == 'c' ? &cert_en : &key_en) = en;
        } else if (strcmp(en->key, "server_name") == 0)
            r = parse_server_names(c, en, e);
        else if (strcmp(en->key, "trusted_proxies") == 0)
            r = parse_trusted_proxies(c, en, e);
        else if (strcmp(en->key, "poll_interval") == 0)
            r = seconds(en, 100, 86400000, &c->poll_interval_ms, e);
        else if (strcmp(en->key, "timeout") == 0)
            r = seconds(en, 100, 3600000, &c->timeout_ms, e);
        else if (strcmp(en->key, "action_timeout") == 0)
            r = seconds(en, 100, 3600000, &c->action_timeout_ms, e);
        else if (strcmp(en->key, "retry_max") == 0)
            r = seconds(en, 100, 86400000, &c->retry_max_ms, e);
        else if (strcmp(en->key, "login_delay") == 0)
            r = seconds(en, 10, 3600000, &c->login_delay_ms, e);
        else if (strcmp(en->key, "login_delay_max") == 0)
            r = seconds(en, 10, 86400000, &c->login_delay_max_ms, e);
        else if (strcmp(en->key, "audit_keep") == 0)
            r = count(en, 10, 1000000000, &c->audit_keep, e);
        else if (strcmp(en->key, "database") == 0) {
            r = en->value[0] ? 0 : bad(e, en->file, en->line, "database: a path is required");
            if (r == 0) {
                free(c->database);
                c->database = xstrdup(en->value);
            }
        } else
            r = bad(e, en->file, en->line, "unknown key '%s' in [%s]", en->key, s->name);
        if (r < 0)
            return -1;
    }
    if (c->login_delay_max_ms < c->login_delay_ms) {
        const struct ini_entry *en = NULL;
        for (size_t i = 0; i < s->n; i++)
            if (strncmp(s->entries[i].key, "login_delay", 11) == 0)
                en = &s->entries[i];
        return bad(e, en->file, en->line, "login_delay_max: must not be less than login_delay");
    }
    if (!cert_en != !key_en) {
        const struct ini_entry *en = cert_en ? cert_en : key_en;
        return bad(e, en->file, en->line, "%s without %s: give both or neither", en->key,
                   cert_en ? "tls_key" : "tls_cert");
    }
    if (cert_en && read_tls(c, cert_en, key_en, e) < 0)
        return -1;
    if (!c->tls_cert && !loopback(c->listen_host))
        return bad(e, listen_en->file, listen_en->line,
                   "listen: '%s' is not a loopback address: without TLS (tls_cert, tls_key) "
                   "listen on 127.0.0.1 or ::1",
                   c->listen_host);
    return 0;
}

static int read_node(struct config *c, const struct ini_section *s, struct err *e)
{
    const char *name = s->name + 5;
    if (!name_ok(name))
        return bad(e, s->file, s->line,
                   "[%s]: a node name is letters, digits, '_', '.' "
                   "and '-'",
                   s->name);
    c->nodes = xrealloc(c->nodes, (c->nnodes + 1) * sizeof *c->nodes);
    struct config_node *n = &c->nodes[c->nnodes++];
    memset(n, 0, sizeof *n);
    n->name = xstrdup(name);
    const struct ini_entry *pass = NULL, *tls_en = NULL;
    n->tls_verify = true;
    for (size_t i = 0; i < s->n; i++) {
        const struct ini_entry *en = &s->entries[i];
        if (strcmp(en->key, "url") == 0) {
            if (parse_url(n, en, e) < 0)
                return -1;
        } else if (strcmp(en->key, "username") == 0) {
            free(n->username);
            n->username = en->value[0] ? xstrdup(en->value) : NULL;
        } else if (strcmp(en->key, "password") == 0) {
            free(n->password);
            n->password = xstrdup(en->value);
            pass = en;
        } else if (strcmp(en->key, "environment") == 0) {
            free(n->environment);
            n->environment = xstrdup(en->value);
        } else if (strcmp(en->key, "ca_file") == 0) {
            char why[256] = "";
            char *pem = read_small(en->value, 16 * CONFIG_PEM_MAX, why, sizeof why);
            if (pem && !strstr(pem, "-----BEGIN CERTIFICATE-----"))
                snprintf(why, sizeof why, "no PEM certificate in it");
            bool has = pem && !why[0];
            free(pem);
            if (!has)
                return bad(e, en->file, en->line, "ca_file: cannot read '%s': %s", en->value, why);
            free(n->ca_file);
            n->ca_file = xstrdup(en->value);
            tls_en = en;
        } else if (strcmp(en->key, "tls_verify") == 0) {
            if (boolean(en, &n->tls_verify, e) < 0)
                return -1;
            tls_en = en;
        } else {
            return bad(e, en->file, en->line, "unknown key '%s' in [%s]", en->key, s->name);
        }
    }
    if (!n->url)
        return bad(e, s->file, s->line, "[%s]: url is required", s->name);
    if (tls_en && strncmp(n->url, "https://", 8) != 0)
        return bad(e, tls_en->file, tls_en->line, "%s: only for https:// nodes", tls_en->key);
    if (pass && !n->username)
        return bad(e, pass->file, pass->line, "[%s]: password without username", s->name);
    if (!n->environment)
        n->environment = xstrdup("");
    return 0;
}

static int build(struct config *c, const struct ini *ini, const char *name, struct err *e)
{
    const struct ini_section *console = NULL;
    for (size_t i = 0; i < ini->n; i++) {
        const struct ini_section *s = ini->sections[i];
        if (strcmp(s->name, "console") == 0)
            console = s;
        else if (strncmp(s->name, "node:", 5) == 0) {
            if (read_node(c, s, e) < 0)
                return -1;
        } else
            return bad(e, s->file, s->line, "unknown section [%s]", s->name);
    }
    if (!console)
        return err_set(e, ERR_CONFIG, "%s: no [console] section", name);
    if (read_console(c, console, e) < 0)
        return -1;
    if (c->nnodes == 0)
        return err_set(e, ERR_CONFIG, "%s: no [node:NAME] section", name);
    return 0;
}

static int finish(struct config *c, struct ini *ini, int r, const char *name, struct err *e)
{
    if (r == 0)
        r = build(c, ini, name, e);
    else if (e)
        e->code = ERR_CONFIG;
    ini_release(ini);
    if (r < 0)
        config_release(c);
    return r;
}

int config_load(struct config *c, const char *path, struct err *e)
{
    struct ini ini;
    ini_init(&ini);
    init(c);
    const char *slash = strrchr(path, '/');
    free(c->database);
    c->database =
        slash ? xasprintf("%.*s/console.db", (int)(slash - path), path) : xstrdup("console.db");
    return finish(c, &ini, ini_read_file(&ini, path, e), path, e);
}

int config_parse(struct config *c, const char *text, size_t len, const char *name, struct err *e)
{
    struct ini ini;
    ini_init(&ini);
    init(c);
    return finish(c, &ini, ini_read_string(&ini, text, len, name, e), name, e);
}
