"""Settings: shipped defaults, merging, every error message, the file watcher, and properties."""

from __future__ import annotations

import dataclasses
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from fhp_monitor.settings.file import SettingsWatcher, load_settings, parse_settings, parse_yaml
from fhp_monitor.settings.rules import Choice, ClockTime, Flag, Names, Number, Text
from fhp_monitor.settings.schema import DEFAULTS, SCHEMA, ConfigError, Settings, settings_from_dict

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"


def problems_of(text: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text)
    return caught.value.problems


# --------------------------------------------------------------------------- defaults


def test_shipped_config_yaml_equals_defaults_in_code() -> None:
    assert parse_yaml(REPO_CONFIG.read_text(encoding="utf-8")) == DEFAULTS


def test_packaged_config_is_the_top_level_file() -> None:
    packaged = resources.files("fhp_monitor.resources").joinpath("config.yaml").read_bytes()
    assert packaged == REPO_CONFIG.read_bytes()


def test_every_setting_in_the_shipped_file_is_explained_by_a_comment() -> None:
    lines = REPO_CONFIG.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("  ") or line.lstrip().startswith("#") or not line.strip():
            continue
        above = number - 1
        while lines[above].startswith("  ") and not lines[above].lstrip().startswith("#"):
            above -= 1  # settings that share one comment (width and height)
        assert lines[above].lstrip().startswith("#"), f"no comment explains: {line.strip()}"


def test_no_file_and_empty_file_mean_defaults(tmp_path: Path) -> None:
    assert load_settings(None) == Settings()
    assert load_settings(tmp_path / "missing.yaml") == Settings()
    empty = tmp_path / "config.yaml"
    empty.write_text("# only a comment\n", encoding="utf-8")
    assert load_settings(empty) == Settings()
    assert Settings().as_dict() == DEFAULTS


def test_attribute_access_and_frozen() -> None:
    settings = parse_settings("nudges:\n  onset_delay_s: 90\n")
    assert settings.nudges.onset_delay_s == 90.0
    assert isinstance(settings.nudges.onset_delay_s, float)
    assert settings.nudges.cooldown_min == 15
    assert settings.app.pause_for_apps == ("zoom", "teams", "skype")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.nudges.onset_delay_s = 5  # type: ignore[misc]


def test_missing_keys_and_commented_out_group_keep_defaults() -> None:
    settings = parse_settings("camera:\n  # index: 2\nsampling:\n  interval_s: 7\n")
    assert settings.camera == Settings().camera
    assert settings.sampling.interval_s == 7.0
    assert settings.sampling.fast_interval_s == 2.0


def test_unquoted_clock_times_stay_text() -> None:
    settings = parse_settings("summary:\n  daily_time: 17:30\nnudges:\n  quiet_hours: 22:00-07:00\n")
    assert settings.summary.daily_time == "17:30"
    assert settings.nudges.quiet_hours == "22:00-07:00"


def test_whole_floats_accepted_for_counts_and_ints_for_numbers() -> None:
    settings = parse_settings("camera: {index: 2.0}\nnudges: {forward_fraction: 1}\n")
    assert settings.camera.index == 2 and isinstance(settings.camera.index, int)
    assert settings.nudges.forward_fraction == 1.0 and isinstance(settings.nudges.forward_fraction, float)


def test_defaults_shrink_to_fit_under_a_smaller_sibling() -> None:
    settings = parse_settings("sampling: {interval_s: 1}\ncalibration: {frames: 3}\n")
    assert settings.sampling.fast_interval_s == 1.0
    assert settings.calibration.min_frames == 3


def test_single_name_is_a_list_of_one() -> None:
    assert parse_settings("app: {pause_for_apps: zoom}").app.pause_for_apps == ("zoom",)


# --------------------------------------------------------------------------- error messages


