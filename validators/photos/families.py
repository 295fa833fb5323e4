"""Per-maker JPEG families: which tables, layouts and segments each maker's cameras write.

The data (``data/jpeg_families.json``) is built from real originals by
``python -m validators.photos.families build DIR...`` and records, per maker, every model
seen with where its file came from (the corpus manifest's ``origin``), the quantisation
table fingerprints, whether the tables were libjpeg's (and at which qualities), the segment
layouts, the APP segments, chroma subsampling and Huffman coding. A few entries come from
the literature instead of a file; their ``source`` says so.

The rules use it to turn "exact libjpeg tables and EXIF says Canon" into strong evidence
while a maker known to write libjpeg tables (Samsung, Google, Nikon, HP…) stays fine.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "jpeg_families.json"

#: EXIF Make values of one maker, normalised to one key.
_ALIASES = {
    "eastman kodak company": "kodak", "kodak": "kodak", "jk imaging ltd.": "kodak",
    "hewlett-packard": "hp", "hp": "hp", "lge": "lg", "lg electronics": "lg",
    "minolta co., ltd.": "minolta", "konica minolta": "minolta",
    "konica minolta camera, inc.": "minolta", "olympus imaging corp.": "olympus",
    "olympus corporation": "olympus", "olympus optical co.,ltd": "olympus",
    "om digital solutions": "olympus", "nikon corporation": "nikon",
    "fujifilm corporation": "fujifilm", "ricoh imaging company, ltd.": "ricoh",
    "pentax corporation": "pentax", "casio computer co.,ltd.": "casio",
    "casio computer co.,ltd": "casio", "xiaomi": "xiaomi", "redmi": "xiaomi",
    "hmd global": "hmd", "nokia": "hmd",
}  # fmt: skip


def maker_key(make: str | None) -> str | None:
    """The family key of an EXIF Make (``Canon`` -> ``canon``, ``EASTMAN KODAK COMPANY``
    -> ``kodak``), or None."""
    if not make:
        return None
    text = " ".join(make.lower().split())
    if text in _ALIASES:
        return _ALIASES[text]
    first = re.split(r"[\s,]", text, maxsplit=1)[0].strip(".")
    return _ALIASES.get(first, first) or None


@dataclass
class Family:
    """What the originals of one maker were seen to write."""

    key: str
    models: list[dict[str, Any]] = field(default_factory=list)
    """One entry per model: model, file, origin, table fingerprint, quality, libjpeg…"""
    libjpeg_qualities: list[int] = field(default_factory=list)
    """Qualities at which this maker's files had exact libjpeg tables (empty: never)."""
    libjpeg_known: bool = False
    """The maker is known to write libjpeg tables (a file here or the literature)."""
    fingerprints: list[str] = field(default_factory=list)
    layouts: list[str] = field(default_factory=list)
    """Segment layouts seen, APPn names and the table/frame/scan order."""
    libjpeg_layout: bool = False
    always_app: list[str] = field(default_factory=list)
    """APP segments every file of the maker had (besides Exif)."""
    subsamplings: list[str] = field(default_factory=list)
    optimised_huffman: bool = False
    progressive: bool = False
    sources: list[str] = field(default_factory=list)

    @property
    def model_count(self) -> int:
        return len({m.get("model") for m in self.models})


def _family(key: str, raw: dict[str, Any]) -> Family:
    known = set(Family.__dataclass_fields__)
    return Family(key=key, **{k: v for k, v in raw.items() if k in known and k != "key"})


