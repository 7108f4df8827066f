"""The settings window: the settings people change, in large type, saved to config.yaml.

The fields come from the settings table in config.py (:data:`FIELDS` names which ones and how
to say them); each value is checked by that table's rule, and a value that does not fit is named
next to its field in plain words while nothing is saved. Saving edits config.yaml in place
(:mod:`fhp_monitor.settings.edit`: comments and hand-written lines stay) and only when the whole
file then loads as the app loads it. Opened from the running app (its tray's "Settings"), the
window calls ``on_saved`` and the app applies the new settings at once; ``fhp-monitor settings``
runs in a process of its own, and the running app notices its save at its next check of the file.
"Open the settings file" hands config.yaml to the desktop's editor for everything else.

When the calibration window personalised the sensitivity, the form says so at the top and what
it changed (the personal value replaces the sensitivity number below).

Keys: Tab / Shift+Tab move between fields, Space ticks a box, Enter saves and closes, Esc closes
without saving, O opens the file (when no text field has the focus).

Threads: everything on the Tk thread. Entry points: :func:`open_settings` (a Toplevel over the
app's root, non-blocking) and :func:`run_settings` (its own Tk root; blocks). With ``on_step``
it reports "settings: ready", "settings: invalid <section.key>", "settings: saved" or
"settings: closed" for tests and logs.
"""

from __future__ import annotations

import logging
import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fhp_monitor.core.calibration import Baseline, CalibrationError, load_baseline
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.messages import forward_words, sensitivity_words
from fhp_monitor.desktop import autostart
from fhp_monitor.gui.scrolling import ScrollArea
from fhp_monitor.gui.settings_fields import CHOICES, FIELDS, Field, field_text, form_value, plain_rule
from fhp_monitor.gui.sizing import Scale, fit_to_screen, place_window, screen_scale
from fhp_monitor.gui.style import (
    ACCENT,
    ACCENT_PRESSED,
    BACKGROUND,
    BAD,
    BUTTON,
    BUTTON_PRESSED,
    FOCUS,
    HINT,
    ON_ACCENT,
    TEXT,
    store_x11_title_as_utf8,
)
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.edit import ConfigEditError, save_changes
from fhp_monitor.settings.file import load_settings
from fhp_monitor.settings.schema import ConfigError, check_setting

log = logging.getLogger(__name__)

WINDOW_TITLE = N_("fhp-monitor \u2014 Settings")
DESIGN_SIZE = (1200, 840)
MIN_SIZE = (640, 480)
TITLE_PT, LABEL_PT, ENTRY_PT, HINT_PT = 26, 19, 19, 15
CHECKED, UNCHECKED = "\u2611", "\u2610"


PERSONAL_NOTE = N_("The number for \u201cHow far forward counts\u201d is not used while this is in place; " \
                "calibrate again and skip the last step to use it.")
SAVED = N_("Saved. fhp-monitor uses the new settings within a few seconds.")
NOTHING_CHANGED = N_("Nothing changed.")
FIX_FIRST = N_("Please correct the fields marked in red. Nothing was saved.")
FILE_PROBLEM = N_("The settings file has a problem, so nothing was saved: {problem} Open the file to correct it.")
SAVE_FAILED = N_("Could not save the settings ({error}). Check that the disk is not full.")



