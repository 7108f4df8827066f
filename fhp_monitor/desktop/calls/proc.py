"""Running programs on Linux: the names in ``/proc/<pid>/comm``."""

from __future__ import annotations

from pathlib import Path


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
