"""``fhp-monitor setups [list | rename OLD NEW | delete NAME]``: the saved calibrations, one per setup
(core/setups.py, store/setups.py). The running fhp-monitor is told after a change, so its tray shows
the new name at once.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from fhp_monitor.core.i18n import _
from fhp_monitor.core.setups import SetupBook
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store import setups as files


def add_setups_parser(sub) -> None:
    parser = sub.add_parser("setups", help=_("the saved calibrations, one per place you work at: list, rename "
                                             "or delete them"))
    parser.add_argument("action", nargs="?", default="list", choices=("list", "rename", "delete"),
                        help=_("list (the default), rename OLD NEW, or delete NAME"))
    parser.add_argument("names", nargs="*", metavar="NAME", help=_("the setup's name (for rename: old and new)"))
    parser.add_argument("--json", action="store_true", help=_("print it as one line of JSON, for other programs"))


def cmd_setups(args: argparse.Namespace, home: Home, settings: Settings) -> int:
    wanted = {"list": 0, "rename": 2, "delete": 1}[args.action]
    if len(args.names) != wanted:
        # not translated: a command to type
        usage = {"list": "fhp-monitor setups", "rename": "fhp-monitor setups rename OLD NEW",
                 "delete": "fhp-monitor setups delete NAME"}[args.action]
        raise UserError(_("Please write it as: {usage}").format(usage=usage))
    if args.action == "list":
        show(files.read_book(home), args.json)
        return 0
    try:
        if args.action == "rename":
            book = files.rename(home, *args.names)
            print(_("Renamed \u201c{old}\u201d to \u201c{new}\u201d.").format(old=args.names[0], new=args.names[1]))
        else:
            book = files.delete(home, args.names[0])
            print(_("Deleted \u201c{name}\u201d.").format(name=args.names[0]))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    tell_running(home, book)
    return 0


def show(book: SetupBook, as_json: bool) -> None:
    rows = [{"name": s.name, "in_use": s.name == book.active, "view": s.baseline.view,
             "calibrated_at": datetime.fromtimestamp(s.baseline.calibrated_at).astimezone().isoformat(
                 timespec="seconds")} for s in book.setups]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        print(_("No setups saved yet (run: fhp-monitor calibrate)."))
        return
    wide = max(len(r["name"]) for r in rows)
    for row in rows:
        mark = _("in use now") if row["in_use"] else ""
        when = _("calibrated {when}").format(when=row["calibrated_at"][:16].replace("T", " "))
        print(f"{'*' if row['in_use'] else ' '} {row['name']:<{wide}}  {when}  {mark}".rstrip())


def tell_running(home: Home, book: SetupBook) -> None:
    """The running fhp-monitor (if any) reads the setups again (its tray shows the name in use)."""
    from fhp_monitor.control.client import ControlError, NotRunning, request

    try:
        request(home, {"cmd": "reload"})
    except NotRunning:
        return
    except ControlError as exc:
        print(_("The running fhp-monitor could not be told ({error}); it shows the change after a restart.").format(
            error=exc))
