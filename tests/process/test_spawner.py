"""The helper that opens the user's programs outside the network guard (process/spawner.py): a real
/bin/sh started by the real start_spawner, a real program started through it."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from fhp_monitor.process import spawner

pytestmark = pytest.mark.skipif(os.name == "nt", reason="no helper on Windows (os.startfile)")

WRITES_ITS_ARGV = "import json, sys; open(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))"


@pytest.fixture
def helper():
    assert spawner.start_spawner()
    yield spawner._helper
    spawner.stop_spawner()


def wait_for(path: Path, seconds: float = 30.0) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the started program is another process: poll its file with a deadline
    assert path.exists(), f"the program did not run within {seconds} s"
    return path.read_text()


def test_every_word_arrives_as_it_was_and_the_shell_runs_none_of_it(tmp_path, helper):
    out = tmp_path / "argv.json"
    marker = tmp_path / "injected"
    words = ["plain", "two words", "it's", '"quoted"', "$HOME", "`touch " + str(marker) + "`",
             "; touch " + str(marker), "$(touch " + str(marker) + ")", "*", "back\\slash", "", "ünïcode ✓"]
    assert spawner.spawn([sys.executable, "-c", WRITES_ITS_ARGV, str(out), *words])
    assert json.loads(wait_for(out)) == words
    assert not marker.exists()


def test_the_program_runs_in_a_session_of_its_own_and_is_not_left_a_zombie(tmp_path, helper):
    out = tmp_path / "ids.json"
    script = ("import json, os, sys, time; json.dump([os.getsid(0), os.getppid()], open(sys.argv[1] + '.tmp', 'w')); "
              "os.replace(sys.argv[1] + '.tmp', sys.argv[1])")
    assert spawner.spawn([sys.executable, "-c", script, str(out)])
    sid, parent = json.loads(wait_for(out))
    assert sid not in (os.getsid(0), helper.pid)  # setsid: the app's terminal cannot signal it
    assert parent != helper.pid  # re-parented: the helper never holds a zombie of it
    children = Path(f"/proc/{helper.pid}/task/{helper.pid}/children").read_text().split()
    assert children == []


def test_a_line_break_in_a_word_is_refused_and_the_helper_goes_on(tmp_path, helper):
    assert not spawner.spawn(["xdg-open", "a\nb"])
    out = tmp_path / "after.json"
    assert spawner.spawn([sys.executable, "-c", WRITES_ITS_ARGV, str(out), "still here"])
    assert json.loads(wait_for(out)) == ["still here"]


def test_a_missing_program_is_one_line_and_the_helper_goes_on(tmp_path, capfd):
    assert spawner.start_spawner()  # here, not in a fixture: the helper's stderr is the test's own now
    try:
        assert spawner.spawn(["fhp-no-such-program-anywhere", "x"])
        out = tmp_path / "after.json"
        assert spawner.spawn([sys.executable, "-c", WRITES_ITS_ARGV, str(out), "next"])
        assert json.loads(wait_for(out)) == ["next"]  # the loop is sequential: the line came before
        assert spawner._helper.poll() is None
    finally:
        spawner.stop_spawner()
    said = [line for line in capfd.readouterr().err.splitlines() if "fhp-no-such-program-anywhere" in line]
    assert said == ["fhp-monitor: could not open fhp-no-such-program-anywhere: not found"]


def test_the_helper_is_a_small_shell_and_ends_with_its_pipe():
    assert spawner.start_spawner()
    helper = spawner._helper
    rss_kb = int(next(line.split()[1] for line in Path(f"/proc/{helper.pid}/status").read_text().splitlines()
                      if line.startswith("VmRSS:")))
    assert rss_kb < 6 * 1024, rss_kb  # python -I -S held about 11 MB
    spawner.stop_spawner()
    assert helper.poll() is not None
    assert not spawner.spawn(["true"])
