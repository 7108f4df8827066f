"""Our parser speaks the user's language (cli/argwords.py) without changing argparse for anyone else
in the process: a plain ArgumentParser made after ours still says "usage:" and "error:" in English."""

from __future__ import annotations

import argparse

import pytest

from fhp_monitor import i18n
from fhp_monitor.cli.argwords import translate_error
from fhp_monitor.cli.parser import build_parser


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.activate("en")


def test_a_plain_argparse_parser_still_speaks_english_after_ours(capsys) -> None:
    i18n.activate("de")
    ours = build_parser()
    assert ours.format_help().startswith("Aufruf: fhp-monitor") and "Optionen:" in ours.format_help()
    with pytest.raises(SystemExit):
        ours.parse_args(["run", "--speed", "fast"])
    assert "fhp-monitor run: Fehler: Argument --speed: ungültiger Wert für float: 'fast'" in capsys.readouterr().err

    other = argparse.ArgumentParser(prog="other")
    other.add_argument("needed")
    assert other.format_help().startswith("usage: other")
    assert "options:" in other.format_help() and "show this help message and exit" in other.format_help()
    with pytest.raises(SystemExit):
        other.parse_args([])
    assert capsys.readouterr().err.splitlines() == ["usage: other [-h] needed",
                                                    "other: error: the following arguments are required: needed"]


@pytest.mark.parametrize(("english", "german"), [
    ("the following arguments are required: COMMAND", "diese Argumente fehlen: COMMAND"),
    ("argument COMMAND: invalid choice: 'stauts' (choose from 'run', 'status')",
     "Argument COMMAND: ungültige Wahl: 'stauts' (möglich: 'run', 'status')"),
    ("unrecognized arguments: --colour", "unbekannte Argumente: --colour"),
    ("argument --home: expected one argument", "Argument --home: ein Argument erwartet"),
    ("a sentence of our own", "a sentence of our own"),
])
def test_argparses_sentences_are_translated_back_from_their_templates(english: str, german: str) -> None:
    i18n.activate("de")
    assert translate_error(english) == german


def test_a_missing_command_argument_is_a_german_error(capsys) -> None:
    i18n.activate("de")
    with pytest.raises(SystemExit) as leaving:
        build_parser().parse_args(["autostart"])
    assert leaving.value.code == 2
    usage, error = capsys.readouterr().err.strip().splitlines()
    assert usage.startswith("Aufruf: fhp-monitor autostart")
    assert error.startswith("fhp-monitor autostart: Fehler: diese Argumente fehlen: state"), error
