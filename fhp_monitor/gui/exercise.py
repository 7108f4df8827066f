"""The guided exercise window: a safety screen, a drawn figure, one sentence per step, a big countdown.

Repetitions the camera sees are counted against the user's calibration (core/exercise.py) and shown
as "3 of 5 — well done"; when the camera cannot tell (no calibration, no one in view, poor light, the
camera off or busy) the window says so once, plainly, and is a timed guide ("Round 3 of 5"). It never
scolds. Skip (S), Stop (Esc), Not now (N) and Safety (H) are buttons and keys; Enter starts. It is an
ordinary window: never on top of everything, never grabbing the keyboard from other programs.

Threads: every method on the Tk (main) thread; camera readings come through a ReadingFeed's queue,
polled here every :data:`TICK_MS`. ``record`` gets each finished exercise (a core.exercise.DoneExercise)
on the Tk thread; ``on_close(result)`` is called once with "done", "stopped" or "later".
"""

from __future__ import annotations

import math
import time
import tkinter as tk
from collections.abc import Callable

from fhp_monitor.core import exercise_guide as guide
from fhp_monitor.core.exercise import DoneExercise, ExerciseError, RepetitionCounter, target_for
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.gui.sizing import Scale, place_window, screen_scale
from fhp_monitor.gui.style import (
    ACCENT,
    ACCENT_PRESSED,
    BACKGROUND,
    BUTTON_PRESSED,
    ON_ACCENT,
    PALE,
    TEXT,
    UNKNOWN,
    apply_theme,
    store_x11_title_as_utf8,
)
from fhp_monitor.gui.style import BUTTON as BUTTON_COLOUR

TITLE = N_("fhp-monitor \u2014 Exercise")
DESIGN_SIZE = (960, 660)  # fits 1024 x 768 with a panel and a title bar
TICK_MS = 100
#: Without a usable reading for this long the camera "cannot tell" (the timed guide takes over).
UNSEEN_S = 3.0
INK, MUTED = TEXT, UNKNOWN  # the project's look (gui/style.py); PALE: the resting figure behind
#: Buttons as in the other windows: flat and light, the one to press first in the accent colour.
BUTTON = {"relief": "flat", "bd": 0, "highlightthickness": 2, "highlightbackground": TEXT, "bg": BUTTON_COLOUR,
          "fg": TEXT, "activebackground": BUTTON_PRESSED, "activeforeground": TEXT}
PRIMARY = {**BUTTON, "bg": ACCENT, "fg": ON_ACCENT, "activebackground": ACCENT_PRESSED, "activeforeground": ON_ACCENT}


def figure_points(exercise: str, pose: float) -> dict[str, tuple[float, float]]:
    """Key points (design pixels, side view facing right) of the figure at ``pose`` (0 rest .. 1 done)."""
    shoulder = [150.0, 180.0]
    head = [172.0, 110.0]
    if exercise == guide.SHOULDER_SQUEEZE:
        shoulder = [150.0 - 14 * pose, 180.0 + 9 * pose]
        head = [172.0 - 3 * pose, 110.0]
    elif exercise == guide.CHIN_TUCK:
        head = [172.0 - 18 * pose, 110.0 + 2 * pose]
    elif exercise == guide.HEAD_LIFT:
        head = [172.0 - 4 * pose, 110.0 - 18 * pose]
    return {"hip": (130.0, 300.0), "shoulder": tuple(shoulder), "head": tuple(head),
            "elbow": (shoulder[0] + 22, 245.0), "hand": (235.0, 250.0)}


