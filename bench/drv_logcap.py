"""Log capture: a child (streamer) writes a numbered stream flat out to
stdout with rotation on; MiB/s to the last byte on disk, daemon CPU seconds
per 100 MiB, and bytes lost, reordered or corrupt across the joined rotated
files (checked by `streamer check`)."""

import json
import subprocess
import time

from lib import BenchError, cpu_seconds

STREAM = """
[program:stream{k}]
command={streamer} write {size}
autostart=false
autorestart=false
startsecs=0
stdout_logfile={dir}/stream{k}.log
stdout_logfile_maxbytes={maxbytes}
stdout_logfile_backups={backups}
stderr_logfile=NONE
"""


def _files(d, k, backups):
    names = ["stream%d.log.%d" % (k, i) for i in range(backups, 0, -1)] + ["stream%d.log" % k]
    return [d.dir / n for n in names if (d.dir / n).exists()]


def _on_disk(d, k, backups):
    """Bytes in the live file and its backups. A rotation may rename a file
    between listing and stat: it is then missed (an undercount), never
    counted twice, as the names are visited oldest first like the renames."""
    total = 0
    for f in _files(d, k, backups):
        try:
            total += f.stat().st_size
        except FileNotFoundError:
            pass
    return total


def capture(d, streamer, size, reps, timeout):
    """reps runs of `size` bytes each (a program per run, added through
    reloadConfig + addProcessGroup so `start all` never starts one); returns a
    list of dicts: mib_s, cpu_s_per_100mib, lost, reordered, corrupt."""
    maxbytes = max(1 << 20, size // 8)
    backups = size // maxbytes + 2  # room for the whole stream: nothing may age out
    with open(d.conf, "a") as f:
        for k in range(reps):
            f.write(STREAM.format(k=k, streamer=streamer, size=size, dir=d.dir,
                                  maxbytes=maxbytes, backups=backups))
    rpc = d.rpc(300)
    added = rpc.supervisor.reloadConfig()[0][0]
    out = []
    for k in range(reps):
        name = "stream%d" % k
        if name not in added:
            raise BenchError("%s supervisord did not see %s on reload: %r" % (d.impl, name, added))
        rpc.supervisor.addProcessGroup(name)
        c0, t0 = cpu_seconds(d.pid), time.monotonic()
        rpc.supervisor.startProcess(name, False)
        deadline = t0 + timeout
        last, last_change = -1, time.monotonic()
        while True:
            now_size = _on_disk(d, k, backups)
            now = time.monotonic()
            if now_size >= size and _on_disk(d, k, backups) >= size:
                break
            if now_size != last:
                last, last_change = now_size, now
            elif now - last_change > 10 or now > deadline:
                break  # stalled: whatever is missing counts as lost
            d.check_running()
            time.sleep(0.01)
        t1, c1 = time.monotonic(), cpu_seconds(d.pid)
        files = _files(d, k, backups)
        r = subprocess.run([streamer, "check", str(size)] + [str(f) for f in files],
                           stdout=subprocess.PIPE, text=True, timeout=300)
        if r.returncode != 0:
            raise BenchError("streamer check failed")
        chk = json.loads(r.stdout)
        got = chk["found"]
        out.append({"mib_s": got / (t1 - t0) / (1 << 20),
                    "cpu_s_per_100mib": (c1 - c0) / (max(got, 1) / (100 << 20)),
                    "lost": chk["lost"], "reordered": chk["reordered"],
                    "corrupt": chk["corrupt"], "files": len(files)})
        for f in files:
            f.unlink()
    return out
