"""The control panel on a 1024 x 768 screen, for real (Xvfb): at Settings → Text size: Large it fits in
every language, German (the longest) too, without scrolling; at Extra large it stays on the screen and
may scroll. Measured on the real Tk window: the height its content needs against the height the screen
leaves (``sizing.SCREEN_MARGIN``), and every button wholly inside the window."""

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
    yield from started_desktop(tray="none", width=1024, height=768)


MEASURE_THE_PANEL = """
import json, sys, time, tkinter as tk
from fhp_monitor.i18n import activate
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.gui.panel import ControlPanel
from fhp_monitor.gui.sizing import SCREEN_MARGIN

code, size = sys.argv[1], sys.argv[2]
activate(code)
root = tk.Tk()
root.withdraw()
window = tk.Toplevel(root)
panel = ControlPanel(window, on_command=lambda command: None, text_size=size)
now = time.time()  # paused: the longest status line ('Paused until 14:30') and every button enabled
panel.show(StatusSnapshot(state=PostureState.PAUSED, since=now, paused_until=now + 3600), now)
panel.raise_window()
for _ in range(2000):
    root.update()
    if window.winfo_ismapped() and panel.close_button.winfo_ismapped():
        break
for _ in range(50):
    root.update()
area = panel.area
inside = []
for button in [*panel.buttons.values(), panel.close_button]:
    top = button.winfo_rooty() - window.winfo_rooty()
    inside.append([button.cget("text"), top >= 0 and top + button.winfo_height() <= window.winfo_height()
                   and button.winfo_ismapped()])
print(json.dumps({
    # what the window needs with every button shown: itself, less the scrolling part, plus all it holds
    "required": window.winfo_reqheight() - area.canvas.winfo_height() + area.inner.winfo_reqheight(),
    "available": window.winfo_screenheight() - SCREEN_MARGIN[1],
    "window": [window.winfo_width(), window.winfo_height()], "scrolls": area.scrolls, "inside": inside,
    "columns": panel.columns, "font": panel.font[1], "status": panel.status.get()}))
root.destroy()
"""


def measure(screen: Desktop, code: str, size: str) -> dict:
    env = {**screen.env, "PYTHONPATH": str(ROOT), "LANGUAGE": code}
    done = subprocess.run([sys.executable, "-c", MEASURE_THE_PANEL, code, size], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_panel_fits_1024x768_at_large_text_in_german_without_scrolling(small_screen) -> None:
    german = measure(small_screen, "de", "large")
    print(f"panel, German, Large, 1024x768: needs {german['required']} px of {german['available']} px")
    assert german["status"].startswith("Pausiert")  # German words are measured, not English ones
    assert german["required"] <= german["available"], german
    assert not german["scrolls"], german
    width, height = german["window"]
    assert width <= 1024 and height <= 768, german
    assert all(whole for _text, whole in german["inside"]), german["inside"]  # every button wholly shown
    normal = measure(small_screen, "de", "normal")
    assert german["font"] / normal["font"] == pytest.approx(1.25, abs=0.1)  # the text size chosen, not shrunk


@pytest.mark.parametrize("code", ["en", "es", "fr", "it", "pt"])
def test_the_panel_fits_1024x768_at_large_text_in_the_other_languages(small_screen, code: str) -> None:
    panel = measure(small_screen, code, "large")
    assert panel["required"] <= panel["available"] and not panel["scrolls"], panel
    assert all(whole for _text, whole in panel["inside"]), panel["inside"]


def test_at_extra_large_the_panel_stays_on_a_1024x768_screen(small_screen) -> None:
    large, extra = measure(small_screen, "de", "large"), measure(small_screen, "de", "extra_large")
    print(f"panel, German, Extra large, 1024x768: needs {extra['required']} px of {extra['available']} px")
    assert extra["font"] > large["font"]
    width, height = extra["window"]
    assert width <= 1024 - 40 and height <= extra["available"], extra  # on the screen; what is more scrolls
    assert extra["scrolls"] == (extra["required"] > extra["available"]), extra
