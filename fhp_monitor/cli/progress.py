"""The command bodies of issue 23: ``exercise``, ``summary --week/--month`` and ``report``.

cli.py adds the arguments (:func:`add_exercise_parser`, :func:`add_report_parser`, :func:`add_period_options`)
and calls these bodies; they raise :class:`~fhp_monitor.errors.UserError` for anything the user can fix.
"""

from __future__ import annotations

import json
import time
from datetime import date

from fhp_monitor.core.calibration import body_of, load_baseline
from fhp_monitor.core.exercise import EXERCISES, ExerciseError, count_repetitions, to_json_dict
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.i18n import N_, _, number
from fhp_monitor.core.ports import pose_for
from fhp_monitor.errors import UserError

EXERCISE_WORDS = {"chin-tuck": N_("chin tucks"), "shoulder-squeeze": N_("shoulder squeezes"),
                  "head-lift": N_("head lifts")}


def add_exercise_parser(sub) -> None:
    ex = sub.add_parser("exercise",
                        help=_("a guided 1-minute neck and shoulder exercise, or count one in a recording"))
    ex.add_argument("which", nargs="?", choices=EXERCISES, help=_("the exercise (default: all three in turn)"))
    ex.add_argument("--source", help=_("count repetitions in this recording (video, image folder or landmark .csv) "
                                       "instead of opening the window"))
    ex.add_argument("--json", action="store_true", help=_("with --source: the count as JSON"))
    ex.add_argument("--no-camera", action="store_true", help=_("a timed guide only; the camera stays off"))
    ex.add_argument("--window", action="store_true", help=_("with --source: open the window and count from the "
                                                            "recording as if it were the camera"))


def add_period_options(summary_parser) -> None:
    period = summary_parser.add_mutually_exclusive_group()
    period.add_argument("--week", action="store_true", help=_("the 7 days up to --date (default today), against "
                                                              "the 7 before"))
    period.add_argument("--month", action="store_true", help=_("the 30 days up to --date, against the 30 before"))


def add_report_parser(sub) -> None:
    rp = sub.add_parser("report", help=_("a one-page PDF of your posture weeks, to show a physiotherapist"))
    rp.add_argument("--weeks", type=int, default=4, help=_("how many weeks up to today (1 to 26, default 4)"))
    rp.add_argument("--out", required=True, metavar="FILE.pdf", help=_("where to write the page"))
    rp.add_argument("--paper", choices=("a4", "letter"), default="a4", help=_("paper size of the page (default a4)"))



# ----------------------------------------------------------------------------- exercise


def readings_of(source, estimator, body, min_visibility: float):
    """(t, PostureReading) for every frame of an opened ``source``."""
    while (frame := source.read()) is not None:
        yield frame.t, read_posture(pose_for(frame, estimator), min_visibility, body)


def cmd_exercise(args, home, settings) -> int:
    if args.source is None or args.window or args.no_camera:
        if args.json:
            raise UserError(_("--json goes with --source (counting a recording); the window has no JSON."))
        from fhp_monitor.gui.exercise_flow import exercise_with_window

        return exercise_with_window(home, settings, args.which, camera=not args.no_camera, source=args.source)
    from fhp_monitor.sensing.pose import estimator_for
    from fhp_monitor.sensing.sources import source_for

    which = args.which or "chin-tuck"
    baseline = load_baseline(home.calibration)
    source = source_for(args.source, settings)
    source.open()
    try:
        with estimator_for(settings, source) as estimator:
            timeline = readings_of(source, estimator, body_of(baseline), settings.detection.min_visibility)
            target, count = count_repetitions(which, baseline, timeline)
    except ExerciseError as exc:
        raise UserError(_("Cannot count {exercise}: {error}.").format(exercise=_(EXERCISE_WORDS[which]),
                                                                      error=exc)) from None
    finally:
        source.release()
    result = to_json_dict(target, count)
    if args.json:
        print(json.dumps(result))
        return 0
    if not count.camera_can_tell:
        total = count.seen_s + count.unseen_s
        print(_("The camera could not tell: you were in view {seen} s of {total} s.").format(
            seen=f"{count.seen_s:.0f}", total=f"{total:.0f}"))
    counted = _("{n} {exercise} counted").format(n=count.counted, exercise=_(EXERCISE_WORDS[which]))
    smaller = " " + _("({n} smaller movements not counted)").format(n=count.partial) if count.partial else ""
    print(counted + smaller + ".")
    for i, rep in enumerate(count.repetitions, 1):
        print("  " + _("{i}. at {start} s, held {held} s").format(i=i, start=number(rep.start, 1),
                                                                  held=number(rep.held_s, 1)))
    return 0


# ----------------------------------------------------------------------------- summary --week / --month


def cmd_period_summary(args, home, settings, last: date) -> int:
    """``summary --week`` / ``--month``: the 7 or 30 days ending with ``last`` (``--date``, default today)."""
    from fhp_monitor.core.trends import format_trend_text, trend_to_json
    from fhp_monitor.store.spool import open_spooled_history
    from fhp_monitor.store.trend_reads import period_trend

    if args.chart:
        raise UserError(_("--chart draws one day; leave out --week/--month for it (the report draws the weeks)."))
    days = 7 if args.week else 30
    with open_spooled_history(home, announce=True) as store:
        trend = period_trend(store, last, days, now=time.time())
    if args.json:
        print(json.dumps(trend_to_json(trend)))
    else:
        print(format_trend_text(trend))
    return 0


# ----------------------------------------------------------------------------- report


def cmd_report(args, home, settings) -> int:
    from fhp_monitor.store.report_pdf import write_report
    from fhp_monitor.store.spool import open_spooled_history
    from fhp_monitor.store.trend_reads import period_trend

    if not 1 <= args.weeks <= 26:
        raise UserError(_("--weeks must be a whole number from 1 to 26 (got {weeks}).").format(weeks=args.weeks))
    baseline = load_baseline(home.calibration)
    with open_spooled_history(home, announce=True) as store:
        trend = period_trend(store, date.today(), 7 * args.weeks, now=time.time())
        calibrations = store.calibrations(0.0, time.time() + 1)
    try:
        words = write_report(trend, baseline, calibrations, args.out, paper=args.paper)
    except OSError as exc:
        raise UserError(_("fhp-monitor cannot write the report to {path} ({error}). "
                          "Check that the folder exists and that the name is not a folder.").format(
                              path=args.out, error=exc.strerror or exc)) from None
    print(words)
    return 0
