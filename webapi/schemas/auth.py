"""Login, token and user."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from engine.labels import ROLES, unit_name
from webapi.schemas.common import LocalDateTime
from webapi.services import services


class LoginSchema(Schema):
    user = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "用户名", "example": "window.wang"},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=256),
        metadata={"description": "密码"},
    )


class UserSchema(Schema):
    id = fields.String(required=True, metadata={"example": "window.wang"})
    name = fields.String(required=True, metadata={"example": "王芳"})
    roles = fields.List(fields.String(), required=True, metadata={"example": ["township_window"]})
    role_names = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "角色的中文名称，与 roles 一一对应",
            "example": ["乡镇便民服务中心窗口（A岗）"],
        },
    )
    org_unit = fields.String(
        required=True, metadata={"description": "所属单位编码（村、乡镇、县级部门或县）"}
    )
    org_unit_name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "所属单位名称", "example": "青丝乡"},
    )

    @pre_dump
    def _from_principal(self, principal: Any, **kwargs: Any) -> dict[str, Any]:
        roles = sorted(principal.roles)
        return {
            "id": principal.user_id,
            "name": principal.name,
            "roles": roles,
            "role_names": [ROLES.get(role, role) for role in roles],
            "org_unit": principal.unit,
            "org_unit_name": unit_name(services().engine.org, principal.unit),
        }


class TokenSchema(Schema):
    token = fields.String(
        required=True, metadata={"description": "访问令牌：Authorization: Bearer <令牌>"}
    )
    expires_at = LocalDateTime(required=True, metadata={"description": "过期时间（北京时间）"})
    user = fields.Nested(UserSchema, required=True)
