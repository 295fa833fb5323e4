"""Generated parts of the README: the CLI reference and the config reference.

``python -m tinbai.docs`` rewrites the marked sections of README.md from the code (the
argparse parsers and the pydantic models); ``tests/test_readme.py`` fails when they
drift, as sqlite-utils does with cog.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

README = Path(__file__).resolve().parent.parent / "README.md"


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((name, sub))
    return found


def render_cli() -> str:
    """``--help`` of every (sub-)command, as one Markdown code block each."""
    from tinbai.cli import build_parser

    os.environ["COLUMNS"] = "100"
    parser = build_parser()
    blocks = [f"```\n{parser.format_help().strip()}\n```"]

    def walk(prefix: str, node: argparse.ArgumentParser) -> None:
        for name, sub in _subparsers(node):
            command = f"{prefix} {name}"
            blocks.append(f"#### `{command}`\n\n```\n{sub.format_help().strip()}\n```")
            walk(command, sub)

    walk("tinbai", parser)
    text = "\n\n".join(blocks)
    # argparse names the program after argv[0]; make the text independent of how it ran.
    return re.sub(r"usage: \S+", "usage: tinbai", text)


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (list, dict):
        args = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{origin.__name__}[{args}]"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        try:
            value = info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return "(see below)"
        if isinstance(value, BaseModel):
            return "(see below)"
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            return "(see config.yaml)"
        if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
            return "(see config.yaml)"
        return _short(value) if value not in ({}, []) else "empty"
    if info.default is PydanticUndefined:
        return "required"
    if info.default is None:
        return "`null`"
    return _short(info.default)


def _short(value: Any) -> str:
    text = str(value)
    if text == "":
        return '`""`'
    return f"`{text}`" if len(text) <= 40 else f"`{text[:36]}…` (see config.yaml)"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def config_rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key path, type, default, description) for every key, depth first."""
    rows: list[tuple[str, str, str, str]] = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = info.alias or name
        path = f"{prefix}{key}"
        annotation = info.annotation
        nested = _model_of(annotation)
        origin = typing.get_origin(annotation)
        if origin is list and nested is not None:
            rows.append((path, "list", _default(info), (info.description or "").strip()))
            rows.extend(config_rows(nested, f"{path}[]."))
        elif origin is dict and nested is not None:
            rows.append((path, "mapping", _default(info), (info.description or "").strip()))
            rows.extend(config_rows(nested, f"{path}.NAME."))
        elif annotation is nested and nested is not None:
            rows.extend(config_rows(nested, f"{path}."))  # a nested section
        else:
            rows.append((path, _type_name(annotation), _default(info),
                         " ".join((info.description or "").split())))
    return rows


def render_config() -> str:
    """A Markdown table of every config key."""
    from tinbai.config import Config

    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for path, kind, default, meaning in config_rows(Config):
        lines.append(f"| `{path}` | {kind} | {default} | {meaning.replace('|', '/')} |")
    return "\n".join(lines)


SECTIONS = {"cli": render_cli, "config": render_config}


def render_readme(text: str) -> str:
    """README text with every generated section replaced by its current rendering."""
    for name, render in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise ValueError(f"README has no <!-- {name}:start --> … <!-- {name}:end --> section")
        body = render()

        def replace(match: re.Match[str], body: str = body) -> str:
            return f"{match.group(1)}{body}\n{match.group(2)}"

        text = pattern.sub(replace, text)
    return text


def main() -> int:
    """Rewrite README.md in place."""
    text = README.read_text(encoding="utf-8")
    new = render_readme(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md updated")
    else:
        print("README.md is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
