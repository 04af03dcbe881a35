"""Import cells -> product values, validated by ``ProductInputSchema``'s own fields and
hooks, so that a row is refused exactly when the API would refuse the same product.

Public marshmallow API only (``Field.deserialize``, ``Schema.load``, custom fields).
Speed: a catalog repeats its categories, tiers, sizes and colours on every row, so each
distinct cell text of a column is parsed and deserialized once by that column's field and
remembered, and so is each distinct list item (a colour, a tier; a tier's quantity and
price each once, see ``FieldByField``); the schema's hooks then run on each row's
values in a ``Schema.load`` that loads no field again (see ``RowValidator``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeGuard, cast

from marshmallow import INCLUDE, Schema, ValidationError, fields, missing

from marketplace.catalog.exporter import unneutralise
from marketplace.catalog.schemas import PriceTierSchema, ProductInputSchema

TIERS_FORMAT = (
    'Write tiers as min_qty:unit_price pairs separated by ";", e.g. "1000:1.20;5000:1.05".'
)
SIZES_FORMAT = 'Write EU sizes as a range "36-45" or a list "36;37;38.5".'
CARTON_FORMAT = 'Write carton dimensions as length x width x height in cm, e.g. "60x40x35".'
NUMBER = r"\d+(?:\.\d+)?"
SIZE_RANGE = re.compile(rf"(?:eu\s*)?({NUMBER})\s*-\s*({NUMBER})", re.IGNORECASE)
BY = r"\s*[x\u00d7*]\s*"  # 60x40x35, 60 X 40 X 35, 60\u00d740\u00d735, 60*40*35
CARTON = re.compile(rf"({NUMBER}){BY}({NUMBER}){BY}({NUMBER})", re.IGNORECASE)
INTEGER = re.compile(r"[+-]?\d+")
TIER_SEPARATOR = re.compile(r"[;|]")


def _json_cell(text: str, kind: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValidationError("Not valid JSON.") from exc
    if not isinstance(value, kind):
        raise ValidationError(f"Expected a JSON {'list' if kind is list else 'object'}.")
    return value


def parse_list(text: str) -> list[str]:
    if text.startswith("["):
        return _json_cell(text, list)
    separator = ";" if ";" in text else "|"
    return [item.strip() for item in text.split(separator) if item.strip()]


def parse_sizes(text: str) -> Any:
    if text.startswith(("{", "[")):
        return _json_cell(text, dict if text.startswith("{") else list)
    if match := SIZE_RANGE.fullmatch(text):
        return {"system": "EU", "from": match[1], "to": match[2]}
    items = [item.strip() for item in re.split(r"[;,|]", re.sub(r"^eu\s*", "", text, flags=re.I))]
    if not all(re.fullmatch(NUMBER, item) for item in items):
        raise ValidationError(SIZES_FORMAT)
    return items


def parse_tiers(text: str, parts: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``1000:1.20;5000:1.05`` (or a JSON list) as tier dicts. With ``parts``, each
    distinct ``qty:price`` text gives one dict object, shared by every cell that has it
    (so the field remembers its outcome by identity); the dicts must not be mutated."""
    if text.startswith("["):
        return _json_cell(text, list)
    tiers = []
    for part in TIER_SEPARATOR.split(text):
        tier = parts.get(part) if parts is not None else None
        if tier is None:
            if not part.strip():
                continue
            quantity, colon, price = part.partition(":")
            if not colon or not quantity.strip() or not price.strip():
                raise ValidationError(TIERS_FORMAT)
            tier = {"min_qty": parse_int(quantity.strip()), "unit_price": price.strip()}
            if parts is not None:
                parts[part] = tier
        tiers.append(tier)
    return tiers


def parse_carton(text: str) -> dict[str, str]:
    if text.startswith("{"):
        return _json_cell(text, dict)
    match = CARTON.fullmatch(text)
    if not match:
        raise ValidationError(CARTON_FORMAT)
    return {"length": match[1], "width": match[2], "height": match[3]}


