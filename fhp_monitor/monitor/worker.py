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
from collections.abc import Callable

from fhp_monitor.core import messages
from fhp_monitor.core.calibration import Baseline, body_of
from fhp_monitor.core.minutes import MinuteAccumulator
from fhp_monitor.core.ports import (
    NOTIFY_INFO,
    NOTIFY_NUDGE,
    Clock,
    FrameSource,
    HistoryStore,
    NotificationError,
    Notifier,
    PoseEstimator,
    PostureState,
    SourceUnavailable,
    StatusSnapshot,
    monotonic_of,
)
from fhp_monitor.core.posture import (
    PAUSE_SUSPENDED,
    PAUSE_USER,
    NudgeDue,
    NudgeOutcome,
    Observation,
    PostureMonitor,
    StateChanged,
)
from fhp_monitor.core.sampling import AWAY_IDLE, SamplingSchedule
from fhp_monitor.core.setup_watch import MOVED_TEXT, MOVED_TITLE, SetupWatch
from fhp_monitor.monitor.camera_outage import CameraOutage
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.history_writes import HistoryWrites
from fhp_monitor.monitor.policies import policy_from, sampling_from
from fhp_monitor.monitor.verdict import observe_frame
from fhp_monitor.settings.schema import Settings

log = logging.getLogger(__name__)

#: Looks whose time is split half-and-half when the state changed between them.
SPLIT_STATES = frozenset({PostureState.UPRIGHT, PostureState.FORWARD, PostureState.AWAY, PostureState.UNCERTAIN,
                          PostureState.CAMERA_UNAVAILABLE})
