"""Message payloads as the OpenAPI document publishes them: the JSON Schemas of
``engine.messages`` (the same documents the engine validates with), one component each."""

from __future__ import annotations

import copy
from typing import Any

from marshmallow import INCLUDE, Schema


class MessagePayloadSchema(Schema):
    """Any JSON object, read within the API's JSON limits: the engine checks it against
    the message's schema (published per message in place of this one)."""

    class Meta:
        unknown = INCLUDE


def component_name(message: str) -> str:
    """``rating`` -> ``RatingMessage``, ``county_decision`` -> ``CountyDecisionMessage``."""
    return "".join(part.capitalize() for part in message.split("_")) + "Message"


def openapi_schema(schema: dict[str, Any], openapi_version: str) -> dict[str, Any]:
    """``schema`` (JSON Schema 2020-12) as a Schema Object of OpenAPI ``openapi_version``.

    OpenAPI 3.1 takes it as it is (its dialect is 2020-12). OpenAPI 3.0 knows neither
    ``const`` (written as a one-value ``enum``) nor ``if``/``then`` (left out: the
    conditional requirement stays in the field's ``description``, and the server still
    refuses a body that breaks it, with the field named)."""
    published = copy.deepcopy(schema)
    published.pop("$schema", None)
    if not openapi_version.startswith("3.0"):
        return published
    converted: dict[str, Any] = _as_openapi_30(published)
    return converted


def _as_openapi_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_as_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "const":
            out["enum"] = [value]
        elif key == "allOf" and all("if" in part for part in value):
            continue
        elif key == "properties":
            out[key] = {name: _as_openapi_30(sub) for name, sub in value.items()}
        else:
            out[key] = _as_openapi_30(value)
    return out
