"""Which programs are running (to pause during video calls). Linux reads /proc; elsewhere unsupported.

Kept tiny on purpose: the only question asked is "is any of these names running?".
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def supported() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc")


def running_names(proc: Path = Path("/proc")) -> set[str]:
    """Lower-case names of running processes (from /proc/<pid>/comm)."""
    names = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            names.add((entry / "comm").read_text().strip().lower())
        except OSError:  # the process ended while we looked, or is not ours to read
            continue
    return names


def any_running(wanted: Iterable[str], proc: Path = Path("/proc")) -> str | None:
    """The first of ``wanted`` found running (a process name starting with it), or None."""
    wanted = [w.lower() for w in wanted if w]
    if not wanted or not supported():
        return None
    for name in sorted(running_names(proc)):
        for w in wanted:
            if name.startswith(w):
                return w
    return None
