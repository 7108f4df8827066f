"""Checks for the values a file of ours may hold: each returns None for a good value, else a few words
saying what is wrong ("must be a number, not \"12\""). Used by calibration.py's FILE_SCHEMA.

Pure: the standard library only.
"""

from __future__ import annotations

import json
import math
from typing import Any


def number(low: float, high: float, optional: bool = False):
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, not {json.dumps(value)[:40]}"
        if not math.isfinite(value):
            return f"{value!r} is not a finite number"
        if not low <= value <= high:
            return f"{value!r} is outside {low:g} to {high:g}"
        return None
    return check


def whole(low: int, high: int):
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {json.dumps(value)[:40]}"
        return None if low <= value <= high else f"{value} is outside {low} to {high}"
    return check


def one_of(*choices: Any):
    def check(value: Any) -> str | None:
        ok = any(value is c if isinstance(c, bool) else (type(value) is type(c) and value == c) for c in choices)
        allowed = ', '.join(json.dumps(c) for c in choices)
        return None if ok else f"must be one of {allowed}, not {json.dumps(value)[:40]}"
    return check
