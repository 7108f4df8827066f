"""The tray's and panel's "Print a report": the real `fhp-monitor report` in its own process, then the PDF
opened in the desktop's viewer; a report that cannot be made is said in a notification."""

from __future__ import annotations

import os
from types import SimpleNamespace

from fhp_monitor import app as app_module
from fhp_monitor.app import App
from fhp_monitor.core.commands import MENU, REPORT, Verb
from fhp_monitor.home.folder import Home


def test_print_a_report_is_in_the_tray_menu_and_the_panel() -> None:
    assert (REPORT, "Print a report") in [entry for group in MENU for entry in group]
    assert Verb.REPORT in App.HANDLERS


def test_the_report_is_made_in_its_own_process_and_opened(tmp_path, monkeypatch) -> None:
    home = Home.locate(str(tmp_path / "home"), {})
    opened, told = [], []
    monkeypatch.setattr(app_module, "open_with_desktop", opened.append)
    monkeypatch.delenv("FHP_MONITOR_HOME", raising=False)
    App.print_report(SimpleNamespace(home=home, _tell=lambda *words: told.append(words))).join(180)
    assert told == []
    assert opened == [home.root / "posture-report.pdf"]
    assert opened[0].read_bytes().startswith(b"%PDF")  # an empty history still gets a page saying so


def test_a_report_that_cannot_be_written_is_said_in_a_notification(tmp_path, monkeypatch) -> None:
    home = Home.locate(str(tmp_path / "home"), {})
    (home.root / "posture-report.pdf").mkdir(parents=True)  # a folder in the way of the file
    opened, told = [], []
    monkeypatch.setattr(app_module, "open_with_desktop", opened.append)
    App.print_report(SimpleNamespace(home=home, _tell=lambda *words: told.append(words))).join(180)
    assert opened == []
    assert [title for title, _ in told] == ["The report could not be made"]
    assert "cannot write the report" in told[0][1] and not told[0][1].startswith("fhp-monitor:")
    assert os.path.isdir(home.root / "posture-report.pdf")
