"""Helpers shared by the benchmarks: the real test photos as camera-sized frames, CPU and memory readings.

Frames: the labelled photos in tests/data are 224 x 224. A camera at the default settings gives
640 x 360 (config.yaml camera.width/height), so every photo is scaled up to 360 x 360 (bilinear)
and padded left and right with black to 640 x 360 (140 px each side). The person stays centred and
undistorted, and the pose model sees the same pixel count a webcam frame has.

Measurements: CPU is ``time.process_time()`` (user + system of every thread in this process, which
includes MediaPipe's own worker threads); memory is VmRSS / VmHWM from ``/proc/self/status``
(Linux), falling back to ``resource.getrusage`` where /proc is missing (macOS); where neither is
(Windows) a memory figure is NaN, said once in one line on stderr.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
CAMERA_WIDTH, CAMERA_HEIGHT = 640, 360

for _path in (str(REPO), str(TESTS)):  # fhp_monitor, and tests/support/recorded_day.py's "from real_photos import ..."
    if _path not in sys.path:
        sys.path.insert(0, _path)


@dataclass(frozen=True)
class Photo:
    """One real labelled photo, already decoded and padded to the camera size (BGR uint8)."""

    path: Path
    session: str
    label: str  # "notSlouching" (upright) or "isSlouching" (head forward)
    image: object  # numpy.ndarray, H x W x 3


def to_camera_frame(image, width: int = CAMERA_WIDTH, height: int = CAMERA_HEIGHT):
    """Scale ``image`` to ``height`` rows keeping its aspect ratio, then pad (black) or crop to ``width``."""
    import cv2

    rows, cols = image.shape[:2]
    scaled_cols = max(1, int(round(cols * height / rows)))
    scaled = cv2.resize(image, (scaled_cols, height), interpolation=cv2.INTER_LINEAR)
    if scaled_cols >= width:
        left = (scaled_cols - width) // 2
        return scaled[:, left:left + width].copy()
    left = (width - scaled_cols) // 2
    return cv2.copyMakeBorder(scaled, 0, 0, left, width - scaled_cols - left, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def real_photos(sessions: list[Path] | None = None) -> list[Photo]:
    """Every labelled photo (all sessions by default) as a camera-sized frame, in a stable order."""
    import cv2

    from tests.support.real_photos import FORWARD, SESSIONS, UPRIGHT

    photos = []
    for session in sessions if sessions is not None else SESSIONS:
        for label in (UPRIGHT, FORWARD):
            for path in sorted((session / label).glob("*.jpg"), key=lambda p: (len(p.name), p.name)):
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    raise RuntimeError(f"cannot read the test photo {path}")
                photos.append(Photo(path, session.name, label, to_camera_frame(image)))
    if not photos:
        raise RuntimeError("no photos found in tests/data; is the checkout complete?")
    return photos


def write_camera_sized_session(session: Path, out: Path) -> Path:
    """Copy one session folder (upright/ forward sub-folders) with every photo padded to 640 x 360 JPEG.

    ``tests/recorded_day.build_recorded_day(..., session=out)`` then writes a camera-sized video.
    """
    import cv2

    from tests.support.real_photos import FORWARD, UPRIGHT

    for label in (UPRIGHT, FORWARD):
        (out / label).mkdir(parents=True, exist_ok=True)
        for path in sorted((session / label).glob("*.jpg")):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise RuntimeError(f"cannot read the test photo {path}")
            if not cv2.imwrite(str(out / label / path.name), to_camera_frame(image), [cv2.IMWRITE_JPEG_QUALITY, 95]):
                raise RuntimeError(f"cannot write {out / label / path.name}")
    return out


# MediaPipe's C++ start-up warnings: the adapter's own switch, reused so both sides are silenced alike.
from fhp_monitor.process.native_stderr import quiet_native_stderr  # noqa: E402,F401

# ----------------------------------------------------------------------------- readings


def cpu_s() -> float:
    """CPU seconds (user + system, all threads) used by this process so far."""
    return time.process_time()


def _status_field(name: str) -> str | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


_UNREADABLE_SAID: set[str] = set()


def unreadable(figure: str) -> float:
    """NaN for a figure this OS cannot give, said once per figure in one plain line on stderr."""
    if figure not in _UNREADABLE_SAID:
        _UNREADABLE_SAID.add(figure)
        print(f"bench: the {figure} cannot be read on {sys.platform} (no /proc, no resource module); "
              "it is shown as nan", file=sys.stderr)
    return float("nan")


def _max_rss_mb() -> float:
    try:
        import resource  # POSIX only: Windows has neither it nor /proc
    except ImportError:
        return unreadable("resident memory")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def rss_mb() -> float:
    """Resident memory now, in MB (MiB)."""
    field = _status_field("VmRSS")
    return int(field.split()[0]) / 1024.0 if field else _max_rss_mb()


def peak_rss_mb() -> float:
    """Highest resident memory so far (VmHWM), in MB (MiB)."""
    field = _status_field("VmHWM")
    return int(field.split()[0]) / 1024.0 if field else _max_rss_mb()


def thread_count() -> int:
    """Threads in this process now."""
    field = _status_field("Threads")
    if field:
        return int(field)
    import threading

    return threading.active_count()  # Python threads only: an undercount where /proc is missing


def machine() -> dict:
    """What the figures were measured on (the load average matters: other work steals CPU and caches)."""
    info = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    try:
        info["load_average_1m"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:  # the version without importing the package (which would add 40 MB to the figures measured after)
        from importlib.metadata import PackageNotFoundError, version

        info["mediapipe"] = version("mediapipe")
    except PackageNotFoundError:
        pass
    return info


def print_figures(title: str, figures: list[tuple[str, object, str]]) -> None:
    """Print ``(label, value, unit)`` rows as an aligned plain-text table."""
    print(title)
    width = max(len(label) for label, _, _ in figures)
    for label, value, unit in figures:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"  {label:<{width}}  {shown} {unit}".rstrip())


def dump_json(data: dict) -> None:
    print(json.dumps(data, indent=2, sort_keys=False))
