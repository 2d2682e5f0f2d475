"""Deployed process definitions (流程定义): versions, their files, and deploying new ones."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapi.schemas.common import LocalDateTime, PageArgsSchema, PageSchema
from webapi.smorest import Upload


class DefinitionQuerySchema(PageArgsSchema):
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "流程 id 或名称包含的文字"},
    )


class VersionFileSchema(Schema):
    path = fields.String(required=True, metadata={"description": "部署时的文件名"})
    hash = fields.String(required=True, metadata={"description": "文件内容的 SHA-256"})


class VersionSchema(Schema):
    process_id = fields.String(required=True, metadata={"example": "item_mz001"})
    version = fields.Integer(required=True, metadata={"description": "版本号，从 1 起"})
    hash = fields.String(
        required=True, metadata={"description": "版本内容哈希（流程及其调用的全部文件）"}
    )
    name = fields.String(required=True, metadata={"description": "流程名称"})
    deployed_at = LocalDateTime(required=True)
    deployed_by = fields.String(required=True, metadata={"description": "部署人"})


class DefinitionSummarySchema(VersionSchema):
    versions = fields.Integer(required=True, metadata={"description": "已部署的版本数"})


class DefinitionPageSchema(PageSchema):
    items = fields.List(
        fields.Nested(DefinitionSummarySchema),
        required=True,
        metadata={"description": "每个流程的最新版本，按流程 id 排序"},
    )


class VersionDetailSchema(VersionSchema):
    files = fields.List(
        fields.Nested(VersionFileSchema),
        required=True,
        metadata={"description": "此版本用到的文件：流程本身及其调用的流程"},
    )


class DefinitionVersionsSchema(Schema):
    process_id = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionDetailSchema), required=True)


class DeployArgsSchema(Schema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "只校验、不部署：返回将会产生的版本"},
    )


class DeployFilesSchema(Schema):
    files = fields.List(
        Upload(),
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "BPMN 文件（.bpmn，可多个）；未上传的被调用流程取其最新已部署版本"
        },
    )


class DeployedSchema(Schema):
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    hash = fields.String(required=True)
    created = fields.Boolean(
        required=True, metadata={"description": "true 为新版本；false 为与最新版本相同，未变化"}
    )


class DeployResultSchema(Schema):
    dry_run = fields.Boolean(required=True)
    deployed = fields.List(fields.Nested(DeployedSchema), required=True)
