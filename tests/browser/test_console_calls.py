"""API calls per console page: a page makes the same number of calls however many rows
it shows (no request per row). The counts are printed as ``CONSOLE-CALLS`` lines (run
with ``-s``) for docs/benchmarks.md; only their independence of the rows is asserted."""

from __future__ import annotations

import pytest

from tests.support.api import make_app
from tests.support.console import Console
from tests.support.module_fixtures import module_engine
from tests.support.walks import PROXY_ITEM, QINGSI_COMMUNITY, SHIQIAO, WALKED, WINDOW_ITEM, Counter

clock, engine = module_engine(WALKED)

# (user, console address) of each list or detail page whose calls are counted.
PAGES = [
    ("wang.fang", "/tasks"),
    ("wang.fang", "/register"),
    ("wang.fang", "/cases"),
    ("chen.jing", "/leader"),
    ("sun.hong", "/dashboard"),
    ("sun.hong", "/ledger"),
    ("sun.hong", "/exports"),
    ("he.jun", "/admin/people"),
    ("he.jun", "/admin/absences"),
    ("lin.tao", "/designer"),
]


@pytest.fixture(scope="module")
def counter(console: Console) -> Counter:
    return Counter(make_app(console.engine).test_client(), console.engine)


def _settled_calls(console: Console, user: str, path: str) -> list[str]:
    """The calls of opening ``path`` in a new tab (the sign-in check included)."""
    desk = console.open(user, path)
    desk.ready()
    desk.page.wait_for_load_state("networkidle")
    calls = desk.api_calls()
    desk.close()
    return calls


def _register(counter: Counter, times: int) -> None:
    for n in range(times):
        item, village = (WINDOW_ITEM, SHIQIAO) if n % 2 else (PROXY_ITEM, QINGSI_COMMUNITY)
        channel = "township_window"
        counter.register("wang.fang", item, village, channel)


@pytest.mark.parametrize(("user", "path"), PAGES)
def test_a_page_makes_as_many_calls_for_many_rows_as_for_few(
    console: Console, counter: Counter, user: str, path: str
) -> None:
    _register(counter, 2)
    few = _settled_calls(console, user, path)
    _register(counter, 12)
    many = _settled_calls(console, user, path)
    print(f"CONSOLE-CALLS {path} as {user}: {len(many)} calls: {', '.join(many)}")
    assert len(many) == len(few), (few, many)
