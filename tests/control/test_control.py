"""Controlling a running fhp-monitor from outside, with real processes and a real Unix socket.

Each instance is ``python -m fhp_monitor run`` replaying a recording of the real labelled photos at
speed 1 (one look every 5 s of the recording, i.e. of real time), without a display. Commands go
through the real CLI (``pause``, ``resume``, ``quit``, ``status``, a second ``fhp-monitor``), and
raw requests through a plain socket. Every wait polls a real condition with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fhp_monitor.control import client as control_client
from fhp_monitor.control import server as control
from fhp_monitor.home.folder import Home
from fhp_monitor.home.instance_lock import SingleInstance
from tests.support.faults_support import copy_home
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import SESSION, build_recorded_day
from tests.support.running import clean_env, fhp
from tests.support.unprivileged import NOBODY, run_unprivileged, world_readable_tmp

REPO = Path(__file__).resolve().parents[2]
START_S = 90.0  # loading the pose model on a busy 2-core machine


def start_instance(home: Path, source: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(source),
         "--speed", "1", "--no-tray"],
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def poll(condition: Callable[[], object], deadline_s: float, what: str, proc: subprocess.Popen | None = None):
    """Call ``condition`` until it returns something true; fail after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the instance ended while waiting for {what}: {proc.communicate()}")
        value = condition()
        if value:
            return value
        time.sleep(0.05)  # another process is working; there is no event to wait on
    pytest.fail(f"no {what} within {deadline_s} s")


