"""The calibration window's parts: how it looks, what it says, and the live feed behind the preview.

:class:`WizardView` builds the widgets inside a Tk ``Tk`` or ``Toplevel`` and offers a few
``show_*`` methods; :class:`LiveFeed` pulls frames from a source with Tk's ``after``; the words of
every step are at the end. None of them knows the calibration steps (that is ``wizard.py``).
:func:`render_preview` turns a BGR frame plus pose landmarks into the mirrored picture with the
ears and shoulders drawn on it, all in memory (PIL); nothing is ever written to disk.

Sizes are chosen for reading at arm's length (about 70 cm): body text 21 pt, headings 28 pt,
dark text on white, and every button names its key. Those are the design sizes for a 1240 x 700
window; :mod:`sizing` scales them to the screen (smaller on 1024 x 768, larger on 4K), the window
can be resized, and the preview follows the room it gets.
"""

from __future__ import annotations

import logging
import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import ImageTk

from fhp_monitor.core.framing import FramingCheck, FramingIssue
from fhp_monitor.core.i18n import N_, _, ngettext
from fhp_monitor.core.ports import PoseLandmarks
from fhp_monitor.gui.scrolling import ScrollArea
from fhp_monitor.gui.sizing import Scale, fit_to_screen, place_window, screen_scale
from fhp_monitor.gui.style import (
    ACCENT,
    ACCENT_PRESSED,
    BACKGROUND,
    BAD,
    BIG_FONT,
    BODY_FONT,
    BUTTON,
    BUTTON_PRESSED,
    FOCUS,
    GOOD,
    MARK_FONT,
    ON_ACCENT,
    PREVIEW_BACKGROUND,
    SMALL_FONT,
    TEXT,
    TITLE_FONT,
    TROUGH,
    UNKNOWN,
    apply_theme,
    store_x11_title_as_utf8,
)
from fhp_monitor.gui.wizard_preview import PREVIEW_BOX, render_preview

log = logging.getLogger(__name__)

WINDOW_TITLE = N_("fhp-monitor \u2014 Calibration")
TEXT_WIDTH = 570
WINDOW_SIZE = (1240, 700)
MIN_WINDOW_SIZE = (760, 480)
PAD = 28




@dataclass(frozen=True)
class Action:
    """A button: its words (including the key, e.g. "Start  (Enter)") and what it does."""

    text: str
    command: Callable[[], None]
    primary: bool = False


