"""Lose nothing: records the history could not take yet wait in memory and in a spool file.

When ``history.sqlite3`` is busy (another program holds it), read-only or the disk is full, every
record the app wanted to write (minutes, nudges and their outcomes, pauses, calibrations) goes to
a memory queue and to ``history-spool.jsonl`` in the home: one JSON object per line, append-only,
fsynced after each line, private (0600), never opened through a symbolic link. The queue is
written to the history as soon as it answers again (tried at most every ``retry_s`` of monotonic
time, with the next write) and at the next start; then the spool is removed.

A full disk would also refuse the spool, so the spool claims :data:`RESERVE_BYTES` of disk space
when the history is opened (zero bytes that records overwrite): about 700 minutes fit in the
reserve even when the disk has no free block left. The spool never grows past :data:`MAX_BYTES`;
records that fit nowhere stay in memory and, if still unsaved at quit, are counted as lost, and
the closing words say so: "nothing was lost" is only said when it is true.

Records still waiting count in every read (summary, end-of-day words, export) as if they were
written: a day the history was locked all afternoon still shows that afternoon. This is the one
path for "the database did not answer": :class:`SqliteHistoryStore` itself keeps nothing for later.

One process at a time owns the spool (store/spool_lock.py: an advisory lock the app holds for its
whole run): only the owner drains, appends to or removes it. Another process that opens the
history while the app runs (``summary``, ``export``, ``calibrate``) reads the spool on every read
and changes nothing in it; its own records go straight to the history (see SpooledHistory).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from fhp_monitor.core.i18n import N_, _, ngettext
from fhp_monitor.core.ports import HistoryError, MinuteRecord
from fhp_monitor.store.history import SqliteHistoryStore
from fhp_monitor.store.records import check_record, minute_record
from fhp_monitor.store.spool_file import SPOOL_NAME, Spool
from fhp_monitor.store.spool_lock import LOCK_NAME, SpoolLock

log = logging.getLogger(__name__)

RETRY_S = 5.0
LOG_EVERY_S = 600.0  # one log line per kind of problem per 10 minutes, never a traceback storm


class SpooledHistory:
    """The :class:`~fhp_monitor.core.ports.HistoryStore` the app uses: never raises on a write.

    Thread contract: writes (``record_*``, ``set_nudge_recovered``, ``prune``, ``close``,
    ``flush``) from one thread, the worker's (``close`` after the worker ended); reads
    (``minutes``, ``nudges``, ``daily_totals``, ``has_data``, ``export_csv``) from any thread and
    raise HistoryError when the file cannot be read. Reads include the records still waiting: they
    copy the queue *before* reading the file, so a record written meanwhile is found in one or
    both (counted once: a waiting record replaces its stored twin), never in neither.
    ``tell(kind, sentence)`` is called once per kind of problem per run, from the writing thread.

    ``lock``: the spool's owner lock (None: this object owns the spool, as in tests). When another
    process holds it, this one is a *guest*: the spool's records count in every read (read afresh
    each time) but are never drained, appended to or removed; records written here go to the
    history only, and any it refuses are kept in memory and counted at close.
    """

    def __init__(self, open_store: Callable[[], SqliteHistoryStore], spool: Spool, *,
                 tell: Callable[[str, str], None] | None = None, retry_s: float = RETRY_S,
                 monotonic: Callable[[], float] = time.monotonic, lock: SpoolLock | None = None) -> None:
        self._open_store, self.spool = open_store, spool
        self.lock = lock
        self.owner = lock is None or lock.acquire()
        self._tell = tell or (lambda kind, sentence: None)
        self.retry_s, self._monotonic = retry_s, monotonic
        self.store: SqliteHistoryStore | None = None
        self.recovered_from: Path | None = None
        self._queue: list[dict] = spool.read() if self.owner else []
        self._spooled = len(self._queue)  # queue[:_spooled] are safe in the spool file
        self._from_before = self._spooled
        self._next_try = 0.0
        self._told: set[str] = set()
        self._logged: dict[str, float] = {}
        self._had_problem = False
        self._nudge_at: dict[int, float] = {}  # every id handed out -> its nudge's time (for its outcome)
        self._last_ids: dict[float, int] = {}
        self._next_fake_id = -1
        self._open_lock = threading.Lock()
        if self.owner:
            spool.prepare()
        else:
            log.info("another process owns %s: it is read, never changed, by this one", spool.path)
        try:
            with self._open_lock:
                self._ensure_store()
        except HistoryError as exc:  # busy, read-only...: monitoring goes on, writes wait and retry
            if getattr(exc, "kind", "") == "symlink":  # a planted link is refused outright, by name
                raise
            self._next_try = self._monotonic() + self.retry_s
            self._problem(exc)
        self.flush(force=True)
        if self._from_before and not self._queue:
            log.info("wrote %d records left in %s by an earlier run", self._from_before, spool.path)

    # ------------------------------------------------------------------ problems
    def _problem(self, exc: Exception) -> None:
        kind = str(getattr(exc, "kind", "")) or _kind_of(str(exc))
        self._had_problem = True
        now = self._monotonic()
        if now >= self._logged.get(kind, -1e18):
            self._logged[kind] = now + LOG_EVERY_S
            log.error("history not written (%s; %d records waiting, retrying): %s", kind, len(self._queue), exc)
        if kind not in self._told:
            self._told.add(kind)
            where = (_("in {path}").format(path=self.spool.path) if self._spooled == len(self._queue)
                     else _("in memory for now"))
            self._tell(kind, _(_SENTENCES.get(kind, _SENTENCES["other"])).format(where=where))

    def _ensure_store(self) -> SqliteHistoryStore:
        if self.store is None:
            self.store = self._open_store()
            if self.store.recovered_from is not None:
                self.recovered_from = self.store.recovered_from
        return self.store

    # ------------------------------------------------------------------ writing
    def flush(self, force: bool = False) -> bool:
        """Write the queue now if the retry time has come (or ``force``); True when it is empty."""
        if not self._queue:
            return True
        if not force and self._monotonic() < self._next_try:
            self._to_spool()
            return False
        try:
            with self._open_lock:
                store = self._ensure_store()
            ids = store.write_records(self._queue)
        except HistoryError as exc:
            self._next_try = self._monotonic() + self.retry_s
            self._to_spool()
            self._problem(exc)
            return False
        self._last_ids = ids
        written = len(self._queue)
        self._queue.clear()
        if self._spooled:
            self.spool.remove()
            self.spool.prepare()
        self._spooled = 0
        if self._had_problem:
            log.info("history answers again: %d waiting records written", written)
        return True

    def _to_spool(self) -> None:
        if not self.owner:
            return  # a guest never writes the owner's spool: its records wait in memory
        self._spooled += self.spool.append(self._queue[self._spooled:])

    def _add(self, record: dict) -> bool:
        self._queue.append(check_record(record))
        return self.flush()

    def record_minute(self, minute: MinuteRecord) -> None:
        self._add(minute_record(minute))

    def record_nudge(self, at: float, level: int) -> int:
        """The nudge's id; a negative stand-in while it waits (its outcome still finds it)."""
        record = {"kind": "nudge", "at": at, "level": level}
        if self._add(record) and float(at) in self._last_ids:
            nudge_id = self._last_ids[float(at)]
        else:
            nudge_id, self._next_fake_id = self._next_fake_id, self._next_fake_id - 1
        if len(self._nudge_at) > 1000:  # outcomes that never came: forget the oldest
            self._nudge_at.pop(next(iter(self._nudge_at)))
        self._nudge_at[nudge_id] = float(at)
        return nudge_id

    def set_nudge_recovered(self, nudge_id: int, recovered: bool) -> None:
        at = self._nudge_at.pop(nudge_id, None)
        if at is None:
            raise ValueError(f"there is no nudge with id {nudge_id}")
        self._add({"kind": "nudge_outcome", "at": at, "recovered": bool(recovered)})

    def record_pause(self, start: float, end: float, reason: str) -> None:
        self._add({"kind": "pause", "start": start, "end": end, "reason": str(reason)})

    def record_calibration(self, at: float, baseline_deg: float, spread_deg: float, samples: int) -> None:
        self._add({"kind": "calibration", "at": at, "baseline_deg": baseline_deg, "spread_deg": spread_deg,
                   "samples": int(samples)})

    def record_exercise(self, done) -> None:
        """Store one guided exercise (a core.exercise.DoneExercise); waits in the spool if the file is busy."""
        self._add(done.record())

    def record_neck(self, at: float, score: int) -> None:
        """Store one neck check-in (0-10); waits in the spool if the file is busy."""
        self._add({"kind": "neck", "at": float(at), "score": int(score)})

    def prune(self, now: float, keep_minutes_days: int) -> int:
        """Tidy old minutes; a history that does not answer is tidied another time (0)."""
        try:
            return self._ensure_store().prune(now, keep_minutes_days)
        except HistoryError as exc:
            self._problem(exc)
            return 0

    @property
    def waiting(self) -> dict[str, int]:
        """Counts of records not yet in the history: minutes/others, in the spool/in memory only."""
        spooled, memory = self._queue[:self._spooled], self._queue[self._spooled:]
        return {"minutes_spooled": sum(r["kind"] == "minute" for r in spooled),
                "others_spooled": sum(r["kind"] != "minute" for r in spooled),
                "minutes_memory": sum(r["kind"] == "minute" for r in memory),
                "others_memory": sum(r["kind"] != "minute" for r in memory)}

    def close(self) -> str | None:
        """Last try, then close. Returns what to tell the user, or None when there is nothing to say."""
        self.flush(force=True)
        if self.store is not None:
            try:
                self.store.close()
            except HistoryError as exc:
                log.error("closing the history: %s", exc)
            self.store = None
        try:
            return self._closing_words()
        finally:
            if self.lock is not None and self.owner:
                self.lock.release()  # after the last change to the spool

    def _closing_words(self) -> str | None:
        if not self._queue:
            if self._spooled == 0 and self.owner:
                self.spool.remove()
            return _("Your posture history is saved; nothing was lost.") if self._had_problem else None
        w = self.waiting
        words = []
        if w["minutes_spooled"] or w["others_spooled"]:
            words.append(_("{what} could not be saved to the history yet. They wait in {path} and will be saved "
                           "the next time fhp-monitor starts.").format(
                what=_what(w['minutes_spooled'], w['others_spooled']), path=self.spool.path))
        if (w["minutes_memory"] or w["others_memory"]) and not self.owner:
            words.append(_("{what} could not be saved: another program is using your posture history. "
                           "Please try again later.").format(what=_what(w['minutes_memory'], w['others_memory'])))
        elif w["minutes_memory"] or w["others_memory"]:
            words.append(_("{what} could not be saved anywhere and are lost; please free some disk space.").format(
                what=_what(w['minutes_memory'], w['others_memory'])))
        log.info("history at quit: %s", " ".join(words))
        return " ".join(words)

    # ------------------------------------------------------------------ reading (any thread)
    def _reader(self) -> tuple[SqliteHistoryStore, list[dict]]:
        """The store to read and a copy of the records still waiting (copied first: see the class doc)."""
        waiting = list(self._queue)  # one atomic copy; the writer thread appends and clears
        if not self.owner:  # the owner's records waiting in its spool, read now (they replace stored twins)
            waiting = self.spool.read() + waiting
        store = self.store
        if store is None:
            with self._open_lock:
                store = self._ensure_store()
        return store, waiting

    def minutes(self, start: float, end: float):
        store, waiting = self._reader()
        return store.minutes(start, end, waiting)

    def nudges(self, start: float, end: float):
        store, waiting = self._reader()
        return store.nudges(start, end, waiting)

    def exercises(self, start: float, end: float):
        store, waiting = self._reader()
        return store.exercises(start, end, waiting)

    def neck_scores(self, start: float, end: float):
        store, waiting = self._reader()
        return store.neck_scores(start, end, waiting)

    def calibrations(self, start: float, end: float):
        store, waiting = self._reader()
        return store.calibrations(start, end, waiting)

    def daily_totals(self, start_date, end_date):
        store, waiting = self._reader()
        return store.daily_totals(start_date, end_date, waiting)

    def has_data(self, day) -> bool:
        store, waiting = self._reader()
        return store.has_data(day, waiting)

    def export_csv(self, out: TextIO, start: float | None = None, end: float | None = None) -> int:
        store, waiting = self._reader()
        return store.export_csv(out, start, end, waiting)

    def __enter__(self) -> "SpooledHistory":
        return self

    def __exit__(self, *exc_info: object) -> None:
        words = self.close()
        if words and self._queue:
            print(f"fhp-monitor: {words}", file=sys.stderr)


