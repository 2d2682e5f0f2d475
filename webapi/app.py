"""The application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from engine import Engine, IdentityService
from processes.catalogue import Catalogue, load_catalogue
from processes.yamlfile import DataFileError
from webapi import headers, openapi, problems, request_body, viewer
from webapi.blueprints import BLUEPRINTS, audit, cases, tasks
from webapi.config import engine_bounds, load_settings
from webapi.services import EXTENSION, Identity, Services

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The daiban API: settings from ``DAIBAN_*`` variables, overridden by ``config``.

    Loads the item catalogue (a catalogue with problems stops the app: ``DataFileError``
    listing them all) and creates the engine on ``DATABASE_URL`` (migrating its schema),
    unless ``config`` passes an ``ENGINE``.
    """
    app = Flask(__name__)
    app.config.update(load_settings(os.environ, config))
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Chinese text as UTF-8, not \\u escapes
    catalogue = _catalogue(app.config.get("CATALOGUE_DIR"))
    engine: Engine | None = app.config.get("ENGINE")
    owns_engine = engine is None
    if engine is None:
        engine = Engine(app.config.get("DATABASE_URL"), bounds=engine_bounds(app.config))
    app.extensions[EXTENSION] = Services(
        engine, _identity(engine, app.config), catalogue, owns_engine
    )
    problems.init_app(app)
    viewer.init_app(app)
    request_body.init_app(app)
    headers.init_app(app)
    api = openapi.init_app(app)
    for blueprint in (*BLUEPRINTS, cases.blp, tasks.blp, audit.blp):
        api.register_blueprint(blueprint)
    return app


def _catalogue(folder: str | None) -> Catalogue:
    try:
        return load_catalogue(Path(folder) if folder else None)
    except DataFileError as error:
        for line in error.problems:
            log.error("catalogue: %s", line)
        raise


def _identity(engine: Engine, config: Any) -> Identity:
    injected: Identity | None = config.get("IDENTITY")
    if injected is not None:
        return injected
    hours = config.get("TOKEN_HOURS")
    if hours is None:
        return engine.identity
    return IdentityService(engine.store, engine.clock, engine.org, token_hours=hours)
