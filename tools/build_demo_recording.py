"""Build fhp_monitor/resources/demo-recording.csv, the landmark recording `fhp-monitor demo` plays.

Numbers only, never pictures: the pose landmarks of the MIT-licensed photos in
tests/data/slouching-or-not (one person, one session: "high-notSlouching" sitting tall,
"isSlouching" head forward), recorded the way a user records them:

    fhp-monitor replay <folder> --landmarks-out <file.csv>

then laid out on a 20-minute timeline, one row every STEP_S seconds, cycling through the photos of
each posture: 7 minutes sitting tall, 4 minutes with the head forward, 9 minutes sitting tall.
Only the nose, ears and shoulders are kept (landmarks 0, 7, 8, 11, 12: all the judgement uses),
rounded to 5 decimals, which keeps the file small. The photos' LICENSE goes with the recording as
fhp_monitor/resources/LICENSE.demo-recording.

Usage: python tools/build_demo_recording.py   (about 10 s; runs MediaPipe on 29 photos)
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "tests" / "data" / "slouching-or-not"
SESSION = PHOTOS / "low-isSlouching__high-notSlouching"
FOLDERS = {"upright": SESSION / "notSlouching", "forward": SESSION / "isSlouching"}
TIMELINE = (("upright", 7 * 60), ("forward", 4 * 60), ("upright", 9 * 60))
STEP_S = 5
KEEP = (0, 7, 8, 11, 12)
OUT = ROOT / "fhp_monitor" / "resources" / "demo-recording.csv"
LICENSE_OUT = ROOT / "fhp_monitor" / "resources" / "LICENSE.demo-recording"
ABOUT = """\
fhp_monitor/resources/demo-recording.csv
========================================

Pose landmarks (numbers only, no pictures) of the photos in tests/data/slouching-or-not of the
fhp-monitor source, made with `fhp-monitor replay <folder> --landmarks-out <file.csv>` and laid out
on a timeline by tools/build_demo_recording.py. The photos, and so this recording derived from them,
are under the MIT License below.

"""


def record(folder: Path, out: Path, home: Path) -> list[list[str]]:
    """The landmark rows of every photo in ``folder``, recorded by fhp-monitor itself."""
    subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "replay", str(folder),
                    "--landmarks-out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    if not body or any(not any(cell for cell in row[3:]) for row in body):
        raise SystemExit(f"a photo in {folder} had no person in view; the demo needs every one")
    return [header, *body]


def number(text: str) -> str:
    return repr(round(float(text), 5))


def timeline(pools: dict[str, list[list[str]]]) -> list[list[str]]:
    rows, t, used = [], 0, dict.fromkeys(pools, 0)
    for kind, length_s in TIMELINE:
        for _ in range(length_s // STEP_S):
            source = pools[kind][used[kind] % len(pools[kind])]
            used[kind] += 1
            row = [str(t), source[1], source[2]]
            for i in range(33):
                cells = source[3 + 4 * i: 7 + 4 * i]
                row += [number(cell) for cell in cells] if i in KEEP else ["", "", "", ""]
            rows.append(row)
            t += STEP_S
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        pools, header = {}, None
        for kind, folder in FOLDERS.items():
            recorded = record(folder, Path(scratch) / f"{kind}.csv", Path(scratch) / "home")
            header, pools[kind] = recorded[0], recorded[1:]
    with open(OUT, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(timeline(pools))
    LICENSE_OUT.write_text(ABOUT + (PHOTOS / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes) and {LICENSE_OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
