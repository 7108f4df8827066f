"""argparse in the user's language, for our parser only.

argparse looks its own words up through its module's ``gettext`` (the standard domain, which has no
catalog of ours), and it has no hook for another translator. Rather than repoint that module for the
whole process, :class:`Parser` says the words itself: the usage prefix through its formatter, the
group titles and ``-h``'s help when it is made, and its errors in :meth:`Parser.error`, which turns
argparse's English sentence back into its template (:data:`ERROR_SENTENCES`), translates the template
from our catalogs and puts the same values in. A sentence it does not know stays as it came (our own
type checks already speak the user's language). Any other ``argparse.ArgumentParser`` in the process
is left as it was.
"""

from __future__ import annotations

import argparse
import re
import sys
from functools import cache

from fhp_monitor.core.i18n import N_, _

USAGE = N_("usage: ")

#: argparse's error sentences a user can meet (Python 3.11 to 3.13 wording), nested ones after
#: "argument %(argument_name)s: %(message)s"; extraction puts them in our catalogs.
ERROR_SENTENCES = (
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at most one argument"), N_("expected at least one argument"),
    N_("not allowed with argument %s"), N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("one of the arguments %s is required"), N_("ignored explicit argument %r"),
)

_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[rsd]")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """The English sentence ``template`` as a regular expression with one group per placeholder
    (named after it; a bare ``%s`` is group ``value_``)."""
    parts, end = [], 0
    for found in _PLACEHOLDER.finditer(template):
        parts += [re.escape(template[end:found.start()]), f"(?P<{found.group(1) or 'value_'}>.+?)"]
        end = found.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)


def translate_error(message: str) -> str:
    """argparse's English error ``message`` in the active language (unchanged when not one of ours)."""
    for template in ERROR_SENTENCES:
        found = _pattern(template).fullmatch(message)
        if found:
            return _fill(_(template), found.groupdict())
    return message


def _fill(template: str, values: dict[str, str]) -> str:
    """``template``'s placeholders replaced by the text argparse put in (a nested message translated too)."""
    if "message" in values:
        values["message"] = translate_error(values["message"])
    return _PLACEHOLDER.sub(lambda placeholder: values.get(placeholder.group(1) or "value_", ""), template)


class Formatter(argparse.HelpFormatter):
    """argparse's help layout with the usage prefix in the active language."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, _(USAGE) if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose own words (usage, titles, ``-h``, errors) are in the active
    language at the time it is made (help) or fails (errors); its sub-commands are Parsers too."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=_("show this help message and exit"))

    def error(self, message: str):  # type: ignore[override]
        """Print the usage and the error in the active language; exit with status 2."""
        self.print_usage(sys.stderr)
        self.exit(2, _("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": translate_error(message)})
