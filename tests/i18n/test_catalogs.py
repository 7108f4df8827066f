"""The catalogs: every string a user sees is marked, extracted, translated in every language (none
fuzzy, none missing), the shipped .mo files match the .po files, and the translations keep the
placeholders and the length limits of the English."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fhp_monitor.core import messages
from fhp_monitor.core.i18n import _
from fhp_monitor.i18n import CHOICES, LANGUAGES, LOCALE_DIR, activate
from fhp_monitor.settings.schema import LANGUAGE_CHOICES

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import catalogs  # noqa: E402  (tools/ is not a package)
import untranslated  # noqa: E402

TRANSLATED = [code for code in LANGUAGES if code != "en"]


def test_no_string_anywhere_in_the_package_bypasses_translation() -> None:
    """Every module, not a list of them: a new unmarked sentence anywhere fails here (run
    ``python tools/untranslated.py`` to see them; mark log-only words ``# not translated: <why>``)."""
    found = untranslated.scan()
    assert found == [], "wrap these in _(), N_() or ngettext():\n" + "\n".join(found)


def test_the_scan_finds_an_unmarked_sentence(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('from x import _\nA = _("Marked words here")\nB = "Plain words here"\nlog.info("log words")\n'
                      'parser.add_argument("--x", help="help words here")\n'
                      'C = "Words for the log"  # not translated: for the log\n'
                      '# not translated: the names of the pairs\nD = {"pressed button": 1}\n'
                      '# a comment that says nothing\nE = "More plain words"\n')
    assert [text for _line, text in sorted(untranslated.unmarked(sample))] == [
        "Plain words here", "help words here", "More plain words"]


def test_every_marked_string_is_translated_in_every_language_and_the_mo_files_match() -> None:
    assert catalogs.problems() == []


@pytest.mark.skipif(shutil.which("msgfmt") is None and os.environ.get("CI") != "true",
                    reason="msgfmt (gettext) is not installed")
@pytest.mark.parametrize("code", TRANSLATED)
def test_msgfmt_checks_pass_with_no_untranslated_and_no_fuzzy_message(code: str) -> None:
    """``msgfmt --check`` is stricter than our own check: the header, the domain, and every format
    string's placeholders (brace and percent) against the English."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / "fhp_monitor.po"
    done = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
                          capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", done.stderr), done.stderr
    assert int(done.stderr.split()[0]) == len([m for m in catalogs.extracted() if m.id])


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code: str) -> None:
    catalog = catalogs.load_po(catalogs.po_path(code))
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        wanted = set(re.findall(r"\{(\w+)[^}]*\}", source))
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in strings:
            used = set(re.findall(r"\{(\w+)[^}]*\}", text))
            assert used <= wanted, (code, message.id, text)
            text.format(**{name: "x" for name in wanted})  # no stray brace breaks .format


def test_the_settings_languages_are_the_catalogs() -> None:
    assert LANGUAGE_CHOICES == CHOICES
    for code in TRANSLATED:
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "fhp_monitor.mo").is_file()


@pytest.mark.parametrize("code", TRANSLATED)
def test_nudges_stay_short_and_differ_from_english_in_every_language(code: str) -> None:
    english = set(messages.all_nudges())
    activate(code)
    nudges = messages.all_nudges()
    assert not set(nudges) & english
    for title, body in nudges:
        assert len(title) <= messages.MAX_TITLE_CHARS, (code, title)
        assert len(body) <= messages.MAX_BODY_CHARS, (code, body)
    for exercise in messages.EXERCISES:
        body = f"{_(exercise)} {_(messages.SAFETY_NOTE)}"
        assert len(body) <= messages.MAX_EXERCISE_BODY_CHARS + 25, (code, len(body), body)
