"""The one translation function: every word a user sees goes through ``_`` or ``ngettext`` here.

Pure: the standard library's gettext, nothing else. Which language is active is decided outside
the core (fhp_monitor/i18n: the setting, the environment, the Windows UI language, the catalog
files, Babel's dates and numbers) and handed in with :func:`use`; the core never reads the
environment or a file. Until something is handed in, everything is English.

Words fixed at import time (tables of titles, menu labels) are marked with :func:`N_` so that
extraction finds them, and translated where they are shown (``_(label)``), so a change of language
applies to the next window, notification and menu redraw without reloading anything.

Threads: any. :func:`use` swaps one reference (the active :class:`Language`); readers take that
reference once per call, so a change of language never mixes two languages in one string.
"""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
from collections.abc import Callable
from dataclasses import dataclass, field

DOMAIN = "fhp_monitor"

#: English day and month names (the fallback when no locale-aware formatter is handed in).
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _english_day_month(day: _dt.date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _english_number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


@dataclass(frozen=True)
class Language:
    """One active language: its code ("en", "de"...), its catalog and how it writes dates and numbers.

    ``day_month(date)`` gives e.g. 'Monday 3 June' / 'Montag, 3. Juni'; ``weekday(date)`` 'Monday';
    ``number(x, digits)`` '12.5' / '12,5'.
    """

    code: str = "en"
    catalog: _gettext.NullTranslations = field(default_factory=_gettext.NullTranslations)
    day_month: Callable[[_dt.date], str] = _english_day_month
    weekday: Callable[[_dt.date], str] = lambda day: _DAYS[day.weekday()]
    short_weekday: Callable[[_dt.date], str] = lambda day: _DAYS[day.weekday()][:3]
    short_date: Callable[[_dt.date], str] = lambda day: (
        f"{_DAYS[day.weekday()][:3]} {day.day:02d} {_MONTHS[day.month - 1][:3]}")
    number: Callable[[float, int], str] = _english_number


ENGLISH = Language()
_active: Language = ENGLISH


def use(language: Language) -> None:
    """Make ``language`` the active one (any thread; the next string asked for is in it)."""
    global _active
    if not isinstance(language, Language):
        raise TypeError(f"use() takes a Language, not {language!r}")
    _active = language


def active() -> Language:
    """The active language (English until :func:`use` is called)."""
    return _active


def _(message: str) -> str:
    """``message`` in the active language (itself when the catalog has no translation)."""
    return _active.catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted phrase for ``n`` in the active language ('1 minute', '2 minutes');
    the result still holds its placeholder: ``ngettext("{n} minute", "{n} minutes", n).format(n=n)``."""
    return _active.catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for extraction without translating it now (translated where it is shown)."""
    return message


def day_month(day: _dt.date) -> str:
    """'Monday 3 June' in the active language's own order and names."""
    return _active.day_month(day)


def weekday(day: _dt.date) -> str:
    """'Monday' in the active language."""
    return _active.weekday(day)


def short_weekday(day: _dt.date) -> str:
    """'Mon' in the active language (the chart's day-by-day strip)."""
    return _active.short_weekday(day)


def short_date(day: _dt.date) -> str:
    """'Mon 01 Jun' in the active language (a table's day column)."""
    return _active.short_date(day)


def number(value: float, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals, written the active language's way ('12.5', '12,5')."""
    return _active.number(value, digits)
