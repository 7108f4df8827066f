"""The battery on Windows: ``GetSystemPowerStatus`` through ctypes (kernel32).
Thread contract: any thread; a call is one system call."""

from __future__ import annotations

from fhp_monitor.desktop.power import PowerProbe, PowerReading


def reading_from_power_status(ac_line: int, battery_flag: int, life_percent: int) -> PowerReading | None:
    """Windows SYSTEM_POWER_STATUS fields as a reading (None: no system battery, or unknown)."""
    if battery_flag in (128, 255):  # "no system battery", "unable to read the battery flag"
        return None
    return PowerReading(ac_line == 0, None if life_percent == 255 else float(life_percent))


def windows_probe() -> PowerProbe:
    import ctypes
    from ctypes import wintypes

    class SYSTEM_POWER_STATUS(ctypes.Structure):
        _fields_ = [("ACLineStatus", ctypes.c_ubyte), ("BatteryFlag", ctypes.c_ubyte),
                    ("BatteryLifePercent", ctypes.c_ubyte), ("SystemStatusFlag", ctypes.c_ubyte),
                    ("BatteryLifeTime", wintypes.DWORD), ("BatteryFullLifeTime", wintypes.DWORD)]

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]

    def read() -> PowerReading | None:
        status = SYSTEM_POWER_STATUS()
        if not kernel32.GetSystemPowerStatus(ctypes.byref(status)):
            raise OSError("GetSystemPowerStatus failed")  # not translated: for the log
        return reading_from_power_status(status.ACLineStatus, status.BatteryFlag, status.BatteryLifePercent)

    return read
