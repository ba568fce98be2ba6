/* Unit tests for logfile.c: rotation against a model of Supervisor's
 * RotatingFileHandler, reopen, clear, non-regular targets, read_at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "logfile.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_logfile.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static char *path_in(const char *name)
{
    static char p[8][256];
    static int k;
    char *r = p[k++ % 8];
    snprintf(r, 256, "%s/%s", dir, name);
    return r;
}

/* Whole file into b; false if it does not exist. */
static bool slurp(const char *path, struct buf *b)
{
    buf_reset(b);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(b, tmp, n);
    fclose(f);
    return true;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* ---- the model: files[0] live, files[1..backups] ---- */

struct model {
    struct buf files[8];
    int backups;
    long long maxbytes;
};

static void model_init(struct model *m, int backups, long long maxbytes)
{
    m->backups = backups;
    m->maxbytes = maxbytes;
    for (int i = 0; i < 8; i++)
        buf_init(&m->files[i]);
}

static void model_release(struct model *m)
{
    for (int i = 0; i < 8; i++)
        buf_release(&m->files[i]);
}

static void model_write(struct model *m, const char *data, size_t n)
{
    buf_append(&m->files[0], data, n);
    if (m->maxbytes <= 0 || (long long)m->files[0].len < m->maxbytes)
        return;
    if (m->backups > 0) {
        for (int i = m->backups - 1; i >= 0; i--) {
            buf_reset(&m->files[i + 1]);
            buf_append(&m->files[i + 1], m->files[i].data, m->files[i].len);
        }
    }
    buf_reset(&m->files[0]);
}

static void check_against_model(const char *path, struct model *m)
{
    struct buf got;
    buf_init(&got);
    assert_true(slurp(path, &got));
    assert_int_equal(got.len, m->files[0].len);
    assert_memory_equal(got.data, m->files[0].data, got.len);
    char name[300];
    for (int i = 1; i <= m->backups; i++) {
        snprintf(name, sizeof name, "%s.%d", path, i);
        if (m->files[i].len == 0) {
            /* Never created, or created empty: both mean no bytes. */
            if (slurp(name, &got))
                assert_int_equal(got.len, 0);
            continue;
        }
        assert_true(slurp(name, &got));
        assert_int_equal(got.len, m->files[i].len);
        assert_memory_equal(got.data, m->files[i].data, got.len);
    }
    snprintf(name, sizeof name, "%s.%d", path, m->backups + 1);
    assert_false(exists(name));
    buf_release(&got);
}

/* Writes chunks of pseudo-random size and content; after every write the
 * files match the model, and old-to-new concatenation is a suffix of all
 * bytes written (exactly all of them while no backup was dropped). */
static void run_rotation(int backups, long long maxbytes, int writes)
{
    char name0[32];
    snprintf(name0, sizeof name0, "rot%d.log", backups);
    const char *path = path_in(name0);
    struct err e;
    struct logfile *lf = logfile_open(path, maxbytes, backups, &e);
    assert_non_null(lf);
    struct model m;
    model_init(&m, backups, maxbytes);
    struct buf all, cat, one;
    buf_init(&all);
    buf_init(&cat);
    buf_init(&one);
    unsigned seed = 1234;
    int rotations = 0;
    for (int w = 0; w < writes; w++) {
        char chunk[64];
        size_t n = 1 + (size_t)(rand_r(&seed) % 40);
        for (size_t i = 0; i < n; i++)
            chunk[i] = (char)('a' + (w + (int)i) % 26);
        chunk[n - 1] = '\n';
        size_t before = m.files[0].len;
        assert_int_equal(logfile_write(lf, chunk, n, &e), 0);
        buf_append(&all, chunk, n);
        model_write(&m, chunk, n);
        if (m.files[0].len < before + n)
            rotations++;
        check_against_model(path, &m);
        assert_int_equal(logfile_size(lf), (off_t)m.files[0].len);

        buf_reset(&cat);
        char name[300];
        for (int i = backups; i >= 1; i--) {
            snprintf(name, sizeof name, "%s.%d", path, i);
            if (slurp(name, &one))
                buf_append(&cat, one.data, one.len);
        }
        assert_true(slurp(path, &one));
        buf_append(&cat, one.data, one.len);
        assert_true(cat.len <= all.len);
        assert_memory_equal(cat.data, all.data + all.len - cat.len, cat.len);
        if (rotations <= backups)
            assert_int_equal(cat.len, all.len);
    }
    if (maxbytes > 0)
        assert_true(rotations > backups + 1); /* the test did exercise dropping */
    logfile_close(lf);
    buf_release(&all);
    buf_release(&cat);
    buf_release(&one);
    model_release(&m);
}

static void test_rotate_backups_0(void **state)
{
    (void)state;
    run_rotation(0, 50, 60);
}

static void test_rotate_backups_1(void **state)
{
    (void)state;
    run_rotation(1, 50, 60);
}

static void test_rotate_backups_3(void **state)
{
    (void)state;
    run_rotation(3, 50, 80);
}

static void test_rotate_exact_contents(void **state)
{
    (void)state;
    const char *path = path_in("exact.log");
    struct err e;
    struct logfile *lf = logfile_open(path, 10, 2, &e);
    assert_non_null(lf);
    struct buf b;
    buf_init(&b);
    assert_int_equal(logfile_write(lf, "12345", 5, &e), 0);
    assert_false(exists(path_in("exact.log.1")));
    /* Reaching maxbytes exactly rotates; the whole chunk stays together. */
    assert_int_equal(logfile_write(lf, "67890", 5, &e), 0);
    assert_true(slurp(path_in("exact.log.1"), &b));
    assert_string_equal(b.data, "1234567890");
    assert_true(slurp(path, &b));
    assert_string_equal(b.data, "");
    assert_int_equal(logfile_size(lf), 0);
    /* One chunk far over maxbytes goes whole into the file, then rotates. */
    assert_int_equal(logfile_write(lf, "abcdefghijklmnopqrstuvwxyz", 26, &e), 0);
    assert_true(slurp(path_in("exact.log.1"), &b));
    assert_string_equal(b.data, "abcdefghijklmnopqrstuvwxyz");
    assert_true(slurp(path_in("exact.log.2"), &b));
    assert_string_equal(b.data, "1234567890");
    assert_int_equal(logfile_write(lf, "x", 1, &e), 0);
    assert_true(slurp(path, &b));
    assert_string_equal(b.data, "x");
    buf_release(&b);
    logfile_close(lf);
}

static void test_maxbytes_zero_never_rotates(void **state)
{
    (void)state;
    const char *path = path_in("zero.log");
    struct err e;
    struct logfile *lf = logfile_open(path, 0, 5, &e);
    assert_non_null(lf);
    char chunk[1000];
    memset(chunk, 'z', sizeof chunk);
    for (int i = 0; i < 100; i++)
        assert_int_equal(logfile_write(lf, chunk, sizeof chunk, &e), 0);
    assert_int_equal(logfile_size(lf), 100000);
    assert_false(exists(path_in("zero.log.1")));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 100000);
    logfile_close(lf);
}

