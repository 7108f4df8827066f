"""Settings: defaults in code, the user's config.yaml merged over them, every value checked.

The one table of settings is the set of frozen section dataclasses below: each field carries its
default and a :class:`Rule` (type and range). ``DEFAULTS`` is derived from that table and a test
keeps it equal to the commented ``config.yaml`` that ships with the package.

Loading never half-applies: every problem in the file is collected and reported together in one
:class:`ConfigError`, and the caller keeps the settings it had.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

import yaml

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


class _Invalid(Exception):
    """Raised inside a rule when a value does not fit; the caller words the message."""


def _shown(value: Any) -> str:
    """A short, YAML-like rendering of a user's value for error messages."""
    if value is None or isinstance(value, bool):
        text = {None: "nothing", True: "true", False: "false"}[value]
    elif isinstance(value, int) and value.bit_length() > 256:
        text = "a number with hundreds of digits"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):  # dates, odd keys, self-referencing YAML anchors
            text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(x: float) -> str:
    return f"{x:g}"  # 1 not 1.0, 0.5 not .5


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """How one setting is checked: ``check`` returns the clean value or raises _Invalid."""

    wording: ClassVar[str] = ""

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        """What a valid value looks like, in words for the user."""
        return self.wording

    def check(self, value: Any, high: float | None = None) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Rule):
    """A number from ``low`` to ``high`` (int accepted, bool not). ``high`` may name a sibling."""

    low: float
    high: float | str
    whole: ClassVar[bool] = False

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        kind = "a whole number" if self.whole else "a number"
        top = high_label or _num(self.high if high is None else high)  # type: ignore[arg-type]
        return f"{kind} from {_num(self.low)} to {top}"

    def check(self, value: Any, high: float | None = None) -> Any:
        top = self.high if high is None else high
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid
        if isinstance(value, float) and not (math.isfinite(value) and (value.is_integer() or not self.whole)):
            raise _Invalid
        if not self.low <= value <= top:  # exact for huge ints, before any float() overflow
            raise _Invalid
        return int(value) if self.whole else float(value)


@dataclass(frozen=True)
class Whole(Number):
    """A whole number from ``low`` to ``high`` (5.0 is accepted as 5)."""

    whole: ClassVar[bool] = True


@dataclass(frozen=True)
class Flag(Rule):
    """true or false."""

    wording: ClassVar[str] = "true or false"

    def check(self, value: Any, high: float | None = None) -> bool:
        if not isinstance(value, bool):
            raise _Invalid
        return value


@dataclass(frozen=True)
class Text(Rule):
    """Any text up to 4096 characters; an empty value counts as ""."""

    wording: ClassVar[str] = 'text in quotes, like "my-model.task"'

    def check(self, value: Any, high: float | None = None) -> str:
        value = "" if value is None else value
        if not isinstance(value, str) or len(value) > 4096 or "\x00" in value:
            raise _Invalid
        return value


_CLOCK = r"(?:[01]?\d|2[0-3]):[0-5]\d"


@dataclass(frozen=True)
class ClockTime(Rule):
    """"" (off) or a 24-hour time "HH:MM"; with ``span``, two different times "HH:MM-HH:MM"
    (a span may pass midnight)."""

    span: bool = False

    def describe(self, high: float | None = None, high_label: str = "") -> str:
        if self.span:
            return 'two times like "22:00-07:00", or "" for none'
        return 'a time like "17:30" (24-hour clock), or "" for off'

    def check(self, value: Any, high: float | None = None) -> str:
        value = "" if value is None else value
        if not isinstance(value, str):
            raise _Invalid
        match = re.fullmatch(rf"\s*({_CLOCK})\s*-\s*({_CLOCK})\s*" if self.span else _CLOCK, value)
        if value and (not match or (self.span and match.group(1).zfill(5) == match.group(2).zfill(5))):
            raise _Invalid
        return value


@dataclass(frozen=True)
class Names(Rule):
    """A list of up to 100 non-empty names; a single name counts as a list of one."""

    wording: ClassVar[str] = 'a list of names, like ["zoom", "teams"]'

    def check(self, value: Any, high: float | None = None) -> tuple[str, ...]:
        items = [] if value is None else [value] if isinstance(value, str) else value
        if not isinstance(items, list) or len(items) > 100:
            raise _Invalid
        if not all(isinstance(item, str) and item.strip() and len(item) <= 200 for item in items):
            raise _Invalid
        return tuple(items)


def setting(default: Any, rule: Rule) -> Any:
    """A section field: its default and the rule its values must follow."""
    return field(default=default, metadata={"rule": rule})


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


@dataclass(frozen=True)
class SummarySettings:
    daily_time: str = setting("17:30", ClockTime())


@dataclass(frozen=True)
class HistorySettings:
    keep_minutes_days: int = setting(365, Whole(1, 3650))


