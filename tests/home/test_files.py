"""Private files on every system (home/files.py): the same tests run on Linux and, in the Windows
lane, inside the Windows Python under Wine."""

from __future__ import annotations

import os
import stat
from types import SimpleNamespace

import pytest

from fhp_monitor.home import files
from fhp_monitor.home.folder import HomeError, open_private


def fake_stat(mode: int, attributes: int = 0) -> SimpleNamespace:
    return SimpleNamespace(st_mode=mode, st_file_attributes=attributes)


def test_a_reparse_point_is_a_link_and_a_plain_file_or_profile_folder_is_not():
    reparse = files.FILE_ATTRIBUTE_REPARSE_POINT
    assert files.is_link(fake_stat(stat.S_IFLNK | 0o777))
    assert files.is_link(fake_stat(stat.S_IFREG | 0o666, reparse))            # a file symlink on NTFS
    assert files.is_link(fake_stat(stat.S_IFDIR | 0o777, reparse | 0x10))     # a junction
    assert not files.is_link(fake_stat(stat.S_IFREG | 0o666, 0x20))           # FILE_ATTRIBUTE_ARCHIVE
    assert not files.is_link(fake_stat(stat.S_IFDIR | 0o777, 0x10))           # a normal profile folder
    assert not files.is_link(fake_stat(stat.S_IFREG | 0o600))                 # POSIX: no attributes at all


def test_a_new_private_file_is_binary_private_and_written_at_offsets(tmp_path):
    path = tmp_path / "spool.bin"
    fd = files.open_no_follow(path, os.O_RDWR | os.O_CREAT)
    try:
        files.keep_private(fd)
        files.reserve(fd, 4096)
        assert os.fstat(fd).st_size == 4096
        assert files.write_at(fd, b"a\nb\x1ac\r\n", 10) == 7
        assert files.write_at(fd, b"Z", 0) == 1
    finally:
        os.close(fd)
    data = path.read_bytes()
    assert data[:1] == b"Z" and data[10:17] == b"a\nb\x1ac\r\n" and len(data) == 4096
    fd = files.open_no_follow(path, os.O_RDONLY | files.NONBLOCK)
    try:  # a Ctrl-Z byte does not end a read, and no \r\n is turned into \n
        assert os.read(fd, 8192) == data
    finally:
        os.close(fd)
    if os.name != "nt":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_planted_link_is_refused_and_its_target_left_alone(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "config.yaml"
    try:
        os.symlink(precious, link)
    except (OSError, NotImplementedError) as exc:
        pytest.skip(f"this system cannot make a symbolic link here ({exc})")
    if not files.path_is_link(link):
        pytest.skip("this system makes links that do not show as links (Wine 8 shows the target)")
    with pytest.raises(files.LinkRefused):
        files.open_no_follow(link, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with pytest.raises(HomeError, match="is a link"):
        open_private(link, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    assert precious.read_text() == "keep me"


def test_a_normal_folder_is_not_refused(tmp_path):
    """The user's profile folder (or any plain folder) holds our files without complaint."""
    folder = tmp_path / "AppData" / "Roaming" / "fhp-monitor"
    folder.mkdir(parents=True)
    assert not files.path_is_link(folder) and not files.path_is_link(folder / "missing")
    fd = open_private(folder / "state.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    os.close(fd)
    assert (folder / "state.json").is_file()


@pytest.mark.skipif(os.name != "nt", reason="Windows' folders: the Windows lane (under Wine)")
def test_on_windows_the_home_is_in_appdata_and_logs_in_local_appdata():
    from pathlib import Path

    from fhp_monitor.home.folder import Home

    home = Home.locate(None, {})
    assert home.root == Path(os.environ["APPDATA"]) / "fhp-monitor" and home.root.is_dir()
    assert home.log_dir == Path(os.environ["LOCALAPPDATA"]) / "fhp-monitor" / "Logs"
    assert not home.chosen
