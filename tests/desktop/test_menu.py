"""The app-menu entry and its icons (desktop/menu), the one launcher, and `fhp-monitor uninstall`.

Real files in a temporary home, checked with the real desktop-file-validate and decoded by Pillow;
the whole path as a user takes it (pipx install of the built wheel, first run, the menu's Exec line,
uninstall) is in test_pipx_install.py.
"""

from __future__ import annotations

import argparse
import io
import shlex
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fhp_monitor.cli.install import uninstall
from fhp_monitor.core.ports import PostureState
from fhp_monitor.desktop import autostart, menu
from fhp_monitor.desktop.menu import icons
from fhp_monitor.desktop.tray import icon_image
from fhp_monitor.errors import UserError

COMMAND = ["/opt/My Apps/bin/fhp-monitor", "--home", "/home/ann/posture 100%", "run"]


def where(tmp_path: Path) -> dict:
    return dict(platform="linux", home_dir=tmp_path, env={"XDG_DATA_HOME": str(tmp_path / "data")})


def test_icons_are_the_tray_drawing_at_every_size():
    for size in icons.PNG_SIZES:
        image = Image.open(io.BytesIO(icons.png_bytes(size)))
        assert image.size == (size, size) and image.mode == "RGBA"
        assert np.array_equal(np.asarray(image), icon_image(PostureState.UPRIGHT, size, outlined=False))
    ico = Image.open(io.BytesIO(icons.ico_bytes()))
    assert ico.format == "ICO"
    assert {s[0] for s in ico.info["sizes"]} == set(icons.ICO_SIZES)


def test_the_svg_draws_the_same_picture_as_the_png():
    root = ET.fromstring(icons.svg_text())
    assert root.get("viewBox") == "0 0 64 64"
    shapes = [child for child in root if not child.tag.endswith("title")]
    assert [s.tag.split("}")[1] for s in shapes] == ["circle", "line", "circle"]  # disc, body, head
    assert shapes[0].get("fill") == "#009688" and shapes[1].get("stroke") == "#ffffff"
    # No SVG renderer on the machine: rasterise the parsed elements here (inside a circle, a ring's
    # stroke, a butt-ended line) and compare with the tray's own drawing pixel by pixel.
    centres = np.arange(64) + 0.5
    x, y = centres[None, :], centres[:, None]
    colour = np.zeros((64, 64), dtype="<U7")
    for shape in shapes:
        def f(name: str, shape: ET.Element = shape) -> float:
            return float(shape.get(name))

        if shape.tag.endswith("circle"):
            inside = np.hypot(x - f("cx"), y - f("cy")) <= f("r")
            paint = shape.get("fill")
        else:
            (x1, y1, x2, y2), half = (f("x1"), f("y1"), f("x2"), f("y2")), f("stroke-width") / 2
            length = np.hypot(x2 - x1, y2 - y1)
            along = ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / length
            across = np.abs((y - y1) * (x2 - x1) - (x - x1) * (y2 - y1)) / length
            inside = (along >= 0) & (along <= length) & (across <= half)
            paint = shape.get("stroke")
        colour[inside] = paint
    reference = icon_image(PostureState.UPRIGHT, 64, outlined=False)
    solid = reference[..., 3] == 255
    white = solid & (reference[..., :3].min(axis=2) == 255)
    teal = solid & np.all(reference[..., :3] == (0, 150, 136), axis=2)
    assert np.all(colour[white] == "#ffffff") and np.all(colour[teal] == "#009688")
    assert np.all(colour[reference[..., 3] == 0] == "")  # nothing drawn outside the disc


def test_menu_entry_is_valid_quotes_its_launcher_and_goes_away_with_its_icons(tmp_path: Path):
    files = menu.set_menu_entry(True, COMMAND, **where(tmp_path))
    entry = tmp_path / "data" / "applications" / "fhp-monitor.desktop"
    assert files[0] == entry and menu.is_menu_entry_installed(**where(tmp_path))
    assert all(path.is_file() for path in files)
    assert tmp_path / "data/icons/hicolor/256x256/apps/fhp-monitor.png" in files
    assert tmp_path / "data/icons/hicolor/scalable/apps/fhp-monitor.svg" in files
    validate = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validate.returncode == 0 and not validate.stdout.strip(), validate.stdout
    lines = dict(line.split("=", 1) for line in entry.read_text().splitlines()[1:])
    assert lines["Icon"] == "fhp-monitor" and lines["Terminal"] == "false"
    # Exec: shell-like quoting, %% for a literal % (Desktop Entry spec)
    assert shlex.split(lines["Exec"].replace("%%", "%")) == COMMAND
    removed = menu.set_menu_entry(False, **where(tmp_path))
    assert sorted(removed) == sorted(files)
    assert not any(path.exists() for path in files)


def test_apply_adds_removes_and_reports_without_raising(tmp_path: Path, caplog):
    assert menu.apply_menu_entry(True, COMMAND, **where(tmp_path)) is True
    assert menu.apply_menu_entry(False, **where(tmp_path)) is False
    blocked = dict(where(tmp_path), env={"XDG_DATA_HOME": str(tmp_path / "a file")})
    (tmp_path / "a file").write_text("a file where the data folder should be")
    assert menu.apply_menu_entry(True, COMMAND, **blocked) is False
    assert "could not add the app-menu entry" in caplog.text


