"""Run test code where file permissions apply: as 'nobody' in a forked child when the tests run as root."""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

NOBODY = 65534


def run_unprivileged(fn: Callable[[], object], before_dropping: Callable[[], object] | None = None):
    """Run ``fn`` directly, or in a forked child as 'nobody' if we are root.

    ``before_dropping`` runs in the child while still root (e.g. to finish lazy imports from a
    Python installation 'nobody' cannot read). Returns ("ok", value) or ("raised", type name, message).
    """
    if os.geteuid() != 0:
        try:
            return ("ok", fn())
        except Exception as exc:  # reported to the test, which asserts on it
            return ("raised", type(exc).__name__, str(exc))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop root for good, run, report through the pipe
        status = 0
        try:
            os.close(read_end)
            if before_dropping is not None:
                before_dropping()
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                result = ("ok", fn())
            except Exception as exc:
                result = ("raised", type(exc).__name__, str(exc))
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(result, out)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0 and data, "the unprivileged child failed before reporting"
    return pickle.loads(data)


def world_readable_tmp(prefix: str) -> Iterator[Path]:
    """A folder 'nobody' can enter (pytest's tmp_path parents are private to root); removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        for inner in (path, *path.rglob("*")):
            os.chmod(inner, 0o700)
        shutil.rmtree(path)
