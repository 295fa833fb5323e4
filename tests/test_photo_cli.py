"""``tinbai check-photo``: JSON shaped like SPEC §7 ``photos`` entries, and the report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from photo_factory import camera_exif, make_jpeg, make_zip

from tinbai.commands.check_photo import add_parser, run
from validators.settings import ValidationSettings


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tinbai")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    good = tmp_path / "IMG_0001.jpg"
    good.write_bytes(make_jpeg(exif=camera_exif(), quality=95))
    chat = tmp_path / "received_1.jpeg"
    chat.write_bytes(make_jpeg((1600, 1200), quality=75))
    return [good, chat]


def test_json_is_an_array_of_photo_entries(
    photos: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(["check-photo", "--json", *map(str, photos)])
    assert run(args, ValidationSettings()) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["file"] for e in entries] == ["IMG_0001.jpg", "received_1.jpeg"]
    good, chat = entries
    assert {k: good[k] for k in ("format", "width", "height", "quality", "camera")} == {
        "format": "JPEG", "width": 2000, "height": 1500, "quality": 95,
        "camera": "samsung SM-A525F",
    }  # fmt: skip
    assert good["problems"] == []
    assert set(good["evidence"]["rules"]) >= {"photo_recompressed", "photo_edited"}
    assert [p["code"] for p in chat["problems"]] == ["photo_not_original", "photo_recompressed"]
    for problem in chat["problems"]:
        assert {"code", "severity", "field", "file", "message"} <= set(problem)
        assert problem["severity"] == "error" and problem["file"] == "received_1.jpeg"


def test_readable_report(photos: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse(["check-photo", *map(str, photos)]), ValidationSettings()) == 0
    out = capsys.readouterr().out
    assert "Máy chụp:    samsung SM-A525F" in out
    assert "Chất lượng:  95 (bảng chuẩn libjpeg)" in out
    assert "✗ photo_recompressed" in out


def test_zip_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "anh.zip"
    archive.write_bytes(make_zip([("../a.jpg", make_jpeg(exif=camera_exif(), quality=95))]))
    args = parse(["check-photo", "--json", str(archive), str(tmp_path / "missing.jpg")])
    assert run(args, ValidationSettings()) == 2
    captured = capsys.readouterr()
    assert [e["file"] for e in json.loads(captured.out)] == ["anh.zip/a.jpg"]
    assert "missing.jpg" in captured.err


def test_unreadable_file_skips_the_other_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(make_jpeg(exif=camera_exif())[:5000])
    assert run(parse(["check-photo", "--json", str(broken)]), ValidationSettings()) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in entry["problems"]] == ["photo_unreadable"]
    assert entry["evidence"]["rules"]["photo_edited"].startswith("không kiểm tra")
