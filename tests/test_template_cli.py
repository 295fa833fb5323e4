"""The template cases through the real pipeline, as ``tinbai check FILE.eml --json`` runs it.

The steps of ``tinbai check`` are called in-process (config, MIME parser, check_json)
rather than through ``tinbai.cli`` so that these cases do not depend on every other command
module importing cleanly.

Photo codes are left aside (the photo checks have their own tests); every other problem
code, the status, the fields and the normalised values must match the sidecar.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_template_harness import CASES, load_expected, without_soffice

CASE_FILES = sorted(CASES.glob("*.eml"))


def _check_json(path: Path) -> dict[str, Any]:
    from ingest.mime import parse_message
    from tinbai.commands.check import check_json
    from tinbai.config import load_config

    config = load_config(CASES / "config.yaml")
    limits = config.limits
    mail = parse_message(
        path.read_bytes(), max_parts=limits.max_mime_parts, max_depth=limits.max_mime_depth
    )
    result = check_json(mail, config)
    data: dict[str, Any] = json.loads(json.dumps(result, ensure_ascii=False))
    return data


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case_through_pipeline(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_expected(path)
    if expected.get("requires", {}).get("soffice") is False:
        without_soffice(monkeypatch)  # the case shows the answer without LibreOffice
    data = _check_json(path)
    fields = data["fields"]
    for key, value in expected.get("fields", {}).items():
        assert fields.get(key) == value, key
    for key, part in expected.get("fields_contains", {}).items():
        assert part in (fields.get(key) or ""), key
    for key, value in expected.get("normalized", {}).items():
        assert fields.get(key) == value, key
    if "template_source" in expected:
        assert data["template_source"] == expected["template_source"]
    got = sorted(
        f"{p['code']}:{p['field']}" if p.get("field") else p["code"]
        for p in data["problems"]
        if not p["code"].startswith("photo_") and p["code"] != "no_photo"
    )
    assert got == sorted(expected["problems"])
    photo_codes = {p["code"] for p in data["problems"] if p["code"].startswith("photo_")}
    for code in expected.get("photo_problems", []):
        assert code in photo_codes
    assert data["status"] == expected["status"]
