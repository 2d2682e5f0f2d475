"""What reaching the resident costs: the notice outbox inside every case change, the
sender's rate, and cleaning an uploaded scan.

    python bench/residents_bench.py [--cases 20] [--notices 100]

1. **Outbox in the change.** MZ004 cases (高龄津贴, a proxy item) registered at a village
   point and walked to acceptance — five changes, one notice (受理) — on two engines in one
   run, alternating case by case: one as shipped, one without the outbox's observer.
   Prints the median milliseconds per case of each and their ratio.
2. **Sender.** ``--notices`` cases accepted (one notice each), then their notices sent with the log channel in batches of
   100 (``NoticeService.send_due``: claim, send, mark, one notice at a time). Prints
   notices per second.
3. **Scans.** An A4 page at 300 dpi (2480×3508, noise, so nothing compresses away) as a
   JPEG and a PNG with EXIF, and a 20-page PDF with metadata: ``engine.scans.clean``
   (sniff, check, strip, encode). Prints milliseconds (median of three) and sizes.

Everything on SQLite files in a temporary folder. The figures are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The same MZ004 case as bench/documents_bench.py (bench/ is on the path of a script run)
from documents_bench import accepted_case  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfWriter  # noqa: E402

from engine import Engine, ManualClock, read_sources  # noqa: E402
from engine.clock import SHANGHAI  # noqa: E402
from engine.notices.channels import LogChannel  # noqa: E402
from engine.notices.service import SendPolicy  # noqa: E402
from engine.records import NoticeQuery  # noqa: E402
from engine.scans import clean  # noqa: E402

BPMN = ROOT / "processes" / "bpmn"
NOW = datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI)


def engine_in(folder: Path, name: str, outbox: bool) -> Engine:
    engine = Engine(f"sqlite:///{folder / name}", ManualClock(NOW))
    engine.definitions.deploy(read_sources([BPMN / "common", BPMN / "items" / "item_mz004.bpmn"]))
    if not outbox:  # the notices' observer is the one that is not the rating links'
        links = engine.ratings.links.observe
        engine.cases.changes.observers[:] = [
            o for o in engine.cases.changes.observers if o == links
        ]
    return engine


def ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def outbox_cost(folder: Path, cases: int) -> None:
    shipped, bare = (
        engine_in(folder, "with.sqlite3", True),
        engine_in(folder, "without.sqlite3", False),
    )
    accepted_case(shipped, -1), accepted_case(bare, -1)  # warm: caches, first queries
    with_, without = [], []
    for n in range(cases):
        with_.append(ms(partial(accepted_case, shipped, n)))
        without.append(ms(partial(accepted_case, bare, n)))
    a, b = statistics.median(with_), statistics.median(without)
    queued = shipped.notices.find(NoticeQuery(), 0, 1)[1]
    print(f"1. case to acceptance: with the outbox {a:.1f} ms, without {b:.1f} ms, "
          f"ratio {a / b:.2f} ({cases} cases each; notices queued: {queued})")  # fmt: skip
    shipped.close()
    bare.close()


def sender_rate(folder: Path, notices: int) -> None:
    engine = engine_in(folder, "sender.sqlite3", True)
    clock = engine.wall_clock
    for n in range(notices):  # each queues one notice (受理)
        accepted_case(engine, n)
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))
    channel, policy, sent = LogChannel(), SendPolicy(), 0
    started = time.perf_counter()
    while True:
        report = engine.notices.send_due(channel, policy, "bench")
        if not report.sent:
            break
        sent += len(report.sent)
    seconds = time.perf_counter() - started
    print(f"2. sender, log channel: {sent} notices in {seconds:.2f} s, {sent / seconds:.0f}/s")
    engine.close()


def scans() -> None:
    def picture() -> Image.Image:
        noise = Image.effect_noise((2480, 3508), 64).convert("RGB")
        return noise

    exif = Image.Exif()
    exif[0x010F] = "Scanner"  # Make
    files = {}
    for kind in ("JPEG", "PNG"):
        out = io.BytesIO()
        picture().save(out, kind, exif=exif, **({"quality": 90} if kind == "JPEG" else {}))
        files[f"A4 300 dpi {kind}"] = out.getvalue()
    writer = PdfWriter()
    for _ in range(20):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Author": "张三", "/Title": "扫描件"})
    out = io.BytesIO()
    writer.write(out)
    files["PDF, 20 pages"] = out.getvalue()
    for name, data in files.items():
        times = [ms(partial(clean, data)) for _ in range(3)]
        size = len(clean(data).data)
        print(f"3. clean {name:<18} {statistics.median(times):7.0f} ms   "
              f"{len(data) / 1e6:5.2f} MB -> {size / 1e6:5.2f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--notices", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        outbox_cost(Path(folder), args.cases)
        sender_rate(Path(folder), args.notices)
    scans()


if __name__ == "__main__":
    main()
