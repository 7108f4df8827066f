"""The commands about the app's place on the desktop: ``autostart on|off`` and ``uninstall``.

``autostart`` keeps the setting ``app.autostart`` (which wins at each start) and the login entry in
step; the Windows installer's "Start when I sign in" runs it.

``uninstall`` undoes what the app added to the desktop, for pip and pipx installs: it stops the
monitor running in the home, removes the app-menu entry with its icons and the login entry, and says
where the posture history stays. ``--delete-data`` also deletes the home folder (settings,
calibration, history) and the log folder, after the user types "yes" (or with ``--yes``). The
program itself is removed by the tool that installed it (``pipx uninstall fhp-monitor``); the
Windows installer's copy by its own uninstaller (Settings → Apps), which this command points to.

Nothing here creates the home: a folder that does not exist is simply said to be gone.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import platformdirs

from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import APP_NAME, HOME_ENV, Home, data_dir
from fhp_monitor.settings.schema import Settings


def add_install_parsers(sub) -> None:
    au = sub.add_parser("autostart", help="start fhp-monitor when you log in (on) or not (off); "
                        "the same as the setting in the settings window")
    au.add_argument("state", choices=("on", "off"), help="on: start when you log in; off: do not")
    un = sub.add_parser("uninstall", help="remove the app-menu entry, its icons and the login entry (for pip and "
                        "pipx installs); your history stays unless you add --delete-data")
    un.add_argument("--delete-data", action="store_true", help="also delete the settings, calibration, history "
                    "and log (asks first)")
    un.add_argument("--yes", action="store_true", help="with --delete-data: do not ask")


def cmd_autostart(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.desktop.autostart import apply_autostart, autostart_path, command_for_home
    from fhp_monitor.settings.edit import save_changes

    wanted = args.state == "on"
    if settings.app.autostart != wanted:
        save_changes(home.config, {("app", "autostart"): wanted})
    if apply_autostart(wanted, command_for_home(home.root if home.chosen else None)) != wanted:
        raise UserError(f"fhp-monitor could not {'add' if wanted else 'remove'} its login entry "
                        f"{autostart_path()}; the log says why.")
    print("fhp-monitor will start when you log in." if wanted else "fhp-monitor will not start when you log in.")
    return 0


#: Files that make a folder recognisably fhp-monitor's: --delete-data refuses any other folder.
HOME_MARKERS = ("config.yaml", "calibration.json", "history.sqlite3", "state.json")


def locate_without_creating(cli_home: str | None, env: Mapping[str, str]) -> Home:
    """The same home and log folder as :meth:`Home.locate`, without creating either."""
    if cli_home is not None and not cli_home.strip():
        raise UserError('--home needs a folder name (got "").')
    chosen = bool(cli_home or env.get(HOME_ENV, "").strip())
    root = Path(cli_home or env.get(HOME_ENV, "").strip() or data_dir()).expanduser().absolute()
    log_dir = root / "logs" if chosen else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    return Home(root=root, log_dir=log_dir, chosen=chosen)


def stop_running(home: Home) -> str | None:
    """Ask a monitor running in ``home`` to quit; a line to show when one was stopped (or would not)."""
    if not home.root.is_dir():
        return None
    from fhp_monitor.control import client as control

    try:
        reply = control.request(home, {"cmd": "quit"})
    except control.NotRunning:
        return None
    except UserError as error:  # reached but not answering: the entries go anyway
        return f"Could not stop the running fhp-monitor ({error}); close it from its tray icon."
    if control.wait_until_gone(home, reply.get("pid")):
        return "Stopped the running fhp-monitor."
    return "Asked the running fhp-monitor to stop; it is still closing."


def remove_desktop_entries(home: Home) -> list[str]:
    """Remove the menu entry, its icons and the login entry; returns one line per thing removed."""
    from fhp_monitor.desktop import autostart, menu

    lines = []
    removed = menu.set_menu_entry(False)
    if removed:
        lines.append(f"Removed the app-menu entry {removed[0]} and {len(removed) - 1} icon files.")
    if autostart.is_autostart_enabled():
        where = autostart.set_autostart(False)
        lines.append(f"Removed the login entry {where}.")
    return lines


def check_deletable(home: Home) -> None:
    """Refuse to delete a folder that is not recognisably fhp-monitor's (e.g. ``--home ~``)."""
    root = home.root.resolve()
    user_home = Path.home().resolve()
    if root == Path(root.anchor) or root == user_home or root in user_home.parents:
        raise UserError(f"fhp-monitor will not delete {root}: that folder holds more than fhp-monitor's files.")
    if not any((root / name).exists() for name in HOME_MARKERS):
        raise UserError(f"fhp-monitor will not delete {root}: it does not look like fhp-monitor's folder "
                        f"(none of {', '.join(HOME_MARKERS)} is in it).")


def delete_data(home: Home) -> list[str]:
    check_deletable(home)
    lines = []
    for folder in (home.root, home.log_dir):
        if folder.is_dir() and not (folder != home.root and home.root in folder.parents):
            shutil.rmtree(folder)
            lines.append(f"Deleted {folder}.")
    return lines


def how_to_remove_the_program() -> str:
    if getattr(sys, "frozen", False):
        return ("To remove the program itself, use Settings → Apps → fhp-monitor → Uninstall "
                "(or the fhp-monitor uninstaller in its folder).")
    if (Path(sys.prefix) / "pipx_metadata.json").is_file():  # pipx keeps this file in each app's venv
        return "To remove the program itself: pipx uninstall fhp-monitor"
    return f"To remove the program itself: {Path(sys.executable).name} -m pip uninstall fhp-monitor"


def uninstall(args, env: Mapping[str, str] = os.environ, ask: Callable[[str], str] = input,
              say: Callable[[str], None] = print) -> int:
    home = locate_without_creating(args.home, env)
    if args.delete_data and home.root.exists():
        check_deletable(home)  # refuse before anything is changed
    stopped = stop_running(home)
    if stopped:
        say(stopped)
    lines = remove_desktop_entries(home)
    for line in lines or ["There was no app-menu or login entry to remove."]:
        say(line)
    if not args.delete_data:
        if home.root.is_dir():
            say(f"Your settings and posture history stay in {home.root} "
                "(delete them with: fhp-monitor uninstall --delete-data).")
    elif not home.root.is_dir():
        say(f"There is no fhp-monitor folder at {home.root} to delete.")
    else:
        if not args.yes:
            if not sys.stdin or not sys.stdin.isatty():
                raise UserError("--delete-data asks before deleting; add --yes to delete without asking.")
            answer = ask(f"Delete your fhp-monitor settings and posture history in {home.root}? "
                         "This cannot be undone. Type yes to delete: ")
            if answer.strip().lower() != "yes":
                say(f"Nothing was deleted; your history stays in {home.root}.")
                say(how_to_remove_the_program())
                return 1
        for line in delete_data(home):
            say(line)
    say(how_to_remove_the_program())
    return 0
