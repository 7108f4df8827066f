"""An image folder is read in natural order: frame2 before frame10 (sensing/sources.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fhp_monitor.sensing.sources import ImageFolderSource

PHOTO = next((Path(__file__).resolve().parents[1] / "data").rglob("*.jpg"))


def test_numbers_in_names_sort_by_value_and_other_files_are_left_out(tmp_path):
    names = ["frame10.jpg", "frame2.JPG", "Frame1.png", "frame002b.jpeg", "frame100.jpg", "notes.txt", "frame3.json"]
    for name in names:
        if name.endswith((".txt", ".json")):
            (tmp_path / name).write_text("not a picture")
        else:
            shutil.copyfile(PHOTO, tmp_path / name)
    (tmp_path / "frame4.jpg").mkdir()  # a folder with a picture's name is not a picture
    source = ImageFolderSource(tmp_path)
    source.open()
    assert [Path(p).name for p in source.paths] == [
        "Frame1.png", "frame2.JPG", "frame002b.jpeg", "frame10.jpg", "frame100.jpg"]
    frames = [source.read() for _ in range(5)]
    assert [f.t for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert source.read() is None
