"""The automatic checks on submit: they flag (never refuse) and the admins see why."""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa

from marketplace.catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.moderation.models import ProductCheck, ProhibitedTerm
from marketplace.moderation.termmatch import TermMatcher, fold
from marketplace.notifications.models import Notification
from tests.catalog.support import make_product
from tests.factories import SupplierFactory
from tests.moderation.conftest import audit_rows

S = ProductStatus


def submit(owner_api, product):
    response = owner_api.post(f"/api/v1/products/{product.id}/submit")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "pending_review"  # flagged, never refused


def flags_of(admin_api, product) -> list[dict]:
    items = admin_api.get("/api/v1/admin/products?limit=100").json["items"]
    return next(item["flags"] for item in items if item["id"] == product.id)


# Prohibited terms ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term", "hit"),
    [
        ("NIKE style slides", "Nike", True),
        ("nike-inspired", "Nike", True),
        ("Slides (Crocs)", "Crocs", True),
        ("Under Armour logo", "Under Armour", True),
        ("under-armour", "Under Armour", True),
        ("New  Balance", "New Balance", True),
        ("Nikex slides", "Nike", False),
        ("Pumpkin print plush", "Puma", False),
        ("Vansville hotel", "Vans", False),
        ("Dr. Martens style", "Dr. Martens", True),
        ("Hermès orange", "Hermès", True),
        ("HERMÈS", "Hermès", True),
    ],
)
def test_terms_match_whole_words_case_insensitively(text, term, hit):
    assert (TermMatcher([term]).find(text) == [term]) is hit


# Disguises: each hides the term from a plain whole-word, case-insensitive search.
EVASIONS = [
    ("Nike", "\uff2e\uff49\uff4b\uff45 style slides"),  # fullwidth
    ("Nike", "\U0001d40d\U0001d422\U0001d424\U0001d41e slides"),  # mathematical bold
    ("Nike", "Ni\u200bke slides"),  # zero-width space
    ("Nike", "N\u200di\u200ck\u2060e\ufeff slides"),  # joiners, word joiner, BOM
    ("Nike", "Ni\u00adke slides"),  # soft hyphen
    ("Nike", "N\u0456ke slides"),  # Cyrillic small i
    ("Nike", "\u039d\u0399\u039a\u0395 slides"),  # Greek capitals
    ("Nike", "N\u0406K\u0415 slides"),  # Cyrillic capitals I and E
    ("Nike", "N\u0131ke slides"),  # dotless i
    ("Nike", "Ni\u0301ke\u0308 slides"),  # combining marks
    ("Nike", "N i k e slides"),
    ("Nike", "N.I.K.E. slides"),
    ("Nike", "NIKE\u540c\u6b3e\u62d6\u978b"),  # NIKE + Chinese "same style slippers"
    ("Nike", "Nike2024 slides"),
    ("Crocs", "Cr\u043ecs clogs"),  # Cyrillic o
    ("Hermès", "Hermes orange sandals"),
    ("Hermès", "HERMES"),
    ("Pokémon", "Pokemon print slippers"),
    ("Air Jordan", "AirJordan 1 slides"),
    ("Air Jordan", "Air-Jordan slides"),
    ("Air Jordan", "A i r Jordan slides"),
    ("Air Jordan", "air_jordan"),
    ("Dr. Martens", "Dr Martens style"),
    ("Dr. Martens", "DrMartens style"),
    ("Dr. Martens", "dr.martens"),
    ("Under Armour", "UnderArmour slides"),
    ("UGG", "U.G.G. boots"),
    ("UGG", "UGG5854 slippers"),
    ("\u8010\u514b", "\u8010\u514b\u540c\u6b3e\u62d6\u978b"),  # a Chinese term in Chinese
]


@pytest.mark.parametrize(("term", "text"), EVASIONS)
def test_disguised_terms_are_found(term, text):
    assert TermMatcher([term]).find(text) == [term]


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("Vans", "canvas upper"),
        ("Vans", "caravans and campers"),
        ("Vans", "Vansville hotel"),
        ("Asics", "basics collection"),
        ("Fila", "filament-knit upper"),
        ("UGG", "snuggle fleece"),
        ("Marvel", "marvellous grip"),
        ("Converse", "conversely"),
        ("Dior", "diorama box"),
        ("Chanel", "channel-quilted strap"),
        ("Crocs", "crocodile-pattern strap"),
        ("New Balance", "a new balanced footbed"),
        ("Hey Dude", "hey dudes"),
        ("Nike", "Nikex slides"),
        ("Puma", "Pumpkin print"),
    ],
)
def test_a_term_inside_a_longer_word_is_no_hit(term, text):
    assert TermMatcher([term]).find(text) == []


