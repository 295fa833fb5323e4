"""Regenerate the ``check_*.eml`` fixtures (run from the repository root).

The photo is made by :func:`tinbai.samples.camera_jpeg` (camera EXIF, quality 95) at a
modest size so the fixture stays small.
"""

from __future__ import annotations

from pathlib import Path

from ingest.legacy_text import unicode_to_tcvn3, unicode_to_vni
from tinbai.samples import BODY_2, _form, _message, camera_jpeg

HERE = Path(__file__).resolve().parent


def main() -> None:
    valid = _message(
        101, ("Hoàng Văn Hùng", "hunghv@example.org"),
        "Tin tập huấn nghiệp vụ công đoàn",
        _form("LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ công đoàn", BODY_2,
              "Quang cảnh hội nghị tập huấn", "Hoàng Văn Hùng", "LĐLĐ huyện Chợ Đồn",
              "0912 345 678", "8600 2050 12345 tại Vietinbank", "Hoàng Văn Hùng"),
        photos=[("DSC_0412.jpg", camera_jpeg(101, (2400, 1800)), "jpeg")],
    )
    invalid = _message(
        102, ("Đinh Văn Toàn", "toandv@example.org"), "gui bai",
        _form("Hội thao công nhân", BODY_2, "", "Đinh Văn Toàn", "CĐCS Xi măng", "0123 45",
              "19034-ABC", "Đinh Văn Toàn").replace("3. Chú thích ảnh: \n", ""),
    )
    # The same form copied from documents typed in legacy fonts: read as Unicode,
    # reported as legacy_encoding.
    legacy = {}
    for name, convert in (("check_vni_text.eml", unicode_to_vni),
                          ("check_tcvn3_text.eml", unicode_to_tcvn3)):
        legacy[name] = _message(
            103, ("Hoàng Văn Hùng", "hunghv@example.org"), "Tin tap huan",
            convert(_form("LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ công đoàn", BODY_2,
                          "Quang cảnh hội nghị tập huấn", "Hoàng Văn Hùng",
                          "LĐLĐ huyện Chợ Đồn", "0912 345 678",
                          "8600 2050 12345 tại Vietinbank", "Hoàng Văn Hùng")),
            photos=[("DSC_0413.jpg", camera_jpeg(103, (1200, 900)), "jpeg")],
        )
    for name, msg in (("check_valid.eml", valid), ("check_invalid.eml", invalid),
                      *legacy.items()):
        (HERE / name).write_bytes(msg.as_bytes())


if __name__ == "__main__":
    main()
