"""Giving back start-up file pages (sensing/code_pages.py): only clean read-only file pages are dropped,
and nothing is lost."""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fhp_monitor.sensing.code_pages import parse_smaps, release_startup_code

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise and /proc/self/smaps are Linux's")

SAMPLE = """\
55d0c0000000-55d0c0001000 r--p 00000000 08:01 123 /usr/bin/python3.11
Rss:                   4 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
7f0000000000-7f0000200000 r-xp 00001000 08:01 456 /opt/lib/libcode.so
Size:               2048 kB
Rss:                1024 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
VmFlags: rd ex mr mw me
7f0000200000-7f0000201000 r-xp 00201000 08:01 457 /opt/lib/libpatched.so
Rss:                   4 kB
Anonymous:             4 kB
Private_Dirty:         4 kB
7f0000300000-7f0000301000 r-xs 00000000 00:05 458 /dev/shm/ffi-closures
Rss:                   4 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
7f0000400000-7f0000402000 r-xp 00000000 00:00 0
Rss:                   8 kB
Anonymous:             8 kB
Private_Dirty:         8 kB
7f0000500000-7f0000501000 rw-p 00000000 08:01 459 /opt/lib/libcode.so
Rss:                   4 kB
Anonymous:             4 kB
Private_Dirty:         4 kB
7f0000600000-7f0000601000 r-xp 00000000 08:01 460 /opt/lib/libold.so (deleted)
Rss:                   4 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
7f0000700000-7f0000701000 r-xp 00000000 08:01 461 /opt/lib/libcold.so
Rss:                   0 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
"""


def test_only_clean_read_only_pages_of_a_regular_file_are_chosen():
    mappings = parse_smaps(SAMPLE.splitlines())
    assert len(mappings) == 8
    code = mappings[1]
    assert (code.start, code.end, code.perms, code.path, code.rss_kb) == (
        0x7F0000000000, 0x7F0000200000, "r-xp", "/opt/lib/libcode.so", 1024)
    chosen = [m.path for m in mappings if m.clean_file_pages]
    # Not: code with a written (copied) page, a mapping of /dev (shared memory, devices), anonymous
    # code (a JIT), writable data, a deleted file, a mapping with nothing resident.
    assert chosen == ["/usr/bin/python3.11", "/opt/lib/libcode.so"]


@linux_only
def test_the_real_smaps_of_this_process_parses():
    with open("/proc/self/smaps") as smaps:
        mappings = parse_smaps(smaps)
    assert any(m.path == "[heap]" or m.path == "[stack]" for m in mappings)
    assert any(m.clean_file_pages for m in mappings)  # the interpreter's own code, at least
    assert all(m.end > m.start for m in mappings)


@linux_only
def test_a_code_mapping_with_a_written_page_is_never_dropped(tmp_path):
    """A private file mapping written once and then made executable keeps its written bytes."""
    path = tmp_path / "patched.bin"
    path.write_bytes(b"\x00" * mmap.PAGESIZE * 2)
    with open(path, "r+b") as f:
        area = mmap.mmap(f.fileno(), mmap.PAGESIZE * 2, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    area[:5] = b"moved"  # a copy-on-write page, like a relocation applied to code
    anchor = ctypes.c_char.from_buffer(area)
    address = ctypes.addressof(anchor)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    if libc.mprotect(address, mmap.PAGESIZE * 2, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
        pytest.skip(f"this kernel refuses an executable file mapping (errno {ctypes.get_errno()})")
    try:
        with open("/proc/self/smaps") as smaps:
            ours = [m for m in parse_smaps(smaps) if m.path == str(path)]
        assert ours and ours[0].perms == "r-xp" and ours[0].anonymous_kb > 0 and not ours[0].clean_file_pages
        release_startup_code()
        assert ctypes.string_at(address, 5) == b"moved"
    finally:
        libc.mprotect(address, mmap.PAGESIZE * 2, mmap.PROT_READ | mmap.PROT_WRITE)
        del anchor  # the mmap cannot close while a ctypes view of it exists
        area.close()


CHILD = r"""
import json, sys, glob
import cv2
from fhp_monitor.core.ports import Frame
from fhp_monitor.sensing import code_pages, pose

def resident_code_kb():
    with open("/proc/self/smaps") as smaps:
        return sum(m.rss_kb for m in code_pages.parse_smaps(smaps)
                   if m.perms == "r-xp" and m.path.endswith("libmediapipe.so"))

calls = []
real = code_pages.release_startup_code
pose.release_startup_code = lambda: calls.append(resident_code_kb()) or 0  # measure, do not release yet
photos = sorted(glob.glob(sys.argv[1] + "/**/*.jpg", recursive=True))[:6]
with pose.MediaPipePoseEstimator() as estimator:
    before = [estimator.estimate(Frame(image=cv2.imread(p), t=10.0 * i, index=i, source=p)).poses[0].image.tolist()
              for i, p in enumerate(photos)]
    loaded_kb = resident_code_kb()
    released_kb = real()
    after_release_kb = resident_code_kb()
    after = [estimator.estimate(Frame(image=cv2.imread(p), t=100.0 + 10.0 * i, index=i, source=p))
             .poses[0].image.tolist() for i, p in enumerate(photos)]
    after_looks_kb = resident_code_kb()
print(json.dumps({"hooks": len(calls), "loaded_kb": loaded_kb, "released_kb": released_kb,
                  "after_release_kb": after_release_kb, "after_looks_kb": after_looks_kb,
                  "same": before == after}))
"""


@linux_only
def test_mediapipe_gives_back_its_startup_code_and_reads_the_same_landmarks():
    """Real MediaPipe on real photos: the estimator releases after the imports, after loading and after the
    first pose;
    the dropped code comes back only as far as a look needs it, and the landmarks are identical."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(REPO / "tests" / "data")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    # after the imports, after the model loaded, after the first pose, and once more after the third
    assert figures["hooks"] == 4
    assert figures["same"] is True
    assert figures["released_kb"] >= figures["loaded_kb"] > 0
    assert figures["after_release_kb"] < figures["loaded_kb"] / 4
    # What six looks run again is well under what loading had mapped (measured: about 13 of 38 MB).
    assert figures["after_looks_kb"] < figures["loaded_kb"] * 0.6, figures


@linux_only
@pytest.mark.parametrize("flags", [mmap.MAP_PRIVATE, mmap.MAP_SHARED], ids=["private", "shared"])
def test_a_read_only_file_mapping_is_given_back_and_reads_the_same_bytes(tmp_path, flags):
    """Like the model file MediaPipe maps (r--s) or a library's read-only data (r--p): dropped, then read
    again from the file, byte for byte."""
    path = tmp_path / "model.bin"
    data = bytes(range(256)) * (mmap.PAGESIZE // 256) * 64
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())  # written back: its page-cache pages are clean, as an installed file's are
    with open(path, "rb") as f:
        area = mmap.mmap(f.fileno(), len(data), flags=flags, prot=mmap.PROT_READ)
    try:
        assert area[:] == data  # every page resident now

        def ours():
            with open("/proc/self/smaps") as smaps:
                return next(m for m in parse_smaps(smaps) if m.path == str(path))

        before = ours()
        assert before.perms[:3] == "r--" and before.clean_file_pages and before.rss_kb >= len(data) // 1024
        assert release_startup_code() >= before.rss_kb
        assert ours().rss_kb == 0
        assert area[:] == data
    finally:
        area.close()
