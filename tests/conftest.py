"""Shared pytest fixtures. Keep this file small: put other fixtures next to the tests that use them."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

import shutil

from tests.desktop import XFCE_PROGRAMS, XFCONFD, Desktop, DesktopError, missing_programs


def need_programs(*names: str) -> None:
    """Skip (or fail in CI, see _cannot_run) when one of these programs is not installed."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        _cannot_run(f"{', '.join(missing)} is not installed")


def _cannot_run(reason: str, module: bool = False) -> None:
    """Skip on a developer laptop, but fail loudly in CI: GUI tests must never silently skip there.

    ``module=True`` when called while a test module is imported (collection): a skip then skips the
    whole module, and a failure is reported as that module's error.
    """
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the real-desktop tests must run, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


def require_tkinter() -> None:
    """Call at the top of a test module that imports tkinter, directly or through
    ``fhp_monitor.windows.*``, before those imports: on a Python without Tk (Debian's system Python
    without python3-tk) the module is skipped with the reason, so the test command still collects,
    but in CI it fails."""
    from fhp_monitor.windows import TK_MISSING, tk_available

    if not tk_available():
        _cannot_run(f"this Python has no tkinter. {TK_MISSING}", module=True)


def started_desktop(tray: str, missing: list[str], install: str) -> Iterator[Desktop]:
    """A started private desktop with tray host ``tray`` for a fixture to ``yield from``; closed after.
    Missing programs or a desktop that does not start: skip on a laptop, fail in CI (_cannot_run)."""
    if missing:
        _cannot_run(f"these programs are missing: {', '.join(missing)} ({install})")
    session = Desktop(tray=tray)
    try:
        session.start()
    except DesktopError as error:
        _cannot_run(f"the test desktop ({tray}) did not start: {error}")
    try:
        yield session
    finally:
        session.close()


def use_buses(monkeypatch, session, system) -> None:
    """Point the D-Bus environment at a private session bus and a private "system" bus."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", system.address)
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)


@pytest.fixture(scope="session")
def desktop() -> Iterator[Desktop]:
    """A private real desktop (Xvfb + session D-Bus + dunst + trayer) shared by the whole session.

    Pass ``desktop.env`` to subprocesses; wrap in-process GUI code in ``with desktop.activate():``.
    """
    yield from started_desktop("trayer", missing_programs(),
                               "apt-get install xvfb dbus-x11 dunst trayer x11-utils imagemagick xdotool")


@pytest.fixture(scope="session")
def sni_desktop() -> Iterator[Desktop]:
    """A second private desktop whose tray host is xfce4-panel: a real StatusNotifierItem host
    (org.kde.StatusNotifierWatcher) that also hosts XEmbed icons; dunst as in ``desktop``."""
    missing = missing_programs() + [name for name in XFCE_PROGRAMS if shutil.which(name) is None]
    if not os.path.exists(XFCONFD):
        missing.append(XFCONFD)
    yield from started_desktop("xfce", missing, "apt-get install xfce4-panel")
