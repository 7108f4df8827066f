"""The small app state in the home folder's state.json (e.g. last summary date, chosen camera):
read forgivingly, written atomically.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fhp_monitor.home.folder import Home

logger = logging.getLogger(__name__)


def read_state(home: Home) -> dict[str, Any]:
    """The small app state (e.g. last summary date, chosen camera); {} when there is none.

    A damaged state.json is moved aside (state.json.damaged-<time>) with a warning, and {} returned.
    """
    try:
        raw = home.state.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # bad JSON or bad UTF-8
        data = None
    if isinstance(data, dict):
        return data
    aside = _set_aside(home.state)
    logger.warning("%s was damaged; moved it to %s and started with empty state", home.state, aside.name)
    return {}


def _set_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
        number += 1
    os.replace(path, aside)
    return aside


def write_state(home: Home, state: Mapping[str, Any]) -> None:
    """Replace state.json atomically (temp file + os.replace), so a crash never leaves half a file.

    Raises TypeError/ValueError, before touching the file, when ``state`` is not plain JSON.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping, not {type(state).__name__}")
    text = json.dumps(dict(state), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    descriptor, temporary = tempfile.mkstemp(prefix=".state.", suffix=".tmp", dir=home.root)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, home.state)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
