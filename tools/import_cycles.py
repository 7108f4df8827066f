"""Scan fhp_monitor/ for import cycles, counting every import statement wherever it stands.

An AST walk over each module (top-level, function-local and ``if TYPE_CHECKING:`` imports alike)
builds the graph "module A imports module B" between the package's own modules; importing
``a.b.c`` also runs ``a/__init__`` and ``a/b/__init__``, so those count as edges too. Cycles are
the strongly connected components with more than one module (or a module importing itself).

    python tools/import_cycles.py            # prints the counts and any cycle; exit 1 on a cycle
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "fhp_monitor"


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under ``root/PACKAGE``."""
    names = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Dotted names an import statement may load (the caller keeps those that are our modules)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # ``from pkg import name``: name is a submodule or an attribute of pkg; both load pkg.
    return [target] + [f"{target}.{alias.name}" for alias in node.names if alias.name != "*"]


def import_graph(root: Path) -> tuple[dict[str, set[str]], int, int]:
    """The graph (module -> our modules it imports), the number of import statements seen, and how
    many of those stand inside a function."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    statements = local = 0
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        in_function: set[ast.AST] = set()
        for func in ast.walk(tree):
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                in_function.update(ast.walk(func))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            statements += 1
            local += node in in_function
            for target in _imported(node, name, path.name == "__init__.py"):
                parts = target.split(".")
                for end in range(1, len(parts) + 1):  # a.b.c also runs a/__init__ and a/b/__init__
                    dotted = ".".join(parts[:end])
                    if dotted in modules and dotted != name:
                        graph[name].add(dotted)
    return graph, statements, local


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with a cycle in them (Tarjan), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:  # iterative, so a deep graph cannot hit the recursion limit
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found, key=lambda c: (-len(c), c))


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    graph, statements, local = import_graph(root)
    found = cycles(graph)
    edges = sum(len(targets) for targets in graph.values())
    print(f"{len(graph)} modules, {statements} import statements ({local} inside functions), "
          f"{edges} edges between our modules, {len(found)} cycle(s)")
    for component in found:
        print("cycle:", " <-> ".join(component))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
