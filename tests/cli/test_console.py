"""Output that is not a console is UTF-8 on Windows (cli/console.py): what decides, on any OS, and a
real ``python -m fhp_monitor`` in Portuguese through a pipe in the Windows lane (under Wine)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fhp_monitor.cli.console import needs_utf8, utf8_when_not_a_console
from tests.support.running import REPO


@pytest.mark.parametrize(("platform", "isatty", "wanted"), [
    ("win32", False, True), ("win32", True, False), ("linux", False, False), ("linux", True, False),
    ("darwin", False, False),
])
def test_only_windows_output_that_is_not_a_console_is_switched(platform: str, isatty: bool, wanted: bool) -> None:
    assert needs_utf8(platform, isatty) is wanted


def test_a_pipe_on_windows_is_reconfigured_and_one_on_linux_is_left_alone() -> None:
    def pipe() -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BytesIO(), encoding="cp1252")

    windows_out, windows_err, linux_out = pipe(), pipe(), pipe()
    utf8_when_not_a_console((windows_out, windows_err, None), platform="win32")
    utf8_when_not_a_console((linux_out,), platform="linux")
    assert (windows_out.encoding, windows_err.encoding, linux_out.encoding) == ("utf-8", "utf-8", "cp1252")
    windows_out.write("Não")
    windows_out.flush()
    assert windows_out.buffer.getvalue().decode("utf-8") == "Não"


@pytest.mark.skipif(sys.platform != "win32", reason="the ANSI code page of a pipe: the Windows lane (under Wine)")
def test_portuguese_through_a_pipe_is_utf8_on_windows(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text("display:\n  language: pt\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONIOENCODING", "FHP_MONITOR_HOME")}
    done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "--help"], cwd=REPO, env=env,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")  # the ANSI code page would have written "ç" as one byte, not UTF-8
    assert "Repara quando a cabeça vai para a frente." in text, text
    missing = tmp_path / "falta.csv"
    error = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "replay", str(missing)],
                           cwd=REPO, env=env, capture_output=True, timeout=120)
    assert error.returncode == 2
    assert error.stderr.decode("utf-8").strip() == f"fhp-monitor: O ficheiro de pontos {missing} não foi encontrado."
