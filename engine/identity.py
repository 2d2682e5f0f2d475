"""Who is calling: passwords, bearer tokens and the principal behind them.

Users, their roles and org units come from the org model (``processes.org``); the
database keeps only password hashes (scrypt) and token hashes (SHA-256: a stolen table
reveals no usable token). Tokens expire and can be revoked.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import math
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine.clock import Clock
from engine.errors import (
    DataValidationError,
    EngineError,
    LoginLocked,
    NotAuthenticated,
    NotFound,
)
from engine.login_policy import ACCOUNT, PAIR, LoginPolicy, client_subject
from engine.logs import get_logger
from engine.records import AbsenceRecord, AccountStatus
from engine.store import Store, UnitOfWork
from processes.org import Organization

log = get_logger(__name__)

DEFAULT_TOKEN_HOURS = 12.0
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8
MAX_PASSWORD = 128  # a password a user chooses (the login form takes up to 256)
DEMO_PASSWORD = "daiban-demo"  # the demo organisation's accounts only (``daiban serve``)
# The demo password is public, so its salt may be too: every account given it shares one
# hash, and "does any account still have the demo password" is a lookup, not a scrypt per
# account (``demo_password_users``, the start check of a production database).
_DEMO_SALT = b"daiban-demo-salt"
ADMIN_ROLE = "admin"  # accounts, people, absences and the clock of a training database
FIRST_ADMIN_LENGTH = 16  # ``daiban init``'s printed password: about 92 bits
# Temporary passwords (an administrator's reset): letters and digits that cannot be
# misread on paper or a phone screen (no 0/O/o, 1/l/I/i), 12 of them: about 69 bits.
READABLE = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_LENGTH = 12
MAX_FAILED_LOGINS = LoginPolicy.pair_limit  # wrong passwords in a row from one address
LOCK_MINUTES = int(LoginPolicy.pair_lock.total_seconds() // 60)
PRUNE_EVERY = timedelta(minutes=10)


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


@dataclass(frozen=True)
class TemporaryPassword:
    """A password the administrator reset: shown once, only its hash is stored."""

    user_id: str
    password: str
    revoked_tokens: int  # the user's tokens revoked with the reset


def password_problems(user_id: str, password: str) -> list[str]:
    """What is wrong with a password a user chooses (Chinese, empty: nothing): at least
    ``MIN_PASSWORD`` characters (at most ``MAX_PASSWORD``), not the user name, not the
    demo organisation's password."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"至少 {MIN_PASSWORD} 个字符")
    elif len(password) > MAX_PASSWORD:
        problems.append(f"最多 {MAX_PASSWORD} 个字符")
    if password.strip().casefold() == user_id.casefold():
        problems.append("不能与用户名相同")
    if password == DEMO_PASSWORD:
        problems.append("不能使用演示密码")
    return problems


def temporary_password(length: int = TEMPORARY_LENGTH) -> str:
    """A random password of ``length`` readable characters."""
    return "".join(secrets.choice(READABLE) for _ in range(length))


@functools.cache
def demo_hash() -> str:
    """The one stored hash of the demo password."""
    return hash_password(DEMO_PASSWORD, _DEMO_SALT)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(_utf8(password), salt=salt, **_SCRYPT)
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
    candidate = hashlib.scrypt(_utf8(password), salt=salt, **_SCRYPT)
    return hmac.compare_digest(candidate, digest)


def _utf8(password: str) -> bytes:
    # "surrogatepass": a lone surrogate is just a wrong password, not a crash; text
    # without one encodes exactly as before, so stored hashes stay valid.
    return password.encode("utf-8", "surrogatepass")


