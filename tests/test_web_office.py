"""What issue 16 saw, each fixed, through HTTP on the sample site of tests/web_world.py:
finance's landing page, default period, confirmation of "Đánh dấu đã chi", the item left
out of a batch and its account fixed with a note, the holder who is not the author, the
alerts' titles, chips that name the missing fields, the photo card agreeing with the
problem list, readable photo evidence, and the exports (payment lists, unit reports)
following the text rules."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient
from text_rules import violations
from web_support import PASSWORD, copy_site, csrf_of, login, shared_template
from web_world import build_office_world, site_data

from store.db import Store
from tinbai.alerts import TITLES
from tinbai.clock import local_date
from tinbai.config import Config
from tinbai.finance.batches import load_batch
from tinbai.finance.pending import suggested_period, waiting_by_quarter
from tinbai.formatting import genre_labels
from tinbai.web.app import create_app
from tinbai.web.photocard import evidence_rows
from validators.problems import problem


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: Any) -> Path:
    template = tmp_path_factory.mktemp("office-template")
    _, store = build_office_world(shared_template(tmp_path_factory), template / "world")
    store.close()
    return template / "world"


@pytest.fixture
def world(world_template: Path, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(world_template, tmp_path / "world")
    yield config, store
    store.close()


def client(world: tuple[Config, Store], user: str) -> TestClient:
    config, store = world
    c = TestClient(create_app(config, store=store), follow_redirects=False)
    login(c, user)
    return c


def section(html: str, marker: str) -> str:
    """The part of ``html`` from ``marker`` to the end of its section or figure."""
    rest = html.split(marker, 1)[1]
    return re.split(r"</section>|</figure>", rest, maxsplit=1)[0]


def test_what_was_seen_now_reads_as_vietnamese(world: tuple[Config, Store]) -> None:
    """The findings of issue 16 on one published item, one by one."""
    editor = client(world, "bientap")
    page = editor.get("/s/TB-2026-0006").text
    assert "Nội dung đã đọc <small>từ nội dung thư (bản có định dạng)</small>" in page
    assert "text/html" not in page.replace('content="text/html', "")
    assert "thể loại Tin · hệ số 0,8" in page and "thể loại tin" not in page
    assert "Đã đăng ngày 21/11/2026" in page and "2026-11-21" not in page
    history = re.sub(r"<[^>]+>", "", section(page, 'id="history"'))  # the text read
    assert "· Hệ thống" in history and "tinbai" not in history
    assert "Tin, bài đã đóng" not in page  # it can still be edited, and says so
    assert "Vẫn sửa được các mục và thông tin đăng bài" not in page  # it is in a batch now
    assert "đã vào đợt chi NB-2026-Q4-01: người nhận và số tiền đã chốt" in page
    unbatched = editor.get("/s/TB-2026-0005").text  # published, left out of the batch
    assert "Vẫn sửa được các mục và thông tin đăng bài" in unbatched
    batch = client(world, "ketoan").get("/finance/batches/NB-2026-Q4-01").text
    assert "Tin × 0,8 = 187.200 đ" in batch and "tin × 0.8" not in batch
    # the queue's period box reads what people write
    for typed in ("12/2026", "11/2026", "Q4/2026", "quý 4 2026", "Quý IV/2026", "2026"):
        listed = editor.get("/", params={"period": typed})
        assert "không hợp lệ" not in listed.text, typed
    received = local_date(str(world[1].submissions.get("TB-2026-0001")["received_at"]))
    assert received is not None
    month = f"{received.month}/{received.year}"
    assert "TB-2026-0001" in editor.get("/", params={"period": month}).text


def test_finance_lands_on_the_finance_page(world: tuple[Config, Store]) -> None:
    config, store = world

    def landing(name: str, next_page: str = "/") -> tuple[TestClient, str]:
        c = TestClient(create_app(config, store=store), follow_redirects=False)
        form = c.get("/login")
        done = c.post("/login", data={"name": name, "password": PASSWORD, "next": next_page,
                                      "csrf": csrf_of(form.text)})
        assert done.status_code == 303
        return c, done.headers["location"]

    finance, where = landing("ketoan")
    assert where == "/finance"
    assert finance.get("/finance").status_code == 200
    assert finance.get("/").status_code == 200  # the queue is still one click away
    assert landing("ketoan", "/s/TB-2026-0001")[1] == "/s/TB-2026-0001"  # a link followed
    assert landing("bientap")[1] == "/"


def test_the_default_period_is_the_oldest_one_waiting(
    world: tuple[Config, Store], tmp_path: Path
) -> None:
    _, store = world
    waiting = waiting_by_quarter(store)
    assert [(w.period.code, w.count) for w in waiting] == [("2026-Q4", 1)]  # TB-2026-0005
    assert suggested_period(store, date(2027, 2, 1)).code == "2026-Q4"
    page = client(world, "ketoan").get("/finance").text
    assert 'name="period" value="Quý IV/2026"' in page
    assert re.search(r"Đang chờ lập danh sách chi:\s*<b>1</b> tin, bài đã đăng trong Quý "
                     r"IV/2026", page)
    sid = int(store.submissions.get("TB-2026-0005")["id"])
    with store.transaction():
        store.submissions.update(sid, {"published_date": "2025-08-01"})
    assert suggested_period(store, date(2027, 2, 1)).code == "2025-Q3"
    empty = Store(tmp_path / "empty")
    assert suggested_period(empty, date(2027, 2, 1)).code == "2027-Q1"  # nothing waits
    empty.close()


def test_marking_paid_asks_first(world: tuple[Config, Store]) -> None:
    _, store = world
    finance = client(world, "ketoan")
    page = finance.get("/finance/batches/NB-2026-Q4-01").text
    token = csrf_of(page)
    assert 'name="confirm" value="yes" required' in page
    confirmed = finance.post("/finance/batches/NB-2026-Q4-01/confirm",
                             data={"csrf": token, "position": "2",
                                   "note": "Tác giả xác nhận tài khoản của chồng"})
    assert confirmed.status_code == 303
    unticked = finance.post("/finance/batches/NB-2026-Q4-01/paid", data={"csrf": token})
    assert unticked.status_code == 303
    assert load_batch(store, "NB-2026-Q4-01").status == "open"
    ticked = finance.post("/finance/batches/NB-2026-Q4-01/paid",
                          data={"csrf": token, "confirm": "yes"})
    assert ticked.status_code == 303 and load_batch(store, "NB-2026-Q4-01").status == "paid"


def test_a_holder_who_is_not_the_author_is_flagged(world: tuple[Config, Store]) -> None:
    _, store = world
    batch = load_batch(store, "NB-2026-Q4-01")
    lan = next(p for p in batch.payees if p.author == "Nông Thị Lan")
    assert lan.flags == ["account_holder_differs"] and lan.needs_confirmation
    assert lan.flag_detail == "chủ tài khoản NONG VAN NAM, tác giả Nông Thị Lan"
    page = client(world, "ketoan").get("/finance/batches/NB-2026-Q4-01").text
    assert "Chủ tài khoản khác tác giả" in page and 'disabled title="Còn người nhận' in page
    assert ">account_holder_differs<" not in page and "(bank_account_changed)" not in page


def test_an_item_left_out_is_explained_and_its_account_fixed(world: tuple[Config, Store]) -> None:
    """TB-2026-0005's invalid account was overridden by an editor: the batch could not pay
    it. The batch page says so; finance corrects the account with a note; the next batch
    of the period pays it."""
    _, store = world
    finance = client(world, "ketoan")
    page = finance.get("/finance/batches/NB-2026-Q4-01").text
    left = section(page, 'id="left-out"')
    assert "TB-2026-0005" in left and "«19034-ABC-77» không dùng được" in left
    assert "bientap: Tác giả sẽ gửi lại số tài khoản" in left
    token = csrf_of(page)
    url = "/finance/items/TB-2026-0005/account"
    back = "/finance/batches/NB-2026-Q4-01#left-out"
    bad = finance.post(url, data={"csrf": token, "account": "12-AB", "note": "gọi điện",
                                  "back": back})
    assert bad.status_code == 303
    assert "cần 6 đến 19 chữ số" in finance.get("/finance/batches/NB-2026-Q4-01").text
    no_note = finance.post(url, data={"csrf": token, "account": "1903 4567 0005",
                                      "note": " ", "back": back})
    assert no_note.status_code == 303
    assert store.submissions.get("TB-2026-0005")["bank_account_digits"] is None
    assert client(world, "bientap").post(url, data={"csrf": token, "account": "190345670005",
                                                    "note": "x"}).status_code == 403
    fixed = finance.post(url, data={"csrf": token, "account": "1903 4567 0005",
                                    "note": "Đã gọi điện cho tác giả ngày 03/12", "back": back})
    assert fixed.status_code == 303 and fixed.headers["location"] == back
    row = store.submissions.get("TB-2026-0005")
    assert row["bank_account_digits"] == "190345670005"
    entry = [a for a in store.audit.of_submission(int(row["id"])) if a["action"] == "edit_field"]
    assert entry[-1]["actor"] == "ketoan" and "Đã gọi điện cho tác giả" in entry[-1]["detail_json"]
    again = finance.post("/finance/batches", data={"csrf": token, "period": "quý 4/2026"})
    assert again.headers["location"] == "/finance/batches/NB-2026-Q4-02"
    refs = [i.ref for p in load_batch(store, "NB-2026-Q4-02").payees for i in p.items]
    assert refs == ["TB-2026-0005"]
    assert 'id="left-out"' not in finance.get("/finance/batches/NB-2026-Q4-02").text


def test_alerts_show_their_title(world: tuple[Config, Store]) -> None:
    page = client(world, "bientap").get("/messages").text
    alerts = section(page, "Cảnh báo vận hành")
    assert TITLES["auth_failure"] in alerts and ">auth_failure<" not in alerts
    assert "kiểm tra lại mật khẩu" in alerts  # what to do, in Vietnamese
    assert 'title="mailbox test: login refused' in alerts  # the log's words: tooltip only


def test_chips_name_the_missing_fields(world: tuple[Config, Store]) -> None:
    editor = client(world, "bientap")
    queue = editor.get("/").text
    assert 'title="missing_field">Thiếu SĐT, STK, chủ TK</span>' in queue
    versions = section(editor.get("/s/TB-2026-0007").text, 'id="versions"')
    assert "Thiếu SĐT, STK, chủ TK" in versions and "×" not in versions


def test_the_photo_card_agrees_with_the_problem_list(world: tuple[Config, Store]) -> None:
    """The card takes its verdict from the problem list: a problem listed for the file is
    on its card even when the photo's own verdict (stored before) had none."""
    _, store = world
    sid = int(store.submissions.get("TB-2026-0002")["id"])
    photo = store.submissions.photos_of(sid)[0]
    card = section(client(world, "bientap").get("/s/TB-2026-0002").text, '<figure class="photo"')
    assert "Đạt các quy định về ảnh" in card  # the sample is a camera original
    listed = problem("photo_recompressed", file=photo["filename"],
                     detail="thứ tự dữ liệu trong tệp chưa thấy ở ảnh gốc của máy NIKON")
    with store.transaction():
        store.submissions.replace_problems(
            sid, [*store.submissions.problems_of(sid), listed.as_dict()]
        )
        store.submissions.update_photo_verdicts(sid, [(photo["sha256"], 0, photo["caption"],
                                                       "[]")])
    card = section(client(world, "bientap").get("/s/TB-2026-0002").text, '<figure class="photo"')
    assert "Ảnh bị nén" in card and "Đạt các quy định về ảnh" not in card
    assert "1 ảnh" in client(world, "bientap").get("/s/TB-2026-0002").text  # not "Ảnh 1"