def test_wrong_number_message_names_key_and_expected_value() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("nudges:\n  cooldown_min: soon\n")
    assert str(caught.value) == 'config.yaml: nudges.cooldown_min must be a number from 1 to 240 (got "soon")'
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("camera: {index: 17}", "camera.index must be a whole number from 0 to 16 (got 17)"),
        ("camera: {index: 1.5}", "camera.index must be a whole number from 0 to 16 (got 1.5)"),
        ("camera: {width: true}", "camera.width must be a whole number from 64 to 4096 (got true)"),
        ("nudges: {max_per_hour: }", "nudges.max_per_hour must be a whole number from 1 to 12 (got nothing)"),
        ("detection: {min_visibility: .nan}", "detection.min_visibility must be a number from 0 to 1 (got NaN)"),
        ("nudges: {forward_fraction: 0.4}", "nudges.forward_fraction must be a number from 0.5 to 1 (got 0.4)"),
        ("sampling: {interval_s: 3, fast_interval_s: 4}",
         "sampling.fast_interval_s must be a number from 1 to sampling.interval_s (3) (got 4)"),
        ("calibration: {min_frames: 30}",
         "calibration.min_frames must be a whole number from 1 to calibration.frames (20) (got 30)"),
        ("app: {tray: 1}", "app.tray must be true or false (got 1)"),
        ("app: {pause_for_apps: [zoom, '']}", 'app.pause_for_apps must be a list of names, like ["zoom", "teams"] '
                                               '(got ["zoom", ""])'),
        ("nudges: {quiet_hours: '22:00'}", 'nudges.quiet_hours must be two times like "22:00-07:00", or "" for none '
                                           '(got "22:00")'),
        ("nudges: {quiet_hours: '22:00-22:00'}", 'nudges.quiet_hours must be two times like "22:00-07:00", '
                                                 'or "" for none (got "22:00-22:00")'),
        ("summary: {daily_time: '24:00'}", 'summary.daily_time must be a time like "17:30" (24-hour clock), '
                                           'or "" for off (got "24:00")'),
        ("detection: {model: [a]}", 'detection.model must be text in quotes, like "my-model.task" (got ["a"])'),
        ("camera: 3", "camera must be a group of settings, each on its own indented line (got 3)"),
    ],
)
def test_each_kind_of_wrong_value_is_explained(text: str, expected: str) -> None:
    assert problems_of(text) == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nudges: {cooldown: 3}", 'unknown setting "nudges.cooldown" (did you mean "nudges.cooldown_min"?)'),
        ("camra: {index: 1}", 'unknown setting "camra" (did you mean "camera"?)'),
        ("max_per_hour: 2", 'unknown setting "max_per_hour" (did you mean "nudges.max_per_hour"?)'),
        ("nudges: {interval_s: 2}", 'unknown setting "nudges.interval_s" (did you mean "sampling.interval_s"?)'),
        ("app: {colour: blue}", 'unknown setting "app.colour" (check the spelling, or delete that line)'),
    ],
)
def test_unknown_keys_suggest_the_closest_known_key(text: str, expected: str) -> None:
    assert problems_of(text) == (expected,)


def test_broken_yaml_names_line_and_column() -> None:
    (problem,) = problems_of("camera:\n  index: 0\n width: 640\n")
    assert problem.startswith("line 3, column 2: this is not valid YAML")


def test_duplicate_key_is_refused_with_its_line() -> None:
    (problem,) = problems_of("nudges:\n  cooldown_min: 10\n  cooldown_min: 20\n")
    assert problem.startswith("line 3, column 3:") and '"cooldown_min" appears twice' in problem


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("? [a]\n: 1\n", "line 1, column 3: this is not valid YAML (found unhashable key)"),
        ("camera:\n\tindex: 1\n", "line 2, column 1: this is not valid YAML (found character '\\t'"),
        ("a: !!python/object:os.system x\n", "line 1, column 4: this is not valid YAML (could not determine"),
        ("x\x00", "this is not valid YAML (unacceptable character #x0000"),
    ],
)
def test_odd_yaml_is_a_config_error(text: str, start: str) -> None:
    (problem,) = problems_of(text)
    assert problem.startswith(start) and "\n" not in problem


