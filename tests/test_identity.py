"""Passwords, bearer tokens and principals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import DataValidationError, Engine, ManualClock, NotAuthenticated, NotFound
from engine.identity import check_password, hash_password
from engine.store.testing import run_sql


def test_password_hash_round_trip_and_salt() -> None:
    first, second = hash_password("青丝乡2026"), hash_password("青丝乡2026")
    assert first != second  # salted
    assert check_password("青丝乡2026", first)
    assert not check_password("青丝乡2025", first)
    assert not check_password("x", "not-a-hash")


def test_login_issues_a_token_that_authenticates(engine: Engine) -> None:
    engine.identity.set_password("wang.fang", "window-a-post")
    issued = engine.identity.login("wang.fang", "window-a-post")
    principal = engine.identity.authenticate(issued.token)
    assert principal.user_id == "wang.fang"
    assert principal.has_role("township_window")
    assert principal.unit == "511725201"
    # Only the hash is stored.
    rows = run_sql(engine.store, "SELECT token_hash FROM api_tokens")
    assert len(rows) == 1 and issued.token not in rows[0][0]


@pytest.mark.parametrize(
    ("user", "password"), [("wang.fang", "wrong-password"), ("nobody", "whatever1")]
)
def test_bad_credentials_get_one_answer(engine: Engine, user: str, password: str) -> None:
    engine.identity.set_password("wang.fang", "window-a-post")
    with pytest.raises(NotAuthenticated, match="用户名或密码错误"):
        engine.identity.login(user, password)


def test_tokens_expire_and_can_be_revoked(engine: Engine, clock: ManualClock) -> None:
    token = engine.identity.issue_token("liu.yang", hours=1).token
    assert engine.identity.authenticate(token).user_id == "liu.yang"
    clock.advance(timedelta(hours=1))
    with pytest.raises(NotAuthenticated, match="过期"):
        engine.identity.authenticate(token)
    other = engine.identity.issue_token("liu.yang").token
    engine.identity.revoke(other)
    with pytest.raises(NotAuthenticated, match="注销"):
        engine.identity.authenticate(other)
    with pytest.raises(NotAuthenticated):
        engine.identity.authenticate("made-up")


def test_revoke_all_and_seed(engine: Engine) -> None:
    tokens = [engine.identity.issue_token("chen.jing").token for _ in range(3)]
    assert engine.identity.revoke_all("chen.jing") == 3
    for token in tokens:
        with pytest.raises(NotAuthenticated):
            engine.identity.authenticate(token)
    seeded = engine.identity.seed_passwords("daiban-demo")
    assert seeded == len(engine.org.users)
    assert engine.identity.seed_passwords("daiban-demo") == 0
    assert engine.identity.login("chen.jing", "daiban-demo").user_id == "chen.jing"


def test_password_rules_and_unknown_users(engine: Engine) -> None:
    with pytest.raises(DataValidationError):
        engine.identity.set_password("wang.fang", "short")
    with pytest.raises(NotFound):
        engine.identity.set_password("nobody", "long-enough")
    with pytest.raises(NotFound):
        engine.identity.issue_token("nobody")
