"""Whether a test can run here: missing programs or Tk skip on a laptop, but fail in CI (``CI`` set),
where the real-desktop tests must never silently skip; and the private desktop a fixture starts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.support.desktop import Desktop, DesktopError


def need_programs(*names: str) -> None:
    """Skip (or fail in CI, see cannot_run) when one of these programs is not installed."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        cannot_run(f"{', '.join(missing)} is not installed")


def cannot_run(reason: str, module: bool = False) -> None:
    """Skip on a developer laptop, but fail loudly in CI: GUI tests must never silently skip there.

    ``module=True`` when called while a test module is imported (collection): a skip then skips the
    whole module, and a failure is reported as that module's error.
    """
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the real-desktop tests must run, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


def require_tkinter() -> None:
    """Call at the top of a test module that imports tkinter, directly or through
    ``fhp_monitor.gui.*``, before those imports: on a Python without Tk (Debian's system Python
    without python3-tk) the module is skipped with the reason, so the test command still collects,
    but in CI it fails."""
    from fhp_monitor.gui import TK_MISSING, tk_available

    if not tk_available():
        cannot_run(f"this Python has no tkinter. {TK_MISSING}", module=True)


def started_desktop(tray: str = "trayer", missing: list[str] | None = None, install: str = "",
                    width: int = 1280, height: int = 800) -> Iterator[Desktop]:
    """A started private desktop (tray host ``tray``, screen ``width`` x ``height``) for a fixture to
    ``yield from``; closed after. Missing programs (``missing``, default: what Desktop needs) or a desktop
    that does not start: skip on a laptop, fail in CI (cannot_run)."""
    from tests.support.desktop import missing_programs

    missing = missing_programs() if missing is None else missing
    if missing:
        cannot_run(f"these programs are missing: {', '.join(missing)}" + (f" ({install})" if install else ""))
    session = Desktop(width=width, height=height, tray=tray)
    try:
        session.start()
    except DesktopError as error:
        cannot_run(f"the {width}x{height} test desktop ({tray}) did not start: {error}")
    try:
        yield session
    finally:
        session.close()


def use_buses(monkeypatch, session, system) -> None:
    """Point the D-Bus environment at a private session bus and a private "system" bus."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", system.address)
    monkeypatch.delenv("XDG_SESSION_ID", raising=False)
