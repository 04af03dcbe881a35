"""The proforma invoice as an A4 PDF (fpdf2), headings in English and Chinese.

Each order line is followed by its size breakdown; a long order runs over several pages
and each page repeats the table's header. Every text is set in Noto Sans SC (see fonts.py),
subset into the file, so Chinese names and addresses print on any machine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from marketplace.printing import fonts
from marketplace.printing.labels import is_chinese, label
from marketplace.printing.proforma import Proforma, ProformaLine, money, unit_price

MARGIN = 15.0
BOTTOM = 18.0
WIDTH = 210.0 - 2 * MARGIN
# The lines table: #, description, quantity, unit price, amount (mm; they add up to WIDTH)
COLUMNS = (10.0, 82.0, 26.0, 28.0, 34.0)
LINE_HEIGHT = 5.0
SMALL = 7.5
BODY = 9.0
GREY = (235, 235, 235)
RULE = (150, 150, 150)


class _ProformaPDF(FPDF):
    def __init__(self, proforma: Proforma, locale: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.proforma = proforma
        self.locale = locale
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=BOTTOM)
        self.alias_nb_pages()

    def heading(self, key: str, sep: str = " ") -> str:
        return label(key, self.locale, sep)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(fonts.FAMILY, size=SMALL)
        self.set_text_color(90, 90, 90)
        self.cell(
            WIDTH / 2,
            5,
            f"{self.heading('title')} {self.proforma.number}",
            align=Align.L,
        )
        self.cell(
            WIDTH / 2,
            5,
            f"{self.heading('page')} {self.page_no()} / {{nb}}",
            align=Align.R,
        )
        self.set_text_color(0, 0, 0)


def render_proforma_pdf(proforma: Proforma, locale: str = "en") -> bytes:
    """The proforma as PDF bytes; ``locale`` ("en", "zh", "zh_Hans_CN"...) puts the
    reader's language first in each heading."""
    with tempfile.TemporaryDirectory(prefix="proforma-fonts-") as directory:
        styles = fonts.static_fonts(_all_text(proforma, locale), Path(directory))
        pdf = _ProformaPDF(proforma, locale)
        for style, path in styles.items():
            pdf.add_font(fonts.FAMILY, style, path)
        pdf.set_title(f"{label('title', locale)} {proforma.number}")
        pdf.set_author(proforma.seller.name)
        pdf.set_creator("Neikeng slipper marketplace")
        pdf.set_lang("zh-CN" if is_chinese(locale) else "en")
        pdf.add_page()
        _heading(pdf)
        _parties(pdf)
        _terms(pdf)
        _lines(pdf)
        _totals(pdf)
        _bank_and_notes(pdf)
        _signatures(pdf)
        return bytes(pdf.output())


def _all_text(proforma: Proforma, locale: str) -> str:
    """Every character the document may print, for the font subset."""
    from marketplace.printing.labels import LABELS

    parts = [
        proforma.number,
        proforma.currency,
        proforma.incoterm,
        proforma.port_of_loading,
        proforma.destination,
        proforma.seller_bank_details,
        proforma.notes,
        proforma.total_in_words_en,
        proforma.total_in_words_zh,
        ":/%()-\u2014",
    ]
    for party in (proforma.seller, proforma.buyer):
        parts += [party.name, party.address, party.country, party.contact]
    for line in proforma.lines:
        parts += [line.description, line.unit, *(line.size_breakdown or {})]
    parts += [text for pair in LABELS.values() for text in pair]
    return "".join(parts)


def _line_count(pdf: FPDF, width: float, height: float, text: str) -> int:
    """How many lines ``text`` takes in a ``width`` wide cell, in the current font."""
    lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    return len(cast(list[str], lines))


