"""The home folder is not a trusted place: planted symlinks, loose modes, another user's folder.

Each test plants the real thing (a symlink to a "precious" file, a 0777 folder, a chown) and runs
the real ``python -m fhp_monitor``; the precious file must come out untouched.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support.faults_support import Locker, minute_count, replay_args
from tests.support.real_photos import UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder
from tests.support.running import fhp

pytestmark = [pytest.mark.faults, pytest.mark.linux_only]  # POSIX faults: modes, links, FIFOs, /dev/full

PRECIOUS = b"somebody else's file: never overwrite me\n"


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    return build_recorded_day(tmp_path_factory.mktemp("recording") / "day.avi", [(UPRIGHT, 2)])



@pytest.fixture
def precious(tmp_path) -> Path:
    target = tmp_path / "precious.txt"
    target.write_bytes(PRECIOUS)
    os.chmod(target, 0o644)
    return target


def untouched(target: Path) -> bool:
    return target.read_bytes() == PRECIOUS and stat.S_IMODE(target.stat().st_mode) == 0o644


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize("name", ["history.sqlite3", "history.sqlite3-wal", "history.sqlite3-journal",
                                  "history.sqlite3-shm"])
def test_a_symlinked_history_file_is_refused_by_name(home, precious, name):
    (home / name).symlink_to(precious)
    done = fhp(home, "summary")
    assert done.returncode == 2, done
    line = one_line(done.stderr)
    assert str(home / name) in line and "symbolic link" in line
    assert untouched(precious)


def test_a_symlinked_history_stops_run_with_one_line(home, precious, recording):
    (home / "history.sqlite3").symlink_to(precious)
    done = fhp(home, *replay_args(recording))
    assert done.returncode == 2 and str(home / "history.sqlite3") in done.stderr.splitlines()[-1], done.stderr
    assert untouched(precious)


def test_a_symlinked_log_is_refused_by_name(home, precious):
    (home / "logs").mkdir(mode=0o700)
    (home / "logs" / "fhp-monitor.log").symlink_to(precious)
    done = fhp(home, "status")
    assert done.returncode == 2, done
    assert str(home / "logs" / "fhp-monitor.log") in one_line(done.stderr)
    assert untouched(precious)


def test_a_symlinked_instance_lock_is_refused_by_name(home, precious, recording):
    (home / "instance.lock").symlink_to(precious)
    done = fhp(home, *replay_args(recording))
    assert done.returncode == 2, done
    assert str(home / "instance.lock") in done.stderr.strip().splitlines()[-1]
    assert untouched(precious)


def test_a_planted_calibration_temp_link_is_replaced_not_written_through(home, precious):
    (home / "calibration.json.tmp").symlink_to(precious)
    done = fhp(home, "calibrate", "--source", str(calibration_folder()), "--no-gui")
    assert done.returncode == 0, done.stderr
    assert untouched(precious)
    calibration = home / "calibration.json"
    assert calibration.is_file() and not calibration.is_symlink()
    assert stat.S_IMODE(calibration.stat().st_mode) == 0o600


def test_a_planted_spool_link_is_never_written_and_the_words_say_what_was_lost(home, precious, recording):
    assert fhp(home, "summary").returncode == 0
    (home / "history-spool.jsonl").symlink_to(precious)
    with Locker(home / "history.sqlite3"):
        done = fhp(home, *replay_args(recording))
    assert done.returncode == 0, done.stderr
    assert untouched(precious)
    assert "2 minutes of posture history" in done.stderr and "are lost" in done.stderr, done.stderr
    assert "nothing was lost" not in done.stderr.lower()


def test_a_dangling_config_link_is_not_created_and_a_config_link_is_only_read(home, tmp_path, precious):
    (home / "config.yaml").unlink()
    (home / "config.yaml").symlink_to(tmp_path / "nowhere.yaml")
    assert fhp(home, "status").returncode == 0
    assert not (tmp_path / "nowhere.yaml").exists()
    (home / "config.yaml").unlink()
    (home / "config.yaml").symlink_to(precious)
    done = fhp(home, "status")
    assert done.returncode == 2 and "config.yaml" in done.stderr  # not settings: said, and never rewritten
    assert untouched(precious)


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o775])
def test_a_home_others_may_write_in_is_refused_with_the_fix(tmp_path, mode):
    home = tmp_path / "shared"
    home.mkdir()
    os.chmod(home, mode)
    done = fhp(home, "status")
    assert done.returncode == 2, done
    line = one_line(done.stderr)
    assert str(home) in line and "chmod 700" in line
    assert list(home.iterdir()) == []  # nothing was written there


def test_a_home_owned_by_another_user_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a folder to another user")
    home = tmp_path / "theirs"
    home.mkdir(mode=0o700)
    os.chown(home, 65534, 65534)
    done = fhp(home, "status")
    assert done.returncode == 2, done
    line = one_line(done.stderr)
    assert str(home) in line and "another user" in line and "--home" in line


def test_everything_written_in_the_home_is_private_even_with_a_loose_umask(tmp_path, calibrated, recording):
    home = tmp_path / "new-home"
    done = fhp(home, "calibrate", "--source", str(calibration_folder()), "--no-gui", umask=0o000)
    assert done.returncode == 0, done.stderr
    done = fhp(home, *replay_args(recording), umask=0o000)
    assert done.returncode == 0, done.stderr
    assert minute_count(home / "history.sqlite3") == 2
    seen = {}
    for path in (home, *home.rglob("*")):
        seen[str(path.relative_to(home))] = stat.S_IMODE(path.lstat().st_mode)
    for name in ("config.yaml", "calibration.json", "history.sqlite3", "instance.lock", "logs/fhp-monitor.log"):
        assert name in seen, seen
    assert all(mode == (0o700 if (home / name).is_dir() else 0o600) for name, mode in seen.items()), seen


def test_old_loose_files_in_the_home_are_narrowed(home):
    os.chmod(home / "config.yaml", 0o644)
    assert fhp(home, "status").returncode == 0
    assert stat.S_IMODE((home / "config.yaml").stat().st_mode) == 0o600


def test_exports_follow_the_umask_never_widen_and_follow_a_link_the_user_named(home, tmp_path, precious):
    assert fhp(home, "summary").returncode == 0
    fresh = tmp_path / "fresh.csv"
    assert fhp(home, "export", "--csv", str(fresh), umask=0o022).returncode == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    kept = tmp_path / "kept.png"
    kept.write_bytes(b"")
    os.chmod(kept, 0o600)
    assert fhp(home, "summary", "--chart", str(kept), umask=0o022).returncode == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes().startswith(b"\x89PNG")
    named = tmp_path / "named-link.png"
    named.symlink_to(tmp_path / "real-chart.png")
    assert fhp(home, "summary", "--chart", str(named), umask=0o077).returncode == 0
    assert named.is_symlink() and (tmp_path / "real-chart.png").read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE((tmp_path / "real-chart.png").stat().st_mode) == 0o600
