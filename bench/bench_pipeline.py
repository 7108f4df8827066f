"""Per-frame CPU of the ``fhp-monitor replay`` pipeline against raw MediaPipe on the same frames.

Run:  python bench/bench_pipeline.py [--frames 600] [--block 25] [--warmup 30] [--json]

Both sides run in this one process, in alternating blocks (raw, pipeline, pipeline, raw, ...) so
that drift in machine load hits both equally; a warm-up of ``--warmup`` frames per side is excluded.

* Frames: all 65 real photos in tests/data, each scaled up to 360 x 360 and padded with black to
  640 x 360 (see bench/common.py), cycled to ``--frames`` frames. Decoded once before timing:
  JPEG decoding is excluded from BOTH sides (its cost is printed separately for reference).
* Raw: ``mediapipe.tasks`` PoseLandmarker, VIDEO mode, bundled model, the same ``num_poses`` as the
  adapter. Per frame only ``mp.Image(SRGB, rgb array)`` + ``detect_for_video``. It is handed frames
  already in RGB, so the BGR->RGB copy a camera frame needs is counted against the pipeline.
* Pipeline: the real ``fhp_monitor.cli.cmd_replay`` (``--json``), with its frame source swapped
  for an in-memory one (same Frame values as an image-folder source, minus ``cv2.imread``) and its
  estimator kept open between blocks. So per frame: source read, ``MediaPipePoseEstimator.estimate``
  (BGR->RGB, mp.Image, detect_for_video, landmarks to numpy), ``read_posture``, ``is_forward``,
  the JSON row and its ``print`` (stdout sent to /dev/null). Calibrated from the upright photos.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (sets sys.path for fhp_monitor and tests/)

import cv2  # noqa: E402
import numpy as np  # noqa: E402


class InMemoryFrames:
    """A FrameSource over decoded frames: what ImageFolderSource returns, without reading files."""

    live = False

    def __init__(self, images: list, first_index: int, interval_s: float = 1.0) -> None:
        self.images, self.first_index, self.interval_s = images, first_index, interval_s
        self._next = 0

    def open(self) -> None:
        self._next = 0

    def read(self, not_before: float | None = None):
        from fhp_monitor.core.ports import Frame

        if self._next >= len(self.images):
            return None
        index = self.first_index + self._next
        image = self.images[self._next]
        self._next += 1
        return Frame(image=image, t=index * self.interval_s, index=index, source=f"memory/{index}.jpg")

    def release(self) -> None:
        """Nothing to let go of."""


class KeepOpen:
    """Wraps the estimator so that ``cmd_replay``'s ``with`` block does not close it between blocks."""

    def __init__(self, estimator) -> None:
        self.estimator = estimator

    def __enter__(self):
        return self.estimator

    def __exit__(self, *exc) -> None:
        return None


def time_import_mediapipe() -> dict:
    if "mediapipe" in sys.modules:
        raise RuntimeError("mediapipe was imported before the import could be timed")
    wall, cpu = time.perf_counter(), common.cpu_s()
    import mediapipe  # noqa: F401
    from mediapipe.tasks.python import vision  # noqa: F401

    return {"wall_s": time.perf_counter() - wall, "cpu_s": common.cpu_s() - cpu}


def raw_landmarker(model_path: Path, num_poses: int):
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=num_poses,
    )
    return mp, vision.PoseLandmarker.create_from_options(options)


def calibrate(home, settings, upright_images: list) -> None:
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator
    from fhp_monitor.core.calibration import fit_from_readings, save_baseline
    from fhp_monitor.core.geometry import read_posture
    from fhp_monitor.core.ports import Frame

    with MediaPipePoseEstimator(settings.detection.model or None) as estimator:
        readings = [read_posture(estimator.estimate(Frame(image=image, t=float(i), index=i, source=None)),
                                 settings.detection.min_visibility) for i, image in enumerate(upright_images)]
    save_baseline(home.calibration, fit_from_readings(readings, now=time.time(),
                                                      sensitivity_deg=settings.detection.sensitivity_deg))


def per_frame_ms(seconds: float, frames: int) -> float:
    return 1000.0 * seconds / frames


def decode_cost_ms(images: list) -> float:
    """CPU ms to decode one 640 x 360 JPEG (quality 95) from memory: excluded from both sides above."""
    encoded = [cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1] for image in images]
    start = common.cpu_s()
    for _ in range(3):
        for data in encoded:
            cv2.imdecode(data, cv2.IMREAD_COLOR)
    return per_frame_ms(common.cpu_s() - start, 3 * len(encoded))


