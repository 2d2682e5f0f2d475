"""The due rule of a registration (``engine.registration.due_rule``) for every kind of
limit the catalogue can give: working days, calendar days, on the spot; from acceptance
or from registration."""

from __future__ import annotations

from dataclasses import replace

from engine.registration import DueRule, due_rule
from processes.catalogue import Catalogue


def test_every_item_of_the_catalogue_has_a_rule(catalogue: Catalogue) -> None:
    for item in catalogue:
        rule = due_rule(item, "acceptance")
        assert rule.limit_days == item.promised_limit and rule.unit == item.limit_unit
        assert rule.on_the_spot is item.on_the_spot
        assert rule.text.startswith("即办件" if item.on_the_spot else "受理之日起 ")


def test_each_kind_of_limit(catalogue: Catalogue) -> None:
    item = next(i for i in catalogue if not i.on_the_spot and i.promised_limit == 15)
    assert due_rule(item, "acceptance") == DueRule(
        "acceptance", 15, "working_days", False, "受理之日起 15 个工作日内办结"
    )
    assert due_rule(item, "acceptance").limit_working_days == 15
    calendar = due_rule(replace(item, limit_unit="calendar_days"), "registration")
    assert calendar == DueRule(
        "registration", 15, "calendar_days", False, "登记之日起 15 个自然日内办结"
    )
    assert calendar.limit_working_days is None
    spot = next(i for i in catalogue if i.on_the_spot)
    assert due_rule(spot, "acceptance").text == "即办件：受理后当场办结"
    assert due_rule(spot, "registration").text == "即办件：登记后当场办结"


def test_the_periods_an_item_excludes_are_named(catalogue: Catalogue) -> None:
    rule = due_rule(catalogue.items["MZ001"], "acceptance")
    assert rule.text == "受理之日起 25 个工作日内办结（公示期间不计入）"
    assert due_rule(catalogue.items["MZ001"], "acceptance").limit_working_days == 25
