"""Start at login on macOS: a LaunchAgent ``~/Library/LaunchAgents/org.fhp-monitor.plist`` with
``RunAtLoad``. Off deletes it."""

from __future__ import annotations

import plistlib
from collections.abc import Sequence
from pathlib import Path

LAUNCH_AGENT_LABEL = "org.fhp-monitor"


def entry_path(home_dir: Path) -> Path:
    return home_dir / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"


def launch_agent(command: Sequence[str]) -> bytes:
    """The macOS LaunchAgent property list for ``command``."""
    return plistlib.dumps(
        {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


def write(path: Path, command: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(launch_agent(command))
