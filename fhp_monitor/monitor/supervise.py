"""The monitor must not die quietly: restart a failing worker, stop cleanly on signals, say problems once.

* :func:`supervised_run` runs ``worker.run`` and, when it raises an unexpected exception, logs the
  traceback, tells the user once in plain words and restarts it after a back-off
  (:data:`RESTART_DELAYS_S`, waited through the app's own ``pace`` so a replay at speed 0 does not
  wait at all). After :data:`MAX_FAILURES` failures in a row (a restart that did not reach
  :data:`HEALTHY_LOOKS` looks counts as "in a row") it gives up and returns the sentence the app
  exits with (status 2): never a silent stop with status 0.
  A :class:`~fhp_monitor.core.ports.DetectorStopped` (the pose detector's process died, e.g. by a
  segfault in MediaPipe) is one log line with no traceback, and the user is told only when it
  happens :data:`CRASHES_BEFORE_TELLING` times in a row.
* :func:`install_stop_signals`: SIGTERM, SIGINT (Ctrl-C), SIGHUP and SIGQUIT all stop the run the
  same clean way: the minute in progress is written and the status is 0. (A KeyboardInterrupt could
  land anywhere on the main thread, even in the clean-up, and lose that minute.)
* :class:`Reporter`: one notification per kind of problem per run, one log line per kind per
  :data:`LOG_EVERY_S` (with the traceback the first time), so a fault repeated every look never
  becomes a storm.

Test-only hook: the environment variable ``FHP_MONITOR_TEST_WORKER_FAULT="FIRST[,COUNT]"`` makes
worker looks number FIRST .. FIRST+COUNT-1 (1-based, COUNT default 1, ``inf`` for all) raise
``RuntimeError``. It exists so tests can inject a worker fault into a real ``run``; users never set it.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable

from fhp_monitor.core.i18n import _, ngettext
from fhp_monitor.core.ports import DetectorStopped

log = logging.getLogger(__name__)

RESTART_DELAYS_S = (5.0, 30.0, 120.0)
MAX_FAILURES = 4
HEALTHY_LOOKS = 20
CRASHES_BEFORE_TELLING = 2  # detector crashes in a row before the user is told (once a run, like any problem)
LOG_EVERY_S = 600.0
TEST_FAULT_ENV = "FHP_MONITOR_TEST_WORKER_FAULT"
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT")
                     if hasattr(signal, name))


class Reporter:
    """Say each kind of problem once to the user and rarely to the log. Any thread."""

    def __init__(self, tell: Callable[[str, str], None], monotonic: Callable[[], float] = time.monotonic) -> None:
        self._tell, self._monotonic = tell, monotonic
        self._told: set[str] = set()
        self._next_log: dict[str, float] = {}
        self._lock = threading.Lock()

    def problem(self, kind: str, exc: BaseException | None, title: str, body: str) -> None:
        now = self._monotonic()
        with self._lock:
            first = kind not in self._told
            self._told.add(kind)
            log_now = now >= self._next_log.get(kind, -math.inf)
            if log_now:
                self._next_log[kind] = now + LOG_EVERY_S
        if log_now:
            log.error("%s: %s", title, exc or body, exc_info=exc if first and exc is not None else None)
        if first:
            self._tell(title, body)


def supervised_run(worker, stop: threading.Event, pace: Callable[[float], float], reporter: Reporter, *,
                   delays: tuple[float, ...] = RESTART_DELAYS_S, max_failures: int = MAX_FAILURES) -> str | None:
    """Run the worker until it ends or ``stop``; restart it after unexpected errors.

    Returns None after a normal end, or the sentence to exit with when it failed too often.
    """
    _arm_test_fault(worker)
    failures = 0
    while not stop.is_set():
        looks_before = worker.looks
        try:
            worker.run(stop, pace)
            return None
        except Exception as exc:  # any bug in a look: logged with its traceback, told once, restarted
            failures = 1 if worker.looks - looks_before >= HEALTHY_LOOKS else failures + 1
            crashed = isinstance(exc, DetectorStopped)  # a native crash in the detector's own process
            if crashed:  # one line: there is no Python traceback to show
                log.error("%s; a new one starts after a pause (failure %d in a row)", exc, failures)
            else:
                log.error("the monitor stopped after an unexpected error (failure %d in a row)", failures,
                          exc_info=exc)
            if failures >= max_failures:
                return ngettext("Monitoring stopped after {count} unexpected error in a row ({error}). "
                                "The details are in the log.",
                                "Monitoring stopped after {count} unexpected errors in a row ({error}). "
                                "The details are in the log.", failures).format(
                                    count=failures, error=f"{type(exc).__name__}: {exc}")
            delay = delays[min(failures - 1, len(delays) - 1)]
            if not crashed or failures >= CRASHES_BEFORE_TELLING:  # one crash is mended quietly; a habit is told
                reporter.problem("worker", None, _("Monitoring hit a problem"),
                                 ngettext("fhp-monitor restarts it in {count} second; the details are in the log.",
                                          "fhp-monitor restarts it in {count} seconds; the details are in the log.",
                                          int(delay) if float(delay).is_integer() else 2).format(count=f"{delay:g}"))
            pace(delay)  # a stop cuts it short; the loop then ends
    return None


def _arm_test_fault(worker) -> None:
    """Test-only: see the module docstring (``FHP_MONITOR_TEST_WORKER_FAULT``)."""
    spec = os.environ.get(TEST_FAULT_ENV, "").strip()
    if not spec or getattr(worker, "_test_fault_armed", False):
        return
    first_text, _, count_text = spec.partition(",")
    first, count = int(first_text), float(count_text or 1)
    real_step = worker.step
    calls = [0]

    def step():
        calls[0] += 1
        if first <= calls[0] < first + count:
            raise RuntimeError(f"test fault injected by {TEST_FAULT_ENV} at look {calls[0]}")
        return real_step()

    worker.step = step
    worker._test_fault_armed = True
    log.warning("%s=%s: worker faults will be injected (for tests only)", TEST_FAULT_ENV, spec)


def install_stop_signals(request_stop: Callable[[], None]) -> Callable[[], None]:
    """SIGTERM, SIGINT, SIGHUP and SIGQUIT call ``request_stop`` (main thread only); returns a function
    that puts the previous handlers back."""
    previous = {sig: signal.signal(sig, lambda signum, frame: request_stop()) for sig in STOP_SIGNALS}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
