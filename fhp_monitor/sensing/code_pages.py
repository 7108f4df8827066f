"""Give back the file pages that only served start-up (Linux): the one module that calls madvise.

Loading MediaPipe and OpenCV runs static initialisers spread over their libraries (every calculator
and protocol buffer registers itself, OpenCV and its bundled FFmpeg and Qt set themselves up), the
model file is read once into the interpreter's own buffers, and the first inference runs one-time
set-up code; each of those page faults maps up to 64 KB of a file into the process. Measured: 38 MB
of libmediapipe's code was resident after the model loaded, of which a look then runs about 13 MB;
in the detector's child 30 MB of read-only file pages were resident after the imports alone, and
the 9 MB model file after loading, which no look reads again. Those pages stay counted in the
process's resident memory (RSS) all day, though nothing touches them again.

``release_startup_code`` tells the kernel the process no longer needs those pages
(``madvise(MADV_DONTNEED)``); what a look touches comes back by itself at the next look, from the
page cache (a minor fault, no disk read while the file stays cached). Only mappings that are
read-only (code ``r-x`` or data ``r--``, private or shared), from a regular file (not ``/dev``), and
*clean* (no page of them was ever written: smaps ``Anonymous`` and ``Private_Dirty`` are 0) are
touched, so nothing is lost: dropping such a page and reading it again gives the same bytes.
Writable data, relocated (written) data, the heap and anything else are never touched.

Called at three moments by the pose estimator: after MediaPipe's modules are imported, after the
model loaded, and after the first pose (the detector's child imports OpenCV before the model, so
its start-up pages go at the same moments). Measured in the child (bench/README.md): its peak RSS
fell from about 153 MB to 128 MB and its steady RSS from 152 to 127 MB, at the same CPU per look.

Honest scope: this lowers RSS, the figure people see in a task manager and the kernel uses to pick
a process to kill when memory runs out. The private memory the process allocates (RssAnon) is not
changed by it. The pages stay in the page cache until the kernel needs the room.

Thread contract: call from any one thread; it reads /proc/self/smaps and makes one madvise call per
mapping (a few ms). Elsewhere than Linux it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import mmap
import sys
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

MADV_DONTNEED = 4  # linux/mman.h; the same value on every Linux architecture Python runs on


@dataclass(frozen=True)
class Mapping:
    start: int
    end: int
    perms: str
    path: str
    rss_kb: int
    anonymous_kb: int
    private_dirty_kb: int

    @property
    def clean_file_pages(self) -> bool:
        """Read-only, from a regular file, resident, and never written (so dropping it loses nothing)."""
        return (self.perms[:3] in ("r-x", "r--") and self.path.startswith("/") and not self.path.startswith("/dev/")
                and not self.path.endswith("(deleted)") and self.rss_kb > 0
                and self.anonymous_kb == 0 and self.private_dirty_kb == 0)


def parse_smaps(lines: Iterable[str]) -> list[Mapping]:
    """The mappings of a /proc/PID/smaps text (only the fields this module needs)."""
    mappings: list[Mapping] = []
    head: tuple[int, int, str, str] | None = None
    fields: dict[str, int] = {}

    def finish() -> None:
        if head is not None:
            mappings.append(Mapping(*head, rss_kb=fields.get("Rss", 0), anonymous_kb=fields.get("Anonymous", 0),
                                    private_dirty_kb=fields.get("Private_Dirty", 0)))

    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if parts[0].endswith(":"):
            if head is not None and len(parts) >= 2 and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
            continue
        if "-" in parts[0] and len(parts) >= 5:  # "start-end perms offset dev inode [path]"
            finish()
            low, _, high = parts[0].partition("-")
            head = (int(low, 16), int(high, 16), parts[1], " ".join(parts[5:]))
            fields = {}
    finish()
    return mappings


def release_startup_code() -> int:
    """Drop the resident pages of every clean read-only file mapping; returns the kB dropped (0 off Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        with open("/proc/self/smaps", encoding="utf-8", errors="replace") as smaps:
            mappings = [m for m in parse_smaps(smaps) if m.clean_file_pages]
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError as exc:
        log.info("code pages not released: %s", exc)
        return 0
    madvise = libc.madvise
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    madvise.restype = ctypes.c_int
    released = 0
    for mapping in mappings:
        if madvise(mapping.start, mapping.end - mapping.start, MADV_DONTNEED) == 0:
            released += mapping.rss_kb
        else:
            log.info("madvise refused %s: errno %d", mapping.path, ctypes.get_errno())
    return released


def resident_file_kb() -> int | None:
    """The file pages this process has resident now, in kB (``RssFile``), or None off Linux.

    Read from /proc/self/statm (one short line, about 10 µs): its third field counts file and shared
    memory pages, which in this process (no shared memory of its own) are the file pages."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            shared_pages = int(statm.read().split()[2])
    except (OSError, IndexError, ValueError):
        return None
    return shared_pages * (mmap.PAGESIZE // 1024)


class StartupPagesWatch:
    """Gives the start-up pages back again when they came back (the detector's child, after each pose).

    After the first pose the file pages a look needs stay resident (about 13 MB of MediaPipe's code,
    plus OpenCV's for a camera). Measured once in a day-long run, a child's first minutes left 39 MB
    of MediaPipe's code and the whole model file resident, 37 MB more than its next start after a
    lock. So :meth:`after_look` releases once more after the ``settle_looks``-th pose, then keeps the
    lowest resident file level seen after a look (:func:`resident_file_kb`, cheap) and releases again
    (one log line) only when a look ends more than ``margin_kb`` above it. A look's own pages come back
    at the next look, so the level settles at what a look needs and no look pays for a release.

    Thread contract: one thread (the one that estimates)."""

    def __init__(self, margin_kb: int = 16 * 1024, settle_looks: int = 3, read=resident_file_kb,
                 release=release_startup_code) -> None:
        self.margin_kb, self.settle_looks = margin_kb, settle_looks
        self._read, self._release = read, release
        self.looks = 0
        self.level_kb: int | None = None
        self.releases = 0

    def after_look(self) -> int:
        """Call after each look that found a person, the first too; returns the kB given back (0 when
        nothing went). Before the ``settle_looks``-th nothing is read: that release comes regardless."""
        self.looks += 1
        if self.looks < self.settle_looks:
            return 0
        now = self._read()
        if now is None:
            return 0
        if self.looks == self.settle_looks:  # once, when start-up has surely settled
            return self._give_back(now)
        if self.level_kb is None or now < self.level_kb:  # the first look after a release, or a lower level
            self.level_kb = now
            return 0
        if now - self.level_kb <= self.margin_kb:
            return 0
        return self._give_back(now)

    def _give_back(self, resident_kb: int) -> int:
        released = self._release()
        self.releases += 1
        log.info("after pose %d, %.1f MB of start-up file pages were given back again (%.1f MB resident before)",
                 self.looks, released / 1024, resident_kb / 1024)
        self.level_kb = None  # the next look shows what a look needs
        return released
