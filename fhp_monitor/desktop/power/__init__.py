"""Battery awareness: pause while the computer runs on battery with little charge left.

``app.pause_on_battery_below`` (percent, 0 = off) sets the limit. :class:`BatteryWatch` pauses the
target with PAUSE_BATTERY when the computer is on battery (not charging, mains offline) and the
charge is below the limit; plugging in, or the charge coming back to the limit plus
:data:`RESUME_MARGIN_PERCENT`, resumes it (the margin keeps a reading that wobbles around the
limit from opening the camera every minute). Other pauses stack with it (core/posture.py).

Probes (``power_probe_for``), picked by what the machine offers, ``FHP_MONITOR_POWER=sysfs|windows|none``
overrides the choice:

* Linux: ``/sys/class/power_supply`` (:class:`.sysfs.SysfsPower`): supplies of type Battery (capacity,
  status) and Mains/USB (online), leaving out device batteries (a wireless mouse: ``scope`` Device).
  A computer without a battery is never "on battery". ``FHP_MONITOR_POWER_SUPPLY_DIR`` points it
  at another folder (tests through the CLI).
* Windows: ``GetSystemPowerStatus`` (power/windows.py).
* Elsewhere nothing: said once in the log when the setting asks for it; monitoring carries on.

Cost: the watch polls only while the setting is on, once every :data:`POLL_S` (a few small sysfs
reads); with the setting at 0 it has no timer at all.

Thread contract: :meth:`BatteryWatch.start` / :meth:`stop` on the main thread; :meth:`set_limit`
from any thread. The periodic checks run on the shared ``fhp-dbus`` asyncio loop and only call the
target's ``pause``/``resume`` (queue + event: never blocking). Without a loop (tests) the caller
drives :meth:`check` itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from fhp_monitor.core.posture import PAUSE_BATTERY
from fhp_monitor.desktop.backends import forced_or_offered

log = logging.getLogger(__name__)

ENV_BACKEND = "FHP_MONITOR_POWER"
ENV_SYSFS_DIR = "FHP_MONITOR_POWER_SUPPLY_DIR"
SYSFS_DIR = Path("/sys/class/power_supply")
#: How often the battery is read while the setting is on (seconds).
POLL_S = 60.0
#: On battery, the charge must be back at the limit plus this before monitoring resumes.
RESUME_MARGIN_PERCENT = 2
#: Supplies that mean "plugged in" when online (USB-C chargers show up as USB, USB_PD, ...).
MAINS_TYPES = ("Mains", "USB", "USB_C", "USB_PD", "USB_PD_DRP", "USB_DCP", "USB_CDP", "USB_ACA", "Wireless")


class PowerReading(NamedTuple):
    """The computer's power: on battery or not, and the charge left in percent (None: unknown)."""

    on_battery: bool
    percent: float | None


#: Returns the reading, or None when this computer has no battery of its own (never "on battery").
PowerProbe = Callable[[], "PowerReading | None"]


