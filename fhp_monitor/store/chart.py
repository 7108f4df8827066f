"""The daily summary as a picture: the only module that imports matplotlib.

Drawn with the Agg canvas directly (no pyplot, no GUI backend, no global state), so it is safe
from any thread and never opens a window. Large type, two calm colours, words instead of codes:
made to be glanced at from a little distance, and read without telling colours apart.
"""

from __future__ import annotations

import io
import os
import time
from datetime import date
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fhp_monitor.core.i18n import _, day_month, short_weekday
from fhp_monitor.core.summary import TOO_EARLY_S, DailySummary, day_phrase, duration_words, too_early
from fhp_monitor.home.files import SAFE_FLAGS

# Blue and orange from Okabe and Ito's palette for colour-blind readers: told apart with any of the
# three colour blindnesses and in grey print (tests/store/test_chart_colours.py measures it), and
# head-forward bars are also striped and named in the legend, so colour is never the only clue.
UPRIGHT_COLOUR = "#0072b2"  # blue
UPRIGHT_PALE = "#a6cbe3"  # the earlier days of the week, today in full blue (and named "Today")
FORWARD_COLOUR = "#e69f00"  # orange
TEXT_COLOUR = "#264653"
MUTED_COLOUR = "#4b5563"  # 7.5:1 on white (WCAG AAA), like every text in the windows
DEFAULT_SIZE_PX = (1200, 900)
DEFAULT_DPI = 100
STYLE = {"font.size": 17, "axes.titlesize": 24, "axes.titleweight": "bold", "text.color": TEXT_COLOUR,
         "axes.labelcolor": TEXT_COLOUR, "xtick.color": TEXT_COLOUR, "ytick.color": TEXT_COLOUR}
#: The day panel shows the hours with data and this many on either side, at least MIN_HOURS in all.
PAD_HOURS = 1
MIN_HOURS = 6


def render_summary_chart(
    summary: DailySummary,
    path: Path,
    *,
    size_px: tuple[int, int] = DEFAULT_SIZE_PX,
    dpi: int = DEFAULT_DPI,
    private: bool = False,
) -> Path:
    """Draw ``summary`` to a PNG at ``path`` (written atomically) and return the path.

    ``private`` (the app's own file in its home): mode 0600, and a symlink at ``path`` is replaced,
    never followed. Otherwise ``path`` is an export the user named: a symlink there is followed
    (they named it, as with ``cp``), a new file gets the user's umask, an existing file keeps its
    mode or narrower, never wider. The temporary file is created with O_EXCL and O_NOFOLLOW.

    Top: minutes sitting tall / head forward in each hour of the day (stacked bars).
    Bottom: share of time sitting tall on each of the 6 previous days and this one (one week).
    """
    path = Path(path)
    fig = summary_figure(summary, size_px=size_px, dpi=dpi)
    picture = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(picture, format="png", dpi=dpi, facecolor="white")
    _write_atomically(path, picture.getvalue(), private)
    return path


def summary_figure(summary: DailySummary, *, size_px: tuple[int, int] = DEFAULT_SIZE_PX,
                   dpi: int = DEFAULT_DPI) -> Figure:
    """The chart as a matplotlib Figure on an Agg canvas (in memory; :func:`render_summary_chart` saves it)."""
    width, height = size_px
    if width < 300 or height < 300:
        raise ValueError(f"chart size must be at least 300 x 300 pixels, got {width} x {height}")
    with rc_context(STYLE):
        fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
        FigureCanvasAgg(fig)
        top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2], "hspace": 0.55})
        _draw_day(top, summary)
        _draw_week(bottom, summary)
        fig.subplots_adjust(left=0.09, right=0.97, top=0.91, bottom=0.08)
    return fig


def _write_atomically(path: Path, data: bytes, private: bool) -> None:
    target = path if private else Path(os.path.realpath(path))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | SAFE_FLAGS
    fd = os.open(tmp, flags, 0o600 if private else 0o666)  # the kernel applies the umask
    try:
        with os.fdopen(fd, "wb") as out:
            if not private and hasattr(os, "fchmod"):  # Windows: the folder's ACLs apply
                try:  # never wider than the file it replaces
                    os.fchmod(out.fileno(), os.fstat(out.fileno()).st_mode & os.stat(target).st_mode & 0o777)
                except FileNotFoundError:
                    pass
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _when_title(summary: DailySummary) -> str:
    """'Today', 'Yesterday' or 'Wednesday 10 June' (the month keeps its capital)."""
    phrase = day_phrase(summary)
    if phrase == _("today"):
        return _("Today")
    if phrase == _("yesterday"):
        return _("Yesterday")
    return day_month(summary.date)


def _plain_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(MUTED_COLOUR)
    ax.spines["bottom"].set_color(MUTED_COLOUR)