class SettingsForm:
    """The form inside ``window`` (a Tk root or a Toplevel). ``on_close`` runs once, after the
    window is destroyed, with True when something was saved."""

    def __init__(self, window: tk.Tk | tk.Toplevel, *, home: Home, open_file: Callable[[Path], None],
                 on_close: Callable[[bool], None] | None = None, on_step: Callable[[str], None] | None = None,
                 scale: Scale | None = None, autostart_command: list[str] | None = None,
                 on_saved: Callable[[], None] | None = None) -> None:
        self.window, self.home, self.open_file = window, home, open_file
        self.on_saved = on_saved or (lambda: None)  # config.yaml was just saved (on the Tk thread)
        self.on_close, self.on_step = on_close or (lambda saved: None), on_step or (lambda line: None)
        self.autostart_command = autostart_command
        self.settings = load_settings(home.config)  # ConfigError: the caller says so and opens the file
        self.scale = scale = scale or screen_scale(window, DESIGN_SIZE, self.settings.display.text_size)
        self.baseline = self._baseline()
        self.saved = False
        self._closed = False
        self.entries: dict[tuple[str, str], tk.Entry] = {}
        self.flags: dict[tuple[str, str], tk.BooleanVar] = {}
        self.choices: dict[tuple[str, str], tk.StringVar] = {}
        self.choice_boxes: dict[tuple[str, str], tk.Label] = {}
        self.errors: dict[tuple[str, str], tk.Label] = {}
        fonts = {"title": scale.font(TITLE_PT, "bold"), "label": scale.font(LABEL_PT, "bold"),
                 "entry": scale.font(ENTRY_PT), "hint": scale.font(HINT_PT), "flag": scale.font(LABEL_PT)}
        self.fonts = fonts
        window.title(_(WINDOW_TITLE))
        window.configure(background=BACKGROUND)
        size = fit_to_screen(window, scale.size(DESIGN_SIZE))
        place_window(window, size, MIN_SIZE)
        window.bind("<Map>", self._on_map, add="+")
        self._title_fixed = False
        pad = scale.px(28)
        # Two columns of fields where they fit; one when large text makes the design wider than the screen
        self.columns = 2 if scale.px(DESIGN_SIZE[0]) <= size[0] else 1
        wrap = min(scale.px(DESIGN_SIZE[0] - 60), size[0] - 2 * pad - scale.px(24))
        self.cell_wrap = (size[0] - 2 * pad - scale.px(18)) // self.columns - scale.px(30)  # a field's words

        tk.Label(window, text=_("Settings"), font=fonts["title"], fg=TEXT, bg=BACKGROUND, anchor="w").pack(
            side="top", fill="x", padx=pad, pady=(scale.px(18), scale.px(4)))
        self.note = tk.Label(window, text=self._sensitivity_note(), font=fonts["hint"], fg=TEXT, bg=BACKGROUND,
                             anchor="w", justify="left", wraplength=wrap)
        self.note.pack(side="top", fill="x", padx=pad)
        buttons = tk.Frame(window, bg=BACKGROUND)
        buttons.pack(side="bottom", fill="x", padx=pad, pady=(scale.px(6), scale.px(18)))
        self.status = tk.Label(window, text="", font=fonts["hint"], fg=TEXT, bg=BACKGROUND, anchor="w",
                               justify="left", wraplength=wrap)
        self.status.pack(side="bottom", fill="x", padx=pad)
        self.area = ScrollArea(window, BACKGROUND, bar_width=scale.px(18))  # large text scrolls, never cut off
        self.area.pack(side="top", fill="both", expand=True, padx=(pad, 0), pady=(scale.px(10), 0))
        grid = self.area.inner
        for column in range(self.columns):
            grid.columnconfigure(column, weight=1, uniform="column")
        # Text fields two by two; the tick boxes share the next free cell, one under the other, or
        # side by side in a row of their own when the text fields fill their last row.
        # The language and text size come last (also in the Tab order: widgets are created in it).
        texts = [field for field in FIELDS if field.kind not in ("flag", "choice")]
        for number, field in enumerate(texts):
            self._add_field(self._cell(grid, number), field)
        ticks = self._cell(grid, len(texts))
        side_by_side = len(texts) % 2 == 0 and self.columns == 2
        if side_by_side:
            ticks.grid_configure(columnspan=2)
        for field in FIELDS:
            if field.kind == "flag":
                self._add_field(ticks, field, side="left" if side_by_side else "top")
        after_ticks = len(texts) + (2 if side_by_side else 1)
        for number, field in enumerate(field for field in FIELDS if field.kind == "choice"):
            self._add_field(self._cell(grid, after_ticks + number), field)

        button = dict(font=fonts["label"], padx=scale.px(20), pady=scale.px(8), relief="flat", bd=0,
                      highlightthickness=scale.px(3), highlightbackground=TEXT, highlightcolor=FOCUS)
        if self.columns == 1:  # narrow: the file's button on a row of its own, so no button is cut off
            first_row = tk.Frame(window, bg=BACKGROUND)
            first_row.pack(side="bottom", fill="x", padx=pad, pady=(scale.px(8), 0))
        else:
            first_row = buttons
        tk.Button(buttons, text=_("Save  (Enter)"), command=self.save, bg=ACCENT, fg=ON_ACCENT,
                  activebackground=ACCENT_PRESSED, activeforeground=ON_ACCENT, **button).pack(side="right")
        tk.Button(buttons, text=_("Cancel  (Esc)"), command=self.close, bg=BUTTON, fg=TEXT,
                  activebackground=BUTTON_PRESSED, activeforeground=TEXT, **button).pack(side="left")
        tk.Button(first_row, text=_("Open the settings file"), command=self.open_the_file, bg=BUTTON, fg=TEXT,
                  activebackground=BUTTON_PRESSED, activeforeground=TEXT, **button).pack(
            side="left", padx=scale.px(16) if first_row is buttons else 0)
        from fhp_monitor.gui.setups import OPEN_BUTTON, open_setups  # issue 22: the saved setups, a window of their own
        tk.Button(first_row, text=_(OPEN_BUTTON), command=lambda: open_setups(window, home=home, on_step=self.on_step,
                  scale=scale), bg=BUTTON, fg=TEXT, activebackground=BUTTON_PRESSED, activeforeground=TEXT,
                  **button).pack(side="left", padx=scale.px(16) if first_row is buttons else (scale.px(16), 0))
        window.protocol("WM_DELETE_WINDOW", self.close)
        window.bind("<Escape>", lambda _event: self.close())
        window.bind("<Return>", lambda _event: self.save())
        window.bind("<KP_Enter>", lambda _event: self.save())
        window.bind("<KeyPress-o>", self._open_key)
        first = self.entries[(FIELDS[0].section, FIELDS[0].key)]
        window.after_idle(lambda: (window.focus_force(), first.focus_set()))
        self.on_step("settings: ready")

    # ------------------------------------------------------------------ building

    def _baseline(self) -> Baseline | None:
        try:
            return load_baseline(self.home.calibration)
        except CalibrationError as error:
            log.warning("settings window: %s", error)
            return None

    def _sensitivity_note(self) -> str:
        personal = self.baseline.sensitivity_deg if self.baseline and self.baseline.personalised else None
        words = sensitivity_words(personal, self.settings.detection.sensitivity_deg)
        return words + (" " + _(PERSONAL_NOTE) if personal is not None else "")

    def _cell(self, grid: tk.Frame, number: int) -> tk.Frame:
        cell = tk.Frame(grid, bg=BACKGROUND)
        cell.grid(row=number // self.columns, column=number % self.columns, sticky="new", padx=(0, self.scale.px(24)),
                  pady=(0, self.scale.px(10)))
        return cell

    def _add_field(self, cell: tk.Frame, field: Field, side: str = "top") -> None:
        scale, fonts = self.scale, self.fonts
        where = (field.section, field.key)
        current = getattr(getattr(self.settings, field.section), field.key)
        if field.kind == "flag":
            if where == ("app", "autostart"):
                current = autostart.is_autostart_enabled()  # the truth, even if the wizard set it
            var = tk.BooleanVar(value=bool(current))
            # A large tick box drawn as text (Tk's own check box is too small to see), reachable with
            # Tab and ticked with Space or a click.
            box = tk.Label(cell, text="", font=fonts["flag"], fg=TEXT, bg=BACKGROUND, anchor="w", justify="left",
                           wraplength=self.cell_wrap, takefocus=True, cursor="hand2", highlightthickness=2,
                           highlightbackground=BACKGROUND, highlightcolor=FOCUS)

            def show(*_args: Any, box: tk.Label = box, var: tk.BooleanVar = var, label: str = _(field.label)) -> None:
                box.configure(text=f"{CHECKED if var.get() else UNCHECKED} {label}")

            def toggle(_event: tk.Event | None = None, var: tk.BooleanVar = var) -> None:
                var.set(not var.get())

            var.trace_add("write", show)
            show()
            box.bind("<space>", toggle)
            box.bind("<Button-1>", lambda event: (toggle(event), event.widget.focus_set()))
            box.pack(side=side, fill="x", pady=(scale.px(8), 0), padx=(0, scale.px(32) if side == "left" else 0))
            self.flags[where] = var
            return
        if field.kind == "choice":
            self._add_choice(cell, field, current)
            return
        tk.Label(cell, text=_(field.label), font=fonts["label"], fg=TEXT, bg=BACKGROUND, anchor="w", justify="left",
                 wraplength=self.cell_wrap).pack(
            side="top", fill="x")
        entry = tk.Entry(cell, font=fonts["entry"], fg=TEXT, bg="#ffffff", relief="solid", bd=1,
                         highlightthickness=2, highlightcolor=FOCUS, insertwidth=scale.px(3))
        entry.insert(0, field_text(current, field.kind))
        entry.pack(side="top", fill="x", ipady=scale.px(3))
        entry.bind("<FocusIn>", lambda _event, e=entry: (e.select_range(0, "end"), e.icursor("end")))
        self.entries[where] = entry
        hint = _(field.hint) if field.hint else ""
        if where == ("detection", "sensitivity_deg"):
            hint = f"{hint} ({forward_words(2.0)})"
        error = tk.Label(cell, text=hint, font=fonts["hint"], fg=HINT, bg=BACKGROUND, anchor="w", justify="left",
                         wraplength=self.cell_wrap)
        error.pack(side="top", fill="x")
        error.hint = hint  # type: ignore[attr-defined]
        self.errors[where] = error

    def _add_choice(self, cell: tk.Frame, field: Field, current: str) -> None:
        """A choice among a few words: "◀ Deutsch ▶", reachable with Tab; Space, Enter-free arrows and
        clicks move to the next choice (Left: the previous one)."""
        scale, fonts = self.scale, self.fonts
        where = (field.section, field.key)
        options = CHOICES[where]
        keys = [key for key, _words in options]
        var = tk.StringVar(value=current if current in keys else keys[0])
        tk.Label(cell, text=_(field.label), font=fonts["label"], fg=TEXT, bg=BACKGROUND, anchor="w", justify="left",
                 wraplength=self.cell_wrap).pack(
            side="top", fill="x")
        box = tk.Label(cell, text="", font=fonts["entry"], fg=TEXT, bg="#ffffff", anchor="w", relief="solid", bd=1,
                       takefocus=True, cursor="hand2", highlightthickness=3, highlightbackground=BACKGROUND,
                       highlightcolor=FOCUS)

        def show(*_args: Any) -> None:
            words = dict(options)[var.get()]
            box.configure(text=f"\u25c0 {_(words)} \u25b6")  # a language's own name has no translation: itself

        def step(by: int) -> None:
            var.set(keys[(keys.index(var.get()) + by) % len(keys)])

        var.trace_add("write", show)
        show()
        box.bind("<space>", lambda _event: step(1))
        box.bind("<Right>", lambda _event: step(1))
        box.bind("<Left>", lambda _event: step(-1))
        box.bind("<Button-1>", lambda event: (step(1), event.widget.focus_set()))
        box.pack(side="top", fill="x", ipady=scale.px(3))
        self.choices[where] = var
        self.choice_boxes[where] = box

    def _on_map(self, event: tk.Event) -> None:
        if event.widget is self.window and not self._title_fixed:
            self._title_fixed = True
            store_x11_title_as_utf8(self.window, _(WINDOW_TITLE))

    # ------------------------------------------------------------------ actions

    def values(self) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], str]]:
        """(clean values that differ from the file's, problems by field) from what is on the form."""
        changes: dict[tuple[str, str], Any] = {}
        problems: dict[tuple[str, str], str] = {}
        for field in FIELDS:
            where = (field.section, field.key)
            if field.kind == "flag":
                value: Any = bool(self.flags[where].get())
            elif field.kind == "choice":
                value = self.choices[where].get()
            else:
                value = form_value(self.entries[where].get(), field.kind)
            try:
                clean = check_setting(field.section, field.key, value, self.settings)
            except ConfigError:
                problems[where] = plain_rule(field.section, field.key, self.settings)
                continue
            if clean != getattr(getattr(self.settings, field.section), field.key):
                changes[where] = list(clean) if isinstance(clean, tuple) else clean
        return changes, problems

    def save(self) -> bool:
        """Check every field; save and close when all are fine. Returns whether it saved."""
        changes, problems = self.values()
        for where, label in self.errors.items():
            label.configure(text=problems.get(where, label.hint), fg=BAD if where in problems else HINT)  # type: ignore[attr-defined]
        if problems:
            self.status.configure(text=_(FIX_FIRST), fg=BAD)
            self.entries[next(iter(problems))].focus_set()
            self.on_step("settings: invalid " + " ".join(f"{s}.{k}" for s, k in problems))
            return False
        autostart_wanted = bool(self.flags[("app", "autostart")].get())
        if not changes and autostart_wanted == autostart.is_autostart_enabled():
            self.on_step("settings: unchanged")
            self.close()
            return False
        try:
            if changes:
                save_changes(self.home.config, changes)
        except (ConfigError, ConfigEditError) as error:
            problem = " ".join(str(error).split("\n"))
            self.status.configure(text=_(FILE_PROBLEM).format(problem=problem), fg=BAD)
            self.on_step("settings: file problem")
            return False
        except OSError as error:
            self.status.configure(text=_(SAVE_FAILED).format(error=error.strerror or error), fg=BAD)
            self.on_step("settings: not saved")
            return False
        autostart.apply_autostart(autostart_wanted, self.autostart_command)
        log.info("settings saved: %s", ", ".join(f"{s}.{k}={v!r}" for (s, k), v in changes.items()) or "log-in start")
        self.saved = True
        self.on_step("settings: saved")
        if changes:
            self.on_saved()
        self.close()
        return True

    def open_the_file(self) -> None:
        self.open_file(self.home.config)
        self.on_step("settings: opened the file")

    def _open_key(self, event: tk.Event) -> None:
        if not isinstance(event.widget, tk.Entry):
            self.open_the_file()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.on_step("settings: closed")
        self.window.destroy()
        self.on_close(self.saved)


# ---------------------------------------------------------------------- entry points


def open_settings(root: tk.Misc, **options: Any) -> SettingsForm:
    """Open the settings window over the app's Tk ``root`` (non-blocking). ``options`` are
    :class:`SettingsForm`'s keyword arguments. Raises ConfigError when config.yaml does not load."""
    window = tk.Toplevel(root)
    try:
        return SettingsForm(window, **options)
    except ConfigError:
        window.destroy()
        raise


def run_settings(**options: Any) -> bool:
    """Show the settings window in its own Tk root until it closes; True when something was saved.
    Raises tk.TclError without a display and ConfigError when config.yaml does not load."""
    root = tk.Tk(className="fhp-monitor")
    try:
        form = SettingsForm(root, **options)
    except ConfigError:
        root.destroy()
        raise
    root.mainloop()
    return form.saved
