"""Change a few values in config.yaml in place, keeping every comment and every other line.

PyYAML cannot write comments back, and config.yaml is mostly comments written for people, so the
settings window edits the text line by line: for each ``section.key`` it finds the key's line in
that section's block and replaces only the value (the indentation and a trailing ``# comment``
stay); a key that is missing is added at the end of its section, a missing section at the end of
the file. A value written as an indented list under its key (``- zoom`` lines) is replaced by a
one-line list. The new text is then checked exactly as the app loads it before anything is
written, and written atomically (temporary file + rename) so the running app, which reloads
config.yaml when it changes, never reads half a file.

Pure text plus one file write; standard library, PyYAML (through config.py) and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fhp_monitor.core.i18n import _
from fhp_monitor.home.files import SAFE_FLAGS
from fhp_monitor.settings.file import parse_settings, read_config_bytes
from fhp_monitor.settings.schema import SCHEMA, ConfigError, Settings

_SECTION = re.compile(r"^(?P<name>[A-Za-z_][\w-]*)\s*:\s*(?P<rest>.*)$")
_KEY = re.compile(r"^(?P<indent>[ \t]+)(?P<key>[A-Za-z_][\w-]*)(?P<colon>\s*:)(?P<space>[ \t]*)(?P<value>.*)$")


class ConfigEditError(ValueError):
    """The file is written in a shape the line editor does not change (e.g. a group on one line)."""


#: Characters YAML may not hold raw (outside its printable set, YAML 1.1 5.1) or reads as a line break
#: (U+0085); a surrogate never reaches here (not UTF-8).
NOT_YAML_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def yaml_value(value: Any) -> str:
    """A value as one line of YAML that config.py reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = f"{value:.6f}".rstrip("0")  # never "1e-05": YAML 1.1 reads that as text
        return text + "0" if text.endswith(".") else text
    if isinstance(value, str):
        # A JSON string is a double-quoted YAML string; what YAML may not hold raw (U+FFFE, C1 controls)
        # goes in as an escape, which reads back as the same character.
        return NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} to config.yaml")


def _split_comment(value_text: str) -> tuple[str, str]:
    """('value', '  # comment') for the text after a key's colon; quotes may hold a '#'."""
    quote = None
    for index, char in enumerate(value_text):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or value_text[index - 1] in " \t"):
            value = value_text[:index]
            return value.rstrip(), value_text[len(value.rstrip()):]
    return value_text.rstrip(), value_text[len(value_text.rstrip()):]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _section_block(lines: list[str], section: str) -> tuple[int, int] | None:
    """(header index, end index) of ``section:``'s block; the block is the following indented,
    blank or comment lines up to the next line at column 0 with content."""
    for index, line in enumerate(lines):
        match = _SECTION.match(line)
        if match and match.group("name") == section:
            rest = _split_comment(match.group("rest"))[0]
            if rest:
                raise ConfigEditError(
                    _('config.yaml writes the group "{group}" on one line; the settings window cannot change it '
                      "there. Open the settings file to change it, or write each setting on its own line.").format(
                        group=section))
            end = index + 1
            while end < len(lines) and (not _is_content(lines[end]) or _indent(lines[end]) > 0):
                end += 1
            return index, end
    return None


def _set_in_section(lines: list[str], start: int, end: int, key: str, text: str) -> None:
    """Replace ``key``'s value inside lines[start+1:end], or add the key at the end of the block."""
    for index in range(start + 1, end):
        match = _KEY.match(lines[index])
        if not match or match.group("key") != key:
            continue
        value, comment = _split_comment(match.group("value"))
        key_indent = len(match.group("indent").expandtabs())
        if not value:  # a block value below the key (e.g. "- zoom" lines): drop those lines, keep comments
            follow = index + 1
            while follow < end and (not _is_content(lines[follow]) or _indent(lines[follow].expandtabs()) > key_indent
                                    or (_indent(lines[follow].expandtabs()) == key_indent
                                        and lines[follow].lstrip().startswith("- "))):
                if _is_content(lines[follow]):
                    del lines[follow]
                    end -= 1
                else:
                    follow += 1
        space = match.group("space") or " "
        lines[index] = f"{match.group('indent')}{key}{match.group('colon')}{space}{text}{comment}"
        return
    last = start  # after the section's last content line, so trailing comments of the next part stay there
    for index in range(start + 1, end):
        if _is_content(lines[index]):
            last = index
    indent = "  "
    for index in range(start + 1, end):
        match = _KEY.match(lines[index])
        if match:
            indent = match.group("indent")
            break
    lines.insert(last + 1, f"{indent}{key}: {text}")


def update_config_text(text: str, changes: Mapping[tuple[str, str], Any]) -> str:
    """``text`` with each ``(section, key)`` in ``changes`` set to its value; all else unchanged.

    Raises KeyError for a setting the table does not have, ConfigEditError for a file shape the
    line editor leaves alone.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    for (section, key), value in changes.items():
        if key not in SCHEMA[section]:
            raise KeyError(f"{section}.{key}")
        rendered = yaml_value(value)
        block = _section_block(lines, section)
        if block is None:
            while lines and not lines[-1].strip():
                lines.pop()
            lines += ([""] if lines else []) + [f"{section}:", f"  {key}: {rendered}"]
            continue
        _set_in_section(lines, *block, key, rendered)
    return newline.join(lines) + (newline if lines else "")


def save_changes(path: Path, changes: Mapping[tuple[str, str], Any]) -> Settings:
    """Write ``changes`` into the settings file at ``path`` (created if missing) and return the
    settings it now holds. Nothing is written when the result would not load: ConfigError (the
    loader's words) or ConfigEditError. OSError when the file cannot be read or written.
    """
    path = Path(path)
    try:  # the loader's limits: a small regular file only (a FIFO or a huge file is refused, not read)
        text = read_config_bytes(path).decode("utf-8")
    except FileNotFoundError:
        text = ""
    updated = update_config_text(text, changes)
    settings = parse_settings(updated, path.name)  # the same checks as the app; raises ConfigError
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | SAFE_FLAGS
    try:  # private like everything in the home, and never written through a planted link
        with os.fdopen(os.open(tmp, flags, 0o600), "w", encoding="utf-8") as out:
            out.write(updated)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return settings


__all__ = ["ConfigEditError", "ConfigError", "save_changes", "update_config_text", "yaml_value"]
