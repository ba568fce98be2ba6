"""Command line: version, help, usage errors. Same output and exit status as
Python supervisord (argv0 and tmp paths normalised)."""

import pytest

from conftest import PY_SUPERVISORD, normalize_usage, run_cmd

OK_CONF = """[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
"""


def usage(msg):
    return "Error: %s\nFor help, use <argv0> -h\n" % msg


# (id, args, expected rc, expected stdout, expected stderr); "{conf}" is an
# existing good config (so only the command line can be wrong).
CASES = [
    ("short_version", ["-v"], 0, "4.2.5\n", ""),
    ("long_version", ["--version"], 0, "4.2.5\n", ""),
    ("abbreviated_long_option", ["--vers"], 0, "4.2.5\n", ""),
    ("version_wins_over_config", ["-c", "{conf}", "-v"], 0, "4.2.5\n", ""),
    ("unknown_short", ["-x"], 2, "", usage("option -x not recognized")),
    ("unknown_long", ["--bogus"], 2, "", usage("option --bogus not recognized")),
    ("ambiguous_prefix", ["--no"], 2, "", usage("option --no not a unique prefix")),
    ("short_without_arg", ["-c"], 2, "", usage("option -c requires argument")),
    ("prefix_without_arg", ["--conf"], 2, "", usage("option --configuration requires argument")),
    ("flag_with_arg", ["--nodaemon=1"], 2, "", usage("option --nodaemon must not have an argument")),
    # getopt reads the whole command line before any value is checked
    ("parse_before_values", ["-m", "bad", "--bogus"], 2, "", usage("option --bogus not recognized")),
    ("positional", ["-c", "{conf}", "extra"], 2, "",
     usage("positional arguments are not supported: ['extra']")),
    ("repeated_c", ["-c", "{conf}", "-c", "{conf}"], 2, "",
     usage("conflicting command line option '-c'")),
    ("missing_config", ["-c", "nope.conf"], 2, "", usage("could not find config file nope.conf")),
    ("bad_loglevel_value", ["-c", "{conf}", "-e", "bogus"], 2, "",
     usage("invalid value for -e 'bogus': bad logging level name 'bogus'")),
]


@pytest.mark.parametrize("args,rc,out,err", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_command_line(supervisord_bin, tmp_path, args, rc, out, err):
    (tmp_path / "ok.conf").write_text(OK_CONF.replace("{tmp}", str(tmp_path)))
    argv = [supervisord_bin] + [a.replace("{conf}", str(tmp_path / "ok.conf")) for a in args]
    r = run_cmd(argv, tmp_path, timeout=20)
    assert normalize_usage(r.stderr, supervisord_bin, tmp_path) == err
    assert normalize_usage(r.stdout, supervisord_bin, tmp_path) == out
    assert r.returncode == rc
    assert not (tmp_path / "supervisord.pid").exists()


@pytest.mark.parametrize("flag", ["-h", "--help", "-?"])
def test_help(supervisord_bin, tmp_path, flag):
    r = run_cmd([supervisord_bin, flag], tmp_path)
    assert r.returncode == 0
    assert r.stderr == ""
    text = normalize_usage(r.stdout, supervisord_bin)
    assert text.startswith("supervisord -- run a set of applications as daemons.\n\n"
                           "Usage: <argv0> [options]\n")
    # Our daemon may document its extra --check-config option; everything
    # else must be the reference text.
    ref = normalize_usage(run_cmd([PY_SUPERVISORD, "-h"], tmp_path).stdout, PY_SUPERVISORD)
    ours, skipping = [], False
    for line in text.splitlines():
        if line.startswith("--check-config"):
            skipping = True
        elif not (skipping and line.startswith(" ")):
            skipping = False
            ours.append(line)
    assert ours == ref.splitlines()
    for opt in ("-c/--configuration FILENAME", "-n/--nodaemon", "-v/--version",
                "-k/--nocleanup", "--minprocs NUM"):
        assert opt in text

