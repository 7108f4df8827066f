"""The calibration window's live picture: frames pulled from a source on the Tk thread
(:class:`LiveFeed`) and drawn mirrored with the ears and shoulders marked (:func:`render_preview`),
all in memory (PIL); nothing is ever written to disk."""

from __future__ import annotations

import dataclasses
import logging
import time
import tkinter as tk
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from fhp_monitor.core.calibration_capture import DarkWatch, SourceTimeline
from fhp_monitor.core.framing import mean_luma
from fhp_monitor.core.geometry import LEFT_EAR, LEFT_SHOULDER, RIGHT_EAR, RIGHT_SHOULDER
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import Frame, FrameSource, PoseLandmarks, SourceUnavailable

log = logging.getLogger(__name__)

#: Colour of the ears/shoulders overlay on the preview: bright amber, easy to see on skin and clothes.
OVERLAY_RGB = (255, 190, 0)
OVERLAY_OUTLINE_RGB = (20, 20, 20)
PREVIEW_BOX = (576, 432)  # design sizes (see sizing.py)


def preview_size(width: int, height: int, box: tuple[int, int] = PREVIEW_BOX) -> tuple[int, int]:
    """Size of a ``width`` x ``height`` frame scaled to fit ``box`` with its shape kept."""
    if width <= 0 or height <= 0:
        raise ValueError(f"a frame must have a size, got {width} x {height}")
    scale = min(box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def render_preview(image_bgr: np.ndarray, pose: PoseLandmarks | None, min_visibility: float,
                   box: tuple[int, int] = PREVIEW_BOX) -> Image.Image:
    """The frame mirrored (like a mirror, so moving left moves left) with ears and shoulders drawn.

    Circles mark the ears and shoulders the model is sure of; a line joins the shoulders and
    another joins the middle of the ears to the middle of the shoulders (the line the angle is
    measured on).
    """
    height, width = image_bgr.shape[:2]
    picture = Image.fromarray(np.ascontiguousarray(image_bgr[:, ::-1, ::-1]))  # mirror, BGR -> RGB
    size = preview_size(width, height, box)
    picture = picture.resize(size, Image.BILINEAR)
    if pose is None:
        return picture
    draw = ImageDraw.Draw(picture)
    w, h = size

    def point(index: int) -> tuple[float, float]:
        return (1.0 - float(pose.image[index, 0])) * w, float(pose.image[index, 1]) * h

    def seen(index: int) -> bool:
        return bool(pose.visibility[index] >= min_visibility)

    line_width = max(5, w // 90)
    radius = max(8, w // 45)

    def line(a: tuple[float, float], b: tuple[float, float]) -> None:
        draw.line([a, b], fill=OVERLAY_OUTLINE_RGB, width=line_width + 4)
        draw.line([a, b], fill=OVERLAY_RGB, width=line_width)

    if seen(LEFT_SHOULDER) and seen(RIGHT_SHOULDER):
        line(point(LEFT_SHOULDER), point(RIGHT_SHOULDER))
        if seen(LEFT_EAR) or seen(RIGHT_EAR):
            ears = [point(i) for i in (LEFT_EAR, RIGHT_EAR) if seen(i)]
            ear_mid = (sum(p[0] for p in ears) / len(ears), sum(p[1] for p in ears) / len(ears))
            (lx, ly), (rx, ry) = point(LEFT_SHOULDER), point(RIGHT_SHOULDER)
            line(ear_mid, ((lx + rx) / 2, (ly + ry) / 2))
    for index in (LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER):
        if seen(index):
            x, y = point(index)
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=OVERLAY_RGB,
                         outline=OVERLAY_OUTLINE_RGB, width=3)
    return picture


class LiveFeed:
    """Pulls frames from one source on the Tk thread and hands each to ``on_frame(frame, luma)``.

    About 14 frames a second from a camera; back to back from a file, which loops to its start.
    Frame times are placed on one increasing timeline (:class:`SourceTimeline`, shared across
    re-opened feeds). A source that fails, or a camera that shows only black for
    ``BLACK_FOR_S``, stops the feed and calls ``on_problem(error)`` with a plain message.
    """

    CAMERA_TICK_MS = 70
    FILE_TICK_MS = 5  # leaves Tk room for keys and drawing between frames
    BLACK_LUMA = 5.0
    BLACK_FOR_S = 2.0

    def __init__(self, window: tk.Misc, source: FrameSource, timeline: SourceTimeline,
                 on_frame: Callable[[Frame, float], None], on_problem: Callable[[SourceUnavailable], None]) -> None:
        self.window, self.source, self.timeline = window, source, timeline
        self.on_frame, self.on_problem = on_frame, on_problem
        self.dark = DarkWatch(self.BLACK_LUMA, self.BLACK_FOR_S)
        self._after_id: str | None = None
        self.running = False

    def start(self) -> None:
        """Open the source (raises SourceUnavailable) and start pulling frames."""
        self.source.open()
        self.running = True
        self._after_id = self.window.after(0, self._tick)

    def stop(self) -> None:
        """Stop pulling and give the source back; safe to call twice."""
        self.running = False
        if self._after_id is not None:
            self.window.after_cancel(self._after_id)
            self._after_id = None
        self.source.release()

    def _read(self) -> Frame:
        frame = self.source.read()
        if frame is None:
            if self.source.live:
                raise SourceUnavailable(_("The camera stopped sending pictures."))
            self.source.release()
            self.source.open()
            frame = self.source.read()
            if frame is None:
                raise SourceUnavailable(_("There are no pictures in this file or folder."))
        return dataclasses.replace(frame, t=self.timeline.place(frame.t))

    def _tick(self) -> None:
        self._after_id = None
        started = time.monotonic()
        try:
            frame = self._read()
            luma = mean_luma(frame.image)
            if self.dark.update(frame.t, luma):
                raise SourceUnavailable(_("The camera shows only black. If it has a cover or a privacy switch, "
                                        "open it. Check that the room light is on."))
        except SourceUnavailable as error:
            self.stop()
            self.on_problem(error)
            return
        self.on_frame(frame, luma)
        if self.running and self._after_id is None:
            spent_ms = int((time.monotonic() - started) * 1000)
            delay_ms = max(1, self.CAMERA_TICK_MS - spent_ms) if self.source.live else self.FILE_TICK_MS
            self._after_id = self.window.after(delay_ms, self._tick)
