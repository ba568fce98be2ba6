/* libFuzzer target for the config builder: any bytes as a supervisord.conf,
 * loaded twice, once stopping at the first error (the daemon's path) and once
 * collecting every diagnostic (--check-config's path). The file lives in a
 * memfd, so %(here)s is /proc/self/fd and nothing touches the disk. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char env_home[] = "HOME=/root", env_path[] = "PATH=/usr/bin:/bin", env_x[] = "X=x";
static char *const fuzz_env[] = {env_home, env_path, env_x, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) /* a config is small; bigger inputs only cost time */
        return 0;
    int fd = memfd_create("fuzz.conf", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    struct config_cli cli;
    config_cli_init(&cli);
    struct err e;
    struct config cfg = {0};
    (void)config_load(&cfg, path, &cli, fuzz_env, NULL, &e);
    config_release(&cfg);

    struct config cfg2 = {0};
    struct config_diags diags;
    config_diags_init(&diags);
    (void)config_load(&cfg2, path, &cli, fuzz_env, &diags, &e);
    config_release(&cfg2);
    config_diags_release(&diags);
    close(fd);
    return 0;
}
