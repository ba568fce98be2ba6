"""evlistener.py RECORD [MODE]: an event listener written with Supervisor's
own library (supervisor.childutils), as users write them. Appends one JSON
line per event received to RECORD: {"h": headers, "p": payload, "pid": pid}.

MODE (default "ok"):
  ok          answer OK to everything
  failN       answer FAIL to the first N deliveries, then OK
  garbage     write garbage instead of READY
  badlen      answer "RESULT 5\\nOK" (a length that does not match)
  badline     answer "RESULT x\\nOK" (not a number)
  silent      take the first event and never answer it
  dieN        exit (status 3) after receiving the first N events, without
              answering the last one; a marker file RECORD.died counts exits
Run by /usr/bin/python3 (the interpreter that has supervisor installed)."""

import json
import os
import sys
import time

from supervisor import childutils


def record(path, headers, payload):
    with open(path, "a") as f:
        f.write(json.dumps({"h": headers, "p": payload, "pid": os.getpid()}) + "\n")


def main():
    path = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
    if mode == "garbage":
        sys.stdout.write("HELLO THERE\n")
        sys.stdout.flush()
        while True:
            time.sleep(3600)
    fails = int(mode[4:]) if mode.startswith("fail") else 0
    die_after = int(mode[3:]) if mode.startswith("die") else 0
    if die_after:
        # the Nth event of this run kills us; a restarted listener answers
        marker = path + ".died"
        if os.path.exists(marker):
            die_after = 0
    n = 0
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        record(path, headers, payload)
        n += 1
        if mode == "silent":
            while True:
                time.sleep(3600)
        if die_after and n >= die_after:
            with open(path + ".died", "a") as f:
                f.write("died\n")
            os._exit(3)
        if mode == "badlen":
            sys.stdout.write("RESULT 5\nOK")
            sys.stdout.flush()
        elif mode == "badline":
            sys.stdout.write("RESULT x\nOK")
            sys.stdout.flush()
        elif n <= fails:
            childutils.listener.fail(sys.stdout)
        else:
            childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
