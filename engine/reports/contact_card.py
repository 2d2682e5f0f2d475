"""The 联系卡 (contact card) of a village or community: who its agents are (name, phone,
stand-in), the township window's phone, the items a resident can have handled there (every
proxy power, and the devolved items its residents used most in the last year), the
complaint numbers, and a QR code to the public progress page. One A4 page per village,
to post at its service point and hand to households (docs/reports.md).

The text is the template ``processes/documents/contact_card.html`` (a county may replace
it in ``DAIBAN_DOCUMENTS_DIR``, like every document); the PDF is written by the documents
engine (``engine.documents.pdf``). Everything comes from the organisation file, the
catalogue and the supervision figures: nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.clock import SHANGHAI
from engine.documents import Templates
from engine.documents.pdf import Code, PageSetup, render
from engine.records import CaseFilter
from engine.stats import Period, StatsService
from processes.catalogue import Catalogue
from processes.org import Organization, OrgUnit

TEMPLATE = "contact_card.html"
MOST_USED = 6  # devolved items listed besides the proxy powers
USED_DAYS = 365  # "most used": cases registered in the village over this many days
VILLAGE_KINDS = ("village", "community")
HOTLINE = "12345"  # 政务服务便民热线 (the template names it)


@dataclass(frozen=True)
class CardSources:
    org: Organization
    catalogue: Catalogue
    stats: StatsService
    templates: Templates
    public_url: str


def card_context(sources: CardSources, village: OrgUnit, today: date) -> dict[str, Any]:
    """What the template prints for ``village``."""
    org = sources.org
    township = org.units.get(village.parent or "")
    users = list(org.users.values())  # in the organisation file's order
    agents = []
    for user in users:
        if "village_agent" not in user.roles or user.unit != village.code:
            continue
        deputy = org.users.get(user.stand_in or "") if user.stand_in else None
        agents.append(
            {
                "name": user.name,
                "phone": user.phone,
                "stand_in": deputy.name if deputy is not None else None,
                "stand_in_phone": deputy.phone if deputy is not None else None,
            }
        )
    windows = _phones(
        u for u in users if "township_window" in u.roles and township and u.unit == township.code
    )
    supervision = _phones(u for u in users if "supervisor" in u.roles)
    proxy = [item.name for item in sources.catalogue if item.kind == "proxy"]
    return {
        "county": org.county.name,
        "township": township.name if township is not None else "",
        "village": {"code": village.code, "name": village.name, "kind": village.kind},
        "agents": agents,
        "window_phones": windows,
        "supervision_phones": supervision,
        "hotline": HOTLINE,
        "proxy_items": proxy,
        "devolved_items": _most_used(sources, village.code, today),
        "progress_url": f"{sources.public_url}/progress",
        "printed_on": f"{today.year}年{today.month}月{today.day}日",
    }


def contact_card_pdf(sources: CardSources, village: OrgUnit, now: datetime) -> bytes:
    today = now.astimezone(SHANGHAI).date()
    context = card_context(sources, village, today)
    body = sources.templates.render(TEMPLATE, context)
    title = f"{context['township']}{village.name}代办服务联系卡"
    setup = PageSetup(
        title=title,
        author=context["township"] or context["county"],
        made_at=datetime.combine(today, time(0), SHANGHAI),
        codes=(Code(context["progress_url"], "扫码查询办理进度（办件编号＋身份证号码后六位）"),),
        footer_note=title,
    )
    return render(body, setup)


def _phones(users: Any) -> list[dict[str, str]]:
    """(name, phone) of the users with a phone, each phone once."""
    seen: dict[str, str] = {}
    for user in users:
        if user.phone and user.phone not in seen:
            seen[user.phone] = user.name
    return [{"name": name, "phone": phone} for phone, name in seen.items()]


def _most_used(sources: CardSources, village: str, today: date) -> list[str]:
    """The devolved items most registered for the village's residents over the last
    ``USED_DAYS`` days (ties by item code), at most ``MOST_USED``."""
    period = Period(today - timedelta(days=USED_DAYS - 1), today)
    report = sources.stats.figures(period, "item", where=CaseFilter(village=village))
    devolved = {item.code: item.name for item in sources.catalogue if item.kind == "devolved"}
    used = sorted(
        (-group.figures.registered, group.unit)
        for group in report.groups
        if group.unit is not None and group.unit in devolved and group.figures.registered > 0
    )
    return [devolved[code] for _, code in used[:MOST_USED]]
