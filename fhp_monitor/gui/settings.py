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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhp_monitor.core.calibration import Baseline, CalibrationError, load_baseline
from fhp_monitor.core.messages import forward_words, sensitivity_words
from fhp_monitor.desktop import autostart
from fhp_monitor.gui.sizing import Scale, place_window, screen_scale
from fhp_monitor.gui.style import ACCENT, BACKGROUND, BAD, TEXT, store_x11_title_as_utf8
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.edit import ConfigEditError, save_changes
from fhp_monitor.settings.file import load_settings
from fhp_monitor.settings.schema import ConfigError, Settings, check_setting, describe_setting

log = logging.getLogger(__name__)

WINDOW_TITLE = "fhp-monitor \u2014 Settings"
DESIGN_SIZE = (1200, 760)
MIN_SIZE = (640, 480)
TITLE_PT, LABEL_PT, ENTRY_PT, HINT_PT = 26, 19, 19, 15
HINT = "#444444"
CHECKED, UNCHECKED = "\u2611", "\u2610"


@dataclass(frozen=True)
class Field:
    """One setting on the form: where it lives, what it is called, and a short hint."""

    section: str
    key: str
    label: str
    hint: str
    kind: str = "number"  # number | text | names | flag


FIELDS: tuple[Field, ...] = (
    Field("detection", "sensitivity_deg", "How far forward counts", "Smaller is stricter. Usual: 2"),
    Field("nudges", "onset_delay_s", "Seconds forward before a reminder", "Usual: 60"),
    Field("nudges", "cooldown_min", "Minutes between reminders, at least", "Usual: 15"),
    Field("nudges", "quiet_hours", "No reminders between", "Like 22:00-07:00. Empty: none", "text"),
    Field("summary", "daily_time", "Day summary at", "Like 17:30. Empty: no summary", "text"),
    Field("app", "pause_for_apps", "Pause while these apps run", "Names, with commas between", "names"),
    Field("camera", "index", "Camera number", "0 is the first camera"),
    Field("app", "pause_on_battery_below", "Pause on battery below (%)", "0: never pause for the battery"),
    Field("nudges", "include_exercises", "Suggest a short exercise now and then", "", "flag"),
    Field("app", "autostart", "Start fhp-monitor when I log in", "", "flag"),
    Field("summary", "neck_checkin", "Ask how my neck is, once a day", "", "flag"),
)

PERSONAL_NOTE = " The number for \u201cHow far forward counts\u201d is not used while this is in place; " \
                "calibrate again and skip the last step to use it."
SAVED = "Saved. fhp-monitor uses the new settings within a few seconds."
NOTHING_CHANGED = "Nothing changed."
FIX_FIRST = "Please correct the fields marked in red. Nothing was saved."
FILE_PROBLEM = "The settings file has a problem, so nothing was saved: {problem} Open the file to correct it."
SAVE_FAILED = "Could not save the settings ({error}). Check that the disk is not full."


def form_value(text: str, kind: str) -> Any:
    """The value a field's text stands for, before the setting's own check.

    Numbers accept a decimal comma ("1,5"); text is used as typed (trimmed); names are split at
    commas with empty names dropped. Text that is not a number stays text, so the check names it.
    """
    text = text.strip()
    if kind == "number":
        candidate = text.replace(",", ".")
        try:
            number = float(candidate)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in candidate and "e" not in candidate.lower() else number
    if kind == "names":
        return [name.strip() for name in text.split(",") if name.strip()]
    return text


