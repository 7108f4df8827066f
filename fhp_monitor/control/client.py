"""The command line's side of controlling a running fhp-monitor (the server is control/server.py).

``fhp-monitor pause/resume/quit/status``, a second ``fhp-monitor`` and ``calibrate`` use these to
reach the instance running in the same home: whether one runs is asked of the instance lock, then
one JSON line goes over its private channel and one comes back. The channel (control/channel.py)
trusts only this user's instance: a Unix socket owned by this user whose listening process runs as
this user, or on Windows a named pipe whose server proves it holds the key in the user's folder.
Everything here runs on the CLI's only thread; the waits poll a real condition (the lock, the
channel) with a deadline.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta

from fhp_monitor.control import transport
from fhp_monitor.control.channel import ControlError
from fhp_monitor.control.server import CONFIRM_TIMEOUT_S, MAX_PAUSE_S
from fhp_monitor.core.i18n import N_, _, weekday
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.home.instance_lock import instance_running

log = logging.getLogger(__name__)

MAX_REPLY_BYTES = 16384
CLIENT_TIMEOUT_S = CONFIRM_TIMEOUT_S + 7.0  # the server may wait for its command to show in the status
CONNECT_WAIT_S = 20.0  # an instance that holds the lock but is still loading its model has no socket yet
QUIT_WAIT_S = 30.0
REASON_WORDS = {
    "user": N_("paused by you"), "snooze": N_("snoozed"), "screen_locked": N_("paused while the screen is locked"),
    "suspended": N_("paused while the computer sleeps"), "idle": N_("paused while you are away from the keyboard"),
    "call": N_("paused during a video call"), "on_battery": N_("paused to save battery"),
}
STATE_WORDS = {
    "starting": N_("starting up"), "upright": N_("sitting tall"), "forward": N_("head drifting forward"),
    "away": N_("away from the desk"), "uncertain": N_("looking for you"), "paused": N_("paused"),
    "camera_unavailable": N_("the camera is not available"), "ended": N_("the recording has ended"),
}


class NotRunning(Exception):
    """No fhp-monitor runs in this home (exit status 3 for pause/resume/quit)."""


# --------------------------------------------------------------------------- words and lengths


_DURATION = re.compile(r"(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?")
_UNTIL = re.compile(r"until\s+(\d{1,2})[:.](\d{2})")
PAUSE_FORMS = N_("5 (minutes), 15m, 1h, 2h30m or 90s (at most 24h), until 14:00, or tomorrow")


def parse_pause(text: str | None, now: datetime | None = None) -> int | str:
    """How long ``fhp-monitor pause ...`` pauses: seconds, or 'tomorrow'. None -> 900 (15 minutes).

    '5' -> 300 (a bare number is minutes), '15m' -> 900, '2h30m' -> 9000, '90s' -> 90,
    'until 14:00' -> the seconds from ``now`` (default: the local time) to the next 14:00,
    'tomorrow' -> 'tomorrow'. From 1 s up to 24 h; anything else raises UserError.
    """
    if text is None:
        return 15 * 60
    cleaned = " ".join(text.strip().lower().split())
    if cleaned == "tomorrow":
        return "tomorrow"
    seconds = 0
    if cleaned.isdigit() and len(cleaned) <= 6:
        seconds = int(cleaned) * 60
    elif (until := _UNTIL.fullmatch(cleaned)) and int(until.group(1)) < 24 and int(until.group(2)) < 60:
        now = now or datetime.now()
        target = now.replace(hour=int(until.group(1)), minute=int(until.group(2)), second=0, microsecond=0)
        if target <= now:
            target += timedelta(days=1)  # "until 7:00" late in the evening: tomorrow morning
        seconds = round((target - now).total_seconds())
    elif cleaned and (match := _DURATION.fullmatch(cleaned.replace(" ", ""))):
        hours, minutes, secs = (int(group or 0) for group in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if not 1 <= seconds <= MAX_PAUSE_S:
        raise UserError(_("pause takes {forms} (got {text!r}).").format(forms=_(PAUSE_FORMS), text=text))
    return seconds


def not_running_status() -> dict:
    return {"running": False, "state": None, "paused_until": None, "pause_reason": None}


def _until_words(until: str) -> str:
    """'14:30' today, 'tomorrow 00:00', or 'Monday 07:00' (the pause's end in the instance's local time)."""
    moment = datetime.fromisoformat(until)
    days = (moment.date() - datetime.now(moment.tzinfo).date()).days
    if days <= 0:
        return f"{moment:%H:%M}"
    if days == 1:
        return _("tomorrow {time}").format(time=f"{moment:%H:%M}")
    return _("{weekday} {time}").format(weekday=weekday(moment.date()), time=f"{moment:%H:%M}")


def reply_words(command: str, reply: dict) -> tuple[str, bool]:
    """What a pause or resume did, from the running instance's reply: ('Paused until 14:30.', True).

    The instance answers once its status shows the command (``done``), so the words say what
    happened; False (and words saying so) when it did not show in time.
    """
    status = {"running": True, **(reply.get("status") or {})}
    now = running_words(status)
    if not reply.get("done"):
        return _("fhp-monitor did not confirm the {command} in {seconds} seconds; right now it is {now}.").format(
            command=command, seconds=f"{CONFIRM_TIMEOUT_S:.0f}", now=now), False
    if command == "resume":
        if status.get("state") == "paused":  # a locked screen or a sleeping machine still holds it
            return _("Resumed; monitoring starts again when it is no longer {now}.").format(now=now), True
        if status.get("state") == "ended":
            return _("The pause has ended; the recording has ended too, so there is nothing more to watch."), True
        return _("Monitoring again ({words}).").format(words=now), True
    if status.get("pause_reason") not in (None, "user"):  # a stronger pause shows first
        return _("Paused (right now {now}).").format(now=now), True
    until = status.get("paused_until")
    return (_("Paused until {when}.").format(when=_until_words(until)) if until else _("Paused.")), True


def status_words(status: dict) -> str:
    """'running, sitting tall', 'running, paused by you until 14:30', 'not running', ..."""
    if not status.get("running"):
        return _("not running")
    return _("running, {words}").format(words=running_words(status))


def running_words(status: dict) -> str:
    """What a running instance is doing: 'sitting tall', 'paused by you until 14:30', ..."""
    state = status.get("state")
    if state == "paused":
        words = _(REASON_WORDS.get(status.get("pause_reason") or "", N_("paused")))
        until = status.get("paused_until")
        if until:
            words = _("{words} until {when}").format(words=words, when=_until_words(until))
        return words
    return _(STATE_WORDS.get(state or "", state or N_("unknown")))


# --------------------------------------------------------------------------- talking to the instance


def request(home: Home, message: dict, connect_wait_s: float = CONNECT_WAIT_S) -> dict:
    """Send one request to the instance running in ``home`` and return its reply.

    Raises NotRunning when no instance holds the lock, ControlError when it cannot be reached or
    trusted. Waits up to ``connect_wait_s`` for an instance that is still starting to listen.
    """
    channel = transport()
    if not channel.available():
        raise ControlError(_("Controlling a running fhp-monitor from the command line is not available on "
                             "this system yet; use its tray icon."))
    deadline = time.monotonic() + connect_wait_s
    while True:
        if not instance_running(home.lock):
            raise NotRunning(_("not running in {folder}").format(folder=home.root))
        try:
            link = channel.connect(home, CLIENT_TIMEOUT_S)
            break
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            if time.monotonic() >= deadline:
                raise ControlError(_("fhp-monitor is running but does not answer commands yet "
                                     "({error}); try again in a moment.").format(
                                         error=exc.__class__.__name__)) from None
            time.sleep(0.1)  # the instance is loading; its channel appears when it is ready
        except OSError as exc:  # e.g. no permission, a timeout: one plain line, no traceback
            raise ControlError(_("fhp-monitor cannot reach the running instance at {path} ({error}).").format(
                path=home.root, error=exc.strerror or exc)) from None
    try:
        link.send_line(json.dumps(message).encode("utf-8"))
        line = link.read_line(MAX_REPLY_BYTES, CLIENT_TIMEOUT_S)
    except OSError as exc:  # TimeoutError included
        raise ControlError(_("fhp-monitor did not answer ({error}).").format(error=exc)) from None
    finally:
        link.close()
    if line is None:
        raise ControlError(_("fhp-monitor did not answer the command (it may be shutting down)."))
    try:
        reply = json.loads(line.decode("utf-8"))
    except ValueError:
        reply = None
    if not isinstance(reply, dict) or not reply.get("ok"):
        raise ControlError(_("fhp-monitor refused the command: {reply}").format(reply=f"{reply!r:.120}"))
    return reply


def query_status(home: Home) -> dict:
    """``running``/``state``/``paused_until``/``pause_reason`` for the home (running: False if none)."""
    try:
        reply = request(home, {"cmd": "status"}, connect_wait_s=0.5)  # a loading instance is "starting"
    except NotRunning:
        return not_running_status()
    except ControlError as exc:
        if not instance_running(home.lock):
            return not_running_status()
        log.info("the running instance did not answer the status request: %s", exc)
        return {"running": True, "state": "starting", "paused_until": None, "pause_reason": None}
    status = reply.get("status") or {}
    return {"running": True, "state": status.get("state"), "paused_until": status.get("paused_until"),
            "pause_reason": status.get("pause_reason")}


def wait_until_gone(home: Home, pid: int | None, timeout: float = QUIT_WAIT_S) -> bool:
    """After ``quit``: True once the instance let go of its lock and its process ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not instance_running(home.lock) and transport().process_gone(pid):
            return True
        time.sleep(0.1)  # another process is shutting down; there is nothing to wait on but its lock
    return False


def open_running_panel(home: Home) -> str | None:
    """A second `fhp-monitor`: ask the running one to show its panel. Returns the line to print,
    or None when it cannot be asked (the caller then says it is already running, as before)."""
    try:
        reply = request(home, {"cmd": "panel"})
    except (NotRunning, ControlError) as exc:
        log.info("could not ask the running instance to open its panel: %s", exc)
        return None
    if (reply.get("status") or {}).get("window"):
        return _("fhp-monitor is already running; its window is opening now.")
    return _("fhp-monitor is already running (without a window on this screen); "
             "`fhp-monitor status` shows how it is doing.")


def reload_running(home: Home) -> str | None:
    """After `fhp-monitor calibrate`: the running instance (if any) takes the new baseline.
    Returns a line for the user, or None when no instance runs."""
    try:
        request(home, {"cmd": "reload"})
    except NotRunning:
        return None
    except ControlError as exc:
        return _("The running fhp-monitor could not be told ({error}); restart it to use the new calibration.").format(
            error=exc)
    return _("The running fhp-monitor now uses the new calibration.")
