"""Accept/reject rates of the photo rules on real originals and non-originals made from them.

The originals are ../shared/corpus/camera-originals (every JPEG and HEIC) plus the
full-size originals of exif-samples; the non-originals are the kinds of
tests/photo_derive.py (issue 12's table). Printed twice: in-sample (the shipped family
data, built from these very files) and held out (3 folds: each file judged with family
data built from the other two folds only, as a camera never seen would be).

Usage: .venv/bin/python benchmarks/photo_verdicts.py [--folds 3] [--limit N] [--set KEY=VALUE]

``--set`` changes a ``validation.photos`` key for both columns (e.g. ``--set
coefficient_max_fraction=0.05``), to see what a threshold does to the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from photo_derive import GOALS, KINDS  # noqa: E402
from shared_data import SHARED  # noqa: E402

from ingest.photos import read_photo_facts  # noqa: E402
from validators.photos import check_photo  # noqa: E402
from validators.photos.families import build  # noqa: E402
from validators.problems import has_errors  # noqa: E402
from validators.settings import ValidationSettings  # noqa: E402

ORIGINALS = SHARED / "corpus" / "camera-originals"
EXIF_SAMPLES_ORIGINALS = [
    "jpg/hdr/iphone_hdr_NO.jpg", "jpg/hdr/iphone_hdr_YES.jpg", "jpg/mobile/jolla.jpg",
    "jpg/mobile/HMD_Nokia_8.3_5G.jpg", "jpg/tests/42_IndexError.jpg", "jpg/tests/35-empty.jpg",
    "jpg/tests/87_OSError.jpg", "heic/mobile/iphone_13_pro_max.HEIC",
    "heic/mobile/HMD_Nokia_8.3_5G.heif",
]  # fmt: skip


def originals() -> list[Path]:
    found = sorted(p for p in ORIGINALS.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".heic"))
    samples = SHARED / "corpus" / "exif-samples"
    found += [samples / rel for rel in EXIF_SAMPLES_ORIGINALS if (samples / rel).exists()]
    return found


def rejected(name: str, data: bytes, settings: ValidationSettings) -> bool:
    facts = read_photo_facts(name, data, settings.photos)
    return has_errors(check_photo(facts, settings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="first N originals only")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a validation.photos key for this run (JSON value)")  # fmt: skip
    args = parser.parse_args()
    overrides = {k: json.loads(v) for k, _, v in (item.partition("=") for item in args.set)}
    files = originals()[: args.limit or None]
    if not files:
        print(f"no originals under {ORIGINALS}", file=sys.stderr)
        return 1
    shipped = ValidationSettings.model_validate({"photos": overrides})
    tmp = tempfile.TemporaryDirectory()
    fold_settings = []
    for k in range(args.folds):
        train = [p for i, p in enumerate(files) if i % args.folds != k]
        path = Path(tmp.name) / f"fold{k}.json"
        path.write_text(json.dumps({"makers": build(train)}), encoding="utf-8")
        fold_settings.append(ValidationSettings.model_validate(
            {"photos": {**overrides, "families_file": str(path)}}))  # fmt: skip
    tally: dict[str, dict[str, list[int]]] = {"in-sample": defaultdict(lambda: [0, 0]),
                                              "held-out": defaultdict(lambda: [0, 0])}  # fmt: skip
    misses: list[str] = []
    for i, path in enumerate(files):
        data, held = path.read_bytes(), fold_settings[i % args.folds]
        cases = [("original", "originals", data)]
        if path.suffix.lower() in (".jpg", ".jpeg"):
            cases += [(kind, group, make(data)) for kind, (group, make) in KINDS.items()]
        for kind, group, content in cases:
            for label, settings in (("in-sample", shipped), ("held-out", held)):
                bad = rejected(path.name, content, settings)
                ok = not bad if group == "originals" else bad
                for key in (group, f"  {kind}"):
                    tally[label][key][0] += ok
                    tally[label][key][1] += 1
                if not ok:
                    misses.append(f"{label}: {kind}: {path.name}")
        print(f"{i + 1}/{len(files)} {path.name}", file=sys.stderr, flush=True)
    print(f"{len(files)} originals ({sum(p.suffix.lower() != '.heic' for p in files)} JPEG)\n")
    print(f"{'set':<36} {'goal':>6} {'in-sample':>14} {'held-out':>14}")
    keys = list(tally["in-sample"])
    for key in sorted(keys, key=lambda k: (list(GOALS).index(_group(k)), k.startswith(" "))):
        goal = f"{GOALS[key]:.0%}" if key in GOALS else ""
        cells = []
        for label in ("in-sample", "held-out"):
            ok, n = tally[label][key]
            cells.append(f"{ok}/{n} {ok / n:>5.0%}")
        print(f"{key:<36} {goal:>6} {cells[0]:>14} {cells[1]:>14}")
    print("\nmisses:")
    for line in misses:
        print("  " + line)
    tmp.cleanup()
    return 0


def _group(key: str) -> str:
    name = key.strip()
    if name in GOALS:
        return name
    return "originals" if name == "original" else KINDS[name][0]


if __name__ == "__main__":
    sys.exit(main())
