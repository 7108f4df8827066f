"""The posture state machine and nudge policy. Pure: ``observe(observation, now) -> events``.

States (``PostureState``): upright, forward, away (no one in view), uncertain (someone, but no
usable reading), paused, camera unavailable. Each observation sets the state directly; the nudge
policy is where persistence is demanded:

* A **forward episode** starts at the first forward observation and ends after two upright
  observations in a row, or after ``away_reset_s`` of absence/pausing. A single upright blip
  inside a slouch does not end it; a glance at the keyboard (a few forward looks, then upright)
  ends it before it ever becomes a nudge.
* A **nudge** is due when the episode has lasted ``onset_delay_s``, the latest observation is
  forward, and at least ``forward_fraction`` of *all* observations in the last ``onset_delay_s``
  were forward (unreadable looks count against it: a few forward looks among many uncertain ones
  are not persistence); never while paused, away, uncertain or in quiet hours.
* **Cooldown**: at least ``cooldown_s`` between nudges, at most ``max_per_hour`` in any hour,
  and at most ``max_per_episode`` in one episode (after that we trust the user to have heard).
  The second nudge of an episode is level 2 (a different, gentle wording), never more.
* **Outcome**: a nudge counts as recovered if an upright observation arrives within
  ``recovered_within_s`` (two minutes).
* **Two clocks.** ``now`` is a *monotonic* reading (seconds, any origin): every duration (onset,
  window, cooldown, hour limit, absence, outcome, pause ends) is measured on it, so a wall-clock jump
  (resume after suspend, NTP, the user setting the clock) cannot nudge from one look or stretch a
  pause. ``wall`` (epoch seconds, defaults to ``now`` when both are the same clock) only labels what
  the user sees or what is stored: event times, ``state_since``, quiet hours, "Paused until 10:15".
  A look after a gap longer than ``max_gap_s`` (the caller passes it: a few sampling intervals)
  starts a fresh onset window: looks from before a suspend never count towards a nudge after it.
"""

from __future__ import annotations

import time as _time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fhp_monitor.core.ports import PostureState

# Why monitoring is paused, strongest first (the first one holding is what the user is shown).
PAUSE_SUSPENDED = "suspended"
PAUSE_SCREEN_LOCKED = "screen_locked"
PAUSE_BATTERY = "on_battery"  # on battery below app.pause_on_battery_below (desktop/power.py)
PAUSE_USER = "user"
PAUSE_SNOOZE = "snooze"
PAUSE_CALL = "call"
PAUSE_IDLE = "idle"
PAUSE_REASONS = (PAUSE_SUSPENDED, PAUSE_SCREEN_LOCKED, PAUSE_BATTERY, PAUSE_USER, PAUSE_SNOOZE, PAUSE_CALL, PAUSE_IDLE)

LocalTime = Callable[[float], tuple[int, int]]  # epoch seconds -> (hour, minute) local