def field_text(value: Any, kind: str) -> str:
    """How a current value is shown in its field."""
    if kind == "names":
        return ", ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plain_rule(section: str, key: str, settings: Settings) -> str:
    """'Please enter a number from 5 to 3600.' in the form's words (the loader's rule, no YAML quotes)."""
    words = describe_setting(section, key, settings)
    words = words.replace(', or "" for off', ", or leave it empty").replace(', or "" for none', ", or leave it empty")
    words = words.replace('"', "")
    return f"Please enter {words}."


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
        self.scale = scale = scale or screen_scale(window, DESIGN_SIZE)
        self.settings = load_settings(home.config)  # ConfigError: the caller says so and opens the file
        self.baseline = self._baseline()
        self.saved = False
        self._closed = False
        self.entries: dict[tuple[str, str], tk.Entry] = {}
        self.flags: dict[tuple[str, str], tk.BooleanVar] = {}
        self.errors: dict[tuple[str, str], tk.Label] = {}
        fonts = {"title": scale.font(TITLE_PT, "bold"), "label": scale.font(LABEL_PT, "bold"),
                 "entry": scale.font(ENTRY_PT), "hint": scale.font(HINT_PT), "flag": scale.font(LABEL_PT)}
        self.fonts = fonts
        window.title(WINDOW_TITLE)
        window.configure(background=BACKGROUND)
        place_window(window, scale.size(DESIGN_SIZE), MIN_SIZE)
        window.bind("<Map>", self._on_map, add="+")
        self._title_fixed = False
        pad = scale.px(28)

        tk.Label(window, text="Settings", font=fonts["title"], fg=TEXT, bg=BACKGROUND, anchor="w").pack(
            side="top", fill="x", padx=pad, pady=(scale.px(18), scale.px(4)))
        self.note = tk.Label(window, text=self._sensitivity_note(), font=fonts["hint"], fg=TEXT, bg=BACKGROUND,
                             anchor="w", justify="left", wraplength=scale.px(DESIGN_SIZE[0] - 60))
        self.note.pack(side="top", fill="x", padx=pad)
        buttons = tk.Frame(window, bg=BACKGROUND)
        buttons.pack(side="bottom", fill="x", padx=pad, pady=(scale.px(6), scale.px(18)))
        self.status = tk.Label(window, text="", font=fonts["hint"], fg=TEXT, bg=BACKGROUND, anchor="w",
                               justify="left", wraplength=scale.px(DESIGN_SIZE[0] - 60))
        self.status.pack(side="bottom", fill="x", padx=pad)
        grid = tk.Frame(window, bg=BACKGROUND)
        grid.pack(side="top", fill="both", expand=True, padx=pad, pady=(scale.px(10), 0))
        grid.columnconfigure(0, weight=1, uniform="column")
        grid.columnconfigure(1, weight=1, uniform="column")
        # Text fields two by two; the tick boxes share the next free cell, one under the other, or
        # side by side in a row of their own when the text fields fill their last row.
        texts = [field for field in FIELDS if field.kind != "flag"]
        for number, field in enumerate(texts):
            self._add_field(self._cell(grid, number), field)
        ticks = self._cell(grid, len(texts))
        side_by_side = len(texts) % 2 == 0
        if side_by_side:
            ticks.grid_configure(columnspan=2)
        for field in FIELDS:
            if field.kind == "flag":
                self._add_field(ticks, field, side="left" if side_by_side else "top")

        button = dict(font=fonts["label"], padx=scale.px(20), pady=scale.px(8), relief="flat", bd=0,
                      highlightthickness=2, highlightbackground=TEXT)
        tk.Button(buttons, text="Save  (Enter)", command=self.save, bg=ACCENT, fg="#ffffff",
                  activebackground="#1e3a8a", activeforeground="#ffffff", **button).pack(side="right")
        tk.Button(buttons, text="Cancel  (Esc)", command=self.close, bg="#f1f1f1", fg=TEXT,
                  activebackground="#dddddd", activeforeground=TEXT, **button).pack(side="left")
        tk.Button(buttons, text="Open the settings file", command=self.open_the_file, bg="#f1f1f1", fg=TEXT,
                  activebackground="#dddddd", activeforeground=TEXT, **button).pack(side="left", padx=scale.px(16))
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
        return words + (PERSONAL_NOTE if personal is not None else "")

    def _cell(self, grid: tk.Frame, number: int) -> tk.Frame:
        cell = tk.Frame(grid, bg=BACKGROUND)
        cell.grid(row=number // 2, column=number % 2, sticky="new", padx=(0, self.scale.px(24)),
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
                           wraplength=scale.px(560), takefocus=True, cursor="hand2", highlightthickness=2,
                           highlightbackground=BACKGROUND, highlightcolor=ACCENT)

            def show(*_args: Any, box: tk.Label = box, var: tk.BooleanVar = var, label: str = field.label) -> None:
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
        tk.Label(cell, text=field.label, font=fonts["label"], fg=TEXT, bg=BACKGROUND, anchor="w").pack(
            side="top", fill="x")
        entry = tk.Entry(cell, font=fonts["entry"], fg=TEXT, bg="#ffffff", relief="solid", bd=1,
                         highlightthickness=2, highlightcolor=ACCENT, insertwidth=scale.px(3))
        entry.insert(0, field_text(current, field.kind))
        entry.pack(side="top", fill="x", ipady=scale.px(3))
        entry.bind("<FocusIn>", lambda _event, e=entry: (e.select_range(0, "end"), e.icursor("end")))
        self.entries[where] = entry
        hint = field.hint
        if where == ("detection", "sensitivity_deg"):
            hint = f"{hint} ({forward_words(2.0)})"
        error = tk.Label(cell, text=hint, font=fonts["hint"], fg=HINT, bg=BACKGROUND, anchor="w", justify="left",
                         wraplength=scale.px(520))
        error.pack(side="top", fill="x")
        error.hint = hint  # type: ignore[attr-defined]
        self.errors[where] = error

    def _on_map(self, event: tk.Event) -> None:
        if event.widget is self.window and not self._title_fixed:
            self._title_fixed = True
            store_x11_title_as_utf8(self.window, WINDOW_TITLE)

    # ------------------------------------------------------------------ actions

    def values(self) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], str]]:
        """(clean values that differ from the file's, problems by field) from what is on the form."""
        changes: dict[tuple[str, str], Any] = {}
        problems: dict[tuple[str, str], str] = {}
        for field in FIELDS:
            where = (field.section, field.key)
            if field.kind == "flag":
                value: Any = bool(self.flags[where].get())
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
            self.status.configure(text=FIX_FIRST, fg=BAD)
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
            self.status.configure(text=FILE_PROBLEM.format(problem=problem), fg=BAD)
            self.on_step("settings: file problem")
            return False
        except OSError as error:
            self.status.configure(text=SAVE_FAILED.format(error=error.strerror or error), fg=BAD)
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
