"""The calibration window (first-run experience): check the picture, record "sitting tall", save.

Steps: (camera) pick a camera when there are several; (checks) a checklist of framing checks with
plain fixes; (upright) "Sit tall" while ``settings.calibration.duration_s`` seconds of still
samples are captured; (forward_intro/forward) an optional "let your head drift forward" recording
that personalises the sensitivity; (result) the baseline angle, what happens next and a "start when
I log in" choice. Problems with the camera show a message with a Retry button, never a traceback.

Keyboard: Enter/Space go on, Esc cancels at any step (nothing is saved), A starts anyway despite
framing crosses, S skips the forward recording, L toggles "start when I log in", arrows pick a camera.

Threads: everything runs on the Tk thread. Frames are pulled with ``after`` (about 14 per second
from a camera; back to back for a file) and the pose estimator runs inline (~20-40 ms). That keeps
one owner for the camera and the model and needs no locking; the window stays responsive because
each tick handles a single frame. Time: the capture uses the frames' own timestamps (a camera's
monotonic clock, or a file's timeline, which keeps increasing when a file loops), so a file source
completes as fast as its frames are processed.

Entry points: :func:`run_wizard` (blocks until the window closes; standalone or modal over an
app's root) and :func:`open_wizard` (non-blocking, calls ``on_done``). ``python -m
fhp_monitor.adapters.wizard --home DIR --source SRC`` runs it as a program and prints one line
per step on stdout ("step: checks", "checks: ok", ...) for scripts and tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
import tkinter as tk
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from fhp_monitor.adapters import autostart
from fhp_monitor.adapters.sources import list_cameras, mean_luma, open_source
from fhp_monitor.adapters.wizard_screens import Action, WizardView
from fhp_monitor.core.calibration import Baseline, CalibrationError, fit_from_readings, personalise, save_baseline
from fhp_monitor.core.calibration_capture import DEFAULT_MAX_MOTION, UprightCapture
from fhp_monitor.core.framing import checklist, check_framing, main_pose
from fhp_monitor.core.geometry import LEFT_EAR, LEFT_SHOULDER, NOSE, RIGHT_EAR, RIGHT_SHOULDER, read_posture
from fhp_monitor.core.ports import Frame, FrameSource, ModelError, PoseEstimator, SourceUnavailable
from fhp_monitor.home import Home, read_state, write_state

log = logging.getLogger(__name__)

CAMERA_TICK_MS = 70  # ~14 frames per second from a camera
FILE_TICK_MS = 5  # files: as fast as frames are processed, leaving Tk room for keys and drawing
BLACK_LUMA = 5.0
BLACK_FOR_S = 2.0
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


class CalibrationWizard:
    """The calibration steps inside ``window`` (a Tk root or a Toplevel), driven by Tk's ``after``.

    Create it, then call :meth:`start`. ``on_done`` receives the :class:`WizardResult` once, after
    the window has been destroyed and the camera and model released.
    """

    def __init__(
        self,
        window: tk.Tk | tk.Toplevel,
        *,
        source_spec: str | None,
        settings: Any,
        home: Home,
        estimator_factory: Callable[[], PoseEstimator],
        on_done: Callable[[WizardResult], None],
        source_factory: Callable[..., FrameSource] = open_source,
        camera_lister: Callable[[], list[int]] = list_cameras,
        wall_clock: Callable[[], float] = time.time,
        autostart_command: Sequence[str] | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        self.window, self.settings, self.home = window, settings, home
        self.source_spec = source_spec
        self.estimator_factory, self.source_factory, self.camera_lister = estimator_factory, source_factory, camera_lister
        self.wall_clock, self.on_done, self.on_step = wall_clock, on_done, on_step or (lambda line: None)
        self.autostart_command = list(autostart_command) if autostart_command else autostart.default_command()
        self.min_visibility = float(settings.detection.min_visibility)
        self.view = WizardView(window)
        self.step = ""
        self.source: FrameSource | None = None
        self.estimator: PoseEstimator | None = None
        self.cameras: list[int] = []
        self.camera_pos = 0
        self.baseline: Baseline | None = None
        self.capture: UprightCapture | None = None
        self.autostart_choice = autostart.is_autostart_enabled()
        self._retry: Callable[[], None] = self._begin
        self._after_id: str | None = None
        self._offset = 0.0
        self._last_t: float | None = None
        self._frame_dt = 1.0 / 15
        self._black_since: float | None = None
        self._issue_codes: tuple[str, ...] | None = None
        self._checks_ok = False
        self._quarters_reported = 0
        self._finished = False
        window.protocol("WM_DELETE_WINDOW", self.cancel)
        for keys, handler in (
            (("<Return>", "<KP_Enter>", "<space>"), self._on_enter),
            (("<Escape>",), self.cancel),
            (("<KeyPress-a>", "<KeyPress-A>"), self._start_anyway),
            (("<KeyPress-s>", "<KeyPress-S>"), self._skip_forward),
            (("<KeyPress-l>", "<KeyPress-L>"), self._toggle_autostart),
            (("<Right>",), lambda: self._switch_camera(+1)),
            (("<Left>",), lambda: self._switch_camera(-1)),
        ):
            for key in keys:
                window.bind(key, lambda _event, run=handler: run())

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Show the first screen and start the camera (from the Tk event loop)."""
        self.view.show_screen("Getting ready\u2026", "Looking for your camera. This takes a moment.",
                              [Action("Cancel  (Esc)", self.cancel)])
        self.window.after(50, self._begin)

    def _begin(self) -> None:
        """Load the model, find the camera (or open the given source) and go to the first step."""
        if self.estimator is None:
            try:
                self.estimator = self.estimator_factory()
            except ModelError as error:
                self._problem("We could not start", str(error), self._begin)
                return
        if self.source_spec is not None:
            if self._open(self.source_spec):
                self._go_checks()
            return
        self.cameras = list(self.camera_lister())
        if not self.cameras:
            self._problem("We can't find a camera",
                          "No camera answered. Check that it is plugged in, or that the laptop's camera "
                          "switch or cover is open.", self._begin)
            return
        preferred = read_state(self.home).get("camera_index", self.settings.camera.index)
        self.camera_pos = self.cameras.index(preferred) if preferred in self.cameras else 0
        if self._open(str(self.cameras[self.camera_pos])):
            self._go_camera_picker() if len(self.cameras) > 1 else self._go_checks()

    def _open(self, spec: str) -> bool:
        """(Re)open the frame source; on failure show the problem screen and return False."""
        self._release_source()
        try:
            self.source = self.source_factory(
                spec, image_interval_s=self.settings.sampling.image_interval_s,
                width=self.settings.camera.width, height=self.settings.camera.height)
            self.source.open()
        except SourceUnavailable as error:
            self._release_source()
            self._problem("We can't see the camera", str(error), self._begin)
            return False
        self._black_since = None
        self._schedule(0)
        return True

    def _release_source(self) -> None:
        if self._after_id is not None:
            self.window.after_cancel(self._after_id)
            self._after_id = None
        if self.source is not None:
            self.source.release()
            self.source = None

    def _close(self, result: WizardResult) -> None:
        if self._finished:
            return
        self._finished = True
        self._release_source()
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
        """Esc: close without saving anything (a previous calibration stays as it was)."""
        self._close(WizardResult(False, None, self.camera_index, autostart.is_autostart_enabled()))

    # ------------------------------------------------------------------ frames

    def _schedule(self, delay_ms: int) -> None:
        self._after_id = self.window.after(delay_ms, self._tick)

    def _read_frame(self) -> Frame:
        """The next frame on one ever-increasing timeline (a file loops back to its start)."""
        assert self.source is not None
        frame = self.source.read()
        if frame is None:
            if self.source.live:
                raise SourceUnavailable("The camera stopped sending pictures.")
            self.source.release()
            self.source.open()
            frame = self.source.read()
            if frame is None:
                raise SourceUnavailable(f"There are no pictures in {self.source_spec}.")
        t = frame.t + self._offset
        if self._last_t is not None and t <= self._last_t:
            self._offset = self._last_t + self._frame_dt - frame.t
            t = frame.t + self._offset
        elif self._last_t is not None:
            self._frame_dt = t - self._last_t
        self._last_t = t
        return dataclasses.replace(frame, t=t)

    def _tick(self) -> None:
        self._after_id = None
        if self.source is None or self.estimator is None:
            return
        started = time.monotonic()
        try:
            frame = self._read_frame()
        except SourceUnavailable as error:
            self._release_source()
            self._problem("We can't see the camera", str(error), self._reopen)
            return
        luma = mean_luma(frame.image)
        self._black_since = (self._black_since if self._black_since is not None else frame.t) if luma < BLACK_LUMA else None
        if self._black_since is not None and frame.t - self._black_since >= BLACK_FOR_S:
            self._release_source()
            self._problem("The camera picture is dark",
                          "The camera shows only black. If it has a cover or a privacy switch, open it. "
                          "Check that the room light is on.", self._reopen)
            return
        result = self.estimator.estimate(frame)
        pose = main_pose(result)
        self.view.show_frame(frame.image, pose, self.min_visibility)
        issues = check_framing(result, luma, self.min_visibility)
        reading = read_posture(result, self.min_visibility)
        landmarks = None if pose is None else pose.image[KEY_POINTS, :2]
        if self.step == "checks":
            self._update_checklist(issues)
        elif self.step in ("upright", "forward"):
            self._add_sample(frame.t, reading, landmarks)
        if self.source is not None and self._after_id is None:
            spent_ms = int((time.monotonic() - started) * 1000)
            self._schedule(max(1, CAMERA_TICK_MS - spent_ms) if self.source.live else FILE_TICK_MS)

    # ------------------------------------------------------------------ steps

    def _go(self, step: str, title: str, body: str, actions: Sequence[Action], **extra: str) -> None:
        self.step = step
        self.view.show_screen(title, body, actions, **extra)
        self.on_step(f"step: {step}")

    def _on_enter(self) -> None:
        handlers = {
            "camera": self._go_checks,
            "checks": self._start_when_ready,
            "forward_intro": self._start_forward,
            "result": self._finish,
            "problem": lambda: self._retry(),
            "failed": self._go_checks,
        }
        handlers.get(self.step, lambda: None)()

    def _go_camera_picker(self) -> None:
        self._go("camera", "Which camera should we use?",
                 f"You can see camera {self.camera_pos + 1} of {len(self.cameras)}.\n\n"
                 "Press \u2192 to see the next one. Press Enter to use the one that shows you.",
                 [Action("Cancel  (Esc)", self.cancel), Action("Next camera  (\u2192)", lambda: self._switch_camera(+1)),
                  Action("Use this camera  (Enter)", self._go_checks, primary=True)])

    def _switch_camera(self, step: int) -> None:
        if self.step != "camera" or len(self.cameras) < 2:
            return
        self.camera_pos = (self.camera_pos + step) % len(self.cameras)
        if self._open(str(self.cameras[self.camera_pos])):
            self._go_camera_picker()

    def _go_checks(self) -> None:
        self._issue_codes = None
        self._checks_ok = False
        self._go("checks", "Welcome! Let's find your good posture",
                 "Sit as you usually do, facing the screen.",
                 [Action("Cancel  (Esc)", self.cancel), Action("Start anyway  (A)", self._start_anyway),
                  Action("Start  (Enter)", self._start_when_ready, primary=True)])
        self.view.show_status("Looking at the picture\u2026")

    def _update_checklist(self, issues) -> None:
        codes = tuple(issue.code for issue in issues)
        if codes == self._issue_codes:
            return
        self._issue_codes = codes
        self._checks_ok = not issues
        self.view.show_checklist(checklist(issues))
        self.on_step(f"checks: {','.join(codes) if codes else 'ok'}")
        if self._checks_ok:
            self.view.show_status("All good! Press Enter to start.")
        else:
            self.view.show_status("Please fix the crosses first, or press A to start anyway.", bad=True)

    def _start_when_ready(self) -> None:
        if self.step == "checks" and self._checks_ok:
            self._start_upright()

    def _start_anyway(self) -> None:
        if self.step == "checks":
            self._start_upright()

    def _start_upright(self) -> None:
        self.capture = UprightCapture(self.settings.calibration.duration_s, DEFAULT_MAX_MOTION, self._now())
        self._quarters_reported = 0
        self._go("upright", "Sit tall, as you would like to sit",
                 "Sit back in your chair. Let your shoulders relax and your head rest tall above them. "
                 "Keep still until the bar is full.", [Action("Cancel  (Esc)", self.cancel)])
        self.view.show_progress(0.0, self.capture.duration_s)

    def _now(self) -> float:
        return self._last_t if self._last_t is not None else 0.0

    def _add_sample(self, t: float, reading, landmarks) -> None:
        assert self.capture is not None
        accepted = self.capture.add(t, reading, landmarks)
        progress = self.capture.progress(t)
        self.view.show_progress(progress, self.capture.remaining_s(t))
        if int(progress * 4) > self._quarters_reported:
            self._quarters_reported = int(progress * 4)
            self.on_step(f"{self.step}: {25 * self._quarters_reported}%")
        if not accepted:
            why = reading.reason or "you moved"
            self.view.show_status(f"Paused: {why}. Please keep still for a moment.", bad=True)
        else:
            self.view.show_status("Lovely. Keep still\u2026")
        if self.capture.done:
            self._upright_done() if self.step == "upright" else self._forward_done()

    def _upright_done(self) -> None:
        assert self.capture is not None
        try:
            self.baseline = fit_from_readings(
                self.capture.readings, self.wall_clock(), self.settings.detection.sensitivity_deg,
                self.settings.calibration.min_frames)
        except CalibrationError as error:
            self.on_step(f"calibration failed: {error}")
            self._go("failed", "Let's try that again", f"{error}\n\nPress Enter to try again.",
                     [Action("Cancel  (Esc)", self.cancel), Action("Try again  (Enter)", self._go_checks, primary=True)])
            return
        self._go("forward_intro", "One more, if you like",
                 "Now let your head drift forward, the way it does when you are busy. "
                 "This teaches fhp-monitor what \u201cforward\u201d looks like for you.\n\n"
                 "Press Enter to record 5 seconds, or S to skip.",
                 [Action("Cancel  (Esc)", self.cancel), Action("Skip  (S)", self._skip_forward),
                  Action("Record  (Enter)", self._start_forward, primary=True)])

    def _start_forward(self) -> None:
        if self.step != "forward_intro":
            return
        self.capture = UprightCapture(FORWARD_DURATION_S, FORWARD_MAX_MOTION, self._now())
        self._quarters_reported = 0
        self._go("forward", "Let your head drift forward",
                 "Just as it usually does. Stay like that until the bar is full.",
                 [Action("Cancel  (Esc)", self.cancel), Action("Skip  (S)", self._skip_forward)])
        self.view.show_progress(0.0, FORWARD_DURATION_S)

    def _forward_done(self) -> None:
        assert self.capture is not None and self.baseline is not None
        self.baseline = personalise(self.baseline, self.capture.values)
        self._go_result()

    def _skip_forward(self) -> None:
        if self.step in ("forward_intro", "forward"):
            self._go_result()

    def _go_result(self) -> None:
        assert self.baseline is not None
        personal = (" We also saw how your head drifts, so reminders will fit you."
                    if self.baseline.personalised else "")
        self._go("result", "All done \u2014 thank you!", "Your sitting-tall angle is",
                 [Action("Cancel  (Esc)", self.cancel), Action("Finish  (Enter)", self._finish, primary=True)],
                 big=f"{self.baseline.cva_proxy_deg:.0f}\u00b0",
                 note="This is your own \u2018sitting tall\u2019 angle. We will compare with it, not with anyone "
                      f"else.{personal}\n\nNext: fhp-monitor looks now and then. If your head stays forward for "
                      "a while, you get a gentle reminder.")
        self._show_autostart_option()

    def _show_autostart_option(self) -> None:
        self.view.show_option("Start fhp-monitor when I log in (L)", self.autostart_choice, self._toggle_autostart)

    def _toggle_autostart(self) -> None:
        if self.step == "result":
            self.autostart_choice = not self.autostart_choice
            self._show_autostart_option()
            self.on_step(f"autostart: {'on' if self.autostart_choice else 'off'}")

    def _finish(self) -> None:
        """Save the baseline (and the camera choice), apply the log-in choice, close."""
        if self.step != "result" or self.baseline is None:
            return
        try:
            save_baseline(self.home.calibration, self.baseline)
            if self.camera_index is not None and self.source_spec is None:
                write_state(self.home, {**read_state(self.home), "camera_index": self.camera_index})
        except OSError as error:
            self.view.show_status(f"We could not save the calibration ({error.strerror or error}). "
                                  "Check that the disk is not full, then press Enter again.", bad=True)
            return
        autostart_on = self.autostart_choice
        if autostart_on != autostart.is_autostart_enabled():
            try:
                autostart.set_autostart(autostart_on, self.autostart_command)
            except OSError as error:
                log.warning("could not change the log-in setting: %s", error)
                autostart_on = autostart.is_autostart_enabled()
        self._close(WizardResult(True, self.baseline, self.camera_index, autostart_on))

    def _problem(self, title: str, message: str, retry: Callable[[], None]) -> None:
        self._retry = retry
        self.view.clear_frame("No picture")
        self._go("problem", title,
                 f"{message}\n\nThen press Enter to try again.",
                 [Action("Cancel  (Esc)", self.cancel), Action("Try again  (Enter)", lambda: self._retry(), primary=True)])

    def _reopen(self) -> None:
        spec = self.source_spec if self.source_spec is not None else str(self.cameras[self.camera_pos])
        if self._open(spec):
            self._go_checks()


