"""The "Your setups" window: the saved calibrations, one per place the user works at (core/setups.py),
to rename and delete. Opened from the settings window's "Your setups" button; ``fhp-monitor setups``
does the same at the command line.

One row per setup: its name (the one in use marked so), Rename and Delete. Rename turns the name into
a text field (Enter keeps, Esc goes back); Delete asks on the row itself ("Delete it?" Yes / No). The
setup in use cannot be deleted (its Delete button is not shown; the words say why). After a change the
running fhp-monitor is told (on a short thread of its own, through its control channel, as the
command line does), so its tray shows the new name.

Keys: Tab moves between buttons, Space or Enter presses one, Esc closes. Threads: the Tk thread; with
``on_step`` it reports "setups: ready", "setups: renamed", "setups: deleted", "setups: problem" and
"setups: closed" for tests and logs.
"""

from __future__ import annotations

import logging
import threading
import tkinter as tk
from collections.abc import Callable
from typing import Any

from fhp_monitor.core.calibration import CalibrationError
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.setups import SetupBook
from fhp_monitor.gui.scrolling import ScrollArea
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
    ON_ACCENT,
    TEXT,
    apply_theme,
    store_x11_title_as_utf8,
)
from fhp_monitor.home.folder import Home
from fhp_monitor.store import setups as files

log = logging.getLogger(__name__)

WINDOW_TITLE = N_("fhp-monitor \u2014 Your setups")
OPEN_BUTTON = N_("Your setups\u2026")  # the settings window's button that opens this one
DESIGN_SIZE = (900, 620)
MIN_SIZE = (520, 360)
TITLE_PT, LABEL_PT, TEXT_PT = 26, 19, 16
ABOUT = N_("Each place you work at keeps its own calibration: a laptop on the desk, the same laptop "
           "at a big screen. When the camera moves to a place you have calibrated, fhp-monitor uses that "
           "calibration by itself. To add a place, sit there and calibrate (\u201cSit tall again\u201d).")
IN_USE = N_("in use now")
NONE_YET = N_("No setups saved yet. Calibrate (\u201cSit tall again\u201d) to save the first one.")
CANNOT_READ = N_("The saved setups cannot be read: {problem}")


