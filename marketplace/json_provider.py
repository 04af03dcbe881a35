"""Flask's JSON through orjson.

Search results are mostly stored JSON (the index's cards) read back and sent on: with
the standard library's encoder that cost more than the search's own SQL on a small
page. orjson encodes in a fraction of the time (request bodies are still read by the
standard library). Keys keep their order (the facets come most frequent first); text is
sent as UTF-8; dates, ``Decimal`` and the rest are sent as Flask's own provider sends
them.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
from datetime import date
from typing import Any, cast

import orjson
from flask import Response
from flask.json.provider import JSONProvider
from werkzeug.http import http_date

OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(value: Any) -> Any:
    """What Flask's default provider does for the types orjson leaves to us."""
    if isinstance(value, date):
        return http_date(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_default, option=OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson declines (integers past 64 bits, echoed back in an error) goes
        # through the standard library, as before; what neither can encode raises.
        text = json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))
        return text.encode()


class OrjsonProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # options orjson does not have (indent, sort_keys, ...)
            kwargs.setdefault("default", _default)
            return json.dumps(obj, **kwargs)
        return dumps_bytes(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # Request bodies are small, and orjson reads an integer past 64 bits as a float
        # (10**30 would pass as 1e+30): the standard library keeps them exact.
        return json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        response_class = cast("type[Response]", self._app.response_class)
        return response_class(dumps_bytes(obj), mimetype=self.mimetype)
