"""The parser of view arguments (webargs), used by every blueprint, and the rule that
every parameter a request sends must be one its operation declares.

- JSON bodies are read by ``webapi.json_body.read_json``: depth, number, NaN and text
  limits (400/422 problems instead of Python's ``RecursionError`` or ``ValueError``).
- No text of this API (ids, codes, names, form answers) can contain the NUL character or
  a lone UTF-16 surrogate, and no database column can store them: a query parameter,
  form field, uploaded file name or body value with one is answered with 422 and the
  offending fields, on SQLite and PostgreSQL alike, before it can reach the database.
- An undeclared query parameter is a 422 on every API operation, including those that
  declare none: ``POST /tasks/{id}/complete?dry_run=true`` must not complete the task
  while the client believes it only checked it. The declared names are the ones the
  OpenAPI document lists (both come from the views' ``@blp.arguments`` schemas). The
  same holds for the form fields and files of a ``multipart/form-data`` upload.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import marshmallow
from flask import Flask, current_app, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import MultiDict

from webapi.json_body import read_json, text_problem
from webapi.problems import ApiProblem

_QUERY = frozenset({"query", "querystring"})
_FORM = frozenset({"form", "files"})
UNKNOWN_QUERY_REASON = "此接口没有这个查询参数"
UNKNOWN_FORM_REASON = "此接口没有这个表单字段"


class Parser(FlaskParser):
    def _get_schema(self, argmap: Any, req: Any) -> marshmallow.Schema:
        """The schema of a view's ``@blp.arguments``: one instance per schema class for
        the life of the process (webargs makes one per request; a schema keeps no
        state between loads, and flask-smorest reuses the instances it is given)."""
        if isinstance(argmap, type) and issubclass(argmap, marshmallow.Schema):
            return _schema_of(argmap)
        schema: marshmallow.Schema = super()._get_schema(argmap, req)
        return schema

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        return read_json(req.get_data(cache=True))

    def load_files(self, req: Any, schema: marshmallow.Schema) -> Any:
        """A ``multipart/form-data`` body's fields and files together: one schema
        (location ``files``) declares both, the operation's one request body."""
        parts = MultiDict(req.form)
        for name, upload in req.files.items(multi=True):
            parts.add(name, upload)
        return self._makeproxy(parts, schema)

    def pre_load(
        self, location_data: Any, *, schema: marshmallow.Schema, req: Any, location: str
    ) -> Any:
        if location in _QUERY:
            found = list(_bad_values(req.args, declared_names([schema])))
            if found:
                raise marshmallow.ValidationError(dict(found))
        elif location in _FORM:
            check_upload(req)
        # JSON bodies were checked as they were read; headers are latin-1 (WSGI).
        return location_data


@functools.cache
def _schema_of(kind: type[marshmallow.Schema]) -> marshmallow.Schema:
    return kind()


def _bad_values(pairs: Any, names: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """``(name, [reason])`` for each value of a multidict under ``names`` that cannot be
    stored (NUL, lone surrogate)."""
    for name in names:
        for value in pairs.getlist(name):
            reason = text_problem(value)
            if reason:
                yield name, [reason]
                break


def check_upload(req: Any) -> None:
    """422 for the unknown fields and unstorable text (values, file names) of a
    ``multipart/form-data`` upload, each error ``in`` ``form`` or ``files``."""
    view = current_app.view_functions.get(req.endpoint or "")
    declared = declared_parameters(view, _FORM) if view is not None else frozenset()
    errors: list[dict[str, str]] = []
    for where, parts in (("form", req.form), ("files", req.files)):
        for name in parts:
            if name not in declared:
                errors.append(_error(name, where, UNKNOWN_FORM_REASON))
                continue
            for part in parts.getlist(name):
                reason = text_problem(part if where == "form" else part.filename or "")
                if reason:
                    errors.append(
                        _error(name, where, reason if where == "form" else "文件名" + reason)
                    )
                    break
    if errors:
        raise ApiProblem(
            422, "validation_failed", f"请求数据有 {len(errors)} 处错误，见 errors", errors=errors
        )


def _error(name: str, where: str, reason: str) -> dict[str, str]:
    return {"field": _printable(name), "in": where, "reason": reason}


def declared_names(schemas: Iterable[Any]) -> frozenset[str]:
    """The parameter names of marshmallow schemas (classes or instances): the names a
    request sends, ``data_key`` where a field has one."""
    names: set[str] = set()
    for schema in schemas:
        instance = schema() if isinstance(schema, type) else schema
        names.update(field.data_key or name for name, field in instance.fields.items())
    return frozenset(names)


@functools.cache
def declared_parameters(view: Callable[..., Any], locations: frozenset[str]) -> frozenset[str]:
    """The names a view declares in ``locations``, from the documentation flask-smorest
    keeps on it (``@blp.arguments`` schemas and hand-written ``@blp.doc`` parameters):
    the source of the OpenAPI document, so what is accepted is what is documented."""
    doc: dict[str, Any] = getattr(view, "_apidoc", {})
    arguments = doc.get("arguments", {}).get("parameters", [])
    names = declared_names(a["schema"] for a in arguments if a.get("in") in locations)
    manual = doc.get("manual_doc", {}).get("parameters", [])
    return names | {p["name"] for p in manual if isinstance(p, dict) and p.get("in") in locations}


def is_operation(view: Callable[..., Any] | None) -> bool:
    """Whether a view is an operation of the API (pages and their files are not)."""
    return view is not None and hasattr(view, "_apidoc")


def check_query() -> None:
    """422 for every query parameter the request's operation does not declare."""
    if request.routing_exception is not None or not request.args:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not is_operation(view):
        return
    declared = declared_parameters(view, _QUERY)
    unknown = sorted(set(request.args) - declared)
    if unknown:
        allowed = "、".join(sorted(declared)) if declared else "无"
        raise ApiProblem(
            422,
            "validation_failed",
            f"请求数据有 {len(unknown)} 处错误，见 errors（此接口的查询参数：{allowed}）",
            errors=[_error(name, "query", UNKNOWN_QUERY_REASON) for name in unknown],
        )


def _printable(name: str) -> str:
    return name.replace("\x00", "\\u0000")


def init_app(app: Flask) -> None:
    app.before_request(check_query)


PARSER = Parser()