def parse_int(text: str) -> int | str:
    """A whole number; anything else goes to the field as text, which rejects it."""
    if INTEGER.fullmatch(text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0+", text):  # 1000.0 from a spreadsheet
        return int(Decimal(text))
    return text


def parse_structured(text: str) -> Any:
    return _json_cell(text, dict if text.startswith("{") else list)


def _parser_for(name: str, schema_field: fields.Field) -> Callable[[str], Any]:
    special: dict[str, Callable[[str], Any]] = {
        "price_tiers": functools.partial(parse_tiers, parts={}),  # one memo per validator
        "sizes": parse_sizes,
        "carton_dimensions_cm": parse_carton,
    }
    if name in special:
        return special[name]
    if isinstance(schema_field, fields.List):
        return parse_list
    if isinstance(schema_field, fields.Integer):
        return parse_int
    if isinstance(schema_field, fields.Boolean):
        return str.lower
    if isinstance(schema_field, fields.Nested | fields.Dict):
        return parse_structured
    return lambda text: text


def _empty_value(schema_field: fields.Field) -> Any:
    """What an empty cell means for an optional field: not set."""
    if schema_field.allow_none:
        return None
    if isinstance(schema_field, fields.List):
        return []
    if isinstance(schema_field, fields.Boolean):
        return False
    if isinstance(schema_field, fields.String):
        return ""
    return missing


class RowValidator:
    """``schema_class().load`` for rows of text cells, a chunk of rows at a time, through
    marshmallow's public API only.

    ``load_all`` gives, row for row, what a plain ``Schema.load`` of the parsed cells gives,
    errors included (the tests compare the two): each column's distinct cell texts are
    deserialized once by the schema's own field (``Field.deserialize``), list items once
    per distinct item; then each row's values go through ``Schema.load`` of the same schema
    with every field dump-only and the values passed through as unknown keys, so that
    marshmallow itself runs the schema's ``@validates``, ``@validates_schema`` and
    ``@post_load`` hooks on them, as a plain load would. A row with a bad cell is loaded
    the plain way, so that its messages are exactly the API's.

    A ``@pre_load`` hook, or one that asks for the raw input (``pass_original``), would
    see loaded values instead of the parsed cells: the schema must not have one (a test
    of ``ProductInputSchema`` checks this).
    """

    def __init__(self, schema_class: type[Schema] = ProductInputSchema) -> None:
        self.schema = schema_class()
        self.hooks = schema_class(dump_only=list(self.schema.fields), unknown=INCLUDE)
        self.plan: list[tuple[Any, ...]] = []
        for name, schema_field in self.schema.load_fields.items():
            key = schema_field.data_key or name
            attribute = schema_field.attribute or name
            parse = _parser_for(key, schema_field)
            self.plan.append((key, attribute, schema_field, _loading(schema_field), parse, {}))

    def load(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values, errors) of one row; a column not in ``cells`` is not set."""
        return self.load_all([cells])[0]

    def load_all(
        self, rows: list[Mapping[str, str]]
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``(values, errors)`` of each row, validated column by column."""
        columns = []
        for key, _attribute, schema_field, loading, parse, cache in self.plan:
            texts = [cells.get(key, missing) for cells in rows]
            for text in set(texts) - cache.keys():
                cache[text] = self._cell(key, schema_field, loading, parse, text)
            columns.append([cache[text] for text in texts])
        attributes = [attribute for _key, attribute, *_rest in self.plan]
        # Most columns of a chunk have neither an error nor an unset cell: their results
        # go into each row's values as they are; only the others are looked at per row.
        checked = [
            (attribute, [ok for ok, _result in column])
            for (_key, attribute, *_rest), column in zip(self.plan, columns, strict=True)
            if not all(ok and result is not missing for ok, result in column)
        ]
        results = []
        for index, (cells, row_outcomes) in enumerate(
            zip(rows, zip(*columns, strict=True), strict=True)
        ):
            values = dict(zip(attributes, [result for _ok, result in row_outcomes], strict=True))
            bad_cell = False
            for attribute, oks in checked:
                if not oks[index]:
                    bad_cell = True
                    break
                if values[attribute] is missing:
                    del values[attribute]
            results.append(self.plain_load(cells) if bad_cell else self._run_hooks(values))
        return results

    def _run_hooks(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            return self.hooks.load(values), {}
        except ValidationError as exc:
            errors = _as_dict(exc.messages)
            # Like a plain load: a field with an error has no value, not part of one.
            return {
                k: v
                for k, v in cast(dict[str, Any], exc.valid_data or {}).items()
                if k not in errors
            }, errors

    @staticmethod
    def _cell(key, schema_field, loading, parse, text) -> tuple[bool, Any]:
        """(ok, value or messages) of one cell text (``missing``: no such column)."""
        if text is not missing:
            text = unneutralise(text.strip())
            if not text.strip():
                text = missing if schema_field.required else _empty_value(schema_field)
                if text is missing and not schema_field.required:
                    return True, missing
            else:
                try:
                    text = parse(text)
                except ValidationError as exc:
                    return False, exc.messages
        try:
            return True, loading.deserialize(text, key, None)
        except ValidationError as exc:
            return False, exc.messages

    def plain_load(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The parsed cells through a plain ``Schema.load``: the reference the fast path
        equals, and the way a row with a bad cell is loaded."""
        raw: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, _attribute, schema_field, _loading, parse, _cache in self.plan:
            text = cells.get(key)
            if text is None:
                continue
            text = unneutralise(text.strip())
            if not text.strip():
                empty = None if schema_field.required else _empty_value(schema_field)
                if empty is not None or schema_field.allow_none:
                    raw[key] = empty
                continue
            try:
                raw[key] = parse(text)
            except ValidationError as exc:
                errors[key] = exc.messages
        raw = {k: v for k, v in raw.items() if v is not missing}
        try:
            values = self.schema.load(raw)
        except ValidationError as exc:
            errors = {**_as_dict(exc.messages), **errors}
            # A field with an error has no value, not part of one.
            values = {
                k: v
                for k, v in cast(dict[str, Any], exc.valid_data or {}).items()
                if k not in errors
            }
        return values, errors


def _loading(schema_field: fields.Field) -> fields.Field:
    """The field that deserializes a column's cells: the schema's own, except that a
    plain ``List`` gets an equal ``List`` whose items are each deserialized once
    (catalogs repeat their tiers, colours and materials from row to row)."""
    if type(schema_field) is not fields.List:
        return schema_field
    inner = schema_field.inner
    options: dict[str, Any] = {}
    if schema_field.load_default is not missing:
        options["load_default"] = schema_field.load_default
    return fields.List(
        FieldByField(inner) if _loads_field_by_field(inner) else RememberedItem(inner),
        required=schema_field.required,
        allow_none=schema_field.allow_none,
        validate=schema_field.validators,
        error_messages=schema_field.error_messages,
        **options,
    )


# Nested schemas whose items are loaded field by field (``FieldByField``): they have no
# hooks, and each of their fields' results depends on its value alone. (marshmallow has
# no public way to list a schema's hooks, hence this list; the tests check it.)
FIELD_BY_FIELD_SCHEMAS = (PriceTierSchema,)
# Fields whose result depends on their value alone (not on the rest of the input).
PLAIN_FIELDS = (fields.String, fields.Number, fields.Boolean)


def _loads_field_by_field(item: fields.Field) -> TypeGuard[fields.Nested]:
    if type(item) is not fields.Nested or item.many:
        return False
    schema = item.schema
    return (
        type(schema) in FIELD_BY_FIELD_SCHEMAS
        and not schema.many
        and type(schema).handle_error is Schema.handle_error
        and all(isinstance(f, PLAIN_FIELDS) for f in schema.load_fields.values())
    )


# Scalars are remembered by (type, value): 1, True and "1" differ; a Decimal is not
# remembered (1.2 == 1.20 but they load differently), nor is a subclass of these types.
REMEMBERED_TYPES = frozenset({str, int, float, bool, type(None)})


def _memo_key(value: Any) -> Any:
    """A hashable key telling ``value`` apart from every value that could load
    differently, or None (not remembered)."""
    kind = type(value)
    if kind in REMEMBERED_TYPES:
        return (kind, value)
    if kind is dict and all(
        type(k) is str and type(v) in REMEMBERED_TYPES for k, v in value.items()
    ):
        return (dict, tuple((k, type(v), v) for k, v in value.items()))
    return None


class RememberedItem(fields.Field):
    """A list item field that deserializes each distinct value once, with ``item`` (the
    schema's own field) doing the work: its ``deserialize`` answers exactly as ``item``'s
    (missing and None included, which it hands over). A list item's result depends on
    the item alone (``List`` passes neither the key nor the enclosing data), so
    remembering it changes nothing but the time; a failure is raised again with a fresh
    copy of its messages and the same partial result."""

    def __init__(self, item: fields.Field) -> None:
        super().__init__()
        self.item = item
        self.outcomes: dict[Any, tuple[bool, Any, Any]] = {}

    def deserialize(self, value, attr=None, data=None, **kwargs):
        key = None if kwargs else _memo_key(value)
        outcome = self.outcomes.get(key) if key is not None else None
        if outcome is None:
            try:
                outcome = (True, self.item.deserialize(value, attr, data, **kwargs), None)
            except ValidationError as exc:
                outcome = (False, exc.messages, exc.valid_data)
            if key is not None:
                self.outcomes[key] = outcome
        ok, result, valid_data = outcome
        if ok:
            return result
        raise ValidationError(copy.deepcopy(result), valid_data=valid_data)


class FieldByField(fields.Field):
    """A ``Nested`` list item (a schema of ``FIELD_BY_FIELD_SCHEMAS``) loaded without a
    ``Schema.load`` per item: each of the schema's fields deserializes its value, each
    distinct value once, and the result and errors take the shape ``Schema.load`` gives
    them. Anything else (not a dict, another key, a partial load, None) goes through the
    ``Nested`` field itself."""

    def __init__(self, nested: fields.Nested) -> None:
        super().__init__()
        self.nested = nested
        schema = nested.schema
        self.dict_class = schema.dict_class
        self.plan = [
            (field_obj.data_key or name, field_obj.attribute or name, RememberedItem(field_obj))
            for name, field_obj in schema.load_fields.items()
        ]
        self.known = {key for key, *_rest in self.plan}

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if kwargs or type(value) is not dict or not value.keys() <= self.known:
            return self.nested.deserialize(value, attr, data, **kwargs)
        result = self.dict_class()
        errors = {}
        for key, attribute, field_obj in self.plan:
            try:
                output = field_obj.deserialize(value.get(key, missing), key, value)
            except ValidationError as exc:
                errors[key] = exc.messages
            else:
                if output is not missing:
                    result[attribute] = output
        if errors:
            raise ValidationError(errors, valid_data=result)
        return result


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"row": messages}
