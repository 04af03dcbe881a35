"""The proforma's headings, in English and Chinese both: the document goes between a
Chinese factory and a foreign buyer, so each heading shows both languages whatever the
reader's locale; the locale only decides which comes first."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Proforma Invoice", "形式发票"),
    "number": ("No.", "编号"),
    "issue_date": ("Date", "日期"),
    "seller": ("Seller", "卖方"),
    "buyer": ("Buyer", "买方"),
    "address": ("Address", "地址"),
    "country": ("Country", "国家"),
    "contact": ("Contact", "联系人"),
    "terms": ("Terms", "贸易条款"),
    "incoterm": ("Incoterm", "贸易术语"),
    "port_of_loading": ("Port of loading", "装运港"),
    "destination": ("Destination", "目的地"),
    "ship_by": ("Ship by", "最迟装运日期"),
    "currency": ("Currency", "币种"),
    "line_no": ("#", "序号"),
    "description": ("Description", "品名及规格"),
    "quantity": ("Quantity", "数量"),
    "unit_price": ("Unit price", "单价"),
    "amount": ("Amount", "金额"),
    "sizes": ("Sizes", "尺码配比"),
    "total": ("Total", "合计"),
    "total_quantity": ("Total quantity", "总数量"),
    "in_words": ("Say", "大写"),
    "deposit": ("Deposit", "定金"),
    "balance": ("Balance", "余款"),
    "bank_details": ("Seller's bank details", "卖方银行信息"),
    "notes": ("Notes", "备注"),
    "seller_signature": ("Seller's signature and stamp", "卖方签字盖章"),
    "buyer_signature": ("Buyer's signature", "买方签字"),
    "page": ("Page", "页"),
    "continued": ("continued", "续"),
    "pairs": ("pairs", "双"),
}


def is_chinese(locale: str | None) -> bool:
    return (locale or "").lower().replace("-", "_").startswith("zh")


def label_pair(key: str, locale: str | None) -> tuple[str, str]:
    """(first, second): the reader's language first."""
    english, chinese = LABELS[key]
    return (chinese, english) if is_chinese(locale) else (english, chinese)


def label(key: str, locale: str | None, sep: str = " ") -> str:
    """``Seller 卖方`` (English locale) or ``卖方 Seller`` (Chinese)."""
    return sep.join(label_pair(key, locale))


def labels_for(locale: str | None, sep: str = " ") -> dict[str, str]:
    """Every heading, both languages, for a template."""
    return {key: label(key, locale, sep) for key in LABELS}
