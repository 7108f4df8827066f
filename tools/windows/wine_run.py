#!/usr/bin/env python3
"""Run one Windows program under Wine for a script, with a time limit; its output comes out on stdout.

    python3 tools/windows/wine_run.py SECONDS wine PROGRAM ARGS...

Why not ``wine PROGRAM | tr -d '\\r'``: Wine's service processes (services.exe, winedevice.exe...) start
with whichever program needs them first and inherit its output pipe; they live until the last program
of the prefix ends, so a reader that waits for the pipe's end can wait as long as the app under test
runs (a CI run hung so). Here the output is read while the program runs and, once *the program* has
ended, what it wrote is drained without waiting for the pipe's end.

Exit status: the program's; past SECONDS its process group is killed, one line says so on stderr and the
status is 124. A Windows program's output must be a pipe, never a regular file ("[WinError 6]").
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: wine_run.py SECONDS wine PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    limit, command = float(argv[1]), argv[2:]
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=write_fd, stderr=write_fd,
                            start_new_session=True)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    out = sys.stdout.buffer
    deadline = time.monotonic() + limit

    reader_gone = False

    def drain() -> bool:
        """Copy what is in the pipe now; False at its end."""
        nonlocal reader_gone
        while True:
            try:
                chunk = os.read(read_fd, 65536)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            if reader_gone:
                continue
            try:
                out.write(chunk.replace(b"\r", b""))
                out.flush()
            except BrokenPipeError:  # `... | grep -q` has its answer: the program still runs to its end
                reader_gone = True

    open_ = True
    while proc.poll() is None:
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            name = os.path.basename(command[1].replace("\\", "/")) if len(command) > 1 else command[0]
            print(f"FAILED: {name} {' '.join(command[2:3])} did not finish within {limit:.0f} s under Wine",
                  file=sys.stderr)
            return 124
        if open_:
            ready, _, _ = select.select([read_fd], [], [], 0.2)
            if ready:
                open_ = drain()
        else:
            time.sleep(0.2)
    if open_:
        drain()  # what the program wrote before it ended is in the pipe now
    os.close(read_fd)
    if reader_gone:
        sys.stdout = None  # nothing more can be written there; no complaint about it at exit
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
