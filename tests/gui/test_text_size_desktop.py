"""Settings → Text size on a 1024 x 768 screen, for real (Xvfb): at Large and Extra large the settings
window and the calibration window stay on the screen, their text is larger, and what does not fit
scrolls: every field of the settings form, when it gets the keyboard focus (Tab, Shift+Tab), is scrolled
wholly into view (nothing is cut off). In German, the longest of the six languages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.needs import require_tkinter, started_desktop

require_tkinter()

from tests.support.desktop import Desktop  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def small_screen() -> Iterator[Desktop]:
    yield from started_desktop(width=1024, height=768)


WALK_THE_FORM = """
import json, sys, tkinter as tk
from pathlib import Path
from fhp_monitor.home.folder import Home
from fhp_monitor.gui.settings import SettingsForm

from fhp_monitor.i18n import activate

activate("de")  # German, the longest of the six languages
home = Path(sys.argv[1])
root = tk.Tk()
form = SettingsForm(root, home=Home(root=home, log_dir=home / "logs"), open_file=lambda path: None)
for _ in range(2000):
    root.update()
    if root.winfo_ismapped() and form.buttons.winfo_ismapped():
        break
area = form.area
seen, scrolls = [], []
for number in range(len(form.pages.pages)):  # does each page scroll?
    form.pages.show(number)
    for _ in range(20):
        root.update()
    scrolls.append(area.scrolls)
widgets = [*form.entries.values(), *form.choice_boxes.values(), *form.page_of]
for widget in widgets:
    form.reveal(widget)  # its page shown, the focus on it (as Tab, Ctrl+Tab or a wrong value do)
    for _ in range(20):
        root.update()
    top = widget.winfo_rooty() - area.canvas.winfo_rooty()
    seen.append([top, top + widget.winfo_height(), area.canvas.winfo_height(), widget.winfo_ismapped()])
print(json.dumps({"window": [root.winfo_width(), root.winfo_height()], "scrolls": scrolls, "seen": seen,
                  "font": form.fonts["label"][1], "columns": form.columns}))
root.destroy()
"""


def walk(screen: Desktop, tmp_path: Path, size: str) -> dict:
    home = tmp_path / size
    home.mkdir()
    (home / "config.yaml").write_text(f"display:\n  text_size: {size}\n  language: de\n")
    env = {**screen.env, "PYTHONPATH": str(ROOT), "LANGUAGE": "de"}
    done = subprocess.run([sys.executable, "-c", WALK_THE_FORM, str(home)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_larger_text_stays_on_a_1024x768_screen_and_every_field_scrolls_into_view(small_screen, tmp_path) -> None:
    forms = {size: walk(small_screen, tmp_path, size) for size in ("normal", "large", "extra_large")}
    assert forms["extra_large"]["font"] / forms["normal"]["font"] == pytest.approx(1.6, abs=0.1)
    assert forms["normal"]["font"] < forms["large"]["font"] < forms["extra_large"]["font"]
    for size, form in forms.items():
        width, height = form["window"]
        assert width <= 1024 and height <= 768, (size, form["window"])
        for top, bottom, shown, mapped in form["seen"]:  # each field, when it has the focus, is wholly in view
            assert mapped and 0 <= top and bottom <= shown, (size, top, bottom, shown)
    assert not any(forms["large"]["scrolls"]) and forms["large"]["columns"] == 2  # Large: every page fits, no scrolling
    assert any(forms["extra_large"]["scrolls"]) and forms["extra_large"]["columns"] == 1


WALK_THE_WIZARD = """
import json, sys, tkinter as tk
from pathlib import Path
from fhp_monitor.i18n import activate
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.file import load_settings
from fhp_monitor.gui.wizard import CalibrationWizard
from fhp_monitor.sensing.pose import estimator_for

activate("de")
home, source = Path(sys.argv[1]), sys.argv[2]
settings = load_settings(home / "config.yaml")
root = tk.Tk()
seen, done = [], []

def measure(line):
    root.update()
    area = wizard.view.side_area
    seen.append([line, area.scrolls, area.inner.winfo_reqheight(), area.canvas.winfo_height(), root.winfo_width(),
                 root.winfo_height()])
    if line in ("checks: ok", "step: forward_intro", "step: result"):
        wizard._on_enter()  # as the Enter key does: on to the next step
    elif line == "step: glasses":
        wizard._glasses_yes()  # as the Y key does: the reading posture's step is measured too
    elif line == "step: name":
        wizard._name_chosen()  # Enter in the name field: the name offered

def on_step(line):
    if line.startswith("step:") or line == "checks: ok":
        root.after(600, lambda: measure(line))  # the step's words are shown and laid out by then

wizard = CalibrationWizard(root, source_spec=source, settings=settings, home=Home(root=home, log_dir=home / "logs"),
                           estimator_factory=lambda: estimator_for(settings), on_step=on_step,
                           on_done=lambda result: (done.append(result.completed), root.after(300, root.destroy)))
wizard.start()
root.after(120000, root.destroy)
root.mainloop()
print(json.dumps({"seen": seen, "done": done}))
"""


def test_every_step_of_the_calibration_window_fits_1024x768_at_large_text_in_german(small_screen, tmp_path) -> None:
    home = tmp_path / "wizard"
    home.mkdir()
    (home / "config.yaml").write_text("calibration:\n  duration_s: 5\ndisplay:\n  text_size: large\n  language: de\n")
    from fhp_monitor.core.calibration import Baseline
    from fhp_monitor.home.folder import Home
    from fhp_monitor.store.setups import remember

    elsewhere = Baseline(48.5, 1.2, 20, "front", 2.0, 1.7e9, body_frac=0.2, body_x=0.5, body_y=0.8)
    remember(Home(root=home, log_dir=home / "logs"), elsewhere)  # a saved setup at another place: the name field
    upright = ROOT / "tests" / "data" / "slouching-or-not" / "low-isSlouching__high-notSlouching" / "notSlouching"
    env = {**small_screen.env, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    done = subprocess.run([sys.executable, "-c", WALK_THE_WIZARD, str(home), str(upright)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    walked = json.loads(done.stdout)
    assert walked["done"] == [True]
    steps = [line for line, *_rest in walked["seen"]]
    assert {"step: checks", "step: upright", "step: forward", "step: glasses", "step: reading", "step: name",
            "step: result"} <= set(steps), steps
    for line, scrolls, content, shown, width, height in walked["seen"]:
        assert width <= 1024 and height <= 768, line
        assert not scrolls and content <= shown, (line, content, shown)  # the words fit: nothing to scroll
