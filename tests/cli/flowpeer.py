#!/usr/bin/python3
"""A tide stage's neighbours, for tests of barriers (doc/DELIVERY.md).

    flowpeer.py SCRIPT OUT UP -- CMD ARGS...

runs CMD between a fake upstream stage and a fake downstream reader, both
this process: CMD's standard input is a pipe written here, and this
process listens on the abstract socket "\\0tide.<pid>" as a tide stage
does, so CMD finds it and says hello; CMD's standard output is a pipe read
here, its lines appended to the file OUT as they come (OUT given as
file:PATH: CMD writes PATH itself, and no reader is there).  Messages CMD sends
upstream go to the file UP, one a line, with pids left out ("hello
tide-window", "hold 1 60000", "ack 2").  SCRIPT's lines are steps:

    > LINE          write LINE to CMD (dropped if CMD has ended)
    hello           connect to CMD's socket and say hello, as a reader
    ack SEQ         acknowledge SEQ to CMD, as a reader
    lines N         wait until OUT has N lines
    msg TEXT        wait until UP has the line TEXT
    close           end CMD's input
    die             go as a reader killed with kill -9 does: the connection
                    and the read end of CMD's output closed, unread
    wait            wait for CMD to exit; "exit N" goes to UP

Every wait is bounded (20 s): past it, "timeout: STEP" goes to UP and the
script ends.  Exits 0.
"""
import os
import re
import select
import socket
import subprocess
import sys
import time

BOUND = 20.0


def main():
    script, outpath, uppath = sys.argv[1:4]
    cmd = sys.argv[5:]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind("\0tide.%d" % os.getpid())
    srv.listen(8)
    srv.setblocking(False)
    in_r, in_w = os.pipe()
    if outpath.startswith("file:"):
        # CMD writes the file itself: nobody reads it as a stage.
        outpath = outpath[5:]
        out_r, out_w = None, os.open(outpath, os.O_WRONLY | os.O_CREAT |
                                     os.O_TRUNC, 0o644)
    else:
        out_r, out_w = os.pipe()
    child = subprocess.Popen(cmd, stdin=in_r, stdout=out_w)
    os.close(in_r)
    os.close(out_w)
    out = open(outpath if out_r is not None else os.devnull, "w")

    def nlines():
        if out_r is not None:
            return state["nout"]
        with open(outpath, "rb") as f:
            return f.read().count(b"\n")
    up = open(uppath, "w")
    state = {"conns": [], "pending": b"", "nout": 0, "ups": [], "down": None,
             "status": None}

    def log_up(text):
        state["ups"].append(text)
        up.write(text + "\n")
        up.flush()

    def pump(timeout):
        fds = [srv] + state["conns"]
        if out_r is not None and state.get("out_open", True):
            fds.append(out_r)
        if state["down"] is not None:
            fds.append(state["down"])
        r, _, _ = select.select(fds, [], [], timeout)
        for f in r:
            if f is srv:
                try:
                    c, _ = srv.accept()
                    state["conns"].append(c)
                except BlockingIOError:
                    pass
            elif f is out_r:
                data = os.read(out_r, 65536)
                if not data:
                    state["out_open"] = False
                    continue
                state["pending"] += data
                while b"\n" in state["pending"]:
                    line, state["pending"] = state["pending"].split(b"\n", 1)
                    out.write(line.decode() + "\n")
                    state["nout"] += 1
                out.flush()
            elif f is state["down"]:
                try:
                    data = f.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    state["down"] = None
            else:
                try:
                    data = f.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    state["conns"].remove(f)
                    f.close()
                    continue
                words = data.decode().split(" ")
                if words[0] == "hello":
                    # hello <pid> <prog> ...: the pid varies.
                    words = [words[0]] + [re.sub(r"/\d+", "", w)
                                          for w in words[2:]]
                log_up(" ".join(words))

    def until(pred, step):
        end = time.monotonic() + BOUND
        while not pred():
            if child.poll() is not None and state["status"] is None:
                state["status"] = child.returncode
            left = end - time.monotonic()
            if left <= 0:
                log_up("timeout: " + step)
                return False
            pump(min(left, 0.05))
        return True

    for step in open(script).read().splitlines():
        if step.startswith("> "):
            try:
                os.write(in_w, (step[2:] + "\n").encode())
            except BrokenPipeError:
                pass    # CMD has ended: the line is not read
        elif step == "hello":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            end = time.monotonic() + BOUND
            while True:
                try:
                    s.connect("\0tide.%d" % child.pid)
                    break
                except OSError:
                    if time.monotonic() > end:
                        log_up("timeout: hello")
                        break
                    time.sleep(0.01)
            s.send(("hello %d test-reader" % os.getpid()).encode())
            state["down"] = s
        elif step.startswith("ack "):
            state["down"].send(step.encode())
        elif step.startswith("lines "):
            n = int(step[6:])
            if not until(lambda: nlines() >= n, step):
                break
        elif step.startswith("msg "):
            text = step[4:]
            if not until(lambda: text in state["ups"], step):
                break
        elif step == "die":
            if state["down"] is not None:
                state["down"].close()
                state["down"] = None
            if out_r is not None and state.get("out_open", True):
                os.close(out_r)
                state["out_open"] = False
        elif step == "close":
            os.close(in_w)
            in_w = None
        elif step == "wait":
            if not until(lambda: child.poll() is not None, step):
                break
            # What it wrote and sent before it exited.
            end = time.monotonic() + BOUND
            while ((out_r is not None and state.get("out_open", True)) or
                   state["conns"]) and \
                    time.monotonic() < end:
                pump(0.05)
            log_up("exit %d" % child.returncode)
    if child.poll() is None:
        child.kill()
        child.wait()
    out.close()
    up.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
