"""Landmark recordings: numbers, never pictures, that anyone can replay without MediaPipe.

The format (one CSV file, one row per frame)::

    t,width,height,x0,y0,z0,v0,x1,y1,z1,v1,...,x32,y32,z32,v32

``t`` seconds from the start of the recording; ``width,height`` the size of the source frame in
pixels; then the 33 MediaPipe pose landmarks in MediaPipe order: ``x,y`` normalised image
coordinates (0..1 inside the picture), ``z`` MediaPipe's relative depth, ``v`` visibility 0..1.
A landmark that was not seen or not recorded has ``v = 0`` (its x, y, z may be 0 or empty); a row
whose 132 landmark cells are all empty had no person. Recordings made by other tools often hold
only the nose, ears and shoulders (0, 7, 8, 11, 12): that is all the posture geometry uses.

:class:`LandmarkCsvSource` is a FrameSource whose frames carry ``pose`` and no picture;
:class:`LandmarkCsvWriter` records frames while they are judged; :class:`RecordedPoses` is the
PoseEstimator stand-in for such a source, so no model is ever loaded for it. A recording holds
one person per row (the first one the estimator returned) and no world landmarks (NaN on replay).
Pure: csv, os and numpy only.
"""

from __future__ import annotations

import csv
import errno
import logging
import math
import os
import stat
from pathlib import Path
from typing import IO

import numpy as np

from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import Frame, PoseLandmarks, PoseResult, SourceUnavailable
from fhp_monitor.home.files import NONBLOCK, SAFE_FLAGS, path_is_link

log = logging.getLogger(__name__)

LANDMARKS = 33
FIELDS = ("x", "y", "z", "v")
HEADER = ("t", "width", "height", *(f"{name}{i}" for i in range(LANDMARKS) for name in FIELDS))
FIRST_LANDMARK_COLUMN = 3
HEADER_SHORT = "t,width,height,x0,y0,z0,v0,...,x32,y32,z32,v32"  # not translated: the column names of the format
#: |x| or |y| beyond these is not a normalised coordinate (pixels, swapped columns, a broken tool).
#: MediaPipe itself places arms and legs it cannot see well outside the picture (ankles at y = 3.4
#: on the photos in tests/data), so they get a wider limit than the face and shoulders (0..12).
MAX_ABS_XY_HEAD, MAX_ABS_XY_LIMBS, LIMBS_FROM = 2.0, 10.0, 13
SUFFIX = ".csv"


class LandmarkFileError(SourceUnavailable):
    """A landmark recording that cannot be read; the message names the file, line and column."""


def is_landmark_file(spec: str | os.PathLike) -> bool:
    """True when ``spec`` names a landmark recording (by its ``.csv`` suffix)."""
    return Path(str(spec)).suffix.lower() == SUFFIX


def _number(text: str) -> float:
    """float(text) that also refuses NaN and infinities (raises ValueError)."""
    value = float(text)
    if not math.isfinite(value):
        raise OverflowError(text)
    return value


