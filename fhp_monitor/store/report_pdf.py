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

from fhp_monitor.core.i18n import N_, _, ngettext, number, short_date
from fhp_monitor.core.trends import PeriodTrend, change_words, hour_words
from fhp_monitor.store.chart import FORWARD_COLOUR, MUTED_COLOUR, TEXT_COLOUR, UPRIGHT_COLOUR, _write_atomically

PAPERS = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
STYLE = {"font.size": 9, "axes.titlesize": 10.5, "axes.titleweight": "bold", "text.color": TEXT_COLOUR,
         "axes.labelcolor": TEXT_COLOUR, "xtick.color": TEXT_COLOUR, "ytick.color": TEXT_COLOUR,
         "pdf.fonttype": 42}
NOT_A_DIAGNOSIS = N_("This is a self-measurement with an ordinary webcam, not a diagnosis. The angle is a stand-in "
                     "for the craniovertebral angle, measured against the person's own calibration; it is not "
                     "comparable with clinical values.")
#: Characters per line of small print (about 6.8 inches of 8.5 pt text).
WRAP = 118
EXERCISE_NAMES = {"chin-tuck": N_("chin tucks"), "shoulder-squeeze": N_("shoulder squeezes"),
                  "head-lift": N_("head lifts")}


def long_date(day: date) -> str:
    """'03 Jun 2026' in the active language."""
    return f"{day_short(day)} {day.year}"


def day_short(day: date) -> str:
    """'03 Jun' in the active language (the short date without the weekday)."""
    return short_date(day).split(" ", 1)[1]


def calibration_lines(baseline, calibrations: list[dict]) -> list[str]:
    """How the calibration was done, in plain words (numbers only)."""
    if baseline is None:
        return [_("Not calibrated: without a calibration the monitor does not judge posture.")]
    when = long_date(datetime.fromtimestamp(baseline.calibrated_at).date())
    how = (_("and a second recording of the head drifting forward set the threshold halfway between the two")
           if baseline.personalised else _("with a threshold of {degrees} degrees below it").format(
               degrees=number(baseline.margin_deg(), 1)))
    lines = [_("Calibrated on {when} from {samples} webcam pictures of the person sitting upright, {view} view: "
               "upright reads {degrees} degrees (spread {spread}), {how}.").format(
                   when=when, samples=baseline.samples, view=baseline.view, degrees=number(baseline.cva_proxy_deg, 1),
                   spread=number(baseline.spread_deg, 1), how=how)]
    if len(calibrations) > 1:
        lines.append(_("Calibrated {n} times in all; every reading is compared with the latest one.").format(
            n=len(calibrations)))
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
    ax.set_xticklabels([day_short(date.fromisoformat(trend.daily[i]["date"])) for i in ticks])
    ax.set_xlim(-0.7, trend.days - 0.3)