def _what(minutes: int, others: int) -> str:
    """E.g. "3 minutes of posture history and 1 other record"."""
    parts = [ngettext("{count} minute of posture history", "{count} minutes of posture history",
                      minutes).format(count=minutes)] if minutes else []
    if others and minutes:
        parts.append(ngettext("{count} other record", "{count} other records", others).format(count=others))
    elif others:
        parts.append(ngettext("{count} record", "{count} records", others).format(count=others))
    return _("{first} and {second}").format(first=parts[0], second=parts[1]) if len(parts) == 2 else parts[0]


def _kind_of(text: str) -> str:
    text = text.lower()
    for kind, words in (("busy", ("busy", "locked")), ("full", ("disk is full",)),  # not translated: matched
                        ("readonly", ("read-only", "readonly")), ("symlink", ("symbolic link",))):  # not translated
        if any(w in text for w in words):
            return kind
    return "other"


#: One plain sentence per kind of problem, said once per run (details go to the log).
_SENTENCES = {
    "busy": N_("Another program is using your posture history, so fhp-monitor keeps the newest numbers "
               "{where} and saves them as soon as it can."),
    "full": N_("The disk is full, so fhp-monitor keeps the newest posture numbers {where} until there is "
               "space again. Please free some disk space."),
    "readonly": N_("Your posture history cannot be written (it is read-only), so fhp-monitor keeps the newest "
                   "numbers {where} and tries again."),
    "other": N_("fhp-monitor cannot write its posture history right now, so it keeps the newest numbers "
                "{where} and tries again."),
}


def open_spooled_history(home, tell: Callable[[str, str], None] | None = None, *,
                         busy_timeout_s: float = 2.0, announce: bool = False) -> SpooledHistory:
    """The history of ``home`` with its spool; records left by an earlier run are written first.

    ``announce``: say on stderr (once: the next open finds a healthy file) that a damaged file was set aside.
    """
    history = SpooledHistory(lambda: SqliteHistoryStore(home.history, busy_timeout_s=busy_timeout_s),
                             Spool(Path(home.root) / SPOOL_NAME), tell=tell,
                             lock=SpoolLock(Path(home.root) / LOCK_NAME))
    if announce and history.recovered_from is not None:
        print("fhp-monitor: " + _("Your posture history file was damaged. We kept it as {name} "
                                  "and started a fresh one.").format(name=history.recovered_from.name), file=sys.stderr)
    return history


def record_calibration(home, baseline) -> None:
    """Note a new calibration in the history of ``home`` (waits in the spool if the file is busy)."""
    with open_spooled_history(home, announce=True) as history:
        history.record_calibration(baseline.calibrated_at, baseline.cva_proxy_deg, baseline.spread_deg,
                                   baseline.samples)
