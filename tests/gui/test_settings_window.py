"""The settings window, the calibration window and the panel on small and 4K screens, for real.

The settings window runs as the user starts it (``fhp-monitor settings``) on a private Xvfb of
1024 x 768 (and one of 3840 x 2160), and is driven with real key presses (xdotool, XTEST). The
test reads back config.yaml and the calibration, and looks at real screen pixels. Screenshots are
kept in pytest's tmp folder for people to look at.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support.needs import require_tkinter, started_desktop

require_tkinter()

from fhp_monitor.core.calibration import Baseline, load_baseline, save_baseline  # noqa: E402
from fhp_monitor.gui import style  # noqa: E402
from fhp_monitor.gui.settings import FIELDS  # noqa: E402
from fhp_monitor.gui.settings import WINDOW_TITLE as SETTINGS_TITLE  # noqa: E402
from fhp_monitor.gui.wizard_screens import WINDOW_TITLE as WIZARD_TITLE  # noqa: E402
from fhp_monitor.settings.file import load_settings  # noqa: E402 - after the Tk check
from tests.support.desktop import Desktop, DesktopError, wait_until  # noqa: E402
from tests.support.step_log import follow_steps  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ACCENT, BAD = str(style.ACCENT), str(style.BAD)  # the standard theme's colours
UPRIGHT = ROOT / "tests" / "data" / "slouching-or-not" / "low-isSlouching__high-notSlouching" / "notSlouching"
SHIPPED = resources.files("fhp_monitor.resources").joinpath("config.yaml").read_text()


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def small_screen() -> Iterator[Desktop]:
    yield from started_desktop(width=1024, height=768)


@pytest.fixture(scope="module")
def big_screen() -> Iterator[Desktop]:
    yield from started_desktop(width=3840, height=2160)


class Program:
    """``fhp-monitor ARGS`` on a screen: its stdout lines in a queue, keys pressed at its window."""

    def __init__(self, screen: Desktop, tmp_path: Path, home: Path, *args: str) -> None:
        self.screen = screen
        self.env = {**screen.env, "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_DATA_HOME": str(tmp_path / "data"),
                    "PYTHONPATH": str(ROOT)}
        self.log = tmp_path / f"stderr-{time.monotonic_ns()}.log"
        self._stderr = open(self.log, "wb")  # noqa: SIM115 - closed in finish()
        self.proc = subprocess.Popen([sys.executable, "-m", "fhp_monitor", "--home", str(home), *args], cwd=ROOT,
                                     env=self.env, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        follow_steps(home / "logs" / "fhp-monitor.log", self.proc, self.lines)  # steps: in the log only
        self.window = 0

    def expect(self, prefix: str, timeout_s: float = 90.0) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout_s)
            except queue.Empty:
                pytest.fail(f"no '{prefix}' within {timeout_s} s; it said {self.seen}")
            if line is None:
                pytest.fail(f"it ended before '{prefix}'; it said {self.seen}; stderr: {self.log.read_text()}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def find_window(self, title: str) -> int:
        def search() -> int:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], env=self.env,
                                   capture_output=True, text=True, timeout=10)
            return int(found.stdout.split()[0]) if found.returncode == 0 and found.stdout.strip() else 0

        self.window = wait_until(search, 30.0, f"a window titled {title!r}")
        return self.window

    def focus(self) -> None:
        subprocess.run(["xdotool", "windowfocus", "--sync", str(self.window)], env=self.env, check=True, timeout=10)

    def key(self, *names: str) -> None:
        """Press keys as a keyboard would (XTEST) with the window focused (see test_wizard_desktop)."""
        self.focus()
        subprocess.run(["xdotool", "key", "--delay", "60", *names], env=self.env, check=True, timeout=30)

    def type(self, text: str) -> None:
        self.focus()
        subprocess.run(["xdotool", "type", "--delay", "40", text], env=self.env, check=True, timeout=30)

    def finish(self) -> int:
        try:
            self.stdout, _ = self.proc.communicate(timeout=60)
            return self.proc.returncode
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self._stderr.close()


@pytest.fixture
def started() -> Iterator[list[Program]]:
    programs: list[Program] = []
    yield programs
    for program in programs:
        if program.proc.poll() is None:
            program.proc.kill()
            program.proc.wait(timeout=10)
        program._stderr.close()


def home_with_my_config(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    text = SHIPPED.replace("  interval_s: 15\n", "  interval_s: 7   # set by hand\n")
    (home / "config.yaml").write_text(text + "\n# my own note: keep me\n")
    return home


def comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def pixels(screen: Desktop, path: Path) -> np.ndarray:
    return np.asarray(Image.open(screen.screenshot(path)).convert("RGB"))


def count(image: np.ndarray, colour: str, tolerance: int = 8) -> int:
    return int((np.abs(image.astype(int) - np.array(rgb(colour))).max(axis=2) <= tolerance).sum())


def shows(screen: Desktop, path: Path, box: tuple[int, int, int, int], colour: str, least: int,
          still_from_x: float = 0.0) -> np.ndarray:
    """Screenshots of ``box`` until ``colour`` covers ``least`` pixels there (Tk draws a moment
    after it says a step began, and a live preview keeps changing, so only still parts are compared
    where that matters); the last screenshot stays at ``path``. Fails after a deadline."""
    x, y, w, h = box

    previous: list[np.ndarray] = []

    def drawn():  # enough of the colour, and the same picture twice in a row (Tk has finished drawing)
        image = pixels(screen, path)[y : y + h, x : x + w]
        right = int(w * still_from_x)  # the calibration window's live preview is on the left
        still = bool(previous) and np.array_equal(previous[-1][:, right:], image[:, right:])
        previous[:] = [image]
        return [image] if still and count(image, colour) >= least else None

    try:
        return wait_until(drawn, 20.0, f"{least} pixels of {colour} on the screen", step_s=0.3)[0]
    except DesktopError as error:
        pytest.fail(str(error))


def descendants(widget):
    for child in widget.winfo_children():
        yield child
        yield from descendants(child)


def inside_screen(screen: Desktop, window: int) -> tuple[int, int, int, int]:
    x, y, w, h = screen.window_geometry(window)
    assert x >= 0 and y >= 0 and x + w <= screen.width and y + h <= screen.height, (x, y, w, h)
    return x, y, w, h


# ---------------------------------------------------------------------- settings window


def test_settings_typed_at_1024x768_are_saved_in_place_with_every_comment_kept(small_screen, started, tmp_path):
    home = home_with_my_config(tmp_path)
    before = (home / "config.yaml").read_text()
    run = Program(small_screen, tmp_path, home, "settings")
    started.append(run)
    run.expect("settings: ready")
    window = run.find_window(SETTINGS_TITLE)
    box = inside_screen(small_screen, window)
    shows(small_screen, tmp_path / "settings-1024x768.png", box, ACCENT, 3000)  # the Save button is on the screen

    run.type("3,5")  # the first field has the focus, its text selected; a decimal comma is fine
    for text in ("90", "20", "22:00-07:00"):
        run.key("Tab")
        run.type(text)
    run.key("Tab", "space")  # exercises off
    run.key("ctrl+Tab")  # the next page ("Your day"), its first field focused
    run.type("18:05")
    for text in ("zoom, jitsi", "25"):
        run.key("Tab")
        run.type(text)
    run.key("ctrl+Tab", "Tab", "Tab", "Tab")  # "This computer": past language, text size and colours
    run.type("1")
    run.key("Tab", "space", "Tab", "space")  # start at log-in on, the app menu entry on
    run.key("Return")
    run.expect("settings: saved")
    assert run.finish() == 0

    after = (home / "config.yaml").read_text()
    assert comment_lines(after) == comment_lines(before)  # every comment, the user's own note too
    assert len(after.splitlines()) == len(before.splitlines())
    assert "  interval_s: 7   # set by hand" in after.splitlines()
    saved = load_settings(home / "config.yaml")
    assert saved.detection.sensitivity_deg == 3.5 and saved.nudges.onset_delay_s == 90
    assert saved.nudges.cooldown_min == 20 and saved.nudges.quiet_hours == "22:00-07:00"
    assert saved.summary.daily_time == "18:05" and saved.app.pause_for_apps == ("zoom", "jitsi")
    assert saved.camera.index == 1 and saved.nudges.include_exercises is False and saved.app.autostart is True
    assert saved.sampling.interval_s == 7 and saved.app.pause_on_battery_below == 25
    assert (tmp_path / "xdg" / "autostart" / "fhp-monitor.desktop").is_file()
    entry = tmp_path / "data" / "applications" / "fhp-monitor.desktop"  # ticked: added at once, with --home kept
    assert entry.is_file() and f"--home {home}" in entry.read_text()


def test_an_invalid_value_is_named_next_to_its_field_and_nothing_is_saved(small_screen, started, tmp_path):
    home = home_with_my_config(tmp_path)
    before = (home / "config.yaml").read_bytes()
    run = Program(small_screen, tmp_path, home, "settings")
    started.append(run)
    run.expect("settings: ready")
    window = run.find_window(SETTINGS_TITLE)
    box = inside_screen(small_screen, window)
    x, y, w, h = box
    shot_before = shows(small_screen, tmp_path / "settings-before.png", box, ACCENT, 3000)
    run.key("Tab")
    run.type("soon")
    run.key("Tab", "Tab")
    run.type("7pm")
    run.key("Return")
    assert run.expect("settings: invalid") == "settings: invalid nudges.onset_delay_s nudges.quiet_hours"
    shot = shows(small_screen, tmp_path / "settings-invalid-1024x768.png", box, BAD, count(shot_before, BAD) + 500)
    assert count(shot, BAD) > count(shot_before, BAD) + 500  # red words next to the fields
    assert (home / "config.yaml").read_bytes() == before
    run.key("Escape")
    run.expect("settings: closed")
    assert run.finish() == 0
    assert "settings:" not in run.stdout and "settings:" not in run.log.read_text()  # in the log file only
    assert (home / "config.yaml").read_bytes() == before
    assert not (tmp_path / "xdg" / "autostart" / "fhp-monitor.desktop").exists()


def test_settings_window_grows_on_a_4k_screen(big_screen, started, tmp_path):
    home = home_with_my_config(tmp_path)
    run = Program(big_screen, tmp_path, home, "settings")
    started.append(run)
    run.expect("settings: ready")
    window = run.find_window(SETTINGS_TITLE)
    box = inside_screen(big_screen, window)
    assert box[2] >= 2200 and box[3] >= 1300, box  # twice the design size, not a postage stamp
    shows(big_screen, tmp_path / "settings-3840x2160.png", box, ACCENT, 4 * 3000)
    run.key("Escape")
    run.expect("settings: closed")
    assert run.finish() == 0


# ---------------------------------------------------------------------- calibration window


def test_calibration_at_1024x768_fits_and_esc_on_all_done_keeps_it(small_screen, started, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text("calibration:\n  duration_s: 5\n")
    run = Program(small_screen, tmp_path, home, "calibrate", "--source", str(UPRIGHT))
    started.append(run)
    run.expect("checks: ok")
    window = run.find_window(WIZARD_TITLE)
    x, y, w, h = inside_screen(small_screen, window)
    assert w < 1024 and h < 768
    run.key("Return")
    run.expect("step: forward_intro")
    run.key("Return")
    run.expect("step: glasses")  # glasses with progressive lenses? (Enter: no)
    run.key("Return")
    run.expect("step: result")
    shows(small_screen, tmp_path / "calibration-result-1024x768.png", (x, y, w, h), ACCENT, 3000, 0.5)  # Finish
    run.key("Escape")  # on "All done": keeps the new calibration
    run.expect("done: completed")
    assert run.finish() == 0
    baseline = load_baseline(home / "calibration.json")
    assert baseline is not None and baseline.samples >= 5


def test_calibration_window_grows_on_a_4k_screen(big_screen, started, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text("calibration:\n  duration_s: 5\n")
    save_baseline(home / "calibration.json", Baseline(48.5, 1.2, 20, "front", 2.0, 1_700_000_000.0))
    before = (home / "calibration.json").read_bytes()
    run = Program(big_screen, tmp_path, home, "calibrate", "--source", str(UPRIGHT))
    started.append(run)
    run.expect("checks: ok")
    window = run.find_window(WIZARD_TITLE)
    box = inside_screen(big_screen, window)
    assert box[2] >= 2400 and box[3] >= 1300, box
    shows(big_screen, tmp_path / "calibration-checks-3840x2160.png", box, ACCENT, 4 * 3000, 0.5)
    run.key("Escape")  # before "All done": cancels, the old calibration stays
    run.expect("done: cancelled")
    assert run.finish() == 1
    assert (home / "calibration.json").read_bytes() == before


# ---------------------------------------------------------------------- in the app's Tk root


def pump_until(root, condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        root.update()
        time.sleep(0.02)


def test_the_apps_settings_command_opens_one_window_that_shows_the_personal_sensitivity(desktop, tmp_path):
    import tkinter as tk

    from fhp_monitor.gui.settings_flow import SETTINGS_BROKEN, show_settings
    from fhp_monitor.home.folder import Home

    home = Home.locate(str(tmp_path / "home"), {})
    home.config.write_text(SHIPPED)
    save_baseline(home.calibration, Baseline(50.0, 0.5, 20, "front", 4.5, 1_700_000_000.0, True, 41.0))
    opened: list[Path] = []
    told: list[tuple[str, str]] = []
    with desktop.activate():
        root = tk.Tk()
        root.withdraw()
        try:
            show_settings(root, home, opened.append, lambda *said: told.append(said))
            show_settings(root, home, opened.append, lambda *said: told.append(said))  # raised, not a second one
            windows = [c for c in root.winfo_children() if c.winfo_class() == "Toplevel"]
            assert len(windows) == 1 and windows[0].title() == SETTINGS_TITLE
            pump_until(root, lambda: windows[0].winfo_viewable(), 10, "the settings window")
            texts = [w.cget("text") for w in descendants(windows[0]) if w.winfo_class() == "Label"]  # on page 1
            note = next(t for t in texts if t.startswith("Sensitivity set from your own posture"))
            assert "stays forward, more relaxed than the usual setting" in note and "not used" in note
            def widgets(parent):
                for child in parent.winfo_children():
                    yield child
                    yield from widgets(child)

            buttons = {w.cget("text"): w for w in widgets(windows[0]) if w.winfo_class() == "Button"}
            assert set(buttons) == {"Save  (Enter)", "Cancel  (Esc)", "Open the settings file", "Your setups\u2026"}
            buttons["Open the settings file"].invoke()
            assert opened == [home.config]
            opened.clear()
            windows[0].destroy()
            home.config.write_text(SHIPPED + "nudges:\n  cooldown_min: 5\n")  # a hand edit with a repeated group
            show_settings(root, home, opened.append, lambda *said: told.append(said))
            assert opened == [home.config] and told == [("Settings", SETTINGS_BROKEN)]
            assert not [c for c in root.winfo_children() if c.winfo_class() == "Toplevel"]
        finally:
            root.destroy()


def test_panel_closes_with_esc_and_with_its_close_button(desktop):
    import tkinter as tk

    from fhp_monitor.core.ports import PostureState, StatusSnapshot
    from fhp_monitor.gui.panel import CLOSE_LABEL, ControlPanel

    received: list[str] = []
    with desktop.activate():
        root = tk.Tk()
        root.withdraw()
        try:
            window = tk.Toplevel(root)
            panel = ControlPanel(window, received.append)
            panel.show(StatusSnapshot(state=PostureState.UPRIGHT, since=0.0), 0.0)
            window.geometry("+30+40")
            for close in ("escape", "button"):
                panel.raise_window()
                pump_until(root, lambda: window.winfo_viewable() and panel.close_button.winfo_viewable()
                           and window.winfo_rootx() == 30, 10, "the panel on screen")
                if close == "escape":
                    desktop.run("xdotool", "windowfocus", "--sync", str(int(window.wm_frame(), 16)))
                    pump_until(root, lambda: root.focus_get() is not None, 10, "the keyboard focus in the panel")
                    desktop.run("xdotool", "key", "Escape")
                else:
                    assert panel.close_button.cget("text") == CLOSE_LABEL
                    button = panel.close_button
                    desktop.click_at(button.winfo_rootx() + button.winfo_width() // 2,
                                     button.winfo_rooty() + button.winfo_height() // 2)
                pump_until(root, lambda: not window.winfo_viewable(), 10, f"the panel to close ({close})")
            assert received == []  # closing is not a command
        finally:
            root.destroy()


def test_every_field_and_tick_box_is_on_the_form_at_1024x768(small_screen, tmp_path):
    """Adding a setting to the form must not push a field or a tick box out of the window. The form
    is measured in a child process: a Tk connection to this module's Xvfb must not outlive it."""
    home = home_with_my_config(tmp_path)
    env = {**small_screen.env, "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", MEASURE_FORM, str(home)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    form = json.loads(done.stdout)
    assert form["window_height"] <= small_screen.height
    assert form["entries"] == sum(field.kind not in ("flag", "choice") for field in FIELDS)
    assert form["boxes"] == sum(field.kind == "flag" for field in FIELDS)  # "Show in the app menu" too (Linux)
    assert form["choices"] == sum(field.kind == "choice" for field in FIELDS) == 3  # language, text size, colours
    assert form["widgets"] == 2 * form["entries"] + form["boxes"] + form["choices"]
    assert form["pages"] == 3 and not any(form["scrolls"])  # each page fits at normal text, nothing to scroll
    for name, mapped, height, bottom in form["measured"]:  # each on its page, shown when that page is
        assert mapped and height > 5, name
        assert bottom <= form["above_buttons"], name


MEASURE_FORM = """
import json, sys, tkinter as tk
from pathlib import Path
from fhp_monitor.home.folder import Home
from fhp_monitor.gui.settings import SettingsForm

def descendants(widget):
    for child in widget.winfo_children():
        yield child
        yield from descendants(child)

home = Path(sys.argv[1])
root = tk.Tk()
form = SettingsForm(root, home=Home(root=home, log_dir=home / "logs"), open_file=lambda path: None)
for _ in range(2000):
    root.update()
    if root.winfo_ismapped() and form.buttons.winfo_ismapped():
        break
root.update()
top = root.winfo_rooty()
boxes = [w for w in descendants(root)
         if isinstance(w, tk.Label) and str(w.cget("text")).startswith(("\u2610", "\u2611"))]
shown = [*form.entries.values(), *form.errors.values(), *boxes, *form.choice_boxes.values()]
measured, scrolls = [], []
for number, page in enumerate(form.pages.pages):
    form.pages.show(number)
    for _ in range(20):
        root.update()
    scrolls.append(form.area.scrolls)
    measured += [[str(w), bool(w.winfo_ismapped()), w.winfo_height(), w.winfo_rooty() - top + w.winfo_height()]
                 for w in shown if str(w).startswith(str(page) + ".")]
print(json.dumps({
    "window_height": root.winfo_height(), "entries": len(form.entries), "boxes": len(boxes), "widgets": len(shown),
    "choices": len(form.choice_boxes), "pages": len(form.pages.pages), "scrolls": scrolls,
    "above_buttons": form.buttons.winfo_rooty() - top, "measured": measured,
}))
assert len(measured) == len(shown), (len(measured), len(shown))
root.destroy()
"""


MENU_TICK = """
import json, sys, tkinter as tk
from pathlib import Path
from fhp_monitor.home.folder import Home
from fhp_monitor.gui.settings import SettingsForm
from fhp_monitor.settings.file import load_settings

home = Path(sys.argv[1])
entry = Path(sys.argv[2]) / "applications" / "fhp-monitor.desktop"
said = []
for want in (True, False):
    root = tk.Tk()
    form = SettingsForm(root, home=Home(root=home, log_dir=home / "logs", chosen=True), open_file=lambda path: None,
                        on_step=said.append)
    root.update()
    shown = form.flags[("app", "menu_entry")].get()
    form.reveal(form.choice_boxes[("display", "language")])  # "This computer": where the tick box is
    form.flags[("app", "menu_entry")].set(want)  # as Space on the tick box does
    form.save()
    said.append([shown, entry.is_file(), load_settings(home / "config.yaml").app.menu_entry])
print(json.dumps(said))
"""


def test_show_in_the_app_menu_adds_and_removes_the_entry_at_once(small_screen, tmp_path):
    home = home_with_my_config(tmp_path)
    env = {**small_screen.env, "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", MENU_TICK, str(home), str(tmp_path / "data")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    ticked, unticked = [step for step in said if isinstance(step, list)]
    assert ticked == [False, True, True]  # shown unticked (no entry yet); ticked: the entry is there, the file agrees
    assert unticked == [True, False, False]  # shown ticked now; unticked: the entry is gone, and the file says so
    assert not list((tmp_path / "data").rglob("fhp-monitor*"))  # its icons are gone too
