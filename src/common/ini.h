/* ini: a reader matching Python's ConfigParser as Supervisor configures it
 * (RawConfigParser, inline_comment_prefixes=(';','#'), strict=False).
 * It knows sections, keys, values, continuation lines, comments and the
 * file:line of everything; it knows nothing of Supervisor's options.
 *
 * Rules (see shared/spec config 1.2): full-line comments start with '#' or ';'
 * after optional indentation; inline comments are ';' or '#' preceded by
 * whitespace; keys end at the first '=' or ':', are rstripped and lower-cased;
 * values are stripped; continuation lines (indented deeper than the option
 * line) are joined with '\n', blank lines inside kept, trailing ones dropped;
 * section names are case-sensitive and not stripped ("^\[(.+)\]", greedy);
 * duplicate sections merge, duplicate keys: the last wins (the earlier
 * location is remembered so callers can warn). Files must be valid UTF-8. */
#ifndef INI_H
#define INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ini_entry {
    char *key;          /* owned; lower-cased */
    char *value;        /* owned; may be replaced by callers (free the old one) */
    const char *file;   /* borrowed from ini->files */
    int line;           /* line of the key */
    const char *prev_file; /* non-NULL when this key replaced an earlier one */
    int prev_line;
};

struct ini_section {
    char *name;         /* owned; exact text between the brackets */
    const char *file;   /* file that introduced the section (borrowed) */
    int line;
    struct ini_entry *entries; /* owned array, in first-seen order */
    size_t n, cap;
};

struct ini {
    struct ini_section **sections; /* owned, in first-seen order; excludes DEFAULT */
    size_t n, cap;
    struct ini_section *defaults;  /* [DEFAULT], or NULL */
    char **files;                  /* owned copies of every file name read */
    size_t nfiles, files_cap;
};

void ini_init(struct ini *ini);
void ini_release(struct ini *ini);

/* Parse a file into ini, merging with what is already there (used for
 * [include]). Errors (exact Python texts, file name as given):
 *   - unreadable (or a fifo with no writer): "could not read config file <path>"
 *     (ERR_CONFIG); over INI_MAX_FILE: "... <path>: larger than 16 MiB"
 *   - bad UTF-8: "'utf-8' codec can't decode byte 0xff in position 94: invalid start byte"
 *   - text before any header: "File contains no section headers.\nfile: '<f>', line: 1\n'<line>\n'"
 *   - lines with no delimiter / empty key, collected over the whole file:
 *     "Source contains parsing errors: '<f>'\n\t[line  2]: 'foo\n'" (one entry per line)
 * On error ini keeps whatever was merged before the failing file. */
#define INI_MAX_FILE (16 << 20)
int ini_read_file(struct ini *ini, const char *path, struct err *e);
/* Same, from memory; `name` stands for the file name in messages. */
int ini_read_string(struct ini *ini, const char *text, size_t len, const char *name,
                    struct err *e);

/* Section by exact name, or NULL. */
struct ini_section *ini_section(const struct ini *ini, const char *name);
/* Entry for key (lower-case) in s, falling back to [DEFAULT]; NULL if absent. */
const struct ini_entry *ini_get(const struct ini *ini, const struct ini_section *s,
                                const char *key);
/* Value for key (lower-case) or NULL; same fallback. */
const char *ini_value(const struct ini *ini, const struct ini_section *s, const char *key);

/* Python text helpers shared by the config layers (ConfigParser messages,
 * %-formatting, datatypes). Text is UTF-8; these follow Python's str rules. */

/* Length (1..4) of the valid UTF-8 sequence at s (n bytes available) with its
 * code point in *cp, or 0 if the bytes there are invalid or incomplete
 * (overlongs, surrogates and values above U+10FFFF are invalid, as in Python). */
int ini_utf8_char(const char *s, size_t n, uint32_t *cp);
/* str.isspace() for one code point. */
bool ini_py_isspace(uint32_t cp);
/* Bytes of leading Python whitespace in s[0..n); new length after rstrip.
 * Invalid UTF-8 counts as non-space. */
size_t ini_py_lspace(const char *s, size_t n);
size_t ini_py_rstrip(const char *s, size_t n);
/* repr() of a str given as UTF-8: quotes chosen as Python does ('abc', "it's"),
 * \\ \n \t \r \xNN \uNNNN escapes for what Python finds unprintable, and
 * undecodable bytes shown as surrogateescape would (\udcff). Caller frees. */
char *ini_pyrepr(const char *s, size_t len);

#endif