static void test_existing_size_counts(void **state)
{
    (void)state;
    const char *path = path_in("existing.log");
    FILE *f = fopen(path, "w");
    fputs("12345678", f);
    fclose(f);
    struct err e;
    struct logfile *lf = logfile_open(path, 10, 1, &e);
    assert_non_null(lf);
    assert_int_equal(logfile_size(lf), 8);
    assert_int_equal(logfile_write(lf, "9", 1, &e), 0);
    assert_false(exists(path_in("existing.log.1")));
    assert_int_equal(logfile_write(lf, "0", 1, &e), 0);
    struct buf b;
    buf_init(&b);
    assert_true(slurp(path_in("existing.log.1"), &b));
    assert_string_equal(b.data, "1234567890");
    buf_release(&b);
    logfile_close(lf);
}

static void test_reopen_after_rename(void **state)
{
    (void)state;
    const char *path = path_in("moved.log");
    const char *moved = path_in("moved.log.old");
    struct err e;
    struct logfile *lf = logfile_open(path, 0, 0, &e);
    assert_non_null(lf);
    assert_int_equal(logfile_write(lf, "a", 1, &e), 0);
    assert_int_equal(rename(path, moved), 0);
    /* Until reopened, writes follow the open file. */
    assert_int_equal(logfile_write(lf, "b", 1, &e), 0);
    assert_false(exists(path));
    assert_int_equal(logfile_reopen(lf, &e), 0);
    assert_int_equal(logfile_size(lf), 0);
    assert_int_equal(logfile_write(lf, "c", 1, &e), 0);
    struct buf b;
    buf_init(&b);
    assert_true(slurp(moved, &b));
    assert_string_equal(b.data, "ab");
    assert_true(slurp(path, &b));
    assert_string_equal(b.data, "c");
    assert_int_equal(logfile_size(lf), 1);
    assert_string_equal(logfile_path(lf), path);
    buf_release(&b);
    logfile_close(lf);
}