class WizardView:
    """The widgets of the calibration window; call the ``show_*`` methods to change what it shows."""

    def __init__(self, window: tk.Tk | tk.Toplevel, scale: Scale | None = None, text_size: str = "normal") -> None:
        self.window = window
        window.title(_(WINDOW_TITLE))
        window.bind("<Map>", self._on_map, add="+")
        self._title_fixed = False
        apply_theme(window)
        self.scale = scale = scale or screen_scale(window, WINDOW_SIZE, text_size)
        self.fonts = {name: scale.font(*spec) for name, spec in (
            ("title", (TITLE_FONT[1], "bold")), ("body", (BODY_FONT[1],)), ("small", (SMALL_FONT[1],)),
            ("big", (BIG_FONT[1], "bold")), ("mark", (MARK_FONT[1], "bold")))}
        size = fit_to_screen(window, scale.size(WINDOW_SIZE))  # larger text: the words scroll, never cut off
        place_window(window, size, MIN_WINDOW_SIZE)
        # Larger text takes room from the camera's picture (which need not grow with the text), so the
        # words of every step fit 1024 x 768 at Large
        self.text_width = min(scale.px(TEXT_WIDTH), int(size[0] * 0.6)) if scale.text <= 1 else int(size[0] * 0.7)
        self.preview_box = scale.size(PREVIEW_BOX)
        self._photo: ImageTk.PhotoImage | None = None
        pad = scale.px(PAD)

        self.title = tk.Label(window, text="", font=self.fonts["title"], fg=TEXT, bg=BACKGROUND, anchor="w",
                              justify="left", wraplength=size[0] - 2 * scale.px(PAD))  # long German titles wrap
        self.title.pack(side="top", fill="x", padx=pad, pady=(scale.px(20), scale.px(8)))
        self.buttons = tk.Frame(window, bg=BACKGROUND)
        self.buttons.pack(side="bottom", fill="x", padx=pad, pady=(scale.px(8), scale.px(22)))
        self.middle = middle = tk.Frame(window, bg=BACKGROUND)
        middle.pack(side="top", fill="both", expand=True, padx=pad)

        left = tk.Frame(middle, bg=BACKGROUND)  # the camera's picture, the status line under it
        left.pack(side="left", anchor="n", fill="y")
        self.box = box = tk.Frame(left, width=self.preview_box[0], height=self.preview_box[1], bg=PREVIEW_BACKGROUND)
        box.pack(side="top", anchor="n")
        box.pack_propagate(False)
        self.preview = tk.Label(box, bg=PREVIEW_BACKGROUND, bd=0, highlightthickness=0, padx=0, pady=0,
                                text=_("Starting the camera\u2026"), font=self.fonts["body"], fg=TEXT)
        self.preview.pack(expand=True)

        self.side_area = ScrollArea(middle, BACKGROUND, bar_width=scale.px(16))
        self.side_area.pack(side="left", fill="both", expand=True, padx=(pad, 0))
        side = self.side_area.inner
        width = self.text_width - scale.px(24)  # room for the scroll bar that large text may need
        self.body = tk.Label(side, text="", font=self.fonts["body"], fg=TEXT, bg=BACKGROUND, justify="left",
                             anchor="nw", wraplength=width)
        self.body.pack(side="top", fill="x")
        self.checks = tk.Frame(side, bg=BACKGROUND)
        self.big = tk.Label(side, text="", font=self.fonts["big"], fg=ACCENT, bg=BACKGROUND, anchor="w",
                            justify="left", wraplength=width)
        self.bar = tk.Canvas(side, width=width, height=scale.px(34), bg=TROUGH, bd=0, highlightthickness=2,
                             highlightbackground=TEXT)
        self.note = tk.Label(side, text="", font=self.fonts["body"], fg=TEXT, bg=BACKGROUND, justify="left",
                             anchor="nw", wraplength=width)
        # Under the picture, where the room is (so the words beside it fit 1024 x 768 at Large text)
        self.status = tk.Label(left, text="", font=self.fonts["small"], fg=TEXT, bg=BACKGROUND, justify="left",
                               anchor="nw", wraplength=self.preview_box[0])
        self.status.pack(side="top", fill="x", pady=(scale.px(12), 0))
        self.parts_end = tk.Frame(side, bg=BACKGROUND, height=1)  # the optional parts are packed above this
        self.parts_end.pack(side="top", fill="x")
        self.option = tk.Label(side, text="", font=self.fonts["body"], fg=TEXT, bg=BACKGROUND, anchor="w",
                               cursor="hand2", justify="left", wraplength=width)
        middle.bind("<Configure>", self._on_resize, add="+")

    def _on_resize(self, event: tk.Event) -> None:
        """The window was laid out or resized: the preview takes the room left of the text, up to
        its design size (grown with the window when the user makes the window larger)."""
        scale = self.scale
        grow = max(1.0, self.window.winfo_width() / scale.px(WINDOW_SIZE[0]))
        width = min(event.width - self.text_width - scale.px(PAD), scale.px(PREVIEW_BOX[0] * grow))
        height = min(event.height - scale.px(100), scale.px(PREVIEW_BOX[1] * grow))  # room for the status line
        width, height = max(scale.px(120), width), max(scale.px(90), height)
        box = (min(width, height * PREVIEW_BOX[0] // PREVIEW_BOX[1]),
               min(height, width * PREVIEW_BOX[1] // PREVIEW_BOX[0]))
        if box != self.preview_box:
            self.preview_box = box
            self.box.configure(width=box[0], height=box[1])
            self.status.configure(wraplength=box[0])

    def _on_map(self, event: tk.Event) -> None:
        if event.widget is self.window and not self._title_fixed:
            self._title_fixed = True
            store_x11_title_as_utf8(self.window, _(WINDOW_TITLE))

    # ------------------------------------------------------------------ screens

    def show_screen(self, title: str, body: str, actions: Sequence[Action], big: str | None = None,
                    note: str | None = None) -> None:
        """A new step: its heading, its words, optionally a large line and more words under it, and
        its buttons. The checklist, bar, option and status line are cleared."""
        self.title.configure(text=title)
        self.body.configure(text=body)
        self.status.configure(text="")
        self.show_checklist(None)
        self.show_progress(None, None)
        self._show_big(big)
        self.note.configure(text=note or "")
        self._place(self.note, note is not None, fill="x", pady=(self.scale.px(10), 0))
        self.show_option(None)
        self.show_actions(actions)

    def show_actions(self, actions: Sequence[Action]) -> None:
        """The step's buttons, replacing the ones shown (a button that would do nothing is left out)."""
        for child in self.buttons.winfo_children():
            child.destroy()
        for action in actions:
            colours = dict(bg=ACCENT, fg=ON_ACCENT, activebackground=ACCENT_PRESSED, activeforeground=ON_ACCENT) \
                if action.primary else dict(bg=BUTTON, fg=TEXT, activebackground=BUTTON_PRESSED, activeforeground=TEXT)
            tk.Button(self.buttons, text=_(action.text), command=action.command, font=self.fonts["small"],
                      padx=self.scale.px(22), pady=self.scale.px(10), relief="flat", bd=0,
                      highlightthickness=self.scale.px(3), highlightbackground=TEXT, highlightcolor=FOCUS,
                      **colours).pack(
                side="right" if action.primary else "left", padx=(0, self.scale.px(16)))

    def show_status(self, text: str, bad: bool = False) -> None:
        """One short line under the camera's picture (e.g. "Hold still a moment")."""
        self.status.configure(text=text, fg=BAD if bad else TEXT)

    def _place(self, widget: tk.Widget, visible: bool, **pack: Any) -> None:
        """Show or hide one of the optional parts of the side panel (in the order they are shown).

        Hidden parts are unpacked, not emptied: an emptied Tk frame keeps its old height.
        """
        if not visible:
            widget.pack_forget()
        elif not widget.winfo_manager():
            widget.pack(side="top", before=self.parts_end, **pack)

    def show_checklist(self, rows: Sequence[tuple[FramingCheck, FramingIssue | None]] | None) -> None:
        """A tick for each check that passes, a cross and the plain fix for the others; None hides it.

        Checks that cannot be judged because nobody is in view get a grey question mark and their
        own words, so the same "we can't see you" is not repeated down the list.
        """
        for child in self.checks.winfo_children():
            child.destroy()
        self._place(self.checks, bool(rows), fill="x", pady=(self.scale.px(10), 0))
        for check, issue in rows or ():
            unknown = issue is not None and issue.code == "no_person" and "no_person" not in check.codes
            mark, colour, words = (
                ("\u2713", GOOD, _(check.label)) if issue is None
                else ("?", UNKNOWN, _(check.label)) if unknown
                else ("\u2717", BAD, issue.message)
            )
            row = tk.Frame(self.checks, bg=BACKGROUND)
            row.pack(side="top", fill="x", pady=2)
            tk.Label(row, text=mark, font=self.fonts["mark"], width=2, fg=colour, bg=BACKGROUND, anchor="n").pack(
                side="left", anchor="n")
            tk.Label(row, text=words, font=self.fonts["small"], fg=TEXT if issue is None else colour, bg=BACKGROUND,
                     justify="left", anchor="w", wraplength=self.text_width - self.scale.px(74)).pack(
                         side="left", fill="x")

    def show_progress(self, fraction: float | None, seconds_left: float | None) -> None:
        """A big countdown and a bar; None hides them."""
        self._place(self.bar, fraction is not None, anchor="w")
        if fraction is None:
            self._show_big(None)
            return
        seconds = max(0, int(np.ceil(seconds_left or 0.0)))
        self._show_big(ngettext("{n} second to go", "{n} seconds to go", seconds).format(n=seconds))
        self.bar.delete("fill")
        self.bar.create_rectangle(0, 0, int(self.text_width * min(max(fraction, 0.0), 1.0)) + 2, self.scale.px(40),
                                  fill=ACCENT, width=0, tags="fill")

    def _show_big(self, text: str | None) -> None:
        self.big.configure(text=text or "")
        self._place(self.big, text is not None, fill="x", pady=(self.scale.px(20), self.scale.px(6)))
        if text is not None and self.bar.winfo_manager():
            self.big.pack_configure(before=self.bar)

    def show_option(self, text: str | None, checked: bool = False, on_click: Callable[[], None] | None = None) -> None:
        """A large tick box with its words (Tk's own check box is too small to see); None hides it."""
        self._place(self.option, text is not None, fill="x", pady=(self.scale.px(18), 0))
        if text is None:
            return
        box = "\u2611" if checked else "\u2610"
        self.option.configure(text=f"{box} {text}")
        self.option.bind("<Button-1>", lambda _event: on_click() if on_click else None)

    def show_frame(self, image_bgr: np.ndarray, pose: PoseLandmarks | None, min_visibility: float) -> None:
        """Put a new camera picture (mirrored, with the overlay) in the preview."""
        picture = render_preview(image_bgr, pose, min_visibility, self.preview_box)
        self._photo = ImageTk.PhotoImage(picture, master=self.window)
        self.preview.configure(image=self._photo, text="")

    def clear_frame(self, text: str) -> None:
        """Replace the preview with words (no camera picture)."""
        self._photo = None
        self.preview.configure(image="", text=text)


# ---------------------------------------------------------------------- words
# Every step's heading and words in one place, so they can be read (and reviewed) as one text.
# Short sentences, kind, no jargon and no medical advice; {braces} are filled in by the wizard.

STEP_TEXT: dict[str, tuple[str, str]] = {
    "starting": (N_("Getting ready\u2026"), N_("Looking for your camera. This takes a moment.")),
    "camera": (N_("Which camera should we use?"),
               N_("You can see camera {number} of {count}.\n\n"
               "Press \u2192 to see the next one. Press Enter to use the one that shows you.")),
    "checks": (N_("Welcome! Let's find how you sit tall"),
               N_("Sit tall, facing the screen: the way you would like to sit. First we check that the camera "
               "sees you well.")),
    "upright": (N_("Sit tall, as you would like to sit"),
                N_("Sit back in your chair. Let your shoulders relax and your head rest tall above them. "
                "Keep still until the bar is full.")),
    "failed": (N_("Let's try that again"), N_("{error}\n\nPress Enter to try again.")),
    "forward_intro": (N_("One more, if you like"),
                      N_("Now let your head drift forward, the way it does when you are busy. "
                      "This teaches fhp-monitor what \u201cforward\u201d looks like for you.\n\n"
                      "Press Enter to record {seconds} seconds, or S to skip.")),
    "forward": (N_("Let your head drift forward"),
                N_("Just as it usually does. Stay like that until the bar is full.")),
    "glasses": (N_("One question about glasses"),
                N_("Do you wear glasses with progressive lenses (varifocals)?\n\n"
                "With these glasses many people tilt their head back a little to read the screen. If you do, "
                "we look at that too, so it is never taken for leaning forward.\n\n"
                "Press Y for yes, or N (or Enter) for no.")),
    "reading": (N_("Sit as you do when you read the screen"),
                N_("Look at these words through your glasses, the way you usually read. "
                "Stay like that until the bar is full.")),
    "name": (N_("A new place for your camera"),
             N_("Give it a name, so you can tell your setups apart. Then press Enter.")),
    "result": (N_("All done \u2014 thank you!"), N_("fhp-monitor now knows how you sit tall.")),
    "problem": ("{title}", N_("{message}\n\nThen press Enter to try again.")),
}
RESULT_BIG = N_("Sitting tall: saved \u2713")
RESULT_NOTE = (N_("We compare with your own posture, not with anyone else. {sensitivity}\n\n"
               "Next: fhp-monitor looks now and then. If your head stays forward for a while, "
               "you get a gentle reminder."))
AUTOSTART_OPTION = N_("Start fhp-monitor when I log in (L)")
CHECKS_LOOKING = N_("Looking at the picture\u2026")
CHECKS_OK = N_("All good! Press Enter to start.")
CHECKS_FIX = N_("Please fix the crosses first, or press A to start anyway.")
KEEP_STILL = N_("Lovely. Keep still\u2026")
PAUSED = N_("Paused: {why}. Please keep still for a moment.")
NO_CAMERA = (N_("We can't find a camera"), N_("No camera answered. Check that it is plugged in, or that the "
             "laptop's camera switch or cover is open."))
CAMERA_FAILED = N_("We can't see the camera")
MODEL_FAILED = N_("We could not start")
SAVE_FAILED = N_("We could not save the calibration ({error}). Check that the disk is not full, "
                 "then press Enter again.")
NO_PICTURE = N_("No picture")
