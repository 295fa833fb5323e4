"""Royalty payment batches end to end, on a database built through the real pipeline.

Sixteen emailed submissions in two quarters are ingested from a Maildir by
``Poller.poll()`` (with the store's clock set to the simulated reception time), then
published with ``tinbai publish`` through ``tinbai.cli.main``. The world:

======  ==================  ===================================  ============  ===========
msg     author              unit                                 received(VN)  published
======  ==================  ===================================  ============  ===========
A1-A4   Hoàng Văn Hùng      LĐLĐ huyện Chợ Đồn                   Jul/Sep       Q3 (4)
A5      Hoàng Văn Hùng      LĐLĐ huyện Chợ Đồn                   Oct           2026-10-25
L1-L4   Nông Thị Lan        CĐCS Công ty TNHH May Chợ Mới        Jul/Sep       Q3 (4)
M1      Triệu Thị Mai       Công đoàn ngành Giáo dục (acct 0071…) Jul          2026-07-30
M2      Triệu Thị Mai       same unit, NEW account 1903…         01/10 00:30   2026-10-05
T1      Đinh Văn Toàn       CĐCS Xí nghiệp Xi măng (unregistered) Jul          2026-08-20
Y1      Bế Thị Hoa          Công đoàn ngành Y tế, no phone        Jul          (needs_fix)
Y2      Bế Thị Hoa          Công đoàn ngành Y tế                 Sep           (rejected)
G1      Lục Văn Sơn         CĐCS Trường THPT Chợ Đồn             Sep           2026-09-28*
S2      Lục Văn Sơn         CĐCS Trường THPT Chợ Đồn             Oct           2026-11-02
======  ==================  ===================================  ============  ===========

(*) G1 is published after the first Q3 export, so the third Q3 export holds only it.
"""

from __future__ import annotations

import csv
import io
import mailbox
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

import pytest
from openpyxl import load_workbook

import store.base as store_base
from store.db import Store
from tinbai.cli import main
from tinbai.config import Config, load_config
from tinbai.decisions import DecisionError, publish
from tinbai.finance.batches import FinanceError, load_batch, mark_paid
from tinbai.finance.money import RoyaltyRules, round_vnd
from tinbai.poll import Poller
from tinbai.samples import article_body, camera_jpeg

CONFIG = """\
mailboxes:
  - name: test
    url: maildir:inbox
smtp:
  url: maildir:outbox
data_dir: .
unit_kinds:
  huyen_nganh:
    label: "LĐLĐ huyện, công đoàn ngành"
    quota: {month: 1, quarter: 3, half: 6, year: 12}
  co_so:
    label: "Công đoàn cơ sở"
    quota: {half: 1, year: 2}
units:
  - name: "LĐLĐ huyện Chợ Đồn"
    kind: huyen_nganh
  - name: "Công đoàn ngành Giáo dục"
    kind: huyen_nganh
    aliases: ["Công đoàn ngành Giáo dục tỉnh"]
  - name: "Công đoàn ngành Y tế"
    kind: huyen_nganh
  - name: "CĐCS Công ty TNHH May Chợ Mới"
    kind: co_so
    aliases: ["Công đoàn cơ sở Công ty TNHH May Chợ Mới"]
  - name: "CĐCS Trường THPT Chợ Đồn"
    kind: co_so
"""

HUNG = ("Hoàng Văn Hùng", "hunghv@example.org", "LĐLĐ huyện Chợ Đồn", "0912 345 678",
        "8600 2050 12345 tại Vietinbank", "Hoàng Văn Hùng")
LAN = ("Nông Thị Lan", "lannt@example.org", "Công đoàn cơ sở Công ty TNHH May Chợ Mới",
       "0983 456 789", "3951 0001 23456 Agribank", "Nông Thị Lan")
MAI_OLD = ("Triệu Thị Mai", "maitt@example.org", "Công đoàn ngành Giáo dục tỉnh",
           "0868 224 466", "0071 0003 45678 Vietcombank", "Triệu Thị Mai")
