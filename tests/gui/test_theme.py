"""Readable with weak eyes: every text colour of the windows has a contrast of at least 7:1 with its
background (WCAG AAA, computed from the theme's own colours), the chart tells its two kinds of bar
apart without colour, and Settings → Text size makes the text about 1.6 times larger at Extra large."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.needs import require_tkinter

require_tkinter()

from fhp_monitor.gui import style  # noqa: E402
from fhp_monitor.gui.sizing import TEXT_SIZES, Scale  # noqa: E402
from fhp_monitor.gui.theme import THEMES, Colour, use_theme  # noqa: E402
from fhp_monitor.settings.schema import TEXT_SIZE_CHOICES, THEME_CHOICES  # noqa: E402
from fhp_monitor.store import chart  # noqa: E402


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of '#rrggbb'."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_gives_the_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", list(style.TEXT_PAIRS))
def test_every_text_in_the_windows_has_a_contrast_of_7_to_1(theme: str, name: str) -> None:
    text, background = (colour.value(theme) for colour in style.TEXT_PAIRS[name])
    assert contrast(text, background) >= 7.0, (theme, name, text, background, round(contrast(text, background), 2))


def test_the_pairs_cover_every_text_colour_of_the_windows() -> None:
    """Every colour a window writes text in (fg=..., activeforeground=...) is the text of some pair."""
    texts = {text.role for text, _background in style.TEXT_PAIRS.values()}
    used = set()
    for module in Path(style.__file__).parent.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        used |= set(re.findall(r"\b(?:fg|foreground|activeforeground)=([A-Z_]+)\b", source))
    roles = {name.lower() for name in used if hasattr(style, name) and isinstance(getattr(style, name), Colour)}
    assert roles and roles <= texts, roles - texts


@pytest.mark.parametrize("theme", THEMES)
def test_the_focus_ring_stands_out_from_the_window_and_from_unfocused_frames(theme: str) -> None:
    assert contrast(style.FOCUS.value(theme), style.BACKGROUND.value(theme)) >= 3.0  # WCAG's focus indicator
    others = {colour.value(theme) for colour in (style.TEXT, style.ACCENT, style.BACKGROUND, style.BUTTON)}
    assert style.FOCUS.value(theme) not in others
    assert contrast(style.DISABLED.value(theme), style.BUTTON.value(theme)) >= 4.5  # a greyed-out button: readable


def test_high_contrast_is_light_on_black_and_every_window_follows_the_theme_in_use() -> None:
    try:
        assert use_theme("high_contrast") == "high_contrast" and str(style.BACKGROUND) == "#000000"
        assert contrast(str(style.TEXT), str(style.BACKGROUND)) >= 15  # body text: white on black (21:1)
        assert use_theme("no such theme") == "standard" and str(style.BACKGROUND) == "#ffffff"
    finally:
        use_theme("standard")
    assert THEMES == THEME_CHOICES


def test_chart_text_is_readable_and_its_bars_differ_by_more_than_colour() -> None:
    assert contrast(chart.TEXT_COLOUR, "#ffffff") >= 7.0 and contrast(chart.MUTED_COLOUR, "#ffffff") >= 7.0
    assert 'hatch="//"' in Path(chart.__file__).read_text(encoding="utf-8")  # head-forward bars are striped


def test_text_sizes_match_the_setting_and_extra_large_is_about_1_6_times() -> None:
    assert tuple(TEXT_SIZES) == TEXT_SIZE_CHOICES
    normal, extra = Scale(1.0, 96 / 72, TEXT_SIZES["normal"]), Scale(1.0, 96 / 72, TEXT_SIZES["extra_large"])
    assert extra.font(20)[1] / normal.font(20)[1] == pytest.approx(1.6, abs=0.05)
    assert extra.px(100) == 160 and Scale(1.0, 96 / 72, TEXT_SIZES["large"]).px(100) == 125


def test_no_window_names_a_colour_of_its_own() -> None:
    """Every colour of the windows comes from the theme (gui/theme.py), or High contrast would miss it."""
    own = re.compile(r"""["']#[0-9a-fA-F]{3,6}["']|=\s*["'](?:white|black|gr[ae]y\d*|red|blue|green|yellow)["']""")
    for module in Path(style.__file__).parent.glob("*.py"):
        if module.name != "theme.py":
            found = own.findall(module.read_text(encoding="utf-8"))
            assert not found, (module.name, found)
