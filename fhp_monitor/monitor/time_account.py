"""The worker's account of time: every stretch between two looks goes to a posture state, in
wall-clock minutes, and every pause to the pauses table with its reason.

Durations come from the monotonic clock and the wall clock only labels them, so a clock step never
stretches a minute or flips a pause. Thread contract: the worker thread (MonitorWorker) alone.
"""

from __future__ import annotations

from fhp_monitor.core.minutes import MinuteAccumulator
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.posture import PAUSE_USER
from fhp_monitor.monitor.history_writes import HistoryWrites

#: Looks whose time is split half-and-half when the state changed between them.
SPLIT_STATES = frozenset({PostureState.UPRIGHT, PostureState.FORWARD, PostureState.AWAY, PostureState.UNCERTAIN,
                          PostureState.CAMERA_UNAVAILABLE})


class TimeAccount:
    """Counts time into minutes and pauses, written through ``writes``."""

    def __init__(self, writes: HistoryWrites) -> None:
        self.writes = writes
        self.minutes = MinuteAccumulator()
        self.last_look: float | None = None  # monotonic time of the previous look (or paused tick)
        self.last_state: PostureState | None = None
        self._pause_started: tuple[float, float] | None = None  # (wall, monotonic)
        self._pause_reason: str | None = None

    def count(self, state: PostureState, now: float, wall: float, cva: float | None, gap_limit_s: float) -> None:
        """Count the time since the previous look as ``state``, labelled with the wall clock.

        When two looks saw different states (upright, forward, away, uncertain, camera fault), the
        change happened somewhere in between: each state gets half. A pause begins when its command
        arrives, so the whole interval before a paused tick is paused. A stretch longer than
        ``gap_limit_s`` (a suspend, a stall) counts only that long.
        """
        if self.last_look is not None and now > self.last_look:
            seconds = min(now - self.last_look, gap_limit_s)
            start = wall - seconds
            previous = self.last_state
            if previous is not None and previous != state and previous in SPLIT_STATES and state in SPLIT_STATES:
                middle = start + seconds / 2.0
                self.writes.minutes(self.minutes.add(previous, start, middle, None))
                start = middle
            self.writes.minutes(self.minutes.add(state, start, wall, cva))
        elif self.last_look is None and cva is not None:  # the first look's angle counts too (no time yet)
            self.writes.minutes(self.minutes.add(state, wall, wall, cva))
        self.last_look = now
        self.last_state = state

    def paused(self, now: float, wall: float, reason: str | None) -> None:
        """A pause command acted: the pause record starts now (unless one runs); ``reason`` is the
        one shown (the strongest of those holding)."""
        if self._pause_started is None:
            self._pause_started = (wall, now)
        self._pause_reason = reason

    def end_pause(self, now: float, wall: float) -> None:
        """Monitoring goes on (or stops): the running pause, if any, is written."""
        if self._pause_started is not None:
            started_wall, started = self._pause_started
            self.writes.pause(started_wall, started_wall + max(0.0, now - started), self._pause_reason or PAUSE_USER)
        self._pause_started = None
        self._pause_reason = None

    def close(self, now: float, wall: float) -> None:
        """Write the running pause and the minute in progress. Safe to call twice."""
        self.end_pause(now, wall)
        partial = self.minutes.flush()
        if partial is not None:
            self.writes.minutes([partial])
