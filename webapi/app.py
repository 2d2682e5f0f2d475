"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from engine import Engine, logs
from processes.catalogue import Catalogue, load_catalogue
from processes.yamlfile import DataFileError
from webapi import (
    console,
    headers,
    metrics,
    openapi,
    problems,
    progress_page,
    rating_page,
    request_body,
    request_log,
    viewer,
)
from webapi.blueprints import BLUEPRINTS, audit, cases, messages, tasks
from webapi.config import load_settings
from webapi.services import EXTENSION, Identity, Services
from webapi.settings import Settings, build_engine, configure_logging
from webapi.startup import StartRefused, check_start

log = logs.get_logger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The daiban API: settings from ``DAIBAN_*`` variables, overridden by ``config``.

    Loads the item catalogue (a catalogue with problems stops the app: ``DataFileError``
    listing them all) and creates the engine from the settings (migrating its schema),
    unless ``config`` passes an ``ENGINE``. Outside a demo or training database it refuses
    (``webapi.startup.StartRefused``) accounts with the demo password and an SMS gateway
    without its key: under gunicorn the worker then fails to boot, saying why.
    """
    app = Flask(__name__)
    app.config.update(load_settings(os.environ, config))
    settings: Settings = app.config["SETTINGS"]
    if not app.testing and not logging.getLogger().handlers:
        # Served by gunicorn or another WSGI server that left logging alone: log lines to
        # standard error. (`daiban` configures logging itself; so do pytest and hosts.)
        configure_logging(settings)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Chinese text as UTF-8, not \\u escapes
    engine: Engine | None = app.config.get("ENGINE")
    owns_engine = engine is None
    if engine is None:
        # The catalogue first: a broken one stops the app before the database is touched.
        catalogue = _catalogue(lambda: load_catalogue(settings.catalogue_dir))
        engine = build_engine(settings, catalogue=catalogue)
        if settings.demo_org:
            # Fine for a try-out; in production DAIBAN_ORG_FILE names the county's own.
            log.warning("demo_organisation_in_use", reason="DAIBAN_ORG_FILE unset")
    else:
        catalogue = _catalogue(lambda: engine.catalogue)
    engine.notices.templates  # noqa: B018 (a broken notices.yaml stops the app, not a case change)
    try:
        check_start(engine, settings)
    except StartRefused:
        if owns_engine:
            engine.close()
        raise
    app.extensions[EXTENSION] = Services(
        engine, _identity(engine, settings, app.config), catalogue, owns_engine
    )
    request_log.init_app(app)  # first: the request id is bound before any other hook runs
    metrics.init_app(app, engine)
    problems.init_app(app)
    viewer.init_app(app)
    console.init_app(app)
    progress_page.init_app(app)
    rating_page.init_app(app)
    request_body.init_app(app)
    headers.init_app(app)
    api = openapi.init_app(app)
    for blueprint in (*BLUEPRINTS, cases.blp, messages.blp, tasks.blp, audit.blp):
        api.register_blueprint(blueprint)
    return app


def _catalogue(load: Callable[[], Catalogue]) -> Catalogue:
    try:
        return load()
    except DataFileError as error:
        for line in error.problems:
            log.error("catalogue_invalid", problem=line)
        raise


def _identity(engine: Engine, settings: Settings, config: Any) -> Identity:
    injected: Identity | None = config.get("IDENTITY")
    if injected is not None:
        return injected
    if settings.token_hours == engine.token_hours:
        return engine.identity
    # An engine passed in with other token hours than the settings': the settings win.
    return engine.identity_with(settings.token_hours)
