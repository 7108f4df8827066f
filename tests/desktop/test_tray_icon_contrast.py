"""The outlined tray icons (High contrast, or a dark panel) stand out from light and dark panels alike.

Measured, not assumed: each icon is laid over a panel colour as the panel would show it, and along 72
rays from its centre the strongest contrast (WCAG 2 ratio of relative luminances) within the
outline's width inside the icon's edge is taken; the weakest ray must reach 3:1, WCAG's limit for
graphics that carry meaning (1.4.11). The plain icons do not manage this on every panel (the amber
"forward" disc on a light panel), which is what the outline is for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fhp_monitor.core.ports import PostureState
from fhp_monitor.desktop.tray import ICON_SIZE, icon_image, outline_widths, panel_is_dark

#: Panels as they come: white and light grey (Windows light taskbar, GNOME light), dark grey and black
#: (Windows 11 dark taskbar, Xfce, KDE Breeze dark), and a middle grey.
LIGHT_PANELS = ("#ffffff", "#f0f0f0", "#dadada")
DARK_PANELS = ("#000000", "#202020", "#31363b")
MIDDLE_PANEL = "#808080"


def luminance(rgb) -> float:
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def on_panel(icon: np.ndarray, panel: str) -> np.ndarray:
    alpha = icon[..., 3:4] / 255.0
    return icon[..., :3] * alpha + np.asarray(hex_rgb(panel), dtype=float) * (1 - alpha)


def weakest_edge(state: PostureState, panel: str, outlined: bool, size: int = ICON_SIZE) -> float:
    """The lowest, over 72 rays, of the strongest contrast with the panel within the outline's width
    inside the icon's outer edge."""
    icon = icon_image(state, size, outlined=outlined)
    shown = on_panel(icon, panel)
    panel_rgb = hex_rgb(panel)
    band = sum(outline_widths(size)) + 1
    centre = size / 2
    weakest = math.inf
    for ray in range(72):
        angle = math.radians(ray * 5)
        best, edge = 0.0, None
        for step in range(int(centre * 4), -1, -1):  # from outside in, a quarter pixel at a time
            radius = step / 4
            x = min(size - 1, int(centre + radius * math.cos(angle)))
            y = min(size - 1, int(centre + radius * math.sin(angle)))
            if edge is None and icon[y, x, 3] >= 128:
                edge = radius
            if edge is not None:
                if edge - radius > band:
                    break
                best = max(best, contrast(shown[y, x], panel_rgb))
        weakest = min(weakest, best)
    return weakest


@pytest.mark.parametrize("state", list(PostureState))
@pytest.mark.parametrize("panel", [*LIGHT_PANELS, *DARK_PANELS, MIDDLE_PANEL])
def test_an_outlined_icon_stands_out_3_to_1_on_light_and_dark_panels(state: PostureState, panel: str) -> None:
    for size in (22, 32, 64):  # the sizes panels ask for
        assert weakest_edge(state, panel, outlined=True, size=size) >= 3.0, (state, panel, size)


def test_the_plain_icons_need_the_outline_somewhere() -> None:
    """The measure can fail: the plain amber disc on a light panel is below 3:1."""
    assert weakest_edge(PostureState.FORWARD, "#ffffff", outlined=False) < 3.0
    assert weakest_edge(PostureState.AWAY, "#f0f0f0", outlined=False) < 3.0


@pytest.mark.parametrize("size", [16, 22, 32, 64])
def test_the_outline_fits_the_square_and_the_icon_keeps_its_colour(size: int) -> None:
    for state in PostureState:
        plain, outlined = icon_image(state, size, outlined=False), icon_image(state, size, outlined=True)
        border = np.concatenate([outlined[0], outlined[-1], outlined[:, 0], outlined[:, -1]])
        assert border[:, 3].max() < 255  # the outline's outer edge is inside the square, not cut by it

        def commonest(icon: np.ndarray) -> tuple:
            solid = icon[icon[..., 3] == 255][:, :3]
            colours, counts = np.unique(solid, axis=0, return_counts=True)
            return tuple(colours[counts.argmax()])

        if state != PostureState.AWAY and size >= 22:  # a disc: its colour is still what most of it shows
            assert commonest(outlined) == commonest(plain), (state, size)


def test_a_dark_panel_is_recognised_from_what_the_desktop_says() -> None:
    assert panel_is_dark("linux", {"GTK_THEME": "Adwaita:dark"})
    assert not panel_is_dark("linux", {"GTK_THEME": "Adwaita", "PATH": ""})  # no gsettings to ask: cannot tell
    if not hasattr(__import__("sys"), "getwindowsversion"):
        assert panel_is_dark("win32")  # no registry to read: Windows' own default, a dark taskbar


def test_high_contrast_outlines_the_tray_icons_and_otherwise_the_panel_decides(monkeypatch) -> None:
    import fhp_monitor.desktop.tray as tray

    def drawn_as(outlined: bool) -> bool:  # the icon the tray draws (no style named) is this one
        forward = PostureState.FORWARD
        return np.array_equal(icon_image(forward, 32), icon_image(forward, 32, outlined=outlined))

    try:
        tray.use_outlined_icons(high_contrast=True)
        assert drawn_as(True)
        monkeypatch.setattr(tray, "panel_is_dark", lambda: True)
        tray.use_outlined_icons(high_contrast=False)
        assert drawn_as(True)
        monkeypatch.setattr(tray, "panel_is_dark", lambda: False)
        tray.use_outlined_icons(high_contrast=False)
        assert drawn_as(False)
    finally:
        tray.use_outlined_icons(high_contrast=False)
