"""Process definitions (流程定义): deployed versions, their BPMN, and deploying new ones.

Reading is open to every signed-in user (the diagrams are not case data); deploying is
for process designers. A deploy lints the uploaded files with the processes they call
(taken from their latest deployed versions when not uploaded) and checks them against
the item catalogue; every problem is reported as ``PATH:LINE: ELEMENT_ID: message``.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Response, current_app
from werkzeug.datastructures import FileStorage

from engine import DefinitionError, Problem, SourceFile, policy
from engine.definitions.catalogue_lint import deploy_checks
from engine.policy import Action
from engine.records import ProcessVersionRecord
from processes.org import ROLES
from webapi.auth import current_principal, require_auth
from webapi.problems import ApiProblem, refused
from webapi.request_body import accepts_uploads
from webapi.schemas.common import page_of
from webapi.schemas.definitions import (
    DefinitionPageSchema,
    DefinitionQuerySchema,
    DefinitionVersionsSchema,
    DeployArgsSchema,
    DeployFilesSchema,
    DeployResultSchema,
)
from webapi.services import services
from webapi.smorest import Blueprint

blp = Blueprint("definitions", __name__, url_prefix="/api/v1/definitions", description="流程定义")

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".xml")
MAX_FILE_NAME = 200


@blp.route("", methods=["GET"])
@require_auth
@blp.arguments(DefinitionQuerySchema, location="query")
@blp.response(200, DefinitionPageSchema)
def list_definitions(args: dict[str, Any]) -> dict[str, Any]:
    """已部署的流程：每个流程的最新版本，按流程 id 排序，分页"""
    text = args.get("q")
    latest = []
    for _, group in groupby(services().engine.definitions.versions(), key=lambda v: v.process_id):
        versions = list(group)
        last = versions[-1]
        if text is None or text in last.process_id or text in last.name:
            latest.append({**_version(last), "versions": len(versions)})
    return page_of(latest, args)


@blp.route("/<process_id>", methods=["GET"])
@require_auth
@blp.response(200, DefinitionVersionsSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_definition(process_id: str) -> dict[str, Any]:
    """一个流程的全部已部署版本及各版本用到的文件"""
    versions = services().engine.definitions.versions(process_id)
    if not versions:
        raise ApiProblem(404, "not_found", f"流程“{process_id}”尚未部署")
    return {
        "process_id": process_id,
        "versions": [
            {**_version(v), "files": [{"path": p, "hash": h} for p, h in v.files]} for v in versions
        ],
    }


@blp.route("/<process_id>/<int:version>", methods=["GET"])
@require_auth
@blp.response(
    200,
    content_type="application/xml",
    description="流程本身的 BPMN 2.0 文件（含图形信息）",
    headers={"ETag": {"description": "版本内容哈希", "schema": {"type": "string"}}},
)
@blp.alt_response(404, response="NOT_FOUND")
def get_version_xml(process_id: str, version: int) -> Response:
    """某一版本的 BPMN XML（可直接用 bpmn-js 打开）"""
    definitions = services().engine.definitions
    record = definitions.version(process_id, version)
    source = definitions.source(record)
    response = current_app.response_class(source.data, mimetype="application/xml")
    response.set_etag(record.hash)
    response.headers["Content-Disposition"] = f'inline; filename="{process_id}.v{version}.bpmn"'
    return response


@blp.route("", methods=["POST"])
@accepts_uploads
@require_auth
@blp.arguments(DeployArgsSchema, location="query")
@blp.arguments(DeployFilesSchema, location="files")
@blp.response(201, DeployResultSchema, description="部署完成（有新版本）")
@blp.alt_response(200, schema=DeployResultSchema, description="未产生新版本，或 dry_run 校验通过")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def deploy(args: dict[str, Any], upload: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """校验并部署 BPMN 文件（仅流程设计员）

    `multipart/form-data`，字段 `files` 可重复。文件有问题时返回 422，`problems` 逐条列出
    `文件:行: 元素 id: 问题`，什么也不部署。`dry_run=true` 只校验。
    """
    principal = current_principal()
    refusal = policy.refusal(principal, Action.DEPLOY_DEFINITIONS)
    if refusal is not None:
        raise refused(refusal)
    sources = _sources(upload["files"])
    results = services().engine.definitions.deploy(
        sources,
        actor=principal.user_id,
        dry_run=args["dry_run"],
        use_deployed=True,
        checks=deploy_checks(services().catalogue, ROLES),
    )
    body = {
        "dry_run": args["dry_run"],
        "deployed": [
            {"process_id": r.process_id, "version": r.version, "hash": r.hash, "created": r.created}
            for r in results
        ],
    }
    created = not args["dry_run"] and any(r.created for r in results)
    return body, 201 if created else 200


def _sources(uploads: list[Any]) -> list[SourceFile]:
    """The uploaded files as sources, named by their base names (each must be BPMN)."""
    sources: list[SourceFile] = []
    seen: set[str] = set()
    problems: list[Problem] = []
    for position, upload in enumerate(uploads, start=1):
        raw = upload.filename if isinstance(upload, FileStorage) else None
        name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:MAX_FILE_NAME]
        if not isinstance(upload, FileStorage) or not name:
            raise ApiProblem(
                422,
                "validation_failed",
                f"第 {position} 个 files 不是带文件名的上传文件",
                errors=[{"field": "files", "in": "files", "reason": "应为 BPMN 文件上传"}],
            )
        if not name.lower().endswith(BPMN_SUFFIXES):
            problems.append(Problem(name, None, None, "文件名应以 .bpmn 结尾"))
        elif name in seen:
            problems.append(Problem(name, None, None, "同名文件上传了两次"))
        seen.add(name)
        sources.append(SourceFile(name, upload.read()))
    if problems:
        raise DefinitionError(problems)
    return sources


def _version(record: ProcessVersionRecord) -> dict[str, Any]:
    return {
        "process_id": record.process_id,
        "version": record.version,
        "hash": record.hash,
        "name": record.name,
        "deployed_at": record.deployed_at,
        "deployed_by": record.deployed_by,
    }
