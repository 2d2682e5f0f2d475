"""flask-smorest, typed: the few parts of its API that ``webapi`` uses.

flask-smorest ships no type hints; under ``mypy --strict`` every decorator of it would
make each view untyped. The declarations below are what mypy sees; at run time the
names are flask-smorest's own classes (``Blueprint`` with the argument parser of
``webapi.arguments``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["Api", "Blueprint", "Upload", "View", "stacked"]

View = TypeVar("View", bound=Callable[..., Any])


def stacked(*decorators: Callable[[View], View]) -> Callable[[View], View]:
    """The decorators as one, applied as if written above a view in this order (the
    last one first): for several views that share a route's documentation."""

    def decorate(view: View) -> View:
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return decorate


if TYPE_CHECKING:
    import flask
    import marshmallow
    from apispec import APISpec
    from werkzeug.exceptions import HTTPException

    class Api:
        ERROR_SCHEMA: Any
        DEFAULT_ERROR_RESPONSE_NAME: str | None
        DEFAULT_RESPONSE_CONTENT_TYPE: str
        spec: APISpec

        def __init__(
            self, app: flask.Flask | None = None, *, spec_kwargs: dict[str, Any] | None = None
        ) -> None: ...
        def register_blueprint(self, blp: Blueprint, **options: Any) -> None: ...
        def handle_http_exception(self, error: HTTPException) -> Any: ...
        def _register_responses(self) -> None: ...
        def _register_pagination_header(self) -> None: ...

    class Blueprint(flask.Blueprint):
        def __init__(
            self, name: str, import_name: str, *, url_prefix: str, description: str = ""
        ) -> None: ...
        def route(self, rule: str, **options: Any) -> Callable[[View], View]: ...
        def arguments(self, schema: Any, **kwargs: Any) -> Callable[[View], View]: ...
        def response(
            self, status_code: int, schema: Any = None, **kwargs: Any
        ) -> Callable[[View], View]: ...
        def alt_response(
            self, status_code: int, response: str | None = None, **kwargs: Any
        ) -> Callable[[View], View]: ...
        @staticmethod
        def doc(**kwargs: Any) -> Callable[[View], View]: ...

    class Upload(marshmallow.fields.Field[Any]):
        def __init__(self, format: str = "binary", **kwargs: Any) -> None: ...

else:
    import flask_smorest
    from flask_smorest import Api
    from flask_smorest.fields import Upload

    from webapi.arguments import PARSER

    class Blueprint(flask_smorest.Blueprint):
        ARGUMENTS_PARSER = PARSER  # refuses NUL characters (webapi.arguments)
