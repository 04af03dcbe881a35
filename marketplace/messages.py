"""One catalogue of the messages the platform stores as a code with parameters.

A service that explains something to a person (why an RFQ matched a supplier, ...) stores
a message *code* and its raw parameters, never a sentence: the sentence is written here
once, as a ``lazy_gettext`` template with named placeholders, and rendered when someone
reads it — in the page's language on the site and in e-mails, in English in the API
(integrations parse ``text``).  Changing a wording or adding a language therefore needs
no data migration, and the pages no longer reconstruct sentences from other sentences.

Parameters are stored raw (integers, decimal strings, lists) so they stay useful as data;
each message may name a ``prepare`` function that turns them into display strings
(thousands separators, prices to the cent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

API_LOCALE = "en"

Params = Mapping[str, Any]


class MessageNotRenderable(LookupError):
    """The code is unknown, or the stored parameters do not fit its template."""


def _as_is(params: Params) -> dict[str, Any]:
    return dict(params)


@dataclass(frozen=True)
class Message:
    template: LazyString
    prepare: Callable[[Params], Mapping[str, Any]] = _as_is

    def render(self, params: Params) -> str:
        try:
            # Always a mapping on the right of %: templates without placeholders render
            # as they are, and "%%" becomes "%" in every language alike.
            return str(self.template) % dict(self.prepare(params))
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise MessageNotRenderable(str(exc)) from exc


# Display formats shared by several messages ---------------------------------------------


def thousands(value: int) -> str:
    return f"{int(value):,}"


def approx_price(amount: str | Decimal) -> str:
    """An indicative price: cents from 1 up, tenths of a cent below (1.20, 0.185)."""
    value = Decimal(amount)
    return str(value.quantize(Decimal("0.01") if value >= 1 else Decimal("0.001")))


def typed_price(amount: str | Decimal) -> str:
    """A price as the person typed it, at least to the cent (1.5 → 1.50, 0.125 stays)."""
    whole, _, frac = format(Decimal(amount).normalize(), "f").partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


# RFQ matching (rfqs.matching): one line of a match's explanation each --------------------


def _materials(params: Params) -> dict[str, Any]:
    shared = list(params["shared"])
    return {"materials": ", ".join(shared), "shared": len(shared), "asked": params["asked"]}


def _moq(params: Params) -> dict[str, Any]:
    return {"moq": thousands(params["moq"]), "quantity": thousands(params["quantity"])}


def _price(params: Params) -> dict[str, Any]:
    currency = params["currency"]
    values: dict[str, Any] = {"price": f"{currency} {approx_price(params['price'])}"}
    if "target" in params:
        values["target"] = f"{currency} {typed_price(params['target'])}"
        values["over"] = int(params.get("over_percent") or 0)
    return values


def _capacity(params: Params) -> dict[str, Any]:
    return {"capacity": thousands(params["capacity"]), "percent": int(params["percent"])}


def _response(params: Params) -> dict[str, Any]:
    return {"percent": round(float(params["rate"]) * 100)}


MATCH_PRODUCT = "rfq.match.product"
MATCH_MATERIALS_ANY = "rfq.match.materials.any"
MATCH_MATERIALS_SHARED = "rfq.match.materials.shared"
MATCH_MATERIALS_NONE = "rfq.match.materials.none"
MATCH_MOQ_WITHIN = "rfq.match.moq.within"
MATCH_MOQ_ABOVE = "rfq.match.moq.above"
MATCH_PRICE_NOT_COMPARABLE = "rfq.match.price.not_comparable"
MATCH_PRICE_NO_TARGET = "rfq.match.price.no_target"
MATCH_PRICE_AT_TARGET = "rfq.match.price.at_target"
MATCH_PRICE_OVER_TARGET = "rfq.match.price.over_target"
MATCH_CAPACITY_UNKNOWN = "rfq.match.capacity.unknown"
MATCH_CAPACITY_ENOUGH = "rfq.match.capacity.enough"
MATCH_CAPACITY_PARTIAL = "rfq.match.capacity.partial"
MATCH_VERIFIED = "rfq.match.verified.yes"
MATCH_NOT_VERIFIED = "rfq.match.verified.no"
MATCH_RESPONSE_UNKNOWN = "rfq.match.response.unknown"
MATCH_RESPONSE_RATE = "rfq.match.response.rate"

CATALOGUE: dict[str, Message] = {
    # params: count (published products in the category), sku (the best fit), product_id
    MATCH_PRODUCT: Message(
        _l("%(count)d published product(s) in this category; best fit: %(sku)s.")
    ),
    MATCH_MATERIALS_ANY: Message(_l("No material asked: any fits.")),
    # params: shared (names made of), asked (how many the RFQ names)
    MATCH_MATERIALS_SHARED: Message(
        _l("Makes %(materials)s (%(shared)d of %(asked)d asked)."), _materials
    ),
    MATCH_MATERIALS_NONE: Message(_l("Makes none of the materials asked.")),
    # params: moq, quantity
    MATCH_MOQ_WITHIN: Message(_l("MOQ %(moq)s pairs, at or under the %(quantity)s asked."), _moq),
    MATCH_MOQ_ABOVE: Message(_l("MOQ %(moq)s pairs, above the %(quantity)s asked."), _moq),
    # params: price (decimal string, RFQ currency), currency, target, over_percent
    MATCH_PRICE_NOT_COMPARABLE: Message(_l("Price not comparable (another currency).")),
    MATCH_PRICE_NO_TARGET: Message(
        _l("No target price; about %(price)s at this quantity."), _price
    ),
    MATCH_PRICE_AT_TARGET: Message(
        _l("About %(price)s at this quantity, at or under the target %(target)s."), _price
    ),
    MATCH_PRICE_OVER_TARGET: Message(
        _l("About %(price)s at this quantity, %(over)d%% above the target %(target)s."), _price
    ),
    # params: capacity (pairs a month), percent (of the quantity by the date needed)
    MATCH_CAPACITY_UNKNOWN: Message(_l("Monthly capacity not stated.")),
    MATCH_CAPACITY_ENOUGH: Message(_l("%(capacity)s pairs a month: enough in time."), _capacity),
    MATCH_CAPACITY_PARTIAL: Message(
        _l("%(capacity)s pairs a month: about %(percent)d%% of the quantity in time."),
        _capacity,
    ),
    MATCH_VERIFIED: Message(_l("Verified by the platform.")),
    MATCH_NOT_VERIFIED: Message(_l("Not verified.")),
    # params: rate (0-1, answered within a day)
    MATCH_RESPONSE_UNKNOWN: Message(_l("No response history yet.")),
    MATCH_RESPONSE_RATE: Message(_l("Answers %(percent)d%% of buyers within a day."), _response),
}


def render(code: str, params: Params | None = None, *, locale: str | None = None) -> str:
    """The message ``code`` with ``params``, in ``locale`` or else the current language.

    Raises MessageNotRenderable for an unknown code or parameters that do not fit, so a
    caller holding an older stored sentence can fall back on it.
    """
    message = CATALOGUE.get(code)
    if message is None:
        raise MessageNotRenderable(f"unknown message code {code!r}")
    if locale is None:
        return message.render(params or {})
    with force_locale(locale):
        return message.render(params or {})


def render_for_api(code: str, params: Params | None = None) -> str:
    return render(code, params, locale=API_LOCALE)
