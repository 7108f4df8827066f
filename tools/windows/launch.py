"""The frozen app's entry point (PyInstaller): ``fhp-monitor.exe`` and ``fhp-monitor-cli.exe`` both run
this, with the same command line as ``fhp-monitor`` on Linux.

``fhp-monitor.exe`` is a windowed program (no console window opens for the tray app, the menu shortcut
or the login entry). Started from a console it attaches to that console, so ``--version`` and
``status`` still print there (after the prompt: cmd.exe does not wait for a windowed program);
``fhp-monitor-cli.exe`` is the console twin for scripts, which waits and gives the exit status.
"""

import os
import sys


def _streams_for_a_windowed_program() -> None:
    if sys.stdout is not None and sys.stderr is not None:
        return  # a console program, or output handed over as pipes/files
    target = os.devnull
    try:
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS: started from a console
            target = "CONOUT$"
    except (AttributeError, OSError):
        target = os.devnull
    stream = open(target, "w", encoding="utf-8", errors="replace")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    _streams_for_a_windowed_program()
    from fhp_monitor.cli import main

    sys.exit(main())
