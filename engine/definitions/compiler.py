"""From BPMN sources to lint results and compiled (parsed) process specs."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.definitions.expressions import BPMN_NS
from engine.definitions.forms import Form
from engine.definitions.lint import FileChecker, ProcessOutline, check_calls
from engine.definitions.loops import bounded_parser_classes
from engine.definitions.timers import (
    ClockBoundaryEventParser,
    ClockIntermediateCatchEventParser,
    ClockStartEventParser,
)
from engine.errors import DefinitionError, Problem
from engine.runtime.bounds import DEFAULT_LOOP_MAXIMUM, EngineBounds
from engine.scripting.helpers import HELPER_NAMES
from engine.xmlsafe import UnsafeXml, line_of, parse_xml


class DaibanParser(SpiffBpmnParser):  # type: ignore[misc]
    """SpiffWorkflow's spiff parser with clock-aware timers and loops that charge the step
    budget; schema checks are done by lint."""

    OVERRIDE_PARSER_CLASSES: ClassVar[dict[str, Any]] = bounded_parser_classes(
        {
            **SpiffBpmnParser.PARSER_CLASSES,
            **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
            full_tag("startEvent"): (ClockStartEventParser, StartEvent),
            full_tag("intermediateCatchEvent"): (
                ClockIntermediateCatchEventParser,
                IntermediateCatchEvent,
            ),
            full_tag("boundaryEvent"): (ClockBoundaryEventParser, BoundaryEvent),
        }
    )


@dataclass(frozen=True)
class SourceFile:
    path: str
    data: bytes

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_sources(paths: Iterable[str | Path]) -> list[SourceFile]:
    """Read files, expanding directories to their ``*.bpmn`` files (sorted)."""
    sources: list[SourceFile] = []
    for raw in paths:
        path = Path(raw)
        files = sorted(path.rglob("*.bpmn")) if path.is_dir() else [path]
        sources.extend(SourceFile(str(f), f.read_bytes()) for f in files)
    return sources


def defines_process(data: bytes, process_id: str) -> bool:
    """Whether the BPMN file ``data`` defines the process ``process_id``."""
    try:
        root = parse_xml(data).getroot()
    except UnsafeXml:
        return False
    return any(p.get("id") == process_id for p in root.iterfind(f"{{{BPMN_NS}}}process"))


@dataclass
class LintResult:
    problems: list[Problem] = field(default_factory=list)
    # Accepted but to be changed (a lane of the old format, named with its role code).
    warnings: list[Problem] = field(default_factory=list)
    outlines: dict[str, ProcessOutline] = field(default_factory=dict)
    trees: dict[str, etree._ElementTree] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def lint(
    sources: Iterable[SourceFile],
    known_processes: Collection[str] = (),
    *,
    loop_maximum: int | None = DEFAULT_LOOP_MAXIMUM,
) -> LintResult:
    """Check all sources together; every problem is collected, nothing is executed.

    ``loop_maximum``: the largest ``loopMaximum`` a standard loop (and literal cardinality
    a multi-instance) may have; ``None`` skips that check."""
    result = LintResult()
    by_path = {}
    for source in sources:
        by_path[source.path] = source
        try:
            tree = parse_xml(source.data)
        except UnsafeXml as exc:
            result.problems.append(
                Problem(source.path, exc.problem.line, None, exc.problem.message)
            )
            continue
        result.trees[source.path] = tree
        checker = FileChecker(source.path, tree, HELPER_NAMES, loop_maximum)
        checker.run()
        result.problems.extend(checker.problems)
        result.warnings.extend(checker.warnings)
        for pid, outline in checker.outlines.items():
            if pid in result.outlines:
                first = result.outlines[pid].path
                result.problems.append(
                    Problem(source.path, None, pid, f"流程 id 与 {first} 中的流程重复")
                )
            else:
                result.outlines[pid] = outline
    result.problems.extend(check_calls(result.outlines.values(), known_processes))
    if result.ok:
        for pid, outline in result.outlines.items():
            if outline.executable:
                _try_compile(pid, result, by_path)
    result.problems.sort(key=lambda p: (p.path, p.line or 0))
    result.warnings.sort(key=lambda p: (p.path, p.line or 0))
    return result


def _try_compile(pid: str, result: LintResult, by_path: Mapping[str, SourceFile]) -> None:
    closure = process_closure(pid, result.outlines)
    files = {result.outlines[p].path for p in closure}
    try:
        compile_trees(pid, {path: result.trees[path] for path in sorted(files)})
    except ValidationException as exc:
        path = exc.file_name or result.outlines[pid].path
        line = _line_of(result.trees.get(path), exc.id) if exc.id else None
        result.problems.append(Problem(path, line, exc.id or pid, f"流程解析失败：{exc}"))
    except SpiffWorkflowException as exc:
        result.problems.append(
            Problem(result.outlines[pid].path, None, pid, f"流程解析失败：{exc}")
        )


def _line_of(tree: etree._ElementTree | None, element_id: str) -> int | None:
    if tree is None:
        return None
    found = tree.getroot().xpath("//*[@id=$ident]", ident=element_id)
    return line_of(found[0]) if isinstance(found, list) and found else None


def process_closure(pid: str, outlines: Mapping[str, ProcessOutline]) -> list[str]:
    """The process and every process it calls, directly or not (sorted)."""
    seen: set[str] = set()
    stack = [pid]
    while stack:
        current = stack.pop()
        if current in seen or current not in outlines:
            continue
        seen.add(current)
        stack.extend(outlines[current].calls)
    return sorted(seen)


@dataclass(frozen=True)
class CompiledProcess:
    """A parsed, runnable process version with its called processes."""

    process_id: str
    version_hash: str
    spec: Any
    subprocess_specs: dict[str, Any]
    outlines: dict[str, ProcessOutline]
    # The bounds its cases run under: carried with the process so that every path that
    # runs it (live changes, replay, verify) applies the same ones.
    bounds: EngineBounds = field(default_factory=EngineBounds)

    def form(self, process_id: str, task_id: str) -> Form | None:
        outline = self.outlines.get(process_id)
        return outline.forms.get(task_id) if outline else None

    def lane(self, process_id: str, task_id: str) -> str | None:
        """The role code of the lane the task is in (its lane's ``daiban:role``)."""
        outline = self.outlines.get(process_id)
        return outline.lanes.get(task_id) if outline else None


def version_hash(pid: str, file_hashes: Iterable[str]) -> str:
    """A process version's identity: its id and the content of every file it needs."""
    digest = hashlib.sha256(pid.encode())
    for file_hash in sorted(set(file_hashes)):
        digest.update(b"\0" + file_hash.encode())
    return digest.hexdigest()


def compile_trees(pid: str, trees: Mapping[str, etree._ElementTree]) -> tuple[Any, dict[str, Any]]:
    parser = DaibanParser()
    for path, tree in trees.items():
        parser.add_bpmn_xml(tree, filename=path)
    spec = parser.get_spec(pid)
    return spec, parser.get_subprocess_specs(pid)


def compile_process(
    pid: str, sources: Iterable[SourceFile], bounds: EngineBounds | None = None
) -> CompiledProcess:
    """Parse a process from the files of its version (already linted when deployed).

    The loop cap was applied at deployment; a version deployed under a larger cap still
    loads, and the step budget bounds its loops whatever the cap is now."""
    files = list(sources)
    result = lint(files, loop_maximum=None)
    if not result.ok:
        raise DefinitionError(result.problems)
    closure = process_closure(pid, result.outlines)
    needed = sorted({result.outlines[p].path for p in closure})
    spec, subprocess_specs = compile_trees(pid, {p: result.trees[p] for p in needed})
    by_path = {f.path: f for f in files}
    return CompiledProcess(
        pid,
        version_hash(pid, (by_path[p].content_hash for p in needed)),
        spec,
        subprocess_specs,
        {p: result.outlines[p] for p in closure},
        bounds or EngineBounds(),
    )
