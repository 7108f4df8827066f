"""Which language the app speaks, and the catalogs it speaks it from (the adapter of core/i18n.py).

The setting ``display.language`` is ``system`` or one of :data:`LANGUAGES`. "system" means the
environment gettext itself reads (LANGUAGE, then LC_ALL, LC_MESSAGES, LANG) on Linux and the
user's UI language (GetUserDefaultUILanguage) on Windows; a language we have no catalog for means
English. :func:`activate` loads the compiled catalog (``locale/<code>/LC_MESSAGES/fhp_monitor.mo``,
shipped in the wheel) and Babel's dates and numbers for it, and hands both to the core.

Babel is imported here and nowhere else. Catalogs are managed with ``tools/catalogs.py``
(extract / update / compile / check; README "Translations").

Threads: any; :func:`activate` is cheap after the first load of a language (cached).
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import functools
import gettext
import locale as _locale
import logging
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from fhp_monitor.core import i18n as core_i18n

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: Languages with a catalog, each named in its own language (the Settings window lists them so).
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français", "it": "Italiano",
             "pt": "Português"}
#: The values of the ``display.language`` setting.
CHOICES = ("system", *LANGUAGES)
#: Environment variables gettext reads, in its order (the first one set wins; LANGUAGE may list several).
ENV_ORDER = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def _code(name: str) -> str | None:
    """'de_DE.UTF-8' → 'de', 'pt-BR' → 'pt', 'C' / '' / unknown → None."""
    base = name.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The language gettext would pick from ``environ``: the first of LANGUAGE (a colon list),
    LC_ALL, LC_MESSAGES, LANG that is set; None when that one names no language we have."""
    for name in ENV_ORDER:
        value = environ.get(name, "")
        if not value:
            continue
        if name == "LANGUAGE":
            codes = [_code(part) for part in value.split(":")]
            found = next((code for code in codes if code), None)
            if found:
                return found
            continue  # gettext ignores LANGUAGE entries it has no catalog for: the next variable decides
        return _code(value)
    return None


def windows_ui_language() -> str | None:
    """The Windows user's display language ('de_DE' → 'de'), None elsewhere or when unknown."""
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return None
    try:
        langid = windll.kernel32.GetUserDefaultUILanguage()
    except (AttributeError, OSError) as exc:
        log.info("could not ask Windows for the UI language: %s", exc)
        return None
    return _code(_locale.windows_locale.get(langid, ""))


def system_language(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """The system's language among :data:`LANGUAGES` ('en' when it is none of them)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    found = from_environment(environ)
    if found is None and platform == "win32" and not any(environ.get(name) for name in ENV_ORDER):
        found = windows_ui_language()
    return found or "en"


def resolve(choice: str, environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """The language code for a ``display.language`` setting ('system' → the system's)."""
    return choice if choice in LANGUAGES else system_language(environ, platform)


@functools.cache
def language(code: str) -> core_i18n.Language:
    """The core's Language for ``code``: its compiled catalog and Babel's dates and numbers."""
    if code not in LANGUAGES:
        raise ValueError(f"no catalog for language {code!r} (known: {', '.join(LANGUAGES)})")
    if code == "en":
        return core_i18n.ENGLISH
    from babel import Locale
    from babel.dates import format_date
    from babel.numbers import format_decimal

    catalog = gettext.translation(core_i18n.DOMAIN, localedir=str(LOCALE_DIR), languages=[code], fallback=True)
    if type(catalog) is gettext.NullTranslations:
        log.warning("the %s catalog is missing from %s; English is used", code, LOCALE_DIR)
    where = Locale.parse(code)

    # The locale's own order for "weekday, day and month" (CLDR skeleton MMMMEd), with the weekday written out
    skeleton = where.datetime_skeletons.get("MMMMEd")
    day_pattern = re.sub(r"E+|c+", "EEEE", skeleton.pattern) if skeleton is not None else "EEEE d MMMM"

    def day_month(day: _dt.date) -> str:
        return format_date(day, day_pattern, locale=where)

    def weekday(day: _dt.date) -> str:
        return format_date(day, "EEEE", locale=where)

    def short_weekday(day: _dt.date) -> str:
        return format_date(day, "EEE", locale=where)

    def short_date(day: _dt.date) -> str:
        return format_date(day, "EEE dd MMM", locale=where)  # not translated: a CLDR date pattern

    def number(value: float, digits: int) -> str:
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=where)

    return core_i18n.Language(code=code, catalog=catalog, day_month=day_month, weekday=weekday,
                               short_weekday=short_weekday, short_date=short_date, number=number)


def activate(choice: str = "system", environ: Mapping[str, str] | None = None,
             platform: str | None = None) -> str:
    """Speak ``choice`` ('system' or a code of :data:`LANGUAGES`) from now on; returns the code used."""
    code = resolve(choice, environ, platform)
    core_i18n.use(language(code))
    return code
