"""The video-call check reads the real /proc."""

import subprocess
from pathlib import Path

import pytest

from fhp_monitor.desktop import calls as processes
from tests.support.desktop import wait_until

pytestmark = pytest.mark.skipif(not processes.supported(), reason="reads /proc (Linux)")


def test_finds_a_program_that_is_running_and_not_one_that_is_not(tmp_path):
    # A real process with a recognisable name: a copy of the sleep binary called "zoomfake".
    fake = tmp_path / "zoomfake"
    fake.write_bytes(Path("/bin/sleep").read_bytes())
    fake.chmod(0o755)
    child = subprocess.Popen([str(fake), "30"])
    try:
        # The name changes when exec() completes in the child; nothing signals that, so poll briefly.
        wait_until(lambda: "zoomfake" in processes.running_names(), 5.0, "the child to run as zoomfake")
        assert processes.any_running(["teams", "zoom"]) == "zoom"
    finally:
        child.kill()
        child.wait()
    assert processes.any_running(["zoomfake"]) is None
    assert processes.any_running([]) is None


def test_names_come_from_proc(tmp_path):
    (tmp_path / "12").mkdir()
    (tmp_path / "12" / "comm").write_text("Skype\n")
    (tmp_path / "self").mkdir()
    assert processes.running_names(tmp_path) == {"skype"}


def test_call_pause_pauses_once_while_a_call_app_runs_and_resumes_when_it_ends(tmp_path):
    from fhp_monitor.core.posture import PAUSE_CALL
    from tests.support.session_parts import RecordingTarget

    target = RecordingTarget()
    watch = processes.CallPause(target, proc=tmp_path)
    watch.check(["zoom", "teams"])
    assert target.calls == [] and watch.paused_for is None
    (tmp_path / "40").mkdir()
    (tmp_path / "40" / "comm").write_text("zoom.real\n")
    watch.check(["zoom", "teams"])
    watch.check(["zoom", "teams"])  # still running: no second pause
    assert target.calls == [("pause", PAUSE_CALL)] and watch.paused_for == "zoom"
    (tmp_path / "40" / "comm").unlink()
    (tmp_path / "40").rmdir()
    watch.check(["zoom", "teams"])
    watch.check(["zoom", "teams"])
    assert target.calls == [("pause", PAUSE_CALL), ("resume", PAUSE_CALL)] and watch.paused_for is None
