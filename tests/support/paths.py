"""Where the tests find the repository's files, and which database they run on."""

from __future__ import annotations

import os
from pathlib import Path

from processes.resources import BPMN_DIR

ROOT = Path(__file__).resolve().parents[2]
BPMN = BPMN_DIR
SAMPLE = BPMN / "sample"
DATA = ROOT / "tests" / "data"
# PostgreSQL when set (each test or module gets its own schema), else SQLite files.
PG_URL = os.environ.get("DAIBAN_TEST_DATABASE_URL")
# The catalogue's processes: the shared call activities and one process per item.
LIBRARY = (BPMN / "common", BPMN / "items")
