"""The calibration window (first-run experience): check the picture, record "sitting tall", save.

Steps: (camera) pick one when there are several; (checks) framing checklist with plain fixes;
(upright) capture ``settings.calibration.duration_s`` seconds of still samples; (forward_intro,
forward) an optional "let your head drift forward" recording that personalises the sensitivity;
(glasses, reading) progressive lenses? then "as you read the screen" (gui/wizard_more.py); (result)
what happens next, "start when I log in", a new setup's name. Camera problems show a message and a
Retry button, never a traceback. Keys: Enter/Space go on, Esc cancels anywhere (nothing is saved; on
"All done" it keeps the new calibration, like Enter), A starts despite crosses, S skips an optional
step, Y/N answer the glasses question, L toggles log-in start, arrows pick a camera.

Threads: all on the Tk thread. Frames are pulled with ``after`` (~14 a second from a camera, back
to back from a file) and the estimator runs inline (~20-40 ms): one owner for camera and model, no
locks, and one frame per tick keeps the window responsive. The capture clock is the frames' own time (a
camera's monotonic clock, or a file's timeline kept increasing when it loops): a file goes as fast as it is read.

Entry point: :func:`run_wizard` (blocks; standalone or modal over an app's root), opened by ``fhp-monitor
calibrate`` (gui/calibration_flow.py); each step is one line in the log ("step: checks", "checks: ok", ...).
"""

from __future__ import annotations

import logging
import time
import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fhp_monitor.core.calibration import Baseline, CalibrationError, fit_from_readings, personalise
from fhp_monitor.core.calibration_capture import DEFAULT_MAX_MOTION, SourceTimeline, UprightCapture
from fhp_monitor.core.framing import FramingIssue, check_framing, checklist, main_pose
from fhp_monitor.core.geometry import (
    LEFT_EAR,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_EAR,
    RIGHT_SHOULDER,
    PostureReading,
    read_posture,
)
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.messages import sensitivity_words
from fhp_monitor.core.ports import Frame, FrameSource, ModelError, PoseEstimator, SourceUnavailable
from fhp_monitor.desktop import autostart
from fhp_monitor.gui import wizard_screens as screens
from fhp_monitor.gui.wizard_more import LaterSteps
from fhp_monitor.gui.wizard_preview import LiveFeed
from fhp_monitor.gui.wizard_screens import Action, WizardView
from fhp_monitor.home.folder import Home
from fhp_monitor.home.state import read_state, write_state
from fhp_monitor.sensing.sources import list_cameras, open_source
from fhp_monitor.settings.schema import Settings

log = logging.getLogger(__name__)

FORWARD_DURATION_S = 5.0
FORWARD_MAX_MOTION = 3 * DEFAULT_MAX_MOTION  # drifting forward is itself a movement
KEY_POINTS = [NOSE, LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER]


@dataclass(frozen=True)
class WizardResult:
    """How the window ended. ``baseline`` is set (and saved) only when ``completed``."""

    completed: bool
    baseline: Baseline | None
    camera_index: int | None
    autostart: bool