def run(frames_wanted: int, block: int, warmup: int) -> dict:
    import fhp_monitor.cli as cli
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator, bundled_model_path
    from fhp_monitor.home import Home

    imported = time_import_mediapipe()
    photos = common.real_photos()
    bgr = [photo.image for photo in photos]
    sequence = [bgr[i % len(bgr)] for i in range(warmup + frames_wanted)]
    rgb_of = {id(image): np.ascontiguousarray(image[:, :, ::-1]) for image in bgr}

    home = Home.locate(tempfile.mkdtemp(prefix="fhp-bench-home-"), {})
    settings = cli.load(home)
    calibrate(home, settings, [p.image for p in photos if p.label == "notSlouching"])

    wall, cpu = time.perf_counter(), common.cpu_s()
    estimator = MediaPipePoseEstimator(settings.detection.model or None)
    adapter_load = {"wall_s": time.perf_counter() - wall, "cpu_s": common.cpu_s() - cpu}
    num_poses = 2  # MediaPipePoseEstimator's default, which cli.estimator_for uses
    wall, cpu = time.perf_counter(), common.cpu_s()
    with common.quiet_native_stderr():
        mp, landmarker = raw_landmarker(bundled_model_path(), num_poses)
    raw_load = {"wall_s": time.perf_counter() - wall, "cpu_s": common.cpu_s() - cpu}

    raw_next_ms = [0]

    def raw_block(images: list) -> None:
        for image in images:
            raw_next_ms[0] += 1000
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb_of[id(image)]),
                                        raw_next_ms[0])

    pipeline_next = [0]
    args = Namespace(source="in-memory", json=True)
    sink = open(os.devnull, "w")

    def pipeline_block(images: list) -> None:
        source = InMemoryFrames(images, pipeline_next[0])
        pipeline_next[0] += len(images)
        cli.source_for = lambda spec, settings: source
        cli.estimator_for = lambda settings: KeepOpen(estimator)
        with contextlib.redirect_stdout(sink):
            if cli.cmd_replay(args, home, settings) != 0:
                raise RuntimeError("cmd_replay failed")

    real_source_for, real_estimator_for = cli.source_for, cli.estimator_for
    try:
        with common.quiet_native_stderr():  # the graph's start-up warnings on its first frame
            raw_block(sequence[:warmup])
        pipeline_block(sequence[:warmup])
        measured = sequence[warmup:]
        totals = {"raw": [0.0, 0.0], "pipeline": [0.0, 0.0]}
        block_ratios = []
        for number, start in enumerate(range(0, len(measured), block)):
            images = measured[start:start + block]
            order = [("raw", raw_block), ("pipeline", pipeline_block)]
            if number % 2:
                order.reverse()
            spent = {}
            for name, body in order:
                wall, cpu = time.perf_counter(), common.cpu_s()
                body(images)
                spent[name] = common.cpu_s() - cpu
                totals[name][0] += spent[name]
                totals[name][1] += time.perf_counter() - wall
            block_ratios.append(spent["pipeline"] / spent["raw"])
    finally:
        cli.source_for, cli.estimator_for = real_source_for, real_estimator_for
        sink.close()
        estimator.close()
        landmarker.close()
        shutil.rmtree(home.root)

    n = len(measured)
    raw_cpu, pipe_cpu = per_frame_ms(totals["raw"][0], n), per_frame_ms(totals["pipeline"][0], n)
    raw_wall, pipe_wall = per_frame_ms(totals["raw"][1], n), per_frame_ms(totals["pipeline"][1], n)
    cpu = common.cpu_s()
    for image in measured:
        np.ascontiguousarray(image[:, :, ::-1])
    bgr_to_rgb_ms = per_frame_ms(common.cpu_s() - cpu, n)
    return {
        "frames_measured": n, "warmup_frames": warmup, "block_frames": block, "photos": len(bgr),
        "frame_size": f"{common.CAMERA_WIDTH}x{common.CAMERA_HEIGHT}", "num_poses": num_poses,
        "import_mediapipe_s": round(imported["wall_s"], 3), "import_mediapipe_cpu_s": round(imported["cpu_s"], 3),
        "model_load_raw_s": round(raw_load["wall_s"], 3), "model_load_adapter_s": round(adapter_load["wall_s"], 3),
        "raw_cpu_ms_per_frame": round(raw_cpu, 2), "pipeline_cpu_ms_per_frame": round(pipe_cpu, 2),
        "ratio_cpu": round(pipe_cpu / raw_cpu, 3),
        "ratio_cpu_median_of_blocks": round(statistics.median(block_ratios), 3),
        "raw_wall_ms_per_frame": round(raw_wall, 2), "pipeline_wall_ms_per_frame": round(pipe_wall, 2),
        "ratio_wall": round(pipe_wall / raw_wall, 3),
        "bgr_to_rgb_copy_cpu_ms": round(bgr_to_rgb_ms, 3),
        "jpeg_decode_cpu_ms_excluded": round(decode_cost_ms(bgr), 2),
        "machine": common.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600, help="measured frames per side (default 600)")
    parser.add_argument("--block", type=int, default=25, help="frames per alternating block (default 25)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured frames per side first (default 30)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.frames < 1 or args.block < 1 or args.warmup < 0:
        parser.error("--frames and --block must be positive and --warmup not negative")
    result = run(args.frames, args.block, args.warmup)
    if args.json:
        common.dump_json(result)
        return 0
    r = result
    common.print_figures(
        f"replay pipeline vs raw PoseLandmarker.detect_for_video ({r['frames_measured']} frames of "
        f"{r['frame_size']} from {r['photos']} photos, blocks of {r['block_frames']}, JPEG decode excluded)", [
            ("import mediapipe", r["import_mediapipe_s"], "s"),
            ("model load, raw PoseLandmarker", r["model_load_raw_s"], "s"),
            ("model load, MediaPipePoseEstimator", r["model_load_adapter_s"], "s"),
            ("raw CPU per frame", r["raw_cpu_ms_per_frame"], "ms"),
            ("pipeline CPU per frame", r["pipeline_cpu_ms_per_frame"], "ms"),
            ("ratio pipeline / raw (CPU)", r["ratio_cpu"], "x (target <= 1.10)"),
            ("  median of per-block ratios", r["ratio_cpu_median_of_blocks"], "x"),
            ("raw wall per frame", r["raw_wall_ms_per_frame"], "ms"),
            ("pipeline wall per frame", r["pipeline_wall_ms_per_frame"], "ms"),
            ("ratio pipeline / raw (wall)", r["ratio_wall"], "x"),
            ("BGR->RGB copy (pipeline only)", r["bgr_to_rgb_copy_cpu_ms"], "ms"),
            ("JPEG decode, excluded from both", r["jpeg_decode_cpu_ms_excluded"], "ms CPU"),
        ])
    print(f"  machine: {r['machine']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
