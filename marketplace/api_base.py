"""flask-smorest glue: the Api, Blueprint and request parser this project uses.

- The JSON body parser refuses what would otherwise become a 500 further down
  (over-deep nesting, NUL characters, lone surrogates) with a 400.
- Validation errors are reported flat (``errors: {"field": [...]}``), as the
  contract shows, instead of nested under the request location.
- Error handlers live in ``marketplace.errors`` so that pages and the API share them.
- ``Blueprint.links`` documents OpenAPI links: from a response to the operations a client
  can call next on the object it returned (schemathesis' stateful tests follow them).
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable, Mapping

import flask_smorest
import marshmallow as ma
from flask import current_app
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.datastructures import CombinedMultiDict

API_PREFIX = "/api/v1"  # where ``register_blueprints`` mounts every API blueprint
LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "view_args", "path"}


def find_bad_string(value: typing.Any, depth: int = 0, max_depth: int = 32) -> str | None:
    """Return why a decoded JSON document is unacceptable, or None."""
    if depth > max_depth:
        return f"JSON nested deeper than {max_depth} levels."
    if isinstance(value, str):
        return bad_text_reason(value)
    if isinstance(value, dict):
        items = list(value.keys()) + list(value.values())
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        reason = find_bad_string(item, depth + 1, max_depth)
        if reason:
            return reason
    return None


def bad_text_reason(text: str) -> str | None:
    if "\x00" in text:
        return "NUL characters are not allowed."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode (no lone surrogates)."
    return None


def flatten_messages(messages: typing.Any) -> typing.Any:
    """``{"json": {"email": [...]}}`` -> ``{"email": [...]}``."""
    if isinstance(messages, dict) and len(messages) == 1:
        ((location, inner),) = messages.items()
        if location in LOCATIONS and isinstance(inner, dict):
            return inner
    return messages


class NonStandardJson(ValueError):
    pass


def _reject_constant(name: str):
    raise NonStandardJson(name)


class Parser(FlaskParser):
    """webargs' Flask parser through its public hooks (``load_json``, ``handle_error``).
    Integers in query strings: the query argument schemas are ``fields.QuerySchema``s."""

    def load_json(self, req, schema):
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        if not raw.strip():
            return core.missing
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError:
            abort(400, message="Invalid JSON body: nested too deeply.")
        except NonStandardJson:
            abort(400, message="Invalid JSON body: NaN and Infinity are not JSON.")
        except ValueError:  # json.JSONDecodeError, UnicodeDecodeError
            abort(400, message="Invalid JSON body.")
        reason = find_bad_string(data, max_depth=current_app.config["MAX_JSON_DEPTH"])
        if reason:
            abort(400, message=f"Invalid JSON body: {reason}")
        return data

    def load_files(self, req, schema):
        """A multipart body's files; with the form's text fields as well for a schema that
        says ``with_form_fields = True`` (one schema documents the whole multipart body:
        flask-smorest keeps only one schema per request body)."""
        if getattr(schema, "with_form_fields", False):
            return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)
        return super().load_files(req, schema)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        abort(
            error_status_code or self.DEFAULT_VALIDATION_STATUS,
            exc=error,
            message="The request is not valid.",
            errors=flatten_messages(error.messages),
            headers=error_headers,
        )


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def errors(self, *codes: int):
        """Document error responses (the shared Error envelope) on a view."""

        def decorator(func):
            for code in codes:
                func = self.alt_response(code, response=_status_name(code))(func)
            return func

        return decorator

    def links(
        self, status: int, parameters: Mapping[str, str], **targets: str
    ) -> Callable[[typing.Any], typing.Any]:
        """Document OpenAPI links from the ``status`` response to other operations.

        ``targets`` names each link and its operation as ``"METHOD /path"`` (the path as
        the contract writes it, under ``/api/v1``, with ``{parameter}`` placeholders);
        ``parameters`` maps path parameter names to runtime expressions, e.g.
        ``{"rfq_id": "$response.body#/id"}``.  Each link receives the parameters its
        target's path has, and all of them: a link that could not be followed is an error
        here rather than a silently useless link in the spec::

            @blp.links(201, {"rfq_id": "$response.body#/id"}, getRfq="GET /rfqs/{rfq_id}")
        """
        links: dict[str, dict[str, typing.Any]] = {}
        for name, target in targets.items():
            method, path = target.split(" ", 1)
            needed = re.findall(r"{(\w+)}", path)
            missing = [parameter for parameter in needed if parameter not in parameters]
            if missing:
                raise ValueError(f"link {name} to {target}: no expression for {missing}")
            links[name] = {
                "operationRef": operation_ref(method, path),
                "parameters": {parameter: parameters[parameter] for parameter in needed},
            }
        # flask-smorest deep-merges manual docs into the generated operation, so several
        # ``links`` decorators on one view add up.
        return self.doc(responses={status: {"links": links}})


def operation_ref(method: str, path: str) -> str:
    """``("GET", "/rfqs/{rfq_id}")`` -> the JSON pointer of that operation in the spec."""
    pointer = f"{API_PREFIX}{path}".replace("~", "~0").replace("/", "~1")
    return f"#/paths/{pointer}/{method.lower()}"


def _status_name(code: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(code).name


class Api(flask_smorest.Api):
    # No catch-all "default" error response: every operation lists the error codes it
    # can answer with, so schemathesis can hold it to them.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        """Handlers are registered by ``marketplace.errors`` for pages and API alike."""

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(nullable_enum)
        self.ma_plugin.converter.add_attribute_function(unique_items)


def nullable_enum(self, field, ret, **kwargs) -> dict:
    """OpenAPI 3.0: ``nullable`` does not extend an ``enum``; list ``null`` in it too."""
    if field.allow_none and "enum" in ret and None not in ret["enum"]:
        return {"enum": [*ret["enum"], None]}
    return {}


def unique_items(self: typing.Any, field: ma.fields.Field, ret: dict, **kwargs: typing.Any) -> dict:
    """A list whose validator refuses duplicates (``unique_items = True`` on the validator,
    e.g. ``catalog.schemas.unique_list``) is documented with ``uniqueItems``."""
    if isinstance(field, ma.fields.List) and any(
        getattr(validator, "unique_items", False) for validator in field.validators
    ):
        return {"uniqueItems": True}
    return {}


class ErrorSchema(ma.Schema):
    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    errors = ma.fields.Dict()
    request_id = ma.fields.String()


Api.ERROR_SCHEMA = ErrorSchema