# Ordinary slipper listings, in English and Chinese: no term of the seeded list is found.
ORDINARY_TEXTS = [
    "Women's canvas slip-on slippers, basics collection, snuggly fleece lining.",
    "Pumpkin print plush slippers for autumn; soft filament-knit upper.",
    "Caravan and camping slides: quick-drying EVA, marvellous grip on wet decks.",
    "Conversely, our PU sole is heavier but lasts longer. Diorama gift box included.",
    "A new balanced footbed with arch support; hey, dudes and ladies: sizes 36-45.",
    "Hotel slippers for the Vansville Inn, white terry cloth, 5 mm sole, channel stitching.",
    "Crocodile-pattern strap, timber-look cork footbed, anti-slip TPR outsole.",
    "Colours: black, navy, khaki, rose pink. Port of loading: Xiamen. FOB, EXW.",
    "男士夏季防滑拖鞋，EVA材质，浴室居家凉拖，颜色：黑色、白色、灰色。",  # noqa: RUF001 (Chinese punctuation)
    "女款毛绒棉拖鞋 秋冬保暖 PU 底 36-41码 起订量1000双",
    "厦门港装运，FOB价格，支持定制logo和包装，交期30天。",  # noqa: RUF001 (Chinese punctuation)
    "帆布一脚蹬休闲鞋，橡胶大底，经典基础款，男女同款。",  # noqa: RUF001 (Chinese punctuation)
    "酒店一次性拖鞋，无纺布，白色，独立包装，可印酒店标志。",  # noqa: RUF001 (Chinese punctuation)
]


def test_ordinary_slipper_texts_hit_no_seeded_term():
    terms = list(db.session.scalars(sa.select(ProhibitedTerm.term)))
    assert len(terms) >= 30
    matcher = TermMatcher(terms)
    assert {text: matcher.find(text) for text in ORDINARY_TEXTS} == {
        text: [] for text in ORDINARY_TEXTS
    }


def test_the_look_alike_table_maps_other_scripts_to_plain_latin():
    from marketplace.moderation.confusables import LOOKALIKES

    chars = "".join(LOOKALIKES.values())
    assert len(chars) == len(set(chars)) > 500  # each look-alike has one reading
    for latin, lookalikes in LOOKALIKES.items():
        assert latin.isascii() and latin.isalnum() and latin == latin.lower()
        for char in lookalikes:
            assert not char.isascii()
            assert unicodedata.normalize("NFKD", char) == char  # NFKD does the rest
            assert fold(char) == latin, (hex(ord(char)), latin)


@pytest.mark.parametrize(
    ("name", "term"),
    [
        ("\uff2e\uff49\uff4b\uff45 style EVA slides", "Nike"),
        ("Ni\u200bke style EVA slides", "Nike"),
        ("N\u0456ke style EVA slides", "Nike"),
        ("Ad\u00adidas look EVA slides", "Adidas"),
        ("Hermes orange EVA sandals", "Hermès"),
        ("AirJordan 1 style slides", "Air Jordan"),
        ("Dr Martens style clogs", "Dr. Martens"),
        ("Pokemon print plush slippers", "Pokémon"),
    ],
)
def test_a_submitted_product_with_a_disguised_term_is_flagged(
    owner_api, admin_api, supplier, name, term
):
    product = make_product(supplier, name=name)
    submit(owner_api, product)
    (flag,) = flags_of(admin_api, product)
    assert flag["code"] == "prohibited_term"
    assert f'"{term}" appears in the name' in flag["reason"]


def test_ordinary_products_are_not_flagged(owner_api, admin_api, supplier):
    products = [
        make_product(supplier, sku=f"PLAIN-{n}", name=text, description=text, colors=[text[:40]])
        for n, text in enumerate(ORDINARY_TEXTS)
    ]
    for product in products:
        submit(owner_api, product)
    codes = {p.id: [f["code"] for f in flags_of(admin_api, p)] for p in products}
    assert codes == {p.id: [] for p in products}


