"""Landmark recordings of one person at two (or three) setups, made from the demo recording.

The demo recording (fhp_monitor/resources/demo-recording.csv, tools/build_demo_recording.py) holds the
real MediaPipe landmarks of the photos in tests/data/slouching-or-not. A second setup is **synthetic**:
the same rows with every landmark scaled about the middle of the picture and shifted, as a laptop
camera pushed further back and to one side would see the same person (a pinhole camera moved along
its axis scales the picture; the frame size stays 224 x 224). No new person and no new picture.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fhp_monitor.cli.demo import recording_path

UPRIGHT_UNTIL_S = 7 * 60  # the demo's first 7 minutes are sitting tall


@dataclass(frozen=True)
class Place:
    """Where the camera stands: the picture scaled by ``scale`` about its middle, then shifted by (dx, dy)."""

    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def moved(self, row: Sequence[str]) -> list[str]:
        out = list(row[:3])
        for i in range(33):
            x, y, z, v = row[3 + 4 * i: 7 + 4 * i]
            if x == "":
                out += [x, y, z, v]
                continue
            out += [f"{0.5 + (float(x) - 0.5) * self.scale + self.dx:.5f}",
                    f"{0.5 + (float(y) - 0.5) * self.scale + self.dy:.5f}", z, v]
        return out


DESK = Place()  # the demo's own camera
MONITOR = Place(0.6, 0.15, 0.08)  # pushed back (0.6 the size) and to the side: the laptop beside a monitor
UNKNOWN = Place(0.6, -0.18, 0.1)  # as far back, on the other side: a place never calibrated


def demo_rows() -> tuple[list[str], list[list[str]]]:
    with open(recording_path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def upright_rows() -> list[list[str]]:
    _header, rows = demo_rows()
    return [row for row in rows if float(row[0]) < UPRIGHT_UNTIL_S]


def write(path: Path, stretches: Sequence[tuple[Place, float]], step_s: float = 5.0,
          rows: Sequence[Sequence[str]] | None = None) -> Path:
    """A recording of ``stretches`` (place, seconds) one after the other on one timeline, one row every
    ``step_s`` seconds, cycling through ``rows`` (default: the demo's sitting-tall rows)."""
    header, _rows = demo_rows()
    pool = list(rows) if rows is not None else upright_rows()
    body, t, n = [], 0.0, 0
    for place, seconds in stretches:
        end = t + seconds
        while t < end - 1e-9:
            body.append([f"{t:g}", *place.moved(pool[n % len(pool)])[1:]])
            t, n = t + step_s, n + 1
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *body])
    return path
