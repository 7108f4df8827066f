"""The calibration window's later steps: the glasses question, the reading posture, and the name of a
new setup (core/reading_posture.py, core/setups.py). A mixin of :class:`~fhp_monitor.gui.wizard.CalibrationWizard`,
on its Tk thread like the rest of it.

After the upright (and the optional forward) recording the window asks whether the user wears glasses
with progressive lenses. Yes records a few seconds "as you read the screen", which calibration keeps as
a second upright posture; a recording that looks like leaning forward is not kept (the result says so).
Then, when the calibration was taken at a place none of the saved setups fits and one is saved
already, a step asks for its name ("Setup 2" filled in); a recalibration at a known place keeps that
setup's name without asking.
"""

from __future__ import annotations

import logging
import tkinter as tk

from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.calibration_capture import DEFAULT_MAX_MOTION
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.reading_posture import fold_reading_posture
from fhp_monitor.core.setups import clean_name
from fhp_monitor.gui.style import BACKGROUND, FIELD, FOCUS, TEXT
from fhp_monitor.gui.wizard_screens import Action
from fhp_monitor.settings.edit import ConfigEditError, save_changes
from fhp_monitor.settings.schema import ConfigError
from fhp_monitor.store.setups import name_to_ask, remember

log = logging.getLogger(__name__)

READING_DURATION_S = 5.0
READING_MAX_MOTION = 2 * DEFAULT_MAX_MOTION  # reading moves the eyes and a little the head
NOT_KEPT = N_("That looked more like leaning forward than reading, so it was not kept. "
              "You can calibrate again at any time.")
READING_KEPT = N_("Reading through your glasses is taken as sitting tall.")


class LaterSteps:
    """Steps after the upright recording; expects the attributes and methods of CalibrationWizard."""

    baseline: Baseline | None
    reading_note: str | None = None
    name_entry: tk.Entry | None = None
    chosen_name: str | None = None
    _name_frame: tk.Frame | None = None

    def _go_glasses(self) -> None:
        self.reading_note = None
        self._go("glasses", [Action(N_("Cancel  (Esc)"), self.cancel),
                             Action(N_("Yes  (Y)"), self._glasses_yes),
                             Action(N_("No  (Enter)"), self._glasses_no, primary=True)])

    def _glasses_yes(self) -> None:
        if self.step == "glasses":
            self._start_capture("reading", READING_DURATION_S, READING_MAX_MOTION, skip=True)

    def _glasses_no(self) -> None:
        if self.step == "glasses":
            self.on_step("glasses: no")
            self._go_name()

    def _reading_done(self) -> None:
        assert self.capture is not None and self.baseline is not None
        folded = fold_reading_posture(self.baseline, self.capture.readings, self.settings.detection.sensitivity_deg)
        self.on_step(f"reading posture: {'kept' if folded is not None else 'not kept'}")
        self.reading_note = _(READING_KEPT) if folded is not None else _(NOT_KEPT)
        self.baseline = folded or self.baseline
        self._go_name()

    # ------------------------------------------------------------------ a new setup's name, and saving

    def _go_name(self) -> None:
        """A step of its own with a name field when this is a new place beside saved setups; else the result."""
        assert self.baseline is not None
        self.chosen_name = None
        offered = name_to_ask(self.home, self.baseline)
        if offered is None:
            self._go_result()
            return
        self._go("name", [Action(N_("Cancel  (Esc)"), self.cancel),
                          Action(N_("Next  (Enter)"), self._name_chosen, primary=True)])
        frame = tk.Frame(self.view.side_area.inner, bg=BACKGROUND)
        entry = tk.Entry(frame, font=self.view.fonts["body"], fg=TEXT, bg=FIELD, relief="solid", bd=1,
                         highlightthickness=self.view.scale.px(3), highlightcolor=FOCUS)
        entry.insert(0, offered)
        entry.pack(side="top", fill="x")
        # Letters typed here are the name, not the window's keys (L for log-in start, S to skip...).
        entry.bindtags((str(entry), "Entry", "all"))
        entry.bind("<Return>", lambda _event: self._name_chosen())
        entry.bind("<KP_Enter>", lambda _event: self._name_chosen())
        entry.bind("<Escape>", lambda _event: self.cancel())
        frame.pack(side="top", fill="x", pady=(self.view.scale.px(14), 0), before=self.view.parts_end)
        said = []

        def ready(_event=None) -> None:  # the step's line once the field has the keyboard (what a test waits for)
            if not said:
                said.append(True)
                self.on_step(f"name: {offered}")

        entry.bind("<FocusIn>", ready, add="+")
        entry.focus_set()
        entry.select_range(0, "end")
        self.name_entry, self._name_frame = entry, frame
        self.window.after(2000, ready)  # a window without the keyboard at all: said all the same

    def _name_chosen(self) -> None:
        if self.step != "name" or self.name_entry is None:
            return
        try:
            self.chosen_name = clean_name(self.name_entry.get())
        except ValueError as error:  # empty or too long: said under the picture, the field stays
            self.view.show_status(str(error), bad=True)
            return
        self._go_result()

    def _show_reading_note(self) -> None:
        """On the result screen: whether the reading posture was kept."""
        if self.reading_note:
            self.view.show_status(self.reading_note)

    def _save_setup(self) -> bool:
        """Save the calibration, in use and kept as a setup (the name given, or the one it fits); False
        (a plain line under the picture) when it cannot be kept (too many setups)."""
        assert self.baseline is not None
        try:
            saved = remember(self.home, self.baseline, self.chosen_name)
        except ValueError as error:
            self.view.show_status(str(error), bad=True)
            return False
        self.on_step(f"saved: {saved}")
        return True

    def _clear_name(self) -> None:
        """Another screen: the name field goes (WizardView.show_screen knows only its own parts)."""
        if self._name_frame is not None:
            self._name_frame.destroy()
        self._name_frame = self.name_entry = None

    def _remember_camera(self, index: int) -> None:
        """The camera picked here becomes ``camera.index`` in config.yaml (the one monitoring uses)."""
        if index == self.settings.camera.index:
            return
        try:
            save_changes(self.home.config, {("camera", "index"): index})
        except (ConfigError, ConfigEditError) as error:  # a hand edit the app cannot load: leave the file alone
            log.warning("could not store camera %d in %s: %s", index, self.home.config, error)