def test_the_seeded_list_holds_the_footwear_brands(admin_api):
    terms = {
        item["term"]
        for item in admin_api.get("/api/v1/admin/prohibited-terms?limit=100").json["items"]
    }
    expected = {"Nike", "Adidas", "Crocs", "Havaianas", "Birkenstock", "Under Armour", "UGG"}
    assert expected <= terms


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("name", "Unisex slides, Havaianas type strap", "name"),
        ("description", "Soft EVA like the famous birkenstock footbed.", "description"),
    ],
)
def test_a_prohibited_term_flags_the_product_with_where_it_was_found(
    owner_api, admin_api, supplier, field, value, where
):
    product = make_product(supplier, **{field: value})
    submit(owner_api, product)
    (flag,) = flags_of(admin_api, product)
    assert flag["code"] == "prohibited_term"
    assert f"in the {where}" in flag["reason"]


def test_flags_are_stored_and_recomputed_at_each_submission(owner_api, admin_api, supplier, admin):
    product = make_product(supplier, name="Reebok style slides")
    submit(owner_api, product)
    check = db.session.get(ProductCheck, product.id)
    assert check.flag_count == 1
    admin_api.post(
        f"/api/v1/admin/products/{product.id}/reject", json={"reason": "Brand name in the title."}
    )
    owner_api.patch(f"/api/v1/products/{product.id}", json={"name": "Plain EVA slides"})
    submit(owner_api, product)
    db.session.expire_all()
    assert db.session.get(ProductCheck, product.id).flags == []
    assert flags_of(admin_api, product) == []


def test_admins_manage_the_list_with_audit_rows(admin_api, owner_api, supplier):
    response = admin_api.post("/api/v1/admin/prohibited-terms", json={"term": "  Slipper  King "})
    assert response.status_code == 201, response.json
    term_id = response.json["id"]
    assert response.json["term"] == "Slipper King"
    duplicate = admin_api.post("/api/v1/admin/prohibited-terms", json={"term": "slipper king"})
    assert duplicate.status_code == 409
    assert admin_api.post("/api/v1/admin/prohibited-terms", json={"term": " "}).status_code == 422

    product = make_product(supplier, name="The slipper-king EVA slide")
    submit(owner_api, product)
    assert [f["code"] for f in flags_of(admin_api, product)] == ["prohibited_term"]

    assert admin_api.delete(f"/api/v1/admin/prohibited-terms/{term_id}").status_code == 204
    assert admin_api.delete(f"/api/v1/admin/prohibited-terms/{term_id}").status_code == 404
    assert db.session.get(ProhibitedTerm, term_id) is None
    rows = [(r.action, r.target_id, r.details["term"]) for r in audit_rows()]
    assert rows == [
        ("prohibited_term.add", term_id, "Slipper King"),
        ("prohibited_term.delete", term_id, "Slipper King"),
    ]


# Near duplicates -----------------------------------------------------------------


def test_a_near_duplicate_of_the_same_suppliers_listing_is_flagged(owner_api, admin_api, supplier):
    make_product(supplier, S.PUBLISHED, sku="ORIG", name="Women's EVA bathroom slippers, anti-slip")
    other = SupplierFactory()
    make_product(other, S.PUBLISHED, sku="THEIRS", name="Men's PVC slides, two straps")
    copy = make_product(supplier, sku="COPY", name="Womens EVA bathroom slippers anti slip!")
    different = make_product(supplier, sku="DIFF", name="Men's PVC slides, two straps")

    submit(owner_api, copy)
    submit(owner_api, different)

    (flag,) = flags_of(admin_api, copy)
    assert flag["code"] == "near_duplicate"
    assert "ORIG" in flag["reason"]
    # The same name at another supplier is not this supplier's duplicate.
    assert flags_of(admin_api, different) == []


# Price and MOQ outliers ------------------------------------------------------------


def published_peers(count: int, price: str = "1.00", moq: int = 1000, currency: str = "USD"):
    supplier = SupplierFactory()
    for n in range(count):
        make_product(
            supplier,
            S.PUBLISHED,
            sku=f"PEER-{n}",
            name=f"Peer slipper model {n * 7919}",
            moq=moq,
            currency=currency,
            price_tiers=[{"min_qty": moq, "unit_price": price}],
        )


def tiers(moq: int, price: str) -> dict:
    return {"moq": moq, "price_tiers": [{"min_qty": moq, "unit_price": price}]}


