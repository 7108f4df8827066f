"""The settings window: the settings people change, in large type, saved to config.yaml.

The fields come from the settings table in config.py (:data:`FIELDS` names which ones and how
to say them); each value is checked by that table's rule, and a value that does not fit is named
next to its field in plain words while nothing is saved. Saving edits config.yaml in place
(:mod:`fhp_monitor.settings.edit`: comments and hand-written lines stay) and only when the whole
file then loads as the app loads it. Opened from the running app (its tray's "Settings"), the
window calls ``on_saved`` and the app applies the new settings at once; ``fhp-monitor settings``
runs in a process of its own, and the running app notices its save at its next check of the file.
"Open the settings file" hands config.yaml to the desktop's editor for everything else.

The fields are on three pages behind tabs (gui/pages.py: Reminders, Your day, This computer), so
each page fits a 1024 x 768 screen at Large text in German, the longest language; at Extra large a
page scrolls. "Show in the app menu" adds or removes the menu entry at once (desktop/menu), as
"Start fhp-monitor when I log in" does the login entry. When the calibration window personalised
the sensitivity, the first page says so over its number.

Keys: Tab / Shift+Tab move between fields, Ctrl+Tab / Ctrl+Shift+Tab between pages, Space ticks a
box, Enter saves and closes, Esc closes without saving, O opens the file (when no text field has
the focus).

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
from fhp_monitor.desktop import autostart, menu
from fhp_monitor.gui.pages import Pages
from fhp_monitor.gui.scrolling import ScrollArea
from fhp_monitor.gui.settings_fields import (
    CHOICES,
    FIELDS,
    PAGES,
    REMINDERS,
    THIS_COMPUTER,
    Field,
    field_text,
    form_value,
    plain_rule,
)
from fhp_monitor.gui.settings_widgets import choice_box, tick_box
from fhp_monitor.gui.sizing import Scale, fit_to_screen, place_window, screen_scale
from fhp_monitor.gui.style import (
    ACCENT,
    ACCENT_PRESSED,
    BACKGROUND,
    BAD,
    BUTTON,
    BUTTON_PRESSED,
    FIELD,
    FOCUS,
    HINT,
    ON_ACCENT,
    TEXT,
    apply_theme,
    store_x11_title_as_utf8,
)
from fhp_monitor.gui.theme import use_theme
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.edit import ConfigEditError, save_changes
from fhp_monitor.settings.file import load_settings
from fhp_monitor.settings.schema import ConfigError, check_setting

log = logging.getLogger(__name__)

WINDOW_TITLE = N_("fhp-monitor \u2014 Settings")
DESIGN_SIZE = (1200, 840)
MIN_SIZE = (640, 480)
TITLE_PT, LABEL_PT, ENTRY_PT, HINT_PT = 26, 19, 19, 15
CELL_WIDTH = 420  # design pixels: narrower columns would wrap the German labels


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
        use_theme(self.settings.display.theme)
        self.menu_at_start = False
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
        apply_theme(window)
        size = fit_to_screen(window, scale.size(DESIGN_SIZE))
        place_window(window, size, MIN_SIZE)
        window.bind("<Map>", self._on_map, add="+")
        self._title_fixed = False
        pad = scale.px(28)
        # Two columns of fields while a column keeps CELL_WIDTH design pixels (at Large on 1024 x 768 too);
        # one column when Extra large text makes them narrower.
        inner_width = size[0] - 2 * pad - scale.px(18)
        self.columns = 2 if inner_width // 2 >= scale.px(CELL_WIDTH) else 1
        wrap = inner_width
        self.full_wrap = inner_width - scale.px(24)  # a tick box's words: the whole width
        self.cell_wrap = inner_width // self.columns - scale.px(30)  # a field's words

        tk.Label(window, text=_("Settings"), font=fonts["title"], fg=TEXT, bg=BACKGROUND, anchor="w").pack(
            side="top", fill="x", padx=pad, pady=(scale.px(10), scale.px(2)))
        self.buttons = buttons = tk.Frame(window, bg=BACKGROUND)
        buttons.pack(side="bottom", fill="x", padx=pad, pady=(scale.px(6), scale.px(16)))
        self.status = tk.Label(window, text="", font=fonts["hint"], fg=TEXT, bg=BACKGROUND, anchor="w",
                               justify="left", wraplength=wrap)
        self.pad = pad  # the status line is packed over the buttons only when it has something to say (_say)
        # The pages (Reminders, Your day, This computer) behind tabs: each fits 1024 x 768 at Large; what
        # Extra large makes taller scrolls, never cut off.
        bar = tk.Frame(window, bg=BACKGROUND)
        bar.pack(side="top", fill="x", padx=pad, pady=(scale.px(4), 0))
        self.area = ScrollArea(window, BACKGROUND, bar_width=scale.px(18))
        self.area.pack(side="top", fill="both", expand=True, padx=(pad, 0), pady=(scale.px(10), 0))
        self.pages = Pages(window, bar, self.area.inner, fonts["label"], scale, on_show=self._page_shown)
        self.page_of: dict[tk.Widget, int] = {}
        for number, title in enumerate(PAGES):
            page = self.pages.add(_(title))
            for column in range(self.columns):
                page.columnconfigure(column, weight=1, uniform="column")
            fields = [field for field in FIELDS if field.page == number and self._shown(field)]
            cells = [field for field in fields if field.kind != "flag"]
            row = 0
            if number == REMINDERS:  # what the calibration made of the sensitivity, over its number
                self.note = tk.Label(page, text=self._sensitivity_note(), font=fonts["hint"], fg=TEXT,
                                     bg=BACKGROUND, anchor="w", justify="left", wraplength=self.full_wrap)
                self.note.grid(row=0, column=0, columnspan=self.columns, sticky="new", pady=(0, scale.px(8)))
                row = 1
            for index, field in enumerate(cells):
                self._add_field(self._cell(page, row + index // self.columns, index % self.columns), field)
            ticks = self._cell(page, row + (len(cells) + self.columns - 1) // self.columns, 0, span=self.columns)
            for field in fields:
                if field.kind == "flag":
                    self._add_field(ticks, field)

        button = dict(font=fonts["label"], padx=scale.px(20), pady=scale.px(8), relief="flat", bd=0,
                      highlightthickness=scale.px(3), highlightbackground=TEXT, highlightcolor=FOCUS)
        tk.Button(buttons, text=_("Save  (Enter)"), command=self.save, bg=ACCENT, fg=ON_ACCENT,
                  activebackground=ACCENT_PRESSED, activeforeground=ON_ACCENT, **button).pack(side="right")
        tk.Button(buttons, text=_("Cancel  (Esc)"), command=self.close, bg=BUTTON, fg=TEXT,
                  activebackground=BUTTON_PRESSED, activeforeground=TEXT, **button).pack(side="left")
        # Everything else is in the file: its button under the last page's fields (O opens it from any page)
        computer = self.pages.pages[THIS_COMPUTER]
        tk.Button(computer, text=_("Open the settings file"), command=self.open_the_file, bg=BUTTON, fg=TEXT,
                  activebackground=BUTTON_PRESSED, activeforeground=TEXT, **button).grid(
            row=computer.grid_size()[1], column=0, columnspan=self.columns, sticky="w", pady=(scale.px(8), scale.px(4)))
        from fhp_monitor.gui.setups import add_open_button  # issue 22: the saved setups, in a window of their own
        add_open_button(computer, window, home, self.on_step, scale, **button)
        window.protocol("WM_DELETE_WINDOW", self.close)
        window.bind("<Escape>", lambda _event: self.close())
        window.bind("<Return>", lambda _event: self.save())
        window.bind("<KP_Enter>", lambda _event: self.save())
        window.bind("<KeyPress-o>", self._open_key)
        first = self.entries[(FIELDS[0].section, FIELDS[0].key)]
        window.after_idle(lambda: (window.focus_force(), self.reveal(first)))
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

    def _cell(self, page: tk.Frame, row: int, column: int, span: int = 1) -> tk.Frame:
        cell = tk.Frame(page, bg=BACKGROUND)
        cell.grid(row=row, column=column, columnspan=span, sticky="new", padx=(0, self.scale.px(24)),
                  pady=(0, self.scale.px(10)))
        return cell

    @staticmethod
    def _shown(field: Field) -> bool:
        """Every field, except "Show in the app menu" where no menu entry is made here (Windows: the installer's)."""
        return (field.section, field.key) != ("app", "menu_entry") or menu.supported()

    def _on_page(self, widget: tk.Widget) -> None:
        """``widget`` is a field on the page being built (the last one added)."""
        index = len(self.pages.pages) - 1
        self.page_of[widget] = index
        self.pages.first_field(index, widget)

    def _page_shown(self, _index: int) -> None:
        self.area.canvas.yview_moveto(0)

    def reveal(self, widget: tk.Widget) -> None:
        """Show the page ``widget`` is on and give it the focus (it then scrolls into view)."""
        self.pages.show(self.page_of.get(widget, self.pages.current))
        widget.focus_set()

    def _add_field(self, cell: tk.Frame, field: Field) -> None:
        scale, fonts = self.scale, self.fonts
        where = (field.section, field.key)
        current = getattr(getattr(self.settings, field.section), field.key)
        if field.kind == "flag":
            if where == ("app", "autostart"):
                current = autostart.is_autostart_enabled()  # the truth, even if the wizard set it
            elif where == ("app", "menu_entry"):
                current = self.menu_at_start = menu.is_menu_entry_installed()  # the truth, as for the log-in start
            box, var = tick_box(cell, _(field.label), bool(current), fonts["flag"], self.full_wrap, scale)
            self.flags[where] = var
            self._on_page(box)
            return
        if field.kind == "choice":
            self._add_choice(cell, field, current)
            return
        tk.Label(cell, text=_(field.label), font=fonts["label"], fg=TEXT, bg=BACKGROUND, anchor="w", justify="left",
                 wraplength=self.cell_wrap).pack(
            side="top", fill="x")
        entry = tk.Entry(cell, font=fonts["entry"], fg=TEXT, bg=FIELD, relief="solid", bd=1, highlightthickness=2,
                         highlightcolor=FOCUS, highlightbackground=HINT, insertwidth=scale.px(3), insertbackground=TEXT)
        entry.insert(0, field_text(current, field.kind))
        entry.pack(side="top", fill="x", ipady=scale.px(3))
        entry.bind("<FocusIn>", lambda _event, e=entry: (e.select_range(0, "end"), e.icursor("end")))
        self.entries[where] = entry
        self._on_page(entry)
        hint = _(field.hint) if field.hint else ""
        if where == ("detection", "sensitivity_deg"):
            hint = f"{hint} ({forward_words(2.0)})"
        error = tk.Label(cell, text=hint, font=fonts["hint"], fg=HINT, bg=BACKGROUND, anchor="w", justify="left",
                         wraplength=self.cell_wrap)
        error.pack(side="top", fill="x")
        error.hint = hint  # type: ignore[attr-defined]
        self.errors[where] = error

    def _add_choice(self, cell: tk.Frame, field: Field, current: str) -> None:
        scale, fonts = self.scale, self.fonts
        where = (field.section, field.key)
        tk.Label(cell, text=_(field.label), font=fonts["label"], fg=TEXT, bg=BACKGROUND, anchor="w", justify="left",
                 wraplength=self.cell_wrap).pack(side="top", fill="x")
        box, var = choice_box(cell, CHOICES[where], current, fonts["entry"], scale)
        self.choices[where] = var
        self.choice_boxes[where] = box
        self._on_page(box)

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
            if where == ("app", "menu_entry") and self._menu_wanted() is None:
                continue  # not touched: the file keeps its value (the entry may just not be made yet)
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
            self._say(_(FIX_FIRST))
            self.reveal(self.entries[next(iter(problems))])
            self.on_step("settings: invalid " + " ".join(f"{s}.{k}" for s, k in problems))
            return False
        autostart_wanted = bool(self.flags[("app", "autostart")].get())
        menu_wanted = self._menu_wanted()
        if not changes and autostart_wanted == autostart.is_autostart_enabled() and menu_wanted is None:
            self.on_step("settings: unchanged")
            self.close()
            return False
        try:
            if changes:
                save_changes(self.home.config, changes)
        except (ConfigError, ConfigEditError) as error:
            problem = " ".join(str(error).split("\n"))
            self._say(_(FILE_PROBLEM).format(problem=problem))
            self.on_step("settings: file problem")
            return False
        except OSError as error:
            self._say(_(SAVE_FAILED).format(error=error.strerror or error))
            self.on_step("settings: not saved")
            return False
        autostart.apply_autostart(autostart_wanted, self.autostart_command)
        if menu_wanted is not None:  # ticked or unticked just now: the entry follows at once
            menu.apply_menu_entry(menu_wanted, menu.command_for_home(self.home.root if self.home.chosen else None))
        log.info("settings saved: %s", ", ".join(f"{s}.{k}={v!r}" for (s, k), v in changes.items()) or "log-in start")
        self.saved = True
        self.on_step("settings: saved")
        if changes:
            self.on_saved()
        self.close()
        return True

    def _say(self, text: str) -> None:
        """What went wrong, in a line over the buttons (shown only then: the pages keep its room)."""
        self.status.configure(text=text, fg=BAD)
        if not self.status.winfo_manager():
            self.status.pack(side="bottom", fill="x", padx=self.pad, before=self.area)

    def _menu_wanted(self) -> bool | None:
        """The tick of "Show in the app menu" when the user changed it, else None."""
        var = self.flags.get(("app", "menu_entry"))
        if var is None or bool(var.get()) == self.menu_at_start:
            return None
        return bool(var.get())

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
