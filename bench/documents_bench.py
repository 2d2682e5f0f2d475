"""How long a document (文书) takes: the fonts read once, a first print (rendered, stored,
recorded), a reprint (the stored bytes), the list of a case's documents.

    python bench/documents_bench.py [--cases 20] [--database sqlite|postgresql]

Cases of MZ004 (高龄津贴, a proxy item) registered at 青丝社区's village point and
accepted at the window, so each has four documents at hand: 收件回执, 代办委托书,
材料交接单 and 受理通知书. Prints milliseconds per operation (median and worst) and the
PDF sizes. The figures are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import Actor, Engine, ManualClock, read_sources  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.documents import pdf  # noqa: E402
from engine.identity import Principal  # noqa: E402
from engine.registration import Applicant, Registration  # noqa: E402
from engine.simulate import fill_form  # noqa: E402
from engine.store.testing import isolated_database  # noqa: E402
from processes.catalogue import load_catalogue  # noqa: E402

PG_URL = os.environ.get("DAIBAN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BPMN = ROOT / "processes" / "bpmn"
NOW = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)
ANSWERS: dict[str, dict[str, Any]] = {
    "Task_handover": {"handover_items": 3, "handover_originals": 1, "received_by": "王芳"},
    "Task_check_materials": {"intake_decision": "accept"},
}


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'documents.sqlite3'}"
        return
    with isolated_database(PG_URL, folder) as url:
        yield url


def accepted_case(engine: Engine, n: int) -> int:
    item = engine.catalogue.get("MZ004")
    assert item is not None
    agent = engine.org.users["tan.xiaoyan"]
    principal = Principal(agent.id, agent.name, frozenset(agent.roles), agent.unit)
    applicant = Applicant("张秀兰", "11010519491231002X", "511725201001", "13800001234", f"{n}号")
    registration = Registration(
        "MZ004", applicant, "village_point", "tan.xiaoyan", [m.name for m in item.materials]
    )
    view = engine.registration.register(principal, registration)
    while "Task_check_materials" not in {t.spec_id for t in view.tasks}:
        task = view.tasks[0]
        form = engine.definitions.compiled(view.definition_hash).form(task.process_id, task.spec_id)
        data = fill_form(form, ANSWERS.get(task.spec_id, {}), "2026-09-24")
        view = engine.cases.complete_task(view.id, task.id, data, Actor("bench"))
    task = next(t for t in view.tasks if t.spec_id == "Task_check_materials")
    engine.cases.complete_task(view.id, task.id, ANSWERS[task.spec_id], Actor("bench"))
    return view.id


CPU: list[float] = []  # the process's CPU time of each timed action, ms


def timed(action: Callable[[], object]) -> float:
    """Wall-clock milliseconds of ``action`` (its CPU time goes to ``CPU``: on a shared
    machine the wall clock also counts the neighbours)."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    CPU.append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000


def line(name: str, samples: list[float]) -> str:
    return f"{name:<28} median {statistics.median(samples):7.1f} ms   worst {max(samples):7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    print(f"fonts read once per process: {timed(pdf.warm_up):.0f} ms (CPU {CPU[-1]:.0f} ms)")
    with tempfile.TemporaryDirectory() as folder, database(args.database, Path(folder)) as url:
        engine = Engine(url, ManualClock(NOW))
        wanted = {item.process_id for item in load_catalogue() if item.code == "MZ004"}
        engine.definitions.deploy(
            read_sources([BPMN / "common", *(BPMN / "items" / f"{p}.bpmn" for p in wanted)])
        )
        ids = [accepted_case(engine, n) for n in range(args.cases)]
        documents = engine.documents
        listing, first, again, sizes, first_cpu = [], [], [], [], []
        actor = Actor("tan.xiaoyan")
        for case_id in ids:
            listing.append(timed(partial(documents.entries, case_id)))
            for entry in documents.entries(case_id):
                if entry.document_id is None:
                    continue
                fetch = partial(documents.document, case_id, entry.document_id, actor)
                first.append(timed(fetch))
                first_cpu.append(CPU[-1])
                again.append(timed(fetch))
                sizes.append(len(fetch().data))
        print(f"{args.database}: {len(ids)} cases, {len(first)} documents")
        print(line("list a case's documents", listing))
        print(line("first print (issue)", first))
        print(line("first print, CPU time", first_cpu))
        print(line("reprint (stored bytes)", again))
        print(f"PDF size: {min(sizes) // 1024}–{max(sizes) // 1024} KiB")
        engine.close()


if __name__ == "__main__":
    main()
