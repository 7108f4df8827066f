"""The history's records as plain data: checked before they are written, spooled or counted.

Pure: standard library only, no ``sqlite3``. A *record* is one dict with a ``kind`` ("minute",
"nudge", "nudge_outcome", "pause", "calibration", "exercise",
"neck") and exactly the fields of :data:`RECORD_FIELDS`.
The spool keeps records one per line (JSON), :meth:`SqliteHistoryStore.write_records` writes them,
and the reads count records still waiting exactly as that write would store them.
"""

from __future__ import annotations

import math

from fhp_monitor.core.ports import MinuteRecord
from fhp_monitor.core.summary import SECOND_KEYS

#: The fields of each kind of spooled record (besides "kind"), with their types.
RECORD_FIELDS: dict[str, dict[str, type]] = {
    "minute": {"minute": int, **dict.fromkeys(SECOND_KEYS, float), "cva_proxy_mean": float, "samples": int},
    "nudge": {"at": float, "level": int},
    "nudge_outcome": {"at": float, "recovered": bool},
    "pause": {"start": float, "end": float, "reason": str},
    "calibration": {"at": float, "baseline_deg": float, "spread_deg": float, "samples": int},
    # repetitions is -1 when the camera could not tell (a timed guide): stored as NULL
    "exercise": {"at": float, "exercise": str, "repetitions": int, "seconds": float},
    "neck": {"at": float, "score": int},  # the optional daily check-in: "How is your neck today? 0-10"
}


def check_finite(**values: float) -> None:
    for name, value in values.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")


def check_minute(minute: MinuteRecord) -> None:
    if minute.minute % 60 != 0:
        raise ValueError(f"minute {minute.minute} does not start on a minute boundary (multiple of 60)")
    check_finite(**{k: getattr(minute, k) for k in SECOND_KEYS})
    if any(getattr(minute, k) < 0 for k in SECOND_KEYS):
        raise ValueError(f"minute {minute.minute} has negative seconds: {minute}")
    if minute.cva_proxy_mean is not None:
        check_finite(cva_proxy_mean=minute.cva_proxy_mean)


def check_record(record: object) -> dict:
    """A clean copy of one record for :meth:`SqliteHistoryStore.write_records`; ValueError if unusable.

    Records come from a spool file on disk, so nothing is trusted: known kind, exactly the known
    fields, finite numbers (``cva_proxy_mean`` may be None), whole minutes, pauses not reversed.
    """
    if not isinstance(record, dict) or record.get("kind") not in RECORD_FIELDS:
        raise ValueError(f"not a history record: {str(record)[:80]}")
    kind = record["kind"]
    fields = RECORD_FIELDS[kind]
    if set(record) != {"kind", *fields}:
        raise ValueError(f"a {kind} record needs exactly {sorted(fields)}, got {sorted(record)}")
    clean: dict = {"kind": kind}
    for name, kind_type in fields.items():
        value = record[name]
        if kind_type is str or kind_type is bool:
            if not isinstance(value, kind_type):
                raise ValueError(f"{kind}.{name} must be {kind_type.__name__}, got {value!r}")
        elif name == "cva_proxy_mean" and value is None:
            pass
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{kind}.{name} must be a finite number, got {value!r}")
            if kind_type is int:
                if value != int(value):
                    raise ValueError(f"{kind}.{name} must be a whole number, got {value!r}")
                value = int(value)
            else:
                value = float(value)
        clean[name] = value
    if kind == "minute":
        check_minute(minute_of(clean))
    if kind == "exercise" and (clean["repetitions"] < -1 or clean["seconds"] < 0 or not clean["exercise"]
                               or len(clean["exercise"]) > 40):
        raise ValueError(f"not a done exercise: {clean}")
    if kind == "neck" and not 0 <= clean["score"] <= 10:
        raise ValueError(f"a neck score is 0 to 10, got {clean['score']}")
    if kind == "pause" and clean["end"] < clean["start"]:
        raise ValueError(f"pause ends ({clean['end']}) before it starts ({clean['start']})")
    return clean


def minute_record(minute: MinuteRecord) -> dict:
    """The spool record of one minute row."""
    return {"kind": "minute", "minute": int(minute.minute), **{k: float(getattr(minute, k)) for k in SECOND_KEYS},
            "cva_proxy_mean": minute.cva_proxy_mean, "samples": int(minute.samples)}


def minute_of(record: dict) -> MinuteRecord:
    """The MinuteRecord of a checked "minute" record (the reverse of :func:`minute_record`)."""
    return MinuteRecord(minute=record["minute"], **{k: record[k] for k in SECOND_KEYS},
                        cva_proxy_mean=record["cva_proxy_mean"], samples=record["samples"])


def minute_row(m: MinuteRecord) -> tuple:
    """The ``minutes`` table row of one minute, in column order (minute, seconds..., mean, samples)."""
    return (int(m.minute), *(float(getattr(m, k)) for k in SECOND_KEYS), m.cva_proxy_mean, int(m.samples))
