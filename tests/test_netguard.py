"""The network guard, in a real child process (it cannot be undone once installed)."""

import subprocess
import sys

import pytest

PROBE = """
import socket, subprocess, sys, threading
from fhp_monitor.netguard import block_internet
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