MAI_NEW = (*MAI_OLD[:4], "1903 4567 8901 23 Techcombank", "Triệu Thị Mai")
TOAN = ("Đinh Văn Toàn", "toandv@example.org", "CĐCS Xí nghiệp Xi măng Bắc Kạn",
        "0389 112 233", "0451 0001 23456 Vietcombank", "Đinh Văn Toàn")
HOA = ("Bế Thị Hoa", "hoabt@example.org", "Công đoàn ngành Y tế", "0977 123 456",
       "1903 4567 8900 11 Techcombank", "Bế Thị Hoa")
SON = ("Lục Văn Sơn", "sonlv@example.org", "CĐCS Trường THPT Chợ Đồn", "0904 555 666",
       "1068 6868 6868 Vietinbank", "Lục Văn Sơn")

# (key, who, title, body, reception time UTC, publication or None)
# publication: (date, genre, coefficient or None)
Q3_EARLY = datetime(2026, 7, 20, 3, 0, tzinfo=UTC)
Q3_LATE = datetime(2026, 9, 10, 3, 0, tzinfo=UTC)
Q3_LAST_NIGHT = datetime(2026, 9, 30, 17, 30, tzinfo=UTC)  # 01/10/2026 00:30 in Vietnam
Q4 = datetime(2026, 10, 20, 3, 0, tzinfo=UTC)

Pub = tuple[str, str, str | None]
PLAN: list[tuple[str, tuple[str, ...], datetime, Pub | None]] = [
    ("A1", HUNG, Q3_EARLY, ("2026-07-25", "bai", "2.5")),
    ("A2", HUNG, Q3_EARLY, ("2026-08-03", "bai", "2.5")),
    ("L1", LAN, Q3_EARLY, ("2026-07-28", "bai", "2.5")),
    ("L2", LAN, Q3_EARLY, ("2026-08-10", "bai", "2.5")),
    ("M1", MAI_OLD, Q3_EARLY, ("2026-07-30", "tin", "0.5")),
    ("T1", TOAN, Q3_EARLY, ("2026-08-20", "tin", "1.0")),
    ("Y1", HOA, Q3_EARLY, None),
    ("A3", HUNG, Q3_LATE, ("2026-09-15", "bai", "2.5")),
    ("A4", HUNG, Q3_LATE, ("2026-09-16", "tin", "1.0")),
    ("L3", LAN, Q3_LATE, ("2026-09-20", "bai", "2.5")),
    ("L4", LAN, Q3_LATE, ("2026-09-25", "bai", "1.5")),
    ("Y2", HOA, Q3_LATE, None),
    ("G1", SON, Q3_LATE, None),  # published later, after the first Q3 export
    ("M2", MAI_NEW, Q3_LAST_NIGHT, ("2026-10-05", "anh", "0.5")),
    ("A5", HUNG, Q4, ("2026-10-25", "bai", "2.5")),
    ("S2", SON, Q4, ("2026-11-02", "tin", "0.5")),
]
TITLES = {
    "A1": "LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ cho cán bộ công đoàn cơ sở",
    "A2": "Chợ Đồn: trao 50 suất quà cho đoàn viên có hoàn cảnh khó khăn",
    "A3": "LĐLĐ huyện Chợ Đồn tổ chức Hội nghị đối thoại tại nơi làm việc",
    "A4": "Ra mắt mô hình “Bữa cơm công đoàn” tại Chợ Đồn",
    "A5": "LĐLĐ huyện Chợ Đồn sơ kết 9 tháng hoạt động công đoàn",
    "L1": "CĐCS Công ty May Chợ Mới chăm lo nữ đoàn viên",
    "L2": "Hội thao công nhân lao động Công ty May Chợ Mới",
    "L3": "Công ty May Chợ Mới ký thỏa ước lao động tập thể mới",
    "L4": "Trao học bổng cho con đoàn viên Công ty May Chợ Mới",
    "M1": "Sôi nổi giải bóng chuyền hơi ngành Giáo dục",
    "M2": "Ngành Giáo dục tôn vinh nhà giáo tiêu biểu",
    "T1": "Xí nghiệp Xi măng tổ chức hội thi an toàn vệ sinh viên giỏi",
    "Y1": "Công đoàn ngành Y tế hiến máu tình nguyện",
    "Y2": "Công đoàn ngành Y tế thăm hỏi đoàn viên ốm đau",
    "G1": "Trường THPT Chợ Đồn tổ chức Hội nghị viên chức",
    "S2": "Đoàn viên Trường THPT Chợ Đồn trồng cây xanh",
}


