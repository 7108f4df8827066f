"""CPU per look of the app's pose estimator, the same script on Linux and in the Windows Python under
Wine (bench/bench_pipeline.py needs POSIX ``resource``): every labelled photo in tests/data at the
camera's 640 x 360, one look each, 10 s apart (so each is a fresh detection, as the monitor's looks
are), the model loaded before the clock starts. Process CPU time per ``estimate``, median of 3 passes.

    python .ci/win_per_look.py                    # Linux, from the checkout
    wine python.exe Z:\\...\\.ci\\win_per_look.py  # the Windows Python under Wine (README's figure)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout: fhp_monitor and tests.support

import cv2  # noqa: E402

from fhp_monitor.core.ports import Frame  # noqa: E402
from fhp_monitor.sensing.pose import MediaPipePoseEstimator  # noqa: E402
from tests.support.real_photos import FORWARD, SESSIONS, UPRIGHT  # noqa: E402

WIDTH, HEIGHT, PASSES = 640, 360, 3


def camera_sized(image):
    """Scaled to 360 rows, padded (black) or cropped to 640 columns, like bench/common.py."""
    rows, cols = image.shape[:2]
    scaled_cols = max(1, int(round(cols * HEIGHT / rows)))
    scaled = cv2.resize(image, (scaled_cols, HEIGHT), interpolation=cv2.INTER_LINEAR)
    left = abs(scaled_cols - WIDTH) // 2
    if scaled_cols >= WIDTH:
        return scaled[:, left:left + WIDTH].copy()
    return cv2.copyMakeBorder(scaled, 0, 0, left, WIDTH - scaled_cols - left, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def main() -> int:
    images = [camera_sized(cv2.imread(str(path))) for session in SESSIONS for label in (UPRIGHT, FORWARD)
              for path in sorted((session / label).glob("*.jpg"))]
    per_look = []
    for _ in range(PASSES):
        estimator = MediaPipePoseEstimator()
        began = time.process_time()
        for i, image in enumerate(images):
            estimator.estimate(Frame(image, t=i * 10.0, index=i, source=f"photo-{i}"))
        per_look.append((time.process_time() - began) / len(images) * 1000)
        estimator.close()
    print(f"{sys.platform}: {len(images)} looks, CPU ms per look {[round(ms, 1) for ms in per_look]}, "
          f"median {statistics.median(per_look):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
