"""The tray icons are drawn with numpy alone (no Pillow on the SNI path) and look as they did.

The reference below is the Pillow code that drew the icons before (issue #14), kept here only to
prove the look unchanged: Pillow drew a 64 px image without anti-aliasing and scaled it down with
LANCZOS. The numpy icons are anti-aliased at every size, so edge pixels differ a little (the 64 px
reference has jagged edges, the smaller ones LANCZOS ringing); colours, shapes and positions do not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from fhp_monitor.core.ports import PostureState
from fhp_monitor.desktop.tray import ICON_SIZE, icon_image
from fhp_monitor.desktop.tray.sni_item import ICON_SIZES, argb32

REPO = Path(__file__).resolve().parents[2]

#: What each state's disc (or ring) is filled with.
COLOURS = {
    PostureState.UPRIGHT: (0, 150, 136),
    PostureState.FORWARD: (245, 166, 35),
    PostureState.AWAY: (158, 158, 158),
    PostureState.PAUSED: (30, 110, 220),
    PostureState.CAMERA_UNAVAILABLE: (211, 47, 47),
    PostureState.UNCERTAIN: (120, 120, 120),
}


def pillow_icon(state: PostureState, size: int) -> np.ndarray:
    """The icon exactly as fhp_monitor drew it with Pillow before issue #14."""
    image = Image.new("RGBA", (ICON_SIZE, ICON_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    disc = (4, 4, ICON_SIZE - 5, ICON_SIZE - 5)
    white = (255, 255, 255, 255)
    if state == PostureState.UPRIGHT:
        draw.ellipse(disc, fill=(0, 150, 136, 255))
        draw.line((32, 16, 32, 48), fill=white, width=8)
        draw.ellipse((26, 10, 38, 22), fill=white)
    elif state == PostureState.FORWARD:
        draw.ellipse(disc, fill=(245, 166, 35, 255))
        draw.line((24, 48, 38, 22), fill=white, width=8)
        draw.ellipse((36, 12, 48, 24), fill=white)
    elif state == PostureState.AWAY:
        draw.ellipse(disc, outline=(158, 158, 158, 255), width=8)
    elif state == PostureState.PAUSED:
        draw.ellipse(disc, fill=(30, 110, 220, 255))
        draw.rectangle((21, 18, 28, 46), fill=white)
        draw.rectangle((36, 18, 43, 46), fill=white)
    elif state == PostureState.CAMERA_UNAVAILABLE:
        draw.ellipse(disc, fill=(211, 47, 47, 255))
        draw.line((18, 18, 46, 46), fill=white, width=8)
    else:  # UNCERTAIN
        draw.ellipse(disc, fill=(120, 120, 120, 255))
        for x in (20, 32, 44):
            draw.ellipse((x - 4, 28, x + 4, 36), fill=white)
    if size != ICON_SIZE:
        image = image.resize((size, size), Image.LANCZOS)
    return np.asarray(image)


def premultiplied(rgba: np.ndarray) -> np.ndarray:
    """What a host sees after compositing: colour times alpha, and alpha (0..255 floats).
    The colour of a (nearly) transparent pixel is invisible, so it is not compared."""
    rgba = rgba.astype(float)
    return np.dstack([rgba[..., :3] * rgba[..., 3:] / 255.0, rgba[..., 3]])


@pytest.mark.parametrize("size", ICON_SIZES)
@pytest.mark.parametrize("state", list(PostureState))
def test_icons_look_as_the_pillow_ones_did(state: PostureState, size: int) -> None:
    new, old = icon_image(state, size, outlined=False), pillow_icon(state, size)
    assert new.shape == old.shape == (size, size, 4) and new.dtype == np.uint8
    difference = np.abs(premultiplied(new) - premultiplied(old))
    # Mean per channel (R, G, B, A): measured worst 4.7/255 (paused, 16 px: box-filtered edges
    # against LANCZOS ones), 4.4/255 for the ring at 64 px (anti-aliased against jagged edges).
    assert difference.mean(axis=(0, 1)).max() < 5.0, difference.mean(axis=(0, 1))
    # Only soft edge pixels differ: a mark moved by one pixel at 64 px would change ~1.6 % of the
    # pixels by more than half; today at most 0.8 % do (Pillow's ellipses are a little smaller).
    assert (difference.max(axis=2) > 128).mean() < 0.01


@pytest.mark.parametrize("size", ICON_SIZES)
@pytest.mark.parametrize("state", list(PostureState))
def test_each_icon_is_its_colour_inside_and_clear_outside(state: PostureState, size: int) -> None:
    icon = icon_image(state, size, outlined=False)
    corners = icon[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners[:, 3] == 0).all()
    # a point on the disc (or ring) left of centre, clear of every white mark, has the exact colour
    inside = icon[size // 2, round(size * 7 / 64)]
    assert tuple(inside) == (*COLOURS[state], 255)
    centre = icon[size // 2, size // 2]
    if state == PostureState.AWAY:
        assert centre[3] == 0, "the 'away' icon is a hollow ring"
    else:
        assert centre[3] == 255


def test_argb32_is_network_order_argb_and_refuses_other_shapes() -> None:
    icon = icon_image(PostureState.UPRIGHT, 16)
    data = argb32(icon)
    assert len(data) == 16 * 16 * 4
    pixels = np.frombuffer(data, dtype=np.uint8).reshape(16, 16, 4)
    assert (pixels[..., 0] == icon[..., 3]).all() and (pixels[..., 1:] == icon[..., :3]).all()
    assert tuple(pixels[8, 2]) == (255, 0, 150, 136)
    with pytest.raises(ValueError):
        argb32(np.zeros((16, 16, 3), dtype=np.uint8))


def _pil_modules_after(imports: str) -> list[str]:
    """Import ``imports`` in a fresh interpreter, draw every SNI pixmap, and list the PIL modules loaded."""
    code = (f"import sys\n{imports}\n"
            "from fhp_monitor.core.ports import PostureState\n"
            "from fhp_monitor.desktop.tray import icon_image\n"
            "from fhp_monitor.desktop.tray.sni_item import ICON_SIZES, argb32\n"
            "drawn = [argb32(icon_image(s, n)) for s in PostureState for n in ICON_SIZES]\n"
            "assert len(drawn) == len(PostureState) * len(ICON_SIZES)\n"
            "print(' '.join(sorted(m for m in sys.modules if m == 'PIL' or m.startswith('PIL.'))))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_tray_and_its_sni_backend_never_import_pillow() -> None:
    assert _pil_modules_after("import fhp_monitor.desktop.tray, fhp_monitor.desktop.tray.sni") == []
    # the check can fail: the xembed backend (pystray wants PIL images) does load Pillow
    assert "PIL.Image" in _pil_modules_after("import fhp_monitor.desktop.tray.xembed")
