"""Write one submission in every client shape of tests/mailshapes.py (issue 11).

Run from the repository root: ``.venv/bin/python tests/data/shapes/make_shapes.py``.
Deterministic (fixed photo, dates and boundaries): re-running changes nothing unless a
shape changes. Each file is above the base64 stash threshold, so the fast path reads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parents[2])]

from mailshapes import SHAPES, Letter, Part, write  # noqa: E402

from tinbai.samples import camera_jpeg  # noqa: E402

FORM = """1. Tít tin, bài: Công đoàn cơ sở tổ chức hội thao chào mừng ngày thành lập
2. Nội dung bài viết:
Sáng nay, Công đoàn cơ sở trường Tiểu học Nam Cường tổ chức hội thao cho đoàn viên,
người lao động với nhiều môn thi đấu sôi nổi.
3. Chú thích ảnh: Đoàn viên tham gia kéo co
4. Tác giả: Nguyễn Văn An
5. Đơn vị công tác: Công đoàn ngành Giáo dục tỉnh
6. Số điện thoại: 0983 123 789
7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Agribank
8. Tên chủ tài khoản: Nguyễn Văn An
"""


def main() -> None:
    photo = camera_jpeg(7, (2400, 1800))
    for shape in SHAPES:
        letter = Letter(
            subject="Gửi tin bài hội thao", sender=("Nguyễn Văn An", "an.nv@example.org"),
            text=FORM, parts=[Part("IMG_2041.jpg", "image/jpeg", photo)],
            message_id=f"shape-{shape}@example.org",
        )
        (HERE / f"{shape}.eml").write_bytes(write(letter, shape))
        print(shape)


if __name__ == "__main__":
    main()
