"""A vertical scrolling area for a window's content: what does not fit scrolls instead of being cut off.

With large text (Settings → Text size) a window's content can be taller than a 1024 x 768 screen.
:class:`ScrollArea` puts it in a canvas with a scroll bar; the mouse wheel scrolls it, and a widget
that gets the keyboard focus (Tab, Shift+Tab) is scrolled into view, so keyboard-only use still
reaches every field. Threads: the Tk thread only.
"""

from __future__ import annotations

import tkinter as tk


class ScrollArea(tk.Frame):
    """``area.inner`` is the frame to fill; ``area`` itself is packed or gridded like any frame."""

    def __init__(self, parent: tk.Misc, background: str, bar_width: int = 16, max_height: int | None = None) -> None:
        super().__init__(parent, bg=background)
        self.max_height = max_height or parent.winfo_screenheight()
        self.canvas = tk.Canvas(self, bg=background, highlightthickness=0, bd=0)
        self.bar = tk.Scrollbar(self, orient="vertical", command=self.canvas.yview, width=bar_width)
        self.canvas.configure(yscrollcommand=self.bar.set)
        self.inner = tk.Frame(self.canvas, bg=background)
        self._window = self.canvas.create_window(0, 0, anchor="nw", window=self.inner)
        self.canvas.pack(side="left", fill="both", expand=True)
        self.inner.bind("<Configure>", self._content_resized)
        self.canvas.bind("<Configure>", self._resized)
        # the whole application's: wheel events go to the widget under the pointer, focus to the one focused
        self._bound = [(sequence, self.bind_all(sequence, self._wheel, add="+"))
                       for sequence in ("<Button-4>", "<Button-5>", "<MouseWheel>")]
        self._bound.append(("<FocusIn>", self.bind_all("<FocusIn>", self._focused, add="+")))
        self.bind("<Destroy>", self._unbind_all, add="+")

    def _unbind_all(self, event: tk.Event) -> None:
        """This area is destroyed (its window closed, the control panel built again): take its handlers off
        the application's bindings, leaving those of other areas, so no event reaches a widget that is gone."""
        if event.widget is not self:
            return
        for sequence, funcid in self._bound:
            script = self.tk.call("bind", "all", sequence)
            self.tk.call("bind", "all", sequence, "\n".join(line for line in str(script).split("\n")
                                                            if funcid not in line))
            self._root().deletecommand(funcid)  # bind_all registered it with the root
        self._bound = []

    @property
    def scrolls(self) -> bool:
        """True when the content is taller than the area (the scroll bar is shown)."""
        return self.inner.winfo_reqheight() > self.canvas.winfo_height() > 1

    def _content_resized(self, _event: tk.Event | None = None) -> None:
        """Ask for the content's own size (up to ``max_height``), so a window that is not given a
        size is as large as its content, and only what does not fit the screen scrolls."""
        self.canvas.configure(width=self.inner.winfo_reqwidth(), height=min(self.inner.winfo_reqheight(),
                                                                             self.max_height))
        self._resized()

    def _resized(self, _event: tk.Event | None = None) -> None:
        self.canvas.itemconfigure(self._window, width=self.canvas.winfo_width())
        self.canvas.configure(scrollregion=(0, 0, self.inner.winfo_reqwidth(), self.inner.winfo_reqheight()))
        if self.scrolls:
            self.bar.pack(side="right", fill="y", before=self.canvas)
        else:
            self.bar.pack_forget()
            self.canvas.yview_moveto(0)

    def _inside(self, widget: object) -> bool:
        path = str(widget)
        return isinstance(widget, tk.Misc) and path.startswith(str(self.inner) + ".")

    def _wheel(self, event: tk.Event) -> None:
        if not self.scrolls or not self._inside(event.widget):
            return
        step = -1 if getattr(event, "num", 0) == 4 or getattr(event, "delta", 0) > 0 else 1
        self.canvas.yview_scroll(step * 3, "units")

    def _focused(self, event: tk.Event) -> None:
        """Scroll a newly focused widget into view (keyboard users see where they are)."""
        widget = event.widget
        if not self.scrolls or not self._inside(widget):
            return
        total = max(1, self.inner.winfo_reqheight())
        top = widget.winfo_rooty() - self.inner.winfo_rooty()
        bottom = top + widget.winfo_height()
        shown_top, shown_bottom = (fraction * total for fraction in self.canvas.yview())
        margin = 20
        if top - margin < shown_top:
            self.canvas.yview_moveto(max(0.0, (top - margin) / total))
        elif bottom + margin > shown_bottom:
            self.canvas.yview_moveto(min(1.0, (bottom + margin - (shown_bottom - shown_top)) / total))
