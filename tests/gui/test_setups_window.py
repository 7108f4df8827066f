"""The "Your setups" window (issue 22) on a real X server: rename and delete saved setups with its own
buttons and keys, the setup in use kept, a bad name said in words; and the settings window's button
that opens it. In-process Tk, as the app opens it over its root; real files in a temporary home."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.needs import require_tkinter

require_tkinter()

import tkinter as tk  # noqa: E402

from fhp_monitor.core.calibration import Baseline  # noqa: E402
from fhp_monitor.home.folder import Home  # noqa: E402
from fhp_monitor.store.setups import read_book, remember  # noqa: E402

SHOTS = Path("/work/scratch/shots/detection")


def at(body_frac: float, body_x: float) -> Baseline:
    return Baseline(48.5, 1.2, 20, "front", 2.0, 1_700_000_000.0, body_frac=body_frac, body_x=body_x, body_y=0.8)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    root = tmp_path / "home"
    root.mkdir()
    place = Home(root=root, log_dir=root / "logs", chosen=True)
    remember(place, at(0.5, 0.5))  # Desk
    remember(place, at(0.25, 0.3))  # Setup 2
    remember(place, at(0.25, 0.7), "Kitchen")  # in use
    return place


def buttons(widget: tk.Misc) -> dict[str, tk.Button]:
    found = {widget.cget("text"): widget} if isinstance(widget, tk.Button) else {}
    for child in widget.winfo_children():
        found.update(buttons(child))
    return found


def entry_in(widget: tk.Misc) -> tk.Entry:
    return next(child for child in widget.winfo_children() if isinstance(child, tk.Entry))


def test_setups_are_renamed_and_deleted_in_the_window_and_the_one_in_use_cannot_be_deleted(desktop, home, tmp_path):
    from fhp_monitor.gui.setups import SetupsWindow

    steps, told = [], []
    with desktop.activate():
        root = tk.Tk()
        try:
            window = SetupsWindow(root, home=home, on_step=steps.append, on_changed=told.append)
            root.update()
            assert set(window.rows) == {"Desk", "Setup 2", "Kitchen"}
            assert "Delete" not in buttons(window.rows["Kitchen"])  # in use: kept
            if SHOTS.parent.is_dir():
                SHOTS.mkdir(parents=True, exist_ok=True)
                desktop.screenshot(tmp_path / "setups.png")
                shutil.copy(tmp_path / "setups.png", SHOTS / "setups-window.png")

            buttons(window.rows["Setup 2"])["Rename"].invoke()
            field = entry_in(window.rows["Setup 2"])
            field.delete(0, "end")
            field.insert(0, "  ")  # no name at all: said in words, nothing changed
            buttons(window.rows["Setup 2"])["Keep"].invoke()
            assert window.status.cget("text") == "Please give the setup a name."
            assert read_book(home).names == ["Desk", "Setup 2", "Kitchen"] and told == []
            field.delete(0, "end")
            field.insert(0, "Big screen")
            root.update()
            field.focus_force()
            field.event_generate("<Return>")  # Enter in the field keeps the name
            root.update()
            assert read_book(home).names == ["Desk", "Big screen", "Kitchen"]
            assert len(told) == 1 and "setups: renamed" in steps

            buttons(window.rows["Desk"])["Delete"].invoke()
            assert "Delete \u201cDesk\u201d?" in [c.cget("text") for c in window.rows["Desk"].winfo_children()
                                                  if isinstance(c, tk.Label)]
            buttons(window.rows["Desk"])["No, keep it"].invoke()
            assert read_book(home).names == ["Desk", "Big screen", "Kitchen"]
            buttons(window.rows["Desk"])["Delete"].invoke()
            buttons(window.rows["Desk"])["Yes, delete"].invoke()
            book = read_book(home)
            assert book.names == ["Big screen", "Kitchen"] and book.active == "Kitchen" and len(told) == 2
            root.event_generate("<Escape>")
            root.update()
            assert steps[-1] == "setups: closed"
        finally:
            if steps[-1:] != ["setups: closed"]:  # closed by Esc: the root is gone already
                root.destroy()


def test_the_settings_window_opens_the_setups_window(desktop, home):
    from fhp_monitor.gui.settings import SettingsForm
    from fhp_monitor.gui.setups import OPEN_BUTTON, WINDOW_TITLE
    from fhp_monitor.home.folder import ensure_config

    ensure_config(home)
    with desktop.activate():
        root = tk.Tk()
        try:
            SettingsForm(root, home=home, open_file=lambda path: None)
            root.update()
            buttons(root)[OPEN_BUTTON].invoke()
            root.update()
            opened = [w for w in root.winfo_children() if isinstance(w, tk.Toplevel)]
            assert [w.title() for w in opened] == [WINDOW_TITLE]
            assert {"Rename", "Delete", "Close  (Esc)"} <= set(buttons(opened[0]))
        finally:
            root.destroy()
