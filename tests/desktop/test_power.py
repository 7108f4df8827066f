"""Pause on battery below N % (desktop/power.py): a real power_supply tree of files in tmp_path,
read through the module, driving a real MonitorWorker (real MediaPipe, a recording camera, a
clock the test moves), the shared asyncio loop, and one whole app through the CLI."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from fhp_monitor.control.client import status_words
from fhp_monitor.core import messages
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.core.posture import PAUSE_BATTERY, PAUSE_USER
from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.desktop.power import (
    ENV_SYSFS_DIR,
    POLL_S,
    RESUME_MARGIN_PERCENT,
    BatteryWatch,
    PowerReading,
    power_probe_for,
)
from fhp_monitor.desktop.power.sysfs import SysfsPower
from fhp_monitor.desktop.power.windows import reading_from_power_status
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.settings.file import parse_settings
from fhp_monitor.settings.schema import ConfigError, settings_from_dict
from tests.support.desktop import wait_until
from tests.support.faults_support import copy_home
from tests.support.real_photos import UPRIGHT
from tests.support.recorded_day import build_recorded_day
from tests.support.running import clean_env, fhp, finish, start_fhp
from tests.support.session_parts import RecordingCamera, RecordingTarget


class PowerSupplies:
    """A /sys/class/power_supply look-alike: one folder per supply, one small file per property."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def supply(self, name: str, **files: object) -> Path:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        for key, value in files.items():
            (folder / key).write_text(f"{value}\n")
        return folder

    def laptop(self, percent: int, plugged: bool) -> "PowerSupplies":
        self.supply("AC", type="Mains", online=int(plugged))
        self.supply("BAT0", type="Battery", present=1, capacity=percent,
                    status="Charging" if plugged else "Discharging")
        return self

    def unplug(self, percent: int | None = None) -> None:
        self.supply("AC", online=0)
        self.supply("BAT0", status="Discharging", **({} if percent is None else {"capacity": percent}))

    def plug_in(self) -> None:
        self.supply("AC", online=1)
        self.supply("BAT0", status="Charging")


@pytest.fixture
def supplies(tmp_path) -> PowerSupplies:
    return PowerSupplies(tmp_path / "power_supply")


# --------------------------------------------------------------------------- reading the files


def test_a_laptop_on_battery_and_plugged_in(supplies):
    read = SysfsPower(supplies.root)
    supplies.laptop(37, plugged=False)
    assert read() == PowerReading(on_battery=True, percent=37.0)
    supplies.plug_in()
    assert read() == PowerReading(on_battery=False, percent=37.0)


def test_a_desktop_without_a_battery_is_never_on_battery(supplies, tmp_path):
    supplies.supply("AC", type="Mains", online=0)  # some desktops report an offline "Mains" and nothing else
    assert SysfsPower(supplies.root)() is None
    assert SysfsPower(tmp_path / "no-such-folder")() is None  # no power_supply class at all (a container)


def test_a_mouse_battery_or_an_empty_bay_is_not_the_computers(supplies):
    supplies.supply("hid-mouse-battery", type="Battery", scope="Device", capacity=5, status="Discharging")
    supplies.supply("BAT1", type="Battery", present=0, capacity=0, status="Unknown")
    assert SysfsPower(supplies.root)() is None
    supplies.laptop(80, plugged=False)
    assert SysfsPower(supplies.root)() == PowerReading(True, 80.0)


def test_two_batteries_are_weighed_by_their_energy_and_a_usb_c_charger_counts_as_plugged_in(supplies):
    supplies.supply("BAT0", type="Battery", status="Discharging", capacity=90, energy_now=18_000_000,
                    energy_full=20_000_000)
    supplies.supply("BAT1", type="Battery", status="Unknown", capacity=10, energy_now=6_000_000,
                    energy_full=60_000_000)
    supplies.supply("AC", type="Mains", online=0)
    assert SysfsPower(supplies.root)() == PowerReading(True, pytest.approx(30.0))  # 24 of 80 Wh, not (90+10)/2
    supplies.supply("ucsi-source-psy-USBC000:001", type="USB", online=1)
    assert SysfsPower(supplies.root)().on_battery is False


