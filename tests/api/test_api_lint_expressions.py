"""A file without an executable process is refused the same way everywhere: by lint, by
the engine's deploy, on the command line and over HTTP (lint's own checks:
``tests/unit/test_lint_expressions.py``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine import Engine, SourceFile, lint
from engine.errors import DefinitionError
from webapi import create_app
from webapi.cli import main

NOT_EXECUTABLE = (
    '<bpmn:process id="p" isExecutable="false"><bpmn:startEvent id="S"/></bpmn:process>',
    "",  # no process at all
)


def _without_executable(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        f'id="Defs" targetNamespace="urn:x">{body}</bpmn:definitions>\n'
    ).encode()


@pytest.mark.parametrize("body", NOT_EXECUTABLE)
def test_a_file_without_an_executable_process_is_refused(
    engine: Engine, tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SourceFile("none.bpmn", _without_executable(body))
    problems = [str(p) for p in lint([source]).problems]
    assert 'none.bpmn:2: Defs: 文件中没有可执行的流程（bpmn:process 且 isExecutable="true"）' in (
        problems
    )
    with pytest.raises(DefinitionError):
        engine.definitions.deploy([source])
    # the command line, both ways
    path = tmp_path / "none.bpmn"
    path.write_bytes(source.data)
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    assert main(["lint", "--no-catalogue", str(path)]) == 1
    assert main(["--database-url", url, "deploy", str(path)]) == 1
    assert "文件中没有可执行的流程" in capsys.readouterr().out
    # and over HTTP, for a designer
    client = create_app({"ENGINE": engine, "SECRET_KEY": "test", "TESTING": True}).test_client()
    token = engine.identity.issue_token("lin.tao").token
    response = client.post(
        "/api/v1/definitions",
        data={"files": [(io.BytesIO(source.data), "none.bpmn")]},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "invalid_definition"
    assert any("文件中没有可执行的流程" in p["text"] for p in response.get_json()["problems"])
    assert engine.definitions.versions() == []
