"""The real labelled webcam photos in tests/data (MIT, see tests/data/slouching-or-not/LICENSE)."""

from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "slouching-or-not"
SESSIONS = sorted(p for p in DATA.iterdir() if p.is_dir())
UPRIGHT, FORWARD = "notSlouching", "isSlouching"


def session_folder(session: Path, label: str) -> Path:
    return session / label
