"""The control panel: a small Tk window with large buttons.

It is what a left click on the tray icon opens, and the way to reach every command when the tray
backend has no menu (pystray's xorg backend) or there is no tray at all.

Threads: every method must run on the Tk (main) thread. Code on other threads (the tray thread,
the worker) marshals with ``root.after(0, panel.show, snapshot, now)``. ``on_command`` is called on
the Tk thread.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

from fhp_monitor.core.commands import PANEL_BUTTONS, Command, possible
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.messages import tooltip
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.gui.scrolling import ScrollArea
from fhp_monitor.gui.sizing import Scale, fit_to_screen, screen_scale
from fhp_monitor.gui.style import FOCUS, apply_theme

WINDOW_TITLE = "fhp-monitor"
BUTTON_FONT = ("DejaVu Sans", 16)  # design sizes, scaled to the screen (sizing.py)
STATUS_FONT = ("DejaVu Sans", 18, "bold")
#: The panel's design size (its natural size at scale 1): fits 1024 x 768 as it is.
DESIGN_SIZE = (420, 560)
CLOSE_LABEL = N_("Close  (Esc)")


class ControlPanel:
    """A 'fhp-monitor' window: a status line and one large button per command (core.commands.PANEL_BUTTONS).

    Buttons can be reached with the keyboard (Tab, then Space or Enter) as well as the mouse. A
    command that is not possible in the state shown (Resume while not paused) is disabled, as the
    tray greys it out (core.commands.possible).
    """

    def __init__(self, root: tk.Tk | tk.Toplevel, on_command: Callable[[Command], None],
                 scale: Scale | None = None, text_size: str = "normal") -> None:
        self.root = root
        self._on_command = on_command
        self._state: PostureState | None = None  # none shown yet
        scale = scale or screen_scale(root, DESIGN_SIZE, text_size)
        width, height = fit_to_screen(root, (10**6, 10**6))  # the room the screen has
        root.maxsize(width, height)  # larger text: the buttons scroll instead of leaving the screen
        button_font, status_font = scale.font(BUTTON_FONT[1]), scale.font(STATUS_FONT[1], "bold")
        root.title(WINDOW_TITLE)
        apply_theme(root)  # the theme's colours for the buttons, which name none
        root.configure(padx=scale.px(16), pady=scale.px(16))
        root.resizable(True, True)
        self.status = tk.StringVar(value="fhp-monitor")
        tk.Label(root, textvariable=self.status, font=status_font, anchor="w").pack(fill="x", pady=(0, scale.px(12)))
        self.buttons: dict[Command, tk.Button] = {}
        area = ScrollArea(root, root.cget("background"), bar_width=scale.px(16),
                          max_height=height - scale.px(100))  # the status line and the padding above
        area.pack(fill="both", expand=True)
        ring = dict(highlightthickness=scale.px(3), highlightcolor=FOCUS)  # a visible keyboard focus
        for command, label in PANEL_BUTTONS:
            button = tk.Button(area.inner, text=_(label), font=button_font, width=26, pady=scale.px(6),
                               command=lambda c=command: self._send(c), **ring)
            button.bind("<Return>", lambda _event, c=command: self._send(c))
            button.pack(fill="x", pady=scale.px(3))
            self.buttons[command] = button
        self._enable()
        self.close_button = tk.Button(area.inner, text=_(CLOSE_LABEL), font=button_font, width=26,
                                      pady=scale.px(6), command=self.close, **ring)
        self.close_button.bind("<Return>", lambda _event: self.close())
        self.close_button.pack(fill="x", pady=(scale.px(12), 0))
        root.bind("<Escape>", lambda _event: self.close())

    def close(self) -> None:
        """Hide the panel (Esc, the Close button); the tray opens it again. Tk thread only."""
        self.root.withdraw()

    def show(self, snapshot: StatusSnapshot, now: float) -> None:
        """Update the status line, e.g. 'Sitting tall' or 'Paused until 14:30', and which buttons are
        enabled. Tk thread only."""
        self.status.set(tooltip(snapshot, now).removeprefix("fhp-monitor: "))
        self._state = PostureState(snapshot.state)
        self._enable()

    def raise_window(self) -> None:
        """Bring the window to the front (after a tray click). Tk thread only."""
        self.root.deiconify()
        self.root.lift()
        self.root.focus_force()  # keys (Esc, Tab, Enter) go to the panel right after the tray click
        self.buttons[PANEL_BUTTONS[0][0]].focus_set()

    def _enable(self) -> None:
        for command, button in self.buttons.items():
            button.configure(state=tk.NORMAL if possible(command, self._state) else tk.DISABLED)

    def _send(self, command: Command) -> None:
        if possible(command, self._state):  # Return reaches a disabled button's binding too
            self._on_command(command)