# What a name with no password is checked against: the same scrypt work as a real hash.
# No password matches it (and the caller refuses such names anyway).
_DUMMY_HASH = "$".join(
    (
        "scrypt",
        str(_SCRYPT["n"]),
        base64.b64encode(secrets.token_bytes(16)).decode(),
        base64.b64encode(bytes(64)).decode(),
    )
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A token as stored: (user id, expires at, revoked at).
TokenState = tuple[str, datetime, datetime | None]


class IdentityService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        org: Organization,
        token_hours: float = DEFAULT_TOKEN_HOURS,
        policy: LoginPolicy | None = None,
    ):
        self.store = store
        self.clock = clock
        self.org = org
        self.token_hours = token_hours
        self.policy = policy or LoginPolicy()
        self._checks = _Tally()
        self._pruned_at: datetime | None = None

    def principal(self, user_id: str) -> Principal:
        user = self.org.users.get(user_id)
        if user is None:
            raise NotFound("用户不存在", user_id=user_id)
        return Principal(user.id, user.name, frozenset(user.roles), user.unit)

    def set_password(self, user_id: str, password: str) -> None:
        self.principal(user_id)
        if len(password) < MIN_PASSWORD:
            raise DataValidationError("密码太短", {"password": f"至少 {MIN_PASSWORD} 个字符"})
        if password == DEMO_PASSWORD:
            # Only ``seed_passwords`` gives it, where the start check can see it.
            raise DataValidationError("密码有误", {"password": "不能使用演示密码"})
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            uow.credentials.set_password_hash(user_id, hash_password(password), now)
            uow.throttles.lift_login_locks(user_id, now)  # the administrator's way to unlock
            uow.commit()
        log.info("password_set", user=user_id)

    def change_password(
        self,
        user_id: str,
        old_password: str,
        new_password: str,
        client: str | None = None,
        keep_token: str | None = None,
    ) -> int:
        """The user changes its own password, proving the old one; every other token of
        the user is revoked (``keep_token``, the one the request came with, stays); how
        many were revoked.

        The old password is checked as a login checks it, on the same lockout counters
        (a stolen token does not give unlimited guesses): ``LoginLocked`` when locked, a
        wrong one is ``old_password`` in the ``DataValidationError`` that lists every
        problem of the request (the new password's rules: ``password_problems``)."""
        errors: dict[str, str] = {}
        problems = password_problems(user_id, new_password)
        if not problems and new_password == old_password:
            problems.append("不能与原密码相同")
        if problems:
            errors["new_password"] = "；".join(problems)
        attempt = self._attempt(user_id, old_password, client)
        if not attempt.right:
            errors["old_password"] = "原密码不正确"
            log.info("password_change_refused", user=user_id, client=client)
        if errors:
            raise DataValidationError("密码未修改", dict(sorted(errors.items())))
        keep = _token_hash(keep_token) if keep_token is not None else None
        with self.store.unit_of_work() as uow:
            uow.throttles.settle_success(attempt.pair, attempt.others, attempt.now)
            uow.credentials.set_password_hash(user_id, hash_password(new_password), attempt.now)
            revoked = uow.credentials.revoke_user_tokens(user_id, attempt.now, keep=keep)
            uow.commit()
        log.info("password_changed", user=user_id, client=client, revoked=revoked)
        return revoked

    def reset_password(self, user_id: str) -> TemporaryPassword:
        """The administrator's reset: a random temporary password (returned once, its hash
        stored), every token of the user revoked and the account's login locks lifted,
        in one transaction."""
        self.principal(user_id)
        password = temporary_password()
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            uow.credentials.set_password_hash(user_id, hash_password(password), now)
            uow.throttles.lift_login_locks(user_id, now)
            revoked = uow.credentials.revoke_user_tokens(user_id, now)
            uow.commit()
        log.info("password_reset", user=user_id, revoked=revoked)
        return TemporaryPassword(user_id, password, revoked)

    def accounts(self, user_ids: Sequence[str]) -> dict[str, AccountStatus]:
        """What the administrator sees of each of ``user_ids``' accounts: a password set,
        locked until when (the latest lock of its counters that is on now), live tokens."""
        now = self.clock.now()
        limits = {PAIR: self.policy.pair_limit, ACCOUNT: self.policy.account_limit}
        with self.store.unit_of_work(write=False) as uow:
            passwords = uow.credentials.with_password(user_ids)
            tokens = uow.credentials.live_tokens(user_ids, now)
            counters = uow.throttles.open_counters(user_ids, now)
        locks: dict[str, datetime] = {}
        for row in counters:
            if row.failures >= limits.get(row.kind, row.failures + 1):
                locks[row.user_id] = max(row.reset_at, locks.get(row.user_id, row.reset_at))
        return {
            user: AccountStatus(user in passwords, locks.get(user), tokens.get(user, 0))
            for user in user_ids
        }

    def has_password(self, user_id: str) -> bool:
        with self.store.unit_of_work(write=False) as uow:
            return uow.credentials.password_hash(user_id) is not None

    def login(self, user_id: str, password: str, client: str | None = None) -> IssuedToken:
        """A token for the right password, from ``client`` (the caller's IP address).

        One attempt is reserved on the lockout counters before the password is hashed
        (``engine.login_policy``); a full counter answers ``LoginLocked`` without checking
        it. Names that are no account take the same path, dummy hash included, so the
        answer does not tell whether a name exists."""
        attempt = self._attempt(user_id, password, client)
        if not attempt.right:
            log.info("login_failed", user=user_id, client=client)
            raise NotAuthenticated("用户名或密码错误")
        with self.store.unit_of_work() as uow:
            uow.throttles.settle_success(attempt.pair, attempt.others, attempt.now)
            issued = self._add_token(uow, user_id, attempt.now, self.token_hours)
            uow.commit()
        self._forget_stale_counters(attempt.now)
        log.info("login_succeeded", user=user_id, client=client)
        return issued

    def _attempt(self, user_id: str, password: str, client: str | None) -> _Attempt:
        """Check a password as a login does: an attempt reserved on the lockout counters
        first (``LoginLocked`` when one is full, or when this wrong password fills one),
        then the hash; the caller settles a right one (``settle_success``)."""
        now = self.clock.now()
        address = client_subject(client)
        pair = self.policy.pair(user_id, address)
        with self.store.unit_of_work() as uow:
            known = uow.throttles.known_pair(pair.key, now - self.policy.known_for)
            counters = self.policy.counters(user_id, address, known)
            admission = uow.throttles.reserve_attempt(counters, now)
            if not admission.admitted:
                log.warning("login_locked", user=user_id, client=client)
                raise _locked(admission.until or now, now)
            # A name that is no account looks up a placeholder: the same query either way.
            account = user_id in self.org.users
            stored = uow.credentials.password_hash(user_id if account else "")
            # The demo password opens only a demo or training database, whatever the start
            # check saw (``webapi.startup``): a production database never accepts it.
            demo_only = stored == demo_hash() and uow.settings.training() is None
            uow.commit()
        # The attempt is counted before this (slow, on purpose) check: a crash or a
        # concurrent request cannot get a password checked beyond the limit.
        right = self._check(password, stored) and account and stored is not None
        if right and demo_only:
            log.warning("login_refused", user=user_id, client=client, reason="demo_password")
            right = False
        if not right and admission.until is not None:  # this failure filled a counter
            log.warning("login_locked", user=user_id, client=client, reason="limit_reached")
            raise _locked(admission.until, now)
        others = [c.key for c in counters if c.key != pair.key]
        return _Attempt(right, pair.key, others, now)

    @property
    def password_checks(self) -> int:
        """How many password hashes this service computed (tests and monitoring)."""
        return self._checks.value

    def _check(self, password: str, stored: str | None) -> bool:
        self._checks.add()
        return check_password(password, stored or _DUMMY_HASH)

    def _forget_stale_counters(self, now: datetime) -> None:
        # At most every PRUNE_EVERY per process: keeps the table small without a DELETE
        # in every login. Best effort: a failure here must not fail a login that succeeded.
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            with self.store.unit_of_work() as uow:
                uow.throttles.forget_stale_counters(now, now - self.policy.known_for)
                uow.commit()
        except EngineError as error:
            log.warning("login_counters_not_pruned", error=error.code)

    def issue_token(self, user_id: str, hours: float | None = None) -> IssuedToken:
        self.principal(user_id)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            issued = self._add_token(
                uow, user_id, now, hours if hours is not None else self.token_hours
            )
            uow.commit()
        log.info("token_issued", user=user_id, expires=issued.expires_at.isoformat())
        return issued

    def _add_token(self, uow: UnitOfWork, user_id: str, now: datetime, hours: float) -> IssuedToken:
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=hours)
        uow.credentials.add_token(_token_hash(token), user_id, now, expires)
        return IssuedToken(token, user_id, expires)

    def authenticate(self, token: str) -> Principal:
        with self.store.unit_of_work(write=False) as uow:
            found = self.token_state(uow, token)
        return self.holder(found, self.clock.now())

    def token_state(self, uow: UnitOfWork, token: str) -> TokenState | None:
        """What the store knows of ``token`` (None: nothing), read in ``uow``."""
        return uow.credentials.token(_token_hash(token))

    def token_and_absences(
        self, uow: UnitOfWork, token: str, since: date
    ) -> tuple[TokenState | None, list[AbsenceRecord]]:
        """``token_state`` and the registered absences not over by ``since``, read in
        ``uow`` by one statement: what every request with a token reads first."""
        return uow.credentials.token_and_absences(_token_hash(token), since)

    def holder(self, found: TokenState | None, now: datetime) -> Principal:
        """Who holds a token in ``found`` state at ``now``; NotAuthenticated if no one may."""
        if found is None:
            raise NotAuthenticated("令牌无效")
        user_id, expires_at, revoked_at = found
        if revoked_at is not None:
            raise NotAuthenticated("令牌已注销")
        if expires_at <= now:
            raise NotAuthenticated("令牌已过期，请重新登录")
        if user_id not in self.org.users:
            raise NotAuthenticated("用户已不存在")
        return self.principal(user_id)

    def revoke(self, token: str) -> None:
        with self.store.unit_of_work() as uow:
            uow.credentials.revoke_token(_token_hash(token), self.clock.now())
            uow.commit()
        log.info("token_revoked")

    def revoke_all(self, user_id: str) -> int:
        with self.store.unit_of_work() as uow:
            count = uow.credentials.revoke_user_tokens(user_id, self.clock.now())
            uow.commit()
        log.info("tokens_revoked", user=user_id, count=count)
        return count

    def seed_passwords(self, password: str = DEMO_PASSWORD) -> int:
        """Give every user of the org without a password this one (demo databases only)."""
        hashed = demo_hash() if password == DEMO_PASSWORD else hash_password(password)
        count = 0
        with self.store.unit_of_work() as uow:
            now = self.clock.now()
            for user_id in sorted(self.org.users):
                if uow.credentials.password_hash(user_id) is None:
                    uow.credentials.set_password_hash(user_id, hashed, now)
                    count += 1
            uow.commit()
        log.info("demo_passwords_seeded", count=count)
        return count

    def demo_password_users(self) -> list[str]:
        """The accounts whose password is still the demo password (given by ``seed_passwords``;
        nothing else stores it)."""
        with self.store.unit_of_work(write=False) as uow:
            return uow.credentials.users_with_hash(demo_hash())

    def first_admin(self, user_id: str, password: str | None = None) -> str | None:
        """Give the administrator ``user_id`` its first password: ``password`` (checked as a
        user's own choice) or, when None, a random one. Returns the password set, or None
        when the account has one already (it is kept: a second ``daiban init`` resets
        nothing). Refused for a user of the organisation without the admin role."""
        principal = self.principal(user_id)
        if not principal.has_role(ADMIN_ROLE):
            raise DataValidationError(
                "不是管理员", {"admin": f"{user_id} 没有系统管理员（{ADMIN_ROLE}）角色"}
            )
        if password is not None and (problems := password_problems(user_id, password)):
            raise DataValidationError("密码不符合要求", {"password": "；".join(problems)})
        chosen = password if password is not None else temporary_password(FIRST_ADMIN_LENGTH)
        with self.store.unit_of_work(operation="first_admin") as uow:
            if uow.credentials.password_hash(user_id) is not None:
                return None
            uow.credentials.set_password_hash(user_id, hash_password(chosen), self.clock.now())
            uow.commit()
        log.info("first_admin_password_set", user=user_id, chosen=password is not None)
        return chosen


@dataclass(frozen=True)
class _Attempt:
    """A password checked on the lockout counters: right or not, the pair counter and
    the others (their reserved attempt is given back on success), when."""

    right: bool
    pair: str
    others: list[str]
    now: datetime


def _locked(until: datetime, now: datetime) -> LoginLocked:
    # One message for every counter: which one is full would tell an attacker too much.
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = max(1, -(-seconds // 60))
    return LoginLocked(
        f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试或联系管理员",
        retry_after=seconds,
    )


class _Tally:
    """A counter several request threads can add to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1
