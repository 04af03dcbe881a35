"""The printable proforma page (templates/printing/proforma.html) the orders page uses."""

from __future__ import annotations

import dataclasses
import re

from flask import render_template_string

from marketplace.printing import Party, proforma_page_context
from tests.printing.helpers import SELLER_NAME, make_proforma

AS_MACRO = (
    '{% from "printing/proforma.html" import proforma_document %}'
    "<main>{{ proforma_document(proforma, proforma_labels) }}</main>"
)
AS_PARTIAL = '<main>{% include "printing/proforma.html" %}</main>'


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_what_the_pdf_shows(app):
    proforma = make_proforma(3)
    with app.test_request_context("/"):
        html = render_template_string(AS_MACRO, **proforma_page_context(proforma, "en"))
    text = text_of(html)
    assert 'href="/static/printing.css"' in html
    assert "Proforma Invoice 形式发票" in text
    assert SELLER_NAME in text and "Sunrise Trading Ltd" in text
    assert "NK-100, navy 藏青色" in text
    assert "780 pairs 2.35 1,833.00" in text
    assert "Sizes 尺码配比: 36: 120 37: 240 38: 240 39: 120 40: 60" in text
    assert "Total 合计 (USD) 7,382.25" in text
    assert (
        "US DOLLARS SEVEN THOUSAND THREE HUNDRED AND EIGHTY-TWO AND CENTS TWENTY-FIVE ONLY" in text
    )
    assert "美元柒仟叁佰捌拾贰元贰角伍分" in text
    assert "Deposit 定金 (30%) 2,214.68" in text and "Balance 余款 5,167.57" in text
    assert "Incoterm 贸易术语 FOB" in text and "Port of loading 装运港 Xiamen" in text
    assert "Ship by 最迟装运日期 2027-02-15" in text
    assert "SWIFT: BKCHCNBJ73A" in text


def test_as_a_partial_in_chinese_with_everything_escaped(app):
    proforma = dataclasses.replace(
        make_proforma(1), buyer=Party("<script>alert(1)</script> Ltd", country="ZA")
    )
    with app.test_request_context("/"):
        html = render_template_string(AS_PARTIAL, **proforma_page_context(proforma, "zh"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in html
    text = text_of(html)
    assert "形式发票 Proforma Invoice" in text and "卖方 Seller" in text
    assert text.index("美元") < text.index("US DOLLARS")


def test_the_print_stylesheet_is_served(client):
    with client.get("/static/printing.css") as response:
        assert response.status_code == 200
        css = response.get_data(as_text=True)
    assert "@media print" in css
    assert "table-header-group" in css  # the header row repeats on each page
