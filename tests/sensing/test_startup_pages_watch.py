"""Start-up file pages that came back are given back again (sensing/code_pages.StartupPagesWatch), and a
day of ordinary looks pays for no release beyond the one after the third pose."""

from __future__ import annotations

import glob
import mmap
import os
import sys
from pathlib import Path

import cv2
import pytest

from fhp_monitor.core.ports import Frame
from fhp_monitor.sensing import code_pages
from fhp_monitor.sensing.code_pages import StartupPagesWatch, resident_file_kb

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/statm and madvise are Linux's")


class Pages:
    """Resident file kB as a list of readings; a release brings them down to ``floor``."""

    def __init__(self, readings: list[int], floor: int = 4000) -> None:
        self.readings, self.floor, self.released = list(readings), floor, []

    def read(self) -> int:
        return self.readings.pop(0)

    def release(self) -> int:
        self.released.append(True)
        return 30_000


def test_one_release_after_the_third_pose_then_only_when_pages_came_back():
    pages = Pages([52_000, 14_000, 15_000, 28_000, 31_000, 14_500, 13_000])  # read from the third pose on
    watch = StartupPagesWatch(margin_kb=16_000, read=pages.read, release=pages.release)
    given = [watch.after_look() for _ in range(9)]
    # pose 3 releases whatever it finds (52 MB resident: start-up pages came back); pose 4 sets what a look
    # needs (14 MB); 15 and 28 MB are within 16 MB of it; 31 MB is 17 MB above: released; then settles again
    assert given == [0, 0, 30_000, 0, 0, 0, 30_000, 0, 0]
    assert watch.releases == 2 and watch.level_kb == 13_000


def test_nothing_is_read_or_released_where_the_figure_is_unknown():
    watch = StartupPagesWatch(read=lambda: None, release=lambda: pytest.fail("released without a reading"))
    assert [watch.after_look() for _ in range(5)] == [0] * 5 and watch.releases == 0


@linux_only
def test_a_file_mapping_touched_again_is_seen_and_given_back_and_reads_the_same(tmp_path):
    """The real statm reading and the real release: 40 MB of a read-only file mapping made resident after
    the level was taken (as MediaPipe's code and model coming back) are given back, byte for byte intact."""
    path = tmp_path / "model.bin"
    data = os.urandom(1 << 20) * 40
    path.write_bytes(data)
    with open(path, "rb") as f:
        os.fsync(f.fileno())
        area = mmap.mmap(f.fileno(), len(data), flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
    try:
        watch = StartupPagesWatch(margin_kb=16 * 1024, settle_looks=1)
        assert watch.after_look() > 0  # pose 1 = the settle release here
        watch.after_look()  # what a look needs: the level
        level = watch.level_kb
        assert area[:] == data  # every page of the file resident now
        assert resident_file_kb() - level >= 39 * 1024
        assert watch.after_look() >= 39 * 1024 and watch.releases == 2
        assert resident_file_kb() < level + 8 * 1024
        assert area[:] == data  # read again from the file: nothing lost
    finally:
        area.close()


@linux_only
def test_ordinary_looks_with_real_mediapipe_release_once_after_the_third_pose(monkeypatch):
    """Real MediaPipe on 12 real photos, a fresh detection each: the start-up release after the first pose,
    one more after the third, and none after that (no look pays the ~20 ms of a release)."""
    from fhp_monitor.sensing import pose

    released = []
    real = code_pages.release_startup_code
    monkeypatch.setattr(pose, "release_startup_code", lambda: released.append(1) or real())
    photos = sorted(glob.glob(str(REPO / "tests" / "data" / "**" / "*.jpg"), recursive=True))[::7][:12]
    with pose.MediaPipePoseEstimator() as estimator:
        found = sum(bool(estimator.estimate(Frame(image=cv2.imread(p), t=20.0 * i, index=i, source=p)).poses)
                    for i, p in enumerate(photos))
        assert found >= 8, found
        assert estimator._pages.looks == found  # every pose, the first too
        assert estimator._pages.releases == 1
    assert len(released) == 4  # the imports, the model, the first pose, the third pose
