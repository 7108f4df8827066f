"""The summary chart rendered for real with matplotlib's Agg canvas and read back as pixels."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from fhp_monitor.core.ports import MinuteRecord
from fhp_monitor.core.summary import build_daily_summary
from fhp_monitor.store.chart import FORWARD_COLOUR, UPRIGHT_COLOUR, render_summary_chart

DAY = date(2026, 11, 20)


def at(hour: int, minute: int = 0) -> int:
    return int(datetime.combine(DAY, time(hour, minute)).timestamp())


def busy_summary():
    minutes = [MinuteRecord(minute=at(9) + 60 * i, upright_s=45.0, forward_s=15.0) for i in range(180)]
    minutes += [MinuteRecord(minute=at(14) + 60 * i, forward_s=60.0) for i in range(30)]
    week = {DAY - timedelta(days=k): {"upright_s": 3000.0 + 400 * k, "forward_s": 1200.0} for k in (1, 2, 4, 6, 7)}
    return build_daily_summary(DAY, minutes, [], week, now=at(17, 30))


def colour_share(image: np.ndarray, hex_colour: str) -> float:
    """Share of pixels within a small distance of ``hex_colour``."""
    target = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    distance = np.abs(image[..., :3] - target).max(axis=-1)
    return float((distance < 0.02).mean())


def test_busy_day_chart_is_a_real_png_with_both_colours(tmp_path: Path):
    out = render_summary_chart(busy_summary(), tmp_path / "summary.png", size_px=(1200, 900))
    assert out == tmp_path / "summary.png"
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(out)
    assert image.shape[:2] == (900, 1200)
    assert image[..., :3].std() > 0.05
    assert colour_share(image, UPRIGHT_COLOUR) > 0.02  # the sitting-tall bars are drawn
    assert colour_share(image, FORWARD_COLOUR) > 0.005  # and the head-forward ones
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_empty_day_shows_the_friendly_message_not_bars(tmp_path: Path):
    empty = build_daily_summary(DAY, [], [], {}, now=at(10))
    out = render_summary_chart(empty, tmp_path / "empty.png", size_px=(800, 600))
    image = imread(out)
    assert image.shape[:2] == (600, 800)
    assert out.stat().st_size > 10_000
    assert image[..., :3].std() > 0.02  # text is drawn
    assert colour_share(image, UPRIGHT_COLOUR) == 0.0
    assert colour_share(image, FORWARD_COLOUR) == 0.0


def test_rendering_twice_replaces_the_file(tmp_path: Path):
    path = tmp_path / "summary.png"
    render_summary_chart(build_daily_summary(DAY, [], [], {}, now=at(10)), path)
    first = path.read_bytes()
    render_summary_chart(busy_summary(), path)
    assert path.read_bytes() != first


def test_too_small_a_chart_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="at least 300 x 300"):
        render_summary_chart(busy_summary(), tmp_path / "tiny.png", size_px=(100, 80))


def test_title_keeps_the_month_capital_and_the_strip_is_one_week_without_a_repeated_weekday():
    from fhp_monitor.store.chart import summary_figure

    minutes = [MinuteRecord(minute=at(9) + 60 * i, upright_s=45.0, forward_s=15.0) for i in range(60)]
    week = {DAY - timedelta(days=k): {"upright_s": 3000.0, "forward_s": 1200.0} for k in range(1, 8)}
    later = build_daily_summary(DAY, minutes, [], week, now=at(12) + 5 * 86400)  # looked at 5 days later
    day_axes, week_axes = summary_figure(later).axes
    assert day_axes.get_title(loc="left").startswith("Friday 20 November:"), day_axes.get_title(loc="left")
    labels = [label.get_text() for label in week_axes.get_xticklabels()]
    assert labels == ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"]

    today = build_daily_summary(DAY, minutes, [], week, now=at(17, 30))
    labels = [label.get_text() for label in summary_figure(today).axes[1].get_xticklabels()]
    assert labels == ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Today"]
    assert len(summary_figure(today).axes[1].patches) == 7  # seven bars, not eight


def test_the_hour_axis_spans_the_hours_with_data_and_a_short_day_is_too_early():
    """Issue 26.8: an evening's data gets its own hours on the axis (not 8:00 to 18:00 squeezed against it);
    less than 10 minutes is "too early to tell", not a 100% bar."""
    from fhp_monitor.store.chart import summary_figure

    evening = [MinuteRecord(minute=at(20) + 60 * i, upright_s=50.0, forward_s=10.0) for i in range(150)]
    labels = [t.get_text() for t in summary_figure(build_daily_summary(DAY, evening, [], {}, now=at(23))).axes[0]
              .get_xticklabels()]
    assert labels[0] != "8:00" and {"20:00", "21:00", "22:00"} <= set(labels), labels
    assert labels == [f"{h}:00" for h in range(18, 24)], labels  # 20-22, an hour each side, 6 hours at least

    short = build_daily_summary(DAY, [MinuteRecord(minute=at(19), upright_s=15.0)], [], {}, now=at(19, 1))
    figure = summary_figure(short)
    words = [t.get_text() for t in figure.axes[0].texts]
    assert "Too early to tell" in words and not figure.axes[0].patches  # words, no bars
    assert not any(t.get_text() == "100%" for t in figure.axes[1].texts)
