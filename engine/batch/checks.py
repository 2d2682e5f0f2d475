"""What a payout list accepts: the list's opening values, its lines, corrections and
payment results; every problem reported at once, field by field, in Chinese."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.definitions.form_formats import is_valid_id_number
from engine.errors import DataValidationError
from processes.catalogue import Catalogue, Item
from processes.org import Organization

MAX_NAME = 50
MAX_REASON = 200
MAX_AREA = Decimal("99999.99")  # 亩, far above any household's
MAX_RATE = Decimal("99999.99")  # 元/亩
ACCOUNT = re.compile(r"^[0-9]{10,30}\Z")  # a 一卡通 (bank or social security card) account
FIRST_YEAR = 2000


@dataclass(frozen=True)
class BatchInputs:
    """Opening a list: the item, the village, the year and the rate (元/亩) the county
    set for that year."""

    item_code: str
    village: str
    year: int
    rate: str

    def checked(self, catalogue: Catalogue, org: Organization) -> tuple[Item, Decimal]:
        errors: dict[str, str] = {}
        item = catalogue.get(self.item_code.strip().upper())
        if item is None or item.batch is None:
            errors["item_code"] = "不是按年度清册发放的事项（LY004、LY005、NL007）"
        unit = org.units.get(self.village)
        township = org.township_of(self.village) if unit is not None else None
        if unit is None or unit.kind not in ("village", "community") or township is None:
            errors["village"] = "应为本县一个村（社区）的 12 位区划代码"
        elif item is not None and not org.item_applies(item.code, township.code):
            errors["village"] = f"该事项未下放到{township.name}（事项适用范围）"
        if not FIRST_YEAR <= self.year <= 2100:
            errors["year"] = f"应为 {FIRST_YEAR}—2100 之间的年度"
        rate = _decimal(self.rate, MAX_RATE)
        if rate is None:
            errors["rate"] = f"补贴标准应为大于 0、不超过 {MAX_RATE} 的金额（元/亩，至多两位小数）"
        if errors or item is None or rate is None:
            raise DataValidationError(f"建立清册有 {len(errors)} 处错误", errors)
        return item, rate


@dataclass(frozen=True)
class NewLine:
    name: str
    id_number: str
    account: str
    area: Decimal

    def payload(self, no: int) -> dict[str, Any]:
        return {
            "no": no,
            "name": self.name,
            "id_number": self.id_number,
            "account": self.account,
            "area": str(self.area),
        }


@dataclass(frozen=True)
class PaymentResult:
    line: int
    paid: bool
    reason: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"line": self.line, "paid": self.paid, "reason": self.reason}


def new_lines(raw: Sequence[Mapping[str, Any]]) -> list[NewLine]:
    """The lines to add; ``DataValidationError`` naming every wrong field
    (``lines.3.id_number``)."""
    errors: dict[str, str] = {}
    lines = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        fields = _line_fields(entry, required=True)
        errors.update({f"lines.{i}.{k}": v for k, v in fields.errors.items()})
        number = fields.values["id_number"]
        if number in seen and "id_number" not in fields.errors:
            errors[f"lines.{i}.id_number"] = f"与本次第 {seen[number] + 1} 条重复"
        seen.setdefault(number, i)
        if not fields.errors:
            lines.append(NewLine(**fields.values))
    if errors:
        raise DataValidationError(f"清册名单有 {len(errors)} 处错误", errors)
    return lines


def correction(raw: Mapping[str, Any]) -> dict[str, str]:
    """A line's correction: the fields given (checked as for a new line) and ``reason``."""
    fields = _line_fields(raw, required=False)
    errors = dict(fields.errors)
    reason = reason_of(raw.get("reason"), errors)
    if errors:
        raise DataValidationError(f"更正有 {len(errors)} 处错误", errors)
    return {**{k: str(v) for k, v in fields.values.items()}, "reason": reason}


def payment_results(raw: Sequence[Mapping[str, Any]]) -> list[PaymentResult]:
    errors: dict[str, str] = {}
    results = []
    for i, entry in enumerate(raw):
        line, paid = entry.get("line"), entry.get("paid")
        reason = str(entry.get("reason") or "").strip() or None
        if not isinstance(line, int) or isinstance(line, bool) or line < 1:
            errors[f"results.{i}.line"] = "应为清册序号"
        if not isinstance(paid, bool):
            errors[f"results.{i}.paid"] = "应为 true（发放成功）或 false（发放失败）"
        elif not paid and reason is None:
            errors[f"results.{i}.reason"] = "发放失败的，应写明原因（如账户冻结、户名不符）"
        if reason is not None and len(reason) > MAX_REASON:
            errors[f"results.{i}.reason"] = f"不能超过 {MAX_REASON} 个字"
        if isinstance(line, int) and isinstance(paid, bool):
            results.append(PaymentResult(line, paid, None if paid else reason))
    if errors:
        raise DataValidationError(f"发放结果有 {len(errors)} 处错误", errors)
    return results


def strike_reason(raw: Any) -> str:
    errors: dict[str, str] = {}
    reason = reason_of(raw, errors)
    if errors:
        raise DataValidationError("请写明核减理由", errors)
    return reason


def reason_of(raw: Any, errors: dict[str, str]) -> str:
    reason = raw.strip() if isinstance(raw, str) else ""
    if not reason:
        errors["reason"] = "必填：写明核减或更正的理由"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"不能超过 {MAX_REASON} 个字"
    return reason


@dataclass(frozen=True)
class _Fields:
    values: dict[str, Any]
    errors: dict[str, str]


def _line_fields(entry: Mapping[str, Any], *, required: bool) -> _Fields:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    name = entry.get("name")
    if name is not None or required:
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > MAX_NAME:
            errors["name"] = f"必填，不超过 {MAX_NAME} 个字"
        values["name"] = name
    number = entry.get("id_number")
    if number is not None or required:
        number = number.strip().upper() if isinstance(number, str) else ""
        if not is_valid_id_number(number):
            errors["id_number"] = "公民身份号码不正确（位数、出生日期或校验码有误）"
        values["id_number"] = number
    account = entry.get("account")
    if account is not None or required:
        account = account.strip() if isinstance(account, str) else ""
        if not ACCOUNT.match(account):
            errors["account"] = "“一卡通”账号应为 10—30 位数字"
        values["account"] = account
    area = entry.get("area")
    if area is not None or required:
        values["area"] = _decimal(area, MAX_AREA)
        if values["area"] is None:
            errors["area"] = f"面积应为大于 0、不超过 {MAX_AREA} 的亩数（至多两位小数）"
    return _Fields(values, errors)


def _decimal(raw: Any, maximum: Decimal) -> Decimal | None:
    """A positive amount of at most two decimals up to ``maximum`` (None: not one)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > maximum:
        return None
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        return None
    return value.quantize(Decimal("0.01"))
