"""``tinbai check-photo FILE... [--json]``: the photo rules alone, with their evidence.

For editors who want to know why a photo was refused, and for tuning thresholds: per file,
the format, size, camera, estimated quality, every sign of evidence (kind, strength, what
was seen), each rule's summary and the problems. A .zip is expanded as the pipeline does.
Exit status 0 when every file was read from disk, 2 when a path could not be read (the
others are still reported).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ingest.photos import PhotoFacts, expand_zip, read_photo_facts
from validators.photos import check_photo, explain_photo
from validators.photos.signs import gather
from validators.problems import Problem
from validators.settings import ValidationSettings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``check-photo`` on the ``tinbai`` command."""
    parser = subparsers.add_parser(
        "check-photo", help="run the photo checks on image files (or a .zip of photos)"
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array, one object per file"
    )
    parser.set_defaults(func=_handler)


def _handler(args: argparse.Namespace, config: Any) -> int:
    """Adapter for ``tinbai.cli`` (handlers receive the whole config)."""
    settings = getattr(config, "validation", config)
    return run(args, settings if isinstance(settings, ValidationSettings) else ValidationSettings())


def _entry(
    facts: PhotoFacts, problems: list[Problem], settings: ValidationSettings
) -> dict[str, Any]:
    """One file as a SPEC §7 ``photos`` entry plus its evidence (``signs``: every sign with
    its kind, code, strength and what was seen; ``evidence``: the facts and each rule's
    summary)."""
    signs = [] if facts.error else [e.as_dict() for e in gather(facts, settings.photos)]
    return {
        "file": facts.filename,
        "format": facts.format,
        "width": facts.width,
        "height": facts.height,
        "quality": facts.quality,
        "camera": facts.camera,
        "problems": [
            {k: p.as_dict().get(k) for k in ("code", "severity", "field", "file", "message",
                                              "detail", "evidence")}
            for p in problems
        ],
        "signs": signs,
        "evidence": {**facts.evidence, "rules": explain_photo(facts, settings)},
    }


def _photos_of(path: Path, data: bytes, settings: ValidationSettings) -> list[PhotoFacts]:
    """The facts of one path: a photo, or each photo of a .zip."""
    rules = settings.photos
    if path.suffix.lower() != ".zip":
        return [read_photo_facts(path.name, data, rules)]
    entries, errors = expand_zip(path.name, data, rules)
    found = [read_photo_facts(f"{path.name}/{name}", content, rules) for name, content in entries]
    found.extend(PhotoFacts(filename=path.name, error=error) for error in errors)
    return found


def _size(n: int) -> str:
    """Bytes for people."""
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} KB"


def _print_report(entry: dict[str, Any], size_bytes: int) -> None:
    """The readable per-file report (Vietnamese labels: it is for editors)."""
    print(entry["file"])
    size = f"{entry['width']}×{entry['height']}" if entry["width"] else "?"
    print(f"  Định dạng:   {entry['format'] or '?'}, {size} px, {_size(size_bytes)}")
    print(f"  Máy chụp:    {entry['camera'] or '(không có)'}")
    if entry["quality"] is not None:
        distance = entry["evidence"].get("quality_distance")
        kind = "bảng chuẩn libjpeg" if distance == 0 else f"bảng riêng, độ lệch {distance}"
        print(f"  Chất lượng:  {entry['quality']} ({kind})")
    if entry["signs"]:
        print("  Dấu hiệu:")
        for sign in entry["signs"]:
            detail = f" ({sign['technical']})" if sign.get("technical") else ""
            print(f"    · [{sign['strength_label']}] {sign['seen']}{detail}")
    failed = {p["code"] for p in entry["problems"]}
    print("  Các quy tắc:")
    for name, evidence in entry["evidence"]["rules"].items():
        mark = "✗" if name in failed else "✓"
        print(f"    {mark} {name}: {evidence}")
    if entry["problems"]:
        print("  Vấn đề:")
        for p in entry["problems"]:
            print(f"    - [{p['severity']}] {p['code']}: {p['message']}")
    else:
        print("  Kết luận:    đạt")
    print()


def run(args: argparse.Namespace, settings: ValidationSettings) -> int:
    """Check every file given; print a report or a JSON array."""
    status = 0
    entries: list[dict[str, Any]] = []
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"tinbai check-photo: cannot read {path}: {exc.strerror}", file=sys.stderr)
            status = 2
            continue
        for facts in _photos_of(path, data, settings):
            entry = _entry(facts, check_photo(facts, settings), settings)
            entries.append(entry)
            if not args.json:
                _print_report(entry, facts.size_bytes)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2, default=str))
    return status
