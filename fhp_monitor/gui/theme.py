"""The windows' colours, by role, in two themes: Settings → Colours "Standard" (dark text on white) and
"High contrast" (white and yellow on black, like the high-contrast modes of Windows and GNOME).

Every window names its colours by role (:data:`TEXT`, :data:`BACKGROUND`, ...; gui/style.py
re-exports them). A role is a :class:`Colour` whose ``str()`` is its value in the theme in use, and
Tk turns every option value it is given into text with ``str()``; so a window built or changed after
:func:`use_theme` has that theme's colours without knowing which theme it is. The theme comes from
the setting ``display.theme`` (cli/dispatch.py when a command starts, gui/host.py's ``use_display``
when the running app's settings change, gui/settings.py from the settings it reads); windows opened
from then on use it, and the host builds an open control panel again in it. (The tray's outlined icons
follow it too: desktop/tray ``use_outlined_icons`` and ``redraw_tray``, from app.py.)

Every text colour on its background has a contrast of at least 7:1 (WCAG AAA) in both themes:
:data:`TEXT_PAIRS` lists the pairs, and tests/gui/test_theme.py measures them from these values.

No tkinter here (the app sets the theme without Tk). Thread contract: :func:`use_theme` is called
on the thread that builds windows (the Tk thread) or before any window exists.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

STANDARD, HIGH_CONTRAST = "standard", "high_contrast"
#: The values of the setting ``display.theme`` (settings/schema.py THEME_CHOICES; a test keeps them equal).
THEMES = (STANDARD, HIGH_CONTRAST)

#: role -> (standard, high contrast)
PALETTE: dict[str, tuple[str, str]] = {
    "background": ("#ffffff", "#000000"),
    "text": ("#111111", "#ffffff"),
    "hint": ("#444444", "#e6e6e6"),  # a field's hint under it
    "accent": ("#1e40af", "#ffff00"),  # the main button and the progress bar; never in the preview overlay
    "accent_pressed": ("#1e3a8a", "#ffd700"),
    "on_accent": ("#ffffff", "#000000"),  # text on the main button
    "good": ("#0a5c1a", "#7cff7c"),
    "bad": ("#b00020", "#ff9e9e"),
    "unknown": ("#555555", "#d0d0d0"),
    "preview_background": ("#e8e8e8", "#000000"),
    "button": ("#f1f1f1", "#000000"),  # the other buttons (outlined by the text colour)
    "button_pressed": ("#dddddd", "#333333"),
    "field": ("#ffffff", "#000000"),  # a text field, a choice box
    "trough": ("#dfe5f5", "#3a3a3a"),  # the empty part of a progress bar
    "pale": ("#c9d3e6", "#6b6b6b"),  # the exercise figure's resting pose, behind the moving one
    "disabled": ("#6b6b6b", "#a6a6a6"),  # a button that cannot be used now (4.5:1 and more)
    "focus": ("#c2410c", "#00ffff"),  # the keyboard focus ring (Tab, Shift+Tab): a colour nothing else uses
}

_theme = [STANDARD]


class Colour:
    """A colour named by its role; ``str()`` (what Tk reads) is its value in the theme in use."""

    __slots__ = ("role",)

    def __init__(self, role: str) -> None:
        if role not in PALETTE:
            raise KeyError(role)
        self.role = role

    def __str__(self) -> str:
        return PALETTE[self.role][THEMES.index(_theme[0])]

    def __repr__(self) -> str:
        return f"Colour({self.role!r}: {self})"

    def value(self, theme: str) -> str:
        """This role's colour in ``theme`` (a value of :data:`THEMES`)."""
        return PALETTE[self.role][THEMES.index(theme)]


BACKGROUND, TEXT, HINT = Colour("background"), Colour("text"), Colour("hint")
ACCENT, ACCENT_PRESSED, ON_ACCENT = Colour("accent"), Colour("accent_pressed"), Colour("on_accent")
GOOD, BAD, UNKNOWN = Colour("good"), Colour("bad"), Colour("unknown")
PREVIEW_BACKGROUND, BUTTON, BUTTON_PRESSED = Colour("preview_background"), Colour("button"), Colour("button_pressed")
FIELD, TROUGH, PALE, DISABLED, FOCUS = Colour("field"), Colour("trough"), Colour("pale"), Colour("disabled"), \
    Colour("focus")

#: (text, background) of every text in the windows, by where it is used.
# not translated: the keys name the pairs for the contrast tests, no window shows them
TEXT_PAIRS: dict[str, tuple[Colour, Colour]] = {
    "body": (TEXT, BACKGROUND), "hint": (HINT, BACKGROUND), "accent text": (ACCENT, BACKGROUND),
    "good": (GOOD, BACKGROUND), "bad": (BAD, BACKGROUND), "unknown": (UNKNOWN, BACKGROUND),
    "button": (TEXT, BUTTON), "pressed button": (TEXT, BUTTON_PRESSED), "main button": (ON_ACCENT, ACCENT),
    "pressed main button": (ON_ACCENT, ACCENT_PRESSED), "on the preview": (TEXT, PREVIEW_BACKGROUND),
    "field": (TEXT, FIELD), "bad on a field": (BAD, FIELD),
}


def use_theme(name: str) -> str:
    """Use theme ``name`` for the windows made from now on (an unknown name: the standard theme)."""
    name = name if name in THEMES else STANDARD
    if name != _theme[0]:
        log.info("colours: %s", name)
    _theme[0] = name
    return name


def theme_in_use() -> str:
    return _theme[0]


def high_contrast() -> bool:
    return _theme[0] == HIGH_CONTRAST
