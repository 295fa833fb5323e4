"""Replies: composition (Vietnamese, threaded, marked automatic) and real SMTP delivery."""

from __future__ import annotations

import email
import email.policy
import mailbox
from pathlib import Path

import pytest

from notifier.compose import ReplyContext, compose_reply, subject_for
from notifier.errors import TransportError, UnsupportedTransportURL
from notifier.transport import open_transport
from validators.problems import problem

FROM = "Ban Biên tập <toasoan@congdoan.example.vn>"


def context(**extra: object) -> ReplyContext:
    values: dict[str, object] = {
        "to_addr": "lan@example.org",
        "to_name": "Nông Thị Lan",
        "original_subject": "Gửi tin bài hội thao",
        "in_reply_to": "orig-1@example.org",
        "references": ["older@example.org"],
        "ref": "TB-2026-0042",
        "fields": {"title": "Hội thao CNVCLĐ", "author": "Nông Thị Lan"},
    }
    values.update(extra)
    return ReplyContext(**values)  # type: ignore[arg-type]


def test_fix_request_lists_every_problem_with_its_label_and_ends_with_the_form() -> None:
    problems = [
        problem("missing_field", field="phone").as_dict(),
        problem("invalid_bank_account", field="bank_account", detail="12AB").as_dict(),
        problem("body_too_short", field="body", detail="40 từ").as_dict(),
    ]
    msg = compose_reply("fix_request", context(problems=problems), from_header=FROM)
    body = msg.get_content()
    assert "1. [Số điện thoại] Thiếu mục «Số điện thoại»" in body
    assert "2. [Số tài khoản của tác giả] Số tài khoản «12AB» không hợp lệ" in body
    assert "Lưu ý thêm" in body and "40 từ" in body
    assert body.index("MẪU CUNG CẤP TIN, BÀI") > body.index("Cách sửa")
    assert "8. Tên chủ tài khoản:" in body
    assert "TB-2026-0042" in msg["Subject"]


def test_reply_is_threaded_and_marked_automatic() -> None:
    msg = compose_reply("receipt", context(), from_header=FROM)
    assert msg["In-Reply-To"] == "<orig-1@example.org>"
    assert msg["References"] == "<older@example.org> <orig-1@example.org>"
    assert msg["Auto-Submitted"] == "auto-replied"  # RFC 3834
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Message-ID"].endswith("@congdoan.example.vn>")
    assert msg["Subject"] == "Re: Gửi tin bài hội thao [TB-2026-0042]"
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert "mã số TB-2026-0042" in parsed.get_body().get_content()  # type: ignore[union-attr]


def test_subject_keeps_an_existing_re_and_reference() -> None:
    assert subject_for("receipt", "Re: Bài viết [TB-2026-0001]", "TB-2026-0001") == (
        "Re: Bài viết [TB-2026-0001]"
    )


def test_maildir_transport_writes_the_outbox(tmp_path: Path) -> None:
    transport = open_transport("maildir:out", base_dir=tmp_path, username=None, password=None,
                               timeout=5)
    msg = compose_reply("receipt", context(), from_header=FROM)
    with transport:
        transport.send(msg.as_bytes(), "toasoan@congdoan.example.vn", ["lan@example.org"])
    box = mailbox.Maildir(tmp_path / "out", create=False)
    assert len(box) == 1


def test_smtp_with_starttls_and_auth_delivers(smtp_server_factory) -> None:  # type: ignore[no-untyped-def]
    server = smtp_server_factory(auth={"toasoan": "pw"}, starttls=True)
    transport = open_transport(
        server.url, base_dir=Path("."), username="toasoan", password="pw", timeout=5,
        ca_file=str(server.cert_file),
    )
    msg = compose_reply("receipt", context(), from_header=FROM)
    with transport:
        transport.send(msg.as_bytes(), "toasoan@congdoan.example.vn", ["lan@example.org"])
    received = server.wait_for(1)
    assert received[0].rcpt_tos == ["lan@example.org"]
    assert received[0].message["Auto-Submitted"] == "auto-replied"


def test_smtp_down_and_temporary_failures_are_retryable(smtp_server) -> None:  # type: ignore[no-untyped-def]
    msg = compose_reply("receipt", context(), from_header=FROM).as_bytes()
    smtp_server.fail_next(1)
    transport = open_transport(smtp_server.url, base_dir=Path("."), username=None,
                               password=None, timeout=5)
    with pytest.raises(TransportError), transport:
        transport.send(msg, "a@b.c", ["lan@example.org"])
    smtp_server.stop()
    with pytest.raises(TransportError), transport:
        transport.send(msg, "a@b.c", ["lan@example.org"])


def test_unknown_transport_scheme_names_the_accepted_forms() -> None:
    with pytest.raises(UnsupportedTransportURL, match="smtps://"):
        open_transport("http://x", base_dir=Path("."), username=None, password=None, timeout=1)
