"""The network guard, in a real child process (it cannot be undone once installed)."""

import subprocess
import sys

import pytest

PROBE = """
import socket, subprocess, sys, threading
from fhp_monitor.process.netguard import block_internet
assert block_internet()
results = []
def attempt(family):
    try:
        socket.socket(family, socket.SOCK_STREAM).close(); results.append("open")
    except PermissionError:
        results.append("denied")
attempt(socket.AF_INET); attempt(socket.AF_INET6)
t = threading.Thread(target=attempt, args=(socket.AF_INET,)); t.start(); t.join()
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close(); results.append("unix ok")
child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"], capture_output=True)
results.append("child denied" if child.returncode != 0 and b"PermissionError" in child.stderr else "child open")
print(",".join(results))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux-only")
def test_internet_sockets_are_denied_for_threads_and_children_but_local_sockets_work():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "denied,denied,denied,unix ok,child denied"


def test_the_cli_installs_the_guard_before_anything_else():
    probe = ("import socket, sys; from fhp_monitor import cli; sys.argv=['fhp-monitor','--version']\n"
             "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
             "try:\n    socket.socket(); print('open')\nexcept PermissionError:\n    print('denied')")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == ("denied" if sys.platform.startswith("linux") else "open")


OPENED_LIKE_THE_APP = """
import os, socket, sys, time
from pathlib import Path
from fhp_monitor.cli.start import read_start
from fhp_monitor.process.netguard import block_internet
from fhp_monitor.process.spawner import start_spawner
if sys.argv[1] == "with helper":
    def runs_monitor(argv): return read_start(argv, {}).runs_monitor
    assert runs_monitor(["--home", "/x", "run", "--no-tray"]) and runs_monitor([])
    assert not runs_monitor(["--home", "run", "status"]) and runs_monitor(["settings"])
    assert start_spawner()
assert block_internet()
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM); print("the app itself has network!")
except PermissionError:
    pass
from fhp_monitor.desktop.opener import open_with_desktop
open_with_desktop(Path(sys.argv[2]))
result = Path(sys.argv[2] + ".result")
deadline = time.monotonic() + 30
while not result.exists() and time.monotonic() < deadline:
    time.sleep(0.02)  # the opened program is another process: poll its answer with a deadline
print(result.read_text() if result.exists() else "no answer")
"""

FAKE_XDG_OPEN = """#!/bin/sh
# Stands in for the user's editor: can it reach the internet? (creating the socket is enough)
exec "{python}" -c 'import socket, sys
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(); answer = "network ok"
except PermissionError:
    answer = "network denied"
open(sys.argv[1] + ".result.tmp", "w").write(answer)
import os; os.replace(sys.argv[1] + ".result.tmp", sys.argv[1] + ".result")' "$1"
"""


@pytest.mark.faults
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux-only")
@pytest.mark.parametrize("how, expected", [("with helper", "network ok"), ("without helper", "network denied")])
def test_programs_the_app_opens_start_without_the_network_guard(tmp_path, how, expected):
    import os
    from pathlib import Path

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(FAKE_XDG_OPEN.format(python=sys.executable))
    opener.chmod(0o755)
    target = tmp_path / "config.yaml"
    target.write_text("# settings\n")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run([sys.executable, "-c", OPENED_LIKE_THE_APP, how, str(target)], capture_output=True,
                         text=True, timeout=90, env=env, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == expected, out
