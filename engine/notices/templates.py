"""The Chinese text of each kind of notice (``processes/notices.yaml``, a county adapts
it without code), checked when read: every kind present, only known parameters."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.records.notices import NOTICE_KINDS
from processes import resources
from processes.yamlfile import DataFileError, load_yaml

PARAMETERS = frozenset({"case_number", "item", "unit", "due_date", "missing", "delivery", "link"})


@dataclass(frozen=True)
class Template:
    text: str
    without_link: str | None = None

    def render(self, params: Mapping[str, str]) -> str:
        """The notice's text; without a link, the ``without_link`` text if there is one."""
        text = self.text if params.get("link") or self.without_link is None else self.without_link
        return text.format_map({name: params.get(name) or "—" for name in PARAMETERS})


def load_templates(path: Path | None = None) -> dict[str, Template]:
    """The templates of ``path`` (None: the shipped ``processes/notices.yaml``)."""
    path = path or resources.NOTICE_TEMPLATES
    data, _ = load_yaml(path)
    problems: list[str] = []
    found: dict[str, Template] = {}
    if not isinstance(data, dict):
        raise DataFileError([f"{path}:1: -: 应为“通知类型: 模板”的映射"])
    for kind in NOTICE_KINDS:
        entry = data.get(kind)
        texts = entry if isinstance(entry, dict) else {}
        text, without = texts.get("text"), texts.get("without_link")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{path}:0: {kind}.text: 缺少通知模板")
            continue
        for name, value in (("text", text), ("without_link", without)):
            if isinstance(value, str):
                problems += [
                    f"{path}:0: {kind}.{name}: 未知参数 {{{field}}}"
                    for field in _fields(value)
                    if field not in PARAMETERS
                ]
        found[kind] = Template(text.strip(), without.strip() if isinstance(without, str) else None)
    if problems:
        raise DataFileError(problems)
    return found


def _fields(text: str) -> list[str]:
    try:
        return [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError:
        return ["（括号不配对）"]
