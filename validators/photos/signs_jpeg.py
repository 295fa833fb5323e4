"""Evidence from the JPEG coding: quantisation tables, header structure, coefficients.

Tables and structure are the camera signatures of JPEG headers (Kee, Johnson & Farid,
"Digital image authentication from JPEG headers", IEEE TIFS 2011), judged against the
maker's family (:mod:`validators.photos.families`); double quantisation is read from the
DCT coefficients (Lukáš & Fridrich, DFRWS 2003; Popescu & Farid, IH 2004).
"""

from __future__ import annotations

import functools

from ingest.photos import PhotoFacts
from validators.photos.encoders import known_encoder
from validators.photos.evidence import Evidence, Strength
from validators.photos.families import Family, _layout, family_of
from validators.settings import PhotoRules

RECOMPRESSED = "photo_recompressed"
#: Kinds of the table evidence (each kind is one independent sign in ``judge``).
FAMILY, QUALITY, ENCODER = "family_tables", "quality", "encoder_tables"


def _sign(kind: str, strength: Strength, seen: str, technical: str = "") -> Evidence:
    return Evidence(kind, RECOMPRESSED, strength, seen, technical)


def _maker(photo: PhotoFacts) -> str:
    return photo.make or "?"


def _libjpeg(photo: PhotoFacts, rules: PhotoRules) -> bool:
    return (photo.quality_distance or 0.0) <= rules.standard_table_max_distance


class QuantisationTables:
    """The quantisation tables against libjpeg's, known encoders' and the maker's own."""

    name = "quantisation_tables"
    description = "Estimated quality; libjpeg or known re-encoder tables vs the maker's family."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        if photo.format != "JPEG" or photo.quality is None or not photo.qtables:
            return []
        q, family = photo.quality, family_of(photo.make, rules.families_file)
        if _libjpeg(photo, rules):
            return self._libjpeg(photo, q, family, rules)
        if family and photo.qtable_fingerprint in family.fingerprints:
            seen = f"bảng nén đúng như ảnh gốc của máy {_maker(photo)}"
            return [_sign(FAMILY, Strength.SUPPORTS_ORIGINAL, seen,
                          "bảng lượng tử (DQT) của hãng")]
        encoder = known_encoder(photo.qtables[0])
        if encoder:
            seen = f"bảng nén của một phần mềm nén ảnh (chất lượng ≈{q})"
            return [_sign(ENCODER, Strength.STRONG, seen, f"bảng lượng tử của {encoder}")]
        found = []
        if family is not None and family.models:
            seen = f"bảng nén chưa thấy ở ảnh gốc của máy {_maker(photo)}"
            found.append(_sign(FAMILY, Strength.WEAK, seen, "bảng lượng tử (DQT) lạ với hãng"))
        if photo.libjpeg_layout and photo.jpeg_segments[:1] == ["APP0:JFIF"]:
            # libjpeg's writer with tables that are not libjpeg's: an application chose
            # them (mozjpeg, jpegli and Pillow keep libjpeg's layout); cameras seen to use
            # libjpeg's writer use its tables too.
            seen = "bảng nén riêng nhưng tệp được ghi như phần mềm nén ảnh thông dụng"
            found.append(_sign(ENCODER, Strength.WEAK, seen,
                               "bố cục libjpeg, APP0:JFIF đầu tệp, bảng không chuẩn"))
        if q < rules.hard_min_quality:
            found.append(_sign(QUALITY, Strength.MEDIUM, f"chất lượng ước tính rất thấp ({q})"))
        elif q < rules.min_quality:
            found.append(_sign(QUALITY, Strength.WEAK, f"chất lượng ước tính {q}"))
        return found

    def _libjpeg(
        self, photo: PhotoFacts, q: int, family: Family | None, rules: PhotoRules
    ) -> list[Evidence]:
        """Exact libjpeg tables: judged by quality and by what the maker was seen to write."""
        if q < rules.standard_min_quality:
            seen = f"bảng nén chuẩn của phần mềm nén ảnh, chất lượng {q}"
            return [_sign(QUALITY, Strength.STRONG, seen, f"bảng libjpeg (Annex K) q={q}")]
        found: list[Evidence] = []
        maker = _maker(photo)
        if family is not None and not family.libjpeg_known:
            many = family.model_count >= rules.family_min_models
            seen = (f"bảng nén chuẩn của phần mềm (chất lượng {q}), máy {maker} không ghi "
                    "loại này")
            found.append(_sign(FAMILY, Strength.STRONG if many else Strength.MEDIUM, seen,
                               f"bảng libjpeg q={q}"))
        elif family is not None and family.libjpeg_qualities and (
            q < min(family.libjpeg_qualities) - rules.libjpeg_quality_margin
        ):
            levels = ", ".join(map(str, family.libjpeg_qualities))
            seen = (f"bảng nén chuẩn của phần mềm, chất lượng {q}, thấp hơn mức máy {maker} "
                    f"vẫn ghi ({levels})")
            found.append(_sign(FAMILY, Strength.MEDIUM, seen, f"bảng libjpeg q={q}"))
        elif family is None and photo.has_camera_metadata:
            seen = (f"bảng nén chuẩn của phần mềm (chất lượng {q}), chưa rõ máy {maker} có "
                    "dùng không")
            found.append(_sign(FAMILY, Strength.WEAK, seen, f"bảng libjpeg q={q}"))
        if q < rules.min_quality:
            found.append(_sign(QUALITY, Strength.WEAK, f"bảng nén chuẩn, chất lượng {q}",
                               f"bảng libjpeg q={q}"))
        return found


