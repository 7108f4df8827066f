"""Home folder: where it is, the default config copy, logging, the instance lock, small state."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fhp_monitor.home.folder import HOME_ENV, Home, HomeError, ensure_config, resolve_home
from fhp_monitor.home.instance_lock import AlreadyRunning, SingleInstance
from fhp_monitor.home.log import setup_logging, stop_logging
from fhp_monitor.home.state import read_state, write_state
from fhp_monitor.settings.file import load_settings, parse_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def platform_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the real platformdirs (XDG on Linux) into tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    return tmp_path


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home.locate(str(tmp_path / "home"), {})


@pytest.fixture
def logging_cleanup() -> Iterator[None]:
    yield
    stop_logging()


# --------------------------------------------------------------------------- where


def test_cli_home_wins_over_environment(tmp_path: Path) -> None:
    chosen = resolve_home(str(tmp_path / "cli"), {HOME_ENV: str(tmp_path / "env")})
    assert chosen == tmp_path / "cli" and chosen.is_dir()
    assert not (tmp_path / "env").exists()


def test_environment_wins_over_platform_default(platform_dirs: Path) -> None:
    assert resolve_home(None, {HOME_ENV: str(platform_dirs / "env")}) == platform_dirs / "env"
    assert not (platform_dirs / "xdg-data").exists()


@pytest.mark.linux_only
def test_platform_default_and_blank_environment(platform_dirs: Path) -> None:
    expected = platform_dirs / "xdg-data" / "fhp-monitor"
    assert resolve_home(None, {}) == expected
    assert resolve_home(None, {HOME_ENV: "  "}) == expected


@pytest.mark.linux_only
def test_new_home_is_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        created = resolve_home(str(tmp_path / "a" / "b"), {})
    finally:
        os.umask(old)
    assert stat.S_IMODE(created.stat().st_mode) == 0o700


@pytest.mark.linux_only
def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_home("~/fhp", {}) == tmp_path / "fhp"


def test_a_file_cannot_be_the_home(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(HomeError, match="that is a file, not a folder"):
        resolve_home(str(tmp_path / "file"), {})


def test_paths_inside_a_chosen_home(tmp_path: Path) -> None:
    home = Home.locate(None, {HOME_ENV: str(tmp_path / "h")})
    root = tmp_path / "h"
    assert (home.config, home.calibration, home.history, home.lock, home.state) == (
        root / "config.yaml", root / "calibration.json", root / "history.sqlite3",
        root / "instance.lock", root / "state.json")
    assert home.log_dir == root / "logs"
    assert home.log_file == root / "logs" / "fhp-monitor.log"


@pytest.mark.linux_only
def test_default_home_logs_in_the_platform_log_folder(platform_dirs: Path) -> None:
    home = Home.locate(None, {})
    assert home.root == platform_dirs / "xdg-data" / "fhp-monitor"
    assert home.log_dir.is_relative_to(platform_dirs / "xdg-state" / "fhp-monitor")


# --------------------------------------------------------------------------- default config


def test_ensure_config_copies_the_commented_default(home: Home) -> None:
    path = ensure_config(home)
    assert path == home.config
    assert path.read_bytes() == (REPO / "config.yaml").read_bytes()
    assert "# fhp-monitor settings." in path.read_text(encoding="utf-8")
    assert load_settings(path) == parse_settings((REPO / "config.yaml").read_text(encoding="utf-8"))


def test_ensure_config_never_overwrites(home: Home) -> None:
    home.config.write_text("nudges:\n  cooldown_min: 42\n", encoding="utf-8")
    ensure_config(home)
    assert load_settings(home.config).nudges.cooldown_min == 42


# --------------------------------------------------------------------------- logging


def test_logging_goes_to_file_and_warnings_to_stderr(
        home: Home, capsys: pytest.CaptureFixture[str], logging_cleanup: None) -> None:
    log_path = setup_logging(home, verbose=False)
    assert log_path == home.log_file
    logging.getLogger("fhp_monitor.test").info("looked at the camera")
    logging.getLogger("fhp_monitor.test").warning("camera is busy")
    err = capsys.readouterr().err
    assert "camera is busy" in err and "looked at the camera" not in err
    text = log_path.read_text(encoding="utf-8")
    assert "looked at the camera" in text and "camera is busy" in text


def test_verbose_shows_info_on_stderr_and_setup_twice_does_not_duplicate(
        home: Home, capsys: pytest.CaptureFixture[str], logging_cleanup: None) -> None:
    setup_logging(home, verbose=False)
    log_path = setup_logging(home, verbose=True)
    logging.getLogger("fhp_monitor.test").info("hello once")
    assert capsys.readouterr().err.count("hello once") == 1
    assert log_path.read_text(encoding="utf-8").count("hello once") == 1


def test_log_file_rotates_at_one_megabyte_keeping_three(home: Home, logging_cleanup: None) -> None:
    log_path = setup_logging(home, verbose=False)
    line = "x" * 1000
    for _ in range(5000):  # about 5 MB
        logging.getLogger("fhp_monitor.test").info(line)
    names = sorted(p.name for p in home.log_dir.iterdir())
    assert names == ["fhp-monitor.log", "fhp-monitor.log.1", "fhp-monitor.log.2", "fhp-monitor.log.3"]
    assert all(p.stat().st_size <= 1_000_000 for p in home.log_dir.iterdir())
    assert log_path.exists()


# --------------------------------------------------------------------------- one instance


HOLDER = """
import sys
from pathlib import Path
from fhp_monitor.home.instance_lock import SingleInstance
with SingleInstance(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


def start_holder(lock: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "locked\n"  # blocks until the lock is held
    return holder


def test_second_instance_is_refused_while_another_process_holds_the_lock(home: Home) -> None:
    holder = start_holder(home.lock)
    try:
        with pytest.raises(AlreadyRunning) as caught:
            with SingleInstance(home.lock):
                pytest.fail("the lock was acquired twice")
        assert "already running" in str(caught.value)
        assert caught.value.holder_pid == holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=20) == 0
    with SingleInstance(home.lock) as instance:  # the holder let go
        assert instance.held
        assert home.lock.read_text().strip() == str(os.getpid())


@pytest.mark.linux_only
def test_a_crashed_instance_does_not_block_the_next(home: Home) -> None:
    holder = start_holder(home.lock)
    holder.send_signal(signal.SIGKILL)
    assert holder.wait(timeout=20) == -signal.SIGKILL
    with SingleInstance(home.lock) as instance:
        assert instance.held


def test_lock_is_exclusive_within_one_process_and_release_is_idempotent(home: Home) -> None:
    first = SingleInstance(home.lock)
    first.acquire()
    with pytest.raises(AlreadyRunning):
        SingleInstance(home.lock).acquire()
    first.release()
    first.release()
    assert not first.held
    with SingleInstance(home.lock) as second:
        assert second.held


# --------------------------------------------------------------------------- state


def test_state_round_trip_and_missing_file(home: Home) -> None:
    assert read_state(home) == {}
    write_state(home, {"last_summary_date": "2024-05-01", "camera_index": 1})
    assert read_state(home) == {"last_summary_date": "2024-05-01", "camera_index": 1}
    assert [p.name for p in home.root.iterdir()] == ["state.json"]  # no temporary file left


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_damaged_state_is_moved_aside_with_a_warning(
        home: Home, content: bytes, caplog: pytest.LogCaptureFixture) -> None:
    home.state.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="fhp_monitor.home.state"):
        assert read_state(home) == {}
    assert "damaged" in caplog.text
    (aside,) = [p for p in home.root.iterdir() if p.name.startswith("state.json.damaged-")]
    assert aside.read_bytes() == content
    assert not home.state.exists()
    write_state(home, {"ok": True})
    assert read_state(home) == {"ok": True}


def test_unserialisable_state_is_refused_before_touching_the_file(home: Home) -> None:
    write_state(home, {"kept": 1})
    with pytest.raises(TypeError):
        write_state(home, {"bad": object()})
    with pytest.raises(ValueError):
        write_state(home, {"bad": float("nan")})
    assert json.loads(home.state.read_text(encoding="utf-8")) == {"kept": 1}
    assert sorted(p.name for p in home.root.iterdir()) == ["state.json"]
