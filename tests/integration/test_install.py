"""`make install` (the Makefile's install target) into a DESTDIR: every
binary, man page and systemd unit lands where PREFIX says, the units'
placeholders are replaced (PREFIX and SYSCONFDIR), each unit's ExecStart
names an installed executable, and the installed console runs. The
binaries are the ones under test (SUPERVISORD's directory, given as O=):
`-o` keeps make from rebuilding them."""

import os
import re
import stat
import subprocess
from pathlib import Path

from conftest import C_SUPERVISORD, REPO


def test_make_install(tmp_path):
    build = Path(C_SUPERVISORD).parent
    dest = tmp_path / "dest"
    bins = ("supervisord", "supervisorctl", "supervisor-console")
    argv = ["make", "--no-print-directory", "-C", str(REPO), "install", "DESTDIR=%s" % dest,
            "O=%s" % build, "PREFIX=/usr", "SYSCONFDIR=/etc/sv"]
    for b in bins:
        argv += ["-o", str(build / b)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr

    for b in bins:
        p = dest / "usr/bin" / b
        assert p.is_file() and stat.S_IMODE(p.stat().st_mode) == 0o755, p
        assert p.read_bytes() == (build / b).read_bytes(), p
    for page in ("man8/supervisord.8", "man8/supervisor-console.8", "man1/supervisorctl.1"):
        p = dest / "usr/share/man" / page
        assert p.is_file() and p.read_text().startswith(".TH "), p
    assert "supervisor-console" in (dest / "usr/share/man/man8/supervisor-console.8").read_text()

    units = dest / "usr/lib/systemd/system"
    for unit, conf in (("supervisord.service", "/etc/sv/supervisord.conf"),
                       ("supervisor-console.service", "/etc/sv/console.conf")):
        text = (units / unit).read_text()
        assert not re.search(r"@[A-Z]+@", text), text  # every placeholder replaced
        m = re.search(r"(?m)^ExecStart=(\S+) -c (\S+)$", text)
        assert m, text
        exe = dest / m.group(1).lstrip("/")
        assert exe.is_file() and os.access(exe, os.X_OK), exe
        assert m.group(2) == conf

    console = (units / "supervisor-console.service").read_text()
    keys = dict(re.findall(r"(?m)^(\w+)=(.*)$", console))
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("StateDirectory", "supervisor-console"), ("PrivateTmp", "yes"),
                       ("User", "supervisor-console"), ("CapabilityBoundingSet", "")):
        assert keys.get(key) == value, (key, keys.get(key))

    r = subprocess.run([str(dest / "usr/bin/supervisor-console"), "--version"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
