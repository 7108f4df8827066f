"""What the detector's child process costs: the transfer per look, and a start (issue 25).

    python bench/bench_detector_process.py [--looks 60] [--json]

The same 640 x 360 frames (the first session's photos, padded as a camera frame: common.py) are
estimated three ways, alternating, after one untimed warm-up each:

* **in-process**: ``MediaPipePoseEstimator.estimate`` (what the app did before);
* **child, picture sent**: ``ProcessPoseEstimator.estimate`` (header + 691,200 bytes through the
  pipe, the landmarks pickled back), as for a video file read in the app's process;
* **child, camera in the child**: ``ChildCamera.read`` brings the picture to the app's process (the
  worker checks its brightness) and ``estimate`` then sends only a header (the child still holds
  the picture), as the app does with a camera. The camera is a video file through CameraSource.

Wall time per look (median), because the child's work does not show in this process's CPU time;
the difference between the first two is the transfer. Also: a pipe round trip of the picture
alone, and the time to start a child (spawn, imports, model load) and to end it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import cv2  # noqa: E402

from fhp_monitor.core.ports import Frame  # noqa: E402
from fhp_monitor.sensing.detector_process import ChildCamera, ProcessPoseEstimator  # noqa: E402
from fhp_monitor.sensing.pose import MediaPipePoseEstimator  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--looks", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from tests.support.real_photos import SESSIONS, UPRIGHT

    work = Path(tempfile.mkdtemp(prefix="fhp-bench-child-"))
    session = common.write_camera_sized_session(SESSIONS[0], work / "session")
    images = [cv2.imread(str(p)) for p in sorted((session / UPRIGHT).glob("*"))]
    video = work / "steady.avi"
    size = (images[0].shape[1], images[0].shape[0])
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, size)
    for image in images * 3:
        writer.write(image)
    writer.release()

    starts, ends = [], []
    for _ in range(3):
        began = time.monotonic()
        child = ProcessPoseEstimator()
        starts.append(time.monotonic() - began)
        began = time.monotonic()
        child.close()
        ends.append(time.monotonic() - began)

    here = MediaPipePoseEstimator()
    there = ProcessPoseEstimator()
    camera_child = ProcessPoseEstimator(camera=("fhp_monitor.sensing.sources:CameraSource", (str(video), 640, 360)))
    camera = ChildCamera(camera_child)
    times: dict[str, list[float]] = {"in_process": [], "child_picture_sent": [], "child_camera_read": [],
                                     "child_camera_estimate": []}
    try:
        for i in range(args.looks + 1):
            frame = Frame(image=images[i % len(images)], t=20.0 * i, index=i)  # looks 20 s apart: fresh detections
            began = time.monotonic()
            here.estimate(frame)
            a = time.monotonic()
            there.estimate(frame)
            b = time.monotonic()
            from_camera = camera.read()
            c = time.monotonic()
            camera_child.estimate(from_camera)
            d = time.monotonic()
            camera.release()
            if i:  # the first is a warm-up
                times["in_process"].append(a - began)
                times["child_picture_sent"].append(b - a)
                times["child_camera_read"].append(c - b)
                times["child_camera_estimate"].append(d - c)
    finally:
        here.close()
        there.close()
        camera_child.close()
        shutil.rmtree(work, ignore_errors=True)
    ms = {k: round(1000 * statistics.median(v), 2) for k, v in times.items()}
    result = {
        "looks": args.looks,
        "median_ms_per_look": ms,
        "transfer_ms_per_look": round(ms["child_picture_sent"] - ms["in_process"], 2),  # child, picture sent - here
        "picture_bytes": int(images[0].nbytes),
        "child_start_s": [round(s, 2) for s in starts],
        "child_end_s": [round(s, 3) for s in ends],
        "machine": common.machine(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
