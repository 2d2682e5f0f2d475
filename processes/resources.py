"""Where daiban's own files are: the one module that knows the package layout.

Everything a running daiban reads from its own distribution is package data of
``processes`` and is found relative to this file, so a checkout, an editable install and
an installed wheel find the same files in the same place:

| name | what | setting that replaces it |
| --- | --- | --- |
| ``BPMN_DIR`` | the BPMN library: ``common/`` (shared call activities), ``items/`` (one process per catalogue item), ``sample/`` | ``DAIBAN_BPMN_DIR`` |
| ``CATALOGUE_DIR`` | the item catalogue, one YAML file per department | ``DAIBAN_CATALOGUE_DIR`` |
| ``CATALOGUE_SCHEMA`` | the JSON Schema every catalogue file is checked against | — |
| ``DEMO_ORG_FILE`` | the demo organisation | ``DAIBAN_ORG_FILE`` |
| ``HOLIDAY_FILE`` | holiday-calendar overrides (节假日安排) | ``DAIBAN_HOLIDAY_FILE`` |
| ``DOCUMENTS_DIR`` | the document templates (文书模板), one HTML file per kind | ``DAIBAN_DOCUMENTS_DIR`` (file by file) |

The settings are read by ``webapi.settings`` (``engine`` and ``processes`` never read the
environment) and handed to the engine as plain paths.

``LAYOUT_TOOL`` (``tools/layout``, bpmn-auto-layout on Node.js) is design-time tooling:
it exists in a checkout only, never in a wheel, and whoever needs it says how to get it
when it is missing.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BPMN_DIR = PACKAGE_DIR / "bpmn"
CATALOGUE_DIR = PACKAGE_DIR / "catalogue"
CATALOGUE_SCHEMA = PACKAGE_DIR / "schema" / "catalogue.schema.json"
DEMO_ORG_FILE = PACKAGE_DIR / "org" / "demo.yaml"
HOLIDAY_FILE = PACKAGE_DIR / "holidays.yaml"
NOTICE_TEMPLATES = PACKAGE_DIR / "notices.yaml"  # 短信通知模板 (engine.notices)
DOCUMENTS_DIR = PACKAGE_DIR / "documents"
# The checkout the package was imported from (in an installed wheel: site-packages,
# which has no tools/ folder).
SOURCE_TREE = PACKAGE_DIR.parent
LAYOUT_TOOL = SOURCE_TREE / "tools" / "layout"

__all__ = [
    "BPMN_DIR",
    "CATALOGUE_DIR",
    "CATALOGUE_SCHEMA",
    "DEMO_ORG_FILE",
    "DOCUMENTS_DIR",
    "HOLIDAY_FILE",
    "LAYOUT_TOOL",
    "NOTICE_TEMPLATES",
    "PACKAGE_DIR",
    "SOURCE_TREE",
]
