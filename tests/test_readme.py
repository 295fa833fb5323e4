"""The README and config.yaml stay in sync with the code (as sqlite-utils does with cog)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tinbai.config import Config
from tinbai.docs import README, config_rows, render_readme

ROOT = Path(__file__).resolve().parent.parent


def test_generated_readme_sections_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert render_readme(text) == text, "run: python -m tinbai.docs"


def _paths(node: Any, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}{key}"
            found.add(path)
            found |= _paths(value, f"{path}.")
    elif isinstance(node, list):
        for item in node:
            found |= _paths(item, prefix[:-1] + "[].")
    return found


def _normalise(path: str, mappings: list[str]) -> str:
    """``unit_kinds.co_so.label`` → ``unit_kinds.NAME.label`` for every mapping key."""
    for mapping in mappings:
        path = re.sub(rf"^{re.escape(mapping)}\.[^.]+(?=\.|$)", f"{mapping}.NAME", path)
    return path


def test_config_yaml_documents_every_key() -> None:
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    rows = config_rows(Config)
    mappings = [row[0] for row in rows if row[1] == "mapping"]
    present = {_normalise(p, mappings) for p in _paths(data)}
    expected = {row[0] for row in rows}
    missing = sorted(expected - present)
    assert not missing, f"config.yaml lacks: {missing}"


def _trailing_comment(line: str) -> bool:
    """Whether a YAML line ends with a ``# comment`` (a ``#`` outside quotes, after a space)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return True
    return False


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<dash>-\s+)?(?:(?P<key>[A-Za-z_]\w*)\s*:(?!\S)"
                       r"(?P<value>.*)|(?P<flow>\{.*))$")
_FLOW_KEY = re.compile(r"(?:^|[{,])\s*([A-Za-z_]\w*)\s*:")


def _flow_keys(value: str) -> list[str]:
    """The keys of a one-line flow mapping (``{month: 1, year: 12}``), outer level only."""
    value = value.split(" #")[0].strip()
    if not value.startswith("{"):
        return []
    depth, outer = 0, []
    for ch in value:
        depth += ch in "{["
        depth -= ch in "}]"
        outer.append(ch if depth <= 1 else " ")
    return _FLOW_KEY.findall("".join(outer))


def commented_keys(text: str) -> dict[str, bool]:
    """Every key path of a YAML file (``units[].name``), and whether one of its lines has a
    comment of its own: at the end of the line, or on the line directly above."""
    found: dict[str, bool] = {}
    stack: list[tuple[int, str]] = []  # (column, path) of the open keys and list items
    above = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            above = bool(stripped)
            continue
        match = _KEY_LINE.match(line)
        if match is None:  # a scalar list item ("- photoshop", "- [720, 1280]")
            above = False
            continue
        column = len(match["indent"])
        commented = above or _trailing_comment(line)
        above = False
        while stack and stack[-1][0] >= column:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        if match["dash"]:  # a list item: its keys are children of "parent[]"
            parent = f"{parent}[]"
            stack.append((column, parent))
            column += len(match["dash"])
        if match["flow"] is not None:
            keys, base = _flow_keys(match["flow"]), parent
        else:
            path = f"{parent}.{match['key']}" if parent else str(match["key"])
            found[path] = found.get(path, False) or commented
            stack.append((column, path))
            keys, base = _flow_keys(match["value"]), path
        for key in keys:
            path = f"{base}.{key}" if base else key
            found[path] = found.get(path, False) or commented
    return found


def test_config_yaml_has_a_comment_for_every_key() -> None:
    """Each documented key is explained where it is set (a comment on it or just above)."""
    rows = config_rows(Config)
    mappings = [row[0] for row in rows if row[1] == "mapping"]
    keys: dict[str, bool] = {}
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    for path, commented in commented_keys(text).items():
        name = _normalise(path, mappings)
        keys[name] = keys.get(name, False) or commented
    assert set(keys) >= {row[0] for row in rows}, "test_config_yaml_documents_every_key"
    uncommented = sorted(row[0] for row in rows if not keys[row[0]])
    assert not uncommented, f"config.yaml: keys without a comment: {uncommented}"


def test_the_comment_check_reads_yaml_as_written() -> None:
    text = (
        "# the mailboxes\n"
        "mailboxes:\n"
        "  - name: a        # short name\n"
        "    url: 'x#y'\n"
        "quota: {month: 1, year: 2}  # items\n"
        "list:\n"
        "  # since: first day\n"
        "  - {since: 2024, note: \"a # b\"}\n"
    )
    assert commented_keys(text) == {
        "mailboxes": True, "mailboxes[].name": True, "mailboxes[].url": False,
        "quota": True, "quota.month": True, "quota.year": True, "list": False,
        "list[].since": True, "list[].note": True,
    }


def test_ci_runs_the_readme_test_command() -> None:
    readme = README.read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r"```sh\n(python3 -m venv \.venv && [^\n]*pytest)\n```", readme)
    assert match, "README must show the test command"
    assert match.group(1) in ci


def test_readme_quick_start_runs_the_demo() -> None:
    readme = README.read_text(encoding="utf-8")
    assert "pip install -e . && .venv/bin/tinbai demo" in readme
    assert "bash .ci/run" in readme
