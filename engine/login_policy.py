"""How often a password may be tried: the login lockout policy (GB/T 22239-2019 登录失败处理).

Every password check first reserves one attempt on each counter below, in the database and
atomically, and only then computes the hash; a counter that is full refuses the reservation
and the caller answers "locked" without looking at the password. So with N app processes
and any number of concurrent requests at most ``limit`` passwords are checked per counter
and lock period — the decision is the row update, not anything held in one process.

Three counters, so an anonymous client cannot keep somebody else locked out:

- **pair** (account, client address): ``pair_limit`` wrong passwords in a row lock *that
  pair*; a success from the pair starts it again. The attacker's address is locked, the
  account owner logging in from their own address is not.
- **address** (client address, over any accounts, unknown names included):
  ``address_limit`` failures within ``address_window`` lock the address; a success gives
  its attempt back, so an office behind one NAT address is not punished for its logins.
- **account** (over addresses): a last resort against guessing from many addresses, with a
  threshold well above the pair's and a bounded lock. It does not apply to an address the
  account logged in from successfully within ``known_for``: a distributed attack cannot
  lock the administrator out of their usual workstation.

Names that are not accounts are counted exactly like accounts, so the answers (status,
body, headers, timing) do not tell which names exist.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from engine.records import Counter

PAIR, ADDRESS, ACCOUNT = "pair", "address", "account"
_MAX_STORED_ADDRESS = 64
_MAX_STORED_USER = 100


@dataclass(frozen=True)
class LoginPolicy:
    pair_limit: int = 5
    pair_window: timedelta = timedelta(days=1)  # a failure older than this is forgotten
    pair_lock: timedelta = timedelta(minutes=15)
    address_limit: int = 20
    address_window: timedelta = timedelta(minutes=15)
    address_lock: timedelta = timedelta(minutes=15)
    account_limit: int = 50
    account_window: timedelta = timedelta(hours=1)
    account_lock: timedelta = timedelta(minutes=30)
    known_for: timedelta = timedelta(days=30)

    def pair(self, user_id: str, address: str) -> Counter:
        return _counter(PAIR, user_id, address, self.pair_limit, self.pair_window, self.pair_lock)

    def counters(self, user_id: str, address: str, known_address: bool) -> list[Counter]:
        """The counters one attempt is reserved on, in key order (the order rows are locked
        in, so concurrent logins cannot deadlock)."""
        counters = [
            self.pair(user_id, address),
            _counter(
                ADDRESS, None, address, self.address_limit, self.address_window, self.address_lock
            ),
        ]
        if not known_address:
            counters.append(
                _counter(
                    ACCOUNT,
                    user_id,
                    None,
                    self.account_limit,
                    self.account_window,
                    self.account_lock,
                )
            )
        return sorted(counters, key=lambda c: c.key)


def client_subject(address: str | None) -> str:
    """The client a limit applies to: the IP address, an IPv6 client by its /64 network
    (one host usually holds a whole /64, so single IPv6 addresses are free to change)."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return _storable(text, _MAX_STORED_ADDRESS)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _counter(
    kind: str,
    user_id: str | None,
    address: str | None,
    limit: int,
    window: timedelta,
    lock: timedelta,
) -> Counter:
    # Hashed: a fixed-length key whatever name a client sends.
    material = "\x00".join((kind, user_id or "", address or ""))
    key = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    stored_user = _storable(user_id, _MAX_STORED_USER) if user_id else None
    return Counter(key, kind, stored_user, address, limit, window, lock)


def _storable(text: str, limit: int) -> str:
    """``text`` as both databases store it: no lone surrogates, no NUL, bounded length."""
    return text.encode("utf-8", "replace").decode().replace("\x00", "?")[:limit]
