"""Privacy of a whole run: pictures never reach a file, and nothing talks to the network.

One real ``python -m fhp_monitor run`` over a 10-minute recording (real MediaPipe, real SQLite),
without a display, watched from outside by ``strace -f``:

* Why strace and not a Python audit hook (``sys.addaudithook`` on socket.__new__/connect): the
  hook only sees sockets made through Python's ``socket`` module in that one interpreter. Native
  code (MediaPipe's C++, OpenCV, libcurl inside them) and child processes (gdbus, notify-send)
  call the kernel directly and would go unseen, and code in the process could remove the hook's
  effect. strace watches the system calls of the process and all its threads and children at the
  kernel boundary, so nothing in the process can go around it.
* Files: every file opened for writing is seen by name (even one deleted before the run ends),
  and afterwards every file left in the app home, the private TMPDIR and the private HOME is read
  and checked for picture formats by their magic bytes, at the start and embedded anywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder

REPO = Path(__file__).resolve().parents[2]
START = "2026-11-20T09:00:00"
BIG_FILE = 50_000  # no file this big should appear: a picture would be, numbers for a day are not

# Magic bytes at the start of a picture file.
IMAGE_STARTS = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "BMP": (b"BM",),
    "TIFF": (b"II*\x00", b"MM\x00*"),
    "PPM/PGM": (b"P6", b"P5"),
    "GIF": (b"GIF87a", b"GIF89a"),
}
# Long enough to be meaningless by chance, for pictures hidden inside another file (a database, a log).
EMBEDDED_IMAGE = re.compile(rb"\xff\xd8\xff[\xdb\xe0\xe1\xee]|\x89PNG\r\n\x1a\n|RIFF....WEBPVP8", re.DOTALL)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".gif")
OPENED_FOR_WRITING = re.compile(r'^\d+\s+(?:openat\(AT_FDCWD, |open\()"([^"]+)", ([A-Z_|]+).*\) = \d+')
CREATED = re.compile(r'^\d+\s+(?:creat|rename|renameat2?|link|linkat)\(.*?"([^"]+)"\)? = 0')


def picture_kind(path: Path) -> str | None:
    """The picture format ``path`` holds, judged by its bytes, or None."""
    data = path.read_bytes()
    for kind, starts in IMAGE_STARTS.items():
        if data.startswith(starts):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    if EMBEDDED_IMAGE.search(data):
        return "embedded picture"
    return None


@pytest.fixture(scope="module")
def traced_run(tmp_path_factory):
    """Calibrate, then run a 10-minute recording at full speed under strace; returns the folders and trace."""
    strace = shutil.which("strace")
    if strace is None:
        message = "strace is not installed (apt-get install strace)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the privacy test must run, but {message}", pytrace=False)
        pytest.skip(message)
    root = tmp_path_factory.mktemp("privacy")
    home, tmp, user_home = root / "fhp-home", root / "tmp", root / "user-home"
    tmp.mkdir()
    user_home.mkdir()
    video = build_recorded_day(root / "day.avi", [(UPRIGHT, 3), (FORWARD, 4), (UPRIGHT, 3)])
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "FHP_MONITOR_HOME")}
    env.update(TMPDIR=str(tmp), HOME=str(user_home), XDG_CACHE_HOME=str(user_home / ".cache"),
               XDG_CONFIG_HOME=str(user_home / ".config"), XDG_DATA_HOME=str(user_home / ".local/share"))
    fhp = [sys.executable, "-m", "fhp_monitor", "--home", str(home)]
    calibrated = subprocess.run([*fhp, "calibrate", "--source", str(calibration_folder()), "--no-gui"],
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert calibrated.returncode == 0, calibrated.stderr
    trace = root / "strace.txt"
    run = subprocess.run(
        [strace, "-f", "-qq", "-s", "256", "-o", str(trace),
         "-e", "trace=socket,connect,open,openat,creat,rename,renameat,renameat2,link,linkat",
         *fhp, "run", "--source", str(video), "--speed", "0", "--exit-at-end", "--no-tray", "--start", START],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return {"home": home, "tmp": tmp, "user_home": user_home, "trace": trace.read_text().splitlines()}


def test_the_run_really_watched_the_recording(traced_run):
    """Guards the other tests against passing on a run that did nothing."""
    conn = sqlite3.connect(f"file:{traced_run['home'] / 'history.sqlite3'}?mode=ro", uri=True)
    try:
        minutes, looks = conn.execute("SELECT count(*), sum(samples) FROM minutes").fetchone()
        nudges = conn.execute("SELECT count(*) FROM nudges").fetchone()[0]
    finally:
        conn.close()
    assert minutes == 10 and looks > 100 and nudges == 1


def test_no_picture_is_ever_written_to_a_file(traced_run):
    roots = [traced_run["home"], traced_run["tmp"], traced_run["user_home"]]
    written: set[str] = set()
    for line in traced_run["trace"]:
        opened = OPENED_FOR_WRITING.match(line)
        if opened and re.search(r"O_WRONLY|O_RDWR|O_CREAT", opened.group(2)):
            written.add(opened.group(1))
        created = CREATED.match(line)
        if created:
            written.add(created.group(1))
    assert any(path.endswith("history.sqlite3") for path in written), "the trace saw no writes at all"
    assert not [p for p in written if p.lower().endswith(IMAGE_SUFFIXES)]
    outside = [p for p in written
               if not p.startswith(("/dev/", *(str(r) + "/" for r in roots))) and not p.endswith(".pyc")]
    assert outside == [], "files were written outside the app home and the private temporary folders"

    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "history.sqlite3" for p in files)
    assert {str(p): picture_kind(p) for p in files if picture_kind(p)} == {}
    # (The private HOME is left out of the size rule: matplotlib keeps a 60 kB font list there.)
    # A SQLite file's size is mostly its schema's pages (a page per table and index), so databases are
    # checked cell by cell instead: a picture would be one long cell, numbers are short.
    ours = [p for p in files if not p.is_relative_to(traced_run["user_home"])]
    assert {str(p): p.stat().st_size for p in ours
            if p.stat().st_size > BIG_FILE and p.suffix != ".sqlite3"} == {}
    for database in (p for p in ours if p.suffix == ".sqlite3"):
        assert longest_cells(database) and max(longest_cells(database).values()) <= LONGEST_CELL, database


LONGEST_CELL = 1024  # bytes: a JSON detail or a setup name fits, a picture (tens of kB at least) does not


def longest_cells(database: Path) -> dict[str, int]:
    """table.column -> the longest value stored there, in bytes."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            for column in [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]:
                longest = conn.execute(f'SELECT max(length(CAST("{column}" AS BLOB))) FROM "{table}"').fetchone()[0]
                found[f"{table}.{column}"] = longest or 0
        return found
    finally:
        conn.close()


def test_no_network_socket_is_opened(traced_run):
    """AF_UNIX (D-Bus for notifications) is fine; an AF_INET/AF_INET6 socket means talking to the network.

    MediaPipe's built-in telemetry (google-ai-edge/mediapipe#6291) does *try*: the network guard
    (fhp_monitor/process/netguard.py) makes those socket() calls fail with EACCES, so none is ever opened.
    """
    internet = [line for line in traced_run["trace"] if re.search(r"\bsocket\(AF_INET6?\b", line)]
    opened = [line for line in internet if re.search(r"\)\s+=\s+\d+\s*$", line)]
    assert opened == []
    assert all("EACCES" in line for line in internet), internet
    assert not [line for line in traced_run["trace"] if re.search(r"\bconnect\(.*AF_INET6?\b", line)]
