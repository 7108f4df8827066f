"""The calibration window as one call, for ``fhp-monitor calibrate`` and the first run of ``fhp-monitor``."""

from __future__ import annotations

import sys

from fhp_monitor.core.i18n import _
from fhp_monitor.desktop import has_display
from fhp_monitor.desktop.autostart import command_for_home
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.sensing.pose import estimator_for
from fhp_monitor.settings.edit import save_changes
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store.spool import record_calibration


def calibrate_with_window(source: str | None, home: Home, settings: Settings):
    """Open the calibration window; return the saved (and recorded) Baseline, or None if cancelled.

    Without Tk on this Python: UserError saying what to install (also shown as a notification).
    """
    from fhp_monitor.gui import TK_MISSING_CALIBRATE, log_step, tell_tk_missing, tk_available

    if not tk_available():
        raise UserError(tell_tk_missing(TK_MISSING_CALIBRATE, on_stderr=False))
    import tkinter  # here, not at the top: a Python without Tk can still import this module

    from fhp_monitor.sensing.landmarks_csv import is_landmark_file

    if source is not None and is_landmark_file(source):
        raise UserError(_("{source} holds landmarks, not pictures, so the calibration window has nothing to show: "
                          "run `fhp-monitor calibrate --source {source} --no-gui` instead.").format(source=source))
    from fhp_monitor.gui.host import collect_tk_garbage
    from fhp_monitor.gui.wizard import run_wizard

    try:
        result = run_wizard(source_spec=source, settings=settings, home=home,
                            estimator_factory=lambda: estimator_for(settings),
                            on_step=log_step,
                            autostart_command=command_for_home(home.root if home.chosen else None))
    except tkinter.TclError as exc:
        raise UserError(_("The calibration window needs a screen ({error}). Without one, run "
                          "`fhp-monitor calibrate --no-gui` while sitting tall.").format(error=exc)) from None
    finally:
        collect_tk_garbage()  # before monitoring starts its threads (see windows/host.py)
    if not (result.completed and result.baseline is not None):
        return None
    record_calibration(home, result.baseline)
    if result.autostart != settings.app.autostart:  # the choice is kept in config.yaml, which wins at start
        try:
            save_changes(home.config, {("app", "autostart"): result.autostart})
        except (OSError, ValueError) as exc:
            print(_("fhp-monitor: could not note the login choice in {path} ({error}).").format(
                path=home.config, error=exc), file=sys.stderr)
    return result.baseline


def first_run_calibration(source: str | None, home: Home, settings: Settings) -> None:
    """No calibration yet: open the wizard (on the same source) before monitoring begins."""
    if not has_display():
        raise UserError(_("fhp-monitor is not calibrated yet and there is no screen for the calibration window: "
                          "run `fhp-monitor calibrate --no-gui` while sitting tall."))
    if calibrate_with_window(source, home, settings) is None:
        raise UserError(_("Calibration was cancelled, so monitoring has not started. "
                          "Start fhp-monitor again when ready."))