def status_of(home: Path) -> dict:
    done = fhp(home, "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def wait_looking(home: Path, proc: subprocess.Popen) -> dict:
    """Wait until the instance answers and has looked at least once (no longer "starting")."""
    located = Home(root=home, log_dir=home / "logs")
    return poll(lambda: (s := control_client.query_status(located))["running"] and s["state"] != "starting" and s,
                START_S, "answering instance", proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)


def log_text(home: Path) -> str:
    return (home / "logs" / "fhp-monitor.log").read_text()


@pytest.fixture(scope="module")
def upright_video(tmp_path_factory) -> Path:
    return build_recorded_day(tmp_path_factory.mktemp("video") / "upright.avi", [(UPRIGHT, 20)])


@pytest.fixture(scope="module")
def running(tmp_path_factory, calibrated, upright_video) -> Iterator[tuple[Path, subprocess.Popen]]:
    """One instance shared by the tests that leave it running."""
    home = copy_home(calibrated, tmp_path_factory.mktemp("running") / "home")
    proc = start_instance(home, upright_video)
    try:
        wait_looking(home, proc)
        yield home, proc
    finally:
        stop(proc)


# --------------------------------------------------------------------------- the user's commands


def test_pause_90s_then_resume_through_the_cli(running):
    home, proc = running
    asked = datetime.now().astimezone()
    done = fhp(home, "pause", "90s")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Paused until ")

    status = status_of(home)
    assert status["running"] is True and status["state"] == "paused" and status["pause_reason"] == "user"
    until = datetime.fromisoformat(status["paused_until"])
    assert until.utcoffset() is not None  # ISO 8601 with its offset
    assert timedelta(seconds=75) <= until - asked <= timedelta(seconds=120)
    words = fhp(home, "status").stdout
    assert f"Monitoring:  running, paused by you until {until:%H:%M}" in words

    done = fhp(home, "resume")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Monitoring again")
    status = status_of(home)
    assert status["running"] is True and status["state"] != "paused"
    assert status["paused_until"] is None and status["pause_reason"] is None
    assert proc.poll() is None


def test_pause_default_and_tomorrow(running):
    home, _proc = running
    assert fhp(home, "pause").returncode == 0
    until = datetime.fromisoformat(status_of(home)["paused_until"])
    assert timedelta(minutes=14) <= until - datetime.now().astimezone() <= timedelta(minutes=16)
    assert fhp(home, "pause", "tomorrow").returncode == 0
    until = datetime.fromisoformat(status_of(home)["paused_until"])
    assert until.date() == (datetime.now() + timedelta(days=1)).date() and (until.hour, until.minute) == (0, 0)
    assert fhp(home, "resume").returncode == 0
    assert status_of(home)["state"] != "paused"


def test_a_second_fhp_monitor_opens_the_running_one_and_exits_0(running):
    home, proc = running
    for args in ([], ["run"]):
        done = fhp(home, *args)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("fhp-monitor is already running") and len(done.stdout.splitlines()) == 1
    poll(lambda: log_text(home).count("command: panel") >= 2, 10, "the panel commands handled", proc)


@pytest.mark.parametrize("length", ["3x", "0", "0m", "5min", "25h", "1h30", "soon", ""])
def test_a_bad_pause_length_is_one_line_and_exit_2(tmp_path, length):
    done = fhp(tmp_path / "home", "pause", length)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "15m, 1h, 2h30m or 90s" in done.stderr


def test_parse_pause_accepts_exactly_the_documented_forms():
    assert control_client.parse_pause(None) == 900
    lengths = [control_client.parse_pause(t) for t in ("15m", "1h", "90s", "24h", "Tomorrow")]
    assert lengths == [900, 3600, 90, 86400, "tomorrow"]


@pytest.mark.parametrize("command", ["pause", "resume", "quit"])
def test_commands_without_an_instance_exit_3_with_one_line(tmp_path, command):
    home = tmp_path / "home"
    done = fhp(home, command)
    assert done.returncode == 3 and done.stdout == ""
    said = f"fhp-monitor: not running in {home}, so there is nothing to {command}."
    assert done.stderr.strip().splitlines() == [said]


# --------------------------------------------------------------------------- the channel


def raw_request(path: Path, payload: bytes, half_close: bool = True) -> bytes:
    """Send bytes as they are and return everything the server answers before closing."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(str(path))
        answer = b""
        try:
            conn.sendall(payload)
            if half_close:
                conn.shutdown(socket.SHUT_WR)
            while chunk := conn.recv(65536):
                answer += chunk
        except (BrokenPipeError, ConnectionResetError):  # closed on us, our bytes unread: no answer
            assert answer == b""
        return answer


def test_the_socket_is_private_and_answers_one_json_line(running):
    home, _proc = running
    path = home / "control.sock"
    info = os.lstat(path)
    assert oct(info.st_mode & 0o777) == "0o600" and info.st_uid == os.getuid()
    assert oct(os.stat(home).st_mode & 0o777) == "0o700"
    answer = raw_request(path, b'{"cmd": "status"}\n')
    assert answer.endswith(b"\n") and answer.count(b"\n") == 1
    reply = json.loads(answer)
    assert reply["ok"] is True and reply["status"]["state"] in control.STATES


def test_malformed_and_oversize_requests_are_ignored_and_the_server_keeps_answering(running):
    home, proc = running
    path = home / "control.sock"
    bad = [
        b"this is not json\n",
        b"[1, 2, 3]\n",
        b'{"cmd": "format_disk"}\n',
        b'{"cmd": "pause", "seconds": "90"}\n',
        b'{"cmd": "pause", "seconds": 999999999}\n',
        b'{"cmd": "status"',  # never ends
        b'{"cmd": "status", "pad": "' + b"x" * 5000 + b'"}\n',  # over 4 KB
        b"\xff\xfe\x00\n",
    ]
    for payload in bad:
        assert raw_request(path, payload) == b"", payload[:40]
    assert raw_request(path, b"x" * 20000, half_close=False) == b""  # too long, no newline, not closed
    assert json.loads(raw_request(path, b'{"cmd": "status"}\n'))["ok"] is True
    assert status_of(home)["state"] != "paused" and proc.poll() is None
    assert log_text(home).count("ignored a") >= len(bad) + 1


def test_a_connection_from_another_user_is_refused(running):
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    home, proc = running
    for shared in world_readable_tmp("fhp-control-"):
        # Give 'nobody' a way in (a hard link outside the private home, mode 0666), as a mistake would.
        link = shared / "door.sock"
        os.link(home / "control.sock", link)
        os.chmod(link, 0o666)
        try:
            def ask_as_nobody(link: Path = link) -> bytes:
                return raw_request(link, b'{"cmd": "pause", "seconds": 600}\n')

            result = run_unprivileged(ask_as_nobody)
        finally:
            os.chmod(link, 0o600)
    assert result == ("ok", b""), result
    assert "refused a control connection from another user (uid 65534" in log_text(home)
    assert status_of(home)["state"] != "paused" and proc.poll() is None


def test_the_client_refuses_a_socket_of_another_user(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    path = home / "control.sock"
    with SingleInstance(home / "instance.lock"):  # an "instance" runs here ...
        # ... but the socket file belongs to someone else.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as fake:
            fake.bind(str(path))
            fake.listen(1)
            os.chown(path, NOBODY, NOBODY)
            done = fhp(home, "pause")
        assert done.returncode == 2 and "not a control socket of yours" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        path.unlink()

        # The socket file is ours, but the program listening on it runs as nobody.
        fake = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        fake.bind(str(path))
        client = subprocess.Popen([sys.executable, "-m", "fhp_monitor", "--home", str(home), "pause"], cwd=REPO,
                                  env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def serve_as_nobody() -> str:
            fake.listen(1)  # the peer credentials are those of the process that calls listen()
            fake.settimeout(30)
            conn, _ = fake.accept()
            with conn:
                try:
                    conn.sendall(b'{"ok": true, "done": true, "status": {"state": "paused"}}\n')
                except BrokenPipeError:
                    return "the client hung up"
            return "answered"

        try:
            served = run_unprivileged(serve_as_nobody)
            assert served[0] == "ok" and served[1] in ("the client hung up", "answered"), served
            out, err = client.communicate(timeout=60)
        finally:
            fake.close()
            if client.poll() is None:
                client.kill()
        assert client.returncode == 2 and out == ""
        assert "runs as another user (uid 65534)" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- lifecycle


def test_quit_ends_the_instance_with_0_and_the_client_waits_for_it(tmp_path, calibrated, upright_video):
    home = copy_home(calibrated, tmp_path / "home")
    proc = start_instance(home, upright_video)
    try:
        wait_looking(home, proc)
        done = fhp(home, "quit")
        assert done.returncode == 0, done.stderr
        assert done.stdout == "fhp-monitor has stopped.\n"
        assert proc.poll() is not None  # gone by the time the client said so
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert not (home / "control.sock").exists()
        assert status_of(home)["running"] is False
        assert fhp(home, "resume").returncode == 3
    finally:
        stop(proc)


def test_after_a_recording_ended_commands_act_at_once_and_the_run_waits_for_quit(tmp_path, calibrated):
    """Issue 26: once a recording has ended, pause and resume still act (within a second, and the
    reply says what happened), and `run` without --exit-at-end stays until Quit, then exits 0."""
    home = copy_home(calibrated, tmp_path / "home")
    video = build_recorded_day(tmp_path / "half-a-minute.avi", [(UPRIGHT, 0.5)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video), "--speed", "0",
         "--no-tray"], cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    located = Home(root=home, log_dir=home / "logs")
    try:
        poll(lambda: control_client.query_status(located)["state"] == "ended", START_S, "the recording's end", proc)
        asked = time.monotonic()
        reply = control_client.request(located, {"cmd": "pause", "seconds": 3600})
        assert time.monotonic() - asked < 1.0, "the pause took more than a second to show"
        assert reply["done"] is True and reply["status"]["state"] == "paused"
        assert reply["status"]["paused_until"] is not None

        done = fhp(home, "pause", "1h")
        until = datetime.fromisoformat(status_of(home)["paused_until"])
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"Paused until {until:%H:%M}.\n"

        done = fhp(home, "resume")
        assert done.returncode == 0, done.stderr
        assert "the recording has ended" in done.stdout
        assert status_of(home)["state"] == "ended"

        assert proc.poll() is None  # no --exit-at-end: it waits for Quit
        assert fhp(home, "quit").returncode == 0
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert log_text(home).count("the source ended") == 1
    finally:
        stop(proc)


def test_a_stale_socket_after_kill_9_does_not_block_the_next_start(tmp_path, calibrated, upright_video):
    home = copy_home(calibrated, tmp_path / "home")
    first = start_instance(home, upright_video)
    try:
        wait_looking(home, first)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        assert (home / "control.sock").exists()  # left behind
        assert fhp(home, "pause").returncode == 3  # the lock says no one runs, whatever the socket says
        status = status_of(home)
        assert {key: status[key] for key in control_client.not_running_status()} == control_client.not_running_status()

        second = start_instance(home, upright_video)
        try:
            wait_looking(home, second)
            assert fhp(home, "pause", "1h").returncode == 0
            assert status_of(home)["state"] == "paused"
            assert fhp(home, "quit").returncode == 0
            second.communicate(timeout=30)
            assert second.returncode == 0
        finally:
            stop(second)
    finally:
        stop(first)


def test_a_long_home_path_uses_a_short_private_socket(tmp_path, calibrated, upright_video):
    home = copy_home(calibrated, tmp_path / ("a-rather-long-folder-name-" * 5) / "home")
    assert len(str(home / "control.sock")) > 108
    proc = start_instance(home, upright_video)
    try:
        wait_looking(home, proc)
        pointer = home / "control.where"
        target = Path(pointer.read_text().strip())
        assert oct(os.stat(pointer).st_mode & 0o777) == "0o600"
        assert len(str(target)) <= 107 and target.name == "control.sock"
        assert oct(os.stat(target.parent).st_mode & 0o777) == "0o700"
        assert oct(os.lstat(target).st_mode & 0o777) == "0o600"
        assert fhp(home, "pause", "90s").returncode == 0
        assert status_of(home)["pause_reason"] == "user"
        assert fhp(home, "quit").returncode == 0
        proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert not target.exists() and not target.parent.exists() and not pointer.exists()
    finally:
        stop(proc)


# --------------------------------------------------------------------------- calibrate while running


def test_calibrate_while_running_reloads_the_baseline_and_a_bad_file_keeps_the_old(tmp_path, calibrated):
    """Calibrated sitting tall, the instance watches a slouching recording: "forward". Calibrating
    again on the slouching photos makes that posture the new normal: the instance sees "upright"."""
    forward_video = build_recorded_day(tmp_path / "forward.avi", [(FORWARD, 20)])
    home = copy_home(calibrated, tmp_path / "home")
    proc = start_instance(home, forward_video)
    try:
        wait_looking(home, proc)
        poll(lambda: status_of(home)["state"] == "forward", 60, "a forward reading", proc)

        done = fhp(home, "calibrate", "--source", str(SESSION / FORWARD), "--no-gui")
        assert done.returncode == 0, done.stderr
        assert "The running fhp-monitor now uses the new calibration." in done.stdout
        poll(lambda: status_of(home)["state"] == "upright", 60, "an upright reading after the reload", proc)
        assert "calibration reloaded" in log_text(home)

        # A damaged file: the instance keeps the baseline it has and says why in its log.
        (home / "calibration.json").write_text('{"cva_proxy_deg": ')
        reply = control_client.request(Home(root=home, log_dir=home / "logs"), {"cmd": "reload"})
        assert reply["ok"] is True
        poll(lambda: "kept the previous calibration" in log_text(home), 30, "the log line", proc)
        assert control_client.query_status(Home(root=home, log_dir=home / "logs"))["state"] == "upright"
        assert proc.poll() is None and "Traceback" not in log_text(home)
    finally:
        stop(proc)


# --------------------------------------------------------------------------- with a screen


@pytest.mark.gui
def test_on_a_desktop_a_second_fhp_monitor_shows_the_panel_and_quit_ends_it(desktop, tmp_path, calibrated,
                                                                           upright_video):
    """With a tray and a panel (Xvfb + trayer + dunst): a second plain `fhp-monitor` makes the
    running one's panel appear; `fhp-monitor quit` ends it with status 0."""
    home = copy_home(calibrated, tmp_path / "home")
    proc = subprocess.Popen([sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source",
                             str(upright_video), "--speed", "1"],
                            cwd=REPO, env=desktop.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_looking(home, proc)
        assert not desktop.find_windows("fhp-monitor")
        second = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home)], cwd=REPO,
                                env=desktop.env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert second.stdout == "fhp-monitor is already running; its window is opening now.\n"
        poll(lambda: desktop.find_windows("fhp-monitor"), 15, "the running instance's panel", proc)
        desktop.screenshot(tmp_path / "panel-from-second-start.png")

        done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "quit"], cwd=REPO,
                              env=desktop.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout == "fhp-monitor has stopped.\n", done.stderr
        proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert not desktop.find_windows("fhp-monitor")
    finally:
        stop(proc)