@pytest.mark.parametrize(
    ("data", "flagged"),
    [
        (tiers(1000, "1.20"), False),
        (tiers(1000, "5.00"), False),  # 5x the median is the edge, not beyond
        (tiers(1000, "5.01"), True),
        (tiers(1000, "0.19"), True),
        (tiers(100_000, "1.00"), True),
        (tiers(100, "1.00"), True),
    ],
)
def test_prices_and_moqs_far_from_the_category_median_are_flagged(
    owner_api, admin_api, supplier, data, flagged
):
    published_peers(5)
    product = make_product(supplier, sku="ODD", **data)
    submit(owner_api, product)
    flags = flags_of(admin_api, product)
    assert [f["code"] for f in flags] == (["price_outlier"] if flagged else [])


@pytest.mark.parametrize("values", [[5], [1, 2], [3, 1, 2], [4, 4, 1, 9], [7, 1, 7, 2, 8, 8]])
def test_a_median_leaves_the_products_own_value_out(values):
    import statistics
    from decimal import Decimal

    from marketplace.moderation.checks import _Sample

    sample = _Sample((n, Decimal(v)) for n, v in enumerate(values, start=1))
    assert sample.median_without(None) == (statistics.median(map(Decimal, values)), len(values))
    for own in range(1, len(values) + 1):
        others = [Decimal(v) for n, v in enumerate(values, start=1) if n != own]
        expected = statistics.median(others) if others else Decimal(0)
        assert sample.median_without(own) == (expected, len(others))


def test_no_price_judgement_without_enough_products_or_in_another_currency(
    owner_api, admin_api, supplier
):
    published_peers(4)
    published_peers(5, currency="EUR", price="1.00")
    product = make_product(supplier, sku="ODD", **tiers(1000, "50.00"))
    submit(owner_api, product)
    assert flags_of(admin_api, product) == []


def test_flags_shown_for_a_product_sent_back_to_review_by_an_import(owner_api, admin_api, supplier):
    """A bulk import does not run the checks row by row; the queue computes them."""
    import io

    product = make_product(supplier, S.PUBLISHED, sku="IMP-1")
    csv = "sku,name,category,moq,currency,price_tiers\n"
    csv += "IMP-1,Puma style EVA slides,eva-slippers,1000,USD,1000:1.20\n"
    response = owner_api.post(
        "/api/v1/catalog/import",
        data={"file": (io.BytesIO(csv.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert [f["code"] for f in flags_of(admin_api, product)] == ["prohibited_term"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductCheck)) == 1


# Changes to a published product -----------------------------------------------------
# Prices, MOQ, colours and the port need no admin's review, but the automatic checks
# look at every change: a hit sends the product back to review, out of public sight.


def public_ids(api, **params) -> list[int]:
    response = api.get("/api/v1/products", query_string={"limit": 100, **params})
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def assert_sent_back(api, owner_api, admin_api, product, code: str, words: str):
    """Out of the catalog and search, in the queue with the flag, one audit row, and the
    supplier is told why (on the product and by a notification)."""
    db.session.expire_all()
    assert product.status == S.PENDING_REVIEW
    assert api.get(f"/api/v1/products/{product.id}").status_code == 404
    assert product.id not in public_ids(api)
    assert product.id not in public_ids(api, sort="price_asc", quantity=1000)
    queue = admin_api.get("/api/v1/admin/products?status=pending_review").json["items"]
    (item,) = [i for i in queue if i["id"] == product.id]
    assert code in [f["code"] for f in item["flags"]]
    (row,) = audit_rows("product.flagged_after_change")
    assert (row.target_id, row.before_status, row.after_status) == (
        product.id,
        "published",
        "pending_review",
    )
    assert words in row.reason
    seen = owner_api.get(f"/api/v1/products/{product.id}").json
    assert seen["status"] == "pending_review"
    assert words in seen["rejection_reason"]
    told = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "product.sent_back_to_review")
    ).all()
    assert told and all(words in n.body for n in told)


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (tiers(1000, "0.0001"), "price_outlier", "USD 0.0001"),
        ({"price_tiers": [{"min_qty": 1000, "unit_price": "0.0001"}]}, "price_outlier", "0.0001"),
        (tiers(100_000, "1.00"), "price_outlier", "MOQ of 100,000"),
        (
            {"colors": ["white", "Nike Air style"]},
            "prohibited_term",
            '"Nike" appears in the colors',
        ),
        ({"port_of_loading": "Xiamen (Adidas bonded)"}, "prohibited_term", "Adidas"),
    ],
    ids=["price and tiers", "price alone", "moq", "colour", "port"],
)
def test_a_flagged_change_sends_a_published_product_back_to_review(
    api, owner_api, admin_api, supplier, change, code, words
):
    published_peers(5)
    product = make_product(supplier, S.PUBLISHED, sku="LIVE", **tiers(1000, "1.10"))
    assert product.id in public_ids(api, sort="price_asc", quantity=1000)

    response = owner_api.patch(f"/api/v1/products/{product.id}", json=change)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "pending_review"
    assert_sent_back(api, owner_api, admin_api, product, code, words)


