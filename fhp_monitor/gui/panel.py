"""The control panel: a small Tk window with large buttons.

It is what a left click on the tray icon opens, and the way to reach every command when the tray
backend has no menu (pystray's xorg backend) or there is no tray at all.

Its buttons stand in two columns, the pauses on the left and the rest on the right, with Quit and
Close under them, so that at Settings → Text size: Large it fits a 1024 x 768 screen in German (the
longest language) without scrolling (tests/gui/test_panel_fit_desktop.py measures it). A screen too
narrow for two columns at that text size gets one; what then does not fit scrolls (Extra large).

Threads: every method must run on the Tk (main) thread. Code on other threads (the tray thread,
the worker) marshals with ``root.after(0, panel.show, snapshot, now)``. ``on_command`` is called on
the Tk thread.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from collections.abc import Callable

from fhp_monitor.core.commands import MENU, PANEL_BUTTONS, Command, possible
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.messages import tooltip
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.gui.scrolling import ScrollArea
from fhp_monitor.gui.sizing import Scale, fit_to_screen, screen_scale
from fhp_monitor.gui.style import FOCUS, apply_theme
from fhp_monitor.gui.theme import theme_in_use

WINDOW_TITLE = "fhp-monitor"
BUTTON_FONT = ("DejaVu Sans", 16)  # design sizes, scaled to the screen (sizing.py)
STATUS_FONT = ("DejaVu Sans", 18, "bold")
#: The panel's design size (its natural size at scale 1, two columns): fits 1024 x 768 as it is.
DESIGN_SIZE = (860, 440)
#: A column of buttons: at least this wide (design pixels), else one column; at most this wide.
COLUMN_MIN, COLUMN_MAX = 260, 400
CLOSE_LABEL = N_("Close  (Esc)")
#: The button groups of the tray menu (core.commands.MENU), without its first entry (this panel):
#: the pauses, the other commands, Quit. PANEL_BUTTONS is the same commands in the same order.
PAUSES, OTHERS, (QUIT_ENTRY,) = MENU[1], MENU[2], MENU[3]


class ControlPanel:
    """A 'fhp-monitor' window: a status line and one large button per command (core.commands.PANEL_BUTTONS).

    Buttons can be reached with the keyboard (Tab, then Space or Enter) as well as the mouse. A
    command that is not possible in the state shown (Resume while not paused) is disabled, as the
    tray greys it out (core.commands.possible). ``theme`` and ``text_size`` are the colours and text
    size it was built with: the window host builds it again when the settings change them.
    """

    def __init__(self, root: tk.Tk | tk.Toplevel, on_command: Callable[[Command], None],
                 scale: Scale | None = None, text_size: str = "normal") -> None:
        self.root = root
        self._on_command = on_command
        self._state: PostureState | None = None  # none shown yet
        self.shown: tuple[StatusSnapshot, float] | None = None  # the last snapshot shown, and when
        self.theme, self.text_size = theme_in_use(), text_size
        scale = scale or screen_scale(root, DESIGN_SIZE, text_size)
        width, height = fit_to_screen(root, (10**6, 10**6))  # the room the screen has
        root.maxsize(width, height)  # Extra large on a small screen: the buttons scroll instead of leaving it
        self.font = scale.font(BUTTON_FONT[1])
        status_font = scale.font(STATUS_FONT[1], "bold")
        root.title(WINDOW_TITLE)
        apply_theme(root)  # the theme's colours for the buttons, which name none
        pad, gap, bar = scale.px(16), scale.px(16), scale.px(16)
        root.configure(padx=pad, pady=pad)
        root.resizable(True, True)
        inner_width = width - 2 * pad - bar  # room for the buttons (and a scroll bar, should one be needed)
        self.columns = 2 if (inner_width - gap) // 2 >= scale.px(COLUMN_MIN) else 1
        column = min((inner_width - gap * (self.columns - 1)) // self.columns, scale.px(COLUMN_MAX))
        # a long label wraps onto a second line within its button (its border, focus ring and padding: 30)
        self._wrap = column - (gap if self.columns == 2 else 0) - scale.px(30)
        self._ring = dict(highlightthickness=scale.px(3), highlightcolor=FOCUS)  # a visible keyboard focus
        self._pady = scale.px(6)
        self.status = tk.StringVar(value="fhp-monitor")
        status = tk.Label(root, textvariable=self.status, font=status_font, anchor="w", justify="left",
                          wraplength=self.columns * column + gap * (self.columns - 1))
        status.pack(fill="x", pady=(0, scale.px(12)))
        status_room = 2 * tkfont.Font(root=root, font=status_font).metrics("linespace")  # two lines of status
        area = ScrollArea(root, root.cget("background"), bar_width=bar,
                          max_height=height - 2 * pad - status_room - scale.px(12))
        area.pack(fill="both", expand=True)
        self.area = area
        for index in range(self.columns):
            area.inner.grid_columnconfigure(index, weight=1, uniform="buttons", minsize=column)
        self.buttons: dict[Command, tk.Button] = {}
        groups = [tk.Frame(area.inner, bg=root.cget("background")) for _group in (PAUSES, OTHERS)]
        for number, (frame, group) in enumerate(zip(groups, (PAUSES, OTHERS))):
            two = self.columns == 2
            frame.grid(row=0 if two else number, column=number if two else 0, sticky="new",
                       padx=(0, gap) if two and number == 0 else 0, pady=(0, 0 if two else gap))
            for command, label in group:
                self.buttons[command] = self._button(frame, _(label), lambda c=command: self._send(c))
                self.buttons[command].pack(fill="x", pady=scale.px(3))
        last = tk.Frame(area.inner, bg=root.cget("background"))  # Quit and Close, side by side under the rest
        last.grid(row=2, column=0, columnspan=self.columns, sticky="new", pady=(scale.px(12), 0))
        for index in range(self.columns):
            last.grid_columnconfigure(index, weight=1, uniform="last")
        quit_command, quit_label = QUIT_ENTRY
        self.buttons[quit_command] = self._button(last, _(quit_label), lambda: self._send(quit_command))
        self.close_button = self._button(last, _(CLOSE_LABEL), self.close)
        for index, button in enumerate((self.buttons[quit_command], self.close_button)):
            two = self.columns == 2
            button.grid(row=0 if two else index, column=index if two else 0, sticky="ew",
                        padx=(0, gap) if two and index == 0 else 0, pady=scale.px(3))
        self.buttons = {command: self.buttons[command] for command, _label in PANEL_BUTTONS}  # in the menu's order
        self._enable()
        root.bind("<Escape>", lambda _event: self.close())

    def _button(self, parent: tk.Misc, text: str, action: Callable[[], None]) -> tk.Button:
        """A large button; Space (Tk's own) and Enter both press it."""
        button = tk.Button(parent, text=text, font=self.font, wraplength=self._wrap, pady=self._pady,
                           command=action, **self._ring)
        button.bind("<Return>", lambda _event: action())
        return button

    def close(self) -> None:
        """Hide the panel (Esc, the Close button); the tray opens it again. Tk thread only."""
        self.root.withdraw()

    def show(self, snapshot: StatusSnapshot, now: float) -> None:
        """Update the status line, e.g. 'Sitting tall' or 'Paused until 14:30', and which buttons are
        enabled. Tk thread only."""
        self.shown = (snapshot, now)
        self.status.set(tooltip(snapshot, now).removeprefix("fhp-monitor: "))
        self._state = PostureState(snapshot.state)
        self._enable()

    def raise_window(self) -> None:
        """Bring the window to the front (after a tray click). Tk thread only."""
        self.root.deiconify()
        self.root.lift()
        self.root.focus_force()  # keys (Esc, Tab, Enter) go to the panel right after the tray click
        next(iter(self.buttons.values())).focus_set()

    def _enable(self) -> None:
        for command, button in self.buttons.items():
            button.configure(state=tk.NORMAL if possible(command, self._state) else tk.DISABLED)

    def _send(self, command: Command) -> None:
        if possible(command, self._state):  # Return reaches a disabled button's binding too
            self._on_command(command)
