"""Window and type sizes that fit the screen: a 1024 x 768 laptop and a 4K monitor alike.

Every window is designed at one size for a 96-dpi, 1920 x 1080 screen (e.g. the calibration
window at 1240 x 700 with 21-point body text). :func:`ui_scale` says how much larger things must be
on this screen (Tk's own scaling, i.e. the dpi the X server reports, or the screen's size, which
catches 4K screens that report 96 dpi), and :func:`fit_scale` shrinks that so the whole window
fits on the screen with room for a panel and a title bar. :class:`Scale` turns design pixels and
points into real pixels and font points, so the text and the layout grow and shrink together.

Pure arithmetic, no tkinter import: :func:`screen_scale` only calls methods of the window it gets.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

#: Every window's type: Windows' own (Vista and later), and the one nearly every Linux desktop has.
FONT_FAMILY = "Segoe UI" if sys.platform == "win32" else "DejaVu Sans"
#: Pixels per point at the 96 dpi the designs assume.
DESIGN_PX_PER_PT = 96 / 72
DESIGN_SCREEN = (1920, 1080)
#: Room left for a desktop panel, a title bar and a margin when a window is fitted to the screen.
SCREEN_MARGIN = (40, 80)
#: Never smaller than this share of the design, however small the screen (text stays readable).
MIN_FIT = 0.6
#: Settings → Text size (display.text_size): how much larger the text (and the layout around it) is.
TEXT_SIZES = {"normal": 1.0, "large": 1.25, "extra_large": 1.6}


def ui_scale(screen_w: int, screen_h: int, tk_px_per_pt: float) -> float:
    """How much larger than the design this screen needs things: at least 1."""
    by_dpi = tk_px_per_pt / DESIGN_PX_PER_PT
    by_size = min(screen_w / DESIGN_SCREEN[0], screen_h / DESIGN_SCREEN[1])
    return max(1.0, by_dpi, by_size)


def fit_scale(design: tuple[int, int], screen_w: int, screen_h: int, scale: float) -> float:
    """``scale``, reduced as needed so a ``design``-sized window fits on the screen (not below MIN_FIT)."""
    room_w, room_h = screen_w - SCREEN_MARGIN[0], screen_h - SCREEN_MARGIN[1]
    fits = min(1.0, room_w / (design[0] * scale), room_h / (design[1] * scale))
    return max(MIN_FIT, scale * fits)


@dataclass(frozen=True)
class Scale:
    """Design pixels and points to real pixels at ``factor`` (1.0 = the design); ``px_per_pt`` is
    Tk's own scaling on this screen, which Tk applies to every font size given in points. ``text`` is
    the user's text size (:data:`TEXT_SIZES`): the text and the layout around it grow together, and
    a window that then does not fit the screen is made to fit (:func:`fit_to_screen`) and scrolls."""

    factor: float = 1.0
    px_per_pt: float = DESIGN_PX_PER_PT
    text: float = 1.0

    def px(self, design_px: float) -> int:
        return max(1, round(design_px * self.factor * self.text))

    def font(self, points: float, *styles: str) -> tuple:
        """A Tk font tuple whose text is ``factor`` x ``text`` times the design's pixel size (in whole
        points, the unit Tk scales itself; so the text and the layout grow and shrink together)."""
        size = points * DESIGN_PX_PER_PT * self.factor * self.text / self.px_per_pt
        return (FONT_FAMILY, max(1, round(size)), *styles)

    def size(self, design: tuple[int, int]) -> tuple[int, int]:
        return self.px(design[0]), self.px(design[1])


def screen_scale(window, design: tuple[int, int], text_size: str = "normal") -> Scale:
    """The :class:`Scale` for a ``design``-sized window on ``window``'s screen (a Tk or Toplevel), with
    the user's ``text_size`` (a key of :data:`TEXT_SIZES`; an unknown one is normal)."""
    screen_w, screen_h = window.winfo_screenwidth(), window.winfo_screenheight()
    px_per_pt = float(window.tk.call("tk", "scaling"))
    return Scale(fit_scale(design, screen_w, screen_h, ui_scale(screen_w, screen_h, px_per_pt)), px_per_pt,
                 TEXT_SIZES.get(text_size, 1.0))


def fit_to_screen(window, size: tuple[int, int]) -> tuple[int, int]:
    """``size`` made no larger than the screen leaves room for (a panel, a title bar and a margin)."""
    room_w = window.winfo_screenwidth() - SCREEN_MARGIN[0]
    room_h = window.winfo_screenheight() - SCREEN_MARGIN[1]
    return min(size[0], room_w), min(size[1], room_h)


def place_window(window, size: tuple[int, int], min_size: tuple[int, int]) -> None:
    """Give ``window`` its size, centred (a little above the middle), resizable down to ``min_size``."""
    width, height = size
    left = max(0, (window.winfo_screenwidth() - width) // 2)
    top = max(0, (window.winfo_screenheight() - height) // 3)
    window.geometry(f"{width}x{height}+{left}+{top}")
    window.minsize(*min_size)
    window.resizable(True, True)