def _message(number: int, key: str, who: tuple[str, ...], when: datetime) -> EmailMessage:
    name, address, unit, phone, account, holder = who
    phone_line = "" if key == "Y1" else f"6. Số điện thoại: {phone}\n"
    text = (
        f"1. Tít tin, bài: {TITLES[key]}\n\n"
        f"2. Nội dung bài viết:\n{article_body(100 + number)}\n\n"  # distinct articles
        f"3. Chú thích ảnh: Quang cảnh hoạt động {key}\n4. Tác giả: {name}\n"
        f"5. Đơn vị công tác: {unit}\n{phone_line}"
        f"7. Số tài khoản của tác giả: {account}\n8. Tên chủ tài khoản: {holder}\n"
    )
    msg = EmailMessage()
    msg["From"] = formataddr((name, address))
    msg["To"] = "Ban Biên tập <toasoan@congdoan.example.vn>"
    msg["Subject"] = f"Gửi tin bài {key}"
    msg["Date"] = format_datetime(when - timedelta(minutes=5))
    msg["Message-ID"] = f"<world-{key}@tinbai.test>"
    msg.set_content(text)
    msg.add_attachment(camera_jpeg(500 + number, (1600, 1200)), maintype="image",
                       subtype="jpeg", filename=f"IMG_{number:04d}.jpg")
    return msg


@dataclass
class World:
    config_path: Path
    config: Config
    refs: dict[str, str]  # plan key → TB-… reference

    def cli(self, *argv: str) -> int:
        return main(["--config", str(self.config_path), *argv])

    def store(self) -> Store:
        return Store(self.config.data_path)


def _publish(world: World, key: str, pub: Pub) -> None:
    day, genre, coefficient = pub
    argv = ["publish", world.refs[key], "--url", f"https://congdoan.example.vn/{key.lower()}",
            "--date", day, "--genre", genre]
    if coefficient:
        argv += ["--coefficient", coefficient]
    assert world.cli(*argv) == 0


def build_world(root: Path) -> World:
    """Ingest the plan through the pipeline and publish through the CLI (not G1 yet)."""
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / "config.yaml"
    config_path.write_text(CONFIG, encoding="utf-8")
    config = load_config(config_path)
    inbox = mailbox.Maildir(root / "inbox", create=True)
    refs: dict[str, str] = {}
    batches: dict[datetime, list[tuple[int, str, tuple[str, ...]]]] = {}
    for number, (key, who, when, _) in enumerate(PLAN, start=1):
        batches.setdefault(when, []).append((number, key, who))
    with pytest.MonkeyPatch.context() as mp:
        for when, messages in sorted(batches.items()):
            mp.setattr(store_base, "utcnow", lambda when=when: when)
            for number, key, who in messages:
                inbox.add(_message(number, key, who, when).as_bytes())
            store = Store(config.data_path)
            try:
                report = Poller(config, store).poll()
                assert report.failed == 0 and report.errors == []
                by_subject = {store.submissions.get(int(row["id"]))["subject"]: row["ref"]
                              for row in store.queue.page(limit=1000)}
                for _, key, _ in messages:
                    assert f"Gửi tin bài {key}" in by_subject, key
                    refs[key] = str(by_subject[f"Gửi tin bài {key}"])
            finally:
                store.close()
    world = World(config_path, config, refs)
    for key, _, _, pub in PLAN:
        if pub:
            _publish(world, key, pub)
    assert world.cli("reject", refs["Y2"], "--reason", "Trùng nội dung đã đăng") == 0
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield build_world(tmp_path_factory.mktemp("finance-world"))


# -- money rules ----------------------------------------------------------------------


