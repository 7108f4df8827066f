"""The monitor worker: look at the camera now and then, decide, and hand events on.

One worker thread owns the frame source and the pose model. ``step()`` does one look and returns
how many timeline seconds to wait before the next; tests call it directly with a fake clock, the
app calls ``run()`` in a thread, which paces itself with an injected ``pace`` function
(``stop_event.wait`` for a camera, a scaled wait or none for a file replay).

Commands (pause, resume, settings...) wake the wait and act at once in every state: between looks,
with the camera gone, and after a recording ended (``keep_after_end``: taken until stopped). The
worker alone moves a replay's clock (clocks.ReplayClock): to each frame, and on by what ``pace`` waited.

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
from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.i18n import _, active
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
    Speaker,
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
from fhp_monitor.core.setup_watch import MOVED_TEXT, MOVED_TITLE
from fhp_monitor.core.setups import SetupShelf
from fhp_monitor.monitor.camera_outage import CameraOutage
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.history_writes import HistoryWrites
from fhp_monitor.monitor.policies import nudge_policy_from, sampling_policy_from
from fhp_monitor.monitor.recording_end import RecordingEnd
from fhp_monitor.monitor.setup_switching import SetupSwitching
from fhp_monitor.monitor.time_account import TimeAccount
from fhp_monitor.monitor.verdict import FrameJudge
from fhp_monitor.settings.schema import Settings

log = logging.getLogger(__name__)

GAP_LOOKS = 3.0  # a look later than this many planned waits (+ GAP_SLACK_S) is a gap: not counted,
GAP_SLACK_S = 10.0  # and it starts a fresh onset window (a suspend, a stalled machine)
PAUSED_TICK_S = 60.0  # while paused with a camera: look at the clock this often (commands wake it at once)
DETECTOR_REST_AFTER_S = 120.0  # a pause, lock or sleep this long ends the pose detector's process (at once on suspend)
IDLE_RECHECK_S = 5.0  # while away and idle: how often to ask whether keyboard or mouse came back


class MonitorWorker(RecordingEnd, SetupSwitching):
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
        keep_after_end: bool = False,
        setups: SetupShelf | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        self.source, self.estimator, self.clock = source, estimator, clock
        #: A replay's clock, which this worker alone moves; None for a camera or a clock of the caller's.
        self._replay_clock = clock if isinstance(clock, ReplayClock) and not source.live else None
        self.settings = settings
        self.notifier, self.on_snapshot = notifier, on_snapshot
        #: Says a nudge shown aloud when ``nudges.speak`` is on (so quiet hours, pauses and calls apply too).
        self.speaker = speaker
        #: After a file source ends, ``run`` keeps taking commands until stopped (else it returns).
        self.keep_after_end = keep_after_end
        self.monotonic = monotonic_of(clock)
        self.monitor = PostureMonitor(nudge_policy_from(settings.nudges), self.monotonic(), wall=clock.now())
        self.schedule = SamplingSchedule(sampling_policy_from(settings.sampling, settings.nudges.onset_delay_s))
        self.judge = FrameJudge(estimator, baseline, min_visibility=settings.detection.min_visibility,
                                sensitivity_deg=settings.detection.sensitivity_deg, on_moved=self._camera_moved,
                                setups=setups, on_switched=self._setup_switched)
        self.setups = setups
        self.setup_name = self._setup_in_use()  # shown by the tray when more than one setup is saved
        self.commands: queue.Queue[tuple[str, object]] = queue.Queue()
        #: Set by ``send`` (any thread): a live pace waits on it, so a pause or a lock acts at once.
        self.wake = threading.Event()
        #: Seconds since the user last touched keyboard or mouse, or None where unknown (set by the
        #: composition root from desktop/idle; any thread may call it, it must not block).
        self.input_idle_s: Callable[[], float | None] = lambda: None
        #: Set by the worker thread once a paused step has let go of the camera; cleared by ``pause``
        #: and before each read. The suspend watcher waits on it before letting the machine sleep.
        self.released_for_pause = threading.Event()
        self.ended = False  # the file source ended (or could not be read): no more looks
        self.failure: str | None = None  # why a file source could not be read, if that ended the run
        self.looks = 0
        self.nudges_sent: list[NudgeDue] = []
        self.history_writes = HistoryWrites(history)  # minutes, pauses, nudges; failures logged, never fatal
        self.time_account = TimeAccount(self.history_writes)  # the time between looks, into minutes and pauses
        self._planned = self.schedule.policy.first_s  # the wait planned after the previous look
        self._look_due: float | None = None  # away and idle: monotonic time of the next look
        self.last_wait_why = ""
        self._next_t: float | None = None  # file timeline position of the next look
        self.outage = CameraOutage()  # back-off and notice while the camera is unavailable
        self._last_cva: float | None = None
        self._paused_since: float | None = None  # monotonic time this pause was first seen (for the detector's rest)

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
                self._handle(self.monitor.pause(until, now, reason, wall=wall))
                self.time_account.paused(now, wall, self.monitor.pause_reason)
                self.on_snapshot(self.snapshot())  # the reason may change while the state stays "paused"
            elif command == "resume":
                self._handle(self.monitor.resume(now, value, wall=wall))  # type: ignore[arg-type]
                self.on_snapshot(self.snapshot())
            elif command == "baseline":
                self.judge.use_baseline(value)  # type: ignore[arg-type]
                self.monitor.reset()
                self.schedule.reset()
                self.setup_name = self._setup_in_use()  # a new setup, or one renamed
                self.on_snapshot(self.snapshot())
            elif command == "settings":
                self._use_settings(value)  # type: ignore[arg-type]
            elif command == "look":
                self._look_due = None
            else:
                raise ValueError(f"unknown worker command {command!r}")

    def _use_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.monitor.policy = nudge_policy_from(settings.nudges)
        self.schedule = SamplingSchedule(sampling_policy_from(settings.sampling, settings.nudges.onset_delay_s))
        self.judge.min_visibility = settings.detection.min_visibility
        self.judge.sensitivity_deg = settings.detection.sensitivity_deg
        self._look_due = None

    # ------------------------------------------------------------------ one look
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
        if rest is None:
            return float("inf")
        if self._paused_since is None:
            self._paused_since = now
        due = DETECTOR_REST_AFTER_S - (now - self._paused_since)
        if due > 0 and self.monitor.pause_reason != PAUSE_SUSPENDED:
            return max(0.05, due)
        rest()  # idempotent: nothing to do once the detector is gone
        return float("inf")

    def step(self) -> float | None:
        """One look. Returns seconds until the next look, or None when a file source has ended."""
        if self.ended:
            return None
        if self._replay_clock is not None and self._next_t is not None and self.commands.empty():
            # A command that came during the wait acts where the timeline was when it came (``run``
            # moves the clock on by the time ``pace`` waited); otherwise jump to the next look.
            self._replay_clock.t = max(self._replay_clock.t, self._next_t)
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
            if self._replay_clock is not None:
                # The recording keeps playing while paused, as time passes for a camera; otherwise
                # the replay clock would stand still and a pause with an end time would never end.
                self._next_t = self._replay_clock.t + wait
            return wait
        self.time_account.end_pause(now, wall)
        self._paused_since = None
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
                return self._camera_unavailable(_("the camera sent no picture"))
            self._count_to_the_end()
            self._recording_ended()
            return None
        if self._replay_clock is not None:
            self._replay_clock.t = frame.t
            now, wall = self.monotonic(), self.clock.now()
            self._handle(self.monitor.tick(now, wall=wall))
        self.outage.recovered()
        observation = self.judge.judge(frame, self.monotonic()).observation  # durations: monotonic
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

    def _plan(self, state: PostureState, now: float) -> float:
        last_nudge = self.monitor.last_nudge
        idle = self.input_idle_s() if state is PostureState.AWAY else None
        decision = self.schedule.after_look(
            state, episode_elapsed_s=self.monitor.episode_elapsed_s,
            since_nudge_s=None if last_nudge is None else now - last_nudge, input_idle_s=idle,
            hurry=self.judge.suspects_moved)
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

    def _camera_moved(self) -> None:
        """The judge's camera-moved hook: tell the user once."""
        log.info("camera moved and no saved setup fits the picture: asking to recalibrate")
        self._notify(_(MOVED_TITLE), _(MOVED_TEXT))

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
            self._notify(messages.state_words(PostureState.CAMERA_UNAVAILABLE), _(messages.CAMERA_UNAVAILABLE_TEXT))
        wait = self.outage.next_wait()
        self._planned, self.last_wait_why = wait, "camera_unavailable"
        return wait

    # ------------------------------------------------------------------ bookkeeping
    def _account(self, state: PostureState, now: float, wall: float, cva: float | None) -> None:
        """Count the time since the previous look (see TimeAccount.count); gaps beyond ``_gap_limit`` are cut."""
        self.time_account.count(state, now, wall, cva, self._gap_limit())
        if cva is not None:
            self._last_cva = cva

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
                if self._notify(title, body, NOTIFY_NUDGE) and self.speaker is not None and self.settings.nudges.speak:
                    self.speaker.say(messages.spoken_nudge(title, body), active().code)  # the words just shown
                self.nudges_sent.append(event)
                self.history_writes.nudge(event.at, event.level)
            elif isinstance(event, NudgeOutcome):
                self.history_writes.nudge_outcome(event.nudge_at, event.recovered)

    def snapshot(self) -> StatusSnapshot:
        m = self.monitor
        return StatusSnapshot(state=m.state, since=m.state_since, cva_proxy_deg=self._last_cva,
                              paused_until=m.paused_until, detail=m.detail, pause_reason=m.pause_reason,
                              source_ended=self.ended and self.failure is None, setup=self.setup_name)

    # ------------------------------------------------------------------ thread body
    def run(self, stop: threading.Event, pace: Callable[[float], float]) -> None:
        """Look, wait, repeat until ``stop`` is set, or a file source ends without ``keep_after_end``.

        ``pace(s)`` waits up to ``s`` seconds of the source's timeline, returns early when ``wake``
        is set (a command, a stop), and returns the timeline seconds that passed.
        """
        try:
            while not stop.is_set():
                wait = self._after_end() if self.ended else self.step()
                if wait is None:  # the source ended at this look
                    if self.failure is not None or not self.keep_after_end:
                        break
                    continue
                waited = pace(wait)
                if self._replay_clock is not None:
                    self._replay_clock.t += min(waited, wait)
        finally:
            self.close()

    def close(self) -> None:
        """Flush the current minute and release the camera. Safe to call twice."""
        self.source.release()
        self.time_account.close(self.monotonic(), self.clock.now())
