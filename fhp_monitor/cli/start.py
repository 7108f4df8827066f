"""What start-up knows before the full command line is built: the global options (``--home``,
``-v``) wherever they stand, the command word, and the home's settings, read once.

The full parser's help lines are translated as it is built, so the language (the settings'
``display.language``) must be known first; :func:`read_start` reads the settings file for that and
the commands use the same :class:`Settings` (:meth:`Start.settings_for`) instead of reading again.
Plain ``fhp-monitor`` and ``fhp-monitor --source DIR`` (options of ``run`` without the word) mean
``fhp-monitor run ...``: :attr:`Start.argv` has "run" put in.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fhp_monitor.cli.install import locate_without_creating
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.file import load_settings
from fhp_monitor.settings.schema import ConfigError, Settings

#: The commands that open the user's programs (the tray's editor and viewer): they need the spawner.
OPENS_PROGRAMS = ("run", "settings", "demo")
#: Options that answer by themselves: without a command word they are not ``run``.
ANSWERS_ALONE = ("-h", "--help", "--version")


class _Unreadable(Exception):
    """The global options cannot be read (``--home`` without a value...): the full parser says why."""


class _GlobalOptions(argparse.ArgumentParser):
    """``--home`` and ``-v`` only; every other word is left for the full parser, which also reports
    any mistake in the user's language (this parser never prints nor exits)."""

    def __init__(self) -> None:
        super().__init__(add_help=False, prog="fhp-monitor")
        self.add_argument("--home")
        self.add_argument("-v", "--verbose", action="store_true")

    def error(self, message: str):  # type: ignore[override]
        raise _Unreadable(message)


@dataclass(frozen=True)
class Start:
    """The command line as start-up sees it, and the home's settings as read once."""

    argv: list[str]  #: the arguments for the full parser ("run" put in where it is meant)
    command: str | None  #: the command word; None for ``--help``/``--version`` alone (or unreadable options)
    home: Home | None  #: the home ``--home``/FHP_MONITOR_HOME names (not created); None for ``--home ""``
    settings: Settings  #: its settings (the defaults while it has no file, or when they cannot be read)
    problem: ConfigError | None = None  #: why the settings cannot be read, said when a command needs them

    @property
    def runs_monitor(self) -> bool:
        """True for a command that opens the user's programs (run, settings, demo)."""
        return self.command in OPENS_PROGRAMS

    @property
    def language(self) -> str:
        """The language to speak before the settings are needed: theirs, else the system's."""
        return self.settings.display.language if self.home and not self.problem else "system"

    def settings_for(self, home: Home) -> Settings:
        """The settings of ``home`` (the real one, once created): those read at start-up when it is
        the same folder (it always is unless argparse read an abbreviation such as ``--ho``).
        Raises the ConfigError of a file that cannot be read."""
        if self.home is None or home.root != self.home.root:
            return load_settings(home.config)
        if self.problem:
            raise self.problem
        return self.settings


def read_start(argv: Sequence[str], environ: Mapping[str, str]) -> Start:
    """Read the global options wherever they stand, find the command word, read the settings once."""
    argv = list(argv)
    try:
        known, rest = _GlobalOptions().parse_known_args(argv)
    except _Unreadable:
        known, rest, argv = argparse.Namespace(home=None, verbose=False), [], argv
        command = None
    else:
        command, argv = command_word(argv, rest, known)
    return Start(argv, command, *read_settings(known.home, environ))


def command_word(argv: list[str], rest: list[str], known: argparse.Namespace) -> tuple[str | None, list[str]]:
    """The command word and the arguments with "run" put in: before the first word the global
    options leave (``rest``) when that is an option of ``run``, or at the end when nothing is left."""
    if rest and not rest[0].startswith("-"):
        return rest[0], argv
    if rest and rest[0] in ANSWERS_ALONE:
        return None, argv
    global_options = [*(["--home", known.home] if known.home is not None else []), *(["-v"] if known.verbose else [])]
    return "run", [*global_options, "run", *rest]


def read_settings(cli_home: str | None, environ: Mapping[str, str]) -> tuple[Home | None, Settings, ConfigError | None]:
    """The home (not created) and its settings; a file that cannot be read gives the defaults and
    the ConfigError (said in full when a command needs the settings)."""
    try:
        home = locate_without_creating(cli_home, environ)
    except UserError:  # --home "": Home.locate says so, in one line, when the home is needed
        return None, Settings(), None
    try:
        return home, load_settings(home.config), None
    except ConfigError as error:
        return home, Settings(), error
