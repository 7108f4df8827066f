"""The shared D-Bus loop against a real private session bus (dbus-daemon)."""

from __future__ import annotations

import subprocess

import pytest

from fhp_monitor.desktop.bus import BusUnavailable, DBusLoop
from tests.support.needs import need_programs


@pytest.fixture()
def private_bus(monkeypatch):
    need_programs("dbus-daemon")
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                              stdout=subprocess.PIPE, text=True)
    address = daemon.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield address
    daemon.terminate()
    daemon.wait(10)


def test_session_bus_calls_run_on_the_loop_thread_and_return_to_the_caller(private_bus):
    loop = DBusLoop().start()
    try:
        async def whoami():
            bus = await loop.session_bus()
            assert loop.in_loop_thread
            return bus.unique_name

        name = loop.call(whoami())
        assert name.startswith(":")
        assert loop.call(whoami()) == name  # one shared connection, not one per call
    finally:
        loop.close()
    assert not loop.running


def test_no_session_bus_is_a_plain_bus_unavailable(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    loop = DBusLoop().start()
    try:
        with pytest.raises(BusUnavailable, match="no D-Bus session bus"):
            loop.call(loop.session_bus())
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        with pytest.raises(BusUnavailable, match="cannot be reached"):
            loop.call(loop.session_bus())
    finally:
        loop.close()
