"""The proforma PDF: what a buyer reads in it, read back with pypdf."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from marketplace.printing import Proforma, render_proforma_pdf
from tests.printing.helpers import SELLER_NAME, make_proforma, page_texts


@pytest.fixture(scope="module")
def three_lines() -> tuple[Proforma, bytes]:
    proforma = make_proforma(3)
    return proforma, render_proforma_pdf(proforma, "en")


def flat(text: str) -> str:
    """The extracted text with its runs of blanks as one space (cells are justified)."""
    return re.sub(r"\s+", " ", text)


def test_a_three_line_proforma_shows_parties_lines_sizes_terms_and_totals(three_lines):
    proforma, pdf = three_lines
    pages = page_texts(pdf)
    assert len(pages) == 1
    text = flat(pages[0])
    assert "Proforma Invoice 形式发票" in text
    assert SELLER_NAME in text
    assert "Sunrise Trading Ltd" in text
    assert "PI-2026-0042" in text and "2026-12-05" in text
    for line in proforma.lines:
        assert line.description in text
    # line 1: 780 pairs at 2.35; its size run under it
    assert "780 pairs 2.35 1,833.00" in text
    assert "Sizes 尺码配比: 36: 120 37: 240 38: 240 39: 120 40: 60" in text
    assert "S (35-36): 300 M (37-38): 300 L (39-40): 180" in text
    assert "40: 100 41: 200 42: 200 43: 100 44: 50 45: 25" in text
    # totals: 1,833.00 + 2,613.00 + 2,936.25 (675 pairs at 4.35)
    assert proforma.total == Decimal("7382.25")
    assert "Total 合计 (USD) 7,382.25" in text
    assert (
        "US DOLLARS SEVEN THOUSAND THREE HUNDRED AND EIGHTY-TWO AND CENTS TWENTY-FIVE ONLY" in text
    )
    assert "美元柒仟叁佰捌拾贰元贰角伍分" in text
    assert "Deposit 定金 (30%) 2,214.68" in text
    assert "Balance 余款 5,167.57" in text
    # terms
    assert "Incoterm 贸易术语 FOB" in text
    assert "Port of loading 装运港 Xiamen" in text
    assert "Destination 目的地 Durban, South Africa" in text
    assert "Ship by 最迟装运日期 2027-02-15" in text
    # the supplier profile's bank details, line by line
    assert "Seller's bank details 卖方银行信息" in text
    assert "Bank: Bank of China, Jinjiang Branch A/C No.: 1234 5678 9012 SWIFT: BKCHCNBJ73A" in text


def test_a_chinese_reader_gets_the_chinese_headings_first():
    text = flat(page_texts(render_proforma_pdf(make_proforma(1), "zh_Hans_CN"))[0])
    assert "形式发票 Proforma Invoice" in text
    assert "卖方 Seller" in text and "装运港 Port of loading" in text
    assert text.index("美元") < text.index("US DOLLARS")


def test_a_sixty_line_order_runs_over_pages_each_with_the_table_header():
    proforma = make_proforma(60)
    pages = [flat(text) for text in page_texts(render_proforma_pdf(proforma, "en"))]
    assert len(pages) >= 3
    # every page that carries lines starts its table with the header, continued after page 1
    for number, text in enumerate(pages, start=1):
        assert f"Page 页 {number} / {len(pages)}" in text
        if "NK-" in text:
            assert "Description 品名及规格" in text
            assert "Unit price (USD) 单价" in text
            assert ("continued" in text) == (number > 1)
    # all 60 lines once, in order, each with its sizes
    everything = " ".join(pages)
    positions = [everything.index(f"NK-{100 + index},") for index in range(60)]
    assert positions == sorted(positions)
    assert everything.count("Sizes 尺码配比:") == 60
    # the totals come once, at the end
    assert everything.count("Total 合计 (USD)") == 1
    assert "Total 合计 (USD)" in pages[-1]


def test_the_pdf_stays_small_with_the_font_subset(three_lines):
    _proforma, pdf = three_lines
    assert pdf.startswith(b"%PDF-")
    # the packaged font is 17 MB; the document carries only the glyphs it uses
    assert len(pdf) < 100_000
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert names
    assert all(re.fullmatch(r"/[A-Z]{6}\+NotoSansSC(Bold)?", name) for name in names)


def test_a_proforma_refuses_a_deposit_above_its_total():
    proforma = make_proforma(1)
    with pytest.raises(ValueError, match="deposit"):
        Proforma(
            number="PI-1",
            issue_date=proforma.issue_date,
            currency="USD",
            seller=proforma.seller,
            buyer=proforma.buyer,
            lines=proforma.lines,
            total=Decimal(10),
            deposit_amount=Decimal(11),
        )