def test_rounding_is_half_up_to_the_dong_and_never_float() -> None:
    assert round_vnd(Decimal("292500.5")) == 292501
    assert round_vnd(Decimal("292500.49")) == 292500
    assert round_vnd(Decimal("2.5")) == 3
    rules = RoyaltyRules(Config().royalties)
    assert rules.item_gross(Decimal("2.5"), datetime(2026, 7, 1).date()) == (585_000, 234_000)
    assert rules.item_gross(Decimal("0.33"), datetime(2026, 7, 1).date())[0] == 77_220
    with pytest.raises(TypeError):
        from tinbai.finance.money import parse_decimal

        parse_decimal(1.5)


def test_tax_threshold_is_inclusive_and_dated() -> None:
    rules = RoyaltyRules(Config().royalties)
    day = datetime(2026, 10, 1).date()
    assert (rules.tax(1_999_999, day).tax, rules.tax(2_000_000, day).tax) == (0, 200_000)
    assert rules.tax(2_106_005, day).tax == 210_601  # 210,600.5 rounds half-up
    config = Config.model_validate({"royalties": {
        "tax": [{"since": "2013-09-01", "rate": "0.10", "threshold": 2_000_000},
                {"since": "2027-01-01", "rate": "0.10", "threshold": 5_000_000}],
        "unit_values": [{"since": "2024-07-01", "value": 234_000},
                        {"since": "2026-12-01", "value": 250_000}],
    }})
    rules = RoyaltyRules(config.royalties)
    assert rules.tax(3_000_000, datetime(2026, 12, 31).date()).tax == 300_000
    assert rules.tax(3_000_000, datetime(2027, 1, 1).date()).tax == 0
    assert rules.item_gross(Decimal(1), datetime(2026, 11, 30).date())[0] == 234_000
    assert rules.item_gross(Decimal(1), datetime(2026, 12, 1).date())[0] == 250_000


def test_publish_validates_genre_and_coefficient_against_the_table(tmp_path: Path) -> None:
    config = Config(base_dir=tmp_path)
    rules = RoyaltyRules(config.royalties)
    day = datetime(2026, 8, 1).date()
    assert rules.resolve("Bài", "2,0", day) == ("bai", Decimal("2.0"))
    # Editors read these on the submission page: decimal commas, genre labels, no option.
    with pytest.raises(ValueError, match=r"^Hệ số 3 nằm ngoài khoảng 1–2,5 của thể loại «Bài»"):
        rules.resolve("bai", "3", day)
    with pytest.raises(ValueError, match=r"«Bài» có hệ số trong khoảng 1–2,5: hãy ghi hệ số "
                                         r"nhuận bút trong khoảng đó\.$"):
        rules.resolve("bai", None, day)
    with pytest.raises(ValueError, match="không có trong bảng nhuận bút"):
        rules.resolve("phong_su", "1", day)
    single = Config.model_validate({"royalties": {"coefficient_tables": [
        {"since": "2024-07-01", "genres": {"tin": {"label": "Tin", "min": "0.8", "max": "0.8"}}}
    ]}})
    assert RoyaltyRules(single.royalties).resolve("tin", None, day) == ("tin", Decimal("0.8"))
    store = Store(tmp_path / "data")
    with pytest.raises(DecisionError, match="nằm ngoài khoảng"):
        publish(store, config, "TB-2026-0001", url="https://x.example/1", on="2026-08-01",
                genre="tin", coefficient="2", actor="t")
    store.close()


# -- the pipeline-built world ---------------------------------------------------------