def test_windows_and_macos_get_no_menu_files_from_here(tmp_path: Path):
    for platform in ("win32", "darwin"):
        assert menu.set_menu_entry(True, COMMAND, platform=platform, home_dir=tmp_path, env={}) == []
        assert not menu.is_menu_entry_installed(platform=platform, home_dir=tmp_path, env={})
    assert not any(tmp_path.iterdir())


def test_the_launcher_is_the_installed_program(tmp_path: Path):
    python = tmp_path / "bin" / "python3"
    python.parent.mkdir()
    python.touch()
    assert menu.launcher_command(executable=str(python), frozen=False, platform="linux") == [
        str(python), "-m", "fhp_monitor", "run"]
    script = tmp_path / "bin" / "fhp-monitor"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert menu.launcher_command(executable=str(python), frozen=False, platform="linux") == [str(script), "run"]
    exe = r"C:\Users\ann\AppData\Local\Programs\fhp-monitor\fhp-monitor.exe"
    assert menu.launcher_command(executable=exe, frozen=True, platform="win32") == [exe, "run"]
    installed = tmp_path / "Programs" / "fhp-monitor"  # the console twin names the windowed program
    installed.mkdir(parents=True)
    (installed / "fhp-monitor.exe").touch()
    assert menu.launcher_command(executable=str(installed / "fhp-monitor-cli.exe"), frozen=True,
                                 platform="win32") == [str(installed / "fhp-monitor.exe"), "run"]
    pip_python = r"C:\Python311\python.exe"
    assert menu.launcher_command(executable=pip_python, frozen=False, platform="win32") == [
        pip_python, "-m", "fhp_monitor", "run"]
    assert menu.command_for_home("/h", ["x", "run"]) == ["x", "--home", "/h", "run"]


def uninstall_args(home: Path, delete_data: bool = False, yes: bool = False) -> argparse.Namespace:
    return argparse.Namespace(home=str(home), delete_data=delete_data, yes=yes)


@pytest.fixture
def desktop_home(tmp_path: Path, monkeypatch) -> Path:
    """A user home of our own: the menu, the login entry and the data all under tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "FHP_MONITOR_HOME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_uninstall_removes_entries_keeps_data_and_says_where(desktop_home: Path):
    home = desktop_home / "posture"
    home.mkdir()
    (home / "history.sqlite3").write_bytes(b"minutes")
    menu.set_menu_entry(True, COMMAND)
    autostart.set_autostart(True, COMMAND)
    said: list[str] = []
    assert uninstall(uninstall_args(home), env={}, say=said.append) == 0
    assert not (desktop_home / ".local/share/applications/fhp-monitor.desktop").exists()
    assert not list((desktop_home / ".local/share/icons").rglob("fhp-monitor.*"))
    assert not (desktop_home / ".config/autostart/fhp-monitor.desktop").exists()
    assert (home / "history.sqlite3").read_bytes() == b"minutes"
    assert any(str(home) in line and "stay" in line for line in said)
    assert "pip uninstall fhp-monitor" in said[-1]


def test_delete_data_asks_and_deletes_only_after_yes(desktop_home: Path, monkeypatch):
    home = desktop_home / "posture"
    (home / "logs").mkdir(parents=True)
    (home / "config.yaml").write_text("{}\n")
    monkeypatch.setattr("sys.stdin", type("Tty", (), {"isatty": lambda self: True})())
    said: list[str] = []
    assert uninstall(uninstall_args(home, delete_data=True), env={}, ask=lambda _q: "no", say=said.append) == 1
    assert home.is_dir() and any("Nothing was deleted" in line for line in said)
    assert uninstall(uninstall_args(home, delete_data=True), env={}, ask=lambda _q: "yes", say=said.append) == 0
    assert not home.exists()


def test_delete_data_without_a_terminal_needs_yes_and_never_deletes_a_foreign_folder(desktop_home: Path,
                                                                                      monkeypatch):
    home = desktop_home / "posture"
    home.mkdir()
    (home / "calibration.json").write_text("{}")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(UserError, match="--yes"):
        uninstall(uninstall_args(home, delete_data=True), env={}, say=lambda _line: None)
    assert home.is_dir()
    assert uninstall(uninstall_args(home, delete_data=True, yes=True), env={}, say=lambda _line: None) == 0
    assert not home.exists()
    (desktop_home / "notes.txt").write_text("the user's own file")
    with pytest.raises(UserError, match="will not delete"):
        uninstall(uninstall_args(desktop_home, delete_data=True, yes=True), env={}, say=lambda _line: None)
    other = desktop_home / "photos"
    other.mkdir()
    with pytest.raises(UserError, match="does not look like"):
        uninstall(uninstall_args(other, delete_data=True, yes=True), env={}, say=lambda _line: None)
    assert (desktop_home / "notes.txt").exists() and other.is_dir()


def test_autostart_command_keeps_the_setting_and_the_login_entry_in_step(tmp_path: Path):
    from tests.support.running import clean_env, fhp

    env = clean_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    home = tmp_path / "posture"
    on = fhp(home, "autostart", "on", env=env)
    assert on.returncode == 0 and "will start" in on.stdout, on.stderr
    entry = tmp_path / "cfg/autostart/fhp-monitor.desktop"
    assert "autostart: true" in (home / "config.yaml").read_text()
    assert f"--home {home} run" in entry.read_text()  # a chosen home is kept in the login command
    off = fhp(home, "autostart", "off", env=env)
    assert off.returncode == 0 and not entry.exists()
    assert "autostart: false" in (home / "config.yaml").read_text()
