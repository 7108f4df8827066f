"""Open a file with the user's default program (a text editor for config.yaml, a viewer for a PNG).

Thread contract: any thread; returns at once (the program runs on its own, outside the network
guard where the spawner runs: see process/spawner.py).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from fhp_monitor.process.spawner import spawn

log = logging.getLogger(__name__)


def open_with_desktop(path: Path) -> None:
    """Open ``path`` with the default program; a failure is one log line."""
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if spawn([opener, str(path)]):  # started outside the network guard (see spawner.py)
        return
    try:
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        log.warning("could not open %s with %s: %s", path, opener, exc)
