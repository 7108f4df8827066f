"""Per-frame CPU of ``fhp-monitor replay`` against raw MediaPipe on the same distinct frames, and CSV replay speed.

Run:  python bench/bench_pipeline.py [--runs 3] [--variants 5] [--csv-repeat 10] [--json]

* Frames: every labelled photo in tests/data (65) in ``--variants`` forms made in memory, so no two
  frames are alike: as it is, mirrored, the person at 80 % size, 80 % mirrored, shifted sideways
  (see ``variants``). Each is 640 x 360 like a webcam frame (bench/common.py). JPEG decoding is
  EXCLUDED from both sides: the frames are decoded once before any timing (one decode's cost is
  printed for reference). The BGR->RGB conversion a camera or video frame needs is INCLUDED in both.
* Two regimes, because the pose adapter runs MediaPipe two ways (sensing/pose.py):
  - photos: every frame a separate look (its own file, like an image folder or the camera's looks
    seconds apart). The adapter detects afresh (``detect`` on its IMAGE-mode graph). Raw: ``detect`` in IMAGE
    mode (a fresh detection),
    and also ``detect_for_video``, which tracks the person from one photo to the next and so skips
    most detections: cheaper, but what the adapter deliberately does not do between separate
    looks (tracking across photos cost sensitivity on tests/data).
  - video: the same frames as one video at 30 fps; the adapter tracks (``detect_for_video``). Raw:
    ``detect_for_video``.
  Raw per frame: ``cv2.cvtColor(BGR2RGB)`` + ``mp.Image`` + the call, as in MediaPipe's examples,
  bundled model, ``num_poses=1``, result unused.
* Replay: the real ``fhp_monitor.cli.frames.cmd_replay`` with ``--json``; only its frame source is an
  in-memory one (the Frame values an image folder or a video gives, without decoding) and its
  estimator the one ``estimator_for(settings)`` makes (its default num_poses, printed), made before
  the clock starts. Both are put in place with ``unittest.mock.patch.object`` on the modules
  ``cmd_replay`` looks them up in. Per frame: source read, ``estimate`` (BGR->RGB, mp.Image, the
  MediaPipe call, landmarks to numpy), ``read_posture``, ``is_forward``, the JSON row and its
  ``print`` (stdout to /dev/null).
* Each run is one pass over all frames with a FRESH landmarker (model load outside the clock). Runs
  alternate (ABBA) so drifting machine load hits every side alike; each figure is the median of
  ``--runs`` runs.
* CSV replay: the landmarks of those frames, recorded with ``replay --landmarks-out``, repeated
  ``--csv-repeat`` times on one timeline, then judged by ``cmd_replay`` from the file (no model):
  frames per second in-process (median of 3), and a fresh ``python -m fhp_monitor replay x.csv``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (sets sys.path for fhp_monitor and tests/)
import cv2  # noqa: E402
import numpy as np  # noqa: E402

NUM_POSES = 1


class InMemoryFrames:
    """A FrameSource over decoded frames: what an image folder (``video=False``: one file per frame,
    1 s apart) or a 30 fps video (``video=True``) gives, without decoding anything."""

    live = False
    carries_poses = False

    def __init__(self, images: list, video: bool = False) -> None:
        self.images, self.video = images, video
        self._next = 0

    @property
    def duration_s(self) -> float:
        return len(self.images) / 30.0 if self.video else float(len(self.images))

    def open(self) -> None:
        self._next = 0

    def read(self, not_before: float | None = None):
        from fhp_monitor.core.ports import Frame

        if self._next >= len(self.images):
            return None
        i = self._next
        self._next += 1
        if self.video:
            return Frame(image=self.images[i], t=i / 30.0, index=i, source="memory/video.avi")
        return Frame(image=self.images[i], t=float(i), index=i, source=f"memory/{i}.jpg")

    def release(self) -> None:
        """Nothing to let go of."""


class KeepOpen:
    """Hands ``cmd_replay`` an estimator made before the clock started (its ``with`` closes it)."""

    def __init__(self, estimator) -> None:
        self.estimator = estimator

    def __enter__(self):
        return self.estimator

    def __exit__(self, *exc) -> None:
        self.estimator.close()


def variants(image, count: int) -> list:
    """``count`` distinct 640 x 360 frames of one 640 x 360 photo frame (person centred, 360 px tall)."""
    height, width = image.shape[:2]
    person = image[:, (width - height) // 2:(width + height) // 2]  # the 360 x 360 photo inside the padding

    def place(picture, left: int, top: int = 0):
        frame = np.zeros_like(image)
        frame[top:top + picture.shape[0], left:left + picture.shape[1]] = picture
        return frame

    small = cv2.resize(person, (288, 288), interpolation=cv2.INTER_AREA)
    made = [
        image,
        image[:, ::-1].copy(),  # mirrored
        place(small, (width - 288) // 2, 360 - 288),  # 80 % size, sitting lower
        place(small[:, ::-1], (width - 288) // 2, 360 - 288),
        place(person, 60),  # shifted to the left of the picture
        place(person[:, ::-1], width - 60 - height),
    ]
    if count > len(made):
        raise ValueError(f"at most {len(made)} variants")
    return made[:count]


def raw_landmarker(model_path: Path, image_mode: bool = False):
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.IMAGE if image_mode else vision.RunningMode.VIDEO,
        num_poses=NUM_POSES,
    )
    with common.quiet_native_stderr():
        return mp, vision.PoseLandmarker.create_from_options(options)


def calibrate(home, settings, upright_images: list) -> None:
    from fhp_monitor.core.calibration import fit_from_readings, save_baseline
    from fhp_monitor.core.geometry import read_posture
    from fhp_monitor.core.ports import Frame
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator

    with MediaPipePoseEstimator(settings.detection.model or None, num_poses=NUM_POSES) as estimator:
        readings = [read_posture(estimator.estimate(Frame(image=image, t=float(i), index=i, source=None)),
                                 settings.detection.min_visibility) for i, image in enumerate(upright_images)]
    save_baseline(home.calibration, fit_from_readings(readings, now=time.time(),
                                                      sensitivity_deg=settings.detection.sensitivity_deg))


def per_frame_ms(seconds: float, frames: int) -> float:
    return 1000.0 * seconds / frames


def decode_cost_ms(images: list) -> float:
    """CPU ms to decode one 640 x 360 JPEG (quality 95) from memory: excluded from both sides."""
    encoded = [cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1] for image in images]
    start = common.cpu_s()
    for data in encoded:
        cv2.imdecode(data, cv2.IMREAD_COLOR)
    return per_frame_ms(common.cpu_s() - start, len(encoded))


class Sides:
    """The two things compared, each run over all frames with a fresh landmarker."""

    def __init__(self, frames: list, home, settings) -> None:
        import fhp_monitor.sensing.sources as sources
        from fhp_monitor.cli import frames as cli
        from fhp_monitor.sensing.pose import bundled_model_path

        self.frames, self.home, self.settings = frames, home, settings
        self.cli, self.sources, self.model = cli, sources, bundled_model_path()
        self.sink = open(os.devnull, "w")

    def raw(self, call: str) -> float:
        """``call``: "detect" (IMAGE mode, a fresh detection per frame) or "detect_for_video" (VIDEO mode)."""
        mp, landmarker = raw_landmarker(self.model, image_mode=call == "detect")
        try:
            blank = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros_like(self.frames[0]))
            with common.quiet_native_stderr():  # one blank frame before the clock, as the replay side gets
                landmarker.detect(blank) if call == "detect" else landmarker.detect_for_video(blank, 0)
            cpu = common.cpu_s()
            for i, image in enumerate(self.frames):
                picture = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
                if call == "detect":
                    landmarker.detect(picture)
                else:
                    landmarker.detect_for_video(picture, 1 + (1000 * i) // 30)
            return common.cpu_s() - cpu
        finally:
            with common.quiet_native_stderr():  # "DestroyAccelerator" at INFO, as the adapter's close
                landmarker.close()

    def replay(self, video: bool, landmarks_out: str | None = None) -> float:
        from fhp_monitor.core.ports import Frame
        from fhp_monitor.sensing.pose import estimator_for

        estimator = estimator_for(self.settings)
        self.num_poses = getattr(estimator, "num_poses", None)
        # One blank frame before the clock, as the raw side gets: first-inference set-up stays out of
        # the timing, and nothing after it changes (the first real frame is a separate look either
        # way: another source). With several poses it also makes the adapter's IMAGE-mode graph.
        estimator.estimate(Frame(image=np.zeros_like(self.frames[0]), t=0.0, index=-1, source="bench/blank"))
        args = Namespace(source="in-memory", json=True, landmarks_out=landmarks_out)
        source = InMemoryFrames(self.frames, video=video)
        with mock.patch.object(self.sources, "source_for", lambda spec, settings: source), \
                mock.patch.object(self.cli, "estimator_for", lambda settings, source=None: KeepOpen(estimator)), \
                contextlib.redirect_stdout(self.sink):
            cpu = common.cpu_s()
            if self.cli.cmd_replay(args, self.home, self.settings) != 0:
                raise RuntimeError("cmd_replay failed")
            return common.cpu_s() - cpu

    def csv_replay(self, path: Path) -> tuple[float, float]:
        """(CPU s, wall s) of the real cmd_replay on a landmark file: real source, no model."""
        args = Namespace(source=str(path), json=True, landmarks_out=None)
        with contextlib.redirect_stdout(self.sink):
            wall, cpu = time.perf_counter(), common.cpu_s()
            if self.cli.cmd_replay(args, self.home, self.settings) != 0:
                raise RuntimeError("cmd_replay failed on the CSV")
            return common.cpu_s() - cpu, time.perf_counter() - wall

    def close(self) -> None:
        self.sink.close()


def overhead_parts(frames: list, settings, home) -> dict:
    """CPU ms per frame of each step the replay adds around detect_for_video, timed on its own."""
    import json

    from fhp_monitor.core.calibration import is_forward, load_baseline
    from fhp_monitor.core.geometry import read_posture
    from fhp_monitor.core.ports import Frame
    from fhp_monitor.sensing import pose as pose_module

    mp, landmarker = raw_landmarker(pose_module.bundled_model_path())
    try:
        results = [landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB,
                                                        data=cv2.cvtColor(image, cv2.COLOR_BGR2RGB)), 1000 * i)
                   for i, image in enumerate(frames)]
    finally:
        with common.quiet_native_stderr():
            landmarker.close()
    n = len(frames)
    parts = {}

    cpu = common.cpu_s()
    for image in frames:
        cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    parts["bgr_to_rgb_raw_cvtcolor"] = per_frame_ms(common.cpu_s() - cpu, n)
    cpu = common.cpu_s()
    for image in frames:
        pose_module.bgr_to_rgb(image)
    parts["bgr_to_rgb_adapter"] = per_frame_ms(common.cpu_s() - cpu, n)
    cpu = common.cpu_s()
    converted = [pose_module.to_pose_result(result, 640, 360) for result in results]
    parts["landmarks_to_numpy"] = per_frame_ms(common.cpu_s() - cpu, n)
    baseline = load_baseline(home.calibration)
    cpu = common.cpu_s()
    readings = [read_posture(result, settings.detection.min_visibility) for result in converted]
    verdicts = [is_forward(baseline, reading, settings.detection.sensitivity_deg) for reading in readings]
    parts["read_posture_and_is_forward"] = per_frame_ms(common.cpu_s() - cpu, n)
    with open(os.devnull, "w") as sink:
        cpu = common.cpu_s()
        for i, (reading, forward) in enumerate(zip(readings, verdicts)):
            row = {"frame": i, "source": f"memory/{i}.jpg", "t": round(float(i), 3),
                   "cva_proxy_deg": None if reading.cva_proxy_deg is None else round(reading.cva_proxy_deg, 2),
                   "forward": forward, "view": reading.view, "reason": reading.reason}
            print(json.dumps(row), file=sink)
        parts["json_row_and_print"] = per_frame_ms(common.cpu_s() - cpu, n)
    cpu = common.cpu_s()
    for i, image in enumerate(frames):
        Frame(image=image, t=float(i), index=i, source=f"memory/{i}.jpg")
    parts["frame_object"] = per_frame_ms(common.cpu_s() - cpu, n)
    return {name: round(value, 4) for name, value in parts.items()}


def repeat_csv(recorded: Path, out: Path, repeat: int) -> int:
    """The recorded rows ``repeat`` times on one 1-row-per-second timeline; returns the row count."""
    with open(recorded, newline="") as handle:
        table = list(csv.reader(handle))
    header, rows = table[0], table[1:]
    with open(out, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        count = 0
        for _ in range(repeat):
            for row in rows:
                writer.writerow([repr(float(count)), *row[1:]])
                count += 1
    return count


def fresh_process_csv_replay(home: Path, path: Path) -> float:
    """Wall seconds of a fresh ``python -m fhp_monitor replay FILE.csv --json`` (start-up included)."""
    env = {**os.environ, "PYTHONPATH": str(common.REPO)}
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "replay", str(path), "--json"],
                          cwd=common.REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - wall
    if done.returncode != 0:
        raise RuntimeError(f"replay of the CSV failed: {done.stderr}")
    return elapsed


SIDES = {  # name: (how to run it, what it is)
    "raw_detect": (lambda sides: sides.raw("detect"), "raw detect (IMAGE mode)"),
    "replay_photos": (lambda sides: sides.replay(video=False), "replay, photos"),
    "raw_detect_for_video": (lambda sides: sides.raw("detect_for_video"), "raw detect_for_video (VIDEO mode)"),
    "replay_video": (lambda sides: sides.replay(video=True), "replay, video"),
}
RATIOS = {  # name: (numerator, denominator, label)
    "photos": ("replay_photos", "raw_detect", "photos: replay / raw detect (same work)"),
    "video": ("replay_video", "raw_detect_for_video", "video: replay / raw detect_for_video (same work)"),
    "photos_vs_tracking": ("replay_photos", "raw_detect_for_video",
                           "photos: replay / raw detect_for_video (raw tracks)"),
}


def run(runs: int, variant_count: int, csv_repeat: int) -> dict:
    from fhp_monitor.cli import dispatch as cli
    from fhp_monitor.home.folder import Home

    photos = common.real_photos()
    frames = [frame for photo in photos for frame in variants(photo.image, variant_count)]
    home_dir = Path(tempfile.mkdtemp(prefix="fhp-bench-home-"))
    home = Home.locate(str(home_dir), {})
    settings = cli.load(home)
    sides = Sides(frames, home, settings)
    try:
        calibrate(home, settings, [p.image for p in photos if p.label == "notSlouching"])
        for body, _ in SIDES.values():  # warm caches and lazy imports; not counted
            body(sides)
        timed: dict[str, list[float]] = {name: [] for name in SIDES}
        for number in range(runs):
            for name in (list(SIDES) if number % 2 == 0 else list(reversed(SIDES))):
                timed[name].append(per_frame_ms(SIDES[name][0](sides), len(frames)))
        parts = overhead_parts(frames, settings, home)

        recorded = home_dir / "recorded.csv"
        sides.replay(video=False, landmarks_out=str(recorded))
        long_csv = home_dir / "long.csv"
        csv_rows = repeat_csv(recorded, long_csv, csv_repeat)
        csv_runs = [sides.csv_replay(long_csv) for _ in range(3)]
        fresh = statistics.median(fresh_process_csv_replay(home_dir, long_csv) for _ in range(3))
        csv_bytes = long_csv.stat().st_size
    finally:
        sides.close()
        shutil.rmtree(home_dir)

    medians = {name: statistics.median(values) for name, values in timed.items()}
    csv_cpu = statistics.median(c for c, _ in csv_runs)
    csv_wall = statistics.median(w for _, w in csv_runs)
    return {
        "frames_per_run": len(frames), "distinct_photos": len(photos), "variants_per_photo": variant_count,
        "runs_per_side": runs, "frame_size": f"{common.CAMERA_WIDTH}x{common.CAMERA_HEIGHT}",
        "raw_num_poses": NUM_POSES, "replay_num_poses": sides.num_poses,
        "cpu_ms_per_frame": {name: round(value, 2) for name, value in medians.items()},
        "cpu_ms_per_frame_runs": {name: [round(v, 2) for v in values] for name, values in timed.items()},
        "ratio_cpu": {name: round(medians[top] / medians[bottom], 3) for name, (top, bottom, _) in RATIOS.items()},
        "overhead_parts_cpu_ms": parts,
        "jpeg_decode_cpu_ms_excluded": round(decode_cost_ms(frames[::variant_count]), 2),
        "csv_rows": csv_rows, "csv_bytes_per_row": round(csv_bytes / csv_rows),
        "csv_replay_frames_per_cpu_s": round(csv_rows / csv_cpu),
        "csv_replay_frames_per_s": round(csv_rows / csv_wall),
        "csv_replay_fresh_process_s": round(fresh, 2),
        "machine": common.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per side, alternating (default 3)")
    parser.add_argument("--variants", type=int, default=5, help="distinct forms of each photo, 1-6 (default 5)")
    parser.add_argument("--csv-repeat", type=int, default=10, help="copies of the recorded rows in the CSV run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1 or not 1 <= args.variants <= 6 or args.csv_repeat < 1:
        parser.error("--runs and --csv-repeat must be positive, --variants 1 to 6")
    r = run(args.runs, args.variants, args.csv_repeat)
    if args.json:
        common.dump_json(r)
        return 0
    common.print_figures(
        f"replay (num_poses={r['replay_num_poses']}) vs raw PoseLandmarker (num_poses={r['raw_num_poses']}): "
        f"{r['frames_per_run']} distinct {r['frame_size']} frames ({r['distinct_photos']} photos x "
        f"{r['variants_per_photo']} forms), median of {r['runs_per_side']} alternating runs; "
        "JPEG decode excluded, BGR->RGB included, both sides", [
            *((f"{label}, CPU per frame", r["cpu_ms_per_frame"][name], f"ms  (runs {r['cpu_ms_per_frame_runs'][name]})")
              for name, (_, label) in SIDES.items()),
            *((label, r["ratio_cpu"][name], "x (target <= 1.10)" if name != "photos_vs_tracking" else "x")
              for name, (_, _, label) in RATIOS.items()),
            ("steps the replay adds, timed alone:", "", ""),
            *((f"  {name}", value, "ms") for name, value in r["overhead_parts_cpu_ms"].items()),
            ("JPEG decode, excluded from both", r["jpeg_decode_cpu_ms_excluded"], "ms CPU"),
            (f"CSV replay, {r['csv_rows']} rows, in-process", r["csv_replay_frames_per_s"], "frames/s (wall)"),
            ("  per CPU second", r["csv_replay_frames_per_cpu_s"], "frames"),
            ("  fresh process, start-up included", r["csv_replay_fresh_process_s"], "s"),
            ("  file size", r["csv_bytes_per_row"], "bytes per row"),
        ])
    print(f"  machine: {r['machine']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
