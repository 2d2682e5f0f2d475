"""The client's IP address, for login limits.

The TCP peer (``request.remote_addr``) unless the deployment says the app sits behind
proxies it trusts (``TRUSTED_PROXY_HEADER``, ``TRUSTED_PROXY_COUNT``). Without that setting
the headers are ignored: any client can write ``X-Forwarded-For``, and a limit keyed on a
value the client chooses limits nothing.
"""

from __future__ import annotations

import ipaddress

from flask import current_app, request


def client_address() -> str:
    """The address of the client of the current request."""
    peer = request.remote_addr or ""
    header = current_app.config.get("TRUSTED_PROXY_HEADER")
    if not header:
        return peer
    hops = int(current_app.config.get("TRUSTED_PROXY_COUNT") or 1)
    # Each trusted proxy appends the address it was connected from; the client is the
    # hops-th entry from the right. Entries further left came from the client itself.
    entries = [e.strip() for e in ",".join(request.headers.getlist(header)).split(",")]
    entries = [e for e in entries if e]
    if len(entries) < hops:
        return peer  # not through all the proxies: only the peer is known for sure
    return _ip(entries[-hops]) or peer


def _ip(entry: str) -> str | None:
    """The IP address in a header entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[2001:db8::1]:443``,
    ``2001:db8::1``), or None."""
    candidates = [entry]
    if entry.startswith("["):
        candidates.append(entry[1:].partition("]")[0])
    elif entry.count(":") == 1:
        candidates.append(entry.partition(":")[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
