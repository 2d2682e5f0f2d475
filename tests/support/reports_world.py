"""The data set of the reports tests (tests/api/test_api_reports.py and the console's
tests/browser/test_console_reports.py): the stats world (tests/support/stats_world.py)
with eight more on-the-spot cases (RS010 社保卡挂失, handled and rated at the window the same
day) in November and December, for the ranking:

            青丝乡 (511725201)                  丰乐乡 (511725202)
October     A very satisfied, B dissatisfied    no ratings
            (stats world): 1 / 2 = 0.5
Tue 10 Nov  q1 very satisfied, q2 very          f1, f2 very satisfied: 2 / 2 = 1.0
            dissatisfied: 1 / 2 = 0.5
Thu 10 Dec  q3 very satisfied, q4 satisfied:    f3, f4 very satisfied: 2 / 2 = 1.0
            2 / 2 = 1.0

The clock is left at Thu 10 Dec 2026 17:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.databases import Databases
from tests.support.stats_world import Desk, World, local, stats_world


def _on_the_spot(desk: Desk, user: str, village: str, level: int) -> int:
    case_id = desk.register(user, "RS010", village, "township_window")
    desk.do(case_id, "Task_check_materials", user, intake_decision="accept")
    desk.do(case_id, "Task_on_the_spot", user)
    desk.do(case_id, "Task_prepare_result", user, delivery_mode="window")
    desk.do(case_id, "Task_window_pickup", user)
    desk.rate(case_id, level, *(("slow",) if level <= 2 else ()))  # a bad one names a reason
    return case_id


@contextmanager
def reports_world(databases: Databases) -> Iterator[World]:
    with stats_world(databases) as found:
        desk = Desk(found.engine, found.clock, found.catalogue)
        for day, levels in (("2026-11-10", ((5, 1), (5, 5))), ("2026-12-10", ((5, 4), (5, 5)))):
            desk.at(f"{day} 09:00")
            for level in levels[0]:
                _on_the_spot(desk, "wang.fang", "511725201002", level)
            for level in levels[1]:
                _on_the_spot(desk, "pan.hong", "511725202001", level)
        found.clock.set(local("2026-12-10 17:00"))
        yield found
