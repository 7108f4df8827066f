"""Private files on every system: opened without following a link, binary, not inherited, 0600.

POSIX has ``O_NOFOLLOW``, ``fchmod``, ``pwrite`` and ``posix_fallocate``; Windows has none of them,
and this module gives each its Windows sense so the rest of the app can write the same code:

* **Never through a link.** POSIX: ``O_NOFOLLOW`` (ELOOP for a planted symbolic link). Windows: a
  *reparse point* (a symbolic link or a junction) where a file should be is refused before the open,
  and the file actually opened is checked to be the one at the path (same file index) afterwards,
  so a link swapped in between is refused too. A plain file in a normal profile folder is never
  refused: the checks look only at the file itself, not at the folders above it.
* **Private.** POSIX: 0600 (narrowed with ``fchmod`` if it was wider). Windows: the user's profile
  folders are private by their ACLs and new files inherit them; ``st_mode`` there only says
  "read-only or not", so nothing is narrowed.
* **Binary and not inherited.** ``O_BINARY`` (Windows' C runtime would otherwise stop a read at a
  Ctrl-Z byte) and ``O_CLOEXEC`` / ``O_NOINHERIT``.
* **Write at an offset / reserve space.** ``pwrite`` and ``posix_fallocate`` on POSIX; ``lseek`` +
  ``write`` and growing the file with zeros (``ftruncate``, which allocates on NTFS) on Windows.

Only the standard library; every function works on the system it runs on, and the decisions that
differ (is this a link?) are pure functions of a stat result, so both are tested on Linux too.
"""

from __future__ import annotations

import errno
import os
import stat

from fhp_monitor.core.i18n import _

WINDOWS = os.name == "nt"
FILE_ATTRIBUTE_REPARSE_POINT = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)
#: Added to every open of a file of ours: never follow a link (POSIX), binary, not inherited.
SAFE_FLAGS = (getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
              | getattr(os, "O_NOINHERIT", 0))
#: For a file that may be a link the user made (config.yaml is only read through one): binary, not inherited.
READ_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)
#: Do not wait on a FIFO (POSIX); Windows has no such files in a folder, so nothing to add there.
NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class LinkRefused(OSError):
    """A symbolic link or another reparse point (junction) sits where a file of ours should be."""

    def __init__(self, path: os.PathLike | str) -> None:
        super().__init__(errno.ELOOP, _("it is a link (a symbolic link or a junction)"), os.fspath(path))



def is_link(info: os.stat_result) -> bool:
    """True for a symbolic link, and on Windows for any reparse point (junction, mount point...).
    ``info`` comes from ``os.lstat``."""
    return stat.S_ISLNK(info.st_mode) or bool(getattr(info, "st_file_attributes", 0) & FILE_ATTRIBUTE_REPARSE_POINT)


def path_is_link(path: os.PathLike | str) -> bool:
    """``is_link`` of what is at ``path`` itself (False when nothing is there)."""
    try:
        return is_link(os.lstat(path))
    except (FileNotFoundError, NotADirectoryError):
        return False


def open_no_follow(path: os.PathLike | str, flags: int, mode: int = 0o600) -> int:
    """``os.open`` of a file of ours that never goes through a link at ``path`` (LinkRefused, an
    OSError with errno ELOOP, otherwise), binary and not inherited by children."""
    if not WINDOWS:
        try:
            return os.open(path, flags | SAFE_FLAGS, mode)
        except OSError as error:
            if error.errno == errno.ELOOP or path_is_link(path):
                raise LinkRefused(path) from error
            raise
    if path_is_link(path):
        raise LinkRefused(path)
    fd = os.open(path, flags | SAFE_FLAGS, mode)
    try:
        here, opened = os.lstat(path), os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if is_link(here) or (here.st_ino, here.st_dev) != (opened.st_ino, opened.st_dev):
        os.close(fd)
        raise LinkRefused(path)
    return fd


def keep_private(fd: int) -> None:
    """Narrow an open file of ours to 0600 at most (POSIX); Windows' inherited ACLs already are."""
    if WINDOWS:
        return
    info = os.fstat(fd)
    if info.st_mode & 0o077:
        os.fchmod(fd, info.st_mode & 0o700)


def write_at(fd: int, data: bytes, offset: int) -> int:
    """Write ``data`` at ``offset``; returns the bytes written. One thread per descriptor on
    Windows (it moves the file position)."""
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)


def reserve(fd: int, size: int) -> None:
    """Claim ``size`` bytes of disk for the file now (zeros), so later writes fit on a full disk."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(fd, 0, size)
    elif os.fstat(fd).st_size < size:
        os.ftruncate(fd, size)  # NTFS allocates the clusters of a grown (non-sparse) file


def owned_by_me(info: os.stat_result) -> bool:
    """POSIX: the file belongs to our effective user. Windows has no uid in a stat result; the
    user's own profile folder holds it, so True."""
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


__all__ = ["LinkRefused", "NONBLOCK", "READ_FLAGS", "SAFE_FLAGS", "is_link", "keep_private", "open_no_follow",
           "owned_by_me", "path_is_link", "reserve", "write_at"]
