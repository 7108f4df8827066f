"""The app's icon as files: PNG at any size, a scalable SVG and a Windows .ico, all from the one
drawing of the tray's "upright" icon (desktop/tray: ``icon_image`` and its shape table), written with
the standard library only (zlib, struct) so the menu entry, the Windows build and the tray agree.

Pure functions returning bytes or text; no thread contract beyond that.
"""

from __future__ import annotations

import struct
import zlib

from fhp_monitor.core.ports import PostureState
from fhp_monitor.desktop.tray import _ICONS, ICON_SIZE, icon_image

#: The app's own icon is the tray's "upright" state: teal disc, upright figure.
APP_STATE = PostureState.UPRIGHT
#: hicolor sizes a menu looks for (16 px in lists ... 256 px in large icon views).
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
#: Sizes packed into the Windows .ico (Explorer, the taskbar, Start and Settings → Apps).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_bytes(size: int, state: PostureState = APP_STATE) -> bytes:
    """The icon drawn at ``size`` px as an RGBA PNG file."""
    pixels = icon_image(state, size, outlined=False)  # the menu's own icon: the plain one, always
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(size))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _svg_shape(shape: tuple, fill: str) -> str:
    kind = shape[0]
    if kind == "circle":
        _kind, cx, cy, r = shape
        return f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{fill}"/>'  # not translated: SVG
    if kind == "ring":
        _kind, cx, cy, r, width = shape
        return (f'<circle cx="{cx:g}" cy="{cy:g}" r="{r - width / 2:g}" '  # not translated: SVG
                f'fill="none" stroke="{fill}" '
                f'stroke-width="{width:g}"/>')
    _kind, x0, y0, x1, y1, half_width, extension = shape
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    a = (x0 - ux * extension, y0 - uy * extension)
    b = (x1 + ux * extension, y1 + uy * extension)
    return (f'<line x1="{a[0]:.3f}" y1="{a[1]:.3f}" x2="{b[0]:.3f}" y2="{b[1]:.3f}" stroke="{fill}" '
            f'stroke-width="{2 * half_width:g}" stroke-linecap="butt"/>')


def svg_text(state: PostureState = APP_STATE) -> str:
    """The same shapes as :func:`icon_image` in a 64-unit SVG square (scalable/apps in hicolor)."""
    colour, base, marks = _ICONS[PostureState(state)]
    fill = "#{:02x}{:02x}{:02x}".format(*colour)
    body = [_svg_shape(base, fill), *(_svg_shape(mark, "#ffffff") for mark in marks)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{ICON_SIZE}" height="{ICON_SIZE}" '  # not translated: SVG
            f'viewBox="0 0 {ICON_SIZE} {ICON_SIZE}">\n<title>fhp-monitor</title>\n'
            + "\n".join(body) + "\n</svg>\n")


def ico_bytes(sizes: tuple[int, ...] = ICO_SIZES, state: PostureState = APP_STATE) -> bytes:
    """A Windows .ico holding the icon at ``sizes`` (PNG-compressed entries, Windows Vista and later)."""
    images = [png_bytes(size, state) for size in sizes]
    offset = 6 + 16 * len(images)
    directory = b""
    for size, data in zip(sizes, images):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return struct.pack("<HHH", 0, 1, len(images)) + directory + b"".join(images)
