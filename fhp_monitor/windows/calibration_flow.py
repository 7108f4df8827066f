"""The calibration window as one call, for ``fhp-monitor calibrate`` and the first run of ``fhp-monitor``."""

from __future__ import annotations

from fhp_monitor.config import Settings
from fhp_monitor.errors import UserError
from fhp_monitor.home import Home
from fhp_monitor.sensing.pose import estimator_for
from fhp_monitor.store.history import record_calibration


def calibrate_with_window(source: str | None, home: Home, settings: Settings):
    """Open the calibration window; return the saved (and recorded) Baseline, or None if cancelled."""
    import tkinter  # here, not at the top: a Python without Tk can still import this module

    from fhp_monitor.sensing.landmarks_csv import is_landmark_file

    if source is not None and is_landmark_file(source):
        raise UserError(f"{source} holds landmarks, not pictures, so the calibration window has nothing to show: "
                        f"run `fhp-monitor calibrate --source {source} --no-gui` instead.")
    from fhp_monitor.windows.wizard import run_wizard

    try:
        result = run_wizard(source_spec=source, settings=settings, home=home,
                            estimator_factory=lambda: estimator_for(settings),
                            on_step=lambda line: print(line, flush=True))
    except tkinter.TclError as exc:
        raise UserError(f"The calibration window needs a screen ({exc}). Without one, run "
                        "`fhp-monitor calibrate --no-gui` while sitting tall.") from None
    if not (result.completed and result.baseline is not None):
        return None
    record_calibration(home, result.baseline)
    return result.baseline
