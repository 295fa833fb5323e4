"""The finance and unit-report pages of ``tinbai serve`` on the pipeline-built world."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient
from test_finance import World, _publish, build_world
from web_support import PASSWORD, csrf_of, login

from tinbai.web.app import create_app
from tinbai.web.auth import create_user


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build_world(tmp_path_factory.mktemp("finance-web"))
    _publish(built, "G1", ("2026-09-28", "bai", "2.0"))
    store = built.store()
    for name, role in (("bientap", "editor"), ("ketoan", "finance"), ("quantri", "admin")):
        create_user(store, name, role, PASSWORD)
    store.close()
    yield built


def client_for(world: World, user: str) -> TestClient:
    client = TestClient(create_app(world.config))
    login(client, user)
    return client


def test_roles(world: World) -> None:
    editor = client_for(world, "bientap")
    assert editor.get("/finance").status_code == 403
    assert editor.get("/reports/units?period=2026-Q3").status_code == 200
    admin = client_for(world, "quantri")
    page = admin.get("/finance")
    assert page.status_code == 200 and "Lập danh sách chi" not in page.text  # view only
    assert "Nhuận bút" in admin.get("/").text  # the nav link


def test_finance_page_create_confirm_download_paid(world: World) -> None:
    client = client_for(world, "ketoan")
    page = client.get("/finance")
    assert page.status_code == 200 and "Chưa có đợt chi nào" in page.text
    token = csrf_of(page.text)
    assert client.post("/finance/batches", data={"period": "2026-Q3"}).status_code == 403
    created = client.post("/finance/batches", data={"csrf": token, "period": "2026-Q3",
                                                    "payment_date": "2026-10-05"},
                          follow_redirects=False)
    assert created.status_code == 303
    assert created.headers["location"] == "/finance/batches/NB-2026-Q3-01"
    detail = client.get("/finance/batches/NB-2026-Q3-01")
    assert "Đã tạo đợt chi NB-2026-Q3-01: 5 người nhận, 11 tin, bài" in detail.text
    assert "0071000345678" in detail.text  # finance sees whole account numbers
    assert "4.703.400" in detail.text  # 4,235,400 + Sơn's 468,000
    assert "thuế TNCN 10 % khi một lần chi ≥ 2.000.000 đ" in detail.text

    again = client.post("/finance/batches", data={"csrf": token, "period": "2026-Q3"})
    assert "Không có tin, bài mới nào" in again.text

    xlsx = client.get("/finance/batches/NB-2026-Q3-01/download?format=xlsx&layout=vietcombank")
    assert xlsx.status_code == 200
    assert "NB-2026-Q3-01-vietcombank.xlsx" in xlsx.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content))["Danh sách chi"]
    assert ws["B5"].value == "0451000123456"
    csv_file = client.get("/finance/batches/NB-2026-Q3-01/download?format=csv")
    assert csv_file.content.startswith(b"\xef\xbb\xbf")

    # Q4: Triệu Thị Mai's new account is flagged; paid is refused until confirmed.
    client.post("/finance/batches", data={"csrf": token, "period": "2026-Q4",
                                          "payment_date": "2027-01-05"})
    q4 = client.get("/finance/batches/NB-2026-Q4-01").text
    assert "Đổi số tài khoản" in q4 and 'disabled title="Còn người nhận' in q4
    refused = client.post("/finance/batches/NB-2026-Q4-01/paid",
                          data={"csrf": token, "confirm": "yes"})
    assert "Chưa đánh dấu đã chi được" in refused.text and "STT 3 Triệu Thị Mai" in refused.text
    empty_note = client.post("/finance/batches/NB-2026-Q4-01/confirm",
                             data={"csrf": token, "position": "3", "note": " "})
    assert "Hãy ghi chú cách đã kiểm tra số tài khoản mới" in empty_note.text
    ok = client.post("/finance/batches/NB-2026-Q4-01/confirm",
                     data={"csrf": token, "position": "3", "note": "Đã gọi điện xác minh"})
    assert "Đã xác nhận STT 3 Triệu Thị Mai" in ok.text
    assert "Đã xác nhận: ketoan" in ok.text
    # "Đánh dấu đã chi" asks first: without the tick nothing is marked.
    assert "Tôi xác nhận đã chuyển khoản xong cho 3 người nhận" in ok.text
    unticked = client.post("/finance/batches/NB-2026-Q4-01/paid", data={"csrf": token})
    assert "hãy đánh dấu ô «Tôi xác nhận đã chuyển khoản xong»" in unticked.text
    store = world.store()
    assert store.submissions.get(world.refs["M2"])["status"] == "published"
    store.close()
    paid = client.post("/finance/batches/NB-2026-Q4-01/paid",
                       data={"csrf": token, "confirm": "yes"})
    assert "Đợt NB-2026-Q4-01 đã chi: 3 tin, bài" in paid.text
    store = world.store()
    assert store.submissions.get(world.refs["M2"])["status"] == "paid"
    store.close()
    listing = client.get("/finance").text
    assert re.search(r"NB-2026-Q4-01.*?Đã chi", listing, re.S)

    # Cancelling: refused for a paid batch; an open one frees its items for a new batch.
    refused = client.post("/finance/batches/NB-2026-Q4-01/cancel",
                          data={"csrf": token, "reason": "thử"})
    assert "Chưa huỷ được" in refused.text
    cancelled = client.post("/finance/batches/NB-2026-Q3-01/cancel",
                            data={"csrf": token, "reason": "Sai ngày chi"})
    assert "Đã huỷ đợt NB-2026-Q3-01" in cancelled.text and "Sai ngày chi" in cancelled.text
    assert client.get("/finance/batches/NB-2026-Q3-01/download").status_code == 404
    remade = client.post("/finance/batches", data={"csrf": token, "period": "2026-Q3"})
    assert "Đã tạo đợt chi NB-2026-Q3-02: 5 người nhận, 11 tin, bài" in remade.text


def test_report_page_and_downloads(world: World) -> None:
    client = client_for(world, "bientap")
    page = client.get("/reports/units?period=2026-Q3")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and "4/3" in text and "Khác/Không xác định" in text
    assert "Danh sách công khai đơn vị, cá nhân" in text
    assert "<style" not in text  # the Content-Security-Policy allows no inline CSS
    assert client.get("/reports/units?period=2026-Q9").status_code == 400
    for fmt, magic in (("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf"), ("html", b"<!DOCTYPE")):
        got = client.get(f"/reports/units/download?period=2026-Q3&format={fmt}")
        assert got.status_code == 200 and got.content.startswith(magic), fmt
        assert "attachment" in got.headers["content-disposition"]