GAP_LOOKS = 3.0  # a look later than this many planned waits (+ GAP_SLACK_S) is a gap: not counted,
GAP_SLACK_S = 10.0  # and it starts a fresh onset window (a suspend, a stalled machine)
PAUSED_TICK_S = 60.0  # while paused with a camera: look at the clock this often (commands wake it at once)
DETECTOR_REST_AFTER_S = 120.0  # a pause, lock or sleep this long ends the pose detector's process (at once on suspend)
IDLE_RECHECK_S = 5.0  # while away and idle: how often to ask whether keyboard or mouse came back


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
        self.monotonic = monotonic_of(clock)
        self.monitor = PostureMonitor(policy_from(settings), self.monotonic(), wall=clock.now())
        self.schedule = SamplingSchedule(sampling_from(settings))
        self.minutes = MinuteAccumulator()
        self.commands: queue.Queue[tuple[str, object]] = queue.Queue()
        #: Set by ``send`` (any thread): a live pace waits on it, so a pause or a lock acts at once.
        self.wake = threading.Event()
        #: Seconds since the user last touched keyboard or mouse, or None where unknown (set by the
        #: composition root from desktop/idle; any thread may call it, it must not block).
        self.input_idle_s: Callable[[], float | None] = lambda: None
        #: Set by the worker thread once a paused step has let go of the camera; cleared by ``pause``
        #: and before each read. The suspend watcher waits on it before letting the machine sleep.
        self.released_for_pause = threading.Event()
        self.ended = False
        self.failure: str | None = None  # why a file source could not be read, if that ended the run
        self.looks = 0
        self.nudges_sent: list[NudgeDue] = []
        self.records = HistoryWrites(history)  # minutes, pauses and nudges; failures logged, never fatal
        self._last_look: float | None = None  # monotonic time of the previous look (or paused tick)
        self._last_state: PostureState | None = None
        self._planned = self.schedule.policy.first_s  # the wait planned after the previous look
        self._look_due: float | None = None  # away and idle: monotonic time of the next look
        self.last_wait_why = ""
        self._next_t: float | None = None  # file timeline position of the next look
        self.outage = CameraOutage()  # back-off and notice while the camera is unavailable
        self._pause_started: tuple[float, float] | None = None  # (wall, monotonic)
        self._pause_reason: str | None = None
        self._last_cva: float | None = None
        self.setup_watch = SetupWatch.for_body(body_of(baseline))  # "the camera moved" (None: old calibration)

    # ------------------------------------------------------------------ commands (any thread)
    def send(self, command: str, value: object = None) -> None:
        """Queue a command and wake the worker so it acts now, not after its current wait.

        Commands: "pause" (value: ``(until epoch or None, reason)``, or just ``until`` for the
        user's pause), "resume" (value: a reason, or None for the user's Resume), "baseline",
        "settings", "look" (look now: input came back while away).
        """
        self.commands.put((command, value))
        self.wake.set()

    def pause(self, until: float | None, reason: str = PAUSE_USER) -> None:
        """Pause for ``reason`` until ``until`` (epoch; None = until resumed). Any thread."""
        self.released_for_pause.clear()
        self.send("pause", (until, reason))

    def resume(self, reason: str | None = None) -> None:
        """End the pause for ``reason`` (None: the user's Resume). Any thread."""
        self.send("resume", reason)

    def look_now(self) -> None:
        """Input came back (keyboard or mouse): take a look now instead of after a long wait. Any thread."""
        self.send("look")

    def _apply_commands(self, now: float, wall: float | None = None) -> None:
        wall = now if wall is None else wall
        while True:
            try:
                command, value = self.commands.get_nowait()
            except queue.Empty:
                return
            if command == "pause":
                until, reason = value if isinstance(value, tuple) else (value, PAUSE_USER)
                if self._pause_started is None:
                    self._pause_started = (wall, now)
                self._handle(self.monitor.pause(until, now, reason, wall=wall))
                self._pause_reason = self.monitor.pause_reason
                self.on_snapshot(self.snapshot())  # the reason may change while the state stays "paused"
            elif command == "resume":
                self._handle(self.monitor.resume(now, value, wall=wall))  # type: ignore[arg-type]
                self.on_snapshot(self.snapshot())
            elif command == "baseline":
                self.baseline = value  # type: ignore[assignment]
                self.setup_watch = SetupWatch.for_body(body_of(self.baseline))
                self.monitor.reset()
                self.schedule.reset()
            elif command == "settings":
                self.settings = value  # type: ignore[assignment]
                self.monitor.policy = policy_from(self.settings)
                self.schedule = SamplingSchedule(sampling_from(self.settings))
                self._look_due = None
            elif command == "look":
                self._look_due = None
            else:
                raise ValueError(f"unknown worker command {command!r}")

    # ------------------------------------------------------------------ one look
    @property
    def _replaying(self) -> bool:
        """A file source whose own timeline is the clock."""
        return not self.source.live and isinstance(self.clock, ReplayClock)

    @property
    def interval_s(self) -> float:
        """The wait planned after the latest look (the schedule's answer)."""
        return self._planned

    def _paused_wait(self, now: float, wall: float) -> float:
        tick = PAUSED_TICK_S if self.source.live else self.settings.sampling.fast_interval_s
        left = self.monitor.pause_remaining_s(now, wall)
        return tick if left is None else max(0.05, min(tick, left))

    def _rest_detector(self, now: float) -> float:
        """Let the pose detector go (``rest``: an estimator that has one) once the pause has lasted
        DETECTOR_REST_AFTER_S, at once for sleep; returns the seconds until that is due (inf: done)."""
        rest = getattr(self.estimator, "rest", None)
        if rest is None or self._pause_started is None:
            return float("inf")
        due = DETECTOR_REST_AFTER_S - (now - self._pause_started[1])
        if due > 0 and self.monitor.pause_reason != PAUSE_SUSPENDED:
            return max(0.05, due)
        rest()  # idempotent: nothing to do once the detector is gone
        return float("inf")

    def step(self) -> float | None:
        """One look. Returns seconds until the next look, or None when a file source has ended."""
        if self._replaying and self._next_t is not None and self.commands.empty():
            # A command that came during the wait acts where the timeline was when it came (App.pace
            # moves the replay clock on by the time actually waited); otherwise jump to the next look.
            self.clock.t = max(self.clock.t, self._next_t)  # type: ignore[attr-defined]
        now, wall = self.monotonic(), self.clock.now()
        self._apply_commands(now, wall)
        self._handle(self.monitor.tick(now, wall=wall))
        if self.monitor.paused:
            self._account(PostureState.PAUSED, now, wall, None)
            self.source.release()
            rest_in = self._rest_detector(now)
            if not self.released_for_pause.is_set():
                log.info("paused (%s): camera released", self.monitor.pause_reason)
                self.released_for_pause.set()
            self._look_due = None
            self.schedule.reset()
            wait = self._planned = min(self._paused_wait(now, wall), rest_in)
            self.last_wait_why = "paused"
            if self._replaying:
                # The recording keeps playing while paused, as time passes for a camera; otherwise
                # the replay clock would stand still and a pause with an end time would never end.
                self._next_t = self.clock.t + wait  # type: ignore[attr-defined]
            return wait
        self._end_pause_record(now, wall)
        if self._look_due is not None:
            recheck = self._idle_recheck(now)
            if recheck is not None:
                return recheck

        self.released_for_pause.clear()
        try:
            frame = self.source.read(self._next_t if not self.source.live else None)
        except SourceUnavailable as exc:
            if not self.source.live:
                return self._file_unreadable(str(exc))
            return self._camera_unavailable(str(exc))
        if frame is None:
            if self.source.live:  # a camera never "ends": no picture is a camera fault
                return self._camera_unavailable("the camera sent no picture")
            self._count_to_the_end()
            self.ended = True
            return None
        if self._replaying:
            self.clock.t = frame.t  # type: ignore[attr-defined]
            now, wall = self.monotonic(), self.clock.now()
            self._handle(self.monitor.tick(now, wall=wall))
        self.outage.recovered()
        observation = self._observe(frame)
        self.looks += 1
        gap = self._gap_limit()
        self._account(observation.state, now, wall, observation.cva_proxy_deg)
        self._handle(self.monitor.observe(observation, now, wall=wall, max_gap_s=gap))
        wait = self._plan(observation.state, now)
        if not self.source.live:
            self._next_t = frame.t + wait
        release_at = self.settings.camera.release_between_samples_s
        if self.source.live and release_at > 0 and wait >= release_at:
            self.source.release()
        return wait if self._look_due is None else min(wait, IDLE_RECHECK_S)

    def _count_to_the_end(self) -> None:
        """A recording ended between two looks: its last stretch counts as the state last seen
        (with looks up to a minute apart, leaving it out would lose up to a minute of the day)."""
        duration = getattr(self.source, "duration_s", None)
        if not self._replaying or self._last_state is None or not isinstance(duration, (int, float)):
            return
        if self._last_look is not None and duration > self._last_look:  # replay: monotonic = file time
            self.clock.t = min(duration, self.clock.t)  # type: ignore[attr-defined]
            self._account(self._last_state, self.monotonic(), self.clock.now(), None)

    def _plan(self, state: PostureState, now: float) -> float:
        last_nudge = self.monitor.last_nudge
        idle = self.input_idle_s() if state is PostureState.AWAY else None
        decision = self.schedule.after_look(
            state, episode_elapsed_s=self.monitor.episode_elapsed_s,
            since_nudge_s=None if last_nudge is None else now - last_nudge, input_idle_s=idle,
            hurry=self.setup_watch is not None and self.setup_watch.suspects)
        self._planned, self.last_wait_why = decision.wait_s, decision.why
        # Away and idle with a desktop that reports input: wake every few seconds to ask whether
        # the keyboard or mouse came back, and look at once if so (no camera, no model until then).
        self._look_due = now + decision.wait_s if decision.why == AWAY_IDLE and self.source.live else None
        return decision.wait_s

    def _idle_recheck(self, now: float) -> float | None:
        """While a long away-and-idle wait runs: the next short wait, or None to look now."""
        assert self._look_due is not None
        idle = self.input_idle_s()
        if now >= self._look_due or idle is None or idle < IDLE_RECHECK_S + 1.0:
            self._look_due = None
            return None
        return max(0.05, min(IDLE_RECHECK_S, self._look_due - now))

    def _gap_limit(self) -> float:
        """Longer than this since the previous look is a gap (suspend, stall): not counted, fresh onset."""
        return GAP_LOOKS * max(self._planned, self.outage.backoff) + GAP_SLACK_S

    def _observe(self, frame) -> Observation:
        return observe_frame(frame, self.estimator, self.settings, self.baseline, self._setup_moved)

    def _setup_moved(self, reading) -> bool:
        """The camera-moved hook: tell the user once; no verdicts against a stale baseline meanwhile."""
        if self.setup_watch is None:
            return False
        if self.setup_watch.update(self.monotonic(), reading.signals):  # durations: monotonic
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
        now, wall = self.monotonic(), self.clock.now()
        self.outage.failed(now, why)
        gap = self._gap_limit()
        self._account(PostureState.CAMERA_UNAVAILABLE, now, wall, None)
        self._handle(self.monitor.observe(Observation(PostureState.CAMERA_UNAVAILABLE, None, why), now,
                                          wall=wall, max_gap_s=gap))
        self.schedule.reset()
        if self.outage.notice_due(now):
            self._notify(messages.state_words(PostureState.CAMERA_UNAVAILABLE), messages.CAMERA_UNAVAILABLE_TEXT)
        wait = self.outage.next_wait()
        self._planned, self.last_wait_why = wait, "camera_unavailable"
        return wait

    # ------------------------------------------------------------------ bookkeeping
    def _account(self, state: PostureState, now: float, wall: float, cva: float | None) -> None:
        """Count the time since the previous look, measured on the monotonic clock and labelled with
        the wall clock (minutes are wall-clock minutes).

        When two looks saw different states (upright, forward, away, uncertain, camera fault), the
        change happened somewhere in between: each state gets half. A pause begins when its command
        arrives, so the whole interval before a paused tick is paused. Gaps longer than ``_gap_limit`` are not counted.
        """
        if self._last_look is not None and now > self._last_look:
            seconds = min(now - self._last_look, self._gap_limit())
            start = wall - seconds
            previous = self._last_state
            if previous is not None and previous != state and previous in SPLIT_STATES and state in SPLIT_STATES:
                middle = start + seconds / 2.0
                self.records.minutes(self.minutes.add(previous, start, middle, None))
                start = middle
            self.records.minutes(self.minutes.add(state, start, wall, cva))
        elif self._last_look is None and cva is not None:  # the first look's angle counts too (no time yet)
            self.records.minutes(self.minutes.add(state, wall, wall, cva))
        self._last_look = now
        self._last_state = state
        if cva is not None:
            self._last_cva = cva

    def _end_pause_record(self, now: float, wall: float) -> None:
        if self._pause_started is not None:
            started_wall, started = self._pause_started
            # the length comes from the monotonic clock: a clock step never stretches or flips it
            self.records.pause(started_wall, started_wall + max(0.0, now - started), self._pause_reason or PAUSE_USER)
        self._pause_started = None
        self._pause_reason = None

    def _notify(self, title: str, body: str, kind: str = NOTIFY_INFO) -> bool:
        try:
            self.notifier.notify(title, body, kind=kind)
            return True
        except NotificationError as exc:
            log.warning("could not show a notification: %s", exc)
            return False

    def _handle(self, events) -> None:
        for event in events:
            if isinstance(event, StateChanged):
                self.on_snapshot(self.snapshot())
            elif isinstance(event, NudgeDue):
                title, body = messages.choose_nudge(event.level, event.count, self.settings.nudges.include_exercises)
                self._notify(title, body, NOTIFY_NUDGE)
                self.nudges_sent.append(event)
                self.records.nudge(event.at, event.level)
            elif isinstance(event, NudgeOutcome):
                self.records.nudge_outcome(event.nudge_at, event.recovered)

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
        self._end_pause_record(self.monotonic(), self.clock.now())
        partial = self.minutes.flush()
        if partial is not None:
            self.records.minutes([partial])