def _xlsx_rows(path: Path) -> list[list[object]]:
    ws = load_workbook(path)["Danh sách chi"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_q3_export_xlsx_cell_by_cell(world: World, tmp_path: Path) -> None:
    out = tmp_path / "q3.xlsx"
    assert world.cli("export", "royalties", "--period", "2026-Q3", "--format", "xlsx",
                     "-o", str(out), "--payment-date", "2026-10-05") == 0
    wb = load_workbook(out)
    ws = wb["Danh sách chi"]
    assert ws["A1"].value == "DANH SÁCH CHI NHUẬN BÚT — QUÝ III/2026"
    assert str(ws["A2"].value).startswith("Đợt NB-2026-Q3-01 ")
    assert ws.freeze_panes == "A5"
    header = [c.value for c in ws[4]]
    assert header == ["STT", "Tác giả", "Chủ tài khoản", "Số tài khoản", "Ngân hàng",
                      "Tin, bài", "Nhuận bút", "Thuế TNCN khấu trừ", "Thực nhận",
                      "Nội dung chuyển khoản", "Cảnh báo"]
    r = world.refs
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=9)]
    # Sorted by author without diacritics: Đinh, Hoàng, Nông, Triệu.
    assert [row[0] for row in rows[:4]] == [1, 2, 3, 4]
    assert [row[1] for row in rows[:4]] == ["Đinh Văn Toàn", "Hoàng Văn Hùng", "Nông Thị Lan",
                                            "Triệu Thị Mai"]
    assert [row[2] for row in rows[:4]] == ["DINH VAN TOAN", "HOANG VAN HUNG", "NONG THI LAN",
                                            "TRIEU THI MAI"]
    assert [row[3] for row in rows[:4]] == ["0451000123456", "8600205012345", "3951000123456",
                                            "0071000345678"]
    for row_cells in ws.iter_rows(min_row=5, max_row=8, min_col=4, max_col=4):
        assert row_cells[0].data_type == "s" and row_cells[0].number_format == "@"
    assert [row[6:9] for row in rows[:4]] == [
        [234_000, 0, 234_000],
        [1_989_000, 0, 1_989_000],          # 2.5+2.5+2.5+1.0 coefficients: under 2 million
        [2_106_000, 210_600, 1_895_400],    # 2.5×3+1.5 → over the threshold: 10 % withheld
        [117_000, 0, 117_000],
    ]
    for row_cells in ws.iter_rows(min_row=5, max_row=9, min_col=7, max_col=9):
        assert all(c.number_format == "#,##0" for c in row_cells)
    hung_items = str(rows[1][5]).split("\n")
    assert hung_items[0] == f"{r['A1']} — {TITLES['A1']} (25/07/2026)"
    assert [line.split(" — ")[0] for line in hung_items] == [r["A1"], r["A2"], r["A3"], r["A4"]]
    assert rows[2][9] == (f"Nhuan but quy III/2026 {r['L1']}, {r['L2']}, {r['L3']}, "
                          f"{r['L4']}")
    assert all(str(row[9]).isascii() for row in rows[:4])
    assert [row[10] for row in rows[:4]] == [None, None, None, None]  # nobody flagged in Q3
    assert rows[4][0].startswith("Tổng cộng (4 người, 10 tin, bài)")
    assert rows[4][6:9] == [4_446_000, 210_600, 4_235_400]
    assert ws["A11"].value == ("Số tiền thực nhận bằng chữ: Bốn triệu hai trăm ba mươi lăm "
                               "nghìn bốn trăm đồng.")
    assert [ws.cell(row=13, column=c).value for c in (2, 6, 11)] == [
        "NGƯỜI LẬP BIỂU", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ"]
    detail = wb["Chi tiết tin bài"]
    assert [c.value for c in detail[1]][:9] == ["STT", "Tác giả", "Mã số", "Tít tin, bài",
                                                "Ngày đăng", "Thể loại", "Hệ số",
                                                "Giá trị 1 hệ số", "Nhuận bút"]
    assert detail.max_row == 11
    lan_l4 = next(row for row in detail.iter_rows(values_only=True) if row[2] == r["L4"])
    # a real date (shown dd/mm/yyyy), the genre's label, the coefficient as a number
    assert lan_l4[4:] == (datetime(2026, 9, 25), "Bài", 1.5, 234_000, 351_000)
    l4_row = next(row for row in detail.iter_rows() if row[2].value == r["L4"])
    assert l4_row[4].number_format == "DD/MM/YYYY" and l4_row[6].data_type == "n"

    # The same period again: nothing new, no batch, no file.
    again = tmp_path / "q3-again.xlsx"
    assert world.cli("export", "royalties", "--period", "2026-Q3", "--format", "xlsx",
                     "-o", str(again)) == 0
    assert not again.exists()
    store = world.store()
    assert [b["code"] for b in store.finance.batches()] == ["NB-2026-Q3-01"]
    store.close()

    # A late publication dated in Q3 makes a second Q3 batch with only that item.
    _publish(world, "G1", ("2026-09-28", "bai", "2.0"))
    late = tmp_path / "q3-late.csv"
    assert world.cli("export", "royalties", "--period", "2026-Q3", "--format", "csv",
                     "-o", str(late), "--payment-date", "2026-10-06") == 0
    raw = late.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert table[0][0] == "STT" and len(table) == 2
    # ="…" keeps the account number text when Excel opens the CSV (no lost leading zero)
    assert table[1][:5] == ["1", "Lục Văn Sơn", "LUC VAN SON", '="106868686868"', table[1][4]]
    assert table[1][6:9] == ["468000", "0", "468000"]
    assert r["G1"] in table[1][5]


def test_q4_flagged_account_blocks_paid_until_confirmed(world: World, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    out = tmp_path / "q4.xlsx"
    assert world.cli("export", "royalties", "--period", "2026-Q4", "-o", str(out),
                     "--payment-date", "2027-01-05") == 0
    printed = capsys.readouterr().out
    assert "bank_account_changed" in printed and "Triệu Thị Mai" in printed
    rows = _xlsx_rows(out)
    body = rows[4:7]
    assert [row[1] for row in body] == ["Hoàng Văn Hùng", "Lục Văn Sơn", "Triệu Thị Mai"]
    assert body[2][3] == "19034567890123"
    assert body[2][10] == "Đổi số tài khoản — CHƯA XÁC NHẬN"
    assert body[0][10] is None and body[1][10] is None
    assert [row[6:9] for row in body] == [[585_000, 0, 585_000], [117_000, 0, 117_000],
                                         [117_000, 0, 117_000]]

    store = world.store()
    batch = load_batch(store, "NB-2026-Q4-01")
    assert [p.position for p in batch.unconfirmed] == [3]
    assert batch.payees[2].flag_detail == "trước đây: 0071000345678"
    store.close()

    assert world.cli("paid", "NB-2026-Q4-01") == 1
    err = capsys.readouterr().err
    assert "kế toán chưa xác nhận" in err and "STT 3 Triệu Thị Mai" in err
    store = world.store()
    assert store.submissions.get(world.refs["M2"])["status"] == "published"
    store.close()

    assert world.cli("paid", "NB-2026-Q4-01", "--confirm", "3") == 2  # a note is required
    assert "--note" in capsys.readouterr().err
    assert world.cli("confirm-payee", "NB-2026-Q4-01", "1", "--note", "x") == 1  # not flagged
    assert "không có cảnh báo nào" in capsys.readouterr().err
    assert world.cli("confirm-payee", "NB-2026-Q4-01", "3", "--note",
                     "Đã gọi điện xác minh với tác giả", "--actor", "ketoan.hoa") == 0
    assert world.cli("paid", "NB-2026-Q4-01", "--actor", "ketoan.hoa") == 0
    store = world.store()
    batch = load_batch(store, "NB-2026-Q4-01")
    assert batch.status == "paid" and batch.paid_by == "ketoan.hoa"
    assert batch.payees[2].confirmed_by == "ketoan.hoa"
    for key in ("M2", "A5", "S2"):
        sub = store.submissions.get(world.refs[key])
        assert sub["status"] == "paid"
        last = store.submissions.history(sub["id"])[-1]
        assert (last["from_status"], last["to_status"], last["actor"]) == (
            "published", "paid", "ketoan.hoa")
    m2 = store.submissions.get(world.refs["M2"])
    actions = [a["action"] for a in store.audit.of_submission(m2["id"])]
    assert "confirm_payee" in actions and actions[-1] == "paid"
    # Paid twice is refused; the items cannot be exported again.
    with pytest.raises(FinanceError, match="đã được đánh dấu đã chi"):
        mark_paid(store, "NB-2026-Q4-01", actor="x")
    store.close()
    again = tmp_path / "q4-again.xlsx"
    assert world.cli("export", "royalties", "--period", "2026-Q4", "-o", str(again)) == 0
    assert not again.exists()


def test_bank_layouts_and_rewrite_of_an_existing_batch(world: World, tmp_path: Path) -> None:
    store = world.store()
    codes = [b["code"] for b in store.finance.batches()]
    store.close()
    code = "NB-2026-Q3-01"
    assert code in codes
    vcb = tmp_path / "vcb.xlsx"
    assert world.cli("export", "royalties", "--batch", code, "--layout", "vietcombank",
                     "-o", str(vcb)) == 0
    rows = _xlsx_rows(vcb)
    assert rows[3] == ["STT", "Số tài khoản người hưởng", "Tên người hưởng", "Số tiền",
                       "Ngân hàng hưởng", "Nội dung"]
    assert rows[6][1:4] == ["3951000123456", "NONG THI LAN", 1_895_400]  # net amount
    assert len(rows) == 8  # title, subtitle, blank, header, 4 payees: no totals row
    bidv = tmp_path / "bidv.csv"
    assert world.cli("export", "royalties", "--batch", code, "--layout", "bidv",
                     "-o", str(bidv)) == 0
    header = bidv.read_bytes()[3:].decode("utf-8").splitlines()[0]
    assert header.startswith("STT,Tên người thụ hưởng,Số tài khoản thụ hưởng,Mã ngân hàng")
    assert world.cli("export", "royalties", "--batch", code, "--layout", "nope",
                     "-o", str(tmp_path / "x.csv")) == 2
    store = world.store()
    assert [b["code"] for b in store.finance.batches()] == codes  # nothing new was created
    store.close()


def test_cancel_an_unpaid_batch_releases_its_items(world: World, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("cancel-batch", "NB-2026-Q4-01", "--reason", "x") == 1  # already paid
    assert "chỉ huỷ được đợt chi chưa chi" in capsys.readouterr().err
    assert world.cli("cancel-batch", "NB-2026-Q3-02", "--reason", "Sai hệ số") == 0
    store = world.store()
    cancelled = load_batch(store, "NB-2026-Q3-02")
    assert cancelled.status == "cancelled" and cancelled.item_count == 0
    assert cancelled.rules["cancelled"]["items"] == [world.refs["G1"]]
    assert cancelled.rules["cancelled"]["reason"] == "Sai hệ số"
    with pytest.raises(FinanceError):
        mark_paid(store, "NB-2026-Q3-02", actor="x")
    store.close()
    assert world.cli("export", "royalties", "--batch", "NB-2026-Q3-02",
                     "-o", str(tmp_path / "c.xlsx")) == 1
    out = tmp_path / "again.csv"
    assert world.cli("export", "royalties", "--period", "2026-Q3", "-o", str(out)) == 0
    assert "NB-2026-Q3-03" in capsys.readouterr().out  # a code is never reused
    assert world.refs["G1"] in out.read_text(encoding="utf-8-sig")


def test_an_item_is_never_in_two_batches(world: World) -> None:
    store = world.store()
    items = [item for batch in store.finance.batches()
             for item in store.finance.batch_items(int(batch["id"]))]
    batched = Counter(int(item["submission_id"]) for item in items)
    assert items and max(batched.values()) == 1
    item = items[0]
    with pytest.raises(Exception, match="UNIQUE"), store.transaction():
        store.finance.insert("batch_items", {**{k: v for k, v in item.items() if k != "id"}})
    store.close()


def test_config_yaml_documents_the_royalty_defaults() -> None:
    path = Path(__file__).resolve().parent.parent / "config.yaml"
    assert load_config(path).royalties == Config().royalties


def test_contributor_text_never_becomes_a_formula(tmp_path: Path) -> None:
    from tinbai.finance.batches import Batch, BatchItem, Payee
    from tinbai.finance.export import layout_for, write_csv, write_xlsx

    evil = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    payee = Payee(position=1, author="@Tác giả", author_key="tac gia", account_holder="TAC GIA",
                  account_digits="0123456", bank_short_name="VCB", bank_code=None,
                  bank_bin=None, gross=234_000, tax=0, net=234_000, description="Nhuan but",
                  items=[BatchItem("TB-2026-0001", evil, "2026-07-01", "tin", "1.0", 234_000,
                                   234_000)])
    batch = Batch(id=1, code="NB-2026-Q3-01", period="2026-Q3", period_label="Quý III/2026",
                  status="open", payment_date="2026-10-01", created_by="t",
                  created_at="2026-10-01T00:00:00+00:00", paid_by=None, paid_at=None,
                  payees=[payee], rules={})
    layout = layout_for(Config(), None)
    write_xlsx(batch, layout, tmp_path / "x.xlsx")
    wb = load_workbook(tmp_path / "x.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    assert wb["Chi tiết tin bài"]["D2"].value == evil
    write_csv(batch, layout, tmp_path / "x.csv")
    row = list(csv.reader(io.StringIO((tmp_path / "x.csv").read_text(encoding="utf-8-sig"))))[1]
    assert row[1] == "'@Tác giả" and row[5].startswith("TB-2026-0001 — =HYPERLINK")


def test_amounts_in_words() -> None:
    from tinbai.finance.money import vnd_in_words

    assert vnd_in_words(1_895_400) == "Một triệu tám trăm chín mươi lăm nghìn bốn trăm đồng"
    assert vnd_in_words(1_050_021) == ("Một triệu không trăm năm mươi nghìn không trăm hai "
                                       "mươi mốt đồng")
    assert vnd_in_words(105) == "Một trăm linh năm đồng"
    assert vnd_in_words(15_000) == "Mười lăm nghìn đồng"
    assert vnd_in_words(2_500_000_000) == "Hai tỷ năm trăm triệu đồng"
    assert vnd_in_words(1_000_000_000_000) == "Một nghìn tỷ đồng"
    assert vnd_in_words(0) == "Không đồng"


def test_cli_decisions_and_refusals_speak_vietnamese(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Editors and finance clerks read these lines: Vietnamese, with codes and options kept."""
    own = build_world(tmp_path / "world")
    printed = capsys.readouterr().out
    assert f"{own.refs['M1']}: đã ghi nhận đăng tải" in printed
    assert f"{own.refs['Y2']}: đã chuyển sang «Không sử dụng»" in printed
    g1 = own.refs["G1"]

    def refused(status: int, *argv: str) -> str:
        assert own.cli(*argv) == status, argv
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return captured.err

    assert "tinbai: Không tìm thấy tin, bài TB-2026-9999" in refused(
        1, "publish", "tb-2026-9999", "--url", "https://x.example/1")
    assert "(URL) phải bắt đầu bằng http:// hoặc https://" in refused(
        1, "publish", g1, "--url", "ftp://x.example/1")
    assert "Ngày đăng «15/10/2026» không hợp lệ: hãy viết theo dạng YYYY-MM-DD" in refused(
        1, "publish", g1, "--url", "https://x.example/1", "--date", "15/10/2026")
    assert "Thể loại «phong su» không có trong bảng nhuận bút" in refused(
        1, "publish", g1, "--url", "https://x.example/1", "--date", "2026-09-28",
        "--genre", "phong su")
    assert "không phải là số" in refused(
        1, "publish", g1, "--url", "https://x.example/1", "--coefficient", "hai")
    assert f"{own.refs['Y2']}: không thể chuyển từ «Không sử dụng» sang «Không sử dụng»" in \
        refused(1, "reject", own.refs["Y2"], "--reason", "Lần nữa")
    assert "Kỳ «2026-Q5» không hợp lệ" in refused(
        2, "export", "royalties", "--period", "2026-Q5", "-o", str(tmp_path / "x.xlsx"))
    assert "hãy ghi một trong hai: --period" in refused(
        2, "export", "royalties", "-o", str(tmp_path / "x.xlsx"))
    assert "ngày chi --payment-date «05/01/2027» không hợp lệ" in refused(
        2, "export", "royalties", "--period", "2026-Q4", "--payment-date", "05/01/2027",
        "-o", str(tmp_path / "x.xlsx"))
    assert "Chưa có mẫu danh sách chi «nope» trong cấu hình" in refused(
        2, "export", "royalties", "--period", "2026-Q4", "--layout", "nope",
        "-o", str(tmp_path / "x.xlsx"))
    assert "Không tìm thấy đợt chi NB-2026-Q1-07" in refused(1, "paid", "NB-2026-Q1-07")
    assert "Hãy ghi lý do huỷ đợt chi" in refused(
        1, "cancel-batch", "NB-2026-Q1-07", "--reason", " ")
    assert not (tmp_path / "x.xlsx").exists()
