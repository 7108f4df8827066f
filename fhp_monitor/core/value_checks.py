"""Checks for the values a file of ours may hold: each returns None for a good value, else a few words
saying what is wrong ("must be a number, not \"12\""). Used by calibration.py's FILE_SCHEMA.

Pure: the standard library only.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fhp_monitor.core.i18n import _


def number(low: float, high: float, optional: bool = False):
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("must be a number, not {value}").format(value=json.dumps(value)[:40])
        if not math.isfinite(value):
            return _("{value} is not a finite number").format(value=repr(value))
        if not low <= value <= high:
            return _("{value} is outside {low} to {high}").format(value=repr(value), low=f"{low:g}", high=f"{high:g}")
        return None
    return check


def whole(low: int, high: int):
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return _("must be a whole number, not {value}").format(value=json.dumps(value)[:40])
        return None if low <= value <= high else _("{value} is outside {low} to {high}").format(
            value=value, low=low, high=high)
    return check


def one_of(*choices: Any):
    def check(value: Any) -> str | None:
        ok = any(value is c if isinstance(c, bool) else (type(value) is type(c) and value == c) for c in choices)
        allowed = ', '.join(json.dumps(c) for c in choices)
        return None if ok else _("must be one of {allowed}, not {value}").format(
            allowed=allowed, value=json.dumps(value)[:40])
    return check
