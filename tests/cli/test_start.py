"""Start-up reads the command line's global options once (cli/start.py) and the settings file once:
the command word, "run" put in where it is meant, ``--home`` before or after the command, and a real
``fhp-monitor`` process that opens its config.yaml exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fhp_monitor.cli.start import read_start
from tests.support.running import REPO, clean_env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir(mode=0o700)
    (folder / "config.yaml").write_text("display:\n  language: de\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(("argv", "command", "parsed"), [
    ([], "run", ["run"]),
    (["--source", "DIR"], "run", ["run", "--source", "DIR"]),
    (["-v", "--source", "DIR", "--speed", "0"], "run", ["-v", "run", "--source", "DIR", "--speed", "0"]),
    (["status", "--json"], "status", ["status", "--json"]),
    (["--help"], None, ["--help"]),
    (["--version"], None, ["--version"]),
    (["settings"], "settings", ["settings"]),
    (["demo", "--speed", "20"], "demo", ["demo", "--speed", "20"]),
])
def test_the_command_word_and_the_run_put_in(argv, command, parsed, home: Path) -> None:
    start = read_start(argv, {"FHP_MONITOR_HOME": str(home)})
    assert (start.command, start.argv) == (command, parsed)
    assert start.runs_monitor == (command in ("run", "settings", "demo"))


@pytest.mark.parametrize("where", ["before", "after", "equals", "after with run put in"])
def test_home_is_read_before_or_after_the_command(where: str, home: Path, tmp_path: Path) -> None:
    argv = {"before": ["--home", str(home), "status"], "after": ["status", "--home", str(home)],
            "equals": [f"--home={home}", "summary"], "after with run put in": ["--source", "DIR", "--home", str(home)]}
    start = read_start(argv[where], {"FHP_MONITOR_HOME": str(tmp_path / "elsewhere")})
    assert start.home is not None and start.home.root == home
    assert start.settings.display.language == "de" and start.language == "de" and start.problem is None
    if where == "after with run put in":
        assert start.argv == ["--home", str(home), "run", "--source", "DIR"]
    assert not (tmp_path / "elsewhere").exists()


def test_a_folder_named_like_a_command_is_the_home_not_the_command(tmp_path: Path) -> None:
    start = read_start(["--home", "run", "status"], {})
    assert start.command == "status" and not start.runs_monitor
    assert start.home is not None and start.home.root == Path("run").absolute()


def test_a_settings_file_that_cannot_be_read_speaks_the_systems_language_and_waits(home: Path) -> None:
    (home / "config.yaml").write_text("display: [language\n", encoding="utf-8")
    start = read_start(["status"], {"FHP_MONITOR_HOME": str(home)})
    assert start.language == "system" and start.problem is not None
    with pytest.raises(type(start.problem)):
        start.settings_for(start.home)


def test_options_it_cannot_read_are_left_for_the_full_parser(home: Path) -> None:
    start = read_start(["status", "--home"], {"FHP_MONITOR_HOME": str(home)})
    assert start.argv == ["status", "--home"] and start.command is None
    assert start.settings.display.language == "de"  # the home of the environment still speaks
    empty = read_start(["--home", "", "status"], {"FHP_MONITOR_HOME": str(home)})
    assert empty.home is None and empty.language == "system"


COUNT_OPENS = """
import os, sys
target = os.path.realpath(sys.argv[1])
opened = []

def count(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        if os.path.realpath(os.fsdecode(os.fspath(args[0]))) == target:
            opened.append(args[0])

sys.addaudithook(count)
from fhp_monitor.cli import main
try:
    code = main(sys.argv[2:])
finally:  # --help leaves by SystemExit
    print(f"config.yaml opened {len(opened)} times", file=sys.stderr)
raise SystemExit(code)
"""


@pytest.mark.parametrize("command", [["status"], ["summary"], ["--help"]])
def test_a_real_start_opens_the_settings_file_once(command: list[str], home: Path) -> None:
    """A Python audit hook sees every open() and os.open() of the process, ours and the libraries'."""
    done = subprocess.run([sys.executable, "-c", COUNT_OPENS, str(home / "config.yaml"), "--home", str(home),
                           *command], cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    if command == ["--help"]:
        assert done.stdout.startswith("Aufruf: fhp-monitor"), done.stdout  # the settings' language
    assert done.stderr.strip().splitlines()[-1] == "config.yaml opened 1 times", done.stderr
