"""Settings: the one table of settings with their defaults, and every value checked against it.

The one table of settings is the set of frozen section dataclasses below: each field carries its
default and a :class:`~fhp_monitor.settings.rules.Rule` (type and range). ``DEFAULTS`` is derived
from that table and a test keeps it equal to the commented ``config.yaml`` that ships with the
package. Reading the file (YAML, size limits, watching for edits) is in
:mod:`fhp_monitor.settings.file`; the rules themselves are in :mod:`fhp_monitor.settings.rules`.

Checking never half-applies: every problem is collected and reported together in one
:class:`ConfigError`, and the caller keeps the settings it had.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fhp_monitor.core.i18n import _
from fhp_monitor.settings.rules import (
    Choice,
    ClockTime,
    Flag,
    InvalidValue,
    Names,
    Number,
    Rule,
    Text,
    Whole,
    number_text,
    setting,
    shown_value,
)

CONFIG_NAME = "config.yaml"


class ConfigError(ValueError):
    """The settings file has one or more problems; ``problems`` lists each in plain words.

    ``str(error)`` has one line per problem, each starting with the file name, e.g.
    ``config.yaml: nudges.cooldown_min must be a number from 1 to 240 (got "soon")``.
    """

    def __init__(self, problems: Sequence[str], source: str = CONFIG_NAME) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        self.source = source
        super().__init__("\n".join(f"{source}: {problem}" for problem in self.problems))


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class CameraSettings:
    index: int = setting(0, Whole(0, 16))
    width: int = setting(640, Whole(64, 4096))
    height: int = setting(360, Whole(64, 4096))
    release_between_samples_s: float = setting(3.0, Number(0, 3600))


@dataclass(frozen=True)
class SamplingSettings:
    interval_s: float = setting(15.0, Number(1, 600))
    fast_interval_s: float = setting(2.0, Number(1, "interval_s"))
    max_interval_s: float = setting(60.0, Number(1, 3600))
    away_interval_s: float = setting(60.0, Number(1, 3600))
    image_interval_s: float = setting(1.0, Number(0.01, 3600))


@dataclass(frozen=True)
class DetectionSettings:
    model: str = setting("", Text())
    min_visibility: float = setting(0.5, Number(0, 1))
    sensitivity_deg: float = setting(2.0, Number(0.5, 30))
    num_poses: int = setting(1, Whole(1, 4))


@dataclass(frozen=True)
class CalibrationSettings:
    duration_s: float = setting(10.0, Number(3, 120))
    frames: int = setting(20, Whole(1, 1000))
    min_frames: int = setting(5, Whole(1, "frames"))


@dataclass(frozen=True)
class NudgeSettings:
    onset_delay_s: float = setting(60.0, Number(5, 3600))
    forward_fraction: float = setting(0.7, Number(0.5, 1))
    cooldown_min: float = setting(15.0, Number(1, 240))
    max_per_hour: int = setting(3, Whole(1, 12))
    quiet_hours: str = setting("", ClockTime(span=True))
    include_exercises: bool = setting(True, Flag())
    speak: bool = setting(False, Flag())


@dataclass(frozen=True)
class SummarySettings:
    daily_time: str = setting("17:30", ClockTime())
    neck_checkin: bool = setting(False, Flag())


@dataclass(frozen=True)
class HistorySettings:
    keep_minutes_days: int = setting(365, Whole(1, 3650))


@dataclass(frozen=True)
class AppSettings:
    tray: bool = setting(True, Flag())
    pause_for_apps: tuple[str, ...] = setting(("zoom", "teams", "skype"), Names())
    autostart: bool = setting(False, Flag())
    menu_entry: bool = setting(True, Flag())
    pause_on_battery_below: int = setting(0, Whole(0, 100))


#: The values of display.language (fhp_monitor/i18n.CHOICES says the same; a test keeps them equal)
#: and of display.text_size (gui/sizing.py TEXT_SIZES has the factor of each).
LANGUAGE_CHOICES = ("system", "en", "de", "es", "fr", "it", "pt")
TEXT_SIZE_CHOICES = ("normal", "large", "extra_large")
#: display.theme: Settings → Colours (gui/theme.py THEMES has the colours of each).
THEME_CHOICES = ("standard", "high_contrast")


@dataclass(frozen=True)
class DisplaySettings:
    language: str = setting("system", Choice(LANGUAGE_CHOICES))
    text_size: str = setting("normal", Choice(TEXT_SIZE_CHOICES))
    theme: str = setting("standard", Choice(THEME_CHOICES))


@dataclass(frozen=True)
class Settings:
    """All settings, read-only: ``settings.nudges.onset_delay_s``."""

    camera: CameraSettings = field(default_factory=CameraSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    nudges: NudgeSettings = field(default_factory=NudgeSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    app: AppSettings = field(default_factory=AppSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """A plain nested dict (lists, not tuples) that dumps to YAML and loads back equal."""
        result: dict[str, dict[str, Any]] = {}
        for section in dataclasses.fields(self):
            values = dataclasses.asdict(getattr(self, section.name))
            result[section.name] = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
        return result


_SECTION_TYPES: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Settings)}  # type: ignore[misc]

#: section -> key -> Rule, for every setting.
SCHEMA: dict[str, dict[str, Rule]] = {
    name: {f.name: f.metadata["rule"] for f in dataclasses.fields(cls)} for name, cls in _SECTION_TYPES.items()
}

#: The default value of every setting (equal to the shipped config.yaml). Do not mutate.
DEFAULTS: dict[str, dict[str, Any]] = Settings().as_dict()


# --------------------------------------------------------------------------- checking


def _suggest(section: str | None, key: Any) -> str:
    """'unknown setting' wording with the closest known key, if any is close."""
    name = str(key)
    full = f"{section}.{name}" if section else name
    all_keys = [f"{s}.{k}" for s, keys in SCHEMA.items() for k in keys]
    if section:
        candidates = {k: f"{section}.{k}" for k in SCHEMA[section]}
    else:
        candidates = {s: s for s in SCHEMA}
    candidates.update({k.split(".")[1]: k for k in all_keys if k.split(".")[1] not in candidates})
    close = difflib.get_close_matches(name.lower(), list(candidates), n=1, cutoff=0.6)
    if close:
        return _('unknown setting "{name}" (did you mean "{close}"?)').format(name=full, close=candidates[close[0]])
    return _('unknown setting "{name}" (check the spelling, or delete that line)').format(name=full)


def _check_section(section: str, raw: Mapping[Any, Any]) -> tuple[dict[str, Any], list[str]]:
    """Merge one section over its defaults; returns the clean values and the problems found."""
    rules = SCHEMA[section]
    defaults = DEFAULTS[section]
    problems = [_suggest(section, key) for key in raw if key not in rules]
    values: dict[str, Any] = {}
    # Settings whose upper bound is another setting are checked after that setting.
    ordered = sorted(rules, key=lambda k: isinstance(getattr(rules[k], "high", None), str))
    for key in ordered:
        rule = rules[key]
        high, label = None, ""
        sibling = getattr(rule, "high", None)
        if isinstance(sibling, str):
            high = values.get(sibling, rules[sibling].high)  # type: ignore[attr-defined]
            label = f"{section}.{sibling} ({number_text(high)})"
        if key not in raw:
            default = defaults[key]
            if isinstance(default, list):
                default = tuple(default)
            elif high is not None:  # a default never breaks a user's value: it shrinks to fit
                default = min(default, high)
            values[key] = default
            continue
        try:
            values[key] = rule.check(raw[key], high)
        except InvalidValue:
            problems.append(_("{name} must be {rule} (got {value})").format(
                name=f"{section}.{key}", rule=rule.describe(high, label), value=shown_value(raw[key])))
    return values, problems


def check_setting(section: str, key: str, value: Any, settings: Settings | None = None) -> Any:
    """One setting checked by its rule in the table, as the loader checks it (for the settings
    window). Returns the clean value; raises ConfigError with the loader's wording.

    A bound that names a sibling setting (e.g. ``sampling.fast_interval_s``) is taken from
    ``settings`` (default: the defaults).
    """
    rule = SCHEMA[section][key]
    high, label = None, ""
    sibling = getattr(rule, "high", None)
    if isinstance(sibling, str):
        high = getattr(getattr(settings or Settings(), section), sibling)
        label = f"{section}.{sibling} ({number_text(high)})"
    try:
        return rule.check(value, high)
    except InvalidValue:
        raise ConfigError([_("{name} must be {rule} (got {value})").format(
            name=f"{section}.{key}", rule=rule.describe(high, label), value=shown_value(value))]) from None


def describe_setting(section: str, key: str, settings: Settings | None = None) -> str:
    """What a valid value of one setting looks like, in the loader's words ("a number from 5 to 3600")."""
    rule = SCHEMA[section][key]
    sibling = getattr(rule, "high", None)
    if isinstance(sibling, str):
        return rule.describe(getattr(getattr(settings or Settings(), section), sibling))
    return rule.describe()


def settings_from_dict(data: Any, source: str = CONFIG_NAME) -> Settings:
    """Merge parsed YAML over the defaults. Raises ConfigError listing every problem."""
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(
            [_("the file must hold groups of settings such as \"camera:\" and \"nudges:\" (got {value})").format(
                value=shown_value(data))],
            source)
    problems: list[str] = []
    sections: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in SCHEMA:
            problems.append(_suggest(None, name))
            continue
        if raw is None:  # every line of the group is commented out
            raw = {}
        if not isinstance(raw, dict):
            problems.append(_("{name} must be a group of settings, each on its own indented line (got {value})")
                            .format(name=name, value=shown_value(raw)))
            continue
        values, section_problems = _check_section(name, raw)
        problems.extend(section_problems)
        sections[name] = _SECTION_TYPES[name](**values)
    if problems:
        raise ConfigError(problems, source)
    return Settings(**sections)