def _heading(pdf: _ProformaPDF) -> None:
    p = pdf.proforma
    pdf.set_font(fonts.FAMILY, "B", 16)
    pdf.cell(
        WIDTH, 9, pdf.heading("title", "  "), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(fonts.FAMILY, size=BODY)
    pdf.cell(
        WIDTH,
        LINE_HEIGHT,
        f"{pdf.heading('number')}: {p.number}    "
        f"{pdf.heading('issue_date')}: {p.issue_date.isoformat()}",
        align=Align.R,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)


def _party_lines(pdf: _ProformaPDF, key: str) -> list[tuple[str, str]]:
    party = getattr(pdf.proforma, key)
    rows = [("B", party.name)]
    for field in ("address", "country", "contact"):
        value = getattr(party, field)
        if value:
            rows.append(("", f"{pdf.heading(field)}: {value}"))
    return rows


def _box_height(pdf: _ProformaPDF, width: float, rows: list[tuple[str, str]]) -> float:
    height = 0.0
    for style, text in rows:
        pdf.set_font(fonts.FAMILY, style, BODY)
        height += LINE_HEIGHT * max(1, _line_count(pdf, width, LINE_HEIGHT, text))
    return height


def _parties(pdf: _ProformaPDF) -> None:
    gap = 4.0
    width = (WIDTH - gap) / 2
    inner = width - 4
    boxes = [(key, _party_lines(pdf, key)) for key in ("seller", "buyer")]
    height = max(_box_height(pdf, inner, rows) for _key, rows in boxes) + LINE_HEIGHT + 4
    top = pdf.get_y()
    for index, (key, rows) in enumerate(boxes):
        left = MARGIN + index * (width + gap)
        pdf.set_draw_color(*RULE)
        pdf.rect(left, top, width, height)
        pdf.set_xy(left + 2, top + 1.5)
        pdf.set_font(fonts.FAMILY, "B", SMALL)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(inner, LINE_HEIGHT, pdf.heading(key), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        for style, text in rows:
            pdf.set_font(fonts.FAMILY, style, BODY)
            pdf.set_x(left + 2)
            pdf.multi_cell(
                inner, LINE_HEIGHT, text, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT
            )
    pdf.set_xy(MARGIN, top + height + 3)


def _terms(pdf: _ProformaPDF) -> None:
    p = pdf.proforma
    deposit = f"{p.deposit_percent_text}%  {p.currency} {money(p.deposit_amount)}"
    cells = [
        ("incoterm", p.incoterm),
        ("port_of_loading", p.port_of_loading),
        ("destination", p.destination),
        ("ship_by", p.ship_by.isoformat() if p.ship_by else "—"),
        ("currency", p.currency),
        ("deposit", deposit),
    ]
    width = WIDTH / 3
    pdf.set_draw_color(*RULE)
    for row in range(2):
        top = pdf.get_y()
        for column in range(3):
            key, value = cells[row * 3 + column]
            pdf.set_xy(MARGIN + column * width, top)
            pdf.set_font(fonts.FAMILY, "B", SMALL)
            pdf.set_text_color(90, 90, 90)
            pdf.cell(width, 4.5, pdf.heading(key), border="LTR", new_x=XPos.LEFT, new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
            pdf.set_font(fonts.FAMILY, size=BODY)
            pdf.cell(width, 5.5, value or "—", border="LBR")
        pdf.set_xy(MARGIN, top + 10)
    pdf.ln(4)


def _table_header(pdf: _ProformaPDF, continued: bool = False) -> None:
    keys = ("line_no", "description", "quantity", "unit_price", "amount")
    aligns = (Align.C, Align.L, Align.R, Align.R, Align.R)
    currency = pdf.proforma.currency
    pdf.set_fill_color(*GREY)
    pdf.set_draw_color(*RULE)
    top = pdf.get_y()
    x = MARGIN
    for key, width, align in zip(keys, COLUMNS, aligns, strict=True):
        first, second = (label(key, pdf.locale, "\n")).split("\n")
        if key in ("unit_price", "amount"):
            first = f"{first} ({currency})"
        if key == "description" and continued:
            second += f"  ({pdf.heading('continued')})"
        pdf.set_xy(x, top)
        pdf.set_font(fonts.FAMILY, "B", SMALL)
        pdf.multi_cell(
            width, 4.5, f"{first}\n{second}", border=1, align=align, fill=True, new_y=YPos.TOP
        )
        x += width
    pdf.set_xy(MARGIN, top + 9)


def _sizes_text(pdf: _ProformaPDF, line: ProformaLine) -> str:
    sizes = "   ".join(f"{size}: {pairs}" for size, pairs in (line.size_breakdown or {}).items())
    return f"{pdf.heading('sizes')}:  {sizes}"


def _line_height(pdf: _ProformaPDF, line: ProformaLine) -> tuple[float, float]:
    pdf.set_font(fonts.FAMILY, size=BODY)
    rows = _line_count(pdf, COLUMNS[1] - 2, LINE_HEIGHT, line.description)
    main = LINE_HEIGHT * max(1, rows) + 1
    sizes = 0.0
    if line.size_breakdown:
        pdf.set_font(fonts.FAMILY, size=SMALL)
        sizes = 4 * _line_count(pdf, sum(COLUMNS[1:]) - 2, 4, _sizes_text(pdf, line)) + 1
    return main, sizes


def _lines(pdf: _ProformaPDF) -> None:
    p = pdf.proforma
    _table_header(pdf)
    for number, line in enumerate(p.lines, start=1):
        main, sizes = _line_height(pdf, line)
        if pdf.get_y() + main + sizes > pdf.page_break_trigger:
            pdf.add_page()
            _table_header(pdf, continued=True)
        top = pdf.get_y()
        pdf.set_font(fonts.FAMILY, size=BODY)
        quantity = f"{line.quantity:,} {line.unit}" if line.unit else f"{line.quantity:,}"
        values = (str(number), None, quantity, unit_price(line.unit_price), money(line.line_total))
        aligns = (Align.C, Align.L, Align.R, Align.R, Align.R)
        x = MARGIN
        for value, width, align in zip(values, COLUMNS, aligns, strict=True):
            pdf.set_xy(x, top + 0.5)
            if value is None:
                pdf.set_x(x + 1)
                pdf.multi_cell(
                    width - 2, LINE_HEIGHT, line.description, align=Align.L, new_y=YPos.TOP
                )
            else:
                pdf.cell(width, LINE_HEIGHT, value, align=align)
            x += width
        if sizes:
            pdf.set_xy(MARGIN + COLUMNS[0] + 1, top + main)
            pdf.set_font(fonts.FAMILY, size=SMALL)
            pdf.set_text_color(70, 70, 70)
            pdf.multi_cell(
                sum(COLUMNS[1:]) - 2, 4, _sizes_text(pdf, line), align=Align.L, new_y=YPos.NEXT
            )
            pdf.set_text_color(0, 0, 0)
        bottom = top + main + sizes
        pdf.set_draw_color(*RULE)
        pdf.line(MARGIN, bottom, MARGIN + WIDTH, bottom)
        pdf.set_xy(MARGIN, bottom)


def _totals(pdf: _ProformaPDF) -> None:
    p = pdf.proforma
    words = [p.total_in_words_en, p.total_in_words_zh]
    if is_chinese(pdf.locale):
        words.reverse()
    pdf.set_font(fonts.FAMILY, size=BODY)
    needed = 4 * 6 + sum(LINE_HEIGHT * _line_count(pdf, WIDTH - 30, LINE_HEIGHT, w) for w in words)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    label_width = sum(COLUMNS[:3])
    rows = [
        ("B", pdf.heading("total_quantity"), f"{p.total_quantity:,}", ""),
        ("B", f"{pdf.heading('total')} ({p.currency})", "", money(p.total)),
        (
            "",
            f"{pdf.heading('deposit')} ({p.deposit_percent_text}%)",
            "",
            money(p.deposit_amount),
        ),
        ("", pdf.heading("balance"), "", money(p.balance)),
    ]
    pdf.ln(1)
    for style, name, middle, amount in rows:
        pdf.set_font(fonts.FAMILY, style, BODY)
        pdf.cell(label_width, 6, name, align=Align.R)
        pdf.cell(COLUMNS[3], 6, middle, align=Align.R)
        pdf.cell(COLUMNS[4], 6, amount, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(fonts.FAMILY, "B", BODY)
    pdf.cell(30, LINE_HEIGHT, f"{pdf.heading('in_words')}:")
    pdf.set_font(fonts.FAMILY, size=BODY)
    for text in words:
        pdf.set_x(MARGIN + 30)
        pdf.multi_cell(
            WIDTH - 30, LINE_HEIGHT, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(3)


def _boxed(pdf: _ProformaPDF, key: str, text: str) -> None:
    pdf.set_font(fonts.FAMILY, size=BODY)
    height = 5 + LINE_HEIGHT * _line_count(pdf, WIDTH - 4, LINE_HEIGHT, text) + 2
    if pdf.get_y() + min(height, 60) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(fonts.FAMILY, "B", SMALL)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(WIDTH, 5, pdf.heading(key), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(fonts.FAMILY, size=BODY)
    pdf.set_draw_color(*RULE)
    pdf.multi_cell(
        WIDTH,
        LINE_HEIGHT,
        text,
        border=1,
        padding=(1, 2),
        align=Align.L,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)


def _bank_and_notes(pdf: _ProformaPDF) -> None:
    p = pdf.proforma
    _boxed(pdf, "bank_details", p.seller_bank_details.strip() or "—")
    if p.notes.strip():
        _boxed(pdf, "notes", p.notes.strip())


def _signatures(pdf: _ProformaPDF) -> None:
    if pdf.get_y() + 25 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(12)
    width = (WIDTH - 10) / 2
    top = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_font(fonts.FAMILY, size=SMALL)
    for index, key in enumerate(("seller_signature", "buyer_signature")):
        left = MARGIN + index * (width + 10)
        pdf.line(left, top, left + width, top)
        pdf.set_xy(left, top + 1)
        pdf.cell(width, 4, pdf.heading(key))
    pdf.set_xy(MARGIN, top + 6)