def test_photo_evidence_reads_as_vietnamese() -> None:
    facts = {"evidence": {
        "make": "samsung", "datetime_original": "2026:11:03 09:31:00", "progressive": True,
        "app_markers": ["APP0:JFIF", "APP1:Exif"], "exif_size": [4000, 3000],
        "size_bytes": 4_215_331, "quality_distance": 0.297, "standard_huffman": False,
        "something_new": {"a": 1}, "orientation": 6,
    }}
    rows = {row.label: row for row in evidence_rows(facts)}
    assert rows["Thời điểm chụp"].text == "03/11/2026 09:31"
    assert rows["Kiểu lưu"].text == "hiện dần (thường do phần mềm)"
    assert rows["Khối thông tin kèm ảnh"].text == "2 khối"
    assert "APP0:JFIF" in rows["Khối thông tin kèm ảnh"].technical
    assert rows["Kích thước máy chụp ghi"].text == "4000 × 3000"
    assert rows["Dung lượng"].text == "4,2 MB"
    assert rows["Độ lệch so với bảng nén chuẩn"].text == "0,297"
    assert rows["Hướng ảnh"].text == "xoay 90° theo chiều kim đồng hồ"
    assert rows["Dữ kiện kỹ thuật khác"].technical.startswith("something_new")
    shown = " ".join(f"{r.label} {r.text}" for r in rows.values())
    assert violations(shown, frozenset({"samsung"})) == []


