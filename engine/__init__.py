"""daiban's engine: runs BPMN cases safely, persists them, replays their history.

The only package that imports SpiffWorkflow; its ``store`` is the only one that
imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from engine.absences import AbsenceService, registered_since
from engine.attachments import AttachmentService
from engine.audit import Auditor, ReplayedState, VerifyReport
from engine.batch import BatchService
from engine.calendar import use_holiday_file
from engine.cases import SYSTEM, Actor, CaseService, CaseView, TickReport
from engine.clock import OFFSET_TTL, Clock, DatabaseClock, ManualClock, SystemClock
from engine.database import default_files_dir
from engine.definitions.compiler import SourceFile, lint, read_sources
from engine.definitions.registry import DefinitionRegistry, DeployResult
from engine.documents import DocumentService, Templates
from engine.errors import (
    ConflictError,
    DataValidationError,
    DefinitionError,
    EngineError,
    Forbidden,
    InvalidState,
    LoginLocked,
    NotAuthenticated,
    NotFound,
    OutcomeUnknown,
    Problem,
    ScriptError,
    TooManyRequests,
    Unavailable,
)
from engine.exports.common import ExportSource
from engine.files import DirectoryStore, FileStore, MemoryStore
from engine.identity import DEFAULT_TOKEN_HOURS, IdentityService, IssuedToken, Principal
from engine.ledger.service import LedgerService
from engine.metrics import Meter
from engine.notices import NoticeService
from engine.operations import Operations
from engine.people import PeopleService
from engine.progress import ProgressService
from engine.ratings import RatingLinks, RatingService
from engine.records import (
    CaseFilter,
    CaseRecord,
    CaseScope,
    EventRecord,
    IndexChange,
    TrainingSetting,
)
from engine.registration import RegistrationService
from engine.runs import RunService
from engine.runtime.bounds import EngineBounds
from engine.stats import facts as figure_facts
from engine.stats.service import StatsService
from engine.steps import DEFAULT_WARNING_SHARE
from engine.store import DatabasePool, Store, UnitOfWork
from engine.store.database import DEFAULT_URL as DEFAULT_DATABASE_URL
from engine.training import TrainingService
from processes import resources
from processes.catalogue import Catalogue, load_catalogue
from processes.org import TOWNSHIP_STAFF_ROLES, Organization, load_org

DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


class Engine:
    """The composition root: every service, built once from explicit values.

    Nothing here reads the environment: ``webapi.settings`` reads the ``DAIBAN_*``
    variables and passes their values (``build_engine``). ``definitions``, ``cases`` and
    ``audit`` are built at once; the services that need the organisation or the catalogue
    (``identity``, ``absences``, ``people``, ``registration``, ``ledger``, ``stats``) on
    first use, so an engine that never needs those files never reads them.

    ``org``/``catalogue``: already loaded (tests), else read from ``org_file`` (None: the
    demo organisation) and ``catalogue_dir`` (None: the shipped catalogue).
    ``holiday_file`` (None: the shipped ``processes/holidays.yaml``) becomes the
    process-wide calendar the BPMN script helpers use (``engine.calendar``).

    ``files`` (None: memory for an in-memory database, else the folder ``<database
    file>.files`` beside a SQLite file, else ``daiban-files`` in the working directory) is
    the content-addressed store of issued documents and attached scans (``engine.files``).

    ``clock`` (None: the system clock) is the wall clock: logins, tokens and deployments
    run on it. Cases, the ledger and the figures run on ``self.clock``, which is the wall
    clock plus the offset of a training or demo database (``engine.training``; none on a
    production database), read from the database at most once a second
    (``engine.clock.OFFSET_TTL``) and inside every transaction that writes an event.
    """

    def __init__(
        self,
        database_url: str | None = None,
        clock: Clock | None = None,
        *,
        migrate: bool = True,
        cache_size: int = 1000,
        bounds: EngineBounds | None = None,
        org: Organization | None = None,
        org_file: Path | None = None,
        catalogue: Catalogue | None = None,
        catalogue_dir: Path | None = None,
        holiday_file: Path | None = None,
        warning_share: float = DEFAULT_WARNING_SHARE,
        token_hours: float = DEFAULT_TOKEN_HOURS,
        files: FileStore | None = None,
        public_url: str = DEFAULT_PUBLIC_URL,
        documents_dir: Path | None = None,
        pool: DatabasePool | None = None,
    ) -> None:
        self.wall_clock: Clock = clock or SystemClock()
        self.calendar = use_holiday_file(holiday_file)
        self.holiday_file = holiday_file
        self.warning_share = warning_share
        self.token_hours = token_hours
        self.store = Store(database_url, pool)
        self.files: FileStore = files or _default_files(self.store)
        # Where residents reach the public pages (progress lookup, rating): the links in
        # documents' QR codes and in notices start with it (DAIBAN_PUBLIC_URL).
        self.public_url = public_url.rstrip("/")
        if migrate:
            try:
                self.store.migrate()
                # What the cases contribute to the figures, for those that have no row
                # yet (after migration 0026, or cases copied in by other means).
                figure_facts.fill(self.store, self.calendar)
            except BaseException:
                self.store.dispose()  # no pooled connection left to the garbage collector
                raise
        # An in-memory database is this process's alone: its flag changes only here.
        private = self.store.in_memory
        self.clock = DatabaseClock(
            self.wall_clock, self._training_setting, float("inf") if private else OFFSET_TTL
        )
        if private and migrate:
            self.clock.setting()  # read now: never from inside a transaction later
        self.training = TrainingService(self.store, self.clock, self.wall_clock)
        # The registry applies the bounds at deployment and hands them, with every
        # compiled process, to case changes and to replay alike.
        self.bounds = bounds or EngineBounds()
        self.definitions = DefinitionRegistry(self.store, self.wall_clock, bounds=self.bounds)
        self.cases = CaseService(
            self.store, self.definitions, self.clock, cache_size, warning_share=warning_share
        )
        self.audit = Auditor(self.store, self.definitions, self.files)
        self.operations = Operations(self.store, self.clock)  # health checks, metrics
        self.cases.changes.keep_figures = self._keep_figures  # what a case contributes
        self.cases.changes.observers.append(self.ratings.links.observe)  # rating links
        self.cases.commands.staff_check = self._works_in  # officers named on forms
        self._org, self._org_file = org, org_file
        self._catalogue, self._catalogue_dir = catalogue, catalogue_dir
        # The notice outbox is written in every change's transaction (built on first use).
        self.cases.changes.observers.append(lambda *change: self.notices.observe(*change))
        self.documents_dir = documents_dir  # a county's own document templates (file by file)
        # A payout list's step waits until its lines are right (engine.batch).
        self.cases.changes.observers.append(lambda *change: self.batches.observe(*change))

    @cached_property
    def org(self) -> Organization:
        """The organisation: as given, else ``org_file``, else the demo organisation."""
        return self._org if self._org is not None else load_org(self._org_file)

    def rebuild_figures(self, progress: Callable[[int], None] | None = None) -> int:
        """Compute again from every case's history what it contributes to the figures
        (after a change to the holiday overrides: two counts are working days). The
        figures are incomplete until it ends. The number of cases."""
        return figure_facts.fill(self.store, self.calendar, everything=True, progress=progress)

    def _keep_figures(
        self,
        uow: UnitOfWork,
        before: CaseRecord | None,
        after: CaseRecord,
        change: IndexChange,
        events: Sequence[EventRecord],
    ) -> None:
        figure_facts.keep_change(uow, before, after, change, events, self.calendar)

    def _works_in(self, unit: str | None, user: str) -> bool:
        """Whether ``user`` is on the staff of township ``unit`` (a case's). A case of no
        township (a dry run, ``daiban simulate``) has no staff to check against."""
        if unit is None:
            return True
        person = self.org.users.get(user)
        return (
            person is not None
            and person.unit == unit
            and bool(TOWNSHIP_STAFF_ROLES.intersection(person.roles))
        )

    @cached_property
    def catalogue(self) -> Catalogue:
        """The item catalogue: as given, else ``catalogue_dir``, else the shipped one."""
        given = self._catalogue
        return given if given is not None else load_catalogue(self._catalogue_dir)

    @cached_property
    def identity(self) -> IdentityService:
        return IdentityService(self.store, self.wall_clock, self.org, token_hours=self.token_hours)

    @cached_property
    def runs(self) -> RunService:
        """Scheduled pickup and delivery runs of the mobile posts (定期取件/定期送件)."""
        return RunService(self)

    @cached_property
    def absences(self) -> AbsenceService:
        """The absence register (离岗登记) and the organisation with it (``current_org``)."""
        return AbsenceService(self.store, self.clock, self.org)

    @cached_property
    def people(self) -> PeopleService:
        return PeopleService(self.absences, self.identity)

    def current_org(self) -> Organization:
        """The organisation with the absences registered in the database now (read on
        every call, so a registration counts at once in every process): what the
        policy, the work queues, the candidates of a task and assignment decide with.
        ``org`` is the organisation file's alone (units, staff, names, its absences)."""
        return self.absences.organization()

    def caller(
        self, token: str, identity: IdentityService | None = None
    ) -> tuple[Principal, Organization]:
        """Who holds ``token`` (by ``identity``, default the engine's) and the organisation
        with the absences registered now (``current_org``), read in one transaction:
        what every request with a token starts with."""
        identity = identity or self.identity
        day = self.absences.today()  # before the transaction: the clock may read the database
        with self.store.unit_of_work(write=False) as uow:
            found, absences = identity.token_and_absences(uow, token, registered_since(day))
        # Tokens expire by the identity service's clock (never a training database's).
        return identity.holder(found, identity.clock.now()), self.absences.with_registered(absences)

    @cached_property
    def registration(self) -> RegistrationService:
        return RegistrationService(self, self.catalogue)

    @cached_property
    def attachments(self) -> AttachmentService:
        """材料附件: scans attached to cases (``engine.attachments``)."""
        return AttachmentService(self.store, self.cases.changes, self.files, self.catalogue)

    @cached_property
    def batches(self) -> BatchService:
        """年度发放清册: yearly payout lists (``engine.batch``)."""
        return BatchService(self)

    @cached_property
    def ledger(self) -> LedgerService:
        return LedgerService(self.store, self.clock, self.org)

    @cached_property
    def progress(self) -> ProgressService:
        """办件进度查询: the public, anonymous progress lookup (``engine.progress``)."""
        names = {item.code: item.name for item in self.catalogue}
        return ProgressService(
            self.store, self.cases.cache, self.clock, self.wall_clock, self.org, names
        )

    @cached_property
    def ratings(self) -> RatingService:
        """好差评: the resident's one-time rating link, entered ratings, appeals."""
        links = RatingLinks(
            self.store,
            self.cases.cache,
            self.wall_clock,
            self.public_url,
            lambda: self.org,
            lambda: {item.code: item.name for item in self.catalogue},
        )
        return RatingService(self.cases.changes, links)

    @cached_property
    def notices(self) -> NoticeService:
        """短信通知: the notice outbox and its sender (``engine.notices``)."""
        service = NoticeService(
            self.store,
            self.clock,
            lambda: self.org,
            lambda: {item.code: item.name for item in self.catalogue},
            self.public_url,
        )
        service.invitation_url = self.ratings.links.url_in  # the evaluation's invitation
        return service

    @cached_property
    def documents(self) -> DocumentService:
        """文书: the documents printed from a case, issued into its history."""
        templates = Templates(resources.DOCUMENTS_DIR, self.documents_dir)
        service = DocumentService(
            self.store, self.definitions, self.audit, self.cases.changes, self.files,
            self.catalogue, self.org, templates, self.public_url,
        )  # fmt: skip
        service.rating_url = self.ratings.invitation_url  # the 办结通知书's rating QR
        return service

    @cached_property
    def stats(self) -> StatsService:
        names = {item.code: item.name for item in self.catalogue}
        kinds = {item.code: item.kind for item in self.catalogue}
        return StatsService(
            self.store, self.clock, self.org, names, self.calendar, self.warning_share, kinds
        )

    @property
    def database_url(self) -> str:
        """The database's URL (worker processes open their own engine on it)."""
        return self.store.url

    def identity_with(self, token_hours: float) -> IdentityService:
        """An identity service on this engine whose tokens last ``token_hours``."""
        return IdentityService(self.store, self.wall_clock, self.org, token_hours=token_hours)

    def advance_clock(self, span: timedelta, actor: str) -> TickReport:
        """Move a training database's clock ``span`` forward, then fire what became due
        (as ``daiban tick``): what the CLI and the admin endpoint both do."""
        self.training.advance(span, actor)
        return self.cases.tick()

    def _training_setting(self) -> TrainingSetting | None:
        """The database's training flag and clock offset (None: a production database)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.settings.training()

    def export_source(
        self, scope: CaseScope, where: CaseFilter | None = None, batch: int = 200
    ) -> ExportSource:
        """The case histories in ``scope`` matching ``where``, for the exports to stream."""
        return ExportSource(self.store, scope, where or CaseFilter(), batch)

    @property
    def meter(self) -> Meter:
        """Where the engine's counts go (``engine.metrics``; by default nowhere)."""
        return self.cases.changes.meter

    @meter.setter
    def meter(self, meter: Meter) -> None:
        self.cases.changes.meter = meter

    def reading(self) -> AbstractContextManager[None]:
        """Let the reads of the block share one read transaction until a write begins
        (``Store.reading``): what a request with a token does, its token and what it
        shows read together."""
        return self.store.reading()

    def close(self) -> None:
        self.store.dispose()


def _default_files(store: Store) -> FileStore:
    if store.in_memory:
        return MemoryStore()
    return DirectoryStore(default_files_dir(store.url))


__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_PUBLIC_URL",
    "SYSTEM",
    "Actor",
    "AttachmentService",
    "Auditor",
    "CaseService",
    "CaseView",
    "Clock",
    "ConflictError",
    "DataValidationError",
    "DatabaseClock",
    "DatabasePool",
    "DefinitionError",
    "DefinitionRegistry",
    "DeployResult",
    "DirectoryStore",
    "Engine",
    "EngineBounds",
    "EngineError",
    "FileStore",
    "Forbidden",
    "IdentityService",
    "InvalidState",
    "IssuedToken",
    "LoginLocked",
    "ManualClock",
    "MemoryStore",
    "NotAuthenticated",
    "NotFound",
    "OutcomeUnknown",
    "Principal",
    "Problem",
    "ReplayedState",
    "ScriptError",
    "SourceFile",
    "Store",
    "SystemClock",
    "TickReport",
    "TooManyRequests",
    "TrainingService",
    "Unavailable",
    "VerifyReport",
    "lint",
    "read_sources",
]
