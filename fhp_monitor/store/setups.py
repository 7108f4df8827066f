"""The saved setups on disk: ``setups.json`` in the home folder, beside ``calibration.json``.

``calibration.json`` stays what it always was, the calibration in use: every reader (the monitor,
the exercise break, the settings window, ``status``) keeps reading it. ``setups.json`` keeps every
saved setup, each a name and a whole calibration (whose body fields are the picture's signature,
core/setups.py), and which one is in use. Switching setups writes the chosen calibration to
``calibration.json`` and the name to ``setups.json``.

**From before setups.** A home with a ``calibration.json`` and no ``setups.json`` gets one at the first
read: that calibration becomes the setup "Desk" (in the user's language), in use; ``calibration.json``
itself is left as it is. A calibration written by an older version later (``calibration.json`` newer
than the setup in use) is taken into that setup at the next read, so it is never lost.

Both files are written atomically and privately (core/calibration.write_private). Thread contract:
:class:`SetupFiles` is the worker's :class:`~fhp_monitor.core.setups.SetupShelf` (worker thread);
the functions are for one thread at a time (the CLI, the settings window, the wizard). Two programs
changing the setups in the same second may lose one change; each file stays whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from fhp_monitor.core.calibration import (
    Baseline,
    CalibrationError,
    baseline_from,
    file_content,
    load_baseline,
    read_small_regular_file,
    save_baseline,
    write_private,
)
from fhp_monitor.core.i18n import _
from fhp_monitor.core.setups import FIRST_NAME, MAX_NAME, MAX_SETUPS, Setup, SetupBook
from fhp_monitor.home.folder import Home

log = logging.getLogger(__name__)

FILE_NAME = "setups.json"
VERSION = 1


def setups_path(home: Home) -> Path:
    return home.root / FILE_NAME


def _damaged(path: Path, why: str) -> CalibrationError:
    return CalibrationError(_("The saved setups in {file} cannot be read ({why}). Move that file away and "
                              "calibrate again; your current calibration is still used.").format(file=path, why=why))


def _parse(path: Path, data: bytes) -> SetupBook:
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _damaged(path, str(exc)) from None
    listed = content.get("setups") if isinstance(content, dict) else None
    if not isinstance(listed, list) or content.get("version") != VERSION:
        raise _damaged(path, _("not a list of setups"))
    setups: list[Setup] = []
    for number, entry in enumerate(listed, 1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise _damaged(path, _("setup {number} has no usable name").format(number=number))
        baseline = baseline_from(entry.get("calibration"), f"{path} ({name})")
        setups.append(Setup(name, baseline))
    if len(setups) > MAX_SETUPS or len({s.name.casefold() for s in setups}) != len(setups):
        raise _damaged(path, _("too many setups, or two with one name"))
    active = content.get("active")
    book = SetupBook(tuple(setups), active if isinstance(active, str) else None)
    return book if book.current() is not None else SetupBook(book.setups, None)


def read_book(home: Home) -> SetupBook:
    """The saved setups; made from ``calibration.json`` the first time (see the module docstring).

    Raises CalibrationError (one plain sentence) for a damaged file."""
    path = setups_path(home)
    data = read_small_regular_file(path)
    current = load_baseline(home.calibration)
    if data is None:
        if current is None:
            return SetupBook()
        book = SetupBook().saved(_(FIRST_NAME), current)
        write_book(home, book)
        log.info("the calibration in use is now the saved setup %r (%s)", book.active, path)
        return book
    book = _parse(path, data)
    same = next((s for s in book.setups if s.baseline == current), None)
    if current is not None and same is None:  # written without a name (an older version): keep it, in use
        try:
            book = book.saved(_name_for(book, current), current)
        except ValueError as exc:  # the list is full: it stays in use, unsaved
            log.warning("the calibration in use is not kept as a setup: %s", exc)
            return book
        write_book(home, book)
    elif same is not None and book.active != same.name:
        book = SetupBook(book.setups, same.name)
        write_book(home, book)
    return book


def _name_for(book: SetupBook, baseline: Baseline) -> str:
    """The setup a calibration without a name belongs to: the one whose picture it fits, else a new one."""
    fitting = book.fitting(baseline)
    return fitting.name if fitting else (_(FIRST_NAME) if not book.setups else book.next_name())


def write_book(home: Home, book: SetupBook) -> None:
    content = {"version": VERSION, "active": book.active,
               "setups": [{"name": s.name, "calibration": file_content(s.baseline)} for s in book.setups]}
    write_private(setups_path(home), json.dumps(content, indent=1, allow_nan=False, ensure_ascii=False).encode())


def remember(home: Home, baseline: Baseline, name: str | None = None) -> str:
    """Save a new calibration: in use now (``calibration.json``) and kept as setup ``name``.

    Without a name it replaces the saved setup whose picture it fits (a recalibration at the same
    place), else it is the first setup ("Desk") or the next ("Setup 2"). Returns the name it got.
    Raises ValueError (words for the user) for a bad name, OSError when a file cannot be written.
    """
    book = read_book(home)
    book = book.saved(_name_for(book, baseline) if name is None else name, baseline)
    write_book(home, book)
    save_baseline(home.calibration, baseline)
    return book.active  # type: ignore[return-value]


def name_to_ask(home: Home, baseline: Baseline) -> str | None:
    """The name to offer when a new calibration is saved: None when it needs none (the first setup, or
    the same place as a saved one), else the next free name ("Setup 2")."""
    try:
        book = read_book(home)
    except CalibrationError:
        return None
    return None if not book.setups or book.fitting(baseline) is not None else book.next_name()


def rename(home: Home, old: str, new: str) -> SetupBook:
    """Rename a saved setup; ValueError (words for the user) when it cannot be."""
    book = read_book(home).renamed(old, new)
    write_book(home, book)
    return book


def delete(home: Home, name: str) -> SetupBook:
    """Delete a saved setup (not the one in use); ValueError (words for the user) when it cannot be."""
    book = read_book(home).deleted(name)
    write_book(home, book)
    return book


class SetupFiles:
    """The monitor worker's view of the saved setups (core.setups.SetupShelf), read afresh each time."""

    def __init__(self, home: Home) -> None:
        self.home = home

    def saved(self) -> Sequence[Setup]:
        return read_book(self.home).setups

    def active(self) -> str | None:
        return read_book(self.home).active

    def activate(self, name: str) -> Baseline:
        book = read_book(self.home)
        found = book.find(name)
        if found is None:
            raise ValueError(f"no saved setup {name!r}")
        write_book(self.home, SetupBook(book.setups, found.name))
        save_baseline(self.home.calibration, found.baseline)
        return found.baseline