class LandmarkCsvSource:
    """A landmark recording as a FrameSource: ``t`` is the recorded time, ``index`` the row number (from 0).

    Rows are read and checked one at a time, so a long recording is never held in memory; a bad
    row raises :class:`LandmarkFileError` when it is reached. Thread contract: see FrameSource.
    """

    live = False
    #: Frames carry their landmarks: no pose model is needed (see ``estimator_for``).
    carries_poses = True

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None
        self._rows = None
        self._index = 0
        self._last_t: float | None = None
        self._step = 0.0  # time between the last two rows
        self._ended = False

    def _fail(self, line: int | None, column: int | None, problem: str) -> LandmarkFileError:
        if line is None:
            return LandmarkFileError(_("The landmark file {path}: {problem}.").format(path=self.path, problem=problem))
        where = _("line {line}").format(line=line) if column is None else _(
            "line {line}, column {column} ({name})").format(line=line, column=column + 1, name=HEADER[column])
        return LandmarkFileError(_("The landmark file {path}, {where}: {problem}.").format(
            path=self.path, where=where, problem=problem))

    def open(self) -> None:
        if self._file is not None:
            return
        try:
            handle = open(self.path, encoding="utf-8-sig", newline="")
        except FileNotFoundError:
            raise LandmarkFileError(_("The landmark file {path} was not found.").format(path=self.path)) from None
        except IsADirectoryError:
            raise LandmarkFileError(
                _("The landmark file {path} is a folder, not a file.").format(path=self.path)) from None
        except OSError as exc:
            raise LandmarkFileError(_("The landmark file {path} cannot be read ({error}).").format(
                path=self.path, error=exc.strerror)) from None
        self._file, self._rows, self._index, self._last_t = handle, csv.reader(handle), 0, None
        self._step, self._ended = 0.0, False
        try:
            header = self._next_row()
        except LandmarkFileError:
            self.release()
            raise
        if header is None:
            self.release()
            raise self._fail(None, None, _("it is empty; its first line must be the header {header}").format(
                header=HEADER_SHORT))
        names = [cell.strip() for cell in header]
        if names != list(HEADER):
            self.release()
            column = next((i for i, (got, want) in enumerate(zip(names, HEADER)) if got != want), None)
            if column is None:
                raise self._fail(1, None, _("the header has {count} columns, expected {wanted} ({header})").format(
                    count=len(names), wanted=len(HEADER), header=HEADER_SHORT))
            raise self._fail(1, column, _("the header says {got} where {wanted} belongs (expected {header})").format(
                got=repr(names[column][:40]), wanted=repr(HEADER[column]), header=HEADER_SHORT))

    def _next_row(self) -> list[str] | None:
        """The next non-blank row, or None at the end of the file."""
        assert self._rows is not None
        try:
            for row in self._rows:
                if row and any(cell.strip() for cell in row):
                    return row
        except UnicodeDecodeError:
            raise self._fail(None, None, _("it is not UTF-8 text (is it really a landmark recording?)")) from None
        except csv.Error as exc:
            raise self._fail(self._line, None, _("this is not valid CSV ({error})").format(error=exc)) from None
        return None

    @property
    def _line(self) -> int:
        return self._rows.line_num if self._rows is not None else 0

    def _parse(self, row: list[str]) -> Frame:
        line = self._line
        if len(row) != len(HEADER):
            raise self._fail(line, None, _("it has {count} cells, expected {wanted}").format(
                count=len(row), wanted=len(HEADER)))

        def number(column: int) -> float:
            text = row[column].strip()
            if not text:
                raise self._fail(line, column, _("the cell is empty"))
            try:
                return _number(text)
            except ValueError:
                raise self._fail(line, column, _("{value} is not a number").format(value=repr(text[:20]))) from None
            except OverflowError:
                raise self._fail(line, column, _("{value} is not a finite number").format(
                    value=repr(text[:20]))) from None

        t = number(0)
        if t < 0:
            raise self._fail(line, 0, _("time {t} is negative; t counts seconds from the start").format(t=f"{t:g}"))
        if self._last_t is not None and t < self._last_t:
            raise self._fail(line, 0, _("time goes backwards ({t} s after {last} s)").format(
                t=f"{t:g}", last=f"{self._last_t:g}"))
        size = []
        for column in (1, 2):
            value = number(column)
            if value <= 0 or value != int(value):
                raise self._fail(line, column, _("{value} is not a frame size in pixels (a whole number above 0)")
                                 .format(value=f"{value:g}"))
            size.append(int(value))
        width, height = size
        cells = row[FIRST_LANDMARK_COLUMN:]
        if not any(cell.strip() for cell in cells):
            poses: tuple[PoseLandmarks, ...] = ()
        else:
            xyz = np.zeros((LANDMARKS, 3))
            visibility = np.zeros(LANDMARKS)
            for i in range(LANDMARKS):
                base = FIRST_LANDMARK_COLUMN + 4 * i
                given = [bool(cell.strip()) for cell in row[base:base + 4]]
                if not any(given):
                    continue  # not recorded: v = 0
                v = number(base + 3) if given[3] else None
                if v is None:
                    raise self._fail(line, base + 3,
                                     _("the cell is empty but the landmark has coordinates; "
                                       "give its visibility 0 to 1"))
                if not 0.0 <= v <= 1.0:
                    raise self._fail(line, base + 3, _("visibility {value} is not between 0 and 1").format(
                        value=f"{v:g}"))
                point = [number(base + k) if given[k] else None for k in range(3)]
                if v > 0 and (point[0] is None or point[1] is None):
                    column = base if point[0] is None else base + 1
                    raise self._fail(line, column, _("the cell is empty but the landmark is visible"))
                limit = MAX_ABS_XY_HEAD if i < LIMBS_FROM else MAX_ABS_XY_LIMBS
                for k in (0, 1):
                    if point[k] is not None and abs(point[k]) > limit:
                        raise self._fail(line, base + k, _(
                            "{value} is far outside the picture (x and y are fractions of its width and height, "
                            "0 to 1; beyond {limit} is refused)").format(value=f"{point[k]:g}", limit=f"{limit:g}"))
                xyz[i] = [0.0 if p is None else p for p in point]
                visibility[i] = v
            world = np.full((LANDMARKS, 3), np.nan)  # not part of a recording
            poses = (PoseLandmarks(image=xyz, world=world, visibility=visibility),)
        if self._last_t is not None:
            self._step = t - self._last_t
        self._last_t = t
        return Frame(image=None, t=t, index=self._index, source=str(self.path),
                     pose=PoseResult(poses=poses, width=width, height=height))

    def read(self, not_before: float | None = None) -> Frame | None:
        if self._file is None:
            self.open()
        while True:
            row = self._next_row()
            if row is None:
                self._ended = True
                return None
            frame = self._parse(row)
            self._index += 1
            if not_before is None or frame.t >= not_before - 1e-9:
                return frame

    @property
    def duration_s(self) -> float | None:
        """Once the end was read: the last row's time plus one row interval (the time the last row
        stands for, as a video's duration runs to the end of its last frame); None before that."""
        if not self._ended or self._last_t is None:
            return None
        return self._last_t + self._step

    def release(self) -> None:
        handle, self._file, self._rows = self._file, None, None
        if handle is not None:
            handle.close()