class CalibrationWizard(LaterSteps):
    """The calibration steps inside ``window`` (a Tk root or a Toplevel), driven by Tk's ``after``.

    Create it, then call :meth:`start`. ``on_done`` receives the :class:`WizardResult` once, after
    the window has been destroyed and the camera and model released.
    """

    def __init__(
        self,
        window: tk.Tk | tk.Toplevel,
        *,
        source_spec: str | None,
        settings: Settings,
        home: Home,
        estimator_factory: Callable[[], PoseEstimator],
        on_done: Callable[[WizardResult], None],
        source_factory: Callable[..., FrameSource] = open_source,
        camera_lister: Callable[[], list[int]] = list_cameras,
        wall_clock: Callable[[], float] = time.time,
        autostart_command: Sequence[str] | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        self.window, self.settings, self.home, self.source_spec = window, settings, home, source_spec
        self.estimator_factory, self.source_factory = estimator_factory, source_factory
        self.camera_lister = camera_lister
        self.wall_clock, self.on_done, self.on_step = wall_clock, on_done, on_step or (lambda line: None)
        self.autostart_command = list(autostart_command) if autostart_command else autostart.default_command()
        self.min_visibility = float(settings.detection.min_visibility)
        self.view = WizardView(window, text_size=settings.display.text_size)
        self.step = ""
        self.feed: LiveFeed | None = None
        self.estimator: PoseEstimator | None = None
        self.cameras: list[int] = []
        self.camera_pos = 0
        self.baseline: Baseline | None = None
        self.capture: UprightCapture | None = None
        self.autostart_choice = autostart.is_autostart_enabled()
        self.timeline = SourceTimeline()
        self._retry: Callable[[], None] = self._begin
        self._issue_codes: tuple[str, ...] | None = None
        self._quarters_reported = 0
        self._finished = False
        window.protocol("WM_DELETE_WINDOW", self.cancel)
        for keys, handler in (
            (("<Return>", "<KP_Enter>", "<space>"), self._on_enter),
            (("<Escape>",), self.cancel),
            (("<KeyPress-a>", "<KeyPress-A>"), self._start_anyway),
            (("<KeyPress-s>", "<KeyPress-S>"), self._skip_forward),
            (("<KeyPress-y>", "<KeyPress-Y>"), self._glasses_yes),
            (("<KeyPress-n>", "<KeyPress-N>"), self._glasses_no),
            (("<KeyPress-l>", "<KeyPress-L>"), self._toggle_autostart),
            (("<Right>",), lambda: self._switch_camera(+1)),
            (("<Left>",), lambda: self._switch_camera(-1)),
        ):
            for key in keys:
                window.bind(key, lambda _event, run=handler: run())

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Show the first screen and start the camera (from the Tk event loop)."""
        self._go("starting", [Action(N_("Cancel  (Esc)"), self.cancel)])
        self.window.after(50, self._begin)

    def _begin(self) -> None:
        """Load the model, find the camera (or open the given source) and go to the first step."""
        if self.estimator is None:
            try:
                self.estimator = self.estimator_factory()
            except ModelError as error:
                self._problem(_(screens.MODEL_FAILED), str(error), self._begin)
                return
        if self.source_spec is None:
            self.cameras = list(self.camera_lister())
            if not self.cameras:
                self._problem(*(_(words) for words in screens.NO_CAMERA), self._begin)
                return
            preferred = read_state(self.home).get("camera_index", self.settings.camera.index)
            self.camera_pos = self.cameras.index(preferred) if preferred in self.cameras else 0
        if self._open():
            self._go_camera_picker() if len(self.cameras) > 1 else self._go_checks()

    def _open(self) -> bool:
        """(Re)open the frame source and start the feed; on failure show the problem screen."""
        self._stop_feed()
        spec = self.source_spec if self.source_spec is not None else str(self.cameras[self.camera_pos])
        try:
            source = self.source_factory(spec, image_interval_s=self.settings.sampling.image_interval_s,
                                         width=self.settings.camera.width, height=self.settings.camera.height)
            self.feed = LiveFeed(self.window, source, self.timeline, self._on_frame, self._feed_failed)
            self.feed.start()
        except SourceUnavailable as error:
            self._stop_feed()
            self._problem(_(screens.CAMERA_FAILED), str(error), self._begin)
            return False
        return True

    def _stop_feed(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def _close(self, result: WizardResult) -> None:
        if self._finished:
            return
        self._finished = True
        self._stop_feed()
        if self.estimator is not None:
            self.estimator.close()
        self.on_step(f"done: {'completed' if result.completed else 'cancelled'}")
        self.window.destroy()
        self.on_done(result)

    @property
    def camera_index(self) -> int | None:
        if self.source_spec is not None:
            return int(self.source_spec) if self.source_spec.strip().isdigit() else None
        return self.cameras[self.camera_pos] if self.cameras else None

    def cancel(self) -> None:
        """Esc or the window's close button: close without saving anything (a previous calibration
        stays as it was) -- except on the "All done" screen, where the new calibration is complete
        and is kept: there it saves, just as Finish does, since nothing is left to lose."""
        if self.step == "result" and self.baseline is not None:
            self._finish()
            return
        self._close(WizardResult(False, None, self.camera_index, autostart.is_autostart_enabled()))

    # ------------------------------------------------------------------ frames

    def _on_frame(self, frame: Frame, luma: float) -> None:
        """One frame from the feed: estimate, draw, and feed the current step."""
        if self.estimator is None:
            return
        result = self.estimator.estimate(frame)
        pose = main_pose(result)
        self.view.show_frame(frame.image, pose, self.min_visibility)
        if self.step == "checks":
            self._update_checklist(check_framing(result, luma, self.min_visibility))
        elif self.step in ("upright", "forward", "reading"):
            landmarks = None if pose is None else pose.image[KEY_POINTS, :2]
            self._add_sample(frame.t, read_posture(result, self.min_visibility), landmarks)

    def _feed_failed(self, error: SourceUnavailable) -> None:
        self.feed = None
        self._problem(_(screens.CAMERA_FAILED), str(error), self._reopen)

    # ------------------------------------------------------------------ steps

    def _go(self, step: str, actions: Sequence[Action], big: str | None = None, note: str | None = None,
            **fill: Any) -> None:
        """Show ``step``'s screen: its words from ``screens.STEP_TEXT``, {fields} filled from ``fill``."""
        self.step = step
        self._clear_name()
        title, body = screens.STEP_TEXT[step]
        self.view.show_screen(_(title).format(**fill), _(body).format(**fill), actions, big=big, note=note)
        self.on_step(f"step: {step}")

    def _on_enter(self) -> None:
        handlers = {"camera": self._go_checks, "checks": self._start_when_ready, "forward_intro": self._start_forward,
                    "glasses": self._glasses_no, "name": self._name_chosen, "result": self._finish,
                    "problem": lambda: self._retry(), "failed": self._go_checks}
        handlers.get(self.step, lambda: None)()

    def _go_camera_picker(self) -> None:
        self._go("camera", [Action(N_("Cancel  (Esc)"), self.cancel),
                            Action(N_("Next camera  (\u2192)"), lambda: self._switch_camera(+1)),
                            Action(N_("Use this camera  (Enter)"), self._go_checks, primary=True)],
                 number=self.camera_pos + 1, count=len(self.cameras))

    def _switch_camera(self, step: int) -> None:
        if self.step == "camera" and len(self.cameras) > 1:
            self.camera_pos = (self.camera_pos + step) % len(self.cameras)
            if self._open():
                self._go_camera_picker()

    def _go_checks(self) -> None:
        self._issue_codes = None
        self._go("checks", self._checks_actions(all_good=False))
        self.view.show_status(_(screens.CHECKS_LOOKING))

    def _checks_actions(self, all_good: bool) -> list[Action]:
        """The checks' buttons: "Start anyway" only while a check has not passed (else it is just Start)."""
        anyway = [] if all_good else [Action(N_("Start anyway  (A)"), self._start_anyway)]
        return [Action(N_("Cancel  (Esc)"), self.cancel), *anyway, Action(N_("Start  (Enter)"), self._start_when_ready,
                                                                       primary=True)]

    def _update_checklist(self, issues: Sequence[FramingIssue]) -> None:
        codes = tuple(issue.code for issue in issues)
        if codes != self._issue_codes:
            self._issue_codes = codes
            self.view.show_checklist(checklist(issues))
            self.view.show_actions(self._checks_actions(all_good=not codes))
            self.view.show_status(_(screens.CHECKS_FIX) if codes else _(screens.CHECKS_OK), bad=bool(codes))
            self.on_step(f"checks: {','.join(codes) if codes else 'ok'}")

    def _start_when_ready(self) -> None:
        if self.step == "checks" and self._issue_codes == ():
            self._start_capture("upright", self.settings.calibration.duration_s, DEFAULT_MAX_MOTION)

    def _start_anyway(self) -> None:
        if self.step == "checks":
            self._start_capture("upright", self.settings.calibration.duration_s, DEFAULT_MAX_MOTION)

    def _start_forward(self) -> None:
        if self.step == "forward_intro":
            self._start_capture("forward", FORWARD_DURATION_S, FORWARD_MAX_MOTION, skip=True)

    def _start_capture(self, step: str, duration_s: float, max_motion: float, skip: bool = False) -> None:
        now = self.timeline.last if self.timeline.last is not None else 0.0
        self.capture = UprightCapture(duration_s, max_motion, now)
        self._quarters_reported = 0
        actions = [Action(N_("Cancel  (Esc)"), self.cancel)]
        actions += [Action(N_("Skip  (S)"), self._skip_forward)] if skip else []
        self._go(step, actions)
        self.view.show_progress(0.0, duration_s)

    def _add_sample(self, t: float, reading: PostureReading, landmarks: np.ndarray | None) -> None:
        assert self.capture is not None
        accepted = self.capture.add(t, reading, landmarks)
        progress = self.capture.progress(t)
        self.view.show_progress(progress, self.capture.remaining_s(t))
        why = _(reading.reason) if reading.reason else _("you moved")
        self.view.show_status(_(screens.KEEP_STILL) if accepted else _(screens.PAUSED).format(why=why),
                              bad=not accepted)
        if int(progress * 4) > self._quarters_reported:
            self._quarters_reported = int(progress * 4)
            self.on_step(f"{self.step}: {25 * self._quarters_reported}%")
        if self.capture.done:
            {"upright": self._upright_done, "forward": self._forward_done}.get(self.step, self._reading_done)()

    def _upright_done(self) -> None:
        assert self.capture is not None
        try:
            self.baseline = fit_from_readings(self.capture.readings, self.wall_clock(),
                                              self.settings.detection.sensitivity_deg,
                                              self.settings.calibration.min_frames)
        except CalibrationError as error:
            self._go("failed", [Action(N_("Cancel  (Esc)"), self.cancel),
                                Action(N_("Try again  (Enter)"), self._go_checks, primary=True)], error=error)
            return
        self._go("forward_intro", [Action(N_("Cancel  (Esc)"), self.cancel),
                                   Action(N_("Skip  (S)"), self._skip_forward),
                                   Action(N_("Record  (Enter)"), self._start_forward, primary=True)],
                 seconds=f"{FORWARD_DURATION_S:.0f}")

    def _forward_done(self) -> None:
        assert self.capture is not None and self.baseline is not None
        self.baseline = personalise(self.baseline, self.capture.values)
        self._go_glasses()

    def _skip_forward(self) -> None:
        """S: skip the forward recording (on to the glasses question), the question or the reading posture."""
        if self.step in ("forward_intro", "forward"):
            self._go_glasses()
        elif self.step in ("glasses", "reading"):
            self._go_name()

    def _go_result(self) -> None:
        assert self.baseline is not None
        personal = self.baseline.sensitivity_deg if self.baseline.personalised else None
        note = _(screens.RESULT_NOTE).format(
            sensitivity=sensitivity_words(personal, self.settings.detection.sensitivity_deg))
        # Words, not degrees, on screen; the numbers go to the log and `calibrate`'s output.
        self._go("result", [Action(N_("Start over"), self._go_checks),
                            Action(N_("Finish  (Enter)"), self._finish, primary=True)],
                 big=_(screens.RESULT_BIG), note=note)
        self.view.show_option(_(screens.AUTOSTART_OPTION), self.autostart_choice, self._toggle_autostart)
        self._show_reading_note()

    def _toggle_autostart(self) -> None:
        if self.step == "result":
            self.autostart_choice = not self.autostart_choice
            self.view.show_option(_(screens.AUTOSTART_OPTION), self.autostart_choice, self._toggle_autostart)
            self.on_step(f"autostart: {'on' if self.autostart_choice else 'off'}")

    def _finish(self) -> None:
        """Save the baseline (and the camera choice), apply the log-in choice, close."""
        if self.step != "result" or self.baseline is None:
            return
        try:
            if not self._save_setup():
                return
            if self.source_spec is None and self.camera_index is not None:
                write_state(self.home, {**read_state(self.home), "camera_index": self.camera_index})
                self._remember_camera(self.camera_index)
        except OSError as error:
            self.view.show_status(_(screens.SAVE_FAILED).format(error=error.strerror or error), bad=True)
            return
        log.info("calibrated: sitting tall reads %.1f degrees (spread %.1f, %d samples, %s view); "
                 "sensitivity %.1f degrees%s", self.baseline.cva_proxy_deg, self.baseline.spread_deg,
                 self.baseline.samples, self.baseline.view, self.baseline.sensitivity_deg,
                 " (personalised)" if self.baseline.personalised else "")
        autostart_on = autostart.apply_autostart(self.autostart_choice, self.autostart_command)
        self._close(WizardResult(True, self.baseline, self.camera_index, autostart_on))

    def _problem(self, title: str, message: str, retry: Callable[[], None]) -> None:
        self._retry = retry
        self.view.clear_frame(screens.NO_PICTURE)
        self._go("problem", [Action(N_("Cancel  (Esc)"), self.cancel),
                             Action(N_("Try again  (Enter)"), lambda: self._retry(), primary=True)],
                 title=title, message=message)

    def _reopen(self) -> None:
        if self._open():
            self._go_checks()


# ---------------------------------------------------------------------- entry points


def run_wizard(*, root: tk.Misc | None = None, **options: Any) -> WizardResult:
    """Show the calibration window and return when it closes.

    Without ``root`` it makes its own Tk root and runs the main loop; with the app's ``root`` it
    opens a Toplevel and waits for it (Tk keeps handling the app's events meanwhile).
    """
    outcome: list[WizardResult] = []
    window = tk.Tk(className="fhp-monitor") if root is None else tk.Toplevel(root)
    CalibrationWizard(window, on_done=outcome.append, **options).start()
    window.focus_force()
    if root is None:
        window.mainloop()
    else:
        root.wait_window(window)
    # No outcome: the window was destroyed from outside (e.g. the app quit).
    return outcome[0] if outcome else WizardResult(False, None, None, autostart.is_autostart_enabled())
