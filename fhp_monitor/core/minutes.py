"""Turn "the user was in state S from t0 to t1" intervals into per-minute records.

The monitor worker knows, after each look through the camera, which state the user was in since
the previous look. :class:`MinuteAccumulator` splits those intervals on wall-clock minute
boundaries (a minute starts at an epoch second that is a multiple of 60) and hands back each
:class:`~fhp_monitor.core.ports.MinuteRecord` as soon as that minute is over, ready for
``HistoryStore.record_minute``.

Pure: standard library only, time always comes in as an argument.
"""

from __future__ import annotations

import math

from fhp_monitor.core.ports import MinuteRecord, PostureState

MINUTE_S = 60

#: Which ``MinuteRecord`` field collects the seconds of each state.
STATE_FIELDS: dict[PostureState, str] = {
    PostureState.UPRIGHT: "upright_s",
    PostureState.FORWARD: "forward_s",
    PostureState.AWAY: "away_s",
    PostureState.PAUSED: "paused_s",
    PostureState.UNCERTAIN: "uncertain_s",
    PostureState.CAMERA_UNAVAILABLE: "unavailable_s",
}


def minute_start(t: float) -> int:
    """The epoch second at which the minute containing ``t`` starts (a multiple of 60)."""
    return int(t // MINUTE_S) * MINUTE_S


class MinuteAccumulator:
    """Collects state intervals and returns finished minutes.

    Rules, precisely:

    * ``add(state, start, end, cva)`` adds ``end - start`` seconds of ``state``, split across
      the minutes the interval touches. Gaps between intervals simply add nothing (a minute
      nobody reported on produces no record at all).
    * A minute is *complete* once an interval reaches or passes its end: ``add`` returns every
      minute that became complete during that call, oldest first. Minutes with no seconds and no
      sample are never returned.
    * The CVA proxy value of a call (one sample per call; ``None`` adds no sample) goes to the
      minute that holds the interval's last instant: the minute containing ``end``, except that an
      interval ending exactly on a boundary belongs to the minute it closes (so a sample never
      lands in a minute that got none of its seconds). ``cva_proxy_mean`` is the mean of the
      samples of that minute, ``samples`` their count.
    * Time must not run backwards: the part of an interval that lies before the end of the
      previous interval is dropped (the wall clock can step back a few seconds after a time sync;
      counting those seconds twice would be worse than losing them).
    * A wall clock set *back* (an interval that ends before the previous one did): recording goes
      on at the new wall time. The minute in progress is returned as finished, and minutes that
      were already returned are reopened and *added to* (their seconds and samples are kept), so
      the store's insert-or-replace row holds both. Only the last ``memory_minutes`` finished
      minutes are remembered; a step back further than that rewrites older rows with the new
      seconds alone.
    * ``flush()`` returns the current, partial minute without resetting anything, so a later
      ``add`` continues the same minute and the store simply rewrites that row (insert-or-replace).

    Not thread-safe: one thread (the worker) owns an accumulator.
    """

    def __init__(self, memory_minutes: int = 360) -> None:
        self._memory_minutes = memory_minutes
        self._finished: dict[int, MinuteRecord] = {}  # recently returned minutes, oldest first
        self._minute: int | None = None
        self._seconds: dict[str, float] = {}
        self._cva_sum = 0.0
        self._samples = 0
        self._last_end: float | None = None

    # ----------------------------------------------------------------------- public API

    def add(
        self,
        state: PostureState,
        start: float,
        end: float,
        cva_proxy_deg: float | None = None,
    ) -> list[MinuteRecord]:
        """Add that the user was in ``state`` from ``start`` to ``end``; return finished minutes."""
        field_name = self._field_for(state)
        self._check_times(start, end, cva_proxy_deg)
        done: list[MinuteRecord] = []
        if self._last_end is not None:
            if end < self._last_end:  # the wall clock was set back: go on from the new time
                record = self._current_record()
                if record is not None:
                    done.append(record)
                    self._remember(record)
                self._minute = None
            else:
                start = max(start, self._last_end)
        self._last_end = end

        sample_minute = self._sample_minute(start, end)
        t = start
        while True:
            m = minute_start(t)
            self._move_to(m, done)
            boundary = m + MINUTE_S
            if end < boundary:
                self._add_seconds(field_name, end - t)
                break
            self._add_seconds(field_name, boundary - t)
            if sample_minute == m:
                self._add_sample(cva_proxy_deg)
                cva_proxy_deg = None  # counted; must not be counted again below
            t = float(boundary)
            if end == boundary:
                self._move_to(boundary, done)  # the interval reached the minute's end: complete
                break
        if sample_minute == self._minute:
            self._add_sample(cva_proxy_deg)
        return done

    def flush(self) -> MinuteRecord | None:
        """The current partial minute (for Quit/SIGTERM), or None if it holds nothing yet.

        Nothing is reset: calling ``add`` afterwards keeps filling the same minute.
        """
        return self._current_record()

    @property
    def current_minute(self) -> int | None:
        """Start of the minute being filled, or None before the first interval."""
        return self._minute

    # ----------------------------------------------------------------------- internals

    @staticmethod
    def _field_for(state: PostureState) -> str:
        try:
            return STATE_FIELDS[PostureState(state)]
        except (ValueError, KeyError):
            raise ValueError(f"unknown posture state {state!r}") from None

    @staticmethod
    def _check_times(start: float, end: float, cva: float | None) -> None:
        for name, value in (("start", start), ("end", end)):
            if not math.isfinite(value):
                raise ValueError(f"interval {name} must be a finite number of seconds, got {value!r}")
        if end < start:
            raise ValueError(f"interval ends ({end}) before it starts ({start})")
        if cva is not None and not math.isfinite(cva):
            raise ValueError(f"cva_proxy_deg must be a finite number or None, got {cva!r}")

    @staticmethod
    def _sample_minute(start: float, end: float) -> int:
        """The minute holding the interval's last instant (see the class docstring)."""
        m = minute_start(end)
        if end > start and end == m:
            return m - MINUTE_S  # ends exactly on a boundary: belongs to the minute it closes
        return m

    def _add_seconds(self, field_name: str, seconds: float) -> None:
        self._seconds[field_name] = self._seconds.get(field_name, 0.0) + seconds

    def _add_sample(self, cva: float | None) -> None:
        if cva is None:
            return
        self._cva_sum += cva
        self._samples += 1

    def _move_to(self, minute: int, done: list[MinuteRecord]) -> None:
        """Make ``minute`` the current one, finishing the previous minute if it changes."""
        if self._minute == minute:
            return
        if self._minute is not None and minute < self._minute:
            return  # never reopen a finished minute (except after a clock step back: see ``add``)
        record = self._current_record()
        if record is not None:
            done.append(record)
            self._remember(record)
        self._minute = minute
        earlier = self._finished.pop(minute, None)  # a minute seen before the clock was set back
        if earlier is None:
            self._seconds, self._cva_sum, self._samples = {}, 0.0, 0
        else:
            self._seconds = {name: getattr(earlier, name) for name in STATE_FIELDS.values() if getattr(earlier, name)}
            self._samples = earlier.samples
            self._cva_sum = (earlier.cva_proxy_mean or 0.0) * earlier.samples

    def _remember(self, record: MinuteRecord) -> None:
        self._finished.pop(record.minute, None)
        self._finished[record.minute] = record
        while len(self._finished) > self._memory_minutes:
            del self._finished[next(iter(self._finished))]

    def _current_record(self) -> MinuteRecord | None:
        if self._minute is None or (not any(self._seconds.values()) and self._samples == 0):
            return None
        mean = self._cva_sum / self._samples if self._samples else None
        return MinuteRecord(minute=self._minute, cva_proxy_mean=mean, samples=self._samples, **self._seconds)
