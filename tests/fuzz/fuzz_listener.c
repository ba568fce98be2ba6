/* libFuzzer target for the event listener protocol (listener.c): the input
 * is a script run against a pool of two members. Each step is one byte:
 *   0x00-0x3f  feed the next (byte & 0x1f) + 1 input bytes to member (byte >> 5)
 *   0x40       publish a REMOTE_COMMUNICATION event
 *   0x41/0x42  member 0/1 exits (reaped)
 *   0x43/0x44  member 0/1 is respawned
 *   0x45/0x46  member 0/1 RUNNING toggles
 *   0x47/0x48  member 0/1 stdin closed toggles (EPIPE)
 *   other      feed the rest of the input to member 0
 * Checks: no crash, no leak, the buffer never exceeds buffer_size, a BUSY
 * member always has its event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct member {
    bool running;
    bool epipe;
    size_t written;
};

static int fz_write(void *proc, const char *d, size_t n)
{
    struct member *m = proc;
    (void)d;
    if (m->epipe)
        return -1;
    m->written += n;
    return 0;
}

static bool fz_running(void *proc)
{
    return ((struct member *)proc)->running;
}

static const struct listener_ops ops = {.write = fz_write, .running = fz_running};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct events bus;
    events_init(&bus, NULL);
    char ev[] = "EVENT";
    char *evs[] = {ev};
    struct listener_pool *p = listener_pool_new("fz", "sv", 3, evs, 1, &bus, NULL, &ops);
    struct member m[2] = {{true, false, 0}, {true, false, 0}};
    struct listener *l[2] = {listener_pool_add(p, "fz_0", &m[0]),
                             listener_pool_add(p, "fz_1", &m[1])};
    listener_spawned(l[0]);
    listener_spawned(l[1]);
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        if (op < 0x40) {
            size_t n = (size_t)(op & 0x1f) + 1;
            if (n > size - i)
                n = size - i;
            listener_feed(l[op >> 5], data + i, n);
            i += n;
        } else if (op == 0x40) {
            events_remote(&bus, "t", "x\xc3\xa9", 3);
        } else if (op == 0x41 || op == 0x42) {
            m[op - 0x41].running = false;
            listener_exited(l[op - 0x41]);
        } else if (op == 0x43 || op == 0x44) {
            listener_spawned(l[op - 0x43]);
        } else if (op == 0x45 || op == 0x46) {
            m[op - 0x45].running = !m[op - 0x45].running;
            listener_pool_kick(p);
        } else if (op == 0x47 || op == 0x48) {
            m[op - 0x47].epipe = !m[op - 0x47].epipe;
        } else {
            listener_feed(l[0], data + i, size - i);
            i = size;
        }
        if (listener_pool_buffered(p) > 3)
            abort();
        for (int k = 0; k < 2; k++)
            if (listener_get_state(l[k]) == LISTENER_BUSY && !listener_inflight(l[k]))
                abort();
    }
    listener_pool_free(p);
    events_release(&bus);
    return 0;
}
