"""Realistic sample submissions and camera-like photos (for ``tinbai demo`` and tests).

The photos are made with Pillow and carry the EXIF a phone writes (Make, Model,
DateTimeOriginal, pixel dimensions), encoded at a camera-like quality, so they pass the
photo rules the way a real original does.
"""

from __future__ import annotations

import functools
import io
import random
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from PIL import Image, ImageDraw

from ingest.jpegquality import STD_CHROMINANCE, STD_LUMINANCE, scaled_table
from tinbai import clock

EXIF_MAKE = 0x010F
EXIF_MODEL = 0x0110
EXIF_SOFTWARE = 0x0131
EXIF_DATETIME = 0x0132
EXIF_IFD = 0x8769
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_PIXEL_X = 0xA002
EXIF_PIXEL_Y = 0xA003


@functools.lru_cache(maxsize=64)
def camera_jpeg(
    seed: int, size: tuple[int, int] = (4000, 3000), *, make: str = "samsung",
    model: str = "SM-A536E", software: str | None = "A536EXXU4BWA1", quality: int = 95,
    taken: datetime | None = None, subsampling: str = "4:2:0", huffman_first: bool = False,
) -> bytes:
    """A JPEG that looks like a phone original: scene-like content and full camera EXIF.

    ``subsampling`` and ``huffman_first`` (the Huffman tables before the frame header, as
    Nikon's cameras write them) give a camera's coding instead of a phone's.
    """
    rng = random.Random(seed)
    width, height = size
    small = Image.new("RGB", (width // 8, height // 8))
    draw = ImageDraw.Draw(small)
    top = (rng.randint(90, 200), rng.randint(120, 220), rng.randint(180, 255))
    bottom = (rng.randint(40, 120), rng.randint(60, 140), rng.randint(20, 90))
    h = small.height
    for y in range(h):
        t = y / max(1, h - 1)
        draw.line(
            [(0, y), (small.width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(40):
        x0, y0 = rng.randrange(small.width), rng.randrange(small.height)
        r = rng.randint(5, max(6, small.width // 6))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=colour)
    # Sensor-like grain, made at a quarter of the size (full-size noise costs a second).
    quarter = small.resize((width // 4, height // 4), Image.Resampling.BILINEAR)
    noise = Image.effect_noise(quarter.size, 24).convert("RGB")
    image = Image.blend(quarter, noise, 0.10).resize(size, Image.Resampling.BILINEAR)
    when = (taken or datetime(2026, 11, 3, 9, 30, tzinfo=clock.zone()) + timedelta(minutes=seed))
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif = Image.Exif()
    exif[EXIF_MAKE] = make
    exif[EXIF_MODEL] = model
    if software:
        exif[EXIF_SOFTWARE] = software
    exif[EXIF_DATETIME] = stamp
    ifd = exif.get_ifd(EXIF_IFD)
    ifd[EXIF_DATETIME_ORIGINAL] = stamp
    ifd[EXIF_PIXEL_X] = width
    ifd[EXIF_PIXEL_Y] = height
    out = io.BytesIO()
    image.save(out, "JPEG", qtables=camera_tables(quality), exif=exif.tobytes(),
               subsampling=subsampling)  # fmt: skip
    return camera_layout(out.getvalue(), huffman_first=huffman_first)


def camera_tables(quality: int) -> list[list[int]]:
    """Tables like a camera's own: near the IJG scale for ``quality`` but not equal (a
    phone's encoder; libjpeg's exact tables are a re-encoder's sign to the photo rules)."""
    luma = [max(1, v + (1 if i % 3 == 0 else 0)) for i, v in
            enumerate(scaled_table(STD_LUMINANCE, quality))]  # fmt: skip
    chroma = [max(1, v + (1 if i % 4 == 0 else 0)) for i, v in
              enumerate(scaled_table(STD_CHROMINANCE, quality))]  # fmt: skip
    return [luma, chroma]


def camera_layout(jpeg: bytes, *, huffman_first: bool = False) -> bytes:
    """The same JPEG with a camera's header layout: EXIF first, no JFIF, both tables in one
    DQT segment, every Huffman table in one DHT segment (what phones write; the coded data
    is untouched)."""
    out, dqt, dht, i = [b"\xff\xd8"], [], [], 2
    apps: list[bytes] = []
    frame = b""
    while True:
        marker = jpeg[i + 1]
        length = int.from_bytes(jpeg[i + 2 : i + 4], "big")
        segment, payload = jpeg[i : i + 2 + length], jpeg[i + 4 : i + 2 + length]
        if marker == 0xDA:
            break
        if marker == 0xE0 and payload.startswith(b"JFIF"):
            pass
        elif 0xE0 <= marker <= 0xEF or marker == 0xFE:
            apps.append(segment)
        elif marker == 0xDB:
            dqt.append(payload)
        elif marker == 0xC4:
            dht.append(payload)
        else:
            frame += segment
        i += 2 + length

    def one(code: int, parts: list[bytes]) -> bytes:
        body = b"".join(parts)
        return bytes([0xFF, code]) + (len(body) + 2).to_bytes(2, "big") + body

    out += apps
    out.append(one(0xDB, dqt))
    out += [one(0xC4, dht), frame] if huffman_first else [frame, one(0xC4, dht)]
    return b"".join(out) + jpeg[i:]



def screenshot_png(seed: int, size: tuple[int, int] = (1080, 2340)) -> bytes:
    """A phone screenshot: PNG at a screen size, no camera metadata."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for row in range(0, size[1], 120):
        draw.rectangle([40, row + 20, size[0] - 40, row + 100], fill=(rng.randrange(200), 120, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


BODY_1 = (
    "Sáng ngày 3/11/2026, Công đoàn cơ sở Công ty TNHH May Chợ Mới đã tổ chức trao 25 suất "
    "quà cho đoàn viên có hoàn cảnh khó khăn nhân dịp kỷ niệm ngày thành lập Hội Liên hiệp "
    "Phụ nữ Việt Nam. Mỗi suất quà trị giá 500.000 đồng gồm tiền mặt và nhu yếu phẩm, do "
    "Công đoàn cơ sở phối hợp với Ban Giám đốc công ty vận động từ nguồn quỹ xã hội. Phát "
    "biểu tại buổi trao quà, đồng chí Chủ tịch Công đoàn cơ sở ghi nhận những đóng góp của "
    "nữ đoàn viên trong sản xuất và mong các chị tiếp tục vượt khó, gắn bó với doanh nghiệp. "
    "Dịp này, Công đoàn cơ sở cũng phát động phong trào thi đua lao động giỏi, lao động "
    "sáng tạo trong những tháng cuối năm, phấn đấu hoàn thành kế hoạch sản xuất năm 2026 và "
    "chăm lo Tết Nguyên đán cho người lao động."
)
BODY_2 = (
    "Chiều 5/11/2026, Liên đoàn Lao động huyện Chợ Đồn tổ chức Hội nghị tập huấn nghiệp vụ "
    "công tác công đoàn cho hơn 80 cán bộ công đoàn cơ sở trên địa bàn. Tại hội nghị, các "
    "học viên được báo cáo viên truyền đạt những nội dung cơ bản của Luật Công đoàn năm 2024, "
    "kỹ năng đối thoại tại nơi làm việc, thương lượng tập thể và tổ chức hội nghị người lao "
    "động. Nhiều ý kiến trao đổi thẳng thắn về khó khăn trong việc phát triển đoàn viên ở "
    "các doanh nghiệp nhỏ. Kết thúc hội nghị, Ban Thường vụ Liên đoàn Lao động huyện đề nghị "
    "các công đoàn cơ sở vận dụng kiến thức đã học vào thực tiễn, nâng cao chất lượng hoạt "
    "động, chăm lo tốt hơn đời sống vật chất và tinh thần cho đoàn viên, người lao động."
)
BODY_3 = (
    "Hưởng ứng Tháng Công nhân năm 2026, Công đoàn ngành Giáo dục tỉnh đã phối hợp tổ chức "
    "giải bóng chuyền hơi dành cho cán bộ, giáo viên, người lao động toàn ngành với sự tham "
    "gia của 16 đội. Giải đấu diễn ra trong ba ngày, trên tinh thần đoàn kết, trung thực, "
    "cao thượng. Đây là dịp để đoàn viên rèn luyện sức khỏe, giao lưu, học hỏi kinh nghiệm "
    "giữa các đơn vị. Kết quả, giải Nhất thuộc về đội Trường THPT Chuyên, giải Nhì thuộc về "
    "đội Phòng Giáo dục huyện Ba Bể. Ban Tổ chức đã trao cờ, cúp và phần thưởng cho các đội "
    "đạt giải, đồng thời biểu dương các vận động viên có thành tích xuất sắc trong suốt thời "
    "gian diễn ra giải đấu, góp phần lan tỏa phong trào thể dục thể thao trong công đoàn."
)


BODY_4 = (
    "Nhằm chào mừng kỷ niệm ngày thành lập Công đoàn Việt Nam, Công đoàn cơ sở Xí nghiệp "
    "Xi măng Bắc Kạn vừa tổ chức hội thao cho công nhân ba phân xưởng sản xuất. Các vận "
    "động viên tranh tài ở các nội dung kéo co, chạy tiếp sức, cầu lông và cờ tướng trong "
    "không khí vui tươi, đoàn kết. Ban Giám đốc xí nghiệp dành kinh phí khen thưởng cho các "
    "đội đạt giải và cam kết duy trì hội thao hằng năm. Đồng chí Chủ tịch Công đoàn cơ sở "
    "cho biết hội thao giúp người lao động giảm căng thẳng sau những ca làm việc nặng nhọc, "
    "đồng thời là dịp phát hiện những gương mặt tham gia giải thể thao do ngành tổ chức vào "
    "quý tới. Kết thúc hội thao, phân xưởng Nghiền giành giải Nhất toàn đoàn."
)
BODY_5 = (
    "Hưởng ứng Ngày hội hiến máu tình nguyện, sáng 8/11/2026 Công đoàn ngành Y tế phối hợp "
    "với Bệnh viện Đa khoa tỉnh tổ chức chương trình hiến máu cho cán bộ, nhân viên y tế và "
    "người lao động trong ngành. Đã có 126 đơn vị máu được tiếp nhận, vượt chỉ tiêu đề ra. "
    "Trước khi hiến máu, các tình nguyện viên được khám sàng lọc, tư vấn sức khỏe miễn phí "
    "và hướng dẫn chế độ nghỉ ngơi sau khi hiến. Nhiều đoàn viên đã tham gia hiến máu từ năm "
    "lần trở lên. Lãnh đạo Công đoàn ngành Y tế biểu dương tinh thần tương thân tương ái của "
    "đoàn viên và đề nghị các công đoàn cơ sở tiếp tục vận động, để nguồn máu dự trữ phục vụ "
    "cấp cứu người bệnh luôn được bảo đảm trong những tháng cao điểm cuối năm."
)

_UNIT_KINDS = ("Công đoàn cơ sở Trường Tiểu học", "Công đoàn Bệnh viện", "Công đoàn cơ sở xã",
               "Công đoàn cơ sở Công ty", "Công đoàn Trường Trung học cơ sở",
               "Công đoàn cơ sở Điện lực", "Công đoàn Chi cục Thuế", "Công đoàn cơ sở Hợp tác xã")
_UNIT_PLACES = ("Nà Phặc", "Ba Bể", "Cẩm Giàng", "Na Rì", "Bằng Lũng", "Chợ Mới", "Pác Nặm",
                "Ngân Sơn", "Bạch Thông", "Yên Thịnh", "Côn Minh", "Quảng Chu", "Thanh Vận",
                "Đồng Lạc", "Xuân Dương", "Hà Hiệu", "Cao Kỳ", "Phong Huân", "Vũ Muộn",
                "Lương Bằng", "Đức Vân", "Kim Hỷ", "Văn Lăng", "Thượng Quan", "Nghiên Loan")
_EVENTS = ("hội nghị người lao động", "lễ ra quân tháng an toàn", "chương trình Tết sum vầy",
           "buổi đối thoại định kỳ", "hội thi tay nghề", "lớp tập huấn pháp luật",
           "ngày hội gia đình", "giải cầu lông", "chuyến thăm hỏi", "hội diễn văn nghệ",
           "tọa đàm nữ công", "lễ kết nạp", "buổi sinh hoạt chuyên đề", "cuộc thi ảnh")
_PEOPLE = ("nữ công nhân", "giáo viên trẻ", "y bác sĩ", "lao động thời vụ", "đoàn viên mới",
           "con em đoàn viên", "cán bộ chủ chốt", "thợ vận hành", "kế toán viên", "nhân viên")
_PLACES = ("nhà văn hóa thôn", "hội trường", "sân vận động", "phân xưởng", "trụ sở",
           "khu tập thể", "nhà ăn ca", "thư viện", "sân trường", "xưởng cơ khí")
_TOPICS = ("an toàn lao động", "nhà ở", "sức khỏe sinh sản", "phát triển đoàn viên",
           "thỏa ước tập thể", "chuyển đổi số", "bữa ăn ca", "tiền thưởng Tết", "học bổng",
           "phòng chống cháy nổ", "bình đẳng giới", "văn hóa công sở")
_VERBS = ("tổ chức", "phối hợp tổ chức", "triển khai", "khai mạc", "phát động", "duy trì")
_GAVE = ("trao", "tặng", "trao tận tay", "gửi")
_GIFTS = ("phần quà", "suất học bổng", "thẻ bảo hiểm", "bộ sách", "chăn ấm", "áo bảo hộ")
_SENTENCES = (
    "Ngày {d}/{m}, {unit} {verb} {event} thu hút {n} {who}.",
    "Đồng chí {name} cho biết kinh phí {k} triệu đồng do {who} đóng góp.",
    "Dịp này, {unit} {gave} {n} {gift} cho {who} ở {place} {place2}.",
    "{n} {who} đề xuất {k} sáng kiến về {topic}.",
    "Đồng chí {name} biểu dương {k} tập thể, {n} cá nhân.",
    "Tại {event}, {who} kiến nghị {k} vấn đề về {topic}.",
    "{name} đề nghị chú trọng {topic} trong quý {q}.",
    "Hoạt động kéo dài từ {d}/{m} tới tháng {m2} tại {place} {place2}.",
    "Có {n} lượt {who} được hướng dẫn về {topic}.",
    "{unit} dành {k} triệu đồng cho {topic} năm {y}.",
    "Năm {y}, {who} ở {place} {place2} hoàn thành {k} phần trăm kế hoạch.",
    "Theo {name}, {topic} là nhiệm vụ trọng tâm tháng {m}.",
)


def article_body(seed: int, min_words: int = 110) -> str:
    """A distinct news text for tests and samples: one unit, people and places of its own,
    sentences drawn and filled from pools with ``seed``, so two seeds share hardly any run
    of five words (a text near-copy is something a test makes on purpose, not an accident
    of the sample data)."""
    rng = random.Random(seed * 7919 + 17)
    unit = f"{rng.choice(_UNIT_KINDS)} {rng.choice(_UNIT_PLACES)}"
    names = [f"{rng.choice(('Hà', 'Lương', 'Ma', 'Nông', 'Đàm', 'Triệu', 'Hoàng', 'Lục'))} "
             f"{rng.choice(('Thị', 'Văn', 'Quốc', 'Đức', 'Ngọc'))} "
             f"{rng.choice(('Nguyệt', 'Tuấn', 'Hằng', 'Việt', 'Thu', 'Khánh', 'Yến', 'Sơn'))}"
             for _ in range(2)]
    sentences: list[str] = []
    while sum(len(x.split()) for x in sentences) < min_words:
        template = rng.choice(_SENTENCES)
        sentences.append(template.format(
            d=rng.randint(1, 28), m=rng.randint(1, 12), m2=rng.randint(1, 12),
            q=rng.randint(1, 4), y=rng.randint(2019, 2026), n=rng.randint(12, 480),
            k=rng.randint(2, 95), unit=unit, event=rng.choice(_EVENTS),
            name=rng.choice(names), who=rng.choice(_PEOPLE), place=rng.choice(_PLACES),
            place2=rng.choice(_UNIT_PLACES), topic=rng.choice(_TOPICS),
            verb=rng.choice(_VERBS), gave=rng.choice(_GAVE), gift=rng.choice(_GIFTS)))
    return " ".join(sentences)


def _message(
    number: int, sender: tuple[str, str], subject: str, text: str, *,
    html: str | None = None, photos: list[tuple[str, bytes, str]] | None = None,
    in_reply_to: str | None = None, extra_headers: dict[str, str] | None = None,
    when: datetime | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = "Ban Biên tập <toasoan@congdoan.example.vn>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when or clock.now() - timedelta(minutes=90 - number))
    msg["Message-ID"] = f"<demo-{number}@tinbai.example>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
        msg["References"] = f"<{in_reply_to}>"
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, data, subtype in photos or []:
        msg.add_attachment(data, maintype="image", subtype=subtype, filename=filename)
    return msg


def _form(title: str, body: str, caption: str, author: str, unit: str, phone: str,
          account: str, holder: str) -> str:
    return (
        f"1. Tít tin, bài: {title}\n\n2. Nội dung bài viết:\n{body}\n\n"
        f"3. Chú thích ảnh: {caption}\n4. Tác giả: {author}\n5. Đơn vị công tác: {unit}\n"
        f"6. Số điện thoại: {phone}\n7. Số tài khoản của tác giả: {account}\n"
        f"8. Tên chủ tài khoản: {holder}\n"
    )


def demo_messages() -> list[EmailMessage]:
    """About eight realistic submissions: complete, incomplete, a fix, an auto-reply."""
    lan = ("Nông Thị Lan", "nongthilan.cdcs@gmail.com")
    hung = ("Hoàng Văn Hùng", "hunghv.ldldchodon@gmail.com")
    mai = ("Triệu Thị Mai", "maitt.giaoduc@yahoo.com.vn")
    binh = ("Lý Văn Bình", "binhlv@congdoan.example.org")
    messages = [
        _message(
            1, lan, "Gửi tin bài: CĐCS Công ty May Chợ Mới trao quà cho nữ đoàn viên",
            _form("Công đoàn cơ sở Công ty May Chợ Mới trao 25 suất quà cho nữ đoàn viên khó khăn",
                  BODY_1,
                  "Ảnh 1: Đồng chí Chủ tịch CĐCS trao quà cho đoàn viên. "
                  "Ảnh 2: Các đại biểu chụp ảnh lưu niệm",
                  "Nông Thị Lan", "Công đoàn cơ sở Công ty TNHH May Chợ Mới", "0983 456 789",
                  "3951 0001 2345 67 tại Agribank chi nhánh Chợ Mới", "Nông Thị Lan")
            .replace("Ảnh 2:", "\nẢnh 2:"),
            photos=[("IMG_20261103_093012.jpg", camera_jpeg(1), "jpeg"),
                    ("IMG_20261103_093544.jpg", camera_jpeg(2), "jpeg")],
        ),
        _message(
            2, hung, "Tin tap huan nghiep vu cong doan huyen Cho Don",
            "Kinh gui Ban Bien tap,\n\n"
            "Tit tin bai: LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ cho cán bộ công đoàn cơ sở\n"
            f"Noi dung:\n{BODY_2}\n\n"
            "Chu thich anh: Quang cảnh hội nghị tập huấn\n"
            "Tac gia: Hoàng Văn Hùng\nDon vi: LĐLĐ huyện Chợ Đồn\nSDT: 0912.345.678\n"
            "STK: 8600 2050 12345 - Vietinbank\nChu TK: HOANG VAN HUNG\n\n"
            "Tran trong!\n-- \nHoàng Văn Hùng\nVăn phòng LĐLĐ huyện Chợ Đồn\n",
            photos=[("DSC_0412.JPG", camera_jpeg(3, make="NIKON CORPORATION", model="NIKON D7500",
                                                software="Ver.1.01", subsampling="4:2:2",
                                                huffman_first=True), "jpeg")],
        ),
        _message(
            3, mai, "Bài viết giải bóng chuyền hơi ngành Giáo dục",
            _form("Sôi nổi giải bóng chuyền hơi ngành Giáo dục", BODY_3,
                  "Ảnh 1: Trận chung kết giải bóng chuyền hơi", "Triệu Thị Mai",
                  "Công đoàn ngành Giáo dục tỉnh", "", "", "")
            .split("6. Số điện thoại")[0],
            photos=[("IMG_4471.JPG", camera_jpeg(4, make="Apple", model="iPhone 13",
                                                software="17.5.1"), "jpeg")],
        ),
        _message(
            4, binh, "Tin: Công đoàn Viên chức tỉnh thăm hỏi đoàn viên ốm đau",
            _form("Công đoàn Viên chức tỉnh thăm hỏi đoàn viên ốm đau",
                  "Ngày 6/11/2026, Công đoàn Viên chức tỉnh đã đến thăm hỏi, động viên ba đoàn "
                  "viên đang điều trị bệnh dài ngày tại Bệnh viện Đa khoa tỉnh và trao tặng mỗi "
                  "đoàn viên 2.000.000 đồng từ quỹ trợ cấp khó khăn.",
                  "Đồng chí Phó Chủ tịch Công đoàn Viên chức tỉnh thăm hỏi đoàn viên",
                  "Lý Văn Bình", "Công đoàn Viên chức tỉnh", "0209 3875 281",
                  "0071 0003 45678 Vietcombank", "Lý Văn Bình"),
        ),
        _message(
            5, ("Đinh Văn Toàn", "toandv.cdcs.xm@gmail.com"), "gui bai cong doan",
            _form("Công đoàn cơ sở Xí nghiệp Xi măng tổ chức hội thao", BODY_4,
                  "Các vận động viên thi kéo co", "Đinh Văn Toàn",
                  "CĐCS Xí nghiệp Xi măng Bắc Kạn", "0123 45", "19034-ABC-77", "Đinh Văn Toàn"),
            photos=[("Screenshot_20261107-201133.png", screenshot_png(5), "png")],
        ),
        _message(
            6, ("Bế Thị Hoa", "hoabt.yte@gmail.com"), "Tin bài Công đoàn ngành Y tế",
            "Tin bài gửi kèm, mời Ban Biên tập xem (bản HTML).",
            html=(
                "<div dir=\"ltr\"><div><b>1. Tít tin, bài:</b> Công đoàn ngành Y tế hiến máu "
                "tình nguyện</div><div><b>2. Nội dung bài viết:</b></div>"
                f"<div>{BODY_5}"
                "</div><div><br></div><div><b>3. Chú thích ảnh:</b> Đoàn viên ngành Y tế tham "
                "gia hiến máu</div><div><b>4. Tác giả:</b> Bế Thị Hoa</div>"
                "<div><b>5. Đơn vị công tác:</b> Công đoàn ngành Y tế</div>"
                "<div><b>6. Số điện thoại:</b> 0389 112 233</div>"
                "<div><b>7. Số tài khoản của tác giả:</b> 1903 4567 8901 23 Techcombank</div>"
                "<div><b>8. Tên chủ tài khoản:</b> Bế Thị Hoa</div></div>"
            ),
            photos=[("20261108_081522.jpg", camera_jpeg(6), "jpeg")],
        ),
        _message(
            7, ("Phòng Hành chính", "hanhchinh@xinghiep.example.vn"),
            "Trả lời tự động: Re: Thông báo của Ban Biên tập",
            "Tôi đang nghỉ phép đến hết ngày 15/11/2026. Việc gấp xin liên hệ văn phòng.",
            extra_headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        ),
        _message(
            8, mai, "Re: Bài viết giải bóng chuyền hơi ngành Giáo dục",
            "Kính gửi Ban Biên tập, tôi xin bổ sung thông tin:\n\n"
            "Số điện thoại: 0868 224 466\nSố tài khoản: 1012 3456 789 tại Vietcombank\n"
            "Tên chủ tài khoản: Triệu Thị Mai\n\n"
            "Vào 10:15 Th 7, 7 thg 11, 2026, Ban Biên tập <toasoan@congdoan.example.vn> đã viết:\n"
            "> Đề nghị đồng chí bổ sung, sửa các điểm sau …\n",
            in_reply_to="demo-3@tinbai.example",
        ),
    ]
    return messages


def sample_submission(
    number: int, *, sender: tuple[str, str] | None = None, complete: bool = True,
    photo_seed: int | None = None, when: datetime | None = None,
) -> EmailMessage:
    """A realistic submission with a unique Message-ID ``<sample-N@tinbai.example>``.

    ``complete=False`` leaves out the phone and bank fields (a fix request is due).
    """
    author = sender or (f"Cộng tác viên {number}", f"ctv{number}@example.org")
    text = _form(
        f"Công đoàn cơ sở số {number} tổ chức hoạt động chăm lo đoàn viên",
        article_body(number), "Đồng chí Chủ tịch CĐCS trao quà cho đoàn viên", author[0],
        "Công đoàn ngành Giáo dục tỉnh", f"0983 {number % 1000:03d} 789",
        f"3951 0001 {number % 10000:04d} 67 tại Agribank", author[0],
    )
    if not complete:
        text = text.split("6. Số điện thoại")[0]
    msg = _message(
        number, author, f"Gửi tin bài số {number}", text,
        photos=[(f"IMG_{number:04d}.jpg", camera_jpeg(photo_seed if photo_seed is not None
                                                      else 1000 + number), "jpeg")],
        when=when,
    )
    del msg["Message-ID"]
    msg["Message-ID"] = f"<sample-{number}@tinbai.example>"
    return msg
