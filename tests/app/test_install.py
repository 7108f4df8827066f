"""Installing fhp-monitor the way README says (issue 26, points 4 and 10).

4: one OpenCV distribution. mediapipe needs opencv-contrib-python, which provides ``cv2``; naming
opencv-python as well put a second OpenCV (about 200 MB) into the same ``cv2/`` folder.
10: after README's install lines, ``fhp-monitor`` runs as typed in a new terminal that looks in
``~/.local/bin`` (README says which systems do, and what to type where one does not).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from fhp_monitor import __version__

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def name_of(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_one_opencv_the_one_mediapipe_needs() -> None:
    ours = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    mediapipe_needs = {name_of(r) for r in metadata.requires("mediapipe") or [] if "extra ==" not in r}
    opencv_of_mediapipe = {name for name in mediapipe_needs if name.startswith("opencv")}
    assert opencv_of_mediapipe == {"opencv-contrib-python"}
    assert {name_of(r) for r in ours if name_of(r).startswith("opencv")} <= opencv_of_mediapipe
    import cv2  # provided by opencv-contrib-python, with the capture the camera source uses

    assert hasattr(cv2, "VideoCapture") and hasattr(cv2, "imread")


def install_block() -> list[str]:
    block = README.split("## Install from the source", 1)[1].split("```", 2)[1]
    return [line for line in block.strip().splitlines() if line.strip()]


def test_readme_install_lines_leave_the_command_runnable_as_typed(tmp_path: Path) -> None:
    lines = install_block()
    assert "pip install ." in lines[0]
    venv_bin = tmp_path / ".fhp-monitor" / "bin"  # README's ~/.fhp-monitor with HOME=tmp_path
    # The first line (a venv and pip install .) is what every other test has already done to this
    # checkout: stand in for it with the same program in the venv folder README names.
    venv_bin.mkdir(parents=True)
    program = venv_bin / "fhp-monitor"
    program.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m fhp_monitor \"$@\"\n")
    program.chmod(0o755)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    for line in lines[1:]:  # the rest exactly as README gives it
        done = subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (line, done.stderr)
    # a new terminal whose search path includes ~/.local/bin (README names the systems that do that)
    new_terminal = {**env, "PATH": f"{tmp_path / '.local' / 'bin'}:/usr/bin:/bin"}
    done = subprocess.run(["bash", "-c", "fhp-monitor --version"], env=new_terminal, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"fhp-monitor {__version__}", done.stderr
    # and README says what to type where a terminal does not find it
    assert "command not found" in README and "type `~/.fhp-monitor/bin/fhp-monitor` instead" in README
