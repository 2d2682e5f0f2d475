"""The parser of view arguments (webargs), used by every blueprint: refuses U+0000.

No text of this API (ids, codes, names, form answers) can contain the NUL character, and
PostgreSQL cannot store it in a text column: a query parameter or body value with one is
answered with 422 and the offending fields, on SQLite and PostgreSQL alike, before it can
reach the database. Undeclared query parameters are ignored, as they are otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import marshmallow
from webargs.flaskparser import FlaskParser

NUL = "\x00"
NUL_REASON = "不能包含 NUL 字符（U+0000）"
_QUERY = frozenset({"query", "querystring"})
_BODY = frozenset({"json", "form", "json_or_form"})


class Parser(FlaskParser):
    def pre_load(
        self, location_data: Any, *, schema: marshmallow.Schema, req: Any, location: str
    ) -> Any:
        if location in _QUERY:
            declared = {field.data_key or name for name, field in schema.fields.items()}
            found = [
                name
                for key in req.args
                if key in declared
                for value in req.args.getlist(key)
                for name in _with_nul(value, key)
            ]
        elif location in _BODY:
            found = list(_with_nul(location_data, ""))
        else:
            return location_data
        if found:
            raise marshmallow.ValidationError({name: [NUL_REASON] for name in found})
        return location_data


def _with_nul(value: Any, path: str) -> Iterator[str]:
    """The dotted path of every string (value or key) in ``value`` that holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key).replace(NUL, "\\u0000")
            child = f"{path}.{name}" if path else name
            if NUL in str(key):
                yield child
            else:
                yield from _with_nul(item, child)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _with_nul(item, path)


PARSER = Parser()
