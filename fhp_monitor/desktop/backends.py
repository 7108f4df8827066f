"""How each desktop capability reads its environment override (``FHP_MONITOR_TRAY``, ``_NOTIFY``, ``_SESSION``).

Every capability picks its backend by what the machine offers, the way pystray does; tests (or a
desktop that misleads us) can force one with an environment variable. This is the one reading of it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

log = logging.getLogger(__name__)


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


def forced_or_offered(variable: str, allowed: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The backend ``variable`` forces, or "" to choose by what the machine offers; a wrong value is logged
    (one warning naming the allowed values) and the choice falls back to what the machine offers."""
    try:
        return forced_backend(variable, allowed, env=env) or ""
    except ValueError as exc:
        log.warning("%s; choosing by what this machine offers", exc)
        return ""