def _draw_day(ax, summary: DailySummary) -> None:
    when = _when_title(summary)
    hours_with_data = [h["hour"] for h in summary.hourly if h["upright_s"] > 0 or h["forward_s"] > 0]
    if summary.upright_pct is None or not hours_with_data:
        ax.set_axis_off()
        if day_phrase(summary) == _("today"):
            message = _("No posture data yet today")
        else:
            message = _("No posture data for {when}").format(
                when=_("yesterday") if when == _("Yesterday") else when)
        ax.text(0.5, 0.55, message, ha="center", va="center", fontsize=30, color=TEXT_COLOUR, transform=ax.transAxes)
        ax.text(0.5, 0.3, _("fhp-monitor keeps track while it is running."), ha="center", va="center",
                fontsize=19, color=MUTED_COLOUR, transform=ax.transAxes)
        return
    if too_early(summary):
        ax.set_axis_off()
        ax.text(0.5, 0.55, _("Too early to tell"), ha="center", va="center", fontsize=30, color=TEXT_COLOUR,
                transform=ax.transAxes)
        ax.text(0.5, 0.3, _("{duration} so far; the picture fills in after {wait}.").format(
                duration=duration_words(summary.monitored_s), wait=duration_words(TOO_EARLY_S)),
                ha="center", va="center", fontsize=19, color=MUTED_COLOUR, transform=ax.transAxes)
        return

    # One bar per real hour: on a clock-change day an hour label can repeat (autumn) or be missing
    # (spring), so bars are placed by position, not by the hour number. The axis spans the hours
    # with data (an evening's data is not squeezed against the right edge of an office day).
    slots = [i for i, h in enumerate(summary.hourly) if h["upright_s"] > 0 or h["forward_s"] > 0]
    end = len(summary.hourly) - 1
    first, last = max(0, slots[0] - PAD_HOURS), min(end, slots[-1] + PAD_HOURS)
    while last - first + 1 < MIN_HOURS and (first > 0 or last < end):  # widen evenly, within the day
        first = max(0, first - 1)
        if last - first + 1 < MIN_HOURS:
            last = min(end, last + 1)
    hours = list(range(first, last + 1))
    labels = [f"{summary.hourly[i]['hour']}:00" for i in hours]
    upright = [summary.hourly[i]["upright_s"] / 60 for i in hours]
    forward = [summary.hourly[i]["forward_s"] / 60 for i in hours]
    first, last = hours[0], hours[-1]
    ax.bar(hours, upright, width=0.75, color=UPRIGHT_COLOUR, label=_("Sitting tall"), hatch="")
    ax.bar(hours, forward, width=0.75, bottom=upright, color=FORWARD_COLOUR, label=_("Head forward"),
           hatch="//", edgecolor="#ffffff", linewidth=0)  # told apart by the stripes too, not by colour alone
    ax.set_title(_("{when}: sat tall {pct}% of the time").format(when=when, pct=round(summary.upright_pct)),
                 loc="left", pad=18)
    ax.set_ylim(0, 78)
    ax.set_yticks([0, 15, 30, 45, 60])
    ax.set_ylabel(_("Minutes in the hour"))
    step = 1 if len(hours) <= 14 else 2
    ax.set_xticks(hours[::step], labels[::step])
    ax.set_xlim(first - 0.6, last + 0.6)
    ax.grid(axis="y", color="#e6ecee", linewidth=1)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left",  # not translated: matplotlib's position name
              ncols=2, frameon=False, fontsize=17, borderaxespad=0.1)
    _plain_axes(ax)


#: Days on the day-by-day strip, the summary's day included: one week, so no weekday repeats.
STRIP_DAYS = 7


def _draw_week(ax, summary: DailySummary) -> None:
    earlier = summary.week[-(STRIP_DAYS - 1):]
    days = [date.fromisoformat(w["date"]) for w in earlier] + [summary.date]
    values = [w["upright_pct"] for w in earlier] + [None if too_early(summary) else summary.upright_pct]
    is_today = day_phrase(summary) == _("today")
    labels = [short_weekday(d) for d in days[:-1]] + [_("Today") if is_today else short_weekday(days[-1])]
    xs = list(range(len(days)))
    heights = [v if v is not None else 0 for v in values]
    colours = [UPRIGHT_PALE] * (len(days) - 1) + [UPRIGHT_COLOUR]
    ax.bar(xs, heights, width=0.65, color=colours)
    nothing_yet = all(v is None for v in values)
    for x, v in zip(xs, values):
        if v is None and nothing_yet:
            continue
        if v is None:
            ax.text(x, 4, _("no data"), ha="center", va="bottom", fontsize=13, color=MUTED_COLOUR)
        else:
            ax.text(x, v + 3, f"{round(v)}%", ha="center", va="bottom", fontsize=17, fontweight="bold")
    ax.set_title(_("Sitting tall, day by day"), loc="left", pad=14, fontsize=21)
    ax.set_xticks(xs, labels)
    ax.set_ylim(0, 118)
    ax.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
    ax.grid(axis="y", color="#e6ecee", linewidth=1)
    ax.set_axisbelow(True)
    _plain_axes(ax)
    if nothing_yet:
        ax.text(0.5, 0.6, _("Your week will appear here"), ha="center", va="center", fontsize=19,
                color=MUTED_COLOUR, transform=ax.transAxes)

