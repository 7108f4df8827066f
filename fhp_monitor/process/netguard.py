"""Switch the network off for this process (Linux seccomp), so nothing in it can phone home.

fhp-monitor never needs the network, but recent MediaPipe wheels carry Google's usage telemetry
(Clearcut) inside libmediapipe.so, which posts to play.googleapis.com on its own
(google-ai-edge/mediapipe#6291). Python cannot intercept sockets opened by C++, so before any thread
starts we install a seccomp filter, for every thread of the process and every program it starts:
``socket(AF_INET | AF_INET6, ...)`` fails with EACCES; everything else (local D-Bus and X11 sockets,
files) is untouched. The filter cannot be removed once set; it ends with the process.

Only x86-64 and arm64 Linux are handled; elsewhere ``block_internet`` returns False and logs why.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import platform
import struct
import sys

log = logging.getLogger(__name__)

# BPF opcodes and seccomp constants (linux/filter.h, linux/seccomp.h, linux/audit.h)
_LD_W_ABS, _JEQ_K, _RET_K = 0x20, 0x15, 0x06
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1
_AF_INET, _AF_INET6 = 2, 10
# machine -> (AUDIT_ARCH_*, socket syscall number, seccomp syscall number)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 317),
    "aarch64": (0xC00000B7, 198, 277),
}

_blocked = False


def _filter(audit_arch: int, socket_nr: int) -> bytes:
    """The BPF program: deny socket() for internet families on this architecture, allow the rest."""
    program = [
        (_LD_W_ABS, 0, 0, 4),             # 0: A = seccomp_data.arch
        (_JEQ_K, 0, 5, audit_arch),       # 1: other architecture -> allow (7)
        (_LD_W_ABS, 0, 0, 0),             # 2: A = seccomp_data.nr
        (_JEQ_K, 0, 3, socket_nr),        # 3: not socket() -> allow (7)
        (_LD_W_ABS, 0, 0, 16),            # 4: A = low word of args[0] (the address family)
        (_JEQ_K, 2, 0, _AF_INET),         # 5: AF_INET -> deny (8)
        (_JEQ_K, 1, 0, _AF_INET6),        # 6: AF_INET6 -> deny (8)
        (_RET_K, 0, 0, _RET_ALLOW),       # 7
        (_RET_K, 0, 0, _RET_ERRNO | errno.EACCES),  # 8
    ]
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


def block_internet() -> bool:
    """Deny internet sockets to this process and its children from now on. True when in force."""
    global _blocked
    if _blocked:
        return True
    arch = _ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        log.info("network guard not available on %s/%s", sys.platform, platform.machine())
        return False
    audit_arch, socket_nr, seccomp_nr = arch
    code = _filter(audit_arch, socket_nr)
    buffer = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        log.warning("network guard not installed: prctl failed (%s)", errno.errorcode.get(ctypes.get_errno()))
        return False
    result = libc.syscall(ctypes.c_long(seccomp_nr), ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
                          ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog))
    if result != 0:
        log.warning("network guard not installed: seccomp failed (%s)", errno.errorcode.get(ctypes.get_errno()))
        return False
    _blocked = True
    log.info("network switched off for fhp-monitor (seccomp)")
    return True
