"""``daiban openapi``: the OpenAPI document of the HTTP API, as the server publishes it.

The document is the one ``GET /api/v1/openapi.json`` answers: the app is created on a
temporary, empty SQLite database (nothing of the configured database is read or changed),
so the command works anywhere the package is installed — for generating clients
(``openapi-python-client``, ``openapi-typescript``; ``.ci/run`` does both).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def document() -> dict[str, Any]:
    """The live OpenAPI document of an app on a throw-away database."""
    from webapi.app import create_app
    from webapi.services import EXTENSION

    with tempfile.TemporaryDirectory(prefix="daiban-openapi-") as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{Path(folder) / 'openapi.sqlite3'}"})
        try:
            response = app.test_client().get("/api/v1/openapi.json")
            found: dict[str, Any] = response.get_json()
        finally:
            app.extensions[EXTENSION].close()
    return found


def cmd_openapi(args: argparse.Namespace) -> int:
    text = json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if args.out in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"OpenAPI 文档已写入 {args.out}", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    command = sub.add_parser(
        "openapi", help="输出 HTTP 接口的 OpenAPI 文档（JSON，用于生成客户端）"
    )
    command.add_argument("--out", metavar="FILE", help="写入文件（默认标准输出）")
    command.set_defaults(handler=cmd_openapi)
