"""Issue 19: a save in the settings window reaches the running monitor at once, not at the next
15-second check of config.yaml.

The real App (composition root) on a private desktop: its real worker thread replays a real landmark
recording in real time (looks 15 s apart and more), the real settings window opens over the app's Tk
root through the app's own "settings" command, and its Save button is pressed. The monitor's verdict
on the same posture must change within a second, while the app's periodic check never runs.
"""

from __future__ import annotations

import argparse
import threading
import time

from tests.support.needs import require_tkinter

require_tkinter()

from fhp_monitor.app import App  # noqa: E402 - after the Tk check
from fhp_monitor.core.calibration import save_baseline  # noqa: E402
from fhp_monitor.core.commands import SETTINGS  # noqa: E402
from fhp_monitor.core.ports import PostureState, StatusSnapshot  # noqa: E402
from fhp_monitor.gui.settings import WINDOW_TITLE  # noqa: E402
from fhp_monitor.home.folder import Home, ensure_config  # noqa: E402
from fhp_monitor.settings.edit import save_changes  # noqa: E402
from fhp_monitor.settings.file import load_settings  # noqa: E402
from tests.support.landmark_recording import record_landmarks, synthetic_baseline  # noqa: E402

#: 6 degrees below sitting tall: forward with sensitivity 2, upright with sensitivity 8.
SLIGHTLY_FORWARD_DEG = 44.0
FIRST_LOOK_S = 60.0  # the first look comes at once; this bounds a slow start (busy machine)


def test_saving_sensitivity_in_the_window_changes_the_running_monitors_verdict_within_a_second(
        desktop, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # the autostart entry stays in the test
    home = Home.locate(str(tmp_path / "home"), {})
    ensure_config(home)
    save_changes(home.config, {("detection", "sensitivity_deg"): 8.0})
    save_baseline(home.calibration, synthetic_baseline())
    recording = record_landmarks(tmp_path / "slightly-forward.csv", lambda t: SLIGHTLY_FORWARD_DEG, 600)
    args = argparse.Namespace(source=str(recording), start=None, speed=1.0, exit_at_end=False, no_tray=True)

    verdicts: list[tuple[float, PostureState]] = []
    changed = threading.Condition()

    with desktop.activate():
        app = App(args, home, load_settings(home.config))
        shown = app.worker.on_snapshot

        def seen(snapshot: StatusSnapshot) -> None:  # the worker thread's snapshots, on to the app as before
            with changed:
                verdicts.append((time.monotonic(), snapshot.state))
                changed.notify_all()
            shown(snapshot)

        app.worker.on_snapshot = seen
        worker = threading.Thread(target=app.worker.run, args=(app.stop, app.pace), name="fhp-worker")
        worker.start()
        try:
            with changed:
                assert changed.wait_for(lambda: any(s is PostureState.UPRIGHT for _, s in verdicts), FIRST_LOOK_S)
            app.windows.available = True  # as start_ui finds Tk
            app.handle(SETTINGS)  # the tray's "Settings": the window over the app's Tk root
            root = app.windows.root
            assert root is not None
            window, = [c for c in root.winfo_children() if c.winfo_class() == "Toplevel"]
            assert window.title() == WINDOW_TITLE
            sensitivity, = [w for w in _descendants(window) if w.winfo_class() == "Entry" and w.get() == "8"]
            sensitivity.delete(0, "end")
            sensitivity.insert(0, "2")
            buttons = [w for w in _descendants(window) if w.winfo_class() == "Button"]
            save, = [b for b in buttons if b.cget("text").startswith("Save")]
            saved_at = time.monotonic()
            save.invoke()
            with changed:
                assert changed.wait_for(lambda: verdicts[-1][1] is PostureState.FORWARD, 1.0), verdicts
            forward_at = next(t for t, s in verdicts if s is PostureState.FORWARD)
            assert forward_at - saved_at < 1.0
            assert load_settings(home.config).detection.sensitivity_deg == 2.0
            assert app.settings.detection.sensitivity_deg == 2.0  # the app's own copy too
        finally:
            app.request_stop()
            worker.join(30)
            app.shutdown()
    assert not worker.is_alive()


def _descendants(widget):
    for child in widget.winfo_children():
        yield child
        yield from _descendants(child)

