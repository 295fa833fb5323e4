"""The measurable shape of the code (issue 14, docs/architecture.md), so it cannot drift.

Read from the source with :mod:`ast`, nothing is imported: module and function sizes,
the layer rule (ingest/ and validators/ import nothing above them; store/ and notifier/
nothing from tinbai/), no import cycle, no SQL outside store/, the local time zone named
in one module, route and command modules imported rather than named as strings.

The few known exceptions are listed with the issue that removes them; an exception that
is no longer needed fails too, so the lists only shrink.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "validators", "store", "notifier", "tinbai")

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 100

#: Modules still over the size limit: path → (lines today, never more; who shrinks them).
#: None left; an entry here is a debt with a name on it, not a way around the limit.
OVERSIZE: dict[str, tuple[int, str]] = {}

#: What each package may import besides itself (layers point down; tinbai/ is the
#: composition root and may import everything).
ALLOWED: dict[str, frozenset[str]] = {
    "ingest": frozenset(),
    "validators": frozenset({"ingest"}),
    "store": frozenset({"ingest", "validators"}),
    "notifier": frozenset({"ingest", "validators"}),
    "tinbai": frozenset(PACKAGES),
}

#: Known upward imports: (importer, imported) → who removes it (none left).
UPWARD: dict[tuple[str, str], str] = {}

#: SQL statements (keywords as written in this code base: upper case).
_SQL = re.compile(
    r"\b(?:SELECT\s[\s\S]*?\bFROM\b|INSERT\s+(?:OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b"
    r"|DELETE\s+FROM\b|(?:CREATE|DROP|ALTER)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b"
    r"|PRAGMA\s+\w+|\bEXPLAIN\s+QUERY\b)"
)
#: The database driver and the store's private query helpers.
_DB_MODULES = frozenset({"sqlite3", "sqlite_utils"})
_DB_ATTRIBUTES = frozenset({"execute", "executemany", "executescript", "_all", "_one", "_count",
                            "_insert", "db"})


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in _sources()}


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module name imported anywhere in ``path`` (also inside functions and under
    TYPE_CHECKING: a dependency is a dependency), with its line."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module, node.lineno
            for alias in node.names:  # "from tinbai.web import auth" imports a module
                yield f"{module}.{alias.name}", node.lineno


def _internal_imports(path: Path) -> set[str]:
    """The project's modules that ``path`` imports."""
    modules = _modules()
    found: set[str] = set()
    for imported, _ in _imports(path):
        while imported and imported not in modules:
            imported = imported.rpartition(".")[0]
        if imported and imported != _module_name(path):
            found.add(imported)
    return found


# -- sizes ------------------------------------------------------------------------------


def test_no_module_is_over_500_lines() -> None:
    too_long = {}
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        allowed = OVERSIZE.get(_rel(path))
        if allowed is not None:
            cap, why = allowed
            assert lines > MAX_MODULE_LINES, f"{_rel(path)} is short now: drop it from OVERSIZE"
            assert lines <= cap, f"{_rel(path)} grew to {lines} lines ({why})"
        elif lines > MAX_MODULE_LINES:
            too_long[_rel(path)] = lines
    assert not too_long, f"split these modules (limit {MAX_MODULE_LINES} lines): {too_long}"


def _is_schema_data(path: Path, node: ast.AST) -> bool:
    """A schema migration: its length is DDL text, data rather than logic."""
    name = getattr(node, "name", "")
    return _rel(path) == "store/migrations.py" and re.fullmatch(r"_v\d+_\w+", name) is not None


def test_no_function_is_over_100_lines() -> None:
    too_long = {}
    for path in _sources():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_FUNCTION_LINES and not _is_schema_data(path, node):
                too_long[f"{_rel(path)}:{node.lineno} {node.name}"] = lines
    assert not too_long, f"cut these functions (limit {MAX_FUNCTION_LINES} lines): {too_long}"


# -- imports ----------------------------------------------------------------------------


