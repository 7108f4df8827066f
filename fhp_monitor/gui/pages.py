"""Pages of a window behind a row of tabs, usable without a mouse (the settings window's three pages).

The tabs are large labels in the window's own look (Tk's ttk notebook tabs are small and take no
theme colours): Tab and Shift+Tab reach them like any field, with the same focus ring; Space, a
click or Left/Right on a tab shows its page. Ctrl+Tab and Ctrl+Shift+Tab (also Ctrl+Page Down / Page
Up) show the next or previous page from anywhere in the window, with the focus on its first field.
The page shown is the only one packed, so Tab and Shift+Tab never reach a field that cannot be seen.

Threads: the Tk thread only.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable

from fhp_monitor.gui.sizing import Scale
from fhp_monitor.gui.style import ACCENT, BACKGROUND, BUTTON, FOCUS, ON_ACCENT, TEXT


class Pages:
    """Tabs in ``bar`` (a frame), pages in ``holder``; ``on_show(index)`` after a page is shown."""

    def __init__(self, window: tk.Misc, bar: tk.Frame, holder: tk.Frame, font: tuple, scale: Scale,
                 on_show: Callable[[int], None] | None = None) -> None:
        self.window, self.bar, self.holder, self.font, self.scale = window, bar, holder, font, scale
        self.on_show = on_show or (lambda index: None)
        self.tabs: list[tk.Label] = []
        self.pages: list[tk.Frame] = []
        self.firsts: list[tk.Widget | None] = []  # the first field of each page (the focus after Ctrl+Tab)
        self.current = -1
        for sequence, step in (("<Control-Tab>", 1), ("<Control-Next>", 1), ("<Control-Shift-Tab>", -1),
                               ("<Control-Prior>", -1), ("<Control-ISO_Left_Tab>", -1)):
            try:
                window.bind(sequence, lambda _event, step=step: self._step(step), add="+")
            except tk.TclError:  # ISO_Left_Tab (X11's Shift+Tab) is not a key on every system
                pass

    def add(self, title: str) -> tk.Frame:
        """A new page (a frame to fill) with its tab."""
        index = len(self.pages)
        tab = tk.Label(self.bar, text=title, font=self.font, padx=self.scale.px(18), pady=self.scale.px(6),
                       takefocus=True, cursor="hand2", highlightthickness=self.scale.px(3),
                       highlightbackground=TEXT, highlightcolor=FOCUS)
        tab.pack(side="left", padx=(0, self.scale.px(8)))
        tab.bind("<space>", lambda _event: self.show(index))
        tab.bind("<Button-1>", lambda _event: (self.show(index), tab.focus_set()))
        tab.bind("<Right>", lambda _event: self._arrow(1))
        tab.bind("<Left>", lambda _event: self._arrow(-1))
        self.tabs.append(tab)
        page = tk.Frame(self.holder, bg=BACKGROUND)
        self.pages.append(page)
        self.firsts.append(None)
        if index == 0:
            self.show(0)
        else:
            self._paint()
        return page

    def first_field(self, index: int, widget: tk.Widget) -> None:
        if self.firsts[index] is None:
            self.firsts[index] = widget

    def show(self, index: int) -> None:
        """Show page ``index`` (the others are unpacked)."""
        if index == self.current:
            return
        if 0 <= self.current < len(self.pages):
            self.pages[self.current].pack_forget()
        self.current = index
        self.pages[index].pack(side="top", fill="both", expand=True)
        self.window.update_idletasks()  # mapped now: its fields can take the focus
        self._paint()
        self.on_show(index)

    def _paint(self) -> None:
        for number, tab in enumerate(self.tabs):
            shown = number == self.current  # the page shown: filled in the accent colour
            tab.configure(bg=ACCENT if shown else BUTTON, fg=ON_ACCENT if shown else TEXT)

    def _arrow(self, step: int) -> str:
        index = (self.current + step) % len(self.pages)
        self.show(index)
        self.tabs[index].focus_set()
        return "break"

    def _step(self, step: int) -> str:
        """Ctrl+Tab and friends: the next page, its first field focused (a tab stays on the tabs)."""
        on_a_tab = self.window.focus_get() in self.tabs
        index = (self.current + step) % len(self.pages)
        self.show(index)
        target = self.tabs[index] if on_a_tab or self.firsts[index] is None else self.firsts[index]
        target.focus_set()
        return "break"  # not also Tk's own Tab, which would move the focus on once more
