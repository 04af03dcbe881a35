"""Match reasons are stored as message codes with parameters and worded for the reader:
the supplier's pages in English or Chinese (cookie or account setting), the API in English
with the same fields as before, and rows stored before the catalogue still shown."""

# The Chinese sentences use full-width punctuation, as the zh catalog does.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import messages, transaction
from marketplace.extensions import db
from marketplace.rfqs.models import RFQMatch
from tests.factories import BuyerFactory
from tests.rfqs.support import post_rfq, supplier_with_catalog

HTML = {"Accept": "text/html"}

# The supplier below against an RFQ for 20,000 pairs of EVA at a USD 0.80 target: its
# product costs USD 1.00 a pair from 5,000 pairs, so 25 % over the target (10 of 20 points).
ENGLISH = [
    "1 published product(s) in this category; best fit: REASON-FACTO-EVA-SLIP.",
    "Makes EVA (1 of 1 asked).",
    "MOQ 1,000 pairs, at or under the 20,000 asked.",
    "About USD 1.00 at this quantity, 25% above the target USD 0.80.",
    "300,000 pairs a month: enough in time.",
    "Verified by the platform.",
    "Answers 80% of buyers within a day.",
]
CHINESE = [
    "该品类下有 1 个已上架产品；最匹配：REASON-FACTO-EVA-SLIP。",
    "生产 EVA（符合所需 1 种材质中的 1 种）。",
    "起订量 1,000 双，不高于所需的 20,000 双。",
    "该数量下约 USD 1.00，比目标价 USD 0.80 高 25%。",
    "月产能 300,000 双：可按时完成。",
    "已通过平台认证。",
    "一天内回复 80% 的采购商。",
]

# What matching stored before the catalogue: an English sentence next to the params.
OLD_SHAPED = [
    {
        "code": "product",
        "points": 0,
        "max": 0,
        "text": "2 published product(s) in EVA Slippers; best fit: Hotel slide (OLD-SKU-9).",
        "params": {"count": 2, "product_id": 1, "sku": "OLD-SKU-9"},
    },
    {
        "code": "materials",
        "points": 0,
        "max": 25,
        "text": "None of the materials asked (PVC).",
        "params": {"shared": [], "asked": 1},
    },
    {
        "code": "moq",
        "points": 0,
        "max": 15,
        "text": "MOQ 30,000 pairs, above your 20,000.",
        "params": {"moq": 30000, "quantity": 20000},
    },
    {
        "code": "price",
        "points": 10,
        "max": 20,
        "text": "Price not comparable with your currency.",
        "params": {"price": None},
    },
    {
        "code": "capacity",
        "points": 7,
        "max": 15,
        "text": "5,000 pairs a month: about 45 % of the quantity by 2026-03-01.",
        "params": {"capacity": 5000, "percent": 45},
    },
    {
        "code": "verified",
        "points": 0,
        "max": 10,
        "text": "Not verified yet.",
        "params": {"verified": False},
    },
    {
        "code": "response",
        "points": 7,
        "max": 15,
        "text": "No response history yet.",
        "params": {"rate": None},
    },
    # Shapes no sentence fits keep their stored text.
    {"code": "moq", "points": 15, "max": 15, "text": "Stored MOQ sentence."},
    {"code": "loyalty", "points": 0, "max": 0, "text": "Stored loyalty sentence.", "params": {}},
]
OLD_ENGLISH = [
    "2 published product(s) in this category; best fit: OLD-SKU-9.",
    "Makes none of the materials asked.",
    "MOQ 30,000 pairs, above the 20,000 asked.",
    "Price not comparable (another currency).",
    "5,000 pairs a month: about 45% of the quantity in time.",
    "Not verified.",
    "No response history yet.",
    "Stored MOQ sentence.",
    "Stored loyalty sentence.",
]
OLD_CHINESE = [
    "该品类下有 2 个已上架产品；最匹配：OLD-SKU-9。",
    "不生产所需的任何材质。",
    "起订量 30,000 双，高于所需的 20,000 双。",
    "价格无法比较（币种不同）。",
    "月产能 5,000 双：按时只能完成约 45% 的数量。",
    "未认证。",
    "暂无回复记录。",
    "Stored MOQ sentence.",
    "Stored loyalty sentence.",
]


@pytest.fixture
def matched():
    """(rfq, supplier owner) for one verified supplier matched by a 20,000-pair RFQ."""
    _supplier, owner = supplier_with_catalog("Reason Factory", verified=True, response_rate="0.800")
    rfq = post_rfq(BuyerFactory(), target_unit_price="0.80")
    return rfq, owner


