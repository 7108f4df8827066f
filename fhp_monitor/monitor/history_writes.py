"""The worker's writes to the posture history: finished minutes, pauses, nudges and their outcome.

A write that fails is logged and the look loop goes on. Thread contract: used on the worker thread
only, the one thread that writes history, as the HistoryStore contract asks.
"""

from __future__ import annotations

import logging

from fhp_monitor.core.ports import HistoryError, HistoryStore

log = logging.getLogger(__name__)


class HistoryWrites:
    """Writes to ``history``; with None (no history kept) every write is a no-op."""

    def __init__(self, history: HistoryStore | None) -> None:
        self.history = history
        self._nudge_ids: dict[float, int] = {}  # nudge time -> its row, until its outcome is known

    def stop(self) -> None:
        """Nothing more is written (a recording ended: what comes after is not its day)."""
        self.history = None

    def minutes(self, done) -> None:
        if self.history is None:
            return
        for minute in done:
            try:
                self.history.record_minute(minute)
            except HistoryError as exc:  # the app's spooled store never raises here; it keeps the row for later
                log.error("%s", exc)

    def pause(self, started_wall: float, ended_wall: float, reason: str) -> None:
        if self.history is None:
            return
        try:
            self.history.record_pause(started_wall, ended_wall, reason)
        except HistoryError as exc:
            log.error("%s", exc)

    def nudge(self, at: float, level: int) -> None:
        if self.history is None:
            return
        try:
            self._nudge_ids[at] = self.history.record_nudge(at, level)
        except HistoryError as exc:
            log.error("%s", exc)

    def nudge_outcome(self, nudge_at: float, recovered: bool) -> None:
        nudge_id = self._nudge_ids.pop(nudge_at, None)
        if nudge_id is not None and self.history is not None:
            try:
                self.history.set_nudge_recovered(nudge_id, recovered)
            except HistoryError as exc:
                log.error("%s", exc)
