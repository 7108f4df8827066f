"""No import cycles in fhp_monitor/, function-local imports included (tools/import_cycles.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "tools" / "import_cycles.py")
import_cycles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_cycles)


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"fhp_monitor/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_package_has_no_import_cycle() -> None:
    graph, statements, local = import_cycles.import_graph(ROOT)
    assert len(graph) > 50 and statements > 400 and local > 20  # the scan really read the package
    assert graph["fhp_monitor.app"] >= {"fhp_monitor.worker", "fhp_monitor.config"}
    assert "fhp_monitor.desktop.tray_sni" in graph["fhp_monitor.desktop.tray"]  # a function-local import
    assert import_cycles.cycles(graph) == []


def test_a_cycle_through_a_function_local_import_is_found(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "fhp_monitor/a.py": "from fhp_monitor.b import thing\n",
        "fhp_monitor/b.py": "def thing():\n    from fhp_monitor import a\n    return a\n",
        "fhp_monitor/c.py": "import fhp_monitor.a\n",
    })
    graph, _statements, local = import_cycles.import_graph(root)
    assert local == 1
    assert import_cycles.cycles(graph) == [["fhp_monitor.a", "fhp_monitor.b"]]


def test_relative_imports_and_package_inits_count(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "fhp_monitor/sub/__init__.py": "from fhp_monitor.top import VALUE\n",
        "fhp_monitor/sub/leaf.py": "from . import sibling\n",
        "fhp_monitor/sub/sibling.py": "",
        "fhp_monitor/top.py": "VALUE = 1\nif False:\n    from .sub import leaf\n",
    })
    graph, _statements, _local = import_cycles.import_graph(root)
    assert graph["fhp_monitor.sub.leaf"] == {"fhp_monitor", "fhp_monitor.sub", "fhp_monitor.sub.sibling"}
    # top -> sub.leaf runs sub/__init__, which imports top: a cycle through the package's __init__
    assert import_cycles.cycles(graph) == [["fhp_monitor.sub", "fhp_monitor.sub.leaf", "fhp_monitor.top"]]
