"""Run by the Windows Python under Wine (the Windows lane): what another program sees of fhp-monitor's
notification-area icon.

    python.exe win_tray.py balloons      # JSON: the balloons on screen, their text and rectangle
    python.exe win_tray.py click PID     # the click on a balloon, as the shell sends it to the tray icon

Wine draws balloons but sends no NIN_BALLOONUSERCLICK when one is clicked: ``click`` sends that very
message to the app's tray window, so the app's real message loop and handler run (see
tests/support/win_shell.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: tests.support

from tests.support.win_shell import balloons, click_tray_balloon  # noqa: E402


def main() -> int:
    if sys.argv[1:] == ["balloons"]:
        print(json.dumps(balloons()))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "click":
        told = click_tray_balloon(int(sys.argv[2]))
        print(f"clicked: {told} window(s)")
        return 0 if told else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
