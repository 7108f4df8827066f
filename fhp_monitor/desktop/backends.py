"""How each desktop capability reads its environment override (``FHP_MONITOR_TRAY``, ``_NOTIFY``, ``_SESSION``).

Every capability picks its backend by what the machine offers, the way pystray does; tests (or a
desktop that misleads us) can force one with an environment variable. This is the one reading of it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence


def forced_backend(variable: str, allowed: Sequence[str], value: str | None = None,
                   env: Mapping[str, str] | None = None) -> str | None:
    """The backend ``variable`` forces, or None to choose by what the machine offers.

    ``value`` (when given) stands for the variable's text. Raises ValueError naming the variable and
    the allowed values for anything else; callers log it and choose by what the machine offers.
    """
    text = value if value is not None else (os.environ if env is None else env).get(variable, "")
    choice = (text or "").strip().lower()
    if not choice:
        return None
    if choice not in allowed:
        raise ValueError(f"{variable} must be one of {', '.join(allowed)}, got {choice!r}")
    return choice
