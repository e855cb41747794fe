"""The core's shape, kept: bot/core imports only itself and the standard library (no SDK, no
storage, no renderer above it), and no two core modules import each other in a circle.

Imports under `if TYPE_CHECKING:` count like any other: a circle hidden from the interpreter
still means neither module can be read or tested without the other. So do imports inside
functions (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "bot" / "core"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports, absolute; `from a import b` gives `a.b` too (b may be a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, `level - 1` packages up
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def core_graph() -> dict[str, set[str]]:
    """Core module -> the core modules it imports."""
    modules = {module_name(path): path for path in sorted(CORE.rglob("*.py"))}
    return {name: {m for m in imports(path) if m in modules and m != name} for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_core_imports_only_itself_and_the_standard_library() -> None:
    outside = {
        f"{module_name(path)} imports {imported}"
        for path in CORE.rglob("*.py")
        for imported in imports(path)
        if imported != "__future__"
        and imported.split(".")[0] not in sys.stdlib_module_names
        and not (imported == "bot.core" or imported.startswith("bot.core."))
    }
    # `from bot import core` would name bot.core by its parent; nothing in the core does that
    assert not sorted(outside), "the core depends on something outside it: pass it in through a port"


def test_no_two_core_modules_import_each_other_in_a_circle() -> None:
    graph = core_graph()
    assert len(graph) > 20  # the walk found the core, not an empty folder
    assert circles(graph) == [], "core modules in an import circle (TYPE_CHECKING imports count)"


def test_the_circle_check_sees_a_circle() -> None:
    """The check itself can fail: a circle through three modules, and a pair, are both found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d", "a"}, "f": set()}
    assert circles(graph) == [["a", "b", "c"], ["d", "e"]]
