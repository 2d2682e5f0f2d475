"""Who is calling: passwords, bearer tokens and the principal behind them.

Users, their roles and org units come from the org model (``processes.org``); the
database keeps only password hashes (scrypt) and token hashes (SHA-256: a stolen table
reveals no usable token). Tokens expire and can be revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.clock import Clock
from engine.errors import DataValidationError, LoginLocked, NotAuthenticated, NotFound
from engine.store import Store
from processes.org import Organization

DEFAULT_TOKEN_HOURS = 12.0
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8
MAX_FAILED_LOGINS = 5  # wrong passwords in a row before login is locked
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str
    roles: frozenset[str]
    unit: str  # org unit code: village, township, department code or the county

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its hash is stored
    user_id: str
    expires_at: datetime


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    encode = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, salt_b64, digest_b64 = stored.split("$")
        salt, digest = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    if scheme != "scrypt" or int(n) != _SCRYPT["n"]:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return hmac.compare_digest(candidate, digest)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class IdentityService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        org: Organization,
        token_hours: float = DEFAULT_TOKEN_HOURS,
    ):
        self.store = store
        self.clock = clock
        self.org = org
        self.token_hours = token_hours

    def principal(self, user_id: str) -> Principal:
        user = self.org.users.get(user_id)
        if user is None:
            raise NotFound("用户不存在", user_id=user_id)
        return Principal(user.id, user.name, frozenset(user.roles), user.unit)

    def set_password(self, user_id: str, password: str) -> None:
        self.principal(user_id)
        if len(password) < MIN_PASSWORD:
            raise DataValidationError("密码太短", {"password": f"至少 {MIN_PASSWORD} 个字符"})
        with self.store.unit_of_work() as uow:
            uow.set_password_hash(user_id, hash_password(password), self.clock.now())
            uow.clear_failed_logins(user_id)
            uow.commit()

    def has_password(self, user_id: str) -> bool:
        with self.store.unit_of_work(write=False) as uow:
            return uow.password_hash(user_id) is not None

    def login(self, user_id: str, password: str) -> IssuedToken:
        """A token for the right password. After ``MAX_FAILED_LOGINS`` wrong passwords in
        a row the user's password login is locked for ``LOCK_MINUTES`` (GB/T 22239-2019
        login-failure handling); resetting the password lifts the lock."""
        now = self.clock.now()
        with self.store.unit_of_work(write=False) as uow:
            state = uow.login_state(user_id)
        if state is not None and state.locked_until is not None and state.locked_until > now:
            raise _locked(state.locked_until, now)
        if user_id not in self.org.users or state is None:
            raise NotAuthenticated("用户名或密码错误")
        if not check_password(password, state.password_hash):
            lock_until = now + timedelta(minutes=LOCK_MINUTES)
            with self.store.unit_of_work() as uow:
                locked = uow.count_failed_login(user_id, MAX_FAILED_LOGINS, lock_until)
                uow.commit()
            if locked is not None:
                raise _locked(locked, now)
            raise NotAuthenticated("用户名或密码错误")
        if state.failed_logins or state.locked_until is not None:
            with self.store.unit_of_work() as uow:
                uow.clear_failed_logins(user_id)
                uow.commit()
        return self.issue_token(user_id)

    def issue_token(self, user_id: str, hours: float | None = None) -> IssuedToken:
        self.principal(user_id)
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        expires = now + timedelta(hours=hours if hours is not None else self.token_hours)
        with self.store.unit_of_work() as uow:
            uow.add_token(_token_hash(token), user_id, now, expires)
            uow.commit()
        return IssuedToken(token, user_id, expires)

    def authenticate(self, token: str) -> Principal:
        with self.store.unit_of_work(write=False) as uow:
            found = uow.token(_token_hash(token))
        if found is None:
            raise NotAuthenticated("令牌无效")
        user_id, expires_at, revoked_at = found
        if revoked_at is not None:
            raise NotAuthenticated("令牌已注销")
        if expires_at <= self.clock.now():
            raise NotAuthenticated("令牌已过期，请重新登录")
        if user_id not in self.org.users:
            raise NotAuthenticated("用户已不存在")
        return self.principal(user_id)

    def revoke(self, token: str) -> None:
        with self.store.unit_of_work() as uow:
            uow.revoke_token(_token_hash(token), self.clock.now())
            uow.commit()

    def revoke_all(self, user_id: str) -> int:
        with self.store.unit_of_work() as uow:
            count = uow.revoke_user_tokens(user_id, self.clock.now())
            uow.commit()
        return count

    def seed_passwords(self, password: str) -> int:
        """Give every user of the org without a password this one (demo organisation only)."""
        count = 0
        with self.store.unit_of_work() as uow:
            now = self.clock.now()
            for user_id in sorted(self.org.users):
                if uow.password_hash(user_id) is None:
                    uow.set_password_hash(user_id, hash_password(password), now)
                    count += 1
            uow.commit()
        return count


def _locked(until: datetime, now: datetime) -> LoginLocked:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return LoginLocked(
        f"连续 {MAX_FAILED_LOGINS} 次密码错误，登录已锁定，请 {minutes} 分钟后再试或联系管理员重置密码",
        retry_after=max(1, int((until - now).total_seconds())),
    )
