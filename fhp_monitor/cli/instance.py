"""The commands about the running fhp-monitor: ``run`` (start it), ``status``, ``settings``, and
``pause``/``resume``/``quit`` through its control channel.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from fhp_monitor import __version__
from fhp_monitor.core.calibration import load_baseline
from fhp_monitor.core.i18n import _, number
from fhp_monitor.errors import EXIT_NOT_RUNNING, UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.schema import Settings


def cmd_run(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.app import run_app

    check_speed(args.speed)

    return run_app(args, home, settings)

MIN_SPEED, MAX_SPEED = 0.01, 10_000.0

def check_speed(speed: float) -> float:
    """0 (as fast as possible) or a finite speed in a sane range; anything else is one plain line."""
    if speed == 0 or MIN_SPEED <= speed <= MAX_SPEED:  # False for nan; inf is above the range
        return speed
    raise UserError(_("--speed must be 0 (as fast as possible) or a number from {low} to {high} "
                      "(got {speed!r}).").format(low=f"{MIN_SPEED:g}", high=f"{MAX_SPEED:g}", speed=speed))

def cmd_status(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.control.client import query_status, status_words
    from fhp_monitor.sensing.pose import resolve_model_path

    baseline = load_baseline(home.calibration)
    status = {
        "calibrated": baseline is not None,
        "baseline_cva_proxy_deg": None if baseline is None else round(baseline.cva_proxy_deg, 2),
        "calibrated_at": None if baseline is None
        else datetime.fromtimestamp(baseline.calibrated_at).astimezone().isoformat(timespec="seconds"),
        "model": str(resolve_model_path(settings.detection.model or None)),
        "version": __version__, "home": str(home.root), "log": str(home.log_file),
        **query_status(home),
    }
    if args.json:
        print(json.dumps(status))
    else:
        if baseline is None:
            calibrated = _("not yet (run: fhp-monitor calibrate)")
        else:
            calibrated = _("{when}, upright reads {degrees} degrees").format(
                when=status["calibrated_at"], degrees=number(baseline.cva_proxy_deg, 1))
        rows = [(_("Version:"), f"fhp-monitor {__version__}"), (_("Home:"), home.root), (_("Settings:"), home.config),
                (_("Log:"), home.log_file), (_("Model:"), status["model"]), (_("Calibrated:"), calibrated),
                (_("Monitoring:"), status_words(status))]
        wide = max(12, *(len(label) + 1 for label, _value in rows))
        for label, value in rows:
            print(f"{label:<{wide}} {value}")
    return 0

def cmd_settings(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.desktop.opener import open_with_desktop
    from fhp_monitor.gui import log_step
    from fhp_monitor.gui.settings_flow import settings_with_window

    settings_with_window(home, open_with_desktop, on_step=log_step)
    return 0

def cmd_control(args, home: Home, settings: Settings) -> int:
    """pause / resume / quit the instance running in this home."""
    from fhp_monitor.control import client as control

    message = {"cmd": args.command}
    if args.command == "pause":
        length = control.parse_pause(" ".join(args.length) if args.length else None)
        message.update({"until": "tomorrow"} if length == "tomorrow" else {"seconds": length})
    try:
        reply = control.request(home, message)
    except control.NotRunning as exc:
        print(_("fhp-monitor: {error}, so there is nothing to {command}.").format(error=exc, command=args.command),
              file=sys.stderr)
        return EXIT_NOT_RUNNING
    if args.command == "quit":
        if not control.wait_until_gone(home, reply.get("pid")):
            print(_("fhp-monitor: asked it to stop, but it is still running after {seconds} s.").format(
                seconds=f"{control.QUIT_WAIT_S:.0f}"), file=sys.stderr)
            return 1
        print(_("fhp-monitor has stopped."))
        return 0
    words, done = control.reply_words(args.command, reply)
    print(words, file=sys.stdout if done else sys.stderr)
    return 0 if done else 1