def shown_reasons(client, rfq_id: int) -> list[str]:
    """The reason sentences of the supplier's RFQ page, in page order."""
    response = client.get(f"/dashboard/rfqs/{rfq_id}", headers=HTML)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    items = html.split('<ul class="fit-reasons">', 1)[1].split("</ul>", 1)[0]
    return [
        item.split("</li>", 1)[0].rsplit("</span>", 1)[-1].rsplit(">", 1)[-1].strip()
        for item in items.split("<li")[1:]
    ]


def stored_reasons(rfq_id: int) -> list[dict]:
    return db.session.scalar(sa.select(RFQMatch.reasons).where(RFQMatch.rfq_id == rfq_id))


def set_stored_reasons(rfq_id: int, reasons: list[dict]) -> None:
    db.session.execute(sa.update(RFQMatch).where(RFQMatch.rfq_id == rfq_id).values(reasons=reasons))
    transaction.commit()


def test_matching_stores_codes_and_parameters_not_sentences(matched):
    rfq, _owner = matched
    stored = stored_reasons(rfq.id)
    assert [r["message"] for r in stored] == [
        "rfq.match.product",
        "rfq.match.materials.shared",
        "rfq.match.moq.within",
        "rfq.match.price.over_target",
        "rfq.match.capacity.enough",
        "rfq.match.verified.yes",
        "rfq.match.response.rate",
    ]
    assert all(set(r) == {"code", "message", "points", "max", "params"} for r in stored)


def test_supplier_page_shows_the_reasons_in_english(matched, login_as):
    rfq, owner = matched
    assert shown_reasons(login_as(owner).client, rfq.id) == ENGLISH


def test_supplier_page_shows_the_reasons_in_chinese_by_cookie(matched, login_as):
    rfq, owner = matched
    client = login_as(owner).client
    client.set_cookie("mp_lang", "zh")
    assert shown_reasons(client, rfq.id) == CHINESE


def test_supplier_page_shows_the_reasons_in_the_users_language(matched, login_as):
    rfq, owner = matched
    owner.locale = "zh"
    transaction.commit()
    client = login_as(owner).client
    client.set_cookie("mp_lang", "en")  # the account's setting comes first
    assert shown_reasons(client, rfq.id) == CHINESE
    inbox = client.get("/dashboard/rfqs", headers=HTML).get_data(as_text=True)
    assert CHINESE[3] in inbox and ENGLISH[3] not in inbox


def test_api_reasons_keep_their_fields_in_english(matched, login_as):
    rfq, owner = matched
    owner.locale = "zh"
    transaction.commit()
    api = login_as(owner)
    api.client.set_cookie("mp_lang", "zh")
    for path in (f"/api/v1/rfqs/{rfq.id}", "/api/v1/rfqs"):
        body = api.get(path).json
        match = (body if "match" in body else body["items"][0])["match"]
        reasons = match["reasons"]
        assert [set(r) for r in reasons] == [
            {"code", "message", "points", "max", "text", "params"}
        ] * len(ENGLISH)
        assert [r["text"] for r in reasons] == ENGLISH
        assert [r["code"] for r in reasons] == [
            "product",
            "materials",
            "moq",
            "price",
            "capacity",
            "verified",
            "response",
        ]
        price = reasons[3]
        assert price["points"] == 10 and price["max"] == 20
        assert price["params"] == {
            "price": "1.0000",
            "currency": "USD",
            "target": "0.80",
            "over_percent": 25,
        }


def test_old_shaped_reasons_render_from_their_parameters(matched, login_as):
    rfq, owner = matched
    set_stored_reasons(rfq.id, OLD_SHAPED)
    api = login_as(owner)

    assert shown_reasons(api.client, rfq.id) == OLD_ENGLISH
    api.client.set_cookie("mp_lang", "zh")
    assert shown_reasons(api.client, rfq.id) == OLD_CHINESE

    reasons = api.get(f"/api/v1/rfqs/{rfq.id}").json["match"]["reasons"]
    assert [r["text"] for r in reasons] == OLD_ENGLISH
    assert [r["message"] for r in reasons][-3:] == ["rfq.match.response.unknown", None, None]
    assert reasons[2]["params"] == {"moq": 30000, "quantity": 20000}
    assert reasons[-2]["params"] == {}


@pytest.mark.parametrize("code", sorted(messages.CATALOGUE))
def test_every_catalogue_message_has_its_chinese(app, code):
    params = {
        "count": 3,
        "sku": "SKU-1",
        "shared": ["EVA", "PVC"],
        "asked": 3,
        "moq": 1000,
        "quantity": 20000,
        "price": "0.9500",
        "currency": "USD",
        "target": "0.9",
        "over_percent": 6,
        "capacity": 50000,
        "percent": 60,
        "rate": 0.75,
    }
    english = messages.render(code, params, locale="en")
    chinese = messages.render(code, params, locale="zh")
    assert english and "%(" not in english and "%%" not in english
    assert chinese != english
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese)
