"""The pose adapter imports only MediaPipe's pose landmarker, not the whole package (sensing/pose.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys, glob
import cv2
if sys.argv[2] == "whole-first":
    import mediapipe  # someone imported the whole package before the adapter
from fhp_monitor.core.ports import Frame
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
photo = sorted(glob.glob(sys.argv[1] + "/**/*.jpg", recursive=True))[0]
with MediaPipePoseEstimator() as estimator:
    landmarks = estimator.estimate(Frame(image=cv2.imread(photo), t=0.0, index=0, source=photo)).poses[0].image.tolist()
    loaded = sorted({m.split(".")[0] for m in sys.modules} & {"matplotlib", "sounddevice", "PIL"})
    other_tasks = ("mediapipe.tasks.python.audio", "mediapipe.tasks.python.text")
    tasks = sorted(m for m in sys.modules if m.startswith(other_tasks))
    import mediapipe as mp  # the whole package still works afterwards, for anyone who asks for it
    from mediapipe.tasks.python import vision
    whole = [mp.Image.__name__, mp.tasks.vision.PoseLandmarker.__name__, vision.RunningMode.VIDEO.name,
             hasattr(mp.tasks, "audio"), type(estimator._photo_landmarker) is vision.PoseLandmarker]
print(json.dumps({"landmarks": landmarks, "loaded": loaded, "tasks": tasks, "whole": whole}))
"""


def run_child(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(REPO / "tests" / "data"), mode], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_adapter_imports_no_other_task_and_the_whole_package_still_works():
    lean = run_child("lean")
    assert lean["loaded"] == [], "matplotlib, sounddevice or PIL came in with the pose landmarker"
    assert lean["tasks"] == []
    assert lean["whole"] == ["Image", "PoseLandmarker", "VIDEO", True, True]


def test_after_a_whole_import_the_adapter_reads_the_same_landmarks():
    lean, whole = run_child("lean"), run_child("whole-first")
    assert "matplotlib" in whole["loaded"]  # the plain import does bring it: what the lean path avoids
    assert lean["landmarks"] == whole["landmarks"]
