"""Import cells -> product values, validated by ``ProductInputSchema``'s own fields and
hooks, so that a row is refused exactly when the API would refuse the same product.

Speed: a catalog repeats its categories, tiers, sizes and colours on every row, so each
distinct cell text of a column is parsed and deserialized once by that column's field and
remembered; a nested schema of plain fields (the price tiers) is loaded field by field,
each distinct value once; the schema's ``@validates``/``@validates_schema``/``@post_load``
hooks then run on each row's values through marshmallow's own hook runners.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields
from marshmallow.decorators import POST_DUMP, POST_LOAD, PRE_DUMP, VALIDATES, VALIDATES_SCHEMA
from marshmallow.error_store import ErrorStore
from marshmallow.utils import missing

from marketplace.catalog.exporter import unneutralise
from marketplace.catalog.schemas import ProductInputSchema

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
    special = {
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


# Hook tags a row's values go through here exactly as ``Schema.load`` runs them. Any
# other hook (``@pre_load`` rewrites the raw input before the fields see it) or a hook that
# asks for the raw input (``pass_original``) sends every row through a plain load instead.
ROW_HOOKS = frozenset({VALIDATES, VALIDATES_SCHEMA, POST_LOAD})
DUMP_HOOKS = frozenset({PRE_DUMP, POST_DUMP})


def runs_every_hook_per_row(schema: Schema) -> bool:
    """Whether ``RowValidator``'s fast path applies every load hook of ``schema``."""
    tags = {tag for tag, hooks in schema._hooks.items() if hooks}
    if tags - ROW_HOOKS - DUMP_HOOKS:
        return False
    return not any(
        options.get("pass_original")
        for tag in (VALIDATES_SCHEMA, POST_LOAD)
        for _name, _many, options in schema._hooks[tag]
    )


