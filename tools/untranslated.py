"""List string literals in fhp_monitor that look like words for a user but are not marked for translation.

A literal counts when it holds two words or more and is not: a docstring, inside ``_()`` / ``N_()`` /
``ngettext()``, an argument of a log call (``log.info`` ...), the message of a programmer's error
(ValueError, TypeError, KeyError, RuntimeError, AssertionError, NotImplementedError), a test step for
``on_step`` / ``step``, or on a line marked ``# not translated: <why>`` (on the literal's own line, or as a
comment line right above the statement that holds it). tests/i18n/test_catalogs.py
asserts this finds nothing; run it as a script to see the list.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "fhp_monitor"
WORDS = re.compile(r"[A-Za-z]{2,}[,.:;!?']?\s+[A-Za-z]{2,}")
MARKERS = {"_", "N_", "ngettext"}
LOG_NAMES = {"log", "logging", "logger", "_log", "LOG"}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
PROGRAMMER_ERRORS = {"ValueError", "TypeError", "KeyError", "RuntimeError", "AssertionError",
                     "NotImplementedError", "IndexError", "AttributeError", "DBusError"}
SKIP_CALLS = {"on_step", "step", "_step", "getattr", "setattr",
              "hasattr", "Variant", "Message", "environ.get", "compile", "strftime", "strptime", "fetch",
              "isoformat", "re.compile", "re.fullmatch", "re.match", "re.sub", "execute", "executemany",
              "PostureRecorder", "Thread", "subprocess.run",
              # reasons that only ever reach the log (their callers log them, nothing shows them)
              "BusUnavailable", "NoSessionWatcher", "_set_locked", "_say_once", "DetectorStopped", "Silent",
              "_give_up"}


NOT_TRANSLATED = "# not translated"
#: Words that are names, not sentences (a font's name).
NAMES = {"DejaVu Sans", "Segoe UI"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}" if isinstance(node.value, (ast.Name, ast.Attribute)) else node.attr
    return ""


def _skipped_call(call: ast.Call) -> bool:
    name = _name(call.func)
    last = name.rsplit(".", 1)[-1]
    if last in MARKERS or name in SKIP_CALLS or last in SKIP_CALLS:
        return True
    head = name.split(".")[0]
    return (head in LOG_NAMES and last in LOG_METHODS) or last in PROGRAMMER_ERRORS


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # attribute docstrings
            ids.add(id(node.value))
    return ids


def unmarked(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each literal in ``path`` that looks like words and is not marked."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, str(path))
    skip = _docstrings(tree)
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        if not WORDS.search(node.value) or node.value in NAMES:
            continue
        parent, ok = parents.get(id(node)), False
        while parent is not None:
            if isinstance(parent, ast.Call) and _skipped_call(parent):
                ok = True
                break
            if isinstance(parent, ast.Raise) and parent.exc is not None and _name(
                    getattr(parent.exc, "func", parent.exc)).rsplit(".", 1)[-1] in PROGRAMMER_ERRORS:
                ok = True
                break
            parent = parents.get(id(parent))
        if ok:
            continue
        end = getattr(node, "end_lineno", node.lineno)
        if any(NOT_TRANSLATED in lines[i - 1] for i in range(node.lineno, end + 1)):
            continue
        statement = parents.get(id(node))
        while statement is not None and not isinstance(statement, ast.stmt):
            statement = parents.get(id(statement))
        above = lines[statement.lineno - 2].strip() if statement is not None and statement.lineno > 1 else ""
        if above.startswith("#") and NOT_TRANSLATED in above:  # a comment line right above the statement
            continue
        found.append((node.lineno, node.value))
    return found


def scan(root: Path = ROOT) -> list[str]:
    """'path:line: text' for every unmarked literal under ``root``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for line, text in unmarked(path):
            out.append(f"{path.relative_to(root.parent)}:{line}: {text[:90]!r}")
    return out


if __name__ == "__main__":
    problems = scan()
    print("\n".join(problems))
    print(f"{len(problems)} unmarked", file=sys.stderr)
    sys.exit(1 if problems else 0)