def system_local_time(t: float) -> tuple[int, int]:
    tm = _time.localtime(t)
    return tm.tm_hour, tm.tm_min


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """'22:00-07:00' -> (1320, 420) minutes of the day; '' -> None. Raises ValueError if malformed."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        start, end = (part.strip() for part in text.split("-"))
        minutes = []
        for part in (start, end):
            hour, minute = (int(x) for x in part.split(":"))
            if not (0 <= hour < 24 and 0 <= minute < 60):
                raise ValueError
            minutes.append(hour * 60 + minute)
    except ValueError:
        raise ValueError(f'quiet hours must look like "22:00-07:00" (got "{text}")') from None
    return minutes[0], minutes[1]


@dataclass(frozen=True)
class NudgePolicy:
    onset_delay_s: float = 60.0
    forward_fraction: float = 0.7
    cooldown_s: float = 900.0
    max_per_hour: int = 3
    max_per_episode: int = 3
    quiet_hours: tuple[int, int] | None = None
    away_reset_s: float = 30.0
    recovered_within_s: float = 120.0

    def in_quiet_hours(self, hour: int, minute: int) -> bool:
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        now = hour * 60 + minute
        return start <= now < end if start <= end else (now >= start or now < end)


@dataclass(frozen=True)
class Observation:
    """One look at the user: a state (upright/forward/away/uncertain/camera_unavailable) and the proxy."""

    state: PostureState
    cva_proxy_deg: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class StateChanged:
    at: float
    old: PostureState
    new: PostureState
    detail: str = ""


@dataclass(frozen=True)
class NudgeDue:
    at: float
    level: int
    episode_started: float
    count: int  # nudges sent so far, for varying the words


@dataclass(frozen=True)
class NudgeOutcome:
    nudge_at: float
    recovered: bool
    decided_at: float


Event = StateChanged | NudgeDue | NudgeOutcome


class PostureMonitor:
    """Feed it observations in time order; it answers with events. No threads, no clock of its own."""

    def __init__(self, policy: NudgePolicy, now: float, local_time: LocalTime = system_local_time,
                 wall: float | None = None) -> None:
        self.policy = policy
        self.local_time = local_time
        self.state = PostureState.UNCERTAIN
        self.detail = ""
        # pause reason -> (until as wall epoch or None = until resumed, the same end on the monotonic clock)
        self._holds: dict[str, tuple[float | None, float | None]] = {}
        self.state_since = now if wall is None else wall
        self.episode_start: float | None = None
        self.episode_nudges = 0
        self._absent_since: float | None = None
        self._previous: PostureState | None = None
        self._window: deque[tuple[float, bool]] = deque()  # (t, forward?) for every look
        self._nudges: deque[float] = deque()  # times of nudges in the last hour
        self._last_nudge: float | None = None
        self._pending: deque[tuple[float, float]] = deque()  # (monotonic, wall) of nudges awaiting an outcome
        self._last_look: float | None = None  # monotonic time of the latest observation
        self.nudge_count = 0

    # ------------------------------------------------------------------ queries
    @property
    def paused(self) -> bool:
        return self.state is PostureState.PAUSED

    @property
    def pause_reason(self) -> str | None:
        """The reason shown to the user while paused (the strongest of those holding), else None."""
        for reason in PAUSE_REASONS:
            if reason in self._holds:
                return reason
        return None

    @property
    def paused_until(self) -> float | None:
        """When the shown pause ends by itself (None: when its reason goes away, or not paused)."""
        reason = self.pause_reason
        return None if reason is None else self._holds[reason][0]

    @property
    def episode_elapsed_s(self) -> float | None:
        """Set by the latest observation: monotonic seconds since the forward episode began."""
        return None if self.episode_start is None or self._last_look is None else self._last_look - self.episode_start

    @property
    def last_nudge(self) -> float | None:
        """Monotonic time of the latest nudge, or None."""
        return self._last_nudge

    @property
    def deteriorating(self) -> bool:
        """True during a forward episode: the worker samples faster to notice recovery sooner."""
        return self.episode_start is not None

    # ------------------------------------------------------------------ commands
    def pause(self, until: float | None, now: float, reason: str = PAUSE_USER, *,
              wall: float | None = None) -> list[Event]:
        """Hold monitoring for ``reason`` until ``until`` (wall epoch; None = until that reason is resumed).

        The pause ends when the monotonic clock has run ``until - wall`` seconds or when the wall
        clock reaches ``until``, whichever comes first: a clock set back never stretches a pause,
        and "Paused until 10:15" is never shown after 10:15.

        Several reasons can hold at once (the user paused, then the screen was locked): monitoring
        resumes only when none is left. Every pause ends the forward episode, so looks from before
        a pause (a lock, a suspend) never count towards a nudge after it.
        """
        if reason not in PAUSE_REASONS:
            raise ValueError(f"unknown pause reason {reason!r}")
        wall = now if wall is None else wall
        self._holds[reason] = (until, None if until is None else now + max(0.0, until - wall))
        self._end_episode()
        return self._set_state(PostureState.PAUSED, wall, "")

    def resume(self, now: float, reason: str | None = None, *, wall: float | None = None) -> list[Event]:
        """End the pause for ``reason``; None is the user's own "Resume", which ends every pause
        the user can end (user, snooze, idle, call) but not a locked screen or a sleeping machine."""
        if reason is None:
            for held in [r for r in self._holds if r not in (PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED)]:
                del self._holds[held]
        else:
            self._holds.pop(reason, None)
        if not self.paused or self._holds:
            return []
        return self._set_state(PostureState.UNCERTAIN, now if wall is None else wall, "")

    def pause_remaining_s(self, now: float, wall: float | None = None) -> float | None:
        """Monotonic seconds until the shown pause ends by itself (None: no end, or not paused)."""
        ends = [self._hold_left(hold, now, now if wall is None else wall) for hold in self._holds.values()]
        if not ends or any(end is None for end in ends):
            return None
        return max(0.0, max(ends))  # type: ignore[type-var]

    @staticmethod
    def _hold_left(hold: tuple[float | None, float | None], now: float, wall: float) -> float | None:
        until, deadline = hold
        if until is None or deadline is None:
            return None
        return min(deadline - now, until - wall)

    def tick(self, now: float, *, wall: float | None = None) -> list[Event]:
        """Time passes without an observation: ends an expired pause, settles overdue outcomes."""
        wall = now if wall is None else wall
        events: list[Event] = []
        expired = [r for r, hold in self._holds.items() if (left := self._hold_left(hold, now, wall)) is not None
                   and left <= 0]
        if expired:
            for reason in expired:
                del self._holds[reason]
            if self.paused and not self._holds:
                events += self._set_state(PostureState.UNCERTAIN, wall, "")
        events += self._settle_outcomes(now, wall, upright=False)
        return events

    def reset(self) -> None:
        """Forget the current episode and window (after a recalibration)."""
        self._end_episode()

    def observe(self, observation: Observation, now: float, *, wall: float | None = None,
                max_gap_s: float | None = None) -> list[Event]:
        """One look at ``now`` (monotonic). A gap of more than ``max_gap_s`` since the previous
        look (a suspend, a stalled camera) ends the episode first: a fresh onset window."""
        wall = now if wall is None else wall
        events = self.tick(now, wall=wall)
        if self.paused:
            return events
        if max_gap_s is not None and self._last_look is not None and now - self._last_look > max_gap_s:
            self._end_episode()
            self._previous = None
        self._last_look = now
        state = observation.state
        events += self._set_state(state, wall, observation.detail)
        events += self._settle_outcomes(now, wall, upright=state is PostureState.UPRIGHT)

        self._window.append((now, state is PostureState.FORWARD))
        if state in (PostureState.UPRIGHT, PostureState.FORWARD):
            self._absent_since = None
            forward = state is PostureState.FORWARD
            if forward and self.episode_start is None:
                self.episode_start = now
            elif not forward and self._previous is PostureState.UPRIGHT:
                self._end_episode()
        else:
            if self._absent_since is None:
                self._absent_since = now
            if now - self._absent_since >= self.policy.away_reset_s:
                self._end_episode()
        self._previous = state
        self._trim(now)

        if state is PostureState.FORWARD and self._nudge_allowed(now, wall):
            level = 2 if self.episode_nudges >= 1 else 1
            self.episode_nudges += 1
            self.nudge_count += 1
            self._last_nudge = now
            self._nudges.append(now)
            self._pending.append((now, wall))
            assert self.episode_start is not None
            events.append(NudgeDue(at=wall, level=level, episode_started=wall - (now - self.episode_start),
                                   count=self.nudge_count))
        return events

    # ------------------------------------------------------------------ internals
    def _set_state(self, state: PostureState, now: float, detail: str) -> list[Event]:
        if state is self.state and detail == self.detail:
            return []
        old, self.state, self.detail = self.state, state, detail
        if state is not old:
            self.state_since = now
        return [StateChanged(at=now, old=old, new=state, detail=detail)]

    def _end_episode(self) -> None:
        self.episode_start = None
        self.episode_nudges = 0
        self._window.clear()

    def _trim(self, now: float) -> None:
        horizon = now - self.policy.onset_delay_s
        while self._window and self._window[0][0] < horizon:
            self._window.popleft()
        while self._nudges and self._nudges[0] <= now - 3600.0:
            self._nudges.popleft()

    def _settle_outcomes(self, now: float, wall: float, upright: bool) -> list[Event]:
        events: list[Event] = []
        while self._pending:
            nudge_at, nudge_wall = self._pending[0]
            if upright and now > nudge_at and now - nudge_at <= self.policy.recovered_within_s:
                events.append(NudgeOutcome(nudge_wall, True, wall))
            elif now - nudge_at > self.policy.recovered_within_s:
                events.append(NudgeOutcome(nudge_wall, False, wall))
            else:
                break
            self._pending.popleft()
        return events

    def _nudge_allowed(self, now: float, wall: float) -> bool:
        p = self.policy
        # (1 ms of slack: epoch-sized floats carry rounding of ~0.2 us, and a look is planned to
        # land exactly on the onset delay)
        if self.episode_start is None or now - self.episode_start < p.onset_delay_s - 1e-3:
            return False
        if self.episode_nudges >= p.max_per_episode or len(self._nudges) >= p.max_per_hour:
            return False
        if self._last_nudge is not None and now - self._last_nudge < p.cooldown_s:
            return False
        if p.in_quiet_hours(*self.local_time(wall)):
            return False
        looks = [forward for _, forward in self._window]
        return bool(looks) and sum(looks) / len(looks) >= p.forward_fraction