class RowValidator:
    """``schema_class().load`` for rows of text cells (see the module docstring).

    ``load`` gives what a plain ``Schema.load`` of the parsed cells gives, errors
    included (the test suite compares the two). ``exact`` is False when the schema has a
    hook the fast path cannot run: every row is then loaded the plain way.
    """

    def __init__(self, schema_class: type[Schema] = ProductInputSchema) -> None:
        self.schema = schema_class()  # its field instances are made faster below
        self.plain_schema = schema_class()
        self.exact = runs_every_hook_per_row(self.schema)
        # Schema._do_load runs the pass_many=True validators, then the others.
        many = {hook_many for _name, hook_many, _opts in self.schema._hooks[VALIDATES_SCHEMA]}
        self.validator_passes = [flag for flag in (True, False) if flag in many]
        self.plan = []
        for name, schema_field in self.schema.load_fields.items():
            if isinstance(schema_field, fields.List):
                # Lists differ from row to row, their items (tiers, colours) much less.
                inner = schema_field.inner
                if isinstance(inner, fields.Nested):
                    _load_field_by_field(inner)
                inner.deserialize = _remembering(inner.deserialize)  # this instance only
            key = schema_field.data_key or name
            attribute = schema_field.attribute or name
            self.plan.append((key, attribute, schema_field, _parser_for(key, schema_field), {}))

    def load(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values, errors) of one row; a column not in ``cells`` is not set."""
        if not self.exact:
            return self._load_slowly(cells)
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, attribute, schema_field, parse, cache in self.plan:
            text = cells.get(key, missing)  # missing: the column is not in the file
            outcome = cache.get(text)
            if outcome is None:
                if text is missing:
                    outcome = cache[text] = self._deserialize(schema_field, missing)
                else:
                    outcome = cache[text] = self._cell(key, schema_field, parse, text)
            ok, result = outcome
            if not ok:
                errors[key] = copy.deepcopy(result)  # the remembered outcome stays intact
            elif result is not missing:
                values[attribute] = result
        return self._run_hooks(values, errors)

    def load_all(
        self, rows: list[Mapping[str, str]]
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``[self.load(cells) for cells in rows]``, column by column (the same outcomes,
        with less work per cell)."""
        if not self.exact:
            return [self._load_slowly(cells) for cells in rows]
        columns = []
        for key, _attribute, schema_field, parse, cache in self.plan:
            texts = [cells.get(key, missing) for cells in rows]
            for text in set(texts) - cache.keys():
                if text is missing:
                    cache[text] = self._deserialize(schema_field, missing)
                else:
                    cache[text] = self._cell(key, schema_field, parse, text)
            columns.append([cache[text] for text in texts])
        attributes = [attribute for _key, attribute, *_rest in self.plan]
        # Most columns of a chunk have neither an error nor an unset cell: their results
        # go into each row's values as they are; only the others are looked at per row.
        checked = [
            (key, attribute, [ok for ok, _result in column])
            for (key, attribute, *_rest), column in zip(self.plan, columns, strict=True)
            if not all(ok and result is not missing for ok, result in column)
        ]
        results = []
        outcome_rows = zip(*columns, strict=True)
        for index, row_outcomes in enumerate(outcome_rows):
            values = dict(zip(attributes, [result for _ok, result in row_outcomes], strict=True))
            errors = {}
            for key, attribute, oks in checked:
                if not oks[index]:
                    # The remembered outcome stays intact.
                    errors[key] = copy.deepcopy(values.pop(attribute))
                elif values[attribute] is missing:
                    del values[attribute]
            results.append(self._run_hooks(values, errors))
        return results

    def _run_hooks(
        self, values: dict[str, Any], errors: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The schema's hooks on one row's field results, as ``Schema._do_load`` runs them
        (with marshmallow's own runners): field validators, schema validators (those
        with ``skip_on_field_errors`` only without field errors), then post-load."""
        schema = self.schema
        hooks = schema._hooks
        store = ErrorStore()
        store.errors = errors
        if hooks[VALIDATES]:
            schema._invoke_field_validators(error_store=store, data=values, many=False)
        if hooks[VALIDATES_SCHEMA]:
            field_errors = bool(store.errors)
            for pass_collection in self.validator_passes:
                schema._invoke_schema_validators(
                    error_store=store,
                    pass_collection=pass_collection,
                    data=values,
                    original_data=values,
                    many=False,
                    partial=None,
                    field_errors=field_errors,
                    unknown=schema.unknown,
                )
        errors = store.errors
        if not errors and hooks[POST_LOAD]:
            try:
                values = schema._invoke_load_processors(
                    POST_LOAD,
                    values,
                    many=False,
                    original_data=values,
                    partial=None,
                    unknown=schema.unknown,
                )
            except ValidationError as exc:
                errors = exc.normalized_messages()
        if errors:
            # Like a plain load: a field with an error has no value, not part of one.
            values = {k: v for k, v in values.items() if k not in errors}
        return values, errors

    def _cell(self, key, schema_field, parse, text: str) -> tuple[bool, Any]:
        text = unneutralise(text.strip())
        if not text.strip():
            if schema_field.required:
                return self._deserialize(schema_field, missing)
            empty = _empty_value(schema_field)
            return (True, missing) if empty is missing else self._deserialize(schema_field, empty)
        try:
            value = parse(text)
        except ValidationError as exc:
            return False, exc.messages
        return self._deserialize(schema_field, value, key)

    @staticmethod
    def _deserialize(schema_field, value, key=None) -> tuple[bool, Any]:
        try:
            return True, schema_field.deserialize(value, key, None)
        except ValidationError as exc:
            return False, exc.messages

    def _load_slowly(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The parsed cells through a plain ``Schema.load`` of an untouched schema."""
        raw: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, _attribute, schema_field, parse, _cache in self.plan:
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
            values = self.plain_schema.load(raw)
        except ValidationError as exc:
            errors = {**_as_dict(exc.messages), **errors}
            # Like the fast path: a field with an error has no value, not part of one.
            values = {k: v for k, v in (exc.valid_data or {}).items() if k not in errors}
        return values, errors


# Values of these types are remembered by (type, value); a Decimal is not (1.2 == 1.20).
REMEMBERED_TYPES = (str, int, float, bool, type(None), type(missing))
# Fields whose result depends on their value alone (not on the rest of the input).
PLAIN_FIELDS = (fields.String, fields.Number, fields.Boolean)


def _load_field_by_field(nested: fields.Nested) -> None:
    """Let this ``Nested`` instance load a dict of its schema's keys without a
    ``Schema.load`` per item: each of the nested schema's fields deserializes its value
    (each distinct value once), as ``Schema._deserialize`` calls it, and the errors take
    the same shape. Any other input (another key, not a dict, a partial load) still goes
    through the schema's ``load``; so does every item of a schema with hooks, a custom
    ``handle_error``, or a field whose result may depend on the rest of the input."""
    schema = nested.schema
    if schema.many or nested.many or any(schema._hooks.values()):
        return
    if type(schema).handle_error is not Schema.handle_error:
        return
    if not all(isinstance(f, PLAIN_FIELDS) for f in schema.load_fields.values()):
        return
    plan = [
        (field_obj.data_key or name, field_obj.attribute or name, field_obj, {})
        for name, field_obj in schema.load_fields.items()
    ]
    known = {key for key, *_ in plan}
    schema_load = nested._load

    def load(value: Any, partial: Any = None) -> Any:
        if partial is not None or type(value) is not dict or not value.keys() <= known:
            return schema_load(value, partial=partial)
        result = schema.dict_class()
        errors = {}
        for key, attribute, field_obj, outcomes in plan:
            raw = value.get(key, missing)
            remembered = isinstance(raw, REMEMBERED_TYPES)
            outcome = outcomes.get((type(raw), raw)) if remembered else None
            if outcome is None:
                try:
                    outcome = (True, field_obj.deserialize(raw, key, value))
                except ValidationError as exc:
                    outcome = (False, exc.messages)
                if remembered:
                    outcomes[(type(raw), raw)] = outcome
            ok, output = outcome
            if not ok:
                errors[key] = copy.deepcopy(output)
            elif output is not missing:
                result[attribute] = output
        if errors:
            raise ValidationError(errors, valid_data=result)
        return result

    nested._load = load  # this instance only


def _remembering(deserialize: Callable) -> Callable:
    """``Field.deserialize`` that computes each distinct value's outcome once.

    A scalar is told apart by type and value (``1``, ``True`` and ``"1"`` differ); a list
    or dict by identity: the parsers hand out one object per distinct text (see
    ``parse_tiers``) and never mutate it, and it is kept alive here so that its id is
    not reused. An equal container that is another object is simply deserialized again.
    """
    outcomes: dict[Any, tuple[Any, tuple[bool, Any]]] = {}

    def wrapper(value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        if kwargs or value is missing:
            return deserialize(value, attr, data, **kwargs)
        if isinstance(value, dict | list):
            key: Any = id(value)
            seen = outcomes.get(key)
            known = seen is not None and seen[0] is value
        else:
            key = (type(value), value)
            try:
                seen = outcomes.get(key)
            except TypeError:  # unhashable
                return deserialize(value, attr, data)
            known = seen is not None
        if known:
            outcome = seen[1]
        else:
            try:
                outcome = (True, deserialize(value, attr, data))
            except ValidationError as exc:
                outcome = (False, (exc.messages, exc.valid_data))
            outcomes[key] = (value, outcome)
        if outcome[0]:
            return outcome[1]
        messages, valid_data = outcome[1]
        raise ValidationError(copy.deepcopy(messages), valid_data=valid_data)

    return wrapper


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"row": messages}
