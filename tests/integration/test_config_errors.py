"""Bad configurations: both implementations must refuse to start with exit
status 2 and exactly Python's usage error on stderr:
    Error: <msg>
    For help, use <argv0> -h
(argv0 and the tmp directory normalised). One bad value per option type and
per section kind; messages were taken from Supervisor 4.2.5.
Not here on purpose: an [rpcinterface:x] factory other than Supervisor's own
(Python: "... cannot be resolved within [rpcinterface:x]"); our daemon cannot
load Python plugins and deliberately warns and ignores the section."""

import pytest

from conftest import normalize_usage

S = """[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}
"""
P = "[program:a]\ncommand=/bin/cat\n"

# (id, config text, expected message after "Error: ")
CASES = [
    ('integer',
     S + P + 'startsecs=1.5\n',
     "invalid literal for int() with base 10: '1.5' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('integer_supervisord',
     S + 'minfds=abc\n',
     "invalid literal for int() with base 10: 'abc'"),
    ('boolean',
     S + P + 'autostart=maybe\n',
     "not a valid boolean value: 'maybe' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('byte_size',
     S + P + 'stdout_logfile_maxbytes=10b\n',
     "invalid literal for int() with base 10: '10b' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('byte_size_supervisord',
     S + 'logfile_maxbytes=1.5MB\n',
     "invalid literal for int() with base 10: '1.5'"),
    ('octal',
     S + P + 'umask=089\n',
     "089 can not be converted to an octal type in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('octal_supervisord',
     S + 'umask=8\n',
     '8 can not be converted to an octal type'),
    ('signal_name',
     S + P + 'stopsignal=FOO\n',
     "value 'FOO' is not a valid signal name in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('signal_number',
     S + P + 'stopsignal=40\n',
     "value '40' is not a valid signal number in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('exitcodes',
     S + P + 'exitcodes=0,256\n',
     "not a valid list of exit codes: '0,256' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('exitcodes_empty_item',
     S + P + 'exitcodes=0,,1\n',
     "not a valid list of exit codes: '0,,1' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('autorestart',
     S + P + 'autorestart=sometimes\n',
     "invalid 'autorestart' value 'sometimes' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('loglevel',
     S + 'loglevel=verbose\n',
     "bad logging level name 'verbose'"),
    ('loglevel_warning',
     S + 'loglevel=warning\n',
     "bad logging level name 'warning'"),
    ('user_program',
     S + P + 'user=nosuchuser_itest\n',
     "Invalid user name nosuchuser_itest in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('user_uid',
     S + P + 'user=99999\n',
     "Invalid user id 99999 in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('childlogdir',
     S + 'childlogdir={tmp}/nonexistent\n',
     '{tmp}/nonexistent is not an existing directory'),
    ('logfile_dir',
     S + P + 'stdout_logfile={tmp}/nonexistent/x.log\n',
     "The directory named as part of the path {tmp}/nonexistent/x.log does not exist in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('supervisord_logfile_dir',
     '[supervisord]\nlogfile={tmp}/nonexistent/s.log\n',
     'The directory named as part of the path {tmp}/nonexistent/s.log does not exist'),
    ('inet_port_word',
     S + '[inet_http_server]\nport=abc\n',
     "not a valid port number: 'abc' "),
    ('inet_port_big',
     S + '[inet_http_server]\nport=127.0.0.1:99999\n',
     '99999 is above upper bound (65535)'),
    ('inet_port_zero',
     S + '[inet_http_server]\nport=127.0.0.1:0\n',
     '0 is below lower bound (1)'),
    ('inet_no_port',
     S + '[inet_http_server]\nusername=u\n',
     'Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified'),
    ('inet_incomplete_auth',
     S + '[inet_http_server]\nport=127.0.0.1:9\nusername=u\n',
     'Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified'),
    ('unix_no_file',
     S + '[unix_http_server]\nchmod=0700\n',
     'section [unix_http_server] has no file value'),
    ('unix_chmod',
     S + '[unix_http_server]\nfile={tmp}/s.sock\nchmod=999\n',
     'Invalid chmod value 999'),
    ('unix_chown',
     S + '[unix_http_server]\nfile={tmp}/s.sock\nchown=nosuchuser_itest:nogrp\n',
     'Invalid sockchown value nosuchuser_itest:nogrp'),
    ('program_name_space',
     S + '[program:a b]\ncommand=/bin/cat\n',
     "Invalid name: 'a b' because of character: ' '"),
    ('process_name_slash',
     S + P + 'process_name=a/b\n',
     "Invalid name: 'a/b' because of character: '/' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('group_name_colon',
     S + P + '[group:g:h]\nprograms=a\n',
     "Invalid name: 'g:h' because of character: ':'"),
    ('numprocs_no_process_num',
     S + P + 'numprocs=2\n',
     "%(process_num) must be present within process_name when numprocs > 1 in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('missing_command',
     S + '[program:a]\nautostart=false\n',
     "program section program:a does not specify a command in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('expansion_unknown',
     S + P + 'directory=%(nope)s\n',
     "Format string '%(nope)s' for 'program:a.directory' contains names ('nope') which cannot be expanded. Available names: ENV_HOME, ENV_ITEST_VAR, ENV_LANG, ENV_PATH, ENV_TMPDIR, ENV_TZ, group_name, here, host_node_name, numprocs, process_num, program_name in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('expansion_incomplete',
     S + P + 'directory=50%\n',
     "Format string '50%' for 'program:a.directory' is badly formatted: incomplete format in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('expansion_bad_char',
     S + P + 'directory=%z\n',
     "Format string '%z' for 'program:a.directory' is badly formatted: unsupported format character 'z' (0x7a) at index 1 in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('expansion_bad_type',
     S + P + 'directory=%(program_name)d\n',
     "Format string '%(program_name)d' for 'program:a.directory' is badly formatted: %d format: a real number is required, not str in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('expansion_priority_process_num',
     S + P + 'priority=%(process_num)d\n',
     "Format string '%(process_num)d' for 'program:a.priority' contains names ('process_num') which cannot be expanded. Available names: ENV_HOME, ENV_ITEST_VAR, ENV_LANG, ENV_PATH, ENV_TMPDIR, ENV_TZ, here"),
    ('expansion_supervisord',
     S + 'identifier=%(nope)s\n',
     "Format string '%(nope)s' for 'supervisord.identifier' contains names ('nope') which cannot be expanded. Available names: ENV_HOME, ENV_ITEST_VAR, ENV_LANG, ENV_PATH, ENV_TMPDIR, ENV_TZ, here"),
    ('environment_bad',
     S + P + 'environment=A=1=2\n',
     "Unexpected end of key/value pairs in value 'A=1=2' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('environment_bad_space',
     S + P + 'environment=A=1 B=2\n',
     "Unexpected end of key/value pairs in value 'A=1 B=2' in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('parse_no_delimiter',
     S + P + 'foo\n',
     "Source contains parsing errors: '{tmp}/supervisord.conf'\n\t[line  7]: 'foo\\n'"),
    ('parse_empty_key',
     S + '=foo\n',
     "Source contains parsing errors: '{tmp}/supervisord.conf'\n\t[line  5]: '=foo\\n'"),
    ('parse_no_section_header',
     'junk\n' + S,
     "File contains no section headers.\nfile: '{tmp}/supervisord.conf', line: 1\n'junk\\n'"),
    ('no_supervisord_section',
     '[program:a]\ncommand=/bin/cat\n',
     '.ini file does not include supervisord section'),
    ('invalid_utf8',
     '; caf\xff\n' + S + '[program:a]\ncommand=/bin/cat\n',
     "'utf-8' codec can't decode byte 0xff in position 5: invalid start byte"),
    ('stopasgroup_killasgroup',
     S + P + 'stopasgroup=true\nkillasgroup=false\n',
     "Cannot set stopasgroup=true and killasgroup=false in section 'program:a' (file: '{tmp}/supervisord.conf')"),
    ('eventlistener_no_events',
     S + '[eventlistener:l]\ncommand=/bin/cat\n',
     '[eventlistener:l] section requires an "events" line'),
    ('eventlistener_unknown_event',
     S + '[eventlistener:l]\ncommand=/bin/cat\nevents=PROCESS_STATE,FOO\n',
     'Unknown event type FOO in [eventlistener:l] events'),
    ('eventlistener_trailing_comma',
     S + '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5,\n',
     'Unknown event type  in [eventlistener:l] events'),
    ('eventlistener_buffer_size',
     S + '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nbuffer_size=0\n',
     '[eventlistener:l] section sets invalid buffer_size (0)'),
    ('eventlistener_redirect_stderr',
     S + '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nredirect_stderr=true\n',
     '[eventlistener:l] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol'),
    ('eventlistener_result_handler',
     S + '[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\nresult_handler=nosuchmod_itest:handler\n',
     'nosuchmod_itest:handler cannot be resolved within [eventlistener:l]'),
    ('fcgi_no_socket',
     S + '[fcgi-program:f]\ncommand=/bin/cat\n',
     '[fcgi-program:f] section requires a "socket" line'),
    ('fcgi_relative_unix',
     S + '[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://rel.sock\n',
     "('Unix socket path %s is not an absolute path', 'rel.sock') in [fcgi-program:f] socket"),
    ('fcgi_bad_scheme',
     S + '[fcgi-program:f]\ncommand=/bin/cat\nsocket=udp://x:1\n',
     "('Bad socket format %s', 'udp://x:1') in [fcgi-program:f] socket"),
    ('fcgi_backlog',
     S + '[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9\nsocket_backlog=0\n',
     'Invalid socket_backlog value 0'),
    ('fcgi_mode_with_tcp',
     S + '[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9\nsocket_mode=0700\n',
     'socket_owner and socket_mode params should only be used with a Unix domain socket in [fcgi-program:f] socket'),
    ('fcgi_socket_mode',
     S + '[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://{tmp}/f.sock\nsocket_mode=abc\n',
     'Invalid socket_mode value abc'),
    ('fcgi_socket_owner',
     S + '[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://{tmp}/f.sock\nsocket_owner=nosuchuser_itest\n',
     'Invalid socket_owner value nosuchuser_itest'),
    ('group_unknown_program',
     S + P + '[group:g]\nprograms=a,zzz\n',
     '[program:a] names unknown program or fcgi-program zzz'),
    ('include_no_files',
     S + '[include]\n',
     '.ini file has [include] section, but no files setting'),
    ('rpcinterface_no_factory',
     S + '[rpcinterface:foo]\nx=1\n',
     'section [rpcinterface:foo] does not specify a supervisor.rpcinterface_factory'),
    ('included_file_error',
     S + '[include]\nfiles=inc/*.conf\n',
     "invalid 'autorestart' value 'sometimes' in section 'program:inc' (file: '{tmp}/inc/x.conf')"),
]


@pytest.mark.parametrize("conf,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config(daemon, conf, expected):
    d = daemon
    (d.dir / "inc").mkdir()
    # An included file with its own error (used by 'included_file_error').
    (d.dir / "inc" / "x.conf").write_text(
        "[program:inc]\nautorestart=sometimes\ncommand=/bin/cat\n")
    # latin-1 keeps '\xff' a single invalid byte (the 'invalid_utf8' case).
    d.conf.write_bytes(d.expand(conf).encode("latin-1"))
    d.start()
    try:
        rc = d.wait_exit(timeout=8)
    except Exception:
        pytest.fail("%s supervisord did not exit on a bad config; log:\n%s"
                    % (d.impl, d.log_text()[-2000:]))
    err = normalize_usage(d.stderr(), d.binary, d.dir)
    assert err == "Error: %s\nFor help, use <argv0> -h\n" % expected
    assert rc == 2
    assert d.stdout() == ""
    # Nothing was started, so no pidfile was left behind.
    assert not d.pidfile.exists()
