"""``python -m engine.design.layout [--check] PATH...``: (re)draw the diagrams of BPMN
files in place, or with ``--check`` only report the stale ones (exit 1)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.design.layout.diagram import add_diagram
from engine.design.layout.grid import LayoutError
from engine.logs import configure, get_logger

log = get_logger("engine.design.layout")  # not __name__: run as a script, that is __main__


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 done, 1 stale diagrams found (``--check``), 2 the layout tool could not run."""
    parser = argparse.ArgumentParser(
        prog="python -m engine.design.layout",
        description="为 BPMN 文件生成流程图布局（BPMN DI：泳池、泳道、连线），原地改写。",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--check", action="store_true", help="只检查：布局需要更新时退出码为 1，不改写文件"
    )
    args = parser.parse_args(argv)
    stale = 0
    try:
        for raw in args.paths:
            path = Path(raw)
            data = path.read_bytes()
            laid_out = add_diagram(data)
            if laid_out == data:
                continue
            stale += 1
            if args.check:
                print(f"{path}: 布局需要更新")
            else:
                path.write_bytes(laid_out)
                print(f"{path}: 已生成布局")
    except LayoutError as exc:
        log.warning("layout_failed", files=len(args.paths), error=str(exc))
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    log.info("layout_done", files=len(args.paths), changed=stale, check=args.check)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    configure()
    sys.exit(main())
