"""Printable documents: the proforma invoice as a PDF and as a printable page.

A core module: it imports no domain package. The orders domain builds a ``Proforma`` and
calls ``render_proforma_pdf``; its page includes ``templates/printing/proforma.html``.
"""

from marketplace.printing.labels import LABELS, label, labels_for
from marketplace.printing.pdf import render_proforma_pdf
from marketplace.printing.proforma import (
    Party,
    Proforma,
    ProformaLine,
    deposit_for,
    money,
    proforma_page_context,
)
from marketplace.printing.words import amount_in_words_en, amount_in_words_zh

__all__ = [
    "LABELS",
    "Party",
    "Proforma",
    "ProformaLine",
    "amount_in_words_en",
    "amount_in_words_zh",
    "deposit_for",
    "label",
    "labels_for",
    "money",
    "proforma_page_context",
    "render_proforma_pdf",
]