def _cells(workbook: Any) -> list[str]:
    return [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)]


def test_exports_read_as_vietnamese(world: tuple[Config, Store]) -> None:
    """Payment lists in every layout and format and the unit report in every format: no
    code, no English, dates dd/mm/yyyy, genres by label, numbers as numbers."""
    config, store = world
    data = site_data(store, config)
    keys = [k for k, label in genre_labels(config).items() if k != label.lower()]
    finance = client(world, "ketoan")
    for layout in config.royalties.payment_layouts:
        xlsx = finance.get(f"/finance/batches/NB-2026-Q4-01/download?format=xlsx&layout={layout}")
        wb = load_workbook(io.BytesIO(xlsx.content))
        assert violations("\n".join(_cells(wb)), data, genre_keys=keys) == [], layout
        raw = finance.get(f"/finance/batches/NB-2026-Q4-01/download?format=csv&layout={layout}")
        text = raw.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        accounts = [cell for row in rows[1:] for cell in row if cell.startswith('="')]
        assert accounts and all(re.fullmatch(r'="\d+"', a) for a in accounts), layout
        assert violations(text.replace('="', ' ').replace('"', " "), data,
                          genre_keys=keys) == [], layout
    detail = load_workbook(io.BytesIO(finance.get(
        "/finance/batches/NB-2026-Q4-01/download?format=xlsx").content))["Chi tiết tin bài"]
    row = [c for c in detail[2]]
    assert row[5].value in ("Bài", "Tin") and row[6].data_type == "n"
    assert row[4].number_format == "DD/MM/YYYY"
    editor = client(world, "bientap")
    for fmt in ("xlsx", "csv", "html"):
        got = editor.get(f"/reports/units/download?period=2026-Q4&format={fmt}")
        if fmt == "xlsx":
            text = "\n".join(_cells(load_workbook(io.BytesIO(got.content))))
        elif fmt == "csv":
            text = got.content.decode("utf-8-sig")
        else:
            body = got.text.split("<body>", 1)[1]
            text = re.sub(r"<[^>]+>", " ", body)
        assert violations(text, data, genre_keys=keys) == [], fmt
