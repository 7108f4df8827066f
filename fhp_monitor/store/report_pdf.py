"""The one-page report for a physiotherapist or doctor (``fhp-monitor report --out FILE.pdf``).

Numbers only, never a picture of the person. Drawn with matplotlib's PDF canvas directly (no pyplot, no
GUI backend), on A4 or US Letter: everything sits inside the smaller of the two (8.27 x 11 inches) with
margins, so either paper prints it whole. An empty history gives a page that says there is nothing yet,
with no empty axes.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date, datetime
from pathlib import Path

from matplotlib import rc_context
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure

from fhp_monitor.core.trends import PeriodTrend, change_words, hour_words
from fhp_monitor.store.chart import FORWARD_COLOUR, MUTED_COLOUR, TEXT_COLOUR, UPRIGHT_COLOUR, _write_atomically

PAPERS = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
STYLE = {"font.size": 9, "axes.titlesize": 10.5, "axes.titleweight": "bold", "text.color": TEXT_COLOUR,
         "axes.labelcolor": TEXT_COLOUR, "xtick.color": TEXT_COLOUR, "ytick.color": TEXT_COLOUR,
         "pdf.fonttype": 42}
NOT_A_DIAGNOSIS = ("This is a self-measurement with an ordinary webcam, not a diagnosis. The angle is a stand-in "
                   "for the craniovertebral angle, measured against the person's own calibration; it is not "
                   "comparable with clinical values.")
#: Characters per line of small print (about 6.8 inches of 8.5 pt text).
WRAP = 118
EXERCISE_NAMES = {"chin-tuck": "chin tucks", "shoulder-squeeze": "shoulder squeezes", "head-lift": "head lifts"}


def calibration_lines(baseline, calibrations: list[dict]) -> list[str]:
    """How the calibration was done, in plain words (numbers only)."""
    if baseline is None:
        return ["Not calibrated: without a calibration the monitor does not judge posture."]
    when = datetime.fromtimestamp(baseline.calibrated_at).strftime("%d %b %Y")
    how = ("and a second recording of the head drifting forward set the threshold halfway between the two"
           if baseline.personalised else f"with a threshold of {baseline.margin_deg():.1f} degrees below it")
    lines = [f"Calibrated on {when} from {baseline.samples} webcam pictures of the person sitting upright, "
             f"{baseline.view} view: upright reads {baseline.cva_proxy_deg:.1f} degrees "
             f"(spread {baseline.spread_deg:.1f}), {how}."]
    if len(calibrations) > 1:
        lines.append(f"Calibrated {len(calibrations)} times in all; every reading is compared with the latest one.")
    return lines


def _plain(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED_COLOUR)


def _day_ticks(ax, trend: PeriodTrend) -> None:
    step = 1 if trend.days <= 14 else 7
    ticks = list(range(0, trend.days, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([date.fromisoformat(trend.daily[i]["date"]).strftime("%d %b") for i in ticks])
    ax.set_xlim(-0.7, trend.days - 0.3)


def report_figure(trend: PeriodTrend, baseline, calibrations: list[dict], paper: str = "a4") -> Figure:
    width, height = PAPERS[paper]
    fig = Figure(figsize=(width, height))
    left, right = 0.75 / width, 1 - 0.75 / width

    def text(y_in: float, words: str, **kw) -> None:
        fig.text(left, 1 - y_in / height, words, ha="left", va="top", **kw)

    period = f"{trend.first:%d %b %Y} to {trend.last:%d %b %Y} ({trend.days} days)"
    text(0.7, "Posture at the computer: a self-measurement", fontsize=16, fontweight="bold")
    text(1.05, f"Period: {period}. Made by fhp-monitor on {date.today():%d %b %Y}.", fontsize=9.5)
    if not trend.has_data:
        text(1.6, "There is nothing recorded in this period yet.", fontsize=14)
        text(2.0, "fhp-monitor keeps numbers while it runs; print the report again after a few days of use.",
             fontsize=10, color=MUTED_COLOUR)
        y = 2.6
        for line in [*calibration_lines(baseline, calibrations), NOT_A_DIAGNOSIS]:
            for part in textwrap.wrap(line, WRAP):
                text(y, part, fontsize=8.5)
                y += 0.2
            y += 0.1
        return fig

    pct = "-" if trend.upright_pct is None else f"{trend.upright_pct:.0f} %"
    done = ", ".join(f"{n} {EXERCISE_NAMES.get(k, k)}" for k, n in sorted(trend.exercise_counts.items()))
    facts = [f"Sat upright {pct} of the time the head was seen.", change_words(trend), hour_words(trend.drift_hour),
             f"Posture reminders: {trend.nudges}. Guided exercises done: {trend.exercises}"
             + (f" ({done})." if done else ".")]
    if trend.previous_upright_pct is None:  # the change line already says the share, and that there is no before
        facts.pop(0)
    if trend.neck_mean is not None:
        facts.append(f"Neck, own daily rating 0-10: {trend.neck_mean:g} on average (drawn beside the upright share).")
    for i, line in enumerate(facts):
        text(1.4 + 0.24 * i, line, fontsize=9.5)

    xs = list(range(trend.days))

    def axes(top_in: float):
        chart_in = 1.75
        return fig.add_axes((left + 0.06, 1 - (top_in + chart_in) / height, right - left - 0.06, chart_in / height))

    ax = axes(2.9)
    shares = [d["upright_pct"] for d in trend.daily]
    ax.bar([x for x, s in zip(xs, shares) if s is not None], [s for s in shares if s is not None],
           color=UPRIGHT_COLOUR, width=0.75)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% upright")
    ax.set_title("Upright share of the seen time, per day (no bar: not monitored)", loc="left")
    _day_ticks(ax, trend)
    _plain(ax)
    necks = [(x, d["neck"]) for x, d in zip(xs, trend.daily) if d["neck"] is not None]
    if necks:  # the optional check-in, beside posture: its own 0-10 scale on the right
        neck_ax = ax.twinx()
        neck_ax.plot([x for x, _ in necks], [v for _, v in necks], "o-", color=TEXT_COLOUR, markersize=4,
                     linewidth=1.2, label="neck, 0-10 (own rating)")
        neck_ax.set_ylim(0, 10)
        neck_ax.set_ylabel("neck 0-10")
        neck_ax.spines["top"].set_visible(False)
        ax.set_title("Upright share per day (bars) and own neck rating 0-10 (dots, right scale)", loc="left")

    ax = axes(5.3)
    ax.bar(range(24), trend.drift_minutes_by_hour, color=FORWARD_COLOUR, width=0.75)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xticklabels([f"{h:02d}:00" for h in range(0, 24, 2)])
    ax.set_xlim(-0.7, 23.7)
    ax.set_ylabel("minutes")
    ax.set_title("Minutes with the head forward, by hour of the day (all days together)", loc="left")
    _plain(ax)

    ax = axes(7.7)
    ax.bar([x - 0.2 for x in xs], [d["nudges"] for d in trend.daily], width=0.4, color=FORWARD_COLOUR,
           label="reminders")
    ax.bar([x + 0.2 for x in xs], [d["exercises"] for d in trend.daily], width=0.4, color=UPRIGHT_COLOUR,
           label="exercises done")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Reminders and guided exercises per day", loc="left")
    ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
    _day_ticks(ax, trend)
    _plain(ax)

    lines = calibration_lines(baseline, calibrations)
    if trend.waiting_records:
        lines.append(f"{trend.waiting_records} records were read from the waiting spool (the history file was "
                     "busy); they are included.")
    y = 9.95
    for line in lines:
        for part in textwrap.wrap(line, WRAP):
            text(y, part, fontsize=8.5)
            y += 0.19
    for part in textwrap.wrap(NOT_A_DIAGNOSIS, WRAP):
        text(y + 0.1, part, fontsize=8.5, style="italic")
        y += 0.19
    return fig


def write_report(trend: PeriodTrend, baseline, calibrations: list[dict], out: str | Path, paper: str = "a4") -> str:
    """Write the page to ``out`` (PDF, atomically); returns one line to tell the user. Raises OSError."""
    data = io.BytesIO()
    with rc_context(STYLE):
        fig = report_figure(trend, baseline, calibrations, paper)
        FigureCanvasPdf(fig)
        fig.savefig(data, format="pdf")
    _write_atomically(Path(out), data.getvalue(), private=False)
    if not trend.has_data:
        return f"Report saved to {out}: nothing is recorded in this period yet, so it says so."
    return f"Report saved to {out} ({trend.first:%d %b} to {trend.last:%d %b})."
