"""How one setting's value is checked: the kinds of rule (number, whole number, flag, text, clock
time, names) and the plain wording a user sees when a value does not fit.

The settings table in :mod:`fhp_monitor.settings.schema` gives every field one of these rules with
:func:`setting`; the checks there raise :class:`InvalidValue` and word the message with
:func:`shown_value` and :func:`number_text`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fhp_monitor.core.i18n import N_, _


class InvalidValue(Exception):
    """Raised inside a rule when a value does not fit; the caller words the message."""


def shown_value(value: Any) -> str:
    """A short, YAML-like rendering of a user's value for error messages."""
    if value is None or isinstance(value, bool):
        text = {None: "nothing", True: "true", False: "false"}[value]
    elif isinstance(value, int) and value.bit_length() > 256:
        text = _("a number with hundreds of digits")
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):  # dates, odd keys, self-referencing YAML anchors
            text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number_text(x: float) -> str:
    return f"{x:g}"  # 1 not 1.0, 0.5 not .5


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """How one setting is checked: ``check`` returns the clean value or raises InvalidValue."""

    wording: ClassVar[str] = ""

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        """What a valid value looks like, in words for the user."""
        return _(self.wording)

    def check(self, value: Any, high: float | None = None) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Rule):
    """A number from ``low`` to ``high`` (int accepted, bool not). ``high`` may name a sibling."""

    low: float
    high: float | str
    whole: ClassVar[bool] = False

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        top = high_label or number_text(self.high if high is None else high)  # type: ignore[arg-type]
        kind = _("a whole number from {low} to {high}") if self.whole else _("a number from {low} to {high}")
        return kind.format(low=number_text(self.low), high=top)

    def check(self, value: Any, high: float | None = None) -> Any:
        top = self.high if high is None else high
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidValue
        if isinstance(value, float) and not (math.isfinite(value) and (value.is_integer() or not self.whole)):
            raise InvalidValue
        if not self.low <= value <= top:  # exact for huge ints, before any float() overflow
            raise InvalidValue
        return int(value) if self.whole else float(value)


@dataclass(frozen=True)
class Whole(Number):
    """A whole number from ``low`` to ``high`` (5.0 is accepted as 5)."""

    whole: ClassVar[bool] = True


@dataclass(frozen=True)
class Flag(Rule):
    """true or false."""

    wording: ClassVar[str] = N_("true or false")

    def check(self, value: Any, high: float | None = None) -> bool:
        if not isinstance(value, bool):
            raise InvalidValue
        return value


@dataclass(frozen=True)
class Text(Rule):
    """Any text up to 4096 characters; an empty value counts as ""."""

    wording: ClassVar[str] = N_('text in quotes, like "my-model.task"')

    def check(self, value: Any, high: float | None = None) -> str:
        value = "" if value is None else value
        if not isinstance(value, str) or len(value) > 4096 or "\x00" in value:
            raise InvalidValue
        return value


_CLOCK = r"(?:[01]?\d|2[0-3]):[0-5]\d"


@dataclass(frozen=True)
class ClockTime(Rule):
    """"" (off) or a 24-hour time "HH:MM"; with ``span``, two different times "HH:MM-HH:MM"
    (a span may pass midnight)."""

    span: bool = False

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        if self.span:
            return _('two times like "22:00-07:00", or "" for none')
        return _('a time like "17:30" (24-hour clock), or "" for off')

    def check(self, value: Any, high: float | None = None) -> str:
        value = "" if value is None else value
        if not isinstance(value, str):
            raise InvalidValue
        match = re.fullmatch(rf"\s*({_CLOCK})\s*-\s*({_CLOCK})\s*" if self.span else _CLOCK, value)
        if value and (not match or (self.span and match.group(1).zfill(5) == match.group(2).zfill(5))):
            raise InvalidValue
        return value


@dataclass(frozen=True)
class Names(Rule):
    """A list of up to 100 non-empty names; a single name counts as a list of one."""

    wording: ClassVar[str] = N_('a list of names, like ["zoom", "teams"]')

    def check(self, value: Any, high: float | None = None) -> tuple[str, ...]:
        items = [] if value is None else [value] if isinstance(value, str) else value
        if not isinstance(items, list) or len(items) > 100:
            raise InvalidValue
        if not all(isinstance(item, str) and item.strip() and len(item) <= 200 for item in items):
            raise InvalidValue
        return tuple(items)


@dataclass(frozen=True)
class Choice(Rule):
    """One word of a fixed list (e.g. the language: "system", "en", "de"...)."""

    options: tuple[str, ...] = ()

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        return _("one of {choices}").format(choices=", ".join(self.options))

    def check(self, value: Any, high: float | None = None) -> str:
        if not isinstance(value, str) or value.strip().lower() not in self.options:
            raise InvalidValue
        return value.strip().lower()


def setting(default: Any, rule: Rule) -> Any:
    """A section field: its default and the rule its values must follow."""
    return field(default=default, metadata={"rule": rule})

