"""The OS-facing desktop side, one module per capability (tray, notifications, autostart, video calls, ...)."""
