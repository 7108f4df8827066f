"""A line the app writes to stderr while native chatter is silenced waits and is shown (native_stderr.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import logging, os, sys, threading
from fhp_monitor.home.folder import Home
from fhp_monitor.home.log import setup_logging
from fhp_monitor.process.native_stderr import quiet_native_stderr

setup_logging(Home.locate(sys.argv[1], {}))
inside, written = threading.Event(), threading.Event()

def other_thread():
    inside.wait()
    logging.getLogger("fhp_monitor.test").warning("the bus connection was lost")
    written.set()

thread = threading.Thread(target=other_thread)
thread.start()
with quiet_native_stderr():
    os.write(2, b"native chatter\n")
    inside.set()
    assert not written.wait(0.5), "the line did not wait for the quiet block to end"
thread.join()
logging.getLogger("fhp_monitor.test").warning("inside and after: shown")
"""


def test_a_warning_from_another_thread_during_a_quiet_block_reaches_stderr(tmp_path):
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "home")], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "native chatter" not in done.stderr
    assert "fhp-monitor: the bus connection was lost" in done.stderr
    assert done.stderr.index("the bus connection was lost") < done.stderr.index("inside and after")
