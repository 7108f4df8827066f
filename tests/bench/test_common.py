"""bench/common.py imports where ``resource`` does not exist (Windows) and says in one line which
figure it cannot read there, instead of dying at import."""

from __future__ import annotations

import subprocess
import sys

from tests.support.running import REPO

WITHOUT_RESOURCE = """
import sys
sys.modules["resource"] = None  # as on Windows: "import resource" raises ImportError
sys.path.insert(0, "bench")
import common
common._status_field = lambda name: None  # as on Windows: no /proc
print(common.rss_mb(), common.peak_rss_mb())
"""


def test_without_resource_and_proc_the_bench_imports_and_says_so_once() -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_RESOURCE], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["nan", "nan"]
    said = [line for line in done.stderr.splitlines() if line.startswith("bench:")]
    assert said == [f"bench: the resident memory cannot be read on {sys.platform} (no /proc, no resource module); "
                    "it is shown as nan"], done.stderr


def test_where_it_can_be_read_it_is_a_real_figure() -> None:
    probe = ("import sys; sys.path.insert(0, 'bench'); import common\n"
             "print(common.rss_mb(), common.peak_rss_mb(), common._max_rss_mb())")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    now, peak, peak_by_resource = map(float, done.stdout.split())
    assert peak >= now > 10 and peak_by_resource > 10, done.stdout  # /proc, and the resource fallback (POSIX)
    assert "bench:" not in done.stderr
