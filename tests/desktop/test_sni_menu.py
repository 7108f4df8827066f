"""The SNI tray menu's rows without a bus: ids, separators between groups, Resume only while paused.
(The same menu read by a real host over D-Bus: tests/desktop/test_tray_sni_desktop.py.)"""

from __future__ import annotations

import time

from fhp_monitor.core.commands import (
    EXERCISE,
    MENU,
    PANEL,
    PAUSE_15,
    PAUSE_60,
    PAUSE_TOMORROW,
    QUIT,
    RECALIBRATE,
    REPORT,
    RESUME,
    SETTINGS,
    SUMMARY,
    pause_for,
    possible,
)
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.tray.sni_menu import STATUS_ID, menu_entries, menu_layout, status_line


def test_the_layout_puts_separators_between_the_groups_and_keeps_ids_stable() -> None:
    layout, ids = menu_layout(MENU)
    assert [row[0] for row in layout] == list(range(STATUS_ID, STATUS_ID + len(layout)))
    assert layout[0] == (STATUS_ID, None, "status")
    shown = ["---" if label == "separator" else command for _id, command, label in layout[1:]]
    assert shown == ["---", PANEL, "---", PAUSE_15, PAUSE_60, PAUSE_TOMORROW, RESUME,
                     "---", EXERCISE, RECALIBRATE, SUMMARY, REPORT, SETTINGS, "---", QUIT]
    assert list(ids.values()) == [command for group in MENU for command, _label in group]
    assert all(layout[entry_id - STATUS_ID][1] == command for entry_id, command in ids.items())
    assert menu_layout(MENU) == (layout, ids)


def test_resume_is_enabled_only_while_paused_and_underscores_are_not_mnemonics() -> None:
    odd = pause_for(7)
    layout, ids = menu_layout(MENU + (((odd, "a_b"),),))
    resume_id = next(i for i, command in ids.items() if command == RESUME)
    for state in (PostureState.UPRIGHT, PostureState.PAUSED):
        entries = dict(menu_entries(layout, "Sitting tall", state, possible))
        assert entries[resume_id]["enabled"].value is (state == PostureState.PAUSED)
        assert entries[STATUS_ID]["label"].value == "Sitting tall" and entries[STATUS_ID]["enabled"].value is False
        quit_id = next(i for i, command in ids.items() if command == QUIT)
        assert entries[quit_id]["enabled"].value is True
    odd_id = next(i for i, command in ids.items() if command == odd)
    assert entries[odd_id]["label"].value == "a__b"


def test_the_status_line_says_the_state_and_since_when() -> None:
    since = time.mktime((2024, 5, 6, 9, 42, 0, 0, 0, -1))
    line = status_line(StatusSnapshot(state=PostureState.UPRIGHT, since=since), since + 60)
    assert line.endswith(" · since 09:42") and line != status_line(None, since)
    paused = status_line(StatusSnapshot(state=PostureState.PAUSED, since=since, paused_until=since + 900), since)
    assert "since" not in paused and not paused.startswith("fhp-monitor")


def test_the_setup_in_use_is_on_the_status_line_and_in_the_tooltip_when_more_than_one_is_saved() -> None:
    """Issue 22: the worker names the setup only when there is more than one (StatusSnapshot.setup)."""
    from fhp_monitor.core.messages import tooltip

    now = time.time()
    one = StatusSnapshot(PostureState.UPRIGHT, since=now - 60)
    two = StatusSnapshot(PostureState.UPRIGHT, since=now - 60, setup="Kitchen table")
    assert "Kitchen table" not in status_line(one, now) + tooltip(one, now)
    assert status_line(two, now) == f"{status_line(one, now)} \u00b7 at Kitchen table"
    assert tooltip(two, now) == "fhp-monitor: Sitting tall \u00b7 at Kitchen table"
    paused = StatusSnapshot(PostureState.PAUSED, since=now, paused_until=now + 600, setup="Desk")
    assert status_line(paused, now).endswith("\u00b7 at Desk")
    layout, _ids = menu_layout(MENU)
    rows = dict(menu_entries(layout, status_line(two, now), PostureState.UPRIGHT, possible))
    assert rows[STATUS_ID]["label"].value.endswith("at Kitchen table") and not rows[STATUS_ID]["enabled"].value