def draw_figure(canvas: tk.Canvas, scale: Scale, exercise: str, pose: float) -> None:
    """The project's own drawing: a seated person seen from the side, the rest pose pale behind."""
    canvas.delete("all")
    s = scale.px

    def person(points: dict, colour: str, width: float) -> None:
        hip, shoulder, head = points["hip"], points["shoulder"], points["head"]
        neck = (shoulder[0] + 0.35 * (head[0] - shoulder[0]), shoulder[1] + 0.45 * (head[1] - shoulder[1]))
        canvas.create_line(s(hip[0]), s(hip[1]), s(shoulder[0]), s(shoulder[1]), s(neck[0]), s(neck[1]),
                           fill=colour, width=s(width), capstyle="round", joinstyle="round", smooth=True)
        canvas.create_line(s(shoulder[0]), s(shoulder[1]), s(points["elbow"][0]), s(points["elbow"][1]),
                           s(points["hand"][0]), s(points["hand"][1]), fill=colour, width=s(width * 0.7),
                           capstyle="round", joinstyle="round")
        r = 34
        canvas.create_oval(s(head[0] - r), s(head[1] - r), s(head[0] + r), s(head[1] + r), outline=colour,
                           width=s(width * 0.5))
        canvas.create_polygon(s(head[0] + r - 2), s(head[1] - 6), s(head[0] + r + 9), s(head[1] + 6),
                              s(head[0] + r - 2), s(head[1] + 8), fill=colour, outline=colour)
        canvas.create_oval(s(head[0] - 10), s(head[1] - 6), s(head[0]), s(head[1] + 10), outline=colour,
                           width=s(width * 0.3))  # the ear
        canvas.create_oval(s(head[0] + 16), s(head[1] - 12), s(head[0] + 23), s(head[1] - 5), fill=colour,
                           outline="")  # the eye

    canvas.create_line(s(95), s(310), s(250), s(310), fill=MUTED, width=s(6), capstyle="round")  # seat
    canvas.create_line(s(95), s(310), s(95), s(170), fill=MUTED, width=s(6), capstyle="round")  # chair back
    canvas.create_line(s(250), s(310), s(250), s(370), fill=MUTED, width=s(6))
    if pose > 0.02:
        person(figure_points(exercise, 0.0), PALE, 14)
    person(figure_points(exercise, pose), INK, 14)
    p = figure_points(exercise, 1.0)
    arrows = {guide.CHIN_TUCK: ((p["head"][0] + 95, p["head"][1]), (p["head"][0] + 55, p["head"][1])),
              guide.SHOULDER_SQUEEZE: ((p["shoulder"][0] + 40, p["shoulder"][1] - 30),
                                       (p["shoulder"][0] + 12, p["shoulder"][1] - 6)),
              guide.HEAD_LIFT: ((p["head"][0], p["head"][1] - 45), (p["head"][0], p["head"][1] - 85))}
    (x0, y0), (x1, y1) = arrows[exercise]
    canvas.create_line(s(x0), s(y0), s(x1), s(y1), fill=ACCENT, width=s(7), arrow="last",
                       arrowshape=(s(16), s(20), s(8)))


