"""The steps a window reports (``fhp_monitor.gui.log_step``), read from the app's log file as they come.

The windows write "step: checks", "checks: ok", "settings: saved"... to the log, not to the terminal
(a person has no use for them there). A program under test is followed by tailing its log: each step
line goes into a queue, and None once the program has ended and its log is read to the end.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from pathlib import Path

from fhp_monitor.gui import STEPS_LOGGER

TAIL_EVERY_S = 0.05  # how often the tail looks for new lines (a file gives nothing to wait on)


def step_of(log_line: str) -> str | None:
    """The step a log line reports, or None for any other line."""
    marker = f" {STEPS_LOGGER} ["
    if marker not in log_line:
        return None
    return log_line.split(marker, 1)[1].split("] ", 1)[1].rstrip("\n")


def follow_steps(log_file: Path, process: subprocess.Popen, lines: queue.Queue) -> threading.Thread:
    """Put every step ``process`` logs to ``log_file`` into ``lines`` (None at its end), from a thread."""

    def tail() -> None:
        position, pending = 0, ""
        while True:
            ended = process.poll() is not None
            if log_file.exists():
                with open(log_file, encoding="utf-8", errors="replace") as handle:
                    handle.seek(position)
                    pending += handle.read()
                    position = handle.tell()
                *complete, pending = pending.split("\n")
                for line in complete:
                    step = step_of(line)
                    if step is not None:
                        lines.put(step)
            if ended:
                lines.put(None)
                return
            time.sleep(TAIL_EVERY_S)

    thread = threading.Thread(target=tail, name="step-log-tail", daemon=True)
    thread.start()
    return thread
