"""The settings window's line editor for config.yaml: values change, everything else stays."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fhp_monitor.settings.edit import ConfigEditError, save_changes, update_config_text, yaml_value
from fhp_monitor.settings.file import load_settings, parse_settings
from fhp_monitor.settings.schema import ConfigError

SHIPPED = resources.files("fhp_monitor.resources").joinpath("config.yaml").read_text()

FORM_CHANGES = {
    ("detection", "sensitivity_deg"): 3.5,
    ("nudges", "onset_delay_s"): 90,
    ("nudges", "cooldown_min"): 20.0,
    ("nudges", "quiet_hours"): "22:00-07:00",
    ("summary", "daily_time"): "18:05",
    ("app", "pause_for_apps"): ["zoom", "Microsoft Teams", "jitsi # meet"],
    ("camera", "index"): 2,
    ("app", "autostart"): True,
    ("nudges", "include_exercises"): False,
    ("app", "pause_on_battery_below"): 25,
}


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith("#") or not line.strip()]


def test_every_form_setting_changes_in_place_and_every_comment_stays():
    updated = update_config_text(SHIPPED, FORM_CHANGES)
    assert comments(updated) == comments(SHIPPED)
    assert len(updated.splitlines()) == len(SHIPPED.splitlines())  # values replaced, no line added or lost
    loaded = parse_settings(updated)
    assert loaded.detection.sensitivity_deg == 3.5 and loaded.nudges.onset_delay_s == 90
    assert loaded.nudges.cooldown_min == 20 and loaded.nudges.quiet_hours == "22:00-07:00"
    assert loaded.summary.daily_time == "18:05" and loaded.camera.index == 2
    assert loaded.app.pause_for_apps == ("zoom", "Microsoft Teams", "jitsi # meet")
    assert loaded.app.autostart is True and loaded.nudges.include_exercises is False
    assert loaded.app.pause_on_battery_below == 25
    changed = [(a, b) for a, b in zip(SHIPPED.splitlines(), updated.splitlines()) if a != b]
    assert len(changed) == len(FORM_CHANGES)
    assert ('  daily_time: "17:30"', '  daily_time: "18:05"') in changed


def test_hand_written_lines_trailing_comments_and_block_lists_survive():
    text = (
        "# my own notes at the top\n"
        "nudges:\n"
        "  onset_delay_s: 45   # I like it quick\n"
        "  # a comment inside the group\n"
        "  quiet_hours: '12:00-13:00' # lunch\n"
        "sampling:\n"
        "    interval_s: 7\n"
        "app:\n"
        "    pause_for_apps:\n"
        "      - zoom\n"
        "      # keep teams too\n"
        "      - teams\n"
        "    tray: false\n"
        "\n"
        "# the end\n"
    )
    updated = update_config_text(text, {("nudges", "onset_delay_s"): 120, ("nudges", "quiet_hours"): "",
                                        ("app", "pause_for_apps"): ["slack"], ("nudges", "cooldown_min"): 30,
                                        ("summary", "daily_time"): ""})
    assert updated.splitlines() == [
        "# my own notes at the top",
        "nudges:",
        "  onset_delay_s: 120   # I like it quick",
        "  # a comment inside the group",
        '  quiet_hours: "" # lunch',
        "  cooldown_min: 30",
        "sampling:",
        "    interval_s: 7",
        "app:",
        '    pause_for_apps: ["slack"]',
        "      # keep teams too",
        "    tray: false",
        "",
        "# the end",
        "",
        "summary:",
        '  daily_time: ""',
    ]
    loaded = parse_settings(updated)
    assert loaded.sampling.interval_s == 7 and loaded.app.tray is False and loaded.app.pause_for_apps == ("slack",)


def test_empty_file_and_windows_line_ends():
    assert parse_settings(update_config_text("", {("camera", "index"): 1})).camera.index == 1
    crlf = update_config_text("camera:\r\n  index: 0 # first\r\n", {("camera", "index"): 3})
    assert crlf == "camera:\r\n  index: 3 # first\r\n"


def test_a_group_written_on_one_line_is_left_alone_with_a_plain_message():
    with pytest.raises(ConfigEditError, match="on one line"):
        update_config_text("camera: {index: 1}\n", {("camera", "index"): 2})
    with pytest.raises(KeyError):
        update_config_text("", {("camera", "zoom"): 2})


def test_save_writes_only_a_file_that_loads(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text(SHIPPED)
    saved = save_changes(path, {("nudges", "onset_delay_s"): 75})
    assert saved.nudges.onset_delay_s == 75 and load_settings(path).nudges.onset_delay_s == 75
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="nudges.onset_delay_s must be a number from 5 to 3600"):
        save_changes(path, {("nudges", "onset_delay_s"): 2})
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["config.yaml"]
    path.write_text(SHIPPED + "\nbogus: 1\n")  # a hand edit that does not load: the window says so, writes nothing
    with pytest.raises(ConfigError, match="unknown setting"):
        save_changes(path, {("nudges", "onset_delay_s"): 75})
    fresh = tmp_path / "new" / "config.yaml"
    fresh.parent.mkdir()
    assert save_changes(fresh, {("summary", "daily_time"): "16:00"}).summary.daily_time == "16:00"


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)


@hsettings(max_examples=150, deadline=None)
@given(sensitivity=st.floats(0.5, 30), onset=st.integers(5, 3600), apps=st.lists(names, max_size=5),
       hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_any_valid_value_reads_back_the_same(sensitivity, onset, apps, hour, minute):
    changes = {("detection", "sensitivity_deg"): sensitivity, ("nudges", "onset_delay_s"): onset,
               ("app", "pause_for_apps"): apps, ("summary", "daily_time"): f"{hour:02d}:{minute:02d}"}
    loaded = parse_settings(update_config_text(SHIPPED, changes))
    assert loaded.detection.sensitivity_deg == pytest.approx(sensitivity, abs=1e-6)
    assert loaded.nudges.onset_delay_s == onset and loaded.app.pause_for_apps == tuple(apps)
    assert loaded.summary.daily_time == f"{hour:02d}:{minute:02d}"


def test_characters_yaml_cannot_hold_raw_are_written_as_escapes_and_read_back() -> None:
    """Found by hypothesis under the Windows lane: an app name U+FFFE made config.yaml unreadable."""
    names = ["\ufffe", "\uffff", "a\x85b", "\x7f", "\x9f", "Zoom \U0001F600"]
    loaded = parse_settings(update_config_text(SHIPPED, {("app", "pause_for_apps"): names}))
    assert loaded.app.pause_for_apps == tuple(names)
    assert yaml_value("\ufffe") == '"\\ufffe"' and yaml_value("caf\u00e9") == '"caf\u00e9"'


def test_yaml_value_never_writes_what_yaml_reads_differently():
    assert yaml_value(0.00001) == "0.00001" and yaml_value(2.0) == "2" and yaml_value("yes") == '"yes"'
    assert yaml_value(["a", "b"]) == '["a", "b"]' and yaml_value(False) == "false"