def power_probe_for(env: Mapping[str, str] | None = None,
                    platform: str | None = None) -> tuple[PowerProbe | None, str]:
    """The battery probe this machine offers and its name, or (None, why there is none)."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    choice = forced_or_offered(ENV_BACKEND, ("sysfs", "windows", "none"), env=env)
    if choice == "none":
        return None, f"{ENV_BACKEND}=none"
    if choice == "sysfs" or (not choice and platform.startswith("linux")):
        from fhp_monitor.desktop.power.sysfs import SysfsPower

        root = env.get(ENV_SYSFS_DIR) or SYSFS_DIR
        return SysfsPower(root), f"sysfs ({root})"
    if choice == "windows" or (not choice and platform == "win32"):
        try:
            from fhp_monitor.desktop.power.windows import windows_probe

            return windows_probe(), "GetSystemPowerStatus"
        except (ImportError, AttributeError, OSError) as exc:
            return None, f"Windows does not tell the battery state ({exc})"  # not translated: for the log
    return None, f"fhp-monitor does not read the battery on {platform} yet"  # not translated: for the log


class BatteryWatch:
    """Pauses ``target`` with PAUSE_BATTERY while on battery below ``limit`` percent (module doc)."""

    def __init__(self, probe: PowerProbe | None, target: Any, limit: int, loop=None, poll_s: float = POLL_S,
                 name: str = "") -> None:
        self.probe, self.target, self.loop, self.poll_s = probe, target, loop, poll_s
        self.name = name
        self.limit = int(limit)
        self.holding = False  # we asked the target to pause and have not resumed it yet
        self.checks = 0  # battery readings taken (for tests and the log)
        self.last_reading: PowerReading | None = None
        self._lock = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False
        self._said: set[str] = set()

    # ------------------------------------------------------------------ main thread / any thread
    def start(self) -> None:
        """Check once now (a low battery pauses before the first look), then every ``poll_s``."""
        if self.limit > 0:
            log.info("pausing on battery below %d %%; battery read by %s every %.0f s",
                     self.limit, self.name or "nothing", self.poll_s)
        self.check()
        if self.loop is not None:
            self.loop.call_soon(self._schedule)

    def stop(self) -> None:
        self._stopped = True
        if self.loop is not None and self.loop.running:
            self.loop.call_soon(self._cancel)

    def set_limit(self, percent: int) -> None:
        """The setting changed (any thread): act on it now, and poll only while it is on."""
        percent = int(percent)
        if percent == self.limit:
            return
        log.info("pause on battery below: %d %% (was %d %%)", percent, self.limit)
        self.limit = percent
        if self.loop is not None and self.loop.running:
            self.loop.call_soon(self._recheck)
        elif self.loop is None:
            self.check()

    # ------------------------------------------------------------------ the decision
    def check(self) -> bool:
        """Read the battery (when the setting is on) and pause or resume; returns whether we hold a pause."""
        with self._lock:
            limit = self.limit
            if limit <= 0:
                self._release("pausing on battery is turned off")  # not translated: for the log
                return False
            if self.probe is None:
                self._say_once("unwatched", f"the battery is not watched: {self.name}")
                return False
            try:
                reading = self.probe()
            except Exception as exc:  # a probe that fails (a driver, ctypes): say so once, keep monitoring
                self._say_once("failed", f"the battery could not be read ({exc}); monitoring goes on")
                reading = None
            self.checks += 1
            self.last_reading = reading
            if reading is None:
                self._say_once("none", "no battery found: monitoring never pauses for it")
                self._release("no battery is found any more")  # not translated: for the log
            elif not reading.on_battery:
                self._release("plugged in")  # not translated: for the log
            elif reading.percent is None:
                self._say_once("unknown", "on battery, but the charge is not known: not pausing for it")
            elif not self.holding and reading.percent < limit:
                log.info("on battery with %.0f %% left (below %d %%): pausing", reading.percent, limit)
                self.holding = True
                self.target.pause(None, PAUSE_BATTERY)
            elif self.holding and reading.percent >= limit + RESUME_MARGIN_PERCENT:
                self._release(f"the battery is back at {reading.percent:.0f} %")  # not translated: for the log
            return self.holding

    def _release(self, why: str) -> None:
        if self.holding:
            log.info("%s: resuming after the battery pause", why)
            self.holding = False
            self.target.resume(PAUSE_BATTERY)

    def _say_once(self, key: str, words: str) -> None:
        if key not in self._said:
            self._said.add(key)
            log.info(words)

    # ------------------------------------------------------------------ loop thread
    def _schedule(self) -> None:
        """Next check in ``poll_s``, only while the setting is on and there is something to read."""
        self._cancel()
        if not self._stopped and self.limit > 0 and self.probe is not None:
            self._timer = asyncio.get_running_loop().call_later(self.poll_s, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self._stopped:
            return
        self.check()
        self._schedule()

    def _recheck(self) -> None:
        if not self._stopped:
            self.check()
            self._schedule()

    def _cancel(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    @property
    def polling(self) -> bool:
        """Whether a next check is scheduled (read it on the loop thread, or after the loop is idle)."""
        return self._timer is not None


def start_battery_watch(target: Any, limit: int, env: Mapping[str, str] | None = None,
                        loop=None) -> BatteryWatch:
    """Start pausing ``target`` on battery below ``limit`` percent, on the shared loop by default."""
    probe, name = power_probe_for(env)
    if loop is None:
        from fhp_monitor.desktop.bus import shared_loop

        loop = shared_loop()
    watch = BatteryWatch(probe, target, limit, loop, name=name)
    watch.start()
    return watch
