"""The command line in the user's language, from a real ``python -m fhp_monitor``: the help lines
(built after the language is chosen), argparse's own words, and the one-line errors of deeper
modules (a bad landmark recording, a settings file that is not YAML, a home that is a file)."""

from __future__ import annotations

from pathlib import Path

from tests.support.running import clean_env, fhp

GERMAN = clean_env(LANGUAGE="de", LANG="C.UTF-8")


def one_line(done) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_help_is_in_german(tmp_path: Path) -> None:
    done = fhp(tmp_path / "home", "--help", env=GERMAN)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Aufruf: fhp-monitor")
    for words in ("Bemerkt, wenn Ihr Kopf nach vorn wandert.", "Optionen:", "diese Hilfe zeigen und beenden",
                  "Ihre aufrechte Haltung aufnehmen", "das Einstellungsfenster öffnen"):
        assert words in done.stdout, words
    for english in ("usage:", "Notices when", "record your upright posture", "show this help"):
        assert english not in done.stdout, english
    assert not (tmp_path / "home").exists()  # asking for help creates nothing


def test_a_commands_help_and_argparses_error_are_in_german(tmp_path: Path) -> None:
    replay = fhp(tmp_path / "home", "replay", "--help", env=GERMAN)
    assert "Landmarken-Aufnahme (.csv)" in replay.stdout and "ein JSON-Objekt pro Bild" in replay.stdout
    wrong = fhp(tmp_path / "home", "run", "--speed", "fast", env=GERMAN)
    assert wrong.returncode == 2
    assert "Fehler: Argument --speed: ungültiger Wert für float: 'fast'" in wrong.stderr, wrong.stderr


def test_the_language_setting_decides_the_help_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "config.yaml").write_text("display:\n  language: fr\n", encoding="utf-8")
    done = fhp(home, "--help", env=GERMAN)
    assert "Remarque quand votre tête part en avant." in done.stdout, done.stdout


def test_a_bad_landmark_recording_is_one_german_line(tmp_path: Path) -> None:
    recording = tmp_path / "aufnahme.csv"
    recording.write_text("t,breite,hoehe\n0,640,360\n", encoding="utf-8")
    line = one_line(fhp(tmp_path / "home", "replay", str(recording), env=GERMAN))
    assert line.startswith(f"fhp-monitor: Die Landmarken-Datei {recording}, Zeile 1, Spalte 2 (width): "
                           "in der Kopfzeile steht 'breite', wo 'width' hingehört"), line
    missing = one_line(fhp(tmp_path / "home", "replay", str(tmp_path / "fehlt.csv"), env=GERMAN))
    assert missing == f"fhp-monitor: Die Landmarken-Datei {tmp_path / 'fehlt.csv'} wurde nicht gefunden."


def test_a_broken_settings_file_and_a_home_that_is_a_file_are_german_lines(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "config.yaml").write_text("nudges:\n  cooldown_min: [1\n", encoding="utf-8")
    line = one_line(fhp(home, "status", env=GERMAN))
    assert "das ist kein gültiges YAML" in line and "Anführungszeichen" in line, line
    a_file = tmp_path / "eine-datei"
    a_file.write_text("", encoding="utf-8")
    line = one_line(fhp(a_file, "status", env=GERMAN))
    assert line == (f"fhp-monitor kann seine Dateien nicht in {a_file} ablegen: Das ist eine Datei, kein Ordner. "
                    "Wählen Sie mit --home einen Ordner.")


def test_the_app_menu_entry_speaks_every_language() -> None:
    """The menu shows GenericName/Comment in the desktop's language and its search finds the
    translated words: one localized key per catalog, from the same catalogs as the app."""
    from fhp_monitor.desktop.menu.xdg import desktop_entry

    lines = desktop_entry(["fhp-monitor"]).splitlines()
    assert "GenericName=Posture reminder" in lines and "GenericName[de]=Haltungserinnerung" in lines
    assert "Comment[fr]=De doux rappels pour ramener la tête au-dessus des épaules" in lines
    assert "Keywords[it]=postura;collo;testa;webcam;promemoria;" in lines
    for key in ("GenericName", "Comment", "Keywords"):
        assert {line.split("=")[0] for line in lines if line.startswith(key)} == {
            key, *(f"{key}[{code}]" for code in ("de", "es", "fr", "it", "pt"))}


def test_a_partial_verdict_is_explained_in_the_users_language() -> None:
    """The replay table's "(head turned away: judged from ear height)" is said in German, while the
    JSON reason stays the English data it always was."""
    from fhp_monitor import i18n
    from fhp_monitor.core.geometry import HEAD_TURNED
    from fhp_monitor.core.signals import ANGLE, NOSE, SLUMP, Verdict, judged_from, judged_from_words

    verdict = Verdict(False, {ANGLE: 0.2})
    i18n.activate("de")
    assert judged_from_words(HEAD_TURNED, (ANGLE,)) == "Kopf abgewandt: beurteilt nach Ohrhöhe"
    assert judged_from_words(HEAD_TURNED, (ANGLE, NOSE, SLUMP)) == (
        "Kopf abgewandt: beurteilt nach Ohrhöhe, Nasenhöhe und Kopfhöhe")
    assert judged_from(verdict, HEAD_TURNED) == "head turned away: judged from ear height"
    assert judged_from_words(None, (ANGLE,)) == ""
