"""Login under attack: the atomic lock decision, limits per (account, address) pair, per
address and per account, the client address behind trusted proxies only, and answers that
do not tell which accounts exist (engine/login_policy.py, docs/security.md)."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from engine import Engine, IdentityService, LoginLocked, ManualClock, NotAuthenticated
from engine.identity import PRUNE_EVERY, hash_password
from engine.login_policy import LoginPolicy, client_subject
from engine.store.testing import run_sql
from tests.support.api import make_app
from tests.support.paths import ROOT
from tests.support.servers import served
from webapi.cli import main as cli
from webapi.config import ConfigError, load_settings

LOGIN = "/api/v1/auth/login"
RIGHT = "window-a-post"
POLICY = LoginPolicy()


@pytest.fixture
def client(app: Flask, engine: Engine) -> FlaskClient:
    """The test client, with wang.fang's password set to ``RIGHT``."""
    engine.identity.set_password("wang.fang", RIGHT)
    return app.test_client()


def login(
    client: FlaskClient, user: str, password: str, address: str = "127.0.0.1", **headers: str
) -> Any:
    return client.post(
        LOGIN,
        json={"user": user, "password": password},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def counters(engine: Engine, kind: str) -> list[tuple[Any, ...]]:
    return run_sql(
        engine.store,
        "SELECT address, user_id, failures FROM login_throttles WHERE kind = :k ORDER BY address",
        k=kind,
    )


# -- the lock decision is atomic, across app processes -----------------------------------


def post_login(base: str, user: str, password: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    try:
        body = json.dumps({"user": user, "password": password})
        connection.request("POST", LOGIN, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_twenty_concurrent_wrong_passwords_check_at_most_five(
    engine: Engine, database_url: str, clock: ManualClock
) -> None:
    """Two app instances (own connection pools, as two gunicorn workers) on one database,
    20 threads at once with wrong passwords: the old code checked 24 of 30."""
    engine.identity.set_password("wang.fang", RIGHT)
    second = Engine(database_url, clock)
    try:
        with served(make_app(engine)) as one, served(make_app(second)) as two:
            gate = threading.Barrier(20)
            answers: list[int] = []

            def attempt(base: str) -> None:
                gate.wait(timeout=30)
                answers.append(post_login(base, "wang.fang", "guess-guess")[0])

            threads = [
                threading.Thread(target=attempt, args=((one, two)[i % 2],)) for i in range(20)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            checked = engine.identity.password_checks + second.identity.password_checks
            assert checked == POLICY.pair_limit
            # The first four failures are 401; the fifth filled the counter: 429 like the rest.
            assert sorted(answers) == [401] * (POLICY.pair_limit - 1) + [429] * 16
            status, body = post_login(two, "wang.fang", RIGHT)
            assert status == 429 and json.loads(body)["code"] == "login_locked"
            assert engine.identity.password_checks + second.identity.password_checks == checked
    finally:
        second.close()
    assert counters(engine, "pair") == [("127.0.0.1", "wang.fang", POLICY.pair_limit)]


def test_the_right_password_while_locked_is_429_and_not_checked(client: FlaskClient) -> None:
    identity = client.application.extensions["daiban"].identity
    for _ in range(POLICY.pair_limit - 1):
        assert login(client, "wang.fang", "guess-guess").status_code == 401
    locked = login(client, "wang.fang", "guess-guess")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
    checks = identity.password_checks
    right = login(client, "wang.fang", RIGHT)
    assert right.status_code == 429 and right.get_json()["code"] == "login_locked"
    assert "15 分钟" in right.get_json()["detail"]
    assert identity.password_checks == checks


# -- per pair first: an attacker's failures lock the attacker's address ------------------


def test_an_anonymous_client_cannot_lock_the_owner_out(client: FlaskClient) -> None:
    client.application.extensions["daiban"].engine.identity.set_password("he.jun", RIGHT)
    attacker, office = "198.51.100.66", "10.20.30.40"
    answers = [login(client, "he.jun", "guess-guess", attacker).status_code for _ in range(8)]
    assert answers == [401] * 4 + [429] * 4
    assert login(client, "he.jun", RIGHT, attacker).status_code == 429
    # The administrator, from their own address, never used before: not locked.
    assert login(client, "he.jun", RIGHT, office).status_code == 200
    # A success from a pair starts that pair again.
    for _ in range(POLICY.pair_limit - 1):
        assert login(client, "he.jun", "oops-oops", office).status_code == 401
    assert login(client, "he.jun", RIGHT, office).status_code == 200
    assert login(client, "he.jun", "oops-oops", office).status_code == 401


def test_many_addresses_lock_the_account_except_where_its_owner_logged_in(
    engine: Engine, clock: ManualClock
) -> None:
    """The account-wide counter (a last resort against guessing from many addresses) is
    bounded in time and spares the addresses the account logged in from."""
    policy = LoginPolicy(account_limit=6)
    identity = IdentityService(engine.store, clock, engine.org, policy=policy)
    identity.set_password("he.jun", RIGHT)
    identity.login("he.jun", RIGHT, "10.20.30.40")  # the administrator's workstation
    answers = []
    for n in range(3):
        for _ in range(2):
            try:
                identity.login("he.jun", "guess-guess", f"198.51.100.{n}")
            except LoginLocked:
                answers.append(429)
            except NotAuthenticated:
                answers.append(401)
    assert answers == [401] * 5 + [429]
    with pytest.raises(LoginLocked) as locked:
        identity.login("he.jun", RIGHT, "192.0.2.7")  # a new address: locked with the rest
    assert locked.value.retry_after == policy.account_lock.total_seconds()
    assert identity.login("he.jun", RIGHT, "10.20.30.40").user_id == "he.jun"
    clock.advance(policy.account_lock)
    assert identity.login("he.jun", RIGHT, "192.0.2.7").user_id == "he.jun"


# -- per address, over any accounts -----------------------------------------------------


def test_one_address_is_limited_over_all_accounts(client: FlaskClient, engine: Engine) -> None:
    """The old code answered 40 failures over 10 users from one address with 40 × 401."""
    users = sorted(engine.org.users)[:10]
    address = "203.0.113.5"
    answers = [
        login(client, users[i % 10], "guess-guess", address).status_code
        for i in range(POLICY.address_limit)
    ]
    assert answers == [401] * (POLICY.address_limit - 1) + [429]
    # Now even a right password from that address is refused, unchecked ...
    assert login(client, "wang.fang", RIGHT, address).status_code == 429
    # ... while the same accounts answer normally elsewhere.
    assert login(client, "wang.fang", RIGHT, "203.0.113.6").status_code == 200
    assert login(client, users[1], "guess-guess", "203.0.113.6").status_code == 401


def test_successes_from_a_shared_address_do_not_count(client: FlaskClient) -> None:
    """An office behind one NAT address: its logins give their reserved attempt back."""
    for _ in range(POLICY.address_limit + 2):
        assert login(client, "wang.fang", RIGHT, "203.0.113.9").status_code == 200
    assert login(client, "liu.yang", "guess-guess", "203.0.113.9").status_code == 401


def test_ipv6_clients_are_limited_by_their_64_network() -> None:
    assert client_subject("2001:db8:1:2::5") == client_subject("2001:db8:1:2:ffff::9")
    assert client_subject("2001:db8:1:2::5") == "2001:db8:1:2::/64"
    assert client_subject("2001:db8:1:3::5") != client_subject("2001:db8:1:2::5")
    assert client_subject("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_subject(None) == ""


# -- the client address: the peer, or a trusted proxy header when configured -------------


def address_rows(engine: Engine) -> list[str]:
    return [row[0] for row in counters(engine, "address")]


def test_forwarded_headers_are_ignored_unless_configured(
    client: FlaskClient, engine: Engine
) -> None:
    """Without the setting, a client choosing its own X-Forwarded-For escapes nothing."""
    answers = [
        login(client, "wang.fang", "guess-guess", **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(POLICY.pair_limit)
    ]
    assert answers == [401] * (POLICY.pair_limit - 1) + [429]
    assert address_rows(engine) == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("config", "headers", "expected"),
    [
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For"},
            {"X-Forwarded-For": "6.6.6.6, 192.0.2.1"},
            "192.0.2.1",
        ),
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 2},
            {"X-Forwarded-For": "6.6.6.6, 192.0.2.2, 10.0.0.2"},
            "192.0.2.2",
        ),
        # Fewer entries than trusted proxies: the request did not come through them.
        (
            {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 2},
            {"X-Forwarded-For": "192.0.2.3"},
            "127.0.0.1",
        ),
        ({"TRUSTED_PROXY_HEADER": "X-Real-IP"}, {"X-Real-IP": "192.0.2.4"}, "192.0.2.4"),
        (
            {"TRUSTED_PROXY_HEADER": "X-Real-IP"},
            {"X-Real-IP": "[2001:db8::7]:443"},
            "2001:db8::/64",
        ),
        ({"TRUSTED_PROXY_HEADER": "X-Real-IP"}, {"X-Real-IP": "not-an-address"}, "127.0.0.1"),
        ({"TRUSTED_PROXY_HEADER": "X-Real-IP"}, {"X-Forwarded-For": "192.0.2.5"}, "127.0.0.1"),
    ],
)
def test_a_configured_proxy_header_gives_the_client_address(
    engine: Engine, config: dict[str, Any], headers: dict[str, str], expected: str
) -> None:
    client = make_app(engine, **config).test_client()
    assert login(client, "wang.fang", "guess-guess", **headers).status_code == 401
    assert address_rows(engine) == [expected]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(engine: Engine) -> None:
    engine.identity.set_password("wang.fang", RIGHT)
    client = make_app(engine, TRUSTED_PROXY_HEADER="X-Forwarded-For").test_client()
    attacker = {"X-Forwarded-For": "198.51.100.7"}
    answers = [login(client, "wang.fang", "guess-guess", **attacker).status_code for _ in range(5)]
    assert answers == [401] * 4 + [429]
    assert login(client, "wang.fang", RIGHT, **{"X-Forwarded-For": "192.0.2.8"}).status_code == 200


@pytest.mark.parametrize(
    "settings",
    [
        {"TRUSTED_PROXY_HEADER": "X Forwarded For"},
        {"TRUSTED_PROXY_HEADER": "Forwarded"},
        {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 0},
        {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": "two"},
        {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": 11},
        {"TRUSTED_PROXY_HEADER": "X-Forwarded-For", "TRUSTED_PROXY_COUNT": True},
        {"TRUSTED_PROXY_COUNT": 1},  # a count without a header trusts nothing: a mistake
    ],
)
def test_proxy_settings_are_checked(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="DAIBAN_TRUSTED_PROXY"):
        load_settings({}, {"SECRET_KEY": "x", **settings})


def test_proxy_settings_from_the_environment() -> None:
    environ = {"DAIBAN_TRUSTED_PROXY_HEADER": "X-Forwarded-For", "DAIBAN_TRUSTED_PROXY_COUNT": "2"}
    settings = load_settings(environ, {"SECRET_KEY": "x"})
    assert settings["TRUSTED_PROXY_HEADER"] == "X-Forwarded-For"
    assert settings["TRUSTED_PROXY_COUNT"] == 2
    assert "TRUSTED_PROXY_HEADER" not in load_settings({}, {"SECRET_KEY": "x"})


# -- no account enumeration ---------------------------------------------------------------


def answer(response: Any) -> tuple[int, bytes, dict[str, str]]:
    # Every answer has a request id of its own (X-Request-Id): the rest must be alike.
    answer = {k: v for k, v in response.headers.items() if k != "X-Request-Id"}
    return response.status_code, response.get_data(), answer


def test_unknown_and_known_names_get_the_same_answers(client: FlaskClient) -> None:
    """The old code never locked unknown names: a 429 meant "this account exists"."""
    names = ["wang.fang", "liu.yang", "no.such.user"]  # with a password, without, no account
    runs = {
        name: [answer(login(client, name, "guess-guess", "192.0.2.50")) for _ in range(6)]
        for name in names
    }
    expected = [401] * 4 + [429] * 2
    for name in names:
        assert [status for status, _, _ in runs[name]] == expected, name
        assert runs[name] == runs["wang.fang"], name  # status, body and every header


def test_unknown_and_known_names_take_the_same_time(client: FlaskClient) -> None:
    """Medians of interleaved samples (robust to a busy machine): the old code answered
    unknown names in ~7 ms and real ones in ~64 ms (no scrypt for unknown names)."""
    durations: dict[str, list[float]] = {"wang.fang": [], "no.such.user": []}
    for n in range(-1, 9):  # the first round warms up
        for name in durations:
            started = time.perf_counter()
            response = login(client, name, "guess-guess", f"192.0.{n + 2}.{len(name)}")
            elapsed = time.perf_counter() - started
            assert response.status_code == 401
            if n >= 0:
                durations[name].append(elapsed)
    known = statistics.median(durations["wang.fang"])
    unknown = statistics.median(durations["no.such.user"])
    assert 1 / 1.5 < unknown / known < 1.5, (known, unknown)


def test_names_the_database_cannot_store_are_just_unknown(engine: Engine) -> None:
    engine.identity.set_password("wang.fang", RIGHT)
    for name in ("a\x00b", "\ud800", "x" * 500):
        with pytest.raises(NotAuthenticated):
            engine.identity.login(name, "guess-guess", "192.0.2.60")
    with pytest.raises(NotAuthenticated):
        engine.identity.login("wang.fang", "guess-guess", "bad\x00address\ud800" * 10)
    with pytest.raises(NotAuthenticated):
        engine.identity.login("wang.fang", "\ud800\x00", "192.0.2.60")


# -- the administrator lifts the locks; counters do not pile up ----------------------------


def test_setting_the_password_lifts_the_account_locks(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine.identity.set_password("wang.fang", RIGHT)
    for _ in range(POLICY.pair_limit - 1):
        with pytest.raises(NotAuthenticated):
            engine.identity.login("wang.fang", "guess-guess", "192.0.2.70")
    with pytest.raises(LoginLocked):
        engine.identity.login("wang.fang", "guess-guess", "192.0.2.70")
    code = cli(
        [
            "--database-url",
            database_url,
            "users",
            "password",
            "wang.fang",
            "--password",
            "a-new-password",
        ]
    )
    assert code == 0 and "解除" in capsys.readouterr().out
    assert engine.identity.login("wang.fang", "a-new-password", "192.0.2.70").user_id == "wang.fang"


def test_an_address_lock_is_not_lifted_by_a_password_change(engine: Engine) -> None:
    """The address lock is about the client, not the account."""
    users = sorted(engine.org.users)
    for n in range(POLICY.address_limit - 1):
        with pytest.raises(NotAuthenticated):
            engine.identity.login(users[n % 10], "guess-guess", "192.0.2.80")
    with pytest.raises(LoginLocked):
        engine.identity.login(users[0], "guess-guess", "192.0.2.80")
    engine.identity.set_password("wang.fang", RIGHT)
    with pytest.raises(LoginLocked):
        engine.identity.login("wang.fang", RIGHT, "192.0.2.80")


def test_stale_counters_are_deleted_and_known_addresses_kept(
    engine: Engine, clock: ManualClock
) -> None:
    engine.identity.set_password("wang.fang", RIGHT)
    engine.identity.login("wang.fang", RIGHT, "10.20.30.40")
    for n in range(3):
        with pytest.raises(NotAuthenticated):
            engine.identity.login("no.such.user", "guess-guess", f"198.51.100.{n}")
    clock.advance(max(POLICY.pair_window, PRUNE_EVERY) + timedelta(minutes=1))
    engine.identity.login("wang.fang", RIGHT, "10.20.30.40")
    kinds = run_sql(engine.store, "SELECT kind, address FROM login_throttles ORDER BY kind")
    # Left: this login's address counter and the pair that remembers its success.
    assert kinds == [("address", "10.20.30.40"), ("pair", "10.20.30.40")]


# -- the migration -----------------------------------------------------------------------


def test_migration_0008_keeps_passwords_and_drops_the_old_lock(
    database_url: str, clock: ManualClock
) -> None:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "engine" / "store" / "migrations"))
    database = create_engine(database_url)

    def alembic(action: Any, revision: str) -> None:
        with database.begin() as connection:
            config.attributes["connection"] = connection
            action(config, revision)

    try:
        alembic(command.upgrade, "0007")
        with database.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO user_passwords (user_id, hash, updated_at, failed_logins, locked_until)"
                    " VALUES ('wang.fang', :hash, :now, 5, :until)"
                ),
                {
                    "hash": hash_password(RIGHT),
                    "now": clock.now(),
                    "until": clock.now() + timedelta(hours=1),
                },
            )
        engine = Engine(database_url, clock)
        try:
            assert engine.store.schema_differences() == []
            assert engine.identity.login("wang.fang", RIGHT, "192.0.2.90").user_id == "wang.fang"
        finally:
            engine.close()
        alembic(command.downgrade, "0007")
        alembic(command.upgrade, "head")
    finally:
        database.dispose()
