"""The commands that read the history: ``summary`` (one day; ``--week``/``--month`` in progress.py)
and ``export``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from fhp_monitor.cli import progress
from fhp_monitor.core.i18n import _, ngettext
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store.spool import open_spooled_history


def parse_day(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(_("--date must look like 2026-11-20 (got {text!r}).").format(text=text)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UserError(_("--date must be a day from {first} to {last} (got {text}).").format(
            first=FIRST_DAY, last=LAST_DAY, text=text))
    return day

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)  # the local clock and the week before both fit

def cannot_write(path: str, what: str, exc: OSError) -> UserError:
    """One plain line for an export that cannot be written (missing folder, a folder in the way...)."""
    return UserError(_("fhp-monitor cannot write {what} to {path} ({error}). "
                       "Check that the folder exists and that the name is not a folder.").format(
                           what=what, path=path, error=exc.strerror or exc))

def cmd_summary(args, home: Home, settings: Settings) -> int:
    if args.week or args.month:
        return progress.cmd_period_summary(args, home, settings, parse_day(args.date))
    from fhp_monitor.core.summary import format_summary_text, to_json_dict
    from fhp_monitor.store.reports import daily_summary

    day = parse_day(args.date)
    with open_spooled_history(home, announce=True) as store:
        summary = daily_summary(store, day, now=time.time())
    if args.chart:
        from fhp_monitor.store.chart import render_summary_chart

        try:
            render_summary_chart(summary, Path(args.chart))
        except OSError as exc:
            raise cannot_write(args.chart, _("the chart"), exc) from None
    if args.json:
        print(json.dumps(to_json_dict(summary)))
    else:
        print(format_summary_text(summary))
        if args.chart:
            print(_("Chart saved to {path}").format(path=args.chart))
    return 0

def cmd_export(args, home: Home, settings: Settings) -> int:
    with open_spooled_history(home, announce=True) as store:
        if args.csv == "-":
            rows = store.export_csv(sys.stdout)
        else:
            try:  # an export the user named: a link there is followed, the umask applies (README)
                with open(args.csv, "w", newline="") as out:
                    rows = store.export_csv(out)
            except OSError as exc:
                raise cannot_write(args.csv, _("the history"), exc) from None
            print(ngettext("Wrote {n} minute to {path}", "Wrote {n} minutes to {path}", rows).format(
                n=rows, path=args.csv), file=sys.stderr)
    return 0