class RecordedPoses:
    """The PoseEstimator for a source whose frames carry their landmarks: no model is loaded.

    Thread contract: as PoseEstimator. ``estimate`` returns the frame's recorded pose and refuses
    a frame without one (that would be a picture, which this stand-in cannot look at).
    """

    def estimate(self, frame: Frame) -> PoseResult:
        if frame.pose is None:
            raise ValueError("this source's frames should carry their landmarks, but one came without")
        return frame.pose

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> "RecordedPoses":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _cell(value: float) -> str:
    """Shortest text that reads back as exactly the same float (so a replay of it is exact)."""
    return repr(float(value))


def format_row(t: float, result: PoseResult) -> list[str]:
    """One CSV row for a frame at ``t`` seconds: the first person's landmarks, or empty cells for nobody."""
    row = [_cell(t), str(int(result.width)), str(int(result.height))]
    if not result.poses:
        return row + [""] * (4 * LANDMARKS)
    pose = result.poses[0]
    for (x, y, z), v in zip(pose.image, pose.visibility):
        row += [_cell(x), _cell(y), _cell(z), _cell(v)]
    return row


def open_private(path: Path):
    """Open ``path`` for writing: created 0600 when new, truncated when it exists, never through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | SAFE_FLAGS
    link = _("it is a symbolic link; give the path of a real file")
    try:
        if path_is_link(path):  # O_NOFOLLOW refuses it too (ELOOP), but not on every system (Windows)
            raise OSError(errno.ELOOP, link)
        descriptor = os.open(path, flags | NONBLOCK, 0o600)  # non-blocking: a FIFO must not hang us
    except OSError as exc:
        why = link if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
        raise LandmarkFileError(_("Cannot write the landmark file {path}: {why}.").format(path=path, why=why)) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise LandmarkFileError(_("Cannot write the landmark file {path}: it is not a regular file.").format(path=path))
    if NONBLOCK:  # Windows has no O_NONBLOCK for files (nor os.set_blocking before 3.12)
        os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="")


class LandmarkCsvWriter:
    """Writes a landmark recording while frames are judged (numbers only, never pictures).

    ``t`` is written relative to the first frame's time when ``from_first_frame`` (a camera, whose
    times are a monotonic clock), else as the source gives it (a file's own timeline, from 0).
    Thread contract: one thread (the one judging the frames); ``close`` is safe to call twice.
    """

    def __init__(self, path: str | os.PathLike, *, from_first_frame: bool = False) -> None:
        self.path = Path(path)
        self._file = open_private(self.path)
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(HEADER)
        self._origin: float | None = None if from_first_frame else 0.0
        self.rows = 0
        self._warned = False

    def write(self, frame: Frame, result: PoseResult) -> None:
        if self._origin is None:
            self._origin = frame.t
        if len(result.poses) > 1 and not self._warned:
            self._warned = True
            log.warning("%s: frame %d shows %d people; a landmark recording keeps the first one only",
                        self.path, frame.index, len(result.poses))
        self._writer.writerow(format_row(max(frame.t - self._origin, 0.0), result))
        self.rows += 1

    def close(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()

    def __enter__(self) -> "LandmarkCsvWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def recorder_for(path: str | os.PathLike | None, source) -> LandmarkCsvWriter | None:
    """The writer for ``replay --landmarks-out`` (None without one), for an opened ``source``.

    Refuses to overwrite the recording being replayed; on any refusal the source is released.
    """
    if path is None:
        return None
    replayed = getattr(source, "path", None)
    try:
        if replayed is not None and Path(path).resolve() == Path(replayed).resolve():
            raise LandmarkFileError(_("Cannot write the landmark file {path}: it is the file being replayed; "
                                      "choose another file name.").format(path=path))
        return LandmarkCsvWriter(path, from_first_frame=source.live)
    except LandmarkFileError:
        source.release()
        raise
