"""The Windows control channel (control/windows_pipe.py) with real connections and a real server.

On Windows (the Windows lane, under Wine) it runs over a real named pipe; on Linux the very same
code and handshake run over multiprocessing's AF_UNIX family, so both lanes prove a client
without the key is refused and the server keeps answering."""

from __future__ import annotations

import json
import os
import threading
import uuid
from functools import partial
from multiprocessing import connection as mpc

import pytest

from fhp_monitor.control import server as control_server
from fhp_monitor.control import windows_pipe
from fhp_monitor.control.channel import ControlError
from fhp_monitor.control.client import request
from fhp_monitor.core.commands import Command, Verb
from fhp_monitor.home.folder import Home
from fhp_monitor.home.instance_lock import SingleInstance


@pytest.fixture
def home(tmp_path) -> Home:
    root = tmp_path / "home"
    root.mkdir()
    return Home(root=root, log_dir=root / "logs")


@pytest.fixture
def where(tmp_path) -> dict:
    if os.name == "nt":
        return {"family": "AF_PIPE", "address": rf"\\.\pipe\fhp-monitor-test-{uuid.uuid4().hex}"}
    return {"family": "AF_UNIX", "address": str(tmp_path / "pipe")}


class FakeTransport:
    """windows_pipe itself, pointed at a private address (the module's functions, unchanged)."""

    def __init__(self, where: dict) -> None:
        self.listen = partial(windows_pipe.listen, **where)
        self.connect = partial(windows_pipe.connect, **where)
        self.process_gone = windows_pipe.process_gone
        self.available = lambda: True


@pytest.fixture
def served(home, where, monkeypatch):
    """A real ControlServer (real thread, real channel) of a pretend app that records its commands."""
    transport = FakeTransport(where)
    monkeypatch.setattr(control_server, "transport", lambda: transport)
    monkeypatch.setattr("fhp_monitor.control.client.transport", lambda: transport)
    posted: list[Command] = []
    server = control_server.ControlServer(home, posted.append, lambda: {"state": "upright", "window": False})
    lock = SingleInstance(home.lock)
    lock.acquire()
    assert server.start()
    try:
        yield server, posted
    finally:
        server.stop()
        lock.release()


def test_the_key_is_fresh_private_and_goes_with_the_server(home, served):
    key = windows_pipe.read_key(home)
    assert key is not None and len(key) == windows_pipe.KEY_BYTES
    if os.name != "nt":
        assert oct(os.stat(home.root / windows_pipe.KEY_NAME).st_mode & 0o777) == "0o600"
    server, _posted = served
    server.stop()
    assert not (home.root / windows_pipe.KEY_NAME).exists()


def test_a_client_with_the_key_is_answered(home, served):
    _server, posted = served
    reply = request(home, {"cmd": "status"}, connect_wait_s=5)
    assert reply["ok"] is True and reply["status"]["state"] == "upright"
    reply = request(home, {"cmd": "quit"}, connect_wait_s=5)
    assert reply["done"] is True and posted == [Command(Verb.QUIT)]


def test_a_client_without_the_key_is_refused_and_the_server_keeps_answering(home, where, served, caplog):
    _server, posted = served
    # 1. a client that guesses a key: its answer to the challenge is wrong
    conn = mpc.Client(where["address"], family=where["family"])
    challenge = conn.recv_bytes(256)
    conn.send_bytes(b"\0" * 32 + os.urandom(32))
    with pytest.raises((EOFError, OSError)):
        conn.recv_bytes(256)  # hung up on, nothing answered
    conn.close()
    assert len(challenge) == 32
    # 2. a client that skips the handshake and sends a command straight away
    conn = mpc.Client(where["address"], family=where["family"])
    conn.recv_bytes(256)
    conn.send_bytes(json.dumps({"cmd": "quit"}).encode() + b"\n")
    with pytest.raises((EOFError, OSError)):
        conn.recv_bytes(256)
    conn.close()
    # 3. multiprocessing's own authentication (it does not even understand our challenge)
    with pytest.raises((mpc.AuthenticationError, EOFError, OSError, AssertionError)):
        mpc.Client(where["address"], family=where["family"], authkey=b"not the key").close()
    assert posted == []
    assert "refused a control connection" in caplog.text
    assert request(home, {"cmd": "status"}, connect_wait_s=5)["ok"] is True


def test_the_client_refuses_a_server_without_the_key(home, where):
    """An impostor that made the pipe first: the client never sends it a command."""
    windows_pipe.write_key(home)
    listener = mpc.Listener(where["address"], family=where["family"])
    heard: list[bytes] = []
    answers: list[bytes] = []

    def impostor() -> None:
        with listener.accept() as conn:
            conn.send_bytes(os.urandom(32))
            answers.append(conn.recv_bytes(256))
            conn.send_bytes(os.urandom(32))  # cannot prove the key
            try:
                heard.append(conn.recv_bytes(4096))
            except EOFError:
                answers.append(b"the client hung up")

    thread = threading.Thread(target=impostor)
    thread.start()
    try:
        with pytest.raises(ControlError, match="does not hold its key"):
            windows_pipe.connect(home, 5, **where)
    finally:
        thread.join(10)
        listener.close()
    assert len(answers[0]) == 64 and answers[1:] == [b"the client hung up"]  # it answered the challenge ...
    assert heard == []  # ... and then sent nothing, since the server could not prove the key


def test_a_silent_client_cannot_hold_the_server(home, where, served):
    conn = mpc.Client(where["address"], family=where["family"])  # connects, never answers the challenge
    try:
        assert request(home, {"cmd": "status"}, connect_wait_s=10)["ok"] is True
    finally:
        conn.close()