@dataclass(frozen=True)
class AppSettings:
    tray: bool = setting(True, Flag())
    pause_for_apps: tuple[str, ...] = setting(("zoom", "teams", "skype"), Names())
    autostart: bool = setting(False, Flag())
    pause_on_battery_below: int = setting(0, Whole(0, 100))


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
        return f'unknown setting "{full}" (did you mean "{candidates[close[0]]}"?)'
    return f'unknown setting "{full}" (check the spelling, or delete that line)'


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
            label = f"{section}.{sibling} ({_num(high)})"
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
        except _Invalid:
            problems.append(f"{section}.{key} must be {rule.describe(high, label)} (got {_shown(raw[key])})")
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
        label = f"{section}.{sibling} ({_num(high)})"
    try:
        return rule.check(value, high)
    except _Invalid:
        raise ConfigError([f"{section}.{key} must be {rule.describe(high, label)} (got {_shown(value)})"]) from None


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
            [f"the file must hold groups of settings such as \"camera:\" and \"nudges:\" (got {_shown(data)})"],
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
            problems.append(f"{name} must be a group of settings, each on its own indented line (got {_shown(raw)})")
            continue
        values, section_problems = _check_section(name, raw)
        problems.extend(section_problems)
        sections[name] = _SECTION_TYPES[name](**values)
    if problems:
        raise ConfigError(problems, source)
    return Settings(**sections)


class _Loader(yaml.SafeLoader):
    """Safe YAML without base-60 numbers (so 17:30 stays text), with duplicate keys refused, and
    without anchors and aliases (``&a`` / ``*a``): a settings file never needs them, and refusing
    them while composing means an "alias bomb" costs nothing."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not used in settings; write each value out",
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys are refused by the base constructor with their position
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f'"{key}" appears twice; keep one of them', key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


def _resolve_without_base60(self: _Loader, kind: Any, value: str, implicit: Any) -> str:
    tag = yaml.SafeLoader.resolve(self, kind, value, implicit)
    if kind is yaml.ScalarNode and implicit[0] and tag.endswith((":int", ":float")) and _BASE60.match(value):
        return "tag:yaml.org,2002:str"
    return tag


_Loader.resolve = _resolve_without_base60  # type: ignore[method-assign]


def parse_yaml(text: str, source: str = CONFIG_NAME) -> Any:
    """Parse settings YAML; broken YAML becomes a ConfigError naming the line and column."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = error.problem or error.context or "unreadable"
        raise ConfigError(
            [f"{where}this is not valid YAML ({what}). Check the spaces at the start of the line, "
             'and put text that holds ":" or "#" in quotes.'], source) from error
    except (yaml.YAMLError, RecursionError, ValueError) as error:  # ValueError: e.g. a 5000-digit number
        raise ConfigError([f"this is not valid YAML ({' '.join(str(error).split())[:200]})"], source) from error


def parse_settings(text: str, source: str = CONFIG_NAME) -> Settings:
    """Settings from YAML text (empty text means all defaults). Raises ConfigError."""
    return settings_from_dict(parse_yaml(text, source), source)


def load_settings(path: Path | None) -> Settings:
    """Defaults with the file at ``path`` merged over them; a missing file (or None) means defaults.

    Raises ConfigError (a ValueError) listing every problem; nothing is half-applied.
    """
    if path is None:
        return Settings()
    path = Path(path)
    try:
        raw = read_config_bytes(path)
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        raise ConfigError([f"the file cannot be read ({error.strerror or error})"], path.name) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError([f"the file is not plain UTF-8 text ({error.reason} at byte {error.start})"],
                          path.name) from error
    return parse_settings(text, path.name)


#: A settings file is a few KB; anything bigger is refused at once, by its size.
MAX_CONFIG_BYTES = 64 * 1024


def read_config_bytes(path: Path) -> bytes:
    """At most MAX_CONFIG_BYTES of a regular file. A FIFO, a device or a folder is refused without
    waiting on it (opened with O_NONBLOCK, checked with fstat before any read)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "it is not a regular file (a folder, a pipe or a device?)")
        if info.st_size > MAX_CONFIG_BYTES:
            raise OSError(0, f"it is {info.st_size:,} bytes; a settings file is at most {MAX_CONFIG_BYTES // 1024} KB")
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
        while len(data) <= MAX_CONFIG_BYTES and (more := os.read(fd, MAX_CONFIG_BYTES + 1 - len(data))):
            data += more
        if len(data) > MAX_CONFIG_BYTES:  # grew while we read it
            raise OSError(0, f"it is larger than {MAX_CONFIG_BYTES // 1024} KB")
        return data
    finally:
        os.close(fd)


class SettingsWatcher:
    """Notices edits to the settings file when polled; no threads, the caller decides when.

    Create it right after loading ``current`` from ``path``.
    """

    def __init__(self, path: Path, current: Settings) -> None:
        self.path = Path(path)
        self.current = current
        self._signature = self._stat()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        return status.st_mtime_ns, status.st_size, status.st_ino

    def poll(self) -> Settings | ConfigError | None:
        """None when the file is unchanged since the last poll; the new Settings when it changed
        and is valid (a deleted file means defaults); the ConfigError when it changed and is not
        valid — returned once per change, so the caller tells the user once and keeps ``current``.
        """
        signature = self._stat()
        if signature == self._signature:
            return None
        self._signature = signature
        try:
            settings = load_settings(self.path)
        except ConfigError as error:
            return error
        self.current = settings
        return settings
