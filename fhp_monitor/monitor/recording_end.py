"""The end of a file source, for :class:`~fhp_monitor.monitor.worker.MonitorWorker` (its base class):
the last stretch counted, the history closed at once, the tray and one notification told, and after
that commands (pause, resume, settings) still taken until the app is stopped. Runs on the worker
thread like the rest of the worker; it uses the worker's clock, account, monitor and history writes.
"""

from __future__ import annotations

import logging

from fhp_monitor.core import messages
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.posture import Observation

log = logging.getLogger("fhp_monitor.monitor.worker")

ENDED_TICK_S = 60.0  # after a recording ended: look at the clock this often (commands wake it at once)


class RecordingEnd:
    """What the worker does when its recording ends (see the module docstring)."""

    def _count_to_the_end(self) -> None:
        """A recording ended between two looks: its last stretch counts as the state last seen
        (with looks up to a minute apart, leaving it out would lose up to a minute of the day)."""
        if self._replay_clock is None:
            return
        duration, account = self.source.duration_s, self.time_account
        if account.last_state is None or duration is None:
            return
        if account.last_look is not None and duration > account.last_look:  # replay: monotonic = file time
            self._replay_clock.t = min(duration, self._replay_clock.t)
            self._account(account.last_state, self.monotonic(), self.clock.now(), None)

    def _recording_ended(self) -> None:
        """The end of a file source: its history is complete now (the minute in progress and a
        pause are written at once, not at quit) and the tray says so; with ``keep_after_end`` one
        notification too, since the app then stays until Quit."""
        now, wall = self.monotonic(), self.clock.now()
        self.time_account.close(now, wall)
        self.history_writes.stop()  # nothing after the end belongs to the recording's day
        self.ended = True
        self.source.release()
        log.info("the source ended")
        ended = Observation(PostureState.UNCERTAIN, None, messages.RECORDING_ENDED)  # no more verdicts
        self._handle(self.monitor.observe(ended, now, wall=wall))
        self.on_snapshot(self.snapshot())
        if self.keep_after_end:
            self._notify(_(messages.RECORDING_ENDED), _(messages.RECORDING_ENDED_TEXT))

    def _after_end(self) -> float:
        """After the end: commands still act (a pause, a resume, new settings); returns the wait."""
        now, wall = self.monotonic(), self.clock.now()
        self._apply_commands(now, wall)
        self._handle(self.monitor.tick(now, wall=wall))  # a pause with an end time ends by itself
        if not self.monitor.paused:
            return ENDED_TICK_S
        self.released_for_pause.set()  # the source was let go at the end: a suspend need not wait
        left = self.monitor.pause_remaining_s(now, wall)
        return ENDED_TICK_S if left is None else max(0.05, min(ENDED_TICK_S, left))