class SetupsWindow:
    """The window inside ``window`` (a Tk root or a Toplevel)."""

    def __init__(self, window: tk.Tk | tk.Toplevel, *, home: Home, on_step: Callable[[str], None] | None = None,
                 scale: Scale | None = None, text_size: str = "normal",
                 on_changed: Callable[[Home], None] | None = None) -> None:
        self.window, self.home = window, home
        self.on_step = on_step or (lambda line: None)
        self.on_changed = on_changed or tell_running_app
        self.scale = scale = scale or screen_scale(window, DESIGN_SIZE, text_size)
        self.fonts = {"title": scale.font(TITLE_PT, "bold"), "name": scale.font(LABEL_PT, "bold"),
                      "text": scale.font(TEXT_PT), "button": scale.font(TEXT_PT)}
        self._closed = False
        window.title(_(WINDOW_TITLE))
        apply_theme(window)
        size = fit_to_screen(window, scale.size(DESIGN_SIZE))
        place_window(window, size, MIN_SIZE)
        pad = scale.px(28)
        self.wrap = size[0] - 2 * pad - scale.px(30)
        tk.Label(window, text=_("Your setups"), font=self.fonts["title"], fg=TEXT, bg=BACKGROUND, anchor="w").pack(
            side="top", fill="x", padx=pad, pady=(scale.px(18), scale.px(4)))
        tk.Label(window, text=_(ABOUT), font=self.fonts["text"], fg=TEXT, bg=BACKGROUND, anchor="w", justify="left",
                 wraplength=self.wrap).pack(side="top", fill="x", padx=pad)
        bottom = tk.Frame(window, bg=BACKGROUND)
        bottom.pack(side="bottom", fill="x", padx=pad, pady=(scale.px(6), scale.px(18)))
        self._button(bottom, _("Close  (Esc)"), self.close, primary=True).pack(side="right")
        self.status = tk.Label(window, text="", font=self.fonts["text"], fg=TEXT, bg=BACKGROUND, anchor="w",
                               justify="left", wraplength=self.wrap)
        self.status.pack(side="bottom", fill="x", padx=pad)
        self.area = ScrollArea(window, BACKGROUND, bar_width=scale.px(18))
        self.area.pack(side="top", fill="both", expand=True, padx=(pad, 0), pady=(scale.px(12), 0))
        window.protocol("WM_DELETE_WINDOW", self.close)
        window.bind("<Escape>", lambda _event: self.close())
        window.bind("<Map>", lambda event: event.widget is window and store_x11_title_as_utf8(window, _(WINDOW_TITLE)),
                    add="+")
        self.show()
        window.after_idle(window.focus_force)
        self.on_step("setups: ready")

    def _button(self, parent: tk.Misc, text: str, command: Callable[[], None], primary: bool = False) -> tk.Button:
        colours = (dict(bg=ACCENT, fg=ON_ACCENT, activebackground=ACCENT_PRESSED, activeforeground=ON_ACCENT)
                   if primary else dict(bg=BUTTON, fg=TEXT, activebackground=BUTTON_PRESSED, activeforeground=TEXT))
        button = tk.Button(parent, text=text, command=command, font=self.fonts["button"], padx=self.scale.px(16),
                           pady=self.scale.px(6), relief="flat", bd=0, highlightthickness=self.scale.px(3),
                           highlightbackground=TEXT, highlightcolor=FOCUS, **colours)
        button.bind("<Return>", lambda _event: command())
        return button

    # ------------------------------------------------------------------ the list

    def book(self) -> SetupBook | None:
        try:
            return files.read_book(self.home)
        except (CalibrationError, OSError) as error:
            self.say(_(CANNOT_READ).format(problem=error), bad=True)
            return None

    def show(self, book: SetupBook | None = None) -> None:
        """Draw one row per saved setup (again, after a change)."""
        book = book if book is not None else self.book()
        for child in self.area.inner.winfo_children():
            child.destroy()
        self.rows: dict[str, tk.Frame] = {}
        if book is None:
            return
        if not book.setups:
            tk.Label(self.area.inner, text=_(NONE_YET), font=self.fonts["text"], fg=TEXT, bg=BACKGROUND,
                     anchor="w", justify="left", wraplength=self.wrap).pack(side="top", fill="x")
        for setup in book.setups:
            row = tk.Frame(self.area.inner, bg=BACKGROUND)
            row.pack(side="top", fill="x", pady=(0, self.scale.px(10)), padx=(0, self.scale.px(20)))
            self.rows[setup.name] = row
            self._plain_row(row, setup.name, setup.name == book.active)

    def _clear(self, row: tk.Frame) -> None:
        for child in row.winfo_children():
            child.destroy()

    def _plain_row(self, row: tk.Frame, name: str, in_use: bool) -> None:
        self._clear(row)
        words = f"{name}  \u2014  {_(IN_USE)}" if in_use else name
        tk.Label(row, text=words, font=self.fonts["name"], fg=TEXT, bg=BACKGROUND, anchor="w").pack(
            side="left", fill="x", expand=True)
        if not in_use:
            self._button(row, _("Delete"), lambda: self._ask_delete(row, name)).pack(side="right")
        self._button(row, _("Rename"), lambda: self._start_rename(row, name, in_use)).pack(
            side="right", padx=self.scale.px(10))

    def _start_rename(self, row: tk.Frame, name: str, in_use: bool) -> None:
        self._clear(row)
        entry = tk.Entry(row, font=self.fonts["name"], fg=TEXT, bg=FIELD, relief="solid", bd=1,
                         highlightthickness=self.scale.px(3), highlightcolor=FOCUS)
        entry.insert(0, name)
        entry.pack(side="left", fill="x", expand=True)
        entry.bindtags((str(entry), "Entry", "all"))  # Esc here leaves the field, not the window
        keep = lambda: self._rename(name, entry.get())  # noqa: E731 - one line, used three times
        entry.bind("<Return>", lambda _event: keep())
        entry.bind("<KP_Enter>", lambda _event: keep())
        entry.bind("<Escape>", lambda _event: self._plain_row(row, name, in_use))
        self._button(row, _("Cancel"), lambda: self._plain_row(row, name, in_use)).pack(side="right")
        self._button(row, _("Keep"), keep, primary=True).pack(side="right", padx=self.scale.px(10))
        entry.focus_set()
        entry.select_range(0, "end")
        self.on_step(f"setups: renaming {name}")

    def _ask_delete(self, row: tk.Frame, name: str) -> None:
        self._clear(row)
        tk.Label(row, text=_("Delete \u201c{name}\u201d?").format(name=name), font=self.fonts["name"], fg=TEXT,
                 bg=BACKGROUND, anchor="w").pack(side="left", fill="x", expand=True)
        self._button(row, _("No, keep it"), lambda: self._plain_row(row, name, False)).pack(side="right")
        yes = self._button(row, _("Yes, delete"), lambda: self._delete(name))
        yes.pack(side="right", padx=self.scale.px(10))
        yes.focus_set()
        self.on_step(f"setups: deleting {name}")

    # ------------------------------------------------------------------ changes

    def _rename(self, old: str, new: str) -> None:
        try:
            book = files.rename(self.home, old, new)
        except (ValueError, OSError) as error:  # a bad name (words for the user), or a disk problem
            self.say(str(error), bad=True)
            self.on_step("setups: problem")
            return
        self.show(book)
        self.say(_("Renamed."))
        self.on_step("setups: renamed")
        self.on_changed(self.home)

    def _delete(self, name: str) -> None:
        try:
            book = files.delete(self.home, name)
        except (ValueError, OSError) as error:
            self.say(str(error), bad=True)
            self.on_step("setups: problem")
            return
        self.show(book)
        self.say(_("Deleted."))
        self.on_step("setups: deleted")
        self.on_changed(self.home)

    def say(self, text: str, bad: bool = False) -> None:
        self.status.configure(text=text, fg=BAD if bad else TEXT)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.on_step("setups: closed")
        self.window.destroy()


