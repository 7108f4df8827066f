"""Shared pytest fixtures. Keep this file small: put other fixtures next to the tests that use them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.desktop import XFCE_PROGRAMS, XFCONFD, Desktop, missing_programs
from tests.support.faults_support import copy_home
from tests.support.needs import started_desktop
from tests.support.running import fhp

# The tests read the English words; a developer's own LANGUAGE or LANG must not change them (tests of
# other languages give the child process its own LANGUAGE, or call fhp_monitor.i18n.activate).
os.environ["LANGUAGE"] = "en"


def pytest_collection_modifyitems(config, items) -> None:
    """The Windows lane (.ci/windows, the Windows Python under Wine) skips the tests marked linux_only."""
    if os.name != "nt":
        return
    skip = pytest.mark.skip(reason="linux_only: POSIX-only by nature; the Windows lane checks the Windows sense")
    for item in items:
        if "linux_only" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    """A home calibrated once per test module on the real upright photos (``calibrate --no-gui``)."""
    from tests.support.recorded_day import calibration_folder  # builds photos: only when asked for

    home = tmp_path_factory.mktemp("calibrated") / "home"
    done = fhp(home, "calibrate", "--source", str(calibration_folder()), "--no-gui")
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture
def home(tmp_path, calibrated) -> Path:
    """A fresh copy of the calibrated home for one test."""
    return copy_home(calibrated, tmp_path / "home")
