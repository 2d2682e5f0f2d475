"""Passwords, bearer tokens and principals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import (
    DataValidationError,
    Engine,
    LoginLocked,
    ManualClock,
    NotAuthenticated,
    NotFound,
)
from engine.identity import LOCK_MINUTES, MAX_FAILED_LOGINS, check_password, hash_password
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


def test_wrong_passwords_in_a_row_lock_login_for_a_while(
    engine: Engine, clock: ManualClock
) -> None:
    engine.identity.set_password("wang.fang", "window-a-post")
    engine.identity.set_password("liu.yang", "window-b-post")
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(NotAuthenticated):
            engine.identity.login("wang.fang", "guess-guess")
    engine.identity.login("wang.fang", "window-a-post")  # a success starts the count again
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(NotAuthenticated):
            engine.identity.login("wang.fang", "guess-guess")
    with pytest.raises(LoginLocked) as locked:
        engine.identity.login("wang.fang", "guess-guess")
    assert locked.value.retry_after == LOCK_MINUTES * 60
    with pytest.raises(LoginLocked):  # even the right password, while locked
        engine.identity.login("wang.fang", "window-a-post")
    engine.identity.login("liu.yang", "window-b-post")  # other users are not affected
    clock.advance(timedelta(minutes=LOCK_MINUTES - 1))
    with pytest.raises(LoginLocked) as still:
        engine.identity.login("wang.fang", "window-a-post")
    assert still.value.retry_after == 60 and "1 分钟" in still.value.message
    clock.advance(timedelta(minutes=1))
    assert engine.identity.login("wang.fang", "window-a-post").user_id == "wang.fang"
    # the count started again: one wrong password does not lock
    with pytest.raises(NotAuthenticated):
        engine.identity.login("wang.fang", "guess-guess")
    assert engine.identity.login("wang.fang", "window-a-post")


def test_a_password_reset_lifts_the_lock(engine: Engine) -> None:
    engine.identity.set_password("wang.fang", "window-a-post")
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(NotAuthenticated):
            engine.identity.login("wang.fang", "guess-guess")
    with pytest.raises(LoginLocked):
        engine.identity.login("wang.fang", "guess-guess")
    engine.identity.set_password("wang.fang", "a-new-password")
    assert engine.identity.login("wang.fang", "a-new-password").user_id == "wang.fang"


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
    with pytest.raises(NotAuthenticated):  # the demo password on a production database
        engine.identity.login("chen.jing", "daiban-demo")
    engine.training.flag("demo", "test")
    assert engine.identity.login("chen.jing", "daiban-demo").user_id == "chen.jing"


def test_password_rules_and_unknown_users(engine: Engine) -> None:
    with pytest.raises(DataValidationError):
        engine.identity.set_password("wang.fang", "short")
    with pytest.raises(NotFound):
        engine.identity.set_password("nobody", "long-enough")
    with pytest.raises(NotFound):
        engine.identity.issue_token("nobody")
