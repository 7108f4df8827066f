"""The settings window's two home-made controls, large enough to see and used with the keyboard
(Tk's own check box and option menu are small and take no theme colours):

* :func:`tick_box` — "☑ words": Tab reaches it, Space or a click ticks it;
* :func:`choice_box` — "◀ Deutsch ▶": Tab reaches it, Space, Right or a click shows the next
  choice, Left the previous one.

Threads: the Tk thread only.
"""

from __future__ import annotations

import tkinter as tk
from typing import Any

from fhp_monitor.core.i18n import _
from fhp_monitor.gui.sizing import Scale
from fhp_monitor.gui.style import BACKGROUND, FIELD, FOCUS, HINT, TEXT

CHECKED, UNCHECKED = "\u2611", "\u2610"


def tick_box(cell: tk.Misc, label: str, value: bool, font: tuple, wrap: int, scale: Scale) -> tuple[tk.Label,
                                                                                                     tk.BooleanVar]:
    """A tick box labelled ``label`` (already translated), packed in ``cell``; returns it and its variable."""
    var = tk.BooleanVar(value=value)
    box = tk.Label(cell, text="", font=font, fg=TEXT, bg=BACKGROUND, anchor="w", justify="left", wraplength=wrap,
                   takefocus=True, cursor="hand2", highlightthickness=scale.px(3), highlightbackground=BACKGROUND,
                   highlightcolor=FOCUS)

    def show(*_args: Any) -> None:
        box.configure(text=f"{CHECKED if var.get() else UNCHECKED} {label}")

    def toggle(_event: tk.Event | None = None) -> None:
        var.set(not var.get())

    var.trace_add("write", show)
    show()
    box.bind("<space>", toggle)
    box.bind("<Button-1>", lambda event: (toggle(event), event.widget.focus_set()))
    box.pack(side="top", fill="x", pady=(scale.px(6), 0))
    return box, var


def choice_box(cell: tk.Misc, options: tuple[tuple[str, str], ...], current: str, font: tuple,
               scale: Scale) -> tuple[tk.Label, tk.StringVar]:
    """A choice among ``options`` ((value, words to translate), ...), packed in ``cell``; returns it
    and its variable (the value)."""
    keys = [key for key, _words in options]
    var = tk.StringVar(value=current if current in keys else keys[0])
    box = tk.Label(cell, text="", font=font, fg=TEXT, bg=FIELD, anchor="w", bd=0, takefocus=True, cursor="hand2",
                   highlightthickness=scale.px(3), highlightbackground=HINT, highlightcolor=FOCUS)  # a field's frame

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
    return box, var