class ExerciseWindow:
    """One guided break in ``window`` (a Tk or Toplevel). See the module docstring."""

    def __init__(self, window, which: str | None, baseline, feed, *, show_safety: bool,
                 record: Callable[[DoneExercise], None], on_close: Callable[[str], None],
                 on_safety_seen: Callable[[], None] = lambda: None, on_step: Callable[[str], None] = lambda line: None,
                 ask_neck: Callable[[int], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.window, self.baseline, self.feed = window, baseline, feed
        self.record, self.on_close, self.on_safety_seen, self.on_step = record, on_close, on_safety_seen, on_step
        self.clock, self.wall = clock, wall
        self.steps = guide.plan(which)
        self.index = -1
        self.step_started = 0.0
        self.paused_at: float | None = None
        self.counter: RepetitionCounter | None = None
        self.exercise_started: tuple[float, float] | None = None  # (wall, monotonic)
        self.holds_done = 0
        self.last_usable = -math.inf
        self.camera_off = feed is None
        self.ask_neck = ask_neck  # the optional daily check-in, asked on the last screen
        self.closed = False
        self.scale = scale = screen_scale(window, DESIGN_SIZE)
        window.title(_(TITLE))
        apply_theme(window)
        place_window(window, scale.size(DESIGN_SIZE), scale.size((640, 480)))
        window.protocol("WM_DELETE_WINDOW", lambda: self.finish("stopped"))
        self._title_fixed = False
        window.bind("<Map>", self._on_map, add="+")
        self._build(scale)
        for keys, action in ((("<Escape>",), lambda: self.finish("stopped")), (("s", "S"), self.skip),
                             (("n", "N"), lambda: self.finish("later")), (("h", "H", "<F1>"), self.show_safety),
                             (("<Return>", "<KP_Enter>"), self.enter)):
            for key in keys:
                window.bind(key, lambda _event, a=action: a())
        if show_safety:
            self.show_safety()
        else:
            self.start()
        window.after(TICK_MS, self.tick)

    def _on_map(self, event) -> None:
        if event.widget is self.window and not self._title_fixed:  # Tk writes WM_NAME when it maps the window
            self._title_fixed = True
            store_x11_title_as_utf8(self.window, _(TITLE))

    # ------------------------------------------------------------------ layout
    def _build(self, scale: Scale) -> None:
        w = self.window
        font = scale.font
        self.main = tk.Frame(w, background=BACKGROUND, padx=scale.px(24), pady=scale.px(16))
        self.heading = tk.Label(self.main, font=font(24, "bold"), fg=INK, bg=BACKGROUND, anchor="w")
        self.heading.grid(row=0, column=0, columnspan=2, sticky="we")
        self.canvas = tk.Canvas(self.main, width=scale.px(360), height=scale.px(380), background=BACKGROUND,
                                highlightthickness=0)
        self.canvas.grid(row=1, column=0, sticky="n", pady=scale.px(8))
        right = tk.Frame(self.main, background=BACKGROUND, padx=scale.px(24))
        right.grid(row=1, column=1, sticky="nwe")
        self.words = tk.Label(right, font=font(24), fg=INK, bg=BACKGROUND, wraplength=scale.px(480),
                              justify="left", anchor="w")
        self.words.pack(fill="x", pady=(scale.px(12), 0))
        self.countdown = tk.Label(right, font=font(88, "bold"), fg=ACCENT, bg=BACKGROUND)
        self.countdown.pack(pady=scale.px(4))
        self.count = tk.Label(right, font=font(24, "bold"), fg=INK, bg=BACKGROUND)
        self.count.pack()
        self.note = tk.Label(right, font=font(15), fg=MUTED, bg=BACKGROUND, wraplength=scale.px(480), justify="left")
        self.note.pack(fill="x", pady=(scale.px(10), 0))
        buttons = tk.Frame(self.main, background=BACKGROUND)
        buttons.grid(row=2, column=0, columnspan=2, sticky="we", pady=(scale.px(14), 0))
        self.buttons = {}
        for key, label, action in (("skip", N_("Skip  (S)"), self.skip),
                                   ("stop", N_("Stop  (Esc)"), lambda: self.finish("stopped")),
                                   ("later", N_("Not now  (N)"), lambda: self.finish("later")),
                                   ("safety", N_("Safety  (H)"), self.show_safety)):
            button = tk.Button(buttons, text=_(label), font=font(16), padx=scale.px(14), pady=scale.px(6),
                               command=action, **BUTTON)
            button.bind("<Return>", lambda _event, a=action: (a(), "break")[1])
            button.pack(side="left", padx=(0, scale.px(12)))
            self.buttons[key] = button
        self.main.columnconfigure(1, weight=1)

        self.safety = tk.Frame(w, background=BACKGROUND, padx=scale.px(40), pady=scale.px(30))
        tk.Label(self.safety, text=_(guide.SAFETY_TITLE), font=font(30, "bold"), fg=INK, bg=BACKGROUND,
                 anchor="w").pack(fill="x", pady=(0, scale.px(18)))
        for line in guide.SAFETY_LINES:
            tk.Label(self.safety, text="\u2022  " + _(line), font=font(21), fg=INK, bg=BACKGROUND, anchor="w",
                     justify="left", wraplength=scale.px(860)).pack(fill="x", pady=scale.px(6))
        row = tk.Frame(self.safety, background=BACKGROUND)
        row.pack(fill="x", pady=(scale.px(28), 0))
        self.safety_ok = tk.Button(row, text=_("I understand \u2014 start  (Enter)"), font=font(18, "bold"),
                                   padx=scale.px(16), pady=scale.px(8), command=self.enter, **PRIMARY)
        self.safety_ok.pack(side="left", padx=(0, scale.px(14)))
        tk.Button(row, text=_("Not now  (N)"), font=font(18), padx=scale.px(16), pady=scale.px(8),
                  command=lambda: self.finish("later"), **BUTTON).pack(side="left")

    # ------------------------------------------------------------------ flow
    def show_safety(self) -> None:
        if self.closed:
            return
        if self.index >= 0 and self.paused_at is None:
            self.paused_at = self.clock()
        self.main.pack_forget()
        self.safety.pack(fill="both", expand=True)
        self.safety_ok.focus_set()
        self.on_step("safety")

    def enter(self) -> None:
        """Enter: from the safety screen, start (or carry on); at the end, close."""
        if self.safety.winfo_ismapped():
            self.on_safety_seen()
            self.safety.pack_forget()
            self.main.pack(fill="both", expand=True)
            if self.index < 0:
                self.start()
            elif self.paused_at is not None:
                self.step_started += self.clock() - self.paused_at
                self.paused_at = None
            self.on_step("safety accepted")
        elif self.index >= len(self.steps):
            self.finish("done")

    def start(self) -> None:
        """The first exercise begins (the camera is opened now, not during the safety screen)."""
        if self.feed is not None:
            self.feed.start()
        self.main.pack(fill="both", expand=True)
        self.buttons["skip"].focus_set()
        self._go(0)

    def _go(self, index: int, completed: bool = False) -> None:
        """Show step ``index``; ``completed``: the step before ran its full time (a hold then counts as done)."""
        previous = self.steps[self.index] if 0 <= self.index < len(self.steps) else None
        if completed and previous is not None and previous.kind == "hold":
            self.holds_done += 1
        self.index, self.step_started = index, self.clock()
        step = self.steps[index] if index < len(self.steps) else None
        if previous is not None and (step is None or step.exercise != previous.exercise):
            self._exercise_ended(previous.exercise)
        if step is None:
            self._all_done()
            return
        if step.kind == "start":
            self._exercise_began(step.exercise)
        order = list(dict.fromkeys(s.exercise for s in self.steps))
        number, total = order.index(step.exercise) + 1, len(order)
        self.heading.config(text=_(guide.NAMES[step.exercise]) + (
            "   (" + _("{number} of {total}").format(number=number, total=total) + ")" if total > 1 else ""))
        self.words.config(text=_(step.words))
        self.on_step(f"step {step.exercise} {step.kind} {step.rep}")
        self._show(step, 0.0)

    def _exercise_began(self, exercise: str) -> None:
        self.exercise_started, self.holds_done = (self.wall(), self.clock()), 0
        try:
            self.counter = RepetitionCounter(target_for(exercise, self.baseline))
        except ExerciseError as exc:
            self.counter = None
            self.on_step(f"camera cannot count: {exc}")

    def _exercise_ended(self, exercise: str) -> None:
        if self.exercise_started is None or self.holds_done == 0:
            return  # skipped before any hold: nothing was done
        wall, started = self.exercise_started
        counted = self.counter.count.counted if self.counter and self._camera_tells() else None
        done = DoneExercise(round(wall, 3), exercise, counted, round(self.clock() - started, 1))
        self.exercise_started = None
        self.record(done)
        self.on_step(f"recorded {exercise} {counted}")

    def _all_done(self) -> None:
        self.canvas.delete("all")
        s = self.scale.px
        self.canvas.create_line(s(90), s(200), s(160), s(270), s(280), s(120), fill=ACCENT, width=s(22),
                                capstyle="round", joinstyle="round")  # a large tick
        self.heading.config(text=_(guide.ALL_DONE))
        self.words.config(text=_("Close this window with Enter or Esc."))
        self.countdown.config(text="")
        self.count.config(text="")
        self.note.config(text="")
        self.buttons["skip"].config(state="disabled")
        self.buttons["later"].config(state="disabled")
        self.buttons["stop"].config(text=_("Close  (Esc)"))
        self.buttons["stop"].focus_set()
        self.on_step("all done")
        if self.ask_neck is not None:
            self._neck_question()

    def _neck_question(self) -> None:
        """The check-in: eleven buttons 0-10 (Tab and Enter, a click, or a digit key; 10 is its button)."""
        scale = self.scale
        self.words.config(text=_(guide.NECK_QUESTION))
        self.note.config(text=_(guide.NECK_SCALE))
        self.neck_row = rows = tk.Frame(self.countdown.master, background=BACKGROUND)
        rows.pack(before=self.note, pady=scale.px(6))
        for score in range(11):
            button = tk.Button(rows, text=str(score), font=scale.font(18), width=3,
                               command=lambda v=score: self._neck(v), **BUTTON)
            button.bind("<Return>", lambda _event, v=score: (self._neck(v), "break")[1])
            button.grid(row=score // 6, column=score % 6, padx=scale.px(3), pady=scale.px(3))
        for digit in range(10):
            self.window.bind(str(digit), lambda _event, v=digit: self._neck(v))

    def _neck(self, score: int) -> None:
        if self.ask_neck is None:
            return
        answer, self.ask_neck = self.ask_neck, None
        answer(score)
        self.neck_row.destroy()
        self.words.config(text=_(guide.NECK_THANKS))
        self.note.config(text="")
        self.buttons["stop"].focus_set()
        self.on_step(f"neck {score}")

    def skip(self) -> None:
        if self.closed or not 0 <= self.index < len(self.steps):
            return
        current = self.steps[self.index].exercise
        later = range(self.index, len(self.steps))
        nxt = next((i for i in later if self.steps[i].exercise != current), len(self.steps))
        self.on_step(f"skip {current}")
        self._go(nxt)

    def finish(self, result: str) -> None:
        if self.closed:
            return
        if 0 <= self.index < len(self.steps):
            self._exercise_ended(self.steps[self.index].exercise)
        if self.index >= len(self.steps):
            result = "done"  # Esc or Stop on the last screen: everything was done
        self.closed = True
        if self.feed is not None:
            self.feed.stop()
        self.on_step(f"closed {result}")
        self.window.destroy()
        self.on_close(result)

    # ------------------------------------------------------------------ time passing
    def tick(self) -> None:
        if self.closed:
            return
        now = self.clock()
        for item in (self.feed.poll() if self.feed is not None else []):
            self._take(item, now)
        if 0 <= self.index < len(self.steps) and self.paused_at is None:
            step = self.steps[self.index]
            elapsed = now - self.step_started
            if elapsed >= step.seconds:
                self._go(self.index + 1, completed=True)
            else:
                self._show(step, elapsed)
        self.window.after(TICK_MS, self.tick)

    def _take(self, item: tuple, now: float) -> None:
        kind = item[0]
        if kind == "unavailable":
            self.camera_off = True
            self.on_step(f"camera unavailable: {item[1]}")
        elif kind == "reading":
            _source, t, reading = item
            if reading.usable:
                self.last_usable = now
            if self.counter is not None and self.paused_at is None and self.counter.add(t, reading):
                self.on_step(f"counted {self.counter.target.exercise} {self.counter.count.counted}")

    def _camera_tells(self) -> bool:
        return not self.camera_off and self.counter is not None and self.clock() - self.last_usable <= UNSEEN_S

    def _show(self, step: guide.Step, elapsed: float) -> None:
        share = min(1.0, elapsed / step.seconds) if step.seconds else 1.0
        draw_figure(self.canvas, self.scale, step.exercise, step.pose_from + (step.pose_to - step.pose_from) * share)
        left = max(0, math.ceil(step.seconds - elapsed))
        self.countdown.config(text=str(left) if step.kind in ("hold", "start") else "",
                              fg=ACCENT if step.kind == "hold" else MUTED)
        if self._camera_tells():
            self.count.config(text=guide.count_words(self.counter.count.counted, step.reps))
            self.note.config(text="")
        else:
            self.count.config(text=guide.round_words(step))
            self.note.config(text=_(guide.NO_CAMERA) if self.feed is None else _(guide.TIMED_ONLY))
