"""The monitor worker's part in one calibration per setup (core/setups.py): which setup's name the
tray shows, and what a switch to a saved setup resets. A mixin of :class:`~fhp_monitor.monitor.worker.MonitorWorker`,
called on the worker thread only (the judge's ``on_switched`` hook, and the "baseline" command).
"""

from __future__ import annotations

import logging

from fhp_monitor.core.setups import SetupShelf

log = logging.getLogger(__name__)


class SetupSwitching:
    """Expects the worker's ``setups``, ``monitor``, ``schedule``, ``on_snapshot`` and ``snapshot``."""

    setups: SetupShelf | None
    setup_name: str | None

    def _setup_in_use(self) -> str | None:
        """The name of the setup in use, when there is more than one to tell apart."""
        try:
            return self.setups.active() if self.setups is not None and len(self.setups.saved()) > 1 else None
        except (OSError, ValueError) as exc:  # a damaged setups file: no name, monitoring goes on
            log.warning("could not read the saved setups: %s", exc)
            return None

    def _setup_switched(self, name: str) -> None:
        """The judge's hook: the camera moved to a saved setup, whose calibration is in use from now on:
        a fresh onset window and sampling, and the tray names it."""
        self.monitor.reset()  # type: ignore[attr-defined]
        self.schedule.reset()  # type: ignore[attr-defined]
        self.setup_name = name
        self.on_snapshot(self.snapshot())  # type: ignore[attr-defined]
