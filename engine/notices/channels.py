"""Where notices go (pluggable channels): the log (the default, for a county without an
SMS gateway yet) or an HTTP SMS gateway. A channel answers for one attempt whether the
notice was delivered, should be tried again later, or will never be accepted."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from engine.logs import get_logger
from processes.patterns import mask_phone

log = get_logger(__name__)

SIGNATURE_HEADER = "X-Daiban-Signature"  # sha256=<hex HMAC-SHA256 of the body, DAIBAN_SMS_KEY>
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Delivery:
    """One attempt at one notice, as a channel needs it."""

    notice_id: int
    case_id: int
    kind: str
    idempotency_id: str
    phone: str
    params: Mapping[str, str]
    text: str


@dataclass(frozen=True)
class Outcome:
    """``sent``; else ``permanent`` (never try again) or not (try again later), and why."""

    sent: bool
    permanent: bool = False
    error: str | None = None


SENT_OUTCOME = Outcome(True)


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, delivery: Delivery) -> Outcome: ...


class LogChannel:
    """Writes one log line per notice, with the masked phone and the template: what the
    county sees until it configures a gateway. Always delivered."""

    name = "log"

    def send(self, delivery: Delivery) -> Outcome:
        log.info(
            "notice_sent",
            channel=self.name,
            notice=delivery.notice_id,
            case=delivery.case_id,
            kind=delivery.kind,
            template=delivery.kind,
            phone=mask_phone(delivery.phone),
        )
        return SENT_OUTCOME


@dataclass(frozen=True)
class HttpGateway:
    """An HTTP SMS gateway (DAIBAN_SMS_URL …): POSTs JSON ``{idempotency_id, phone,
    sign_name, template_id, params}`` signed with HMAC-SHA256 of the body under ``key``.
    2xx: sent; 429, 5xx, no answer: try again; any other 4xx: refused for good."""

    url: str
    sign_name: str
    templates: Mapping[str, str]  # kind -> the gateway's template id
    key: str | None = None
    timeout: float = 10.0
    name: str = "http"

    def send(self, delivery: Delivery) -> Outcome:
        template = self.templates.get(delivery.kind)
        if template is None:
            return Outcome(False, True, f"未配置“{delivery.kind}”的短信模板编号")
        body = json.dumps(
            {
                "idempotency_id": delivery.idempotency_id,
                "phone": delivery.phone,
                "sign_name": self.sign_name,
                "template_id": template,
                "params": dict(delivery.params),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: delivery.idempotency_id,
        }
        if self.key:
            digest = hmac.new(self.key.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            return Outcome(False, False, f"短信网关无应答（{type(reason).__name__}）")
        if 200 <= status < 300:
            log.info(
                "notice_sent",
                channel=self.name,
                notice=delivery.notice_id,
                case=delivery.case_id,
                kind=delivery.kind,
                template=template,
                phone=mask_phone(delivery.phone),
            )
            return SENT_OUTCOME
        permanent = 400 <= status < 500 and status != 429
        return Outcome(False, permanent, f"短信网关拒绝（HTTP {status}）")
