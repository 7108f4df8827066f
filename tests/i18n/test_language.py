"""Which language: the environment gettext reads (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), the Windows UI
language, or the setting; plurals, dates and numbers in that language; and the command line's lines
(a one-line error, the daily summary) in each language from a real ``python -m fhp_monitor``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fhp_monitor import i18n
from fhp_monitor.core import i18n as core_i18n
from fhp_monitor.core.i18n import _, ngettext
from fhp_monitor.core.summary import duration_words
from tests.support.running import clean_env, fhp

#: What the one-line "nothing is running" error and the empty day's summary start with, per language.
EXPECTED = {
    "en": ("fhp-monitor: not running in", "No posture data today yet."),
    "de": ("fhp-monitor: läuft nicht in", "Noch keine Haltungsdaten für heute."),
    "es": ("fhp-monitor: no está en marcha en", "Todavía no hay datos de postura hoy."),
    "fr": ("fhp-monitor : pas en marche dans", "Pas encore de données de posture aujourd'hui."),
    "it": ("fhp-monitor: non in funzione in", "Ancora nessun dato sulla postura oggi."),
    "pt": ("fhp-monitor: não está a correr em", "Ainda não há dados de postura hoje."),
}


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANGUAGE": "de:en", "LANG": "fr_FR.UTF-8"}, "de"),  # LANGUAGE first, as gettext reads it
    ({"LANGUAGE": "xx:pt_BR", "LANG": "C.UTF-8"}, "pt"),  # the first entry we have a catalog for
    ({"LANGUAGE": "", "LC_ALL": "es_ES.UTF-8", "LANG": "de_DE.UTF-8"}, "es"),
    ({"LC_MESSAGES": "it_IT.UTF-8", "LANG": "de_DE.UTF-8"}, "it"),
    ({"LANG": "fr_CA.UTF-8"}, "fr"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "ja_JP.UTF-8"}, "en"),  # no catalog: English
    ({}, "en"),
])
def test_the_system_language_comes_from_the_environment_in_gettexts_order(environ, expected) -> None:
    assert i18n.system_language(environ, "linux") == expected


def test_on_windows_the_user_interface_language_decides(monkeypatch) -> None:
    monkeypatch.setattr(i18n, "windows_ui_language", lambda: "it")
    assert i18n.system_language({}, "win32") == "it"
    assert i18n.system_language({"LANG": "de_DE.UTF-8"}, "win32") == "de"  # an explicit variable still wins
    monkeypatch.setattr(i18n, "windows_ui_language", lambda: None)
    assert i18n.system_language({}, "win32") == "en"


def test_windows_language_ids_map_to_our_codes() -> None:
    import locale

    assert i18n._code(locale.windows_locale[0x0407]) == "de"  # de_DE
    assert i18n._code(locale.windows_locale[0x0416]) == "pt"  # pt_BR
    assert i18n.windows_ui_language() is None or i18n.windows_ui_language() in i18n.LANGUAGES


def test_the_setting_overrides_the_system() -> None:
    assert i18n.resolve("fr", {"LANGUAGE": "de"}, "linux") == "fr"
    assert i18n.resolve("system", {"LANGUAGE": "de"}, "linux") == "de"
    assert i18n.activate("es", {"LANGUAGE": "de"}, "linux") == "es"
    assert core_i18n.active().code == "es" and _("Resume") == "Reanudar"


@pytest.mark.parametrize(("code", "one", "two"), [
    ("en", "1 minute", "2 minutes"), ("de", "1 Minute", "2 Minuten"), ("es", "1 minuto", "2 minutos"),
    ("fr", "1 minute", "2 minutes"), ("it", "1 minuto", "2 minuti"), ("pt", "1 minuto", "2 minutos"),
])
def test_plural_forms_in_each_language(code: str, one: str, two: str) -> None:
    i18n.activate(code)
    assert duration_words(60) == one and duration_words(120) == two
    assert ngettext("{n} hour", "{n} hours", 1).format(n=1) != ngettext("{n} hour", "{n} hours", 5).format(n=5)


def test_dates_and_numbers_in_the_users_language() -> None:
    day = dt.date(2026, 6, 1)  # a Monday
    assert core_i18n.day_month(day) == "Monday 1 June"
    i18n.activate("de")
    assert "Montag" in core_i18n.day_month(day) and "Juni" in core_i18n.day_month(day)
    assert core_i18n.number(12.5, 1) == "12,5" and core_i18n.short_weekday(day).startswith("Mo")
    i18n.activate("fr")
    assert core_i18n.day_month(day) == "lundi 1 juin" and core_i18n.number(1234.5, 1) == "1\u202f234,5"


@pytest.mark.parametrize("code", list(EXPECTED))
def test_a_one_line_error_and_the_daily_summary_in_each_language(code: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clean_env(LANGUAGE=code, LANG="C.UTF-8")
    error = fhp(home, "pause", env=env)
    assert error.returncode == 3
    assert error.stderr.startswith(EXPECTED[code][0]) and len(error.stderr.strip().splitlines()) == 1, error.stderr
    summary = fhp(home, "summary", env=env)
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.splitlines()[0] == EXPECTED[code][1]


def test_the_language_setting_wins_over_the_environment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text("display:\n  language: it\n")
    summary = fhp(home, "summary", env=clean_env(LANGUAGE="de"))
    assert summary.stdout.splitlines()[0] == EXPECTED["it"][1], summary.stdout
