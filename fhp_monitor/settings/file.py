"""The settings file: safe YAML parsing, a size-limited read of a regular file, loading it over
the defaults, and noticing when it is edited.

Loading never half-applies: every problem in the file is collected and reported together in one
:class:`~fhp_monitor.settings.schema.ConfigError`, and the caller keeps the settings it had.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from fhp_monitor.core.i18n import _
from fhp_monitor.home.files import NONBLOCK, READ_FLAGS
from fhp_monitor.settings.schema import CONFIG_NAME, ConfigError, Settings, settings_from_dict


class _Loader(yaml.SafeLoader):
    """Safe YAML without base-60 numbers (so 17:30 stays text), with duplicate keys refused, and
    without anchors and aliases (``&a`` / ``*a``): a settings file never needs them, and refusing
    them while composing means an "alias bomb" costs nothing."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, _("anchors and aliases (& and *) are not used in settings; write each value out"),
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys are refused by the base constructor with their position
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, _('"{key}" appears twice; keep one of them').format(key=key), key_node.start_mark)
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
        where = _("line {line}, column {column}: ").format(line=mark.line + 1, column=mark.column + 1) if mark else ""
        what = error.problem or error.context or _("unreadable")
        raise ConfigError(
            [where + _("this is not valid YAML ({problem}). Check the spaces at the start of the line, "
                       'and put text that holds ":" or "#" in quotes.').format(problem=what)], source) from error
    except (yaml.YAMLError, RecursionError, ValueError) as error:  # ValueError: e.g. a 5000-digit number
        raise ConfigError([_("this is not valid YAML ({problem})").format(
            problem=" ".join(str(error).split())[:200])], source) from error


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
        raise ConfigError([_("the file cannot be read ({error})").format(error=error.strerror or error)],
                          path.name) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError([_("the file is not plain UTF-8 text ({reason} at byte {byte})").format(
            reason=error.reason, byte=error.start)], path.name) from error
    return parse_settings(text, path.name)


#: A settings file is a few KB; anything bigger is refused at once, by its size.
MAX_CONFIG_BYTES = 64 * 1024


def read_config_bytes(path: Path) -> bytes:
    """At most MAX_CONFIG_BYTES of a regular file. A FIFO, a device or a folder is refused without
    waiting on it (opened with O_NONBLOCK, checked with fstat before any read)."""
    fd = os.open(path, os.O_RDONLY | NONBLOCK | READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, _("it is not a regular file (a folder, a pipe or a device?)"))
        if info.st_size > MAX_CONFIG_BYTES:
            raise OSError(0, _("it is {size} bytes; a settings file is at most {limit} KB").format(
                size=f"{info.st_size:,}", limit=MAX_CONFIG_BYTES // 1024))
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
        while len(data) <= MAX_CONFIG_BYTES and (more := os.read(fd, MAX_CONFIG_BYTES + 1 - len(data))):
            data += more
        if len(data) > MAX_CONFIG_BYTES:  # grew while we read it
            raise OSError(0, _("it is larger than {limit} KB").format(limit=MAX_CONFIG_BYTES // 1024))
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
