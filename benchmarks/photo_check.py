"""How much cheaper tinbai's photo check is than decoding the photo (issues 4 and 12).

For one set of full-size photos (the camera originals when ../shared/corpus/camera-originals
exists, else the exif-samples corpus, otherwise generated 12-MP JPEGs) this measures, in
one run:

- a full Pillow decode: ``Image.open(path).load()``;
- tinbai's check: read the file, ``read_photo_facts`` + ``check_photo`` with every kind
  of evidence on (headers, the coefficient sample for double quantisation and the EXIF
  thumbnail comparison, the family tables);
- the coefficient analysis alone: sampling the DCT coefficients, the periodicity
  statistic and the thumbnail comparison, as the check does them;
- ``exiftool -j`` over the same files (one process for all, its most favourable use),
  when exiftool is installed;

and prints the ratios decode/tinbai (goal >= 10x per photo, JPEG and all) and the share
of the check the coefficient analysis takes.

Usage: .venv/bin/python benchmarks/photo_check.py [--repeat N] [--generated] [DIR]
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageFilter, TiffImagePlugin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.exifinfo import read_exif_details
from ingest.jpegcoefficients import available, periodicity, sample_luma_blocks
from ingest.jpegstructure import parse_header
from ingest.photos import read_photo_facts
from ingest.thumbcompare import thumbnail_correlation
from validators.photos import check_photo
from validators.settings import ValidationSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from shared_data import SHARED

_SHARED = SHARED / "corpus"
CORPUS = next(
    (p for p in (_SHARED / "camera-originals", _SHARED / "exif-samples") if p.exists()),
    _SHARED / "camera-originals",
)
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".heic", ".heif"}
FULL_SIZE_PIXELS = 4_000_000
SETTINGS = ValidationSettings()


def corpus_photos(root: Path) -> list[Path]:
    """Full-size (>= 4 MP), readable photos of a folder, chosen by their headers."""
    chosen = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            continue
        facts = read_photo_facts(path.name, path.read_bytes(), SETTINGS.photos)
        if facts.error is None and (facts.width or 0) * (facts.height or 0) >= FULL_SIZE_PIXELS:
            chosen.append(path)
    return chosen


def generated_photos(folder: Path, count: int = 5) -> list[Path]:
    """12-MP JPEGs with camera EXIF and photo-like detail and file size."""
    paths = []
    for i in range(count):
        size = (4000, 3000)
        # Blurred noise over a gradient: about 3 MB at quality 92, like a phone photo.
        base = Image.linear_gradient("L").resize(size)
        noise = Image.effect_noise(size, 40 + 2 * i).filter(ImageFilter.GaussianBlur(1))
        channels = (Image.blend(base, noise, 0.5), noise, Image.blend(base, noise, 0.3))
        image = Image.merge("RGB", channels)
        exif = Image.Exif()
        exif[271], exif[272], exif[305] = "samsung", "SM-A525F", "A525FXXU4CVJB"
        ifd = exif.get_ifd(0x8769)
        ifd[36867] = "2026:10:01 09:30:00"
        ifd[40962], ifd[40963] = size
        ifd[33434] = TiffImagePlugin.IFDRational(1, 120)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92, exif=exif)
        path = folder / f"generated_{i}.jpg"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``action`` in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def pillow_decode(path: Path) -> None:
    with Image.open(path) as image:
        image.load()


def tinbai_check(path: Path) -> None:
    facts = read_photo_facts(path.name, path.read_bytes(), SETTINGS.photos)
    check_photo(facts, SETTINGS)


def coefficient_analysis(path: Path) -> None:
    """The coefficient part of the check alone (sample, periodicity, thumbnail match)."""
    data = path.read_bytes()
    header = parse_header(data)
    if header is None:
        return
    limits = SETTINGS.photos
    sample = sample_luma_blocks(
        data, header, limits.coefficient_sample_blocks, limits.coefficient_max_fraction
    )
    if sample is None:
        return
    luma = header.qtables[header.components[0].table]
    periodicity(sample.blocks, luma)
    thumbnail = read_exif_details(_exif_block(data)).thumbnail
    if thumbnail:
        thumbnail_correlation(thumbnail, sample, luma[0], header.width, header.height)


def _exif_block(data: bytes) -> bytes:
    at = data.find(b"Exif\x00\x00", 0, 65_536)
    if at < 4:
        return b""
    length = int.from_bytes(data[at - 2 : at], "big")
    return data[at : at + length - 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="photos to use (default: corpus)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per file (median is kept)")
    parser.add_argument(
        "--generated", action="store_true", help="use generated 12-MP JPEGs even with a corpus"
    )
    args = parser.parse_args()

    Image.MAX_IMAGE_PIXELS = SETTINGS.photos.max_pixels
    tmp: tempfile.TemporaryDirectory[str] | None = None
    folder = args.folder or (CORPUS if CORPUS.exists() and not args.generated else None)
    if folder is not None:
        photos, origin = corpus_photos(folder), f"full-size photos of {folder}"
    else:
        tmp = tempfile.TemporaryDirectory()
        photos, origin = generated_photos(Path(tmp.name)), "generated 12-MP JPEGs (no corpus)"
    if not photos:
        print("no photos found", file=sys.stderr)
        return 1

    for path in photos:  # warm up: imports, codec initialisation, page cache
        pillow_decode(path)
        tinbai_check(path)

    print(f"Set: {len(photos)} {origin}; median of {args.repeat} runs per file")
    if not available():
        print("libturbojpeg not found: the coefficient evidence is OFF in this run")
    print()
    print(f"{'file':<34} {'MP':>5} {'MB':>5} {'decode ms':>10} {'tinbai ms':>10} "
          f"{'coeff ms':>9} {'ratio':>7}")  # fmt: skip
    total_decode = total_check = total_coeff = 0.0
    ratios: list[float] = []
    by_format: dict[str, list[float]] = {}
    for path in photos:
        decode = timed(lambda p=path: pillow_decode(p), args.repeat)  # type: ignore[misc]
        check = timed(lambda p=path: tinbai_check(p), args.repeat)  # type: ignore[misc]
        coeff = timed(lambda p=path: coefficient_analysis(p), args.repeat)  # type: ignore[misc]
        total_decode += decode
        total_check += check
        total_coeff += coeff
        ratios.append(decode / check)
        with Image.open(path) as image:
            megapixels = image.width * image.height / 1e6
        kind = "HEIF" if path.suffix.lower() in {".heic", ".heif"} else "JPEG"
        sums = by_format.setdefault(kind, [0.0, 0.0])
        sums[0] += decode
        sums[1] += check
        print(
            f"{path.name[:34]:<34} {megapixels:>5.1f} {path.stat().st_size / 1e6:>5.1f} "
            f"{decode * 1000:>10.1f} {check * 1000:>10.2f} {coeff * 1000:>9.2f} "
            f"{decode / check:>6.1f}x"
        )

    print()
    for kind, (decode, check) in sorted(by_format.items()):
        goal = "goal >= 10x met" if decode / check >= 10 else "goal >= 10x NOT met"
        print(f"{kind}: full decode / tinbai check = {decode / check:.1f}x ({goal})")
    ratio = total_decode / total_check
    goal = "goal >= 10x met" if ratio >= 10 else "goal >= 10x NOT met"
    print(f"All: full Pillow decode / tinbai check = {ratio:.1f}x ({goal})")
    ratios.sort()
    print(f"     per photo: median {statistics.median(ratios):.1f}x, lowest {ratios[0]:.1f}x, "
          f"{sum(r >= 10 for r in ratios)}/{len(ratios)} photos at >= 10x")  # fmt: skip
    print(
        f"     total decode {total_decode * 1000:.0f} ms, "
        f"total tinbai check {total_check * 1000:.1f} ms"
    )
    print(
        f"Coefficient analysis alone: {total_coeff * 1000:.1f} ms in all, "
        f"{total_coeff / len(photos) * 1000:.2f} ms per photo, "
        f"{total_coeff / total_check:.0%} of the check, "
        f"{total_coeff / total_decode:.1%} of a full decode"
    )

    exiftool = shutil.which("exiftool")
    if exiftool:
        command = [exiftool, "-j", "-q", *map(str, photos)]

        def run_exiftool() -> None:
            subprocess.run(command, check=False, capture_output=True)

        run_exiftool()
        elapsed = timed(run_exiftool, max(1, args.repeat // 2))
        print(
            f"exiftool -j (one process, {len(photos)} files) / tinbai check = "
            f"{elapsed / total_check:.1f}x ({elapsed * 1000:.0f} ms)"
        )
    else:
        print("exiftool not installed: no exiftool ratio")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
