"""Input idle time on macOS: CoreGraphics' ``CGEventSourceSecondsSinceLastEventType`` via ctypes.
Thread contract: any thread."""

from __future__ import annotations

from fhp_monitor.desktop.idle import IdleProbe


def macos_probe() -> IdleProbe:
    import ctypes

    graphics = ctypes.cdll.LoadLibrary("/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics")
    seconds_since = graphics.CGEventSourceSecondsSinceLastEventType
    seconds_since.restype = ctypes.c_double
    seconds_since.argtypes = [ctypes.c_int32, ctypes.c_uint32]
    hid_state, any_input = 1, 0xFFFFFFFF  # kCGEventSourceStateHIDSystemState, kCGAnyInputEventType

    return lambda: float(seconds_since(hid_state, any_input))