static void test_fifo_never_rotated(void **state)
{
    (void)state;
    const char *path = path_in("pipe");
    assert_int_equal(mkfifo(path, 0600), 0);
    int rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    assert_true(rd >= 0);
    struct err e;
    struct logfile *lf = logfile_open(path, 4, 2, &e);
    assert_non_null(lf);
    const char *msg = "hello fifo\n";
    for (int i = 0; i < 5; i++)
        assert_int_equal(logfile_write(lf, msg, strlen(msg), &e), 0);
    assert_int_equal(logfile_size(lf), 0);
    assert_false(exists(path_in("pipe.1")));
    char got[128];
    ssize_t n = read(rd, got, sizeof got);
    assert_int_equal(n, 5 * (ssize_t)strlen(msg));
    assert_memory_equal(got, "hello fifo\nhello fifo\n", 22);
    /* clear on a fifo must not unlink it. */
    assert_int_equal(logfile_clear(lf, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(logfile_reopen(lf, &e), 0);
    assert_int_equal(logfile_write(lf, "x", 1, &e), 0);
    assert_int_equal(read(rd, got, sizeof got), 1);
    logfile_close(lf);
    close(rd);
}

static void test_dev_null_not_rotated(void **state)
{
    (void)state;
    struct err e;
    struct logfile *lf = logfile_open("/dev/null", 1, 1, &e);
    assert_non_null(lf);
    for (int i = 0; i < 3; i++)
        assert_int_equal(logfile_write(lf, "abc", 3, &e), 0);
    assert_int_equal(logfile_size(lf), 0);
    assert_false(exists("/dev/null.1"));
    logfile_close(lf);
}

static void test_clear(void **state)
{
    (void)state;
    const char *path = path_in("clear.log");
    struct err e;
    struct logfile *lf = logfile_open(path, 5, 2, &e);
    assert_non_null(lf);
    assert_int_equal(logfile_write(lf, "12345", 5, &e), 0); /* -> .1 */
    assert_int_equal(logfile_write(lf, "ab", 2, &e), 0);
    assert_int_equal(logfile_clear(lf, &e), 0);
    assert_int_equal(logfile_size(lf), 0);
    struct buf b;
    buf_init(&b);
    assert_true(slurp(path, &b));
    assert_int_equal(b.len, 0);
    assert_true(slurp(path_in("clear.log.1"), &b)); /* backups are kept */
    assert_string_equal(b.data, "12345");
    assert_int_equal(logfile_write(lf, "new", 3, &e), 0);
    assert_true(slurp(path, &b));
    assert_string_equal(b.data, "new");
    /* Clearing when the file is already gone is fine. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(logfile_clear(lf, &e), 0);
    assert_true(exists(path));
    buf_release(&b);
    logfile_close(lf);
}

static void test_open_errors_and_mode(void **state)
{
    (void)state;
    struct err e;
    const char *bad = path_in("nodir/x.log");
    assert_null(logfile_open(bad, 0, 0, &e));
    char want[400];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", bad);
    assert_string_equal(e.msg, want);
    assert_int_equal(e.code, ERR_SYSTEM);

    mode_t old = umask(022);
    struct logfile *lf = logfile_open(path_in("mode.log"), 0, 0, &e);
    umask(old);
    assert_non_null(lf);
    struct stat st;
    assert_int_equal(stat(path_in("mode.log"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    logfile_close(lf);
    logfile_close(NULL);
}

static void test_fd_is_cloexec_and_append(void **state)
{
    (void)state;
    struct err e;
    const char *path = path_in("flags.log");
    struct logfile *lf = logfile_open(path, 0, 0, &e);
    assert_non_null(lf);
    /* Find our fd: the highest open descriptor pointing at path. */
    int found = -1;
    for (int fd = 3; fd < 256; fd++) {
        char link[64], target[512];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, path) == 0)
            found = fd;
    }
    assert_true(found >= 0);
    assert_true(fcntl(found, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(found, F_GETFL) & O_APPEND);
    logfile_close(lf);
}

static void test_read_at(void **state)
{
    (void)state;
    const char *path = path_in("read.log");
    struct err e;
    struct logfile *lf = logfile_open(path, 0, 0, &e);
    assert_non_null(lf);
    assert_int_equal(logfile_write(lf, "0123456789", 10, &e), 0);
    char got[32];
    assert_int_equal(logfile_read_at(path, 3, got, 4, &e), 4);
    assert_memory_equal(got, "3456", 4);
    assert_int_equal(logfile_read_at(path, 8, got, 10, &e), 2);
    assert_memory_equal(got, "89", 2);
    assert_int_equal(logfile_read_at(path, 50, got, 10, &e), 0);
    assert_int_equal(logfile_read_at(path_in("missing"), 0, got, 10, &e), -1);
    assert_non_null(strstr(e.msg, "cannot open '"));
    logfile_close(lf);
}

/* A write error reports how much was not written. */
static void test_write_error_reported(void **state)
{
    (void)state;
    struct err e;
    struct logfile *lf = logfile_open("/dev/full", 0, 0, &e);
    if (!lf)
        skip();
    assert_int_equal(logfile_write(lf, "abc", 3, &e), -1);
    assert_string_equal(e.msg, "cannot write '/dev/full': No space left on device "
                               "(3 of 3 bytes not written)");
    logfile_close(lf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotate_backups_0),
        cmocka_unit_test(test_rotate_backups_1),
        cmocka_unit_test(test_rotate_backups_3),
        cmocka_unit_test(test_rotate_exact_contents),
        cmocka_unit_test(test_maxbytes_zero_never_rotates),
        cmocka_unit_test(test_existing_size_counts),
        cmocka_unit_test(test_reopen_after_rename),
        cmocka_unit_test(test_fifo_never_rotated),
        cmocka_unit_test(test_dev_null_not_rotated),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_open_errors_and_mode),
        cmocka_unit_test(test_fd_is_cloexec_and_append),
        cmocka_unit_test(test_read_at),
        cmocka_unit_test(test_write_error_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
