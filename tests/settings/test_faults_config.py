"""config.yaml is read carefully: small regular files only, no YAML aliases, an answer in < 1 s.

Real hostile files: an alias bomb, 32 MB of comments, 256 MB of zero bytes, a FIFO, a folder, a
link to /dev/zero, at start (through the CLI) and swapped in while the app runs.
"""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from pathlib import Path

import pytest

from fhp_monitor.settings.file import MAX_CONFIG_BYTES, SettingsWatcher, load_settings, parse_settings
from fhp_monitor.settings.schema import ConfigError
from tests.support.faults_support import copy_home, minute_count, replay_args
from tests.support.real_photos import UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder
from tests.support.running import fhp, start_fhp

pytestmark = [pytest.mark.faults, pytest.mark.linux_only]  # POSIX faults: modes, links, FIFOs, /dev/full

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))


def hostile(kind: str, path: Path) -> Path:
    if kind == "alias bomb":
        path.write_text(ALIAS_BOMB)
    elif kind == "32 MB of comments":
        with open(path, "w") as out:
            line = "# " + "a comment that goes on " * 4 + "\n"
            out.write(line * (32 * 1024 * 1024 // len(line) + 1))
    elif kind == "256 MB of zero bytes":
        with open(path, "wb") as out:
            out.truncate(256 * 1024 * 1024)  # sparse: costs no disk, reads as zeros
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    return path


KINDS = ["alias bomb", "32 MB of comments", "256 MB of zero bytes", "fifo", "folder", "link to /dev/zero"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_hostile_config_is_refused_in_under_a_second_without_memory(tmp_path, kind):
    path = hostile(kind, tmp_path / "config.yaml")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ConfigError) as caught:
            load_settings(path)
        took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert took < 1.0, f"{kind}: {took:.2f} s"
    assert peak < 4 * MAX_CONFIG_BYTES + 2_000_000, f"{kind}: {peak / 1e6:.1f} MB"
    assert str(caught.value).startswith("config.yaml: "), caught.value


def test_aliases_are_refused_with_words_even_a_harmless_one():
    with pytest.raises(ConfigError, match="anchors and aliases"):
        parse_settings("nudges: &n\n  cooldown_min: 5\nsampling: *n\n")
    assert parse_settings("nudges:\n  cooldown_min: 5 # & and * in a comment are fine\n").nudges.cooldown_min == 5


@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_answers_a_hostile_config_with_one_line_naming_the_file(tmp_path, kind):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    hostile(kind, home / "config.yaml")
    started = time.monotonic()
    done = fhp(home, "status", timeout=30)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "config.yaml" in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert time.monotonic() - started < 15


def test_a_hostile_file_swapped_in_mid_run_keeps_the_previous_settings(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("nudges:\n  cooldown_min: 20\n")
    watcher = SettingsWatcher(path, load_settings(path))
    for kind in ["alias bomb", "fifo", "256 MB of zero bytes"]:
        path.unlink()
        hostile(kind, path)
        started = time.perf_counter()
        result = watcher.poll()
        assert time.perf_counter() - started < 1.0, kind
        assert isinstance(result, ConfigError), (kind, result)
        assert watcher.current.nudges.cooldown_min == 20
    path.unlink()
    path.write_text("nudges:\n  cooldown_min: 30\n")
    assert watcher.poll().nudges.cooldown_min == 30


def test_a_fifo_swapped_in_while_the_app_runs_neither_hangs_it_nor_its_exit(tmp_path, tmp_path_factory):
    calibrated = tmp_path_factory.mktemp("calibrated") / "home"
    assert fhp(calibrated, "calibrate", "--source", str(calibration_folder()), "--no-gui").returncode == 0
    home = copy_home(calibrated, tmp_path / "home")
    recording = build_recorded_day(tmp_path / "day.avi", [(UPRIGHT, 10)])
    proc = start_fhp(home, *replay_args(recording, speed=10))
    log = home / "logs" / "fhp-monitor.log"
    deadline = time.monotonic() + 90
    while minute_count(home / "history.sqlite3") < 1:  # the run is under way, its settings watched
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)  # polling another process's file: there is no event to wait on
    (home / "config.yaml").unlink()
    os.mkfifo(home / "config.yaml")
    while "Settings not changed" not in log.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    asked = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert time.monotonic() - asked < 10
    assert "not a regular file" in err and "previous settings are still in use" in err, err
