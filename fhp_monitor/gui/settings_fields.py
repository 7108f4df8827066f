"""The settings window's fields: which settings it shows, in what words, and how a field's text
becomes a value and a wrong value becomes a sentence (the window itself is gui/settings.py).

No tkinter here. Words are marked with N_ and translated where the window shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhp_monitor.core.i18n import N_, _
from fhp_monitor.i18n import LANGUAGES
from fhp_monitor.settings.schema import Settings, describe_setting

#: The settings window's pages, in tab order (gui/pages.py): a field names its page by number.
PAGES: tuple[str, ...] = (N_("Reminders"), N_("Your day"), N_("This computer"))
REMINDERS, YOUR_DAY, THIS_COMPUTER = range(len(PAGES))


@dataclass(frozen=True)
class Field:
    """One setting on the form: where it lives, what it is called, a short hint and its page."""

    section: str
    key: str
    label: str
    hint: str
    kind: str = "number"  # number | text | names | flag | choice
    page: int = REMINDERS


#: In the order of the keyboard (Tab); on each page the text fields and choices two by two, then its
#: tick boxes one under the other.
FIELDS: tuple[Field, ...] = (
    Field("detection", "sensitivity_deg", N_("How far forward counts"), N_("Smaller is stricter. Usual: 2")),
    Field("nudges", "onset_delay_s", N_("Seconds forward before a reminder"), N_("Usual: 60")),
    Field("nudges", "cooldown_min", N_("Minutes between reminders, at least"), N_("Usual: 15")),
    Field("nudges", "quiet_hours", N_("No reminders between"), N_("Like 22:00-07:00. Empty: none"), "text"),
    Field("nudges", "include_exercises", N_("Suggest a short exercise now and then"), "", "flag"),
    Field("nudges", "speak", N_("Say reminders aloud"), "", "flag"),
    Field("summary", "daily_time", N_("Day summary at"), N_("Like 17:30. Empty: no summary"), "text", YOUR_DAY),
    Field("app", "pause_for_apps", N_("Pause while these apps run"), N_("Names, with commas between"), "names",
          YOUR_DAY),
    Field("app", "pause_on_battery_below", N_("Pause on battery below (%)"), N_("0: never pause for the battery"),
          page=YOUR_DAY),
    Field("summary", "neck_checkin", N_("Ask how my neck is, once a day"), "", "flag", YOUR_DAY),
    Field("display", "language", N_("Language"), "", "choice", THIS_COMPUTER),
    Field("display", "text_size", N_("Text size"), "", "choice", THIS_COMPUTER),
    Field("display", "theme", N_("Colours"), "", "choice", THIS_COMPUTER),
    Field("camera", "index", N_("Camera number"), N_("0 is the first camera"), page=THIS_COMPUTER),
    Field("app", "autostart", N_("Start fhp-monitor when I log in"), "", "flag", THIS_COMPUTER),
    Field("app", "menu_entry", N_("Show in the app menu"), "", "flag", THIS_COMPUTER),
)

#: The words shown for each choice of a "choice" field (the value saved is the key).
CHOICES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("display", "language"): (("system", N_("System")),) + tuple(LANGUAGES.items()),  # names in their own language
    ("display", "text_size"): (("normal", N_("Normal")), ("large", N_("Large")), ("extra_large", N_("Extra large"))),
    ("display", "theme"): (("standard", N_("Standard")), ("high_contrast", N_("High contrast"))),
}

def form_value(text: str, kind: str) -> Any:
    """The value a field's text stands for, before the setting's own check.

    Numbers accept a decimal comma ("1,5"); text is used as typed (trimmed); names are split at
    commas with empty names dropped. Text that is not a number stays text, so the check names it.
    """
    text = text.strip()
    if kind == "number":
        candidate = text.replace(",", ".")
        try:
            number = float(candidate)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in candidate and "e" not in candidate.lower() else number
    if kind == "names":
        return [name.strip() for name in text.split(",") if name.strip()]
    return text


def field_text(value: Any, kind: str) -> str:
    """How a current value is shown in its field."""
    if kind == "names":
        return ", ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: The loader's words for a clock setting, and the form's (an empty field, not "").
FORM_WORDS = {
    N_('a time like "17:30" (24-hour clock), or "" for off'):
        N_("a time like 17:30 (24-hour clock), or leave it empty"),
    N_('two times like "22:00-07:00", or "" for none'): N_("two times like 22:00-07:00, or leave it empty"),
}


def plain_rule(section: str, key: str, settings: Settings) -> str:
    """'Please enter a number from 5 to 3600.' in the form's words (the loader's rule, no YAML quotes)."""
    words = describe_setting(section, key, settings)
    for loader, form in FORM_WORDS.items():
        if words == _(loader):
            words = _(form)
    words = words.replace('"', "")
    return _("Please enter {words}.").format(words=words)