def coding_layout(segments: list[str]) -> str:
    """The order of the coding segments (DQT, DHT, DRI, SOF, SOS), runs collapsed."""
    return _coding_layout(tuple(segments))


@functools.lru_cache(maxsize=256)
def _coding_layout(segments: tuple[str, ...]) -> str:
    """:func:`coding_layout` of one segment list (cached: cameras write the same ones)."""
    return _layout(s for s in segments if not s.startswith(("APP", "COM")))


@functools.lru_cache(maxsize=256)
def _coding_layouts(layouts: tuple[str, ...]) -> frozenset[str]:
    """The coding layouts of a family's layouts (the family data does not change)."""
    return frozenset(coding_layout(layout.split()) for layout in layouts)


class Structure:
    """The header layout against the maker's family (segments, coding, APP blocks)."""

    name = "structure"
    description = "JFIF before Exif, coding layout, progressive, subsampling, maker APP blocks."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        if photo.format != "JPEG" or not photo.jpeg_segments or not photo.has_camera_metadata:
            return []
        family = family_of(photo.make, rules.families_file)
        found = self._writer(photo, family)
        if family is not None and family.models:
            found.extend(self._against_family(photo, family, rules))
        return found

    def _writer(self, photo: PhotoFacts, family: Family | None) -> list[Evidence]:
        """Signs of libjpeg's writer, and progressive coding, the maker never showed."""
        found: list[Evidence] = []
        segments = photo.jpeg_segments
        jfif_first = segments[0] == "APP0:JFIF" and "APP1:Exif" in segments
        if jfif_first and not (family and any(s.startswith("APP0:JFIF") for s in family.layouts)):
            # Exif 2.3 §4.5.4: APP1 follows SOI directly; libjpeg's writer puts JFIF first.
            seen = "đầu tệp sắp xếp như phần mềm lưu ảnh, không như máy chụp"
            found.append(_sign(self.name, Strength.MEDIUM, seen,
                               "APP0:JFIF trước APP1:Exif (Exif 2.3 §4.5.4: APP1 ngay sau SOI)"))
        if photo.libjpeg_layout and not (family and family.libjpeg_layout):
            seen = "các bảng nén được ghi như phần mềm nén ảnh thông dụng"
            found.append(_sign(self.name, Strength.WEAK, seen,
                               "mỗi DQT, DHT một phân đoạn (bố cục libjpeg)"))
        if photo.progressive and not (family and family.progressive):
            strength = Strength.MEDIUM if family and family.models else Strength.WEAK
            seen = "ảnh lưu kiểu hiện dần (thường do phần mềm), máy chụp lưu kiểu tuần tự"
            found.append(_sign("progressive", strength, seen, "JPEG progressive (SOF2)"))
        return found

    def _against_family(
        self, photo: PhotoFacts, family: Family, rules: PhotoRules
    ) -> list[Evidence]:
        """Coding layout, subsampling, APP segments and Huffman coding never seen."""
        found: list[Evidence] = []
        maker = _maker(photo)
        many = family.model_count >= rules.family_min_models
        coding = coding_layout(photo.jpeg_segments)
        if family.model_count >= 2 and coding not in _coding_layouts(tuple(family.layouts)):
            seen = f"thứ tự dữ liệu trong tệp chưa thấy ở ảnh gốc của máy {maker}"
            found.append(_sign(self.name, Strength.WEAK, seen, f"thứ tự phân đoạn {coding}"))
        if photo.subsampling and many and photo.subsampling not in family.subsamplings:
            known = ", ".join(family.subsamplings)
            seen = f"lấy mẫu màu {photo.subsampling}, máy {maker} ghi {known}"
            found.append(_sign("subsampling", Strength.WEAK, seen))
        missing = [a for a in family.always_app if a not in photo.app_markers]
        if missing and family.model_count >= 2:
            seen = f"thiếu {len(missing)} khối thông tin mà máy {maker} luôn ghi"
            found.append(_sign("app_segments", Strength.WEAK, seen,
                               "thiếu " + ", ".join(missing)))
        if photo.standard_huffman is False and not family.optimised_huffman and many:
            seen = "bảng mã nén được tối ưu lại, máy chụp dùng bảng chuẩn"
            found.append(_sign("huffman", Strength.WEAK, seen, "bảng Huffman tối ưu"))
        return found


class DoubleQuantisation:
    """Periodic peaks and gaps in the DCT coefficient histograms (saved twice)."""

    name = "double_quantisation"
    description = "Coefficient histograms modulated by an earlier JPEG save (Lukáš-Fridrich)."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        dq = photo.dq
        if not dq or photo.format != "JPEG" or not photo.qtables:
            return []
        if not (_libjpeg(photo, rules) or known_encoder(photo.qtables[0])):
            # Cameras' own coding pipelines can leave such marks in a single save (seen in
            # Canon PowerShot, Kodak and Sony originals): only a file whose tables are an
            # encoder's (where the tables alone cannot tell) is judged by them.
            return []
        scores = [float(s[2]) for s in dq.get("scores") or []]
        periodic = sum(1 for z in scores if z > rules.dq_frequency_z)
        if periodic < rules.dq_min_periodic or float(dq.get("score", 0)) < rules.dq_min_score:
            return []
        seen = "dữ liệu ảnh mang dấu vết đã được nén một lần trước đó"
        technical = (f"hệ số DCT: {periodic}/{dq.get('frequencies')} tần số, "
                     f"{dq.get('blocks')} khối")
        return [_sign(self.name, Strength.MEDIUM, seen, technical)]
