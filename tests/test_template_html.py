"""HTML bodies to text: the line structure the template reader needs."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.htmltext import html_to_text
from ingest.template import extract


def test_blocks_breaks_entities_and_dropped_parts() -> None:
    html = (
        "<html><head><title>x</title><style>p {color: red}</style>"
        "<script>alert(1)</script></head><body>"
        "<div>T&iacute;t: H&#7897;i ngh&#7883;&nbsp;A</div><div><br></div>"
        "<p>Đoạn <b>một</b>\n tiếp</p><p>Đoạn hai<br>dòng mới</p>"
        "<ul><li>một</li><li>hai</li></ul></body></html>"
    )
    assert html_to_text(html).split("\n") == [
        "Tít: Hội nghị A",
        "",
        "Đoạn một tiếp",
        "",
        "Đoạn hai",
        "dòng mới",
        "",
        "- một",
        "- hai",
    ]


def test_table_cells_are_tab_separated() -> None:
    html = (
        "<table><tr><td>Tác giả</td><td>Nông Văn K</td></tr>"
        "<tr><th>ĐT</th><td>0983</td></tr></table>"
    )
    assert html_to_text(html).split("\n") == ["Tác giả\tNông Văn K", "ĐT\t0983"]


def test_blockquote_is_marked_as_quote() -> None:
    html = (
        "<div>Tác giả: A</div><div class=gmail_quote><div class=gmail_attr>On Thu, Nov 19, "
        "2026 at 10:00 Ban Biên tập &lt;toasoan@x.vn&gt; wrote:<br></div>"
        "<blockquote class=gmail_quote><div>4. Tác giả:</div><div>6. Số điện thoại:</div>"
        "</blockquote></div>"
    )
    text = html_to_text(html)
    assert "> 4. Tác giả:" in text
    assert extract(text).fields == {"author": "A"}


def test_output_is_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "<p>Tác giả: Nông Văn K</p>")
    assert html_to_text(nfd) == "Tác giả: Nông Văn K"


def test_gmail_html_forward() -> None:
    html = (
        '<div dir="ltr">Em chuyển ạ<br><br><div class="gmail_quote"><div dir="ltr" '
        'class="gmail_attr">---------- Forwarded message ---------<br>From: <strong '
        'class="gmail_sendername" dir="auto">Hoàng Thị Hạnh</strong> <span dir="auto">'
        "&lt;hanh@gmail.com&gt;</span><br>Date: Thu, 19 Nov 2026 at 16:02<br>Subject: Tin "
        "bài<br>To: &lt;k@gmail.com&gt;<br></div><br><br><div dir=\"ltr\"><div>Tác giả: "
        "Hoàng Thị Hạnh</div><div>SĐT: 0209 3875 281</div></div></div></div>"
    )
    r = extract(html_to_text(html))
    assert r.fields == {"author": "Hoàng Thị Hạnh", "phone": "0209 3875 281"}


def test_outlook_html_forward_vietnamese_headers() -> None:
    html = (
        "<p class=MsoNormal>Chuyển BBT<o:p></o:p></p><div style='border:none;border-top:solid "
        "#E1E1E1 1.0pt'><p class=MsoNormal><b>Từ:</b> Đặng Minh Đức &lt;d@x.vn&gt;<br>"
        "<b>Đã gửi:</b> Thứ Năm, 19 tháng 11, 2026 3:10 CH<br><b>Đến:</b> CĐ BV<br>"
        "<b>Chủ đề:</b> FW: Tin thể thao<o:p></o:p></p></div>"
        "<p class=MsoNormal>Tác giả: Đặng Minh Đức<o:p></o:p></p>"
        "<p class=MsoNormal>Tiêu đề: Giải thể thao<o:p></o:p></p>"
    )
    r = extract(html_to_text(html))
    assert r.fields == {"author": "Đặng Minh Đức", "title": "Giải thể thao"}


@settings(max_examples=300)
@given(st.text(max_size=2000))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    html_to_text(text)


@settings(max_examples=100)
@given(st.lists(st.sampled_from(["<div>", "</div>", "<br>", "<table>", "<tr>", "<td>", "</td>",
                                 "</tr>", "<blockquote>", "</blockquote>", "<pre>", "</pre>",
                                 "<style>", "</style>", "<p>", "&amp;", "&#99999999;", "x", "\n",
                                 "<li>", "<!--", "-->", "<![CDATA[", "<"]), max_size=300))
def test_never_raises_on_tag_soup(parts: list[str]) -> None:
    html_to_text("".join(parts))
