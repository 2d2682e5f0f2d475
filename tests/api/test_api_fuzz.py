"""schemathesis against the OpenAPI document: every operation, with generated valid and
invalid input, as several users; no answer may be a 5xx or disagree with the document
(status code listed, content type, headers, body schema, invalid input refused, valid
input not refused as malformed, no access without a valid token).

The app runs in-process (WSGI) on an isolated database with the catalogue deployed and a
few cases and ledger issues recorded, so half of the valid path parameters are real ids.
A township window clerk gets every phase (the document's examples, the coverage phase's
boundary and invalid values, fuzzing); the other roles examples and fuzzing. Generation
is derandomized and bounded (``MAX_EXAMPLES`` fuzzed examples per operation and user;
``DAIBAN_FUZZ_EXAMPLES`` raises it for a deeper run): the same requests in every run.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from engine import Engine
from engine.absences import NewAbsence
from tests.support.api import make_app, shared_app
from tests.support.databases import Databases
from tests.support.module_fixtures import module_engine
from tests.support.paths import LIBRARY
from tests.support.shipped import demo_org, shipped_catalogue

# Examples per operation and user in the fuzzing phase (besides the document's examples
# and the boundary and negative cases of the coverage phase); raise it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("DAIBAN_FUZZ_EXAMPLES", "10"))
OPENAPI = "/api/v1/openapi.json"
LOGOUT = "/api/v1/auth/logout"

# A township window clerk (registers cases, works the window queue) gets every phase:
# the document's examples, the coverage phase's boundary and invalid values of every
# parameter and field, and fuzzing. The designer (definitions), the county supervisor
# (reads everything, changes nothing) and a township leader (assigns) differ in scope and
# rights, not in input validation: examples and fuzzing only, which keeps the run short.
CLERK = "wang.fang"
OTHER_ROLES = ["lin.tao", "sun.hong", "chen.jing"]

# Valid input may still be refused by rules the document cannot state (an unknown item
# code, an ID number's checksum, a task's own form, a BPMN file's content): 422 there.
DOMAIN_CHECKED = [
    ("POST", "/api/v1/cases"),
    ("POST", "/api/v1/tasks/{task_id}/complete"),
    ("POST", "/api/v1/tasks/{task_id}/assign"),
    # OpenAPI 3.0 cannot state "opinion required when approved is false" (if/then)
    ("POST", "/api/v1/cases/{case_id}/messages/county_decision"),
    ("POST", "/api/v1/definitions"),
    # a bad rating needs a reason; a reason or opinion of blanks only is none
    ("POST", "/api/v1/cases/{case_id}/ratings"),
    ("POST", "/api/v1/cases/{case_id}/ratings/appeal"),
    ("POST", "/api/v1/cases/{case_id}/ratings/appeal/decision"),
    ("POST", "/api/v1/ledger"),  # only a village agent, for its own village
    ("POST", "/api/v1/ledger/{issue_id}/transfer"),  # a known department, from the township
    ("GET", "/api/v1/stats"),  # a period that ends before it starts
    ("GET", "/api/v1/tasks"),  # an `after` the server gave, for the same sort, not a page
    ("GET", "/api/v1/audit/export.xes"),  # the same
    ("GET", "/api/v1/audit/export.ocel.json"),  # the same
    ("POST", "/api/v1/absences"),  # a known user of the caller's township, with a deputy
    ("POST", "/api/v1/absences/{absence_id}/end"),  # a return no later than the last day
    # payout lists: a known village, ID checksums, no line twice, 5,000 lines a list, a
    # reason of blanks only is none, a line on the list, a failure with its reason
    ("POST", "/api/v1/batches"),
    ("POST", "/api/v1/batches/{case_id}/lines"),
    ("POST", "/api/v1/batches/{case_id}/lines/{line}/strike"),
    ("POST", "/api/v1/batches/{case_id}/lines/{line}/correct"),
    ("POST", "/api/v1/batches/{case_id}/payments"),
    ("POST", "/api/v1/cases/{case_id}/messages/batch_objection"),
]
# 412: a valid If-Match or expected_version that names an older version of the case.
ACCEPTED = ["2xx", "401", "403", "404", "409", "412"]
# Valid credentials may be refused for the client's earlier failures: the fuzzer logs in
# many times from one address, and unknown names are locked like real ones (no hint which
# exist), so login answers 429 once the address or the pair is locked.
# The public progress lookup likewise: 20 lookups per address and 10 minutes, and 5
# failed ones per case number and hour, then 429. The rating link: 30 requests per address
# and 10 minutes.
RATE_LIMITED = [
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/public/progress"),
    ("GET", "/api/v1/public/ratings/{token}"),
]
# Changing one's password checks the old one as a login does: a wrong one is 422, and
# after a few (counted on the login counters of the fuzzer's one address) 429.
OLD_PASSWORD_CHECKED = [("POST", "/api/v1/auth/password")]
# The resident's rating is both: limited as the link's lookup, and a bad rating needs a
# reason (422), which the document cannot state.
RATING_CHECKED = [("POST", "/api/v1/public/ratings/{token}")]

SETTINGS: dict[str, Any] = {
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        # Every request carries the user's real token (the test adds it); the checks
        # still send each operation without a token and with a wrong one.
        "with-security-parameters": False,
        # Text with U+0000 is refused by design (webapi.arguments; the document says so).
        "allow-x00": False,
    },
    "checks": {
        "enabled": True,
        "positive_data_acceptance": {"expected-statuses": ACCEPTED},
    },
    "operations": [
        # First: where several entries match an operation, the first one's checks apply.
        # By name (method and path together): include-method and include-path are either-or.
        {
            "include-name": f"{method} {path}",
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422", "429"]}
            },
        }
        for method, path in [*OLD_PASSWORD_CHECKED, *RATING_CHECKED]
    ]
    + [
        {
            "include-name": f"{method} {path}",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "429"]}},
        }
        for method, path in RATE_LIMITED
    ]
    + [
        {
            # a material of the case's item, a file whose content is a clean PDF, JPEG or
            # PNG (415 for any other content, 422 for a damaged one)
            "include-name": "POST /api/v1/cases/{case_id}/attachments",
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "415", "422"]}
            },
        }
    ]
    + [
        {
            "include-name": f"{method} {path}",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
        for method, path in DOMAIN_CHECKED
    ],
}
CONFIG = SchemathesisConfig.from_dict(SETTINGS)
WITHOUT_COVERAGE = SchemathesisConfig.from_dict(
    {**SETTINGS, "phases": {"coverage": {"enabled": False}}}
)


clock, engine = module_engine(LIBRARY)


@pytest.fixture(scope="module")
def target(engine: Engine, databases: Databases) -> Iterator[Flask]:
    """Points ``TARGET`` at the module's app."""
    TARGET.app = shared_app(databases, engine)
    yield TARGET.app
    TARGET.app = None


