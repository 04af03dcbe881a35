"""The demo's curated content, read from the TOML files in ``marketplace/demo/data/``.

Each file becomes a frozen dataclass (``Companies``, ``Catalog``, ``Sourcing``,
``Inquiries``, ``Moderation``), built field by field from the dataclasses' type hints: a
missing or unknown key, a value of the wrong type or outside a ``Literal``'s choices
raises ``DemoDataError`` naming the file, the record and the key.  ``load_demo_files``
then checks that the files' references resolve (a company's categories are product
lines, an RFQ's buyer is a demo buyer...).  ``demo_data()`` is the cached result the
seeding code reads.

The order of the files' lists and tables is kept (TOML tables are read in order): the
seeded random generators draw from them, so reordering changes the generated data.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

DATA_DIR = Path(__file__).parent / "data"
FILES = {
    "companies": "companies.toml",
    "catalog": "lines.toml",
    "sourcing": "sourcing.toml",
    "inquiries": "inquiries.toml",
    "moderation": "moderation.toml",
}

T = TypeVar("T")


class DemoDataError(ValueError):
    """A demo data file is malformed; the message names the file, the record and the key."""


# companies.toml -----------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierSpec:
    key: str  # SKU prefix and natural key of the demo data
    name: str
    domain: str
    owner: str
    city: str
    address: str
    year: int
    employees: int
    capacity: int  # pairs a month
    markets: tuple[str, ...]
    categories: tuple[str, ...]  # what the factory makes, its main line first
    certifications: tuple[str, ...]
    verification: Literal["verified", "pending", "refused", "unverified"]
    products: int
    description: str
    staff: int
    suspended: str | None = None  # the reason, when an admin suspended the company

    @property
    def owner_email(self) -> str:
        return f"owner@{self.domain}"


@dataclass(frozen=True)
class Buyer:
    name: str
    email: str
    country: str
    company: str


@dataclass(frozen=True)
class CertificateScheme:
    issuers: tuple[str, ...]
    number: str  # a format with one "{}" for the random number
    number_range: tuple[int, int]


@dataclass(frozen=True)
class Companies:
    suppliers: tuple[SupplierSpec, ...]
    buyers: tuple[Buyer, ...]
    surnames: tuple[str, ...]
    given_names: tuple[str, ...]
    staff_titles: tuple[str, ...]
    licence_areas: dict[str, str]  # city -> the licence number's area prefix
    verification_refusal: str
    certificates: dict[str, CertificateScheme]


# lines.toml -------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    name: str
    detail: str
    materials: tuple[str, ...]
    price: tuple[float, float]  # USD a pair at the MOQ
    hs: str
    colors: tuple[str, ...] = ()  # when the style comes in set colours only


@dataclass(frozen=True)
class Line:
    """What a category of footwear is like: sizes, prices, packing, palette."""

    code: str
    label: str
    who: tuple[str, ...]
    moq: tuple[int, int, int]  # low, high, step
    carton_pairs: tuple[int, int, int]  # low, high, step
    pair_litres: float  # packed volume of a pair
    pair_kg: float
    lead_days: tuple[int, int]
    palette: tuple[str, ...]
    variants: tuple[str, ...]  # details telling apart a style a factory lists twice
    styles: tuple[Style, ...]
    rejections: tuple[str, ...] = ()  # reasons to reject this line's products


@dataclass(frozen=True)
class Catalog:
    ports: tuple[str, ...]  # repeated for weight
    extra_incoterms: tuple[str, ...]
    hotel_sizes: tuple[tuple[int, int], ...]
    product_states: dict[str, int]  # state -> weight
    rejections: tuple[str, ...]
    suspensions: tuple[str, ...]
    sizes: dict[str, tuple[tuple[int, int], ...]]  # who -> EU size ranges
    lines: dict[str, Line]  # by category slug


# sourcing.toml ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoRFQ:
    buyer: str  # e-mail of a demo buyer
    title: str
    category: str
    materials: tuple[str, ...]
    quantity: int
    currency: str
    incoterm: str
    state: Literal["open", "awarded", "closed", "cancelled"]
    posted_days_ago: float
    quotes: int  # how many of the best-matched factories quote
    target: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Sourcing:
    quotation_notes: tuple[str, ...]
    rfqs: tuple[DemoRFQ, ...]


# inquiries.toml ---------------------------------------------------------------------


@dataclass(frozen=True)
class Thread:
    state: Literal["open", "replied", "closed"]
    sent_hours_ago: float
    follow_ups: int  # messages after the first reply (from ``Inquiries.follow_ups``)
    first_reply_after_hours: float | None = None


@dataclass(frozen=True)
class FollowUp:
    side: Literal["buyer", "supplier"]
    text: str


@dataclass(frozen=True)
class Inquiries:
    questions: tuple[str, ...]  # str.format templates
    replies: tuple[str, ...]
    withdrawn: str
    follow_ups: tuple[FollowUp, ...]
    threads: tuple[Thread, ...]


# moderation.toml --------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedProduct:
    supplier: str  # a company's key
    sku: str
    product: Mapping[str, Any]  # fields over ``Moderation.base_product``


@dataclass(frozen=True)
class ReportSpec:
    reporter: str  # a demo buyer's e-mail
    target: Literal["product", "supplier"]
    supplier: str  # the company's key (for "product": its first published product)
    reason: str


@dataclass(frozen=True)
class NearDuplicate:
    supplier: str
    sku: str


@dataclass(frozen=True)
class Moderation:
    base_product: Mapping[str, Any]
    near_duplicate: NearDuplicate
    review_queue: tuple[QueuedProduct, ...]
    reports: tuple[ReportSpec, ...]


@dataclass(frozen=True)
class DemoData:
    companies: Companies
    catalog: Catalog
    sourcing: Sourcing
    inquiries: Inquiries
    moderation: Moderation

    def supplier(self, key: str) -> SupplierSpec | None:
        return next((s for s in self.companies.suppliers if s.key == key), None)


# Reading ------------------------------------------------------------------------------


class _Where:
    """Where a value sits: the file and the path of keys to it."""

    def __init__(self, file: str, path: str = "") -> None:
        self.file, self.path = file, path

    def __truediv__(self, part: str | int) -> _Where:
        step = f"[{part}]" if isinstance(part, int) else (f".{part}" if self.path else part)
        return _Where(self.file, self.path + step)

    def error(self, message: str) -> DemoDataError:
        return DemoDataError(f"{self.file}: {self.path or '(top level)'}: {message}")


_NAMES = ("key", "title", "sku", "email", "name", "state")


def _record(where: _Where, raw: Mapping[str, Any]) -> _Where:
    """The path to a record, with its natural key when it has one: ``suppliers[2] (key='LF')``."""
    for name in _NAMES:
        if isinstance(raw.get(name), str):
            return _Where(where.file, f"{where.path} ({name}={raw[name]!r})")
    return where


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _convert(hint: Any, value: object, where: _Where) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (types.UnionType, typing.Union):  # only "X | None": absent keys are None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, where)
    if origin is Literal:
        if value not in args:
            choices = ", ".join(repr(a) for a in args)
            raise where.error(f"must be one of {choices}, not {_describe(value)}")
        return value
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise where.error(f"must be an array, not {_describe(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], item, where / n) for n, item in enumerate(value))
        if len(value) != len(args):
            raise where.error(f"must be an array of {len(args)} items, not {len(value)}")
        return tuple(
            _convert(a, item, where / n)
            for n, (a, item) in enumerate(zip(args, value, strict=True))
        )
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise where.error(f"must be a table, not {_describe(value)}")
        return {key: _convert(args[1], item, where / key) for key, item in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool):
        if type(value) is not hint:  # not isinstance: True is no int here
            raise where.error(f"must be {hint.__name__}, not {_describe(value)}")
        return value
    raise TypeError(f"demo loader: unsupported type {hint!r} at {where.path}")  # pragma: no cover


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _build(cls: type[T], raw: object, where: _Where) -> T:
    if not isinstance(raw, dict):
        raise where.error(f"must be a table, not {_describe(raw)}")
    where = _record(where, raw)
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise where.error(f"unknown key {unknown[0]!r} (known: {', '.join(fields)})")
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in raw:
            optional = spec.default is not dataclasses.MISSING
            if not optional:
                raise where.error(f"missing key {name!r}")
            continue
        values[name] = _convert(hints[name], raw[name], where / name)
    return cls(**values)


def read_file(path: Path, cls: type[T]) -> T:
    """One data file as ``cls``; ``DemoDataError`` names the file, record and key at fault."""
    try:
        with path.open("rb") as file:
            raw = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise DemoDataError(f"{path.name}: not valid TOML: {error}") from error
    return _build(cls, raw, _Where(path.name))


def check_references(data: DemoData) -> list[str]:
    """What the files name that does not exist (empty when every reference resolves)."""
    problems: list[str] = []
    companies, catalog = data.companies, data.catalog
    keys = {s.key for s in companies.suppliers}
    buyers = {b.email for b in companies.buyers}
    for what, names in (
        ("companies.toml: suppliers (key)", [s.key for s in companies.suppliers]),
        ("companies.toml: suppliers (domain)", [s.domain for s in companies.suppliers]),
        ("companies.toml: buyers (email)", [b.email for b in companies.buyers]),
        (
            "sourcing.toml: rfqs (buyer, title)",
            [f"{r.buyer}, {r.title}" for r in data.sourcing.rfqs],
        ),
        ("moderation.toml: review_queue (sku)", [q.sku for q in data.moderation.review_queue]),
    ):
        repeated = sorted({name for name in names if names.count(name) > 1})
        problems += [f"{what}: {name!r} appears twice" for name in repeated]
    for s in companies.suppliers:
        at = f"companies.toml: suppliers (key={s.key!r})"
        problems += [f"{at}: no product line {c!r}" for c in s.categories if c not in catalog.lines]
        problems += [
            f"{at}: no certificate scheme {c!r}"
            for c in s.certifications
            if c not in companies.certificates
        ]
        if s.city not in companies.licence_areas:
            problems.append(f"{at}: city {s.city!r} has no licence area")
    for code, line in catalog.lines.items():
        problems += [
            f"lines.toml: lines.{code}: no sizes for {who!r}"
            for who in line.who
            if who not in catalog.sizes and code != "hotel-slippers"
        ]
    for r in data.sourcing.rfqs:
        at = f"sourcing.toml: rfqs (title={r.title!r})"
        if r.buyer not in buyers:
            problems.append(f"{at}: buyer {r.buyer!r} is not in companies.toml")
        if r.category not in catalog.lines:
            problems.append(f"{at}: no product line {r.category!r}")
    moderation = data.moderation
    queued = [(q.supplier, f"review_queue (sku={q.sku!r})") for q in moderation.review_queue]
    reports = [(r.supplier, f"reports (reporter={r.reporter!r})") for r in moderation.reports]
    for key, at in [*queued, *reports, (moderation.near_duplicate.supplier, "near_duplicate")]:
        if key not in keys:
            problems.append(f"moderation.toml: {at}: no company with key {key!r}")
    for report in moderation.reports:
        if report.reporter not in buyers:
            problems.append(f"moderation.toml: reports: {report.reporter!r} is not a demo buyer")
    return problems


def load_demo_files(directory: Path = DATA_DIR) -> DemoData:
    """Read the five files of ``directory`` and check the references between them."""
    hints = _hints(DemoData)
    data = DemoData(
        **{part: read_file(directory / name, hints[part]) for part, name in FILES.items()}
    )
    problems = check_references(data)
    if problems:
        raise DemoDataError("; ".join(problems))
    return data


@functools.cache
def demo_data() -> DemoData:
    """The shipped demo data, read once per process."""
    return load_demo_files()