def test_top_level_must_be_a_mapping() -> None:
    assert problems_of("- camera\n- nudges\n") == (
        'the file must hold groups of settings such as "camera:" and "nudges:" (got ["camera", "nudges"])',)


def test_all_problems_are_reported_together_and_nothing_is_half_applied(tmp_path: Path) -> None:
    path = tmp_path / "my-settings.yaml"
    path.write_text("camera: {index: 1}\nnudges: {cooldown_min: 0, max_per_hour: x}\nbogus: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    error = caught.value
    assert len(error.problems) == 3
    lines = str(error).splitlines()
    assert len(lines) == 3 and all(line.startswith("my-settings.yaml: ") for line in lines)
    assert any("nudges.cooldown_min" in line for line in lines)
    assert any("nudges.max_per_hour" in line for line in lines)
    assert any('"bogus"' in line for line in lines)


def test_file_that_is_not_text_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"camera:\n  index: \xff\xfe\n")
    with pytest.raises(ConfigError, match=r"^config.yaml: the file is not plain UTF-8 text"):
        load_settings(path)


# --------------------------------------------------------------------------- watcher


def write(path: Path, text: str, tick: int) -> None:
    """Write and give the file a distinct modification time (so no test depends on clock ticks)."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(tick * 1_000_000_000, tick * 1_000_000_000))


def test_watcher_reports_each_change_once(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    write(path, "nudges: {cooldown_min: 20}\n", 1)
    watcher = SettingsWatcher(path, load_settings(path))
    assert watcher.poll() is None

    write(path, "nudges: {cooldown_min: 30}\n", 2)
    changed = watcher.poll()
    assert isinstance(changed, Settings) and changed.nudges.cooldown_min == 30
    assert watcher.current is changed
    assert watcher.poll() is None

    write(path, "nudges: {cooldown_min: soon}\n", 3)
    error = watcher.poll()
    assert isinstance(error, ConfigError) and "nudges.cooldown_min" in str(error)
    assert watcher.poll() is None  # told once
    assert watcher.current is changed  # the old settings stay

    write(path, "nudges: {cooldown_min: 40}\n", 4)
    fixed = watcher.poll()
    assert isinstance(fixed, Settings) and fixed.nudges.cooldown_min == 40

    path.unlink()
    assert watcher.poll() == Settings()
    assert watcher.poll() is None


def test_watcher_notices_a_replaced_file_with_the_same_time_and_size(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    write(path, "camera: {index: 1}\n", 5)
    watcher = SettingsWatcher(path, load_settings(path))
    replacement = tmp_path / "config.yaml.new"
    write(replacement, "camera: {index: 2}\n", 5)
    os.replace(replacement, path)  # how many editors save
    changed = watcher.poll()
    assert isinstance(changed, Settings) and changed.camera.index == 2


# --------------------------------------------------------------------------- properties


def _sibling_last(rules: dict[str, Any]) -> list[str]:
    return sorted(rules, key=lambda key: isinstance(getattr(rules[key], "high", None), str))


_CLOCKS = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)


def _valid_value(rule: Any, high: Any) -> st.SearchStrategy[Any]:
    if isinstance(rule, Number):
        top = high if high is not None else rule.high
        ints = st.integers(math.ceil(rule.low), math.floor(top))
        return ints if rule.whole else st.one_of(ints, st.floats(rule.low, top, allow_nan=False))
    if isinstance(rule, Flag):
        return st.booleans()
    if isinstance(rule, Text):
        return _TEXT
    if isinstance(rule, ClockTime) and rule.span:
        pairs = st.tuples(_CLOCKS, _CLOCKS).filter(lambda p: p[0] != p[1]).map("-".join)
        return st.one_of(st.just(""), pairs)
    if isinstance(rule, ClockTime):
        return st.one_of(st.just(""), _CLOCKS)
    if isinstance(rule, Choice):
        return st.sampled_from(rule.options)
    if isinstance(rule, Names):
        return st.lists(_TEXT.filter(str.strip), max_size=5)
    raise AssertionError(f"no strategy for {rule!r}")


@st.composite
def valid_settings_dicts(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for section, rules in SCHEMA.items():
        values: dict[str, Any] = {}
        for key in _sibling_last(rules):
            sibling = getattr(rules[key], "high", None)
            values[key] = draw(_valid_value(rules[key], values[sibling] if isinstance(sibling, str) else None))
        result[section] = {key: values[key] for key in rules}
    return result


def assert_within_schema(settings: Settings) -> None:
    """Every value has its declared type and passes its own rule (ranges included)."""
    for section, rules in SCHEMA.items():
        group = getattr(settings, section)
        for key, rule in rules.items():
            value = getattr(group, key)
            sibling = getattr(rule, "high", None)
            high = getattr(group, sibling) if isinstance(sibling, str) else None
            as_yaml = list(value) if isinstance(value, tuple) else value
            assert rule.check(as_yaml, high) == value, (section, key, value)
            expected_type = {Flag: bool, Text: str, ClockTime: str, Names: tuple, Choice: str}.get(type(rule))
            if isinstance(rule, Number):
                expected_type = int if rule.whole else float
            assert type(value) is expected_type, (section, key, value)


@given(valid_settings_dicts())
@hyp_settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_any_valid_settings_round_trip_through_yaml(data: dict[str, dict[str, Any]]) -> None:
    loaded = parse_settings(yaml.safe_dump(data))
    assert loaded.as_dict() == data
    assert_within_schema(loaded)


_ALL_LEAVES = sorted({key for rules in SCHEMA.values() for key in rules})
_JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT, _CLOCKS),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(st.sampled_from(_ALL_LEAVES), _TEXT), inner, max_size=3)),
    max_leaves=8,
)
_JUNK_SECTION = st.dictionaries(st.one_of(st.sampled_from(_ALL_LEAVES), _TEXT), _JUNK, max_size=6)
_JUNK_CONFIG = st.one_of(
    _JUNK,
    st.dictionaries(st.one_of(st.sampled_from(sorted(SCHEMA)), _TEXT, st.integers()),
                    st.one_of(_JUNK_SECTION, _JUNK), max_size=8),
)


@given(_JUNK_CONFIG)
@hyp_settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_junk_only_ever_gives_config_error_or_settings_within_range(data: Any) -> None:
    try:
        settings = settings_from_dict(data)
    except ConfigError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
        return
    assert_within_schema(settings)


@given(st.text(max_size=200))
@hyp_settings(max_examples=300)
def test_junk_text_only_ever_gives_config_error_or_settings(text: str) -> None:
    try:
        settings = parse_settings(text)
    except ConfigError as error:
        assert error.problems
        return
    assert_within_schema(settings)


@given(valid_settings_dicts(), st.data())
@hyp_settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_any_subset_of_keys_merges_over_defaults(full: dict[str, dict[str, Any]], data: st.DataObject) -> None:
    partial = {
        section: {key: value for key, value in values.items() if data.draw(st.booleans())}
        for section, values in full.items()
        if data.draw(st.booleans())
    }
    expected: dict[str, dict[str, Any]] = {}
    too_big: list[str] = []  # e.g. fast_interval_s kept while a smaller default interval_s came back
    for section, rules in SCHEMA.items():
        given_values, expected[section] = partial.get(section, {}), {}
        for key in _sibling_last(rules):
            sibling = getattr(rules[key], "high", None)
            top = expected[section][sibling] if isinstance(sibling, str) else None
            if key in given_values:
                expected[section][key] = given_values[key]
                if top is not None and given_values[key] > top:
                    too_big.append(f"{section}.{key}")
            elif top is not None:  # an unset default shrinks to fit under its sibling
                expected[section][key] = min(DEFAULTS[section][key], top)
            else:
                expected[section][key] = DEFAULTS[section][key]
    if too_big:
        with pytest.raises(ConfigError) as caught:
            settings_from_dict(partial)
        assert [p.split(" ")[0] for p in caught.value.problems] == too_big
        return
    loaded = settings_from_dict(partial).as_dict()
    assert loaded == {section: {key: expected[section][key] for key in rules} for section, rules in SCHEMA.items()}
