"""The history file itself: the only module that imports ``sqlite3``.

Opening (refusing planted links, creating it private, moving a damaged file aside), the schema
and its migrations (``PRAGMA user_version``; :data:`MIGRATIONS` moves old files forward one step at
a time), transactions, read-only snapshots, and SQLite's errors turned into plain
:class:`HistoryError` sentences with a ``kind`` ('busy', 'readonly', 'full', ...).

Thread contract: pure functions over a path or a connection; the caller owns the connection and
serialises its use (:class:`~fhp_monitor.store.history.SqliteHistoryStore` holds a lock).
:func:`read_only` opens its own connection and may be used from any thread.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.ports import HistoryError
from fhp_monitor.core.summary import SECOND_KEYS
from fhp_monitor.home.files import WINDOWS, is_link, open_no_follow, path_is_link

log = logging.getLogger(__name__)

_SECONDS_DDL = ", ".join(f"{k} REAL NOT NULL DEFAULT 0" for k in SECOND_KEYS)  # not translated: SQL
Connection = sqlite3.Connection


def _migrate_to_v1(conn: sqlite3.Connection) -> None:
    """The first schema: minutes, nudges, pauses, calibrations."""
    conn.execute(
        f"CREATE TABLE minutes (minute INTEGER PRIMARY KEY, {_SECONDS_DDL},"
        " cva_proxy_mean REAL, samples INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute(
        "CREATE TABLE nudges (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,"
        " level INTEGER NOT NULL DEFAULT 1, recovered INTEGER CHECK (recovered IN (0, 1)))"
    )
    conn.execute("CREATE TABLE pauses (start REAL NOT NULL, end REAL NOT NULL, reason TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE calibrations (at REAL NOT NULL, baseline_deg REAL NOT NULL,"
        " spread_deg REAL NOT NULL, samples INTEGER NOT NULL)"
    )


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    """Per-day totals kept forever once old minutes are pruned; nudges looked up by time."""
    conn.execute(f"CREATE TABLE daily_totals (date TEXT PRIMARY KEY, {_SECONDS_DDL})")
    conn.execute("CREATE INDEX nudges_at ON nudges (at)")


def _migrate_to_v3(conn: sqlite3.Connection) -> None:
    """Issue 23: guided exercises done (which, when, repetitions the camera saw, seconds) and the optional
    daily neck check-in (when, 0-10). Numbers only."""
    conn.execute(
        "CREATE TABLE exercises (at REAL NOT NULL, exercise TEXT NOT NULL, repetitions INTEGER,"
        " seconds REAL NOT NULL, UNIQUE (at, exercise))"
    )
    conn.execute("CREATE TABLE neck (at REAL PRIMARY KEY, score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10))")


#: MIGRATIONS[i] turns a version-i file into version i+1. Append, never edit released steps.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_to_v1, _migrate_to_v2, _migrate_to_v3)
SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------- errors

def _error_kind(exc: sqlite3.Error) -> str:
    """A short name for what went wrong ('busy', 'readonly', 'full', ...)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    for kind, names, words in (
        ("busy", ("SQLITE_BUSY", "SQLITE_LOCKED"), ("locked", "busy")),
        ("readonly", ("SQLITE_READONLY",), ("readonly", "read-only")),
        ("full", ("SQLITE_FULL",), ("disk is full",)),  # not translated: SQLite's own words, matched
        ("corrupt", ("SQLITE_NOTADB", "SQLITE_CORRUPT"), ("not a database", "malformed")),
        ("cantopen", ("SQLITE_CANTOPEN", "SQLITE_PERM"), ("unable to open",)),  # not translated: SQLite's words
    ):
        if name.startswith(names) or any(w in text for w in words):
            return kind
    return "other"


#: Plain sentences for the user, by error kind: what happened and what to do.
_MESSAGES = {
    "busy": N_("The posture history file is busy: another program is using {path}."),
    "readonly": N_("fhp-monitor cannot save its posture history because {path} is read-only. "
                   "Check that you own this file and its folder."),
    "full": N_("The disk is full, so fhp-monitor could not save the latest posture numbers to {path}. "
               "Free some disk space; the history saved before is safe."),
    "cantopen": N_("fhp-monitor cannot open its posture history at {path}. "
                   "Check that the folder exists and that you may write to it."),
}
#: The sentence for any other error, by what was being done ("opened", "saved", "read", "tidied").
_OTHER = {
    "opened": N_("The posture history at {path} could not be opened: {exc}."),
    "saved": N_("The posture history at {path} could not be saved: {exc}."),
    "read": N_("The posture history at {path} could not be read: {exc}."),
    "tidied": N_("The posture history at {path} could not be tidied: {exc}."),
}


def history_error(exc: sqlite3.Error, path: Path, what: str) -> HistoryError:
    """The HistoryError for ``exc``, with its ``kind`` ('busy', 'full', ...) for the spool's once-per-kind words."""
    kind = _error_kind(exc)
    template = _MESSAGES.get(kind) or _OTHER.get(what, _OTHER["saved"])
    error = HistoryError(_(template).format(path=path, exc=exc))
    error.kind = kind  # type: ignore[attr-defined]
    return error