def tell_running_app(home: Home) -> None:
    """The running fhp-monitor (this process's, or another's) reads the setups again, on a short thread
    of its own: the control channel answers from the app's main thread, which may be this one."""
    from fhp_monitor.control.client import reload_running

    def tell() -> None:
        try:
            reload_running(home)
        except Exception as exc:  # noqa: BLE001 - a tray that shows the old name is no reason to fail
            log.warning("could not tell the running fhp-monitor about the setups: %s", exc)

    threading.Thread(target=tell, name="fhp-setups-tell", daemon=True).start()


def add_open_button(page: tk.Misc, window: tk.Misc, home: Home, on_step: Callable[[str], None], scale: Scale,
                    **button: Any) -> None:
    """The settings window's one button that opens this window, on the next row of ``page``'s grid."""
    tk.Button(page, text=_(OPEN_BUTTON), command=lambda: open_setups(window, home=home, on_step=on_step, scale=scale),
              bg=BUTTON, fg=TEXT, activebackground=BUTTON_PRESSED, activeforeground=TEXT, **button).grid(
        row=page.grid_size()[1], column=0, columnspan=page.grid_size()[0] or 1, sticky="w")


def open_setups(parent: tk.Misc, **options: Any) -> SetupsWindow:
    """Open the window over ``parent`` (the settings window); ``options`` are SetupsWindow's."""
    window = tk.Toplevel(parent)
    return SetupsWindow(window, **options)


def run_setups(**options: Any) -> None:
    """The window in its own Tk root until it closes (tests, and a window without the app)."""
    root = tk.Tk(className="fhp-monitor")
    SetupsWindow(root, **options)
    root.mainloop()