@pytest.mark.parametrize(
    "change",
    [
        tiers(1000, "1.15"),
        {"colors": ["white", "navy"]},
        {"port_of_loading": "Ningbo"},
        {"lead_time_days": 20},
    ],
    ids=["price", "colour", "port", "lead time"],
)
def test_a_clean_change_keeps_a_published_product_published(
    api, owner_api, admin_api, supplier, change
):
    published_peers(5)
    product = make_product(supplier, S.PUBLISHED, sku="LIVE", **tiers(1000, "1.10"))

    response = owner_api.patch(f"/api/v1/products/{product.id}", json=change)

    assert response.status_code == 200, response.json
    assert response.json["status"] == "published"
    assert api.get(f"/api/v1/products/{product.id}").status_code == 200
    assert product.id in public_ids(api)
    assert audit_rows("product.flagged_after_change") == []


def test_approving_a_flagged_change_publishes_it_again(api, owner_api, admin_api, supplier):
    """The admins decide: an approved change stays published (the checks do not flag the
    same change twice: only a further change is checked again)."""
    published_peers(5)
    product = make_product(supplier, S.PUBLISHED, sku="LIVE")
    owner_api.patch(f"/api/v1/products/{product.id}", json={"colors": ["Puma red"]})
    assert admin_api.post(f"/api/v1/admin/products/{product.id}/approve").status_code == 200
    assert product.id in public_ids(api)
    seen = owner_api.get(f"/api/v1/products/{product.id}").json
    assert (seen["status"], seen["rejection_reason"]) == ("published", None)

    response = owner_api.patch(f"/api/v1/products/{product.id}", json={"lead_time_days": 21})
    assert response.json["status"] == "published"


def test_the_suppliers_edit_page_sends_a_flagged_change_back_to_review(
    api, owner, owner_api, admin_api, supplier, client
):
    from tests.catalog.test_supplier_pages import csrf_from, page_login, product_form

    published_peers(5)
    page_login(client, owner)
    token = csrf_from(client.get("/dashboard/products/new").text)
    assert client.post("/dashboard/products/new", data=product_form(token)).status_code == 302
    product = db.session.scalar(sa.select(Product).where(Product.sku == "PG-EVA-01"))
    submit(owner_api, product)
    assert admin_api.post(f"/api/v1/admin/products/{product.id}/approve").status_code == 200
    audit_rows()  # the approval's row

    page = client.get(f"/dashboard/products/{product.id}")
    changed = product_form(csrf_from(page.text), colors="black, Nike Air style")
    response = client.post(f"/dashboard/products/{product.id}", data=changed)

    assert response.status_code == 302
    assert_sent_back(api, owner_api, admin_api, product, "prohibited_term", "Nike")
    shown = client.get(f"/dashboard/products/{product.id}").text
    assert "Nike" in shown and "pending review" in shown


def import_csv(owner_api, rows: list[str]):
    import io

    csv = "sku,name,category,moq,currency,price_tiers,colors\n" + "\n".join(rows) + "\n"
    return owner_api.post(
        "/api/v1/catalog/import",
        data={"file": (io.BytesIO(csv.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )


def test_an_import_sends_flagged_published_products_back_to_review(
    api, owner_api, admin_api, supplier
):
    published_peers(5)
    name = "Women's EVA bathroom slippers, anti-slip"
    cheap = make_product(supplier, S.PUBLISHED, sku="IMP-CHEAP", name=name)
    clean = make_product(supplier, S.PUBLISHED, sku="IMP-CLEAN", name=name + " II")

    response = import_csv(
        owner_api,
        [
            f'IMP-CHEAP,"{name}",eva-slippers,1000,USD,1000:0.0001,white',
            f'IMP-CLEAN,"{name} II",eva-slippers,1000,USD,1000:1.15,white',
        ],
    )

    assert response.status_code == 201, response.json
    assert_sent_back(api, owner_api, admin_api, cheap, "price_outlier", "0.0001")
    db.session.expire_all()
    assert clean.status == S.PUBLISHED
    assert clean.id in public_ids(api)