def test_layers_point_down() -> None:
    upward: dict[tuple[str, str], str] = {}
    for name, path in _modules().items():
        package = name.split(".")[0]
        for imported in _internal_imports(path):
            target = imported.split(".")[0]
            if target != package and target not in ALLOWED[package]:
                upward[(name, imported)] = _rel(path)
    unexpected = sorted(set(upward) - set(UPWARD))
    assert not unexpected, f"imports against the layer rule (docs/architecture.md): {unexpected}"
    gone = sorted(set(UPWARD) - set(upward))
    assert not gone, f"no longer imported: drop from UPWARD: {gone}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    graph = {name: _internal_imports(path) for name, path in _modules().items()}
    # A package's __init__ may re-export its own modules; that is not a cycle of design.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(f"{t}.")}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_modules_are_imported_not_named_as_strings() -> None:
    """Route and command modules are imported (a typo fails at import, mypy sees them)."""
    named = []
    for path in _sources():
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "import_module"):
                named.append(f"{_rel(path)}:{node.lineno}")
    assert not named, named


# -- the store owns SQL -----------------------------------------------------------------


def _strings(tree: ast.AST) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value, node.lineno
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values
                           if isinstance(v, ast.Constant | ast.FormattedValue))
            yield text, node.lineno


def _sql_hits(tree: ast.AST) -> list[str]:
    """SQL text, database calls and driver imports in a parsed module, by line."""
    hits = [f"{line}: SQL text" for text, line in _strings(tree) if _SQL.search(text)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _DB_ATTRIBUTES:
            hits.append(f"{node.lineno}: .{node.attr}")
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        hits += [f"{node.lineno}: imports {n}" for n in names if n.split(".")[0] in _DB_MODULES]
    return hits


def test_no_sql_outside_store() -> None:
    found = [f"{_rel(path)}:{hit}" for path in _sources() if not _rel(path).startswith("store/")
             for hit in _sql_hits(_tree(path))]
    assert not found, f"SQL belongs in store/ (a query method of a repository): {found}"


@pytest.mark.parametrize("code", [
    'rows = db.execute("SELECT id FROM messages")',
    'q = f"UPDATE outbox SET state = {s!r}"',
    "store._all(query)",
    "import sqlite3",
    "from sqlite_utils import Database",
])
def test_the_sql_check_sees_sql(code: str) -> None:
    assert _sql_hits(ast.parse(code)), code


@pytest.mark.parametrize("code", [
    'error = f"{where}: SELECT {folder} gave no UIDVALIDITY"',  # IMAP, not SQL
    'label = "Chọn tin, bài từ danh sách"',
    "store.submissions.get(ref)",
])
def test_the_sql_check_leaves_other_text_alone(code: str) -> None:
    assert _sql_hits(ast.parse(code)) == []


# -- the local time zone ----------------------------------------------------------------


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    """Calls with their dotted callee (``datetime.now``, ``timezone``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = []
            func: ast.AST = node.func
            while isinstance(func, ast.Attribute):
                parts.append(func.attr)
                func = func.value
            if isinstance(func, ast.Name):
                parts.append(func.id)
            yield ".".join(reversed(parts)), node


def test_the_local_time_zone_is_defined_once() -> None:
    """Only tinbai/clock.py names a zone; tinbai/ asks it for "now" and "today"."""
    found = []
    for path in _sources():
        rel = _rel(path)
        for callee, call in _calls(_tree(path)):
            here = f"{rel}:{call.lineno} {callee}()"
            if callee.rsplit(".", 1)[-1] in ("timezone", "ZoneInfo") and rel != "tinbai/clock.py":
                found.append(here)
            elif callee in ("date.today", "datetime.today", "datetime.utcnow"):
                found.append(here)  # the machine's zone, or a naive UTC
            elif (callee == "datetime.now" and not call.args and not call.keywords
                  and rel.startswith("tinbai/")):
                found.append(here)
    assert not found, f"use tinbai.clock (zone, now, today): {found}"
