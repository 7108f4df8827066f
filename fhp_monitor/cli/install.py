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

from fhp_monitor.core.i18n import _, ngettext
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import APP_NAME, HOME_ENV, Home, data_dir
from fhp_monitor.settings.schema import Settings


def add_install_parsers(sub) -> None:
    au = sub.add_parser("autostart", help=_("start fhp-monitor when you log in (on) or not (off); "
                                            "the same as the setting in the settings window"))
    au.add_argument("state", choices=("on", "off"), help=_("on: start when you log in; off: do not"))
    un = sub.add_parser("uninstall", help=_("remove the app-menu entry, its icons and the login entry (for pip and "
                                            "pipx installs); your history stays unless you add --delete-data"))
    un.add_argument("--delete-data", action="store_true", help=_("also delete the settings, calibration, history "
                                                                 "and log (asks first)"))
    un.add_argument("--yes", action="store_true", help=_("with --delete-data: do not ask"))


def cmd_autostart(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.desktop.autostart import apply_autostart, autostart_path, command_for_home
    from fhp_monitor.settings.edit import save_changes

    wanted = args.state == "on"
    if settings.app.autostart != wanted:
        save_changes(home.config, {("app", "autostart"): wanted})
    if apply_autostart(wanted, command_for_home(home.root if home.chosen else None)) != wanted:
        failed = (_("fhp-monitor could not add its login entry {path}; the log says why.") if wanted
                  else _("fhp-monitor could not remove its login entry {path}; the log says why."))
        raise UserError(failed.format(path=autostart_path()))
    print(_("fhp-monitor will start when you log in.") if wanted else _("fhp-monitor will not start when you log in."))
    return 0


#: Files that make a folder recognisably fhp-monitor's: --delete-data refuses any other folder.
HOME_MARKERS = ("config.yaml", "calibration.json", "history.sqlite3", "state.json")


def locate_without_creating(cli_home: str | None, env: Mapping[str, str]) -> Home:
    """The same home and log folder as :meth:`Home.locate`, without creating either."""
    if cli_home is not None and not cli_home.strip():
        raise UserError(_('--home needs a folder name (got "").'))
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
        return _("Could not stop the running fhp-monitor ({error}); close it from its tray icon.").format(error=error)
    if control.wait_until_gone(home, reply.get("pid")):
        return _("Stopped the running fhp-monitor.")
    return _("Asked the running fhp-monitor to stop; it is still closing.")


def remove_desktop_entries(home: Home) -> list[str]:
    """Remove the menu entry, its icons and the login entry; returns one line per thing removed."""
    from fhp_monitor.desktop import autostart, menu

    lines = []
    removed = menu.set_menu_entry(False)
    if removed:
        lines.append(ngettext("Removed the app-menu entry {path} and {count} icon file.",
                              "Removed the app-menu entry {path} and {count} icon files.",
                              len(removed) - 1).format(path=removed[0], count=len(removed) - 1))
    if autostart.is_autostart_enabled():
        where = autostart.set_autostart(False)
        lines.append(_("Removed the login entry {path}.").format(path=where))
    return lines


def check_deletable(home: Home) -> None:
    """Refuse to delete a folder that is not recognisably fhp-monitor's (e.g. ``--home ~``)."""
    root = home.root.resolve()
    user_home = Path.home().resolve()
    if root == Path(root.anchor) or root == user_home or root in user_home.parents:
        raise UserError(_("fhp-monitor will not delete {folder}: that folder holds more than fhp-monitor's files.")
                        .format(folder=root))
    if not any((root / name).exists() for name in HOME_MARKERS):
        raise UserError(_("fhp-monitor will not delete {folder}: it does not look like fhp-monitor's folder "
                          "(none of {files} is in it).").format(folder=root, files=", ".join(HOME_MARKERS)))


def delete_data(home: Home) -> list[str]:
    check_deletable(home)
    lines = []
    for folder in (home.root, home.log_dir):
        if folder.is_dir() and not (folder != home.root and home.root in folder.parents):
            shutil.rmtree(folder)
            lines.append(_("Deleted {folder}.").format(folder=folder))
    return lines


def how_to_remove_the_program() -> str:
    if getattr(sys, "frozen", False):
        return _("To remove the program itself, use Settings → Apps → fhp-monitor → Uninstall "
                 "(or the fhp-monitor uninstaller in its folder).")
    if (Path(sys.prefix) / "pipx_metadata.json").is_file():  # pipx keeps this file in each app's venv
        command = "pipx uninstall fhp-monitor"  # not translated: a command to type
    else:
        command = f"{Path(sys.executable).name} -m pip uninstall fhp-monitor"  # not translated: a command to type
    return _("To remove the program itself: {command}").format(command=command)


def uninstall(args, env: Mapping[str, str] = os.environ, ask: Callable[[str], str] = input,
              say: Callable[[str], None] = print) -> int:
    home = locate_without_creating(args.home, env)
    if args.delete_data and home.root.exists():
        check_deletable(home)  # refuse before anything is changed
    stopped = stop_running(home)
    if stopped:
        say(stopped)
    lines = remove_desktop_entries(home)
    for line in lines or [_("There was no app-menu or login entry to remove.")]:
        say(line)
    if not args.delete_data:
        if home.root.is_dir():
            say(_("Your settings and posture history stay in {folder} "
                  "(delete them with: fhp-monitor uninstall --delete-data).").format(folder=home.root))
    elif not home.root.is_dir():
        say(_("There is no fhp-monitor folder at {folder} to delete.").format(folder=home.root))
    else:
        if not args.yes:
            if not sys.stdin or not sys.stdin.isatty():
                raise UserError(_("--delete-data asks before deleting; add --yes to delete without asking."))
            # TRANSLATORS: {yes} is the word to type, as translated for "yes" (English "yes" is accepted too).
            answer = ask(_("Delete your fhp-monitor settings and posture history in {folder}? "
                           "This cannot be undone. Type {yes} to delete: ").format(folder=home.root, yes=_("yes")))
            if answer.strip().lower() not in {"yes", _("yes").lower()}:
                say(_("Nothing was deleted; your history stays in {folder}.").format(folder=home.root))
                say(how_to_remove_the_program())
                return 1
        for line in delete_data(home):
            say(line)
    say(how_to_remove_the_program())
    return 0