def report_figure(trend: PeriodTrend, baseline, calibrations: list[dict], paper: str = "a4") -> Figure:
    width, height = PAPERS[paper]
    fig = Figure(figsize=(width, height))
    left, right = 0.75 / width, 1 - 0.75 / width

    def text(y_in: float, words: str, **kw) -> None:
        fig.text(left, 1 - y_in / height, words, ha="left", va="top", **kw)

    period = _("{first} to {last} ({days} days)").format(first=long_date(trend.first), last=long_date(trend.last),
                                                         days=trend.days)
    text(0.7, _("Posture at the computer: a self-measurement"), fontsize=16, fontweight="bold")
    text(1.05, _("Period: {period}. Made by fhp-monitor on {today}.").format(period=period,
                                                                             today=long_date(date.today())),
         fontsize=9.5)
    if not trend.has_data:
        text(1.6, _("There is nothing recorded in this period yet."), fontsize=14)
        text(2.0, _("fhp-monitor keeps numbers while it runs; print the report again after a few days of use."),
             fontsize=10, color=MUTED_COLOUR)
        y = 2.6
        for line in [*calibration_lines(baseline, calibrations), _(NOT_A_DIAGNOSIS)]:
            for part in textwrap.wrap(line, WRAP):
                text(y, part, fontsize=8.5)
                y += 0.2
            y += 0.1
        return fig

    pct = "-" if trend.upright_pct is None else f"{trend.upright_pct:.0f} %"
    done = ", ".join(f"{n} {_(EXERCISE_NAMES[k]) if k in EXERCISE_NAMES else k}"
                     for k, n in sorted(trend.exercise_counts.items()))
    counts = _("Posture reminders: {nudges}. Guided exercises done: {exercises}").format(
        nudges=trend.nudges, exercises=trend.exercises)
    facts = [_("Sat upright {pct} of the time the head was seen.").format(pct=pct), change_words(trend),
             hour_words(trend.drift_hour), counts + (f" ({done})." if done else ".")]
    if trend.previous_upright_pct is None:  # the change line already says the share, and that there is no before
        facts.pop(0)
    if trend.neck_mean is not None:
        facts.append(_("Neck, own daily rating 0-10: {score} on average (drawn beside the upright share).").format(
            score=f"{trend.neck_mean:g}"))
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
    ax.set_ylabel(_("% upright"))
    ax.set_title(_("Upright share of the seen time, per day (no bar: not monitored)"), loc="left")
    _day_ticks(ax, trend)
    _plain(ax)
    necks = [(x, d["neck"]) for x, d in zip(xs, trend.daily) if d["neck"] is not None]
    if necks:  # the optional check-in, beside posture: its own 0-10 scale on the right
        neck_ax = ax.twinx()
        neck_ax.plot([x for x, _v in necks], [v for _x, v in necks], "o-", color=TEXT_COLOUR, markersize=4,
                     linewidth=1.2, label=_("neck, 0-10 (own rating)"))
        neck_ax.set_ylim(0, 10)
        neck_ax.set_ylabel(_("neck 0-10"))
        neck_ax.spines["top"].set_visible(False)
        ax.set_title(_("Upright share per day (bars) and own neck rating 0-10 (dots, right scale)"), loc="left")

    ax = axes(5.3)
    ax.bar(range(24), trend.drift_minutes_by_hour, color=FORWARD_COLOUR, width=0.75)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xticklabels([f"{h:02d}:00" for h in range(0, 24, 2)])
    ax.set_xlim(-0.7, 23.7)
    ax.set_ylabel(_("minutes"))
    ax.set_title(_("Minutes with the head forward, by hour of the day (all days together)"), loc="left")
    _plain(ax)

    ax = axes(7.7)
    ax.bar([x - 0.2 for x in xs], [d["nudges"] for d in trend.daily], width=0.4, color=FORWARD_COLOUR,
           label=_("reminders"))
    ax.bar([x + 0.2 for x in xs], [d["exercises"] for d in trend.daily], width=0.4, color=UPRIGHT_COLOUR,
           label=_("exercises done"), hatch="//", edgecolor="#ffffff", linewidth=0)  # not by colour alone
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(_("Reminders and guided exercises per day"), loc="left")
    ax.legend(frameon=False, loc="lower right",  # not translated: matplotlib's position name
              bbox_to_anchor=(1.0, 1.0), ncols=2)
    _day_ticks(ax, trend)
    _plain(ax)

    lines = calibration_lines(baseline, calibrations)
    if trend.waiting_records:
        lines.append(ngettext("{n} record was read from the waiting spool (the history file was busy); it is included.",
                              "{n} records were read from the waiting spool (the history file was busy); they are "
                              "included.", trend.waiting_records).format(n=trend.waiting_records))
    y = 9.95
    for line in lines:
        for part in textwrap.wrap(line, WRAP):
            text(y, part, fontsize=8.5)
            y += 0.19
    for part in textwrap.wrap(_(NOT_A_DIAGNOSIS), WRAP):
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
        return _("Report saved to {path}: nothing is recorded in this period yet, so it says so.").format(path=out)
    return _("Report saved to {path} ({first} to {last}).").format(path=out, first=day_short(trend.first),
                                                                  last=day_short(trend.last))