@pytest.fixture(scope="module")
def seeded(target: Flask, engine: Engine) -> None:
    """A few real cases, tasks, items and processes: half of the valid examples use them."""
    client = target.test_client()
    token = engine.identity.issue_token("wang.fang").token
    cases: list[int] = []
    for village in ("511725201001", "511725202003"):  # 青丝乡, and 丰乐乡 (county-wide)
        response = client.post(
            "/api/v1/cases",
            json={
                "item_code": "CL002",
                "applicant": {
                    "name": "张三",
                    "id_number": "11010519491231002X",
                    "village": village,
                },
                "channel": "township_window",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.get_json()
        cases.append(response.get_json()["id"])
    issues: list[int] = []
    agent = engine.identity.issue_token("tan.xiaoyan").token
    for transfer in (False, True):  # at the village; passed on to 青丝乡
        response = client.post(
            "/api/v1/ledger",
            json={
                "village": "511725201001",
                "resident": {"name": "张三"},
                "category": "other",
                "content": "路灯坏了",
                "source": "visit",
            },
            headers={"Authorization": f"Bearer {agent}"},
        )
        assert response.status_code == 201, response.get_json()
        issues.append(response.get_json()["id"])
        if transfer:
            path = f"/api/v1/ledger/{issues[-1]}/transfer"
            moved = client.post(
                path, json={"note": "转乡上"}, headers={"Authorization": f"Bearer {agent}"}
            )
            assert moved.status_code == 200, moved.get_json()
    absence = engine.absences.register(
        engine.identity.principal("he.jun"),
        NewAbsence("he.ping", date(2026, 10, 8), date(2026, 10, 9), "外出培训"),
    ).id
    REAL.clear()
    REAL.update(
        issue_id=issues,
        case_id=cases,
        task_id=[t.id for case_id in cases for t in engine.cases.get(case_id).tasks],
        code=["CL002", "MZ001"],
        user_id=["wang.fang", "he.ping"],
        absence_id=[absence],
        process_id=sorted({v.process_id for v in engine.definitions.versions()})[:5],
        version=[1],
    )


class Target:
    """The WSGI app under test, set by the ``target`` fixture. The document is read at import
    time, so that each of its operations becomes a test (schemathesis's fixture-based
    loading does not work on pytest 9.2), from an app on a throw-away database."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


TARGET = Target()


def _document() -> dict[str, Any]:
    engine = Engine("sqlite://", catalogue=shipped_catalogue(), org=demo_org())
    try:
        app = make_app(engine)
        document: dict[str, Any] = app.test_client().get(OPENAPI).get_json()
        return document
    finally:
        engine.close()


def _schema(document: dict[str, Any], config: SchemathesisConfig) -> Any:
    loaded = schemathesis.openapi.from_dict(document, config=config)
    loaded.app = TARGET  # requests go in-process to the app under test
    loaded.hook(map_case)
    return loaded


REAL: dict[str, list[Any]] = {}  # path parameter → existing values (the ``seeded`` fixture)


def map_case(context: Any, case: Any) -> Any:
    # Half of the valid examples use ids that exist (picked by the generated value, so
    # the same in every run); invalid ones are left as generated.
    if case.meta is None or case.meta.generation.mode.is_negative or not case.path_parameters:
        return case
    for name, value in case.path_parameters.items():
        real = REAL.get(name)
        digest = zlib.crc32(str(value).encode())
        if real and digest % 2 == 0:
            case.path_parameters[name] = real[digest // 2 % len(real)]
    return case


DOCUMENT = _document()
every_phase = _schema(DOCUMENT, CONFIG)
examples_and_fuzzing = _schema(DOCUMENT, WITHOUT_COVERAGE)


@every_phase.parametrize()
@settings(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("target", "seeded")
def test_api_conforms_to_its_openapi_document(
    case: Any, engine: Engine, tokens: dict[str, str]
) -> None:
    _call(case, engine, tokens, CLERK)


@examples_and_fuzzing.parametrize()
@settings(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("user", OTHER_ROLES)
@pytest.mark.usefixtures("target", "seeded")
def test_api_conforms_for_other_roles(
    case: Any, engine: Engine, tokens: dict[str, str], user: str
) -> None:
    _call(case, engine, tokens, user)


def _call(case: Any, engine: Engine, tokens: dict[str, str], user: str) -> None:
    token = tokens[user]
    if case.path == LOGOUT:
        token = engine.identity.issue_token(user).token  # logging out revokes it
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
