"""The real ``python -m fhp_monitor`` in a child process, as a user would start it.

One way to run it for every test: ``fhp(home, *args)`` runs and waits, ``start_fhp(home, *args)`` starts
it. ``home=None`` gives no ``--home`` (for tests of FHP_MONITOR_HOME or of the default home). Without
``env`` the child gets :func:`clean_env`: no display, no session bus and no FHP_MONITOR_HOME of the
developer's, so a test never reaches the real desktop or the real home by accident; desktop tests pass
their private desktop's ``env``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUTSIDE_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "FHP_MONITOR_HOME")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the developer's display, session bus and home, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_VARIABLES}
    env.update(extra)
    return env


def fhp_command(home: Path | str | None, *args: str) -> list[str]:
    return [sys.executable, "-m", "fhp_monitor", *(["--home", str(home)] if home is not None else []), *args]


def fhp(home: Path | str | None, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300,
        **popen) -> subprocess.CompletedProcess:
    """Run fhp-monitor to the end; its output is captured as text."""
    return subprocess.run(fhp_command(home, *args), cwd=REPO, env=clean_env() if env is None else dict(env),
                          capture_output=True, text=True, timeout=timeout, **popen)


def start_fhp(home: Path | str | None, *args: str, env: Mapping[str, str] | None = None,
              **popen) -> subprocess.Popen:
    """Start fhp-monitor without waiting; stdout and stderr are pipes unless ``popen`` says otherwise."""
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen(fhp_command(home, *args), cwd=REPO, env=clean_env() if env is None else dict(env),
                            **popen)


def finish(process: subprocess.Popen, stop: str = "terminate", grace_s: float = 30.0) -> tuple[str, str]:
    """End a started fhp-monitor if it still runs and collect its output (for a test's ``finally``).

    A process that already ended is only read. One still running is asked to stop (``stop``:
    "terminate" sends SIGTERM, as a log-out does; "kill" sends SIGKILL at once); one that ignores
    SIGTERM for ``grace_s`` is killed, so a hung app never outlives its test or blocks the next one.
    """
    if process.poll() is None:
        getattr(process, stop)()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
    out, err = process.communicate(timeout=grace_s)
    return out or "", err or ""
