"""The monitor worker: look at the camera now and then, decide, and hand events on.

One worker thread owns the frame source and the pose model. ``step()`` does one look and returns
how many timeline seconds to wait before the next; tests call it directly with a fake clock, the
app calls ``run()`` in a thread, which paces itself with an injected ``pace`` function
(``stop_event.wait`` for a camera, a scaled wait or none for a file replay).

Everything the worker produces (state changes, nudges, finished minutes) is handled on this same
thread: history writes happen on one thread only, as the HistoryStore contract asks, and the
tray only receives immutable ``StatusSnapshot`` values through ``on_snapshot``.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from fhp_monitor.config import Settings
from fhp_monitor.core import messages
from fhp_monitor.core.calibration import Baseline, body_of, is_forward
from fhp_monitor.core.framing import mean_luma
from fhp_monitor.core.geometry import NO_PERSON, read_posture
from fhp_monitor.core.minutes import MinuteAccumulator
from fhp_monitor.core.ports import (
    Clock, FrameSource, HistoryError, HistoryStore, NotificationError, Notifier, PoseEstimator,
    PostureState, SourceUnavailable, StatusSnapshot, pose_for,
)
from fhp_monitor.core.setup_watch import MOVED_DETAIL, MOVED_TEXT, MOVED_TITLE, SetupWatch
from fhp_monitor.core.posture import (
    PAUSE_USER, NudgeDue, NudgeOutcome, NudgePolicy, Observation, PostureMonitor, StateChanged, parse_quiet_hours,
)

log = logging.getLogger(__name__)

DARK_LUMA = 12.0  # mean brightness below this is a covered or black camera, not a person
BACKOFF_START_S, BACKOFF_MAX_S = 5.0, 60.0
CAMERA_NOTICE_AFTER_S = 120.0  # one notification if the camera stays unavailable this long


def policy_from(settings: Settings) -> NudgePolicy:
    n = settings.nudges
    return NudgePolicy(
        onset_delay_s=n.onset_delay_s,
        forward_fraction=n.forward_fraction,
        cooldown_s=n.cooldown_min * 60.0,
        max_per_hour=n.max_per_hour,
        quiet_hours=parse_quiet_hours(n.quiet_hours),
    )


def is_picture(image) -> bool:
    """True for a non-empty H x W x 3 uint8 array, the only kind of frame the pose model takes."""
    return (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
            and image.dtype == np.uint8 and image.size > 0)


@dataclass
class ReplayClock:
    """The app's clock during a file replay: the file's own timeline, anchored at ``start``."""

    start: float
    t: float = 0.0

    def now(self) -> float:
        return self.start + self.t


class MonitorWorker:
    """Thread contract: ``step``/``run``/``close`` on the worker thread; ``send`` from any thread."""

    def __init__(
        self,
        *,
        source: FrameSource,
        estimator: PoseEstimator,
        clock: Clock,
        settings: Settings,
        baseline: Baseline | None,
        notifier: Notifier,
        history: HistoryStore | None,
        on_snapshot: Callable[[StatusSnapshot], None] = lambda snapshot: None,
    ) -> None:
        self.source, self.estimator, self.clock = source, estimator, clock
        self.settings, self.baseline = settings, baseline
        self.notifier, self.history, self.on_snapshot = notifier, history, on_snapshot
        self.monitor = PostureMonitor(policy_from(settings), clock.now())
        self.minutes = MinuteAccumulator()
        self.commands: queue.Queue[tuple[str, object]] = queue.Queue()
        #: Set by ``send`` (any thread): a live pace waits on it, so a pause or a lock acts at once.
        self.wake = threading.Event()
        #: Seconds since the user last touched keyboard or mouse, or None where unknown (set by the
        #: composition root from desktop/idle; any thread may call it, it must not block).
        self.input_idle_s: Callable[[], float | None] = lambda: None
        self.ended = False
        self.failure: str | None = None  # why a file source could not be read, if that ended the run
        self.looks = 0
        self.nudges_sent: list[NudgeDue] = []
        self._nudge_ids: dict[float, int] = {}
        self._last_look: float | None = None
        self._next_t: float | None = None  # file timeline position of the next look
        self._backoff = BACKOFF_START_S
        self._unavailable_since: float | None = None
        self._camera_notice_sent = False
        self._pause_started: float | None = None
        self._pause_reason: str | None = None
        self._last_cva: float | None = None
        self.setup_watch = SetupWatch.for_body(body_of(baseline))  # "the camera moved" (None: old calibration)

    # ------------------------------------------------------------------ commands (any thread)
    def send(self, command: str, value: object = None) -> None:
        """Queue a command and wake the worker so it acts now, not after its current wait.

        Commands: "pause" (value: ``(until epoch or None, reason)``, or just ``until`` for the
        user's pause), "resume" (value: a reason, or None for the user's Resume), "baseline",
        "settings".
        """
        self.commands.put((command, value))
        self.wake.set()

    def pause(self, until: float | None, reason: str = PAUSE_USER) -> None:
        """Pause for ``reason`` until ``until`` (epoch; None = until resumed). Any thread."""
        self.send("pause", (until, reason))

    def resume(self, reason: str | None = None) -> None:
        """End the pause for ``reason`` (None: the user's Resume). Any thread."""
        self.send("resume", reason)

    def _apply_commands(self, now: float) -> None:
        while True:
            try:
                command, value = self.commands.get_nowait()
            except queue.Empty:
                return
            if command == "pause":
                until, reason = value if isinstance(value, tuple) else (value, PAUSE_USER)
                if self._pause_started is None:
                    self._pause_started = now
                self._handle(self.monitor.pause(until, now, reason), now)
                self._pause_reason = self.monitor.pause_reason
                self.on_snapshot(self.snapshot())  # the reason may change while the state stays "paused"
            elif command == "resume":
                self._handle(self.monitor.resume(now, value), now)  # type: ignore[arg-type]
                self.on_snapshot(self.snapshot())
            elif command == "baseline":
                self.baseline = value  # type: ignore[assignment]
                self.setup_watch = SetupWatch.for_body(body_of(self.baseline))
                self.monitor.reset()
            elif command == "settings":
                self.settings = value  # type: ignore[assignment]
                self.monitor.policy = policy_from(self.settings)
            else:
                raise ValueError(f"unknown worker command {command!r}")

    # ------------------------------------------------------------------ one look
    @property
    def _replaying(self) -> bool:
        """A file source whose own timeline is the clock."""
        return not self.source.live and isinstance(self.clock, ReplayClock)

    @property
    def interval_s(self) -> float:
        s = self.settings.sampling
        return s.fast_interval_s if self.monitor.deteriorating else s.interval_s

    def step(self) -> float | None:
        """One look. Returns seconds until the next look, or None when a file source has ended."""
        if self._replaying and self._next_t is not None:
            self.clock.t = max(self.clock.t, self._next_t)  # type: ignore[attr-defined]
        now = self.clock.now()
        self._apply_commands(now)
        self._handle(self.monitor.tick(now), now)
        if self.monitor.paused:
            self._account(PostureState.PAUSED, now, None)
            self.source.release()
            wait = self.interval_s
            if self._replaying:
                # The recording keeps playing while paused, as time passes for a camera; otherwise
                # the replay clock would stand still and a pause with an end time would never end.
                self._next_t = self.clock.t + wait  # type: ignore[attr-defined]
            return wait
        self._end_pause_record(now)

        try:
            frame = self.source.read(self._next_t if not self.source.live else None)
        except SourceUnavailable as exc:
            if not self.source.live:
                return self._file_unreadable(str(exc))
            return self._camera_unavailable(str(exc))
        if frame is None:
            if self.source.live:  # a camera never "ends": no picture is a camera fault
                return self._camera_unavailable("the camera sent no picture")
            self.ended = True
            return None
        if self._replaying:
            self.clock.t = frame.t  # type: ignore[attr-defined]
            now = self.clock.now()
            self._handle(self.monitor.tick(now), now)
        self._recovered_camera()
        observation = self._observe(frame)
        self.looks += 1
        self._account(observation.state, now, observation.cva_proxy_deg)
        self._handle(self.monitor.observe(observation, now), now)
        wait = self.interval_s
        if not self.source.live:
            self._next_t = frame.t + wait
        release_at = self.settings.camera.release_between_samples_s
        if self.source.live and release_at > 0 and wait >= release_at:
            self.source.release()
        return wait

    def _observe(self, frame) -> Observation:
        if frame.pose is None:  # a landmark recording's frames carry a pose and no picture
            if not is_picture(frame.image):  # a driver hiccup must not stop the worker
                return Observation(PostureState.UNCERTAIN, None, "the picture could not be read")
            if mean_luma(frame.image) < DARK_LUMA:
                return Observation(PostureState.UNCERTAIN, None, "the picture is too dark")
        reading = read_posture(pose_for(frame, self.estimator), self.settings.detection.min_visibility,
                               body_of(self.baseline))
        if self._setup_moved(reading):
            return Observation(PostureState.UNCERTAIN, reading.cva_proxy_deg, MOVED_DETAIL)
        forward = is_forward(self.baseline, reading, self.settings.detection.sensitivity_deg)
        if forward is not None:
            state = PostureState.FORWARD if forward else PostureState.UPRIGHT
            return Observation(state, reading.cva_proxy_deg)
        if reading.reason == NO_PERSON:
            return Observation(PostureState.AWAY, None, reading.reason)
        if reading.usable:
            detail = "not calibrated yet" if self.baseline is None else "camera view differs from calibration"
            return Observation(PostureState.UNCERTAIN, reading.cva_proxy_deg, detail)
        return Observation(PostureState.UNCERTAIN, None, reading.reason or "")

    def _setup_moved(self, reading) -> bool:
        """The camera-moved hook: tell the user once; no verdicts against a stale baseline meanwhile."""
        if self.setup_watch is None:
            return False
        if self.setup_watch.update(self.clock.now(), reading.signals):
            self._notify(MOVED_TITLE, MOVED_TEXT)
        return self.setup_watch.moved

    def _file_unreadable(self, why: str) -> None:
        """A video or image file that cannot be read will not get better by waiting: end the run.

        (Backing off as for a camera would spin for ever: a replay's clock only moves with frames.)
        """
        log.error("%s", why)
        self.failure = why
        self.ended = True
        return None

    def _camera_unavailable(self, why: str) -> float:
        now = self.clock.now()
        if self._unavailable_since is None:
            self._unavailable_since = now
            log.warning("camera unavailable: %s", why)
        self._account(PostureState.CAMERA_UNAVAILABLE, now, None)
        self._handle(self.monitor.observe(Observation(PostureState.CAMERA_UNAVAILABLE, None, why), now), now)
        if not self._camera_notice_sent and now - self._unavailable_since >= CAMERA_NOTICE_AFTER_S:
            self._camera_notice_sent = True
            self._notify(messages.state_words(PostureState.CAMERA_UNAVAILABLE), messages.CAMERA_UNAVAILABLE_TEXT)
        wait, self._backoff = self._backoff, min(self._backoff * 2.0, BACKOFF_MAX_S)
        return wait

    def _recovered_camera(self) -> None:
        if self._unavailable_since is not None:
            log.info("camera is back")
        self._unavailable_since = None
        self._camera_notice_sent = False
        self._backoff = BACKOFF_START_S

    # ------------------------------------------------------------------ bookkeeping
    def _account(self, state: PostureState, now: float, cva: float | None) -> None:
        """The time since the previous look is counted in ``state`` (gaps longer than 3 looks are not counted)."""
        if self._last_look is not None and now > self._last_look:
            start = max(self._last_look, now - 3.0 * max(self.settings.sampling.interval_s, self._backoff))
            self._save_minutes(self.minutes.add(state, start, now, cva))
        self._last_look = now
        if cva is not None:
            self._last_cva = cva

    def _save_minutes(self, done) -> None:
        if self.history is None:
            return
        for minute in done:
            try:
                self.history.record_minute(minute)
            except HistoryError as exc:  # the store keeps the row pending and retries with the next one
                log.error("%s", exc)

    def _end_pause_record(self, now: float) -> None:
        if self._pause_started is not None and self.history is not None:
            try:
                self.history.record_pause(self._pause_started, now, self._pause_reason or PAUSE_USER)
            except HistoryError as exc:
                log.error("%s", exc)
        self._pause_started = None
        self._pause_reason = None

    def _notify(self, title: str, body: str) -> bool:
        try:
            self.notifier.notify(title, body)
            return True
        except NotificationError as exc:
            log.warning("could not show a notification: %s", exc)
            return False

    def _handle(self, events, now: float) -> None:
        for event in events:
            if isinstance(event, StateChanged):
                self.on_snapshot(self.snapshot())
            elif isinstance(event, NudgeDue):
                title, body = messages.choose_nudge(event.level, event.count, self.settings.nudges.include_exercises)
                self._notify(title, body)
                self.nudges_sent.append(event)
                if self.history is not None:
                    try:
                        self._nudge_ids[event.at] = self.history.record_nudge(event.at, event.level)
                    except HistoryError as exc:
                        log.error("%s", exc)
            elif isinstance(event, NudgeOutcome):
                nudge_id = self._nudge_ids.pop(event.nudge_at, None)
                if nudge_id is not None and self.history is not None:
                    try:
                        self.history.set_nudge_recovered(nudge_id, event.recovered)
                    except HistoryError as exc:
                        log.error("%s", exc)

    def snapshot(self) -> StatusSnapshot:
        m = self.monitor
        return StatusSnapshot(state=m.state, since=m.state_since, cva_proxy_deg=self._last_cva,
                              paused_until=m.paused_until, detail=m.detail, pause_reason=m.pause_reason)

    # ------------------------------------------------------------------ thread body
    def run(self, stop: threading.Event, pace: Callable[[float], bool]) -> None:
        """Look, wait, repeat until ``stop`` is set or a file source ends. ``pace(s)`` returns True to stop."""
        try:
            while not stop.is_set():
                wait = self.step()
                if wait is None or pace(wait):
                    break
        finally:
            self.close()

    def close(self) -> None:
        """Flush the current minute and release the camera. Safe to call twice."""
        self.source.release()
        now = self.clock.now()
        self._end_pause_record(now)
        partial = self.minutes.flush()
        if partial is not None:
            self._save_minutes([partial])
