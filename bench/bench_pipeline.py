"""Per-frame CPU of ``fhp-monitor replay`` against raw MediaPipe on the same distinct frames, and CSV replay speed.

Run:  python bench/bench_pipeline.py [--runs 3] [--variants 5] [--csv-repeat 10] [--json]

* Frames: every labelled photo in tests/data (65) in ``--variants`` forms made in memory, so no two
  frames are alike and every frame is a fresh detection for the tracker (the worst case): as it is,
  mirrored, the person at 80 % size, 80 % mirrored, shifted sideways (see ``variants``). Each is
  640 x 360 like a webcam frame (bench/common.py). JPEG decoding is EXCLUDED from both sides: the
  frames are decoded once before any timing (one decode's cost is printed for reference). The
  BGR->RGB conversion a camera or video frame needs is INCLUDED in both sides.
* Raw: ``mediapipe.tasks`` PoseLandmarker, VIDEO mode, the bundled model, ``num_poses=1``; per
  frame ``cv2.cvtColor(BGR2RGB)`` + ``mp.Image`` + ``detect_for_video``, as MediaPipe's own
  examples do. Nothing is done with the result.
* Replay: the real ``fhp_monitor.cli.cmd_replay`` with ``--json``; only its frame source is an
  in-memory one (the same Frame values an image folder gives, without ``cv2.imread``) and its
  estimator a ``MediaPipePoseEstimator(num_poses=1)`` made before the clock starts. Both are put in
  place with ``unittest.mock.patch.object`` on the modules ``cmd_replay`` looks them up in. Per
  frame: source read, ``estimate`` (BGR->RGB, mp.Image, detect_for_video, landmarks to numpy),
  ``read_posture``, ``is_forward``, the JSON row and its ``print`` (stdout to /dev/null).
* Each run is one pass over all frames with a FRESH landmarker (model load outside the clock).
  Runs alternate raw, replay, replay, raw, raw, replay, ... so drifting machine load hits both
  sides alike; each side's figure is the median of its ``--runs`` runs.
* References, one run each: raw in IMAGE mode (the person detector on every frame: VIDEO mode with
  num_poses=1 tracks the person from photo to photo, so most frames skip the detector), and the
  replay with the estimator exactly as ``estimator_for(settings)`` makes it (its default num_poses).
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
    """A FrameSource over decoded frames: what ImageFolderSource returns, without reading files."""

    live = False

    def __init__(self, images: list, interval_s: float = 1.0) -> None:
        self.images, self.interval_s = images, interval_s
        self._next = 0

    def open(self) -> None:
        self._next = 0

    def read(self, not_before: float | None = None):
        from fhp_monitor.core.ports import Frame

        if self._next >= len(self.images):
            return None
        index = self._next
        self._next += 1
        return Frame(image=self.images[index], t=index * self.interval_s, index=index, source=f"memory/{index}.jpg")

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
        import fhp_monitor.cli as cli
        import fhp_monitor.sensing.sources as sources
        from fhp_monitor.sensing.pose import bundled_model_path

        self.frames, self.home, self.settings = frames, home, settings
        self.cli, self.sources, self.model = cli, sources, bundled_model_path()
        self.sink = open(os.devnull, "w")

    def raw(self) -> float:
        mp, landmarker = raw_landmarker(self.model)
        try:
            cpu = common.cpu_s()
            for i, image in enumerate(self.frames):
                rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), 1000 * i)
            return common.cpu_s() - cpu
        finally:
            with common.quiet_native_stderr():  # "DestroyAccelerator" at INFO, as the adapter's close
                landmarker.close()

    def raw_image_mode(self) -> float:
        """Reference only: IMAGE mode runs the person detector on every frame (no tracking)."""
        mp, landmarker = raw_landmarker(self.model, image_mode=True)
        try:
            cpu = common.cpu_s()
            for image in self.frames:
                landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(image, cv2.COLOR_BGR2RGB)))
            return common.cpu_s() - cpu
        finally:
            with common.quiet_native_stderr():
                landmarker.close()

    def replay(self, landmarks_out: str | None = None, shipped: bool = False) -> float:
        """``shipped``: the estimator exactly as ``estimator_for(settings)`` makes it (its default num_poses)."""
        from fhp_monitor.sensing.pose import MediaPipePoseEstimator, estimator_for

        if shipped:
            estimator = estimator_for(self.settings)
            self.shipped_num_poses = getattr(estimator, "num_poses", None)
        else:
            estimator = MediaPipePoseEstimator(self.settings.detection.model or None, num_poses=NUM_POSES)
        args = Namespace(source="in-memory", json=True, landmarks_out=landmarks_out)
        with mock.patch.object(self.sources, "source_for", lambda spec, settings: InMemoryFrames(self.frames)), \
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


def run(runs: int, variant_count: int, csv_repeat: int) -> dict:
    import fhp_monitor.cli as cli
    from fhp_monitor.home import Home

    photos = common.real_photos()
    frames = [frame for photo in photos for frame in variants(photo.image, variant_count)]
    home_dir = Path(tempfile.mkdtemp(prefix="fhp-bench-home-"))
    home = Home.locate(str(home_dir), {})
    settings = cli.load(home)
    sides = Sides(frames, home, settings)
    try:
        calibrate(home, settings, [p.image for p in photos if p.label == "notSlouching"])
        sides.raw(), sides.replay()  # warm caches and lazy imports; not counted
        timed: dict[str, list[float]] = {"raw": [], "replay": []}
        pairs = []
        for number in range(runs):
            order = ["raw", "replay"] if number % 2 == 0 else ["replay", "raw"]
            spent = {}
            for name in order:
                spent[name] = getattr(sides, name)()
                timed[name].append(per_frame_ms(spent[name], len(frames)))
            pairs.append(spent["replay"] / spent["raw"])
        parts = overhead_parts(frames, settings, home)
        image_mode_ms = per_frame_ms(sides.raw_image_mode(), len(frames))
        shipped_ms = per_frame_ms(sides.replay(shipped=True), len(frames))

        recorded = home_dir / "recorded.csv"
        sides.replay(landmarks_out=str(recorded))
        long_csv = home_dir / "long.csv"
        csv_rows = repeat_csv(recorded, long_csv, csv_repeat)
        csv_runs = [sides.csv_replay(long_csv) for _ in range(3)]
        fresh = statistics.median(fresh_process_csv_replay(home_dir, long_csv) for _ in range(3))
        csv_bytes = long_csv.stat().st_size
    finally:
        sides.close()
        shutil.rmtree(home_dir)

    raw_ms, replay_ms = statistics.median(timed["raw"]), statistics.median(timed["replay"])
    csv_cpu = statistics.median(c for c, _ in csv_runs)
    csv_wall = statistics.median(w for _, w in csv_runs)
    return {
        "frames_per_run": len(frames), "distinct_photos": len(photos), "variants_per_photo": variant_count,
        "runs_per_side": runs, "frame_size": f"{common.CAMERA_WIDTH}x{common.CAMERA_HEIGHT}", "num_poses": NUM_POSES,
        "raw_cpu_ms_per_frame_runs": [round(v, 2) for v in timed["raw"]],
        "replay_cpu_ms_per_frame_runs": [round(v, 2) for v in timed["replay"]],
        "raw_cpu_ms_per_frame": round(raw_ms, 2), "replay_cpu_ms_per_frame": round(replay_ms, 2),
        "ratio_cpu": round(replay_ms / raw_ms, 3),
        "ratio_cpu_per_pair": [round(r, 3) for r in pairs],
        "overhead_parts_cpu_ms": parts,
        "raw_image_mode_cpu_ms_per_frame": round(image_mode_ms, 2),
        "replay_as_shipped_num_poses": sides.shipped_num_poses,
        "replay_as_shipped_cpu_ms_per_frame": round(shipped_ms, 2),
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
        f"replay vs raw PoseLandmarker.detect_for_video, num_poses={r['num_poses']}: {r['frames_per_run']} distinct "
        f"{r['frame_size']} frames ({r['distinct_photos']} photos x {r['variants_per_photo']} forms), "
        f"median of {r['runs_per_side']} alternating runs; JPEG decode excluded, BGR->RGB included, both sides", [
            ("raw CPU per frame", r["raw_cpu_ms_per_frame"], f"ms  (runs {r['raw_cpu_ms_per_frame_runs']})"),
            ("replay CPU per frame", r["replay_cpu_ms_per_frame"], f"ms  (runs {r['replay_cpu_ms_per_frame_runs']})"),
            ("ratio replay / raw (CPU)", r["ratio_cpu"], f"x (target <= 1.10; per pair {r['ratio_cpu_per_pair']})"),
            *((f"  {name}", value, "ms") for name, value in r["overhead_parts_cpu_ms"].items()),
            ("JPEG decode, excluded from both", r["jpeg_decode_cpu_ms_excluded"], "ms CPU"),
            ("raw IMAGE mode (detector every frame), reference", r["raw_image_mode_cpu_ms_per_frame"], "ms"),
            (f"replay with estimator_for's default num_poses={r['replay_as_shipped_num_poses']}, one run",
             r["replay_as_shipped_cpu_ms_per_frame"], "ms"),
            (f"CSV replay, {r['csv_rows']} rows, in-process", r["csv_replay_frames_per_s"], "frames/s (wall)"),
            ("  per CPU second", r["csv_replay_frames_per_cpu_s"], "frames"),
            ("  fresh process, start-up included", r["csv_replay_fresh_process_s"], "s"),
            ("  file size", r["csv_bytes_per_row"], "bytes per row"),
        ])
    print(f"  machine: {r['machine']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
