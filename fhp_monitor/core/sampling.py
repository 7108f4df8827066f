"""When to take the next look: the adaptive sampling schedule. Pure: time and states come in as numbers.

Most of a day nothing changes, and every look costs the camera light and ~20 ms of CPU, so:

* **steady and upright**: the first wait is ``interval_s`` (15 s), and it doubles with every
  further upright look up to the *ceiling*, ``min(max_interval_s, onset_delay_s)`` (60 s at the
  defaults). Never longer than the onset delay, so a head that goes forward right after a look is
  seen within one interval and nudged within ``onset_delay_s + one interval``.
* **drifting** (a forward episode is running) or **just after a nudge** (``after_nudge_s``):
  every ``fast_s`` (2 s), and the last wait before the onset delay runs out is shortened so that
  a look lands exactly when a nudge may become due (the onset delay is not stretched by sampling).
* **away and the keyboard/mouse idle** for ``idle_after_s``: ``away_idle_s`` (once a minute).
  The worker looks at once when input returns (see ``MonitorWorker``).
* anything else (uncertain, away while typing, a state change): ``interval_s``, and the doubling
  starts again.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhp_monitor.core.ports import PostureState

STEADY, FAST, AWAY_IDLE, SETTLING = "steady", "fast", "away_idle", "settling"
MIN_WAIT_S = 0.25  # never plan a wait shorter than this to land on the onset delay (except the landing)


@dataclass(frozen=True)
class SamplingPolicy:
    interval_s: float = 15.0
    max_interval_s: float = 60.0
    fast_s: float = 2.0
    away_idle_s: float = 60.0
    onset_delay_s: float = 60.0
    after_nudge_s: float = 120.0
    idle_after_s: float = 60.0

    @property
    def ceiling_s(self) -> float:
        """The longest wait while someone is in view: never beyond the onset delay."""
        return max(self.fast_s, min(max(self.interval_s, self.max_interval_s), self.onset_delay_s))

    @property
    def first_s(self) -> float:
        return min(self.interval_s, self.ceiling_s)


@dataclass(frozen=True)
class Decision:
    wait_s: float
    why: str  # STEADY, FAST, AWAY_IDLE or SETTLING


class SamplingSchedule:
    """Remembers how long things have been steady. Not thread-safe: the worker thread owns it."""

    def __init__(self, policy: SamplingPolicy) -> None:
        self.policy = policy
        self._steady: float | None = None  # the current steady wait; None = start again

    def reset(self) -> None:
        """Something changed (settings, a pause ended): start again from ``interval_s``."""
        self._steady = None

    def after_look(
        self,
        state: PostureState,
        *,
        episode_elapsed_s: float | None,
        since_nudge_s: float | None,
        input_idle_s: float | None,
        hurry: bool = False,
    ) -> Decision:
        """The wait after a look that saw ``state``.

        ``episode_elapsed_s``: seconds since the forward episode began (None: no episode);
        ``since_nudge_s``: seconds since the latest nudge (None: none yet); ``input_idle_s``:
        seconds since the last keyboard/mouse input (None: unknown on this desktop); ``hurry``:
        something needs a few looks close together (the camera may have moved): ``fast_s``.
        """
        p = self.policy
        if hurry or episode_elapsed_s is not None or state is PostureState.FORWARD or (
                since_nudge_s is not None and since_nudge_s < p.after_nudge_s):
            self._steady = None
            wait = p.fast_s
            left = None if episode_elapsed_s is None else p.onset_delay_s - episode_elapsed_s
            if left is not None and left > 1e-3:  # land a look exactly on the onset delay
                if left <= wait:
                    wait = left
                elif left < wait + MIN_WAIT_S:  # avoid a last sliver of a wait: two halves instead
                    wait = left / 2.0
            return Decision(wait, FAST)
        if state is PostureState.AWAY and input_idle_s is not None and input_idle_s >= p.idle_after_s:
            self._steady = None
            return Decision(p.away_idle_s, AWAY_IDLE)
        if state is PostureState.UPRIGHT:
            self._steady = p.first_s if self._steady is None else min(2.0 * self._steady, p.ceiling_s)
            return Decision(self._steady, STEADY)
        self._steady = None
        return Decision(p.first_s, SETTLING)
