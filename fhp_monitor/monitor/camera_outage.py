"""A stretch while the camera is unavailable: the back-off between retries, and one notice.

Thread contract: a :class:`CameraOutage` belongs to the worker thread (MonitorWorker) alone.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

BACKOFF_START_S, BACKOFF_MAX_S = 5.0, 60.0
CAMERA_NOTICE_AFTER_S = 120.0  # one notification if the camera stays unavailable this long


class CameraOutage:
    """Since when the camera is unavailable (monotonic seconds, None while it works), the wait
    before the next try (doubling from BACKOFF_START_S up to BACKOFF_MAX_S), and whether the user
    was told."""

    def __init__(self) -> None:
        self.backoff = BACKOFF_START_S
        self.since: float | None = None
        self.notice_sent = False

    def failed(self, now: float, why: str) -> None:
        """The camera failed at ``now``; the first failure of a stretch is logged."""
        if self.since is None:
            self.since = now
            log.warning("camera unavailable: %s", why)

    def notice_due(self, now: float) -> bool:
        """True once per stretch, when it has lasted CAMERA_NOTICE_AFTER_S."""
        if not self.notice_sent and self.since is not None and now - self.since >= CAMERA_NOTICE_AFTER_S:
            self.notice_sent = True
            return True
        return False

    def next_wait(self) -> float:
        """The wait before the next try; the one after it is twice as long, up to BACKOFF_MAX_S."""
        wait, self.backoff = self.backoff, min(self.backoff * 2.0, BACKOFF_MAX_S)
        return wait

    def recovered(self) -> None:
        """A picture came: the stretch (if any) is over."""
        if self.since is not None:
            log.info("camera is back")
        self.since = None
        self.notice_sent = False
        self.backoff = BACKOFF_START_S