class _Damaged(Exception):
    """Internal: the file is not a healthy SQLite database."""


# --------------------------------------------------------------------------- opening

def open_writer(path: Path, busy_timeout_s: float,
                max_size_bytes: int | None) -> tuple[sqlite3.Connection, Path | None]:
    """The writing connection to ``path`` (created 0600, migrated) and where a damaged file was moved, if it was.

    Raises HistoryError (``kind`` 'symlink' for a planted link) when the history cannot be used.
    """
    _refuse_links(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(open_no_follow(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise HistoryError(
            _("fhp-monitor cannot create its posture history at {path} ({error}). "
              "Check that you may write to that folder.").format(path=path, error=exc.strerror)
        ) from exc
    recovered_from = None
    try:
        if not _has_sqlite_header(path):
            # Checked before SQLite touches it: SQLite would delete a -wal it cannot use.
            raise _Damaged("not an SQLite file")  # not translated: goes to the log only
        conn = _connect_and_prepare(path, busy_timeout_s, max_size_bytes)
    except _Damaged as damaged:
        log.warning("history file %s is damaged (%s); moving it aside", path, damaged)
        recovered_from = _move_aside(path)
        conn = _connect_and_prepare(path, busy_timeout_s, max_size_bytes)
    make_private(path)
    return conn, recovered_from


def _refuse_links(path: Path) -> None:
    """A symlink planted at the history or its -wal/-shm/-journal would make SQLite write its target."""
    for side in ("", "-wal", "-shm", "-journal"):
        link = Path(f"{path}{side}")
        if path_is_link(link):
            error = HistoryError(_("The posture history file {path} is a link (a symbolic link or a junction); "
                                   "fhp-monitor never writes through links. Delete that link (or move the real file "
                                   "there).").format(path=link))
            error.kind = "symlink"  # type: ignore[attr-defined]
            raise error


def _connect_and_prepare(path: Path, busy_timeout_s: float, max_size_bytes: int | None) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise _Damaged(check)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            log.warning("history %s: journal mode is %s, not WAL", path, mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn, path)
        if max_size_bytes is not None:
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {max(1, math.ceil(max_size_bytes / page))}")
        return conn
    except sqlite3.Error as exc:
        conn.close()
        if _error_kind(exc) == "corrupt":
            raise _Damaged(str(exc)) from exc
        raise history_error(exc, path, "opened") from exc
    except BaseException:
        conn.close()
        raise


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(
            _("The posture history at {path} was written by a newer fhp-monitor "
              "(schema {version}, this one knows {known}). Please update fhp-monitor.").format(
                path=path, version=version, known=SCHEMA_VERSION)
        )
    for step in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        log.info("history %s migrated to schema %d", path, step + 1)


def _move_aside(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        os.rename(path, target)
        for suffix in ("-wal", "-shm"):  # a stale WAL must never be replayed into the new file
            side = Path(f"{path}{suffix}")
            if side.exists():
                os.rename(side, Path(f"{target}{suffix}"))
        os.close(open_no_follow(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise HistoryError(
            _("The posture history at {path} is damaged and could not be moved aside "
              "({error}). Move or rename that file, then start fhp-monitor again.").format(
                path=path, error=exc.strerror)
        ) from exc
    return target


def make_private(path: Path) -> None:
    """Strip group/other permissions from the file and its -wal/-shm (never adds any)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            info = p.lstat()
            mode = info.st_mode & 0o777
            if mode & 0o077 and not is_link(info) and not WINDOWS:  # Windows: private by the profile's ACLs
                os.chmod(p, mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not make %s private: %s", p, exc)


def _has_sqlite_header(path: Path) -> bool:
    """True for an empty file (new) or one starting with SQLite's magic string."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise HistoryError(_("fhp-monitor cannot read its posture history at {path} ({error}).").format(
            path=path, error=exc.strerror)) from exc
    return head in (b"", b"SQLite format 3\x00")


# --------------------------------------------------------------------------- using it

@contextmanager
def transaction(conn: sqlite3.Connection, path: Path, what: str) -> Iterator[sqlite3.Connection]:
    """One write transaction (``BEGIN IMMEDIATE``): commits whole or rolls back; SQLite errors become HistoryError."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error as rollback_exc:
                log.error("history rollback failed after %r: %s", exc, rollback_exc)
        if isinstance(exc, sqlite3.Error):
            raise history_error(exc, path, what) from exc
        raise


@contextmanager
def read_only(path: Path, busy_timeout_s: float) -> Iterator[sqlite3.Connection]:
    """A short-lived read-only connection inside one read transaction: every query sees the same snapshot."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout_s, isolation_level=None)
    except sqlite3.Error as exc:
        raise history_error(exc, path, "read") from exc
    try:
        conn.execute("BEGIN")  # deferred: the snapshot starts with the first SELECT and holds until close
        yield conn
    except sqlite3.Error as exc:
        raise history_error(exc, path, "read") from exc
    finally:
        conn.close()