def test_without_a_charger_entry_the_battery_status_decides_and_broken_files_are_unknown(supplies):
    bat = supplies.supply("BAT0", type="Battery", status="Discharging", capacity="garbage")
    assert SysfsPower(supplies.root)() == PowerReading(True, None)
    supplies.supply("BAT0", status="Not charging", capacity=55)  # a full battery held at a charge limit
    assert SysfsPower(supplies.root)() == PowerReading(False, 55.0)
    (bat / "status").unlink()
    assert SysfsPower(supplies.root)() == PowerReading(False, 55.0)


def test_windows_power_status_fields():
    assert reading_from_power_status(0, 1, 42) == PowerReading(True, 42.0)
    assert reading_from_power_status(1, 8, 42) == PowerReading(False, 42.0)
    assert reading_from_power_status(0, 0, 255) == PowerReading(True, None)
    assert reading_from_power_status(1, 128, 255) is None  # no system battery: a desktop PC


def test_the_probe_is_picked_by_the_machine_and_the_environment(tmp_path, caplog):
    probe, name = power_probe_for({ENV_SYSFS_DIR: str(tmp_path)}, platform="linux")
    assert isinstance(probe, SysfsPower) and probe.root == tmp_path and str(tmp_path) in name
    assert isinstance(power_probe_for({}, platform="linux")[0], SysfsPower)
    assert power_probe_for({"FHP_MONITOR_POWER": "none"}, platform="linux") == (None, "FHP_MONITOR_POWER=none")
    probe, why = power_probe_for({}, platform="darwin")
    assert probe is None and "darwin" in why
    assert isinstance(power_probe_for({"FHP_MONITOR_POWER": "sysfs"}, platform="darwin")[0], SysfsPower)
    with caplog.at_level(logging.WARNING):
        assert isinstance(power_probe_for({"FHP_MONITOR_POWER": "upower"}, platform="linux")[0], SysfsPower)
    assert "FHP_MONITOR_POWER must be one of sysfs, windows, none" in caplog.text


# --------------------------------------------------------------------------- the decision


def test_below_the_limit_on_battery_pauses_and_plugging_in_or_charge_above_the_margin_resumes(supplies):
    supplies.laptop(50, plugged=False)
    target = RecordingTarget()
    watch = BatteryWatch(SysfsPower(supplies.root), target, limit=20)
    assert watch.check() is False and target.calls == []
    supplies.unplug(percent=19)
    assert watch.check() is True and target.calls == [("pause", PAUSE_BATTERY)]
    assert watch.check() is True and len(target.calls) == 1  # still low: not paused again
    supplies.plug_in()
    assert watch.check() is False and target.calls[-1] == ("resume", PAUSE_BATTERY)
    supplies.unplug(percent=19)
    assert watch.check() is True and target.calls[-1] == ("pause", PAUSE_BATTERY)
    supplies.unplug(percent=20 + RESUME_MARGIN_PERCENT - 1)  # a reading that wobbles over the limit
    assert watch.check() is True and target.calls[-1] == ("pause", PAUSE_BATTERY)
    supplies.unplug(percent=20 + RESUME_MARGIN_PERCENT)
    assert watch.check() is False and target.calls[-1] == ("resume", PAUSE_BATTERY)
    assert len(target.calls) == 4 and watch.checks == 7


def test_the_limit_follows_the_setting_and_zero_never_reads_the_battery(supplies, caplog):
    supplies.laptop(15, plugged=False)
    target = RecordingTarget()
    watch = BatteryWatch(SysfsPower(supplies.root), target, limit=0)
    watch.start()
    assert watch.checks == 0 and target.calls == []  # off: the files are not even read
    watch.set_limit(20)
    assert target.calls == [("pause", PAUSE_BATTERY)]
    watch.set_limit(10)  # 15 % is now well above the limit
    assert target.calls[-1] == ("resume", PAUSE_BATTERY)
    watch.set_limit(30)
    assert target.calls[-1] == ("pause", PAUSE_BATTERY)
    with caplog.at_level(logging.INFO, logger="fhp_monitor.desktop.power"):
        watch.set_limit(0)
    assert target.calls[-1] == ("resume", PAUSE_BATTERY) and "turned off" in caplog.text
    assert watch.checks == 3


