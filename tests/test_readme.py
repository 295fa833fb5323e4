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


def test_config_yaml_has_a_comment_for_every_section() -> None:
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert text.count("#") > 40


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
