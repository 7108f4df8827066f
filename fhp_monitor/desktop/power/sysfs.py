"""The battery on Linux: ``/sys/class/power_supply`` (supplies of type Battery and Mains/USB).
Thread contract: any thread; a call reads a few small files."""

from __future__ import annotations

from pathlib import Path

from fhp_monitor.desktop.power import MAINS_TYPES, SYSFS_DIR, PowerReading


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:  # a supply that went away, or a battery that answers EIO/ENODEV for a moment
        return None


def _number(path: Path) -> float | None:
    text = _read(path)
    try:
        return float(text) if text else None
    except ValueError:
        return None


class SysfsPower:
    """Reads ``/sys/class/power_supply`` (or ``root``): a few small files per call."""

    def __init__(self, root: Path | str = SYSFS_DIR) -> None:
        self.root = Path(root)

    def __call__(self) -> PowerReading | None:
        try:
            supplies = sorted(self.root.iterdir())
        except OSError:  # no power_supply class at all (a container, a desktop without ACPI)
            return None
        batteries: list[tuple[str | None, float | None, float | None, float | None]] = []
        mains_seen = mains_online = False
        for supply in supplies:
            kind = _read(supply / "type")
            if _read(supply / "scope") == "Device":  # a mouse's or a headset's battery
                continue
            if kind == "Battery":
                if _read(supply / "present") == "0":  # an empty second battery bay
                    continue
                now = _number(supply / "energy_now")
                full = _number(supply / "energy_full")
                if now is None or full is None:
                    now, full = _number(supply / "charge_now"), _number(supply / "charge_full")
                batteries.append((_read(supply / "status"), _number(supply / "capacity"), now, full))
            elif kind in MAINS_TYPES:
                online = _read(supply / "online")
                if online is not None:
                    mains_seen = True
                    mains_online = mains_online or online == "1"
        if not batteries:
            return None
        statuses = {status for status, *_ in batteries}
        if mains_online or statuses & {"Charging", "Full"}:
            on_battery = False
        else:  # every charger reads offline, or there is none to read and a battery says it discharges
            on_battery = mains_seen or "Discharging" in statuses
        return PowerReading(on_battery, _charge(batteries))


def _charge(batteries) -> float | None:
    """Percent left over all batteries: by energy where every one tells it, else the mean capacity."""
    if all(now is not None and full for _s, _c, now, full in batteries):
        return max(0.0, min(100.0, 100.0 * sum(b[2] for b in batteries) / sum(b[3] for b in batteries)))
    capacities = [capacity for _s, capacity, _n, _f in batteries if capacity is not None]
    return sum(capacities) / len(capacities) if capacities else None
