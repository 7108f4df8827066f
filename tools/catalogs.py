"""Manage the translation catalogs with Babel (README "Translations").

    python tools/catalogs.py extract   # fhp_monitor/i18n/fhp_monitor.pot from the source (_, N_, ngettext)
    python tools/catalogs.py update    # merge the .pot into every language's .po (new strings come in empty)
    python tools/catalogs.py compile   # .po -> .mo next to it (the wheel ships the .mo files)
    python tools/catalogs.py check     # extract to a scratch file and fail if a .po lacks a string,
                                       # has an untranslated or fuzzy one, or its .mo is out of date

The same with pybabel: ``pybabel extract -k N_ -o fhp_monitor/i18n/fhp_monitor.pot fhp_monitor``,
``pybabel update -D fhp_monitor -i fhp_monitor/i18n/fhp_monitor.pot -d fhp_monitor/i18n/locale``,
``pybabel compile -D fhp_monitor -d fhp_monitor/i18n/locale``.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "fhp_monitor"
I18N = PACKAGE / "i18n"
POT = I18N / "fhp_monitor.pot"
LOCALES = I18N / "locale"
DOMAIN = "fhp_monitor"
LANGUAGES = ("de", "es", "fr", "it", "pt")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
#: The only module whose strings are %-templates (argparse's own sentences). Every other string is
#: filled with str.format, where "%" is a plain percent sign ("{pct}% of the time", "% upright"); Babel
#: flags any "%" that looks like a directive as python-format, and msgfmt --check would then compare
#: "% u" with the translation's "% a" as if they were conversions.
PERCENT_TEMPLATES = ("fhp_monitor/cli/argwords.py",)


def extracted() -> Catalog:
    """Every marked string in the package, with where it comes from."""
    catalog = Catalog(project="fhp-monitor", msgid_bugs_address="", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(f"fhp_monitor/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(code: str) -> Path:
    return LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def own_format_flags(catalog: Catalog) -> None:
    """Mark python-format only where the string is a %-template (:data:`PERCENT_TEMPLATES`); Babel
    guesses it again on every read, so this runs before every write."""
    for message in catalog:
        if "python-format" in message.flags and not all(
                filename in PERCENT_TEMPLATES for filename, _line in message.locations):
            message.flags.discard("python-format")
            message.flags.add("no-python-format")


def save_po(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    own_format_flags(catalog)
    if catalog.locale is not None and not isinstance(catalog.revision_date, datetime):
        catalog.revision_date = datetime.now(timezone.utc)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, omit_header=False, sort_output=False, include_previous=False)
    path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def extract() -> None:
    save_po(extracted(), POT)
    print(f"{POT.relative_to(ROOT)}: {len(extracted())} strings")


def update() -> None:
    template = extracted()
    save_po(template, POT)
    for code in LANGUAGES:
        path = po_path(code)
        catalog = load_po(path) if path.exists() else Catalog(locale=code, domain=DOMAIN, project="fhp-monitor")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        save_po(catalog, path)
        print(f"{path.relative_to(ROOT)}: {sum(1 for m in catalog if m.id and not m.string)} untranslated")


def compile_all() -> None:
    for code in LANGUAGES:
        path = po_path(code)
        path.with_suffix(".mo").write_bytes(compiled(load_po(path)))


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def problems() -> list[str]:
    """What is missing, untranslated, fuzzy or stale, in words (empty when all is well)."""
    found = []
    wanted = {m.id for m in extracted() if m.id}
    for code in LANGUAGES:
        path = po_path(code)
        catalog = load_po(path)
        have = {m.id for m in catalog if m.id}
        for missing in sorted(str(m) for m in wanted - have):
            found.append(f"{code}: not in the catalog: {missing!r}")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if not all(strings):
                found.append(f"{code}: untranslated: {message.id!r}")
            if message.fuzzy:
                found.append(f"{code}: fuzzy: {message.id!r}")
        mo = path.with_suffix(".mo")
        if not mo.exists():
            found.append(f"{code}: {mo.name} missing (run: python tools/catalogs.py compile)")
        else:
            with mo.open("rb") as handle:
                shipped = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
            expected = {_key(m.id): _key(m.string) for m in catalog if m.id and not m.fuzzy}
            if shipped != expected:
                found.append(f"{code}: {mo.name} does not match {path.name} (run: python tools/catalogs.py compile)")
    return found


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_all}
    if argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) or "catalogs complete")
        return 1 if found else 0
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
