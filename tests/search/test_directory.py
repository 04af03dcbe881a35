"""GET /api/v1/suppliers: the directory's words, filters, sorts and pages (both databases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from marketplace import transaction
from marketplace.catalog.models import ProductStatus
from marketplace.suppliers.models import Certification, SupplierStatus, VerificationStatus
from tests.catalog.support import make_product
from tests.factories import SupplierFactory

URL = "/api/v1/suppliers"


@dataclass
class Directory:
    suppliers: dict

    def id(self, key: str) -> int:
        return self.suppliers[key].id

    def ids(self, *keys: str) -> list[int]:
        return [self.suppliers[k].id for k in keys]


@pytest.fixture
def directory(db_session) -> Directory:
    def make(name, description, city, province, **fields):
        return SupplierFactory(
            name=name, description=description, city=city, province=province, **fields
        )

    s = {}
    s["hongda"] = make(
        "Hongda Slippers Co., Ltd.",
        "EVA home slippers and slides.",
        "Neikeng, Jinjiang",
        "Fujian",
        verification_status=VerificationStatus.VERIFIED,
        response_rate=Decimal("0.900"),
        monthly_capacity_pairs=1_200_000,
        main_markets=["US", "PH"],
        certifications=[Certification(name="BSCI", valid_until=date(2031, 1, 1))],
    )
    s["lianfa"] = make(
        "Lianfa Plastic Shoes",
        "Blow-moulded PVC slippers; also Hongda-style EVA slides.",
        "Jinjiang",
        "Fujian",
        response_rate=Decimal("0.400"),
        monthly_capacity_pairs=2_000_000,
        main_markets=["ZA"],
        certifications=[Certification(name="BSCI", valid_until=date(2020, 1, 1))],
    )
    s["ouhai"] = make(
        "Ouhai Footwear",
        "Hotel slippers, 酒店拖鞋, packed for airlines.",
        "Wenzhou",
        "Zhejiang",
        response_rate=None,
        monthly_capacity_pairs=200_000,
        main_markets=["AE", "US"],
    )
    s["chendai"] = make(
        "Chendai Sandals Works",
        "Beach sandals.",
        "Chendai, Jinjiang",
        "Fujian",
        response_rate=Decimal("0.700"),
        monthly_capacity_pairs=None,
        main_markets=["DE"],
    )
    s["gone"] = make(
        "Hongda Shadow Traders",
        "EVA slippers.",
        "Neikeng, Jinjiang",
        "Fujian",
    )
    transaction.commit()
    published = ProductStatus.PUBLISHED
    make_product(s["hongda"], published, category="eva-slippers", materials=["EVA"])
    make_product(s["lianfa"], published, category="pvc-slippers", materials=["PVC"])
    make_product(s["lianfa"], ProductStatus.DRAFT, category="hotel-slippers")
    make_product(s["ouhai"], published, category="hotel-slippers")
    make_product(s["gone"], published, category="hotel-slippers")
    s["gone"].status = SupplierStatus.SUSPENDED  # suspended after it published
    transaction.commit()
    return Directory(s)


def listing(api, **params) -> dict:
    response = api.get(f"{URL}?{urlencode(params)}")
    assert response.status_code == 200, response.json
    return response.json


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_words_match_name_place_and_description_name_first(api, directory):
    # In Hongda's name; in Lianfa's description. The suspended company never shows.
    assert ids(listing(api, q="hongda")) == directory.ids("hongda", "lianfa")
    assert ids(listing(api, q="wenzhou")) == directory.ids("ouhai")
    assert ids(listing(api, q="zhejiang")) == directory.ids("ouhai")
    assert set(ids(listing(api, q="eva slides"))) == set(directory.ids("hongda", "lianfa"))


def test_partial_cjk_and_odd_words(api, directory):
    assert ids(listing(api, q="sanda")) == directory.ids("chendai")  # a prefix
    assert ids(listing(api, q="酒店")) == directory.ids("ouhai")
    assert listing(api, q="'; DROP TABLE suppliers; --")["items"] == []
    assert listing(api, q="🩴")["items"] == []
    assert listing(api, q="zzzz")["items"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"city": "Jinjiang"}, ("hongda", "lianfa", "chendai")),  # a part of the city
        ({"city": "neikeng"}, ("hongda",)),
        ({"city": "Neikeng, Jinjiang"}, ("hongda",)),
        ({"city": "Jinj"}, ()),  # a place is named in full
        ({"province": "zhejiang"}, ("ouhai",)),
        ({"category": "hotel-slippers"}, ("ouhai",)),  # Lianfa's hotel slippers are a draft
        ({"category": "pvc-slippers"}, ("lianfa",)),
        ({"category": "no-such-category"}, ()),
        ({"min_capacity": 1_000_000}, ("hongda", "lianfa")),
        ({"min_capacity": 200_000}, ("hongda", "lianfa", "ouhai")),  # no capacity: left out
        ({"certification": "bsci"}, ("hongda",)),  # Lianfa's BSCI has expired
        ({"market": "US"}, ("hongda", "ouhai")),
        ({"verified": "true"}, ("hongda",)),
        ({"verified": "false", "province": "Fujian"}, ("lianfa", "chendai")),
        ({"q": "slippers", "city": "Jinjiang", "min_capacity": 1_500_000}, ("lianfa",)),
    ],
)
def test_filters(api, directory, params, expected):
    assert set(ids(listing(api, **params))) == set(directory.ids(*expected))


def test_sorts(api, directory):
    everyone = ("hongda", "lianfa", "ouhai", "chendai")
    newest = sorted(directory.ids(*everyone), reverse=True)
    assert ids(listing(api)) == newest
    assert ids(listing(api, sort="newest", q="slippers")) == [
        i for i in newest if i in directory.ids("hongda", "lianfa", "ouhai")
    ]
    # Highest response rate first; Ouhai has none yet, so it comes last.
    by_rate = ids(listing(api, sort="response_rate"))
    assert by_rate == directory.ids("hongda", "chendai", "lianfa", "ouhai")
    # relevance without words is newest first
    assert ids(listing(api, sort="relevance")) == newest


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "response_rate"}, {"q": "slippers"}, {"q": "hongda"}, {"province": "Fujian"}],
)
def test_pages_walk_every_supplier_once(api, directory, params):
    expected = ids(listing(api, limit=100, **params))
    seen, cursor = [], None
    for _ in range(10):
        body = listing(api, limit=1, **params, **({"cursor": cursor} if cursor else {}))
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(seen) == len(set(seen))


def test_cursors_belong_to_their_sort(api, directory):
    cursor = listing(api, limit=1, sort="response_rate")["next_cursor"]
    response = api.get(f"{URL}?{urlencode({'cursor': cursor, 'sort': 'newest'})}")
    assert response.status_code == 422
    assert response.json["errors"] == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "cheapest"},
        {"min_capacity": 0},
        {"min_capacity": 2**31},
        {"min_capacity": "lots"},
        {"city": "x" * 101},
        {"category": "x" * 61},
        {"cursor": "W10.forged"},
    ],
)
def test_bad_parameters_are_422(api, directory, params):
    assert api.get(f"{URL}?{urlencode(params)}").status_code == 422


def test_directory_follows_profile_changes(api, directory):
    ouhai = directory.suppliers["ouhai"]
    ouhai.name = "Oujiang Hospitality Footwear"
    ouhai.description = "Disposable slippers."
    transaction.commit()
    assert ids(listing(api, q="oujiang")) == directory.ids("ouhai")
    assert listing(api, q="airlines")["items"] == []
    ouhai.status = SupplierStatus.SUSPENDED
    transaction.commit()
    assert listing(api, q="oujiang")["items"] == []
    fresh = SupplierFactory(name="Yongxing Clogs", description="Garden clogs.")
    transaction.commit()
    assert ids(listing(api, q="yongxing")) == [fresh.id]


def test_openapi_documents_every_parameter(api):
    spec = api.get("/api/v1/openapi.json").json
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/suppliers"]["get"]["parameters"]}
    expected = {"q", "verified", "certification", "market", "city", "province", "category"}
    assert expected | {"min_capacity", "sort", "limit", "cursor"} <= set(parameters)
    assert parameters["sort"]["schema"]["enum"] == ["relevance", "response_rate", "newest"]
    for name in ("q", "city", "category", "min_capacity", "sort"):
        assert parameters[name].get("description") or parameters[name]["schema"].get("description")
