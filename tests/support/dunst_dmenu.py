"""The ``dmenu`` our test dunst runs for its context menu (``dunstctl context``): picks a button.

dunst writes one line per action of the notifications on screen, e.g.
``#Snooze 30 min (A gentle posture check) [7,snooze_1800s]``, and invokes the action of the line we
print. The test writes the label it wants into ``<state>/want``; we pick the newest line with that
label, print it, and record the menu and our pick (``menu.txt``, ``picked``) and a counter
(``seq``) the test waits on. Without a ``want`` file we pick nothing (a look at the menu only).
Usage (from dunstrc): ``python dunst_dmenu.py STATE_DIR``.
"""

import os
import re
import sys

LINE = re.compile(r"^#(?P<label>.*) \((?P<summary>.*)\) \[(?P<id>\d+),(?P<key>[^\]]*)\]$")


def main(state: str) -> int:
    menu = sys.stdin.read()
    want_path = os.path.join(state, "want")
    picked = ""
    if os.path.exists(want_path):
        with open(want_path) as handle:
            want = handle.read().strip()
        os.unlink(want_path)
        hits = [line for line in menu.splitlines() if (m := LINE.match(line)) and m["label"] == want]
        picked = hits[-1] if hits else ""
    with open(os.path.join(state, "menu.txt"), "w") as handle:
        handle.write(menu)
    with open(os.path.join(state, "picked"), "w") as handle:
        handle.write(picked)
    with open(os.path.join(state, "seq"), "a") as handle:
        handle.write("x")
    if picked:
        print(picked)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
