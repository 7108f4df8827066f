"""Build models/pose_landmarker_full.task reproducibly from the PyPI mediapipe==0.10.14 wheel.

Why: mediapipe >= 0.10.20 (Tasks API only) ships no model files and model hubs are not always
reachable, but fhp-monitor must run offline out of the box. The 0.10.14 wheel (Apache-2.0) contains
the two TFLite graphs a PoseLandmarker needs; the Tasks API only accepts them inside a ``.task``
zip and only once each carries TFLite image-normalisation metadata. mediapipe's own metadata writer
imports a compiled module its wheel lacks, so this script writes the metadata flatbuffer itself with
the generated schema classes that mediapipe does ship (plain ``flatbuffers``).

Usage:
    pip download --no-deps mediapipe==0.10.14 -d /tmp/mp   # any platform's wheel works
    python tools/build_pose_model.py /tmp/mp/mediapipe-0.10.14-*.whl

Writes models/pose_landmarker_full.task and models/pose_landmarker_full.task.sha256. The output is
byte-for-byte reproducible (fixed zip timestamps and order), so the recorded sha256 can be checked.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import flatbuffers
from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "models" / "pose_landmarker_full.task"

# (member in the 0.10.14 wheel, name inside the .task, input mean, input std, description)
GRAPHS = (
    (
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        "pose_detector.tflite",
        127.5,
        127.5,
        "BlazePose person detector (224x224 RGB input scaled to [-1, 1]).",
    ),
    (
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "pose_landmarks_detector.tflite",
        0.0,
        255.0,
        "BlazePose GHUM 3D full landmark model (256x256 RGB input scaled to [0, 1]).",
    ),
)
ZIP_DATE = (2024, 5, 8, 0, 0, 0)  # the 0.10.14 wheel's build date; fixed for reproducibility
METADATA_NAME = "TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"
TFLITE_IDENTIFIER = b"TFL3"


def image_metadata(model: tflite_fb.ModelT, mean: float, std: float, description: str) -> bytes:
    """A ModelMetadata flatbuffer saying: input 0 is an RGB image normalised as (x - mean) / std."""
    graph = model.subgraphs[0]
    norm = meta_fb.NormalizationOptionsT()
    norm.mean, norm.std = [mean], [std]
    unit = meta_fb.ProcessUnitT()
    unit.optionsType = meta_fb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    props = meta_fb.ImagePropertiesT()
    props.colorSpace = meta_fb.ColorSpaceType.RGB
    content = meta_fb.ContentT()
    content.contentPropertiesType = meta_fb.ContentProperties.ImageProperties
    content.contentProperties = props
    stats = meta_fb.StatsT()
    stats.min, stats.max = [(0.0 - mean) / std], [(255.0 - mean) / std]
    image = meta_fb.TensorMetadataT()
    image.name = "image"
    image.content, image.processUnits, image.stats = content, [unit], stats

    outputs = []
    for index in graph.outputs:
        tensor = meta_fb.TensorMetadataT()
        tensor.name = graph.tensors[index].name.decode()
        outputs.append(tensor)

    subgraph = meta_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = outputs
    root = meta_fb.ModelMetadataT()
    root.name = "fhp-monitor bundled pose model"
    root.description = description
    root.author = "Google LLC (model); metadata added by fhp-monitor tools/build_pose_model.py"
    root.license = "Apache License, Version 2.0"
    root.minParserVersion = "1.0.0"
    root.subgraphMetadata = [subgraph]
    builder = flatbuffers.Builder(0)
    builder.Finish(root.Pack(builder), METADATA_IDENTIFIER)
    return bytes(builder.Output())


def with_metadata(tflite: bytes, mean: float, std: float, description: str) -> bytes:
    """Return the TFLite flatbuffer with a TFLITE_METADATA buffer added (replacing an existing one)."""
    if tflite[4:8] != TFLITE_IDENTIFIER:
        raise ValueError("not a TFLite flatbuffer (missing TFL3 identifier)")
    model = tflite_fb.ModelT.InitFromObj(tflite_fb.Model.GetRootAsModel(tflite, 0))
    buffer = tflite_fb.BufferT()
    buffer.data = list(image_metadata(model, mean, std, description))
    model.metadata = [m for m in (model.metadata or []) if m.name.decode() != METADATA_NAME]
    model.buffers.append(buffer)
    entry = tflite_fb.MetadataT()
    entry.name = METADATA_NAME
    entry.buffer = len(model.buffers) - 1
    model.metadata.append(entry)
    builder = flatbuffers.Builder(len(tflite) + 4096)
    builder.Finish(model.Pack(builder), TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def build(wheel: Path, out: Path = OUT) -> str:
    """Build the .task bundle from ``wheel``; return its sha256."""
    members = io.BytesIO()
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(members, "w", zipfile.ZIP_STORED) as task:
        for member, name, mean, std, description in GRAPHS:
            data = with_metadata(source.read(member), mean, std, description)
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            task.writestr(info, data)
    payload = members.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n")
    return digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to a mediapipe-0.10.14 wheel (pip download --no-deps)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    digest = build(args.wheel, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