def test_no_battery_and_no_probe_are_said_once_and_never_pause(supplies, caplog):
    target = RecordingTarget()
    with caplog.at_level(logging.INFO, logger="fhp_monitor.desktop.power"):
        desktop_pc = BatteryWatch(SysfsPower(supplies.root), target, limit=50)
        unknown = BatteryWatch(None, target, limit=50, name="fhp-monitor does not read the battery on plan9 yet")
        for _ in range(3):
            assert desktop_pc.check() is False and unknown.check() is False
    assert target.calls == []
    assert caplog.text.count("no battery found") == 1
    assert caplog.text.count("the battery is not watched: fhp-monitor does not read the battery on plan9") == 1


def test_a_probe_that_fails_is_said_once_and_monitoring_goes_on(caplog):
    def broken():
        raise OSError("EIO")

    target = RecordingTarget()
    with caplog.at_level(logging.INFO, logger="fhp_monitor.desktop.power"):
        watch = BatteryWatch(broken, target, limit=50)
        assert watch.check() is False and watch.check() is False
    assert caplog.text.count("the battery could not be read (EIO)") == 1 and target.calls == []


# --------------------------------------------------------------------------- a real worker


class MovedClock:
    """Wall and monotonic time that only move when the test says so."""

    def __init__(self) -> None:
        self.t = 1_000.0

    def now(self) -> float:
        return 1_790_000_000.0 + self.t

    def monotonic(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def estimator():
    with MediaPipePoseEstimator() as estimator:
        yield estimator


def test_the_worker_lets_go_of_the_camera_on_a_low_battery_and_the_users_pause_outlives_it(supplies, estimator):
    supplies.laptop(12, plugged=False)
    camera, clock, snapshots = RecordingCamera(), MovedClock(), []
    worker = MonitorWorker(source=camera, estimator=estimator, clock=clock,
                           settings=settings_from_dict({"camera": {"release_between_samples_s": 0}}),
                           baseline=None, notifier=RecordingNotifier(), history=None,
                           on_snapshot=snapshots.append)
    worker.step()  # looking, with the camera open
    assert camera.times("read") and camera.is_open and worker.looks == 1

    watch = BatteryWatch(SysfsPower(supplies.root), worker, limit=20)
    watch.start()  # checks at once: no further look on a low battery
    clock.t += 15
    worker.step()
    assert worker.released_for_pause.is_set() and not camera.is_open and camera.times("release")
    snapshot = worker.snapshot()
    assert snapshot.state is PostureState.PAUSED and snapshot.pause_reason == PAUSE_BATTERY
    assert snapshot.paused_until is None and worker.looks == 1
    assert messages.tooltip(snapshot, clock.now()) == "fhp-monitor: Paused to save battery"

    worker.pause(None, PAUSE_USER)  # the user pauses too
    clock.t += POLL_S
    worker.step()
    assert worker.snapshot().pause_reason == PAUSE_BATTERY  # the reason that holds longest is shown

    supplies.plug_in()
    clock.t += POLL_S
    watch.check()
    worker.step()
    assert worker.snapshot().pause_reason == PAUSE_USER and worker.looks == 1  # the user's pause survives
    worker.resume()
    clock.t += 1
    worker.step()
    assert worker.looks == 2 and worker.snapshot().state is not PostureState.PAUSED and camera.is_open

    supplies.unplug(percent=19)
    clock.t += POLL_S
    watch.check()
    worker.step()
    assert worker.snapshot().pause_reason == PAUSE_BATTERY and not camera.is_open
    worker.resume()  # the user's own Resume ends it: monitoring on battery after all, until it is unplugged again
    clock.t += 1
    worker.step()
    assert watch.check() is True  # still low: the watch does not pause again over the user's Resume
    worker.step()
    assert worker.looks == 4 and worker.snapshot().state is not PostureState.PAUSED


def test_on_the_shared_loop_it_polls_only_while_the_setting_is_on(supplies):
    supplies.laptop(15, plugged=False)
    loop = DBusLoop().start()
    target = RecordingTarget()
    watch = BatteryWatch(SysfsPower(supplies.root), target, limit=0, loop=loop, poll_s=0.05)
    try:
        watch.start()
        loop.call(_idle())  # every callback queued before this one has run
        assert not watch.polling and watch.checks == 0  # off: no timer at all, no wake-ups
        watch.set_limit(20)
        wait_until(lambda: target.calls == [("pause", PAUSE_BATTERY)], 10, "the pause on a low battery")
        supplies.plug_in()
        wait_until(lambda: target.calls[-1] == ("resume", PAUSE_BATTERY), 10, "the next poll to see the charger")
        assert watch.polling
        seen = watch.checks
        wait_until(lambda: watch.checks >= seen + 3, 10, "polls going on while the setting is on")
        watch.set_limit(0)
        loop.call(_idle())
        assert not watch.polling
        watch.set_limit(20)
        loop.call(_idle())
        assert watch.polling
        watch.stop()
        loop.call(_idle())
        assert not watch.polling
    finally:
        loop.close()


async def _idle() -> None:
    return None


# --------------------------------------------------------------------------- words and settings


def test_the_words_for_the_battery_pause():
    snapshot = StatusSnapshot(PostureState.PAUSED, since=0.0, pause_reason=PAUSE_BATTERY)
    assert messages.pause_words(PAUSE_BATTERY) == "Paused to save battery"
    assert messages.tooltip(snapshot, 0.0) == "fhp-monitor: Paused to save battery"
    status = {"running": True, "state": "paused", "pause_reason": PAUSE_BATTERY, "paused_until": None}
    assert status_words(status) == "running, paused to save battery"


@pytest.mark.parametrize("value", ["-1", "101", "20.5", "\"low\"", "true"])
def test_a_bad_limit_is_one_plain_line_naming_the_setting(value):
    with pytest.raises(ConfigError) as error:
        parse_settings(f"app:\n  pause_on_battery_below: {value}\n")
    assert str(error.value).splitlines() == [
        f"config.yaml: app.pause_on_battery_below must be a whole number from 0 to 100 (got {value})"]


def test_the_limit_is_off_by_default_and_reads_as_a_whole_percent():
    assert parse_settings("").app.pause_on_battery_below == 0
    assert parse_settings("app:\n  pause_on_battery_below: 20.0\n").app.pause_on_battery_below == 20


# --------------------------------------------------------------------------- the whole app


def test_the_app_pauses_on_a_low_battery_and_a_settings_edit_turns_it_off(tmp_path, calibrated, supplies):
    """`run` with the battery at 12 % and the limit at 20 %: status says on_battery before any look;
    setting the limit to 0 in config.yaml resumes it within one settings poll."""
    from fhp_monitor.settings.edit import save_changes

    supplies.laptop(12, plugged=False)
    home = copy_home(calibrated, tmp_path / "home")
    save_changes(home / "config.yaml", {("app", "pause_on_battery_below"): 20})
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 5)])
    env = clean_env(FHP_MONITOR_POWER="sysfs", **{ENV_SYSFS_DIR: str(supplies.root)})
    proc = start_fhp(home, "run", "--source", str(video), "--speed", "1", "--no-tray", env=env)

    def status() -> dict:
        done = fhp(home, "status", "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def alive(condition):
        def check():
            if proc.poll() is not None:
                pytest.fail(f"the app ended: {proc.communicate()}")
            return condition()
        return check

    try:
        paused = wait_until(alive(lambda: (s := status())["state"] == "paused" and s), 120, "the battery pause")
        assert paused["pause_reason"] == "on_battery" and paused["paused_until"] is None
        assert "Monitoring:  running, paused to save battery" in fhp(home, "status", env=env).stdout
        log = (home / "logs" / "fhp-monitor.log").read_text()
        assert "on battery with 12 % left (below 20 %): pausing" in log
        assert "paused (on_battery): camera released" in log

        save_changes(home / "config.yaml", {("app", "pause_on_battery_below"): 0})
        wait_until(alive(lambda: status()["state"] not in ("paused", "starting")), 60, "monitoring to resume")
        assert "pausing on battery is turned off: resuming" in (home / "logs" / "fhp-monitor.log").read_text()
        assert fhp(home, "quit", env=env).returncode == 0
        assert proc.wait(timeout=60) == 0
    finally:
        finish(proc, stop="kill")
