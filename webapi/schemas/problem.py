"""The problem+json body (RFC 9457), for the OpenAPI document; responses are built by
``webapi.problems``."""

from __future__ import annotations

from marshmallow import Schema, fields

from webapi.problems import CODES

_CODES_TEXT = "；".join(
    f"{code}（{status}）：{meaning}" for code, (status, meaning) in CODES.items()
)


class FieldErrorSchema(Schema):
    field = fields.String(metadata={"description": "字段（嵌套字段以 . 连接）"})
    in_ = fields.String(
        data_key="in", metadata={"description": "位置：body、query、path", "example": "body"}
    )
    reason = fields.String(metadata={"description": "原因（中文）", "example": "必填"})


class DefinitionProblemSchema(Schema):
    path = fields.String()
    line = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)
    message = fields.String()
    text = fields.String(
        metadata={
            "description": "整行：文件:行: 元素 id: 问题",
            "example": "item_mz001.bpmn:42: Task_review: 用户任务没有表单",
        }
    )


class ProblemSchema(Schema):
    """An error (RFC 9457): ``type``, ``title``, ``status``, ``code`` and ``detail`` always."""

    type = fields.String(
        required=True,
        metadata={
            "description": "https://daiban.dev/problems/<code>",
            "example": "https://daiban.dev/problems/validation_failed",
            "format": "uri",
        },
    )
    title = fields.String(
        required=True, metadata={"description": "标题（中文）", "example": "数据校验未通过"}
    )
    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码", "example": 422})
    code = fields.String(
        required=True,
        metadata={
            "description": f"稳定的错误代码，供程序判断。{_CODES_TEXT}",
            "example": "validation_failed",
        },
    )
    detail = fields.String(required=True, metadata={"description": "中文说明"})
    errors = fields.List(
        fields.Nested(FieldErrorSchema), metadata={"description": "校验错误：逐项列出字段"}
    )
    problems = fields.List(
        fields.Nested(DefinitionProblemSchema), metadata={"description": "流程定义的问题"}
    )
    max_depth = fields.Integer(
        metadata={"description": "400 json_too_deep：JSON 对象与数组最多嵌套的层数", "example": 32}
    )
    max_number_chars = fields.Integer(
        metadata={"description": "400 json_number_too_large：JSON 数字最多的字符数", "example": 40}
    )
    reason = fields.String(
        metadata={
            "description": "503 service_unavailable 的原因：disk_full（存储空间满）、"
            "unreachable（无法连接数据库）、busy（等待超时）、io_error（读写出错）",
            "example": "unreachable",
        }
    )