# ---------------------------------------------------------------------- entry points


def open_wizard(root: tk.Misc, *, on_done: Callable[[WizardResult], None], **options: Any) -> CalibrationWizard:
    """Open the calibration window over a running app's Tk ``root`` without blocking.

    ``options`` are :class:`CalibrationWizard`'s keyword arguments. ``on_done`` is called on the
    Tk thread when the window closes.
    """
    window = tk.Toplevel(root)
    wizard = CalibrationWizard(window, on_done=on_done, **options)
    wizard.start()
    window.focus_force()
    return wizard


def run_wizard(*, root: tk.Misc | None = None, **options: Any) -> WizardResult:
    """Show the calibration window and return when it closes.

    Without ``root`` it makes its own Tk root and runs the main loop; with the app's ``root`` it
    opens a Toplevel and waits for it (Tk keeps handling the app's events meanwhile).
    """
    outcome: list[WizardResult] = []
    if root is None:
        window = tk.Tk(className="fhp-monitor")
        wizard = CalibrationWizard(window, on_done=outcome.append, **options)
        wizard.start()
        window.focus_force()
        window.mainloop()
    else:
        wizard = open_wizard(root, on_done=outcome.append, **options)
        root.wait_window(wizard.window)
    if not outcome:  # the window was destroyed from outside (e.g. the app quit)
        return WizardResult(False, None, None, autostart.is_autostart_enabled())
    return outcome[0]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fhp_monitor.adapters.wizard``: 0 when calibrated, 1 when cancelled, 2 on errors."""
    from fhp_monitor.adapters.pose import MediaPipePoseEstimator
    from fhp_monitor.config import ConfigError, load_settings
    from fhp_monitor.home import HomeError, setup_logging

    parser = argparse.ArgumentParser(prog="fhp-monitor calibrate", description="Open the calibration window.")
    parser.add_argument("--home", help="fhp-monitor's folder (default: FHP_MONITOR_HOME or the usual place)")
    parser.add_argument("--source", help="camera number, video file or folder of images (default: ask)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    try:
        home = Home.locate(args.home, os.environ)
        setup_logging(home, args.verbose)
        settings = load_settings(home.config)
    except (HomeError, ConfigError) as error:
        print(f"fhp-monitor: {error}", file=sys.stderr)
        return 2
    try:
        result = run_wizard(
            source_spec=args.source, settings=settings, home=home,
            estimator_factory=lambda: MediaPipePoseEstimator(settings.detection.model or None),
            on_step=lambda line: print(line, flush=True))
    except tk.TclError as error:
        print(f"fhp-monitor: the calibration window needs a desktop to show on ({error}).", file=sys.stderr)
        return 2
    if result.completed and result.baseline is not None:
        print(f"calibrated: {result.baseline.cva_proxy_deg:.1f} degrees", flush=True)
        return 0
    print("calibration cancelled: nothing was changed", flush=True)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
