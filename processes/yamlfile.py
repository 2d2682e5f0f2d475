"""Reading the project's YAML data files with line numbers for error messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it (several times faster on large files).
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataFileError(ValueError):
    """A data file is invalid: ``problems`` are ``PATH:LINE: FIELD: message`` lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The data of ``path`` and its node tree (for line numbers); errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError([f"{path}:0: -: 无法读取文件（{exc.strerror}）"]) from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise DataFileError(
            [f"{path}:{line}: -: YAML 格式错误（{getattr(exc, 'problem', exc)}）"]
        ) from None
    return data, node


def line_at(node: yaml.Node | None, path: Sequence[str | int]) -> int:
    """The 1-based line of the value at ``path`` (the deepest part that exists)."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            found = node.value[part]
        else:
            found = None
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def field_path(path: Sequence[str | int]) -> str:
    """``items[3].limits.promised`` style."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "-"
