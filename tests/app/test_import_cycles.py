"""No import cycles inside fhp_monitor, counting every import statement wherever it sits.

An AST walk over the package: module-level, function-local and ``if TYPE_CHECKING:`` imports all
make edges (a function-local import hides a cycle until the day that function runs first). Importing
``a.b.c`` also runs ``a`` and ``a.b``, so those are edges too. Run as a script to print the figures.

One pattern is not an edge: a capability folder's ``__init__`` choosing its backend with a
function-local import of its own submodule (``desktop/tray/__init__.py`` importing ``tray.sni`` inside
``start_tray``). That import runs after the package has finished loading, so the backend's implicit
import of its parent finds it complete. The same import at module level still counts.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "fhp_monitor"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _imports(tree: ast.AST, in_function: bool = False):
    """(import node, whether it sits inside a function) for every import statement in ``tree``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function
        inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from _imports(child, inside)


def import_graph() -> dict[str, set[str]]:
    """module -> the fhp_monitor modules it imports (itself excluded)."""
    modules = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base]
                # ``from pkg import sub`` imports the submodule pkg.sub
                targets += [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
            for target in targets:
                if is_package and in_function and target.startswith(name + "."):
                    continue  # the folder choosing its own backend on demand (see the docstring)
                for step in _with_parents(target):
                    if step in modules and step != name:
                        graph[name].add(step)
    # a module also runs its parent packages' __init__ first
    for name in modules:
        graph[name].update(p for p in _with_parents(name)[:-1] if p in modules)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_scan_sees_function_local_imports() -> None:
    graph = import_graph()
    # cli/frames.py imports sources only inside the commands that read pictures (cv2 stays unloaded otherwise)
    assert "fhp_monitor.sensing.sources" in graph["fhp_monitor.cli.frames"]
    assert "fhp_monitor" in graph["fhp_monitor.core.geometry"]  # parent packages count
    assert len(graph) > 40


def test_no_import_cycles_in_the_package() -> None:
    graph = import_graph()
    assert cycles(graph) == [], "import cycles (each list is one strongly connected group of modules)"


def test_only_the_command_line_reaches_up_to_app_and_cli() -> None:
    """The layers point down: app (the composition root) is imported only by cli, and cli only by
    __main__ and itself; no lower layer reaches up to them."""
    graph = import_graph()
    up = {
        module: sorted(d for d in deps if d == f"{PACKAGE}.app" or d.startswith(f"{PACKAGE}.cli"))
        for module, deps in graph.items()
        if not module.startswith(f"{PACKAGE}.cli") and module != f"{PACKAGE}.__main__"
    }
    assert {module: deps for module, deps in up.items() if deps} == {}


def test_a_backend_chosen_at_module_level_of_its_folder_counts_as_an_edge(tmp_path, monkeypatch) -> None:
    package = tmp_path / PACKAGE / "tray"
    package.mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (package / "sni.py").write_text("from fhp_monitor.tray import LABELS\n")
    (package / "__init__.py").write_text("LABELS = 1\ndef start():\n    from fhp_monitor.tray.sni import x\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / PACKAGE)
    assert cycles(import_graph()) == []  # chosen on demand: not a cycle
    (package / "__init__.py").write_text("from fhp_monitor.tray.sni import x\nLABELS = 1\n")
    assert cycles(import_graph()) == [["fhp_monitor.tray", "fhp_monitor.tray.sni"]]


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    graph = {name: set(edges) for name, edges in import_graph().items()}
    graph["fhp_monitor.core.geometry"].add("fhp_monitor.cli.frames")
    assert any({"fhp_monitor.core.geometry", "fhp_monitor.cli.frames"} <= set(group) for group in cycles(graph))


if __name__ == "__main__":
    found_graph = import_graph()
    print(f"{len(found_graph)} modules, {sum(map(len, found_graph.values()))} import edges, "
          f"cycles: {cycles(found_graph) or 'none'}")
