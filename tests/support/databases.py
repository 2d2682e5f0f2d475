"""Databases for the tests, copied from templates prepared once per session.

Every test or module still gets a database of its own (a SQLite file, or a PostgreSQL
schema); what differs is how it starts. Deploying the catalogue lints and stores about
130 processes (seconds); migrating an empty database runs every Alembic migration. Both
are done once per session into a template, and each database that needs them starts as
a copy (``engine.store.testing.copy_database``): rows, triggers and sequences exactly as
the template has them, so a copy behaves as a database freshly deployed the same way
(``tests/integration/test_templates.py`` checks it). A template is keyed by the content
of the files deployed, so a changed BPMN file makes a new one.

Compiled processes are cached per engine (``DefinitionRegistry``), never per template:
an engine on a copy parses what it runs itself, like an engine on a fresh database.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from engine import DirectoryStore, Engine, ManualClock, SourceFile, read_sources
from engine.clock import SHANGHAI
from engine.store.testing import copy_database, isolated_database
from processes.catalogue import Catalogue
from processes.org import Organization

# Thursday 2026-09-24, 09:00 in Qu County: when the tests' clocks start, and so when the
# templates' processes are deployed (their versions' created_at).
START = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)

T = TypeVar("T")
Deployed = Sequence[Path] | Sequence[SourceFile]


@dataclass(frozen=True)
class Prepared(Generic[T]):
    """A template with a data set: its URL, what the builder returned, and the time the
    builder's clock showed at the end (where a copy's clock goes on from)."""

    template: str
    value: T
    now: datetime


class Databases:
    """Fresh databases, each a copy of the template for what it has deployed."""

    def __init__(
        self, base_url: str | None, folder: Path, catalogue: Catalogue, org: Organization
    ) -> None:
        self.base_url, self.folder = base_url, folder
        self.files = DirectoryStore(folder / "files")
        self.catalogue, self.org = catalogue, org
        self._templates: dict[tuple[Any, ...], str] = {}
        self._prepared: dict[tuple[Any, ...], Prepared[Any]] = {}
        self._shared: dict[int, tuple[weakref.ref[Engine], dict[str, Any]]] = {}
        self._stack = ExitStack()

    def template(self, deployed: Deployed = (), at: datetime = START) -> str:
        """The URL of the template with ``deployed`` (folders/files, or sources) stored as
        by ``engine.definitions.deploy`` at ``at``; made on first use."""
        sources = _sources(deployed)
        key = (at, *((s.path, s.content_hash) for s in sources))
        if key not in self._templates:
            url = self._stack.enter_context(isolated_database(self.base_url, self.folder))
            engine = self._engine(url, ManualClock(at))
            try:
                if sources:
                    engine.definitions.deploy(sources)
            finally:
                engine.close()
            self._templates[key] = url
        return self._templates[key]

    def prepared(
        self,
        name: str,
        build: Callable[[Engine, ManualClock], T],
        deployed: Deployed = (),
        at: datetime = START,
    ) -> Prepared[T]:
        """A template holding a data set: ``build`` runs once per session, on an engine
        whose clock starts at ``at`` (``deployed`` already deployed); what it returns is
        kept with the template. ``name`` says which data set (one builder per name)."""
        sources = _sources(deployed)
        key = (name, at, *((s.path, s.content_hash) for s in sources))
        if key not in self._prepared:
            url = self._stack.enter_context(
                isolated_database(self.base_url, self.folder, template=self.template(sources, at))
            )
            clock = ManualClock(at)
            engine = self._engine(url, clock)
            try:
                value = build(engine, clock)
            finally:
                engine.close()
            self._prepared[key] = Prepared(url, value, clock.now())
        found: Prepared[T] = self._prepared[key]
        return found

    @contextmanager
    def engine(
        self,
        clock: ManualClock,
        deployed: Deployed = (),
        at: datetime = START,
        *,
        template: str | None = None,
        url: str | None = None,
        **options: Any,
    ) -> Iterator[Engine]:
        """An engine on a new database: a copy of ``template`` (a URL from ``template()``
        or ``prepared()``), else of the template with ``deployed`` (nothing: just
        migrated). ``url``: that new database is this empty one (``isolated_database``).
        ``options`` go to ``Engine`` (the shared catalogue and org unless given)."""
        source = template or self.template(deployed, at)
        with ExitStack() as stack:
            if url is None:
                url = stack.enter_context(
                    isolated_database(self.base_url, self.folder, template=source)
                )
            else:
                copy_database(source, url)
            engine = self._engine(url, clock, **options)
            try:
                yield engine
            finally:
                self._shared.pop(id(engine), None)
                engine.close()

    def shared(self, engine: Engine, name: str, make: Callable[[], T]) -> T:
        """One ``name`` (an app, a token set) per engine: a module that shares one engine
        shares it, a test with its own engine gets its own. Dropped with the engine."""
        owner, held = self._shared.get(id(engine), (None, {}))
        if owner is None or owner() is not engine:  # another engine had this id before
            held = {}
            self._shared[id(engine)] = (weakref.ref(engine), held)
        if name not in held:
            held[name] = make()
        value: T = held[name]
        return value

    def close(self) -> None:
        self._stack.close()

    def _engine(self, url: str, clock: ManualClock, **options: Any) -> Engine:
        options.setdefault("catalogue", self.catalogue)
        options.setdefault("org", self.org)
        # One content-addressed store for every database of the session: a copy of a
        # template refers to the files its builder stored, and equal bytes are one file.
        options.setdefault("files", self.files)
        return Engine(url, clock, **options)


def _sources(deployed: Deployed) -> list[SourceFile]:
    if all(isinstance(item, SourceFile) for item in deployed):
        return [item for item in deployed if isinstance(item, SourceFile)]
    return read_sources([Path(str(item)) for item in deployed])