@functools.lru_cache(maxsize=4)
def load(path: str = str(DATA)) -> dict[str, Family]:
    """The families by maker key (empty when the data file is missing)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: _family(key, value) for key, value in (raw.get("makers") or {}).items()}


def family_of(make: str | None, data_file: str = "") -> Family | None:
    """The family of an EXIF Make (from ``data_file``, default the packaged data), or None
    for a maker never seen."""
    key = maker_key(make)
    return load(data_file or str(DATA)).get(key) if key else None


# ---------------------------------------------------------------- building the data


def _layout(segments: Iterable[str]) -> str:
    """Segments with runs of the same marker collapsed (``DHT×4``), APP identifiers kept."""
    out: list[str] = []
    for segment in segments:
        name = segment if segment.startswith("APP") else segment.split(":")[0]
        if out and out[-1].split("×")[0] == name:
            base, _, count = out[-1].partition("×")
            out[-1] = f"{base}×{int(count or 1) + 1}"
        else:
            out.append(name)
    return " ".join(out)


def build(paths: Iterable[Path], origins: dict[str, str] | None = None) -> dict[str, Any]:
    """The family data of the originals at ``paths`` (JPEGs; others are skipped)."""
    from ingest.limits import PhotoReadLimits
    from ingest.photos import read_photo_facts

    limits = PhotoReadLimits(coefficient_sample_blocks=0)
    makers: dict[str, dict[str, Any]] = {}
    for path in sorted(paths):
        facts = read_photo_facts(path.name, path.read_bytes(), limits)
        key = maker_key(facts.make)
        if facts.format != "JPEG" or facts.error or key is None:
            continue
        entry = makers.setdefault(key, {"models": [], "apps": []})
        libjpeg = facts.quality_distance == 0.0
        origin = (origins or {}).get(path.name, path.name)
        entry["models"].append({
            "model": facts.model, "file": path.name, "origin": origin,
            "fingerprint": facts.qtable_fingerprint, "quality": facts.quality,
            "libjpeg_tables": libjpeg, "layout": _layout(facts.jpeg_segments),
            "subsampling": facts.subsampling, "standard_huffman": facts.standard_huffman,
            "thumbnail": [facts.thumbnail_width, facts.thumbnail_height],
        })  # fmt: skip
        entry["apps"].append({a for a in facts.app_markers if a != "APP1:Exif"})
    result: dict[str, Any] = {}
    for key, entry in sorted(makers.items()):
        models = entry["models"]
        apps: list[set[str]] = entry["apps"]
        result[key] = {
            "models": models,
            "libjpeg_qualities": sorted({m["quality"] for m in models if m["libjpeg_tables"]}),
            "libjpeg_known": any(m["libjpeg_tables"] for m in models),
            "fingerprints": sorted({m["fingerprint"] for m in models if m["fingerprint"]}),
            "layouts": sorted({m["layout"] for m in models}),
            "libjpeg_layout": any(_libjpeg_layout(m["layout"]) for m in models),
            "always_app": sorted(set.intersection(*apps)) if apps else [],
            "subsamplings": sorted({m["subsampling"] for m in models if m["subsampling"]}),
            "optimised_huffman": any(m["standard_huffman"] is False for m in models),
            "progressive": any("SOF2" in m["layout"] for m in models),
            "sources": sorted({m["origin"] for m in models}),
        }
    return result


def _libjpeg_layout(layout: str) -> bool:
    from ingest.jpegstructure import libjpeg_layout

    segments: list[str] = []
    for part in layout.split():
        name, _, count = part.partition("×")
        segments.extend([name] * int(count or 1))
    return libjpeg_layout(segments)


#: Makers known from the literature to write libjpeg tables though no file here shows it
#: (issue 12; Kee, Johnson & Farid, IEEE TIFS 2011, table of camera signatures).
LITERATURE_LIBJPEG = {"olympus": "issue 12 / Kee, Johnson & Farid 2011"}


def main(argv: list[str]) -> int:
    """``build DIR...``: rebuild the data file from the originals in the folders."""
    if len(argv) < 2 or argv[0] != "build":
        print("usage: python -m validators.photos.families build DIR...", file=sys.stderr)
        return 2
    origins: dict[str, str] = {}
    paths: list[Path] = []
    for folder in map(Path, argv[1:]):
        if folder.is_file():
            paths.append(folder)
            continue
        manifest = folder / "manifest.json"
        if manifest.exists():
            for item in json.loads(manifest.read_text(encoding="utf-8")):
                origins[item["file"]] = item.get("origin", item["file"])
        paths.extend(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))
    makers = build(paths, origins)
    for key, source in LITERATURE_LIBJPEG.items():
        entry = makers.setdefault(key, {"models": [], "libjpeg_qualities": [], "sources": []})
        entry["libjpeg_known"] = True
        entry["sources"] = sorted({*entry.get("sources", []), source})
    data = {
        "comment": "Built by `python -m validators.photos.families build` from real camera "
        "originals; each model's `origin` is the public repository and path of its file "
        "(see the corpus manifest). `sources` lists where each maker's facts came from.",
        "makers": makers,
    }
    DATA.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{DATA}: {len(makers)} makers, {sum(len(m['models']) for m in makers.values())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
