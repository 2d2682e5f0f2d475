"""People and posts (人员与岗位), accounts (重置密码、注销令牌) and one's own password."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.identity import MAX_PASSWORD, MIN_PASSWORD
from engine.labels import ROLES, choices
from processes.org import OFFICES, USER_ID
from webapi.schemas.common import BLANK, NOT_BLANK, LocalDateTime, PageArgsSchema, PageSchema

USER_PATTERN = f"^{USER_ID}$"
# A unit: the county (6 digits), a township (9), a village or community (12), a county
# department (2–4 capital letters).
UNIT_PATTERN = r"^(?:[0-9]{6}|[0-9]{9}|[0-9]{12}|[A-Z]{2,4})$"


def user_id(description: str, *, required: bool = False) -> fields.String:
    """A user name (用户名) as the organisation spells it: lower-case pinyin, dots."""
    return fields.String(
        required=required,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(USER_PATTERN, error="应为用户名，如 wang.fang"),
        ],
        metadata={"title": "用户名", "description": description, "example": "wang.fang"},
    )


class PersonRefSchema(Schema):
    """某个人员：用户名与姓名"""

    class Meta:
        title = "人员"

    id = fields.String(required=True, metadata={"description": "用户名", "example": "liu.yang"})
    name = fields.String(required=True, metadata={"description": "姓名", "example": "刘洋"})


class PersonSchema(Schema):
    """人员与岗位：角色、单位、AB 岗搭档或替岗人、今日是否离岗；账号状态仅系统管理员可见"""

    class Meta:
        title = "人员"

    id = fields.String(required=True, metadata={"description": "用户名", "example": "wang.fang"})
    name = fields.String(required=True, metadata={"description": "姓名", "example": "王芳"})
    roles = fields.List(
        fields.String(validate=validate.OneOf(list(ROLES))),
        required=True,
        metadata={"description": f"角色：{choices(ROLES)}", "example": ["township_window"]},
    )
    role_names = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "角色名称，与 roles 一一对应",
            "example": ["乡镇便民服务中心窗口（A岗）"],
        },
    )
    unit = fields.String(
        required=True,
        metadata={"description": "所属单位编码（村、乡镇、县级部门或县）", "example": "511725201"},
    )
    unit_name = fields.String(
        allow_none=True, metadata={"description": "所属单位名称", "example": "青丝乡"}
    )
    office = fields.String(
        allow_none=True,
        metadata={"description": f"所属科室（乡镇工作人员）：{choices(OFFICES)}"},
    )
    office_name = fields.String(allow_none=True, metadata={"description": "科室名称"})
    ab_partner = fields.Nested(
        PersonRefSchema,
        allow_none=True,
        metadata={"description": "AB 岗搭档（本人离岗时接替者）；无则为 null"},
    )
    stand_in = fields.Nested(
        PersonRefSchema,
        allow_none=True,
        metadata={"description": "替岗人（代办员离岗时接替者）；无则为 null"},
    )
    absent_today = fields.Boolean(
        required=True, metadata={"description": "今天（引擎时钟）是否登记离岗"}
    )
    deputy_today = fields.Nested(
        PersonRefSchema,
        allow_none=True,
        metadata={"description": "今天代其办理的人（离岗且接替者在岗时）；否则为 null"},
    )
    has_password = fields.Boolean(
        allow_none=True,
        metadata={"description": "是否已设密码；仅系统管理员可见，其他调用者为 null"},
    )
    locked_until = LocalDateTime(
        allow_none=True,
        metadata={
            "description": "因密码错误被锁定至何时（某一地址或整个账号，取最晚者）；"
            "未锁定或调用者不是系统管理员时为 null"
        },
    )
    active_tokens = fields.Integer(
        allow_none=True,
        metadata={"description": "有效（未过期、未注销）的令牌数；仅系统管理员可见，其他为 null"},
    )


class UserPageSchema(PageSchema):
    items = fields.List(fields.Nested(PersonSchema), required=True)


class UserQuerySchema(PageArgsSchema):
    unit = fields.String(
        validate=validate.Regexp(
            UNIT_PATTERN, error="应为单位编码：县、乡镇、村（社区）或县级部门"
        ),
        metadata={
            "description": "所属单位（含下级：乡镇含其村、社区），编码如 511725201、MZ",
            "example": "511725201",
        },
    )
    role = fields.String(
        validate=validate.OneOf(list(ROLES)), metadata={"description": f"角色：{choices(ROLES)}"}
    )
    q = fields.String(
        validate=[validate.Length(min=1, max=50), validate.Regexp(NOT_BLANK, error=BLANK)],
        metadata={"description": "用户名或姓名包含的文字（不区分大小写）", "example": "王"},
    )


class TemporaryPasswordSchema(Schema):
    """重置密码的结果：临时密码只在此显示一次"""

    class Meta:
        title = "临时密码"

    user = fields.String(required=True, metadata={"description": "用户名"})
    user_name = fields.String(required=True, metadata={"description": "姓名"})
    temporary_password = fields.String(
        required=True,
        metadata={
            "description": "临时密码（12 位，不含易混淆的 0、O、1、l、I 等），只显示这一次；"
            "请当面或电话告知本人，并请其登录后修改",
            "example": "Kp7mX3qRt9Aw",
        },
    )
    revoked_tokens = fields.Integer(
        required=True, metadata={"description": "随之注销的该用户令牌数（其已登录的会话均结束）"}
    )


class TokensRevokedSchema(Schema):
    """注销令牌的结果"""

    class Meta:
        title = "注销令牌"

    user = fields.String(required=True, metadata={"description": "用户名"})
    user_name = fields.String(required=True, metadata={"description": "姓名"})
    revoked_tokens = fields.Integer(required=True, metadata={"description": "注销的令牌数"})


class PasswordChangeSchema(Schema):
    """修改本人密码：原密码与新密码"""

    class Meta:
        title = "修改密码"

    old_password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=256),
        metadata={"title": "原密码", "description": "当前密码"},
    )
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(
            min=MIN_PASSWORD,
            max=MAX_PASSWORD,
            error=f"新密码应为 {MIN_PASSWORD}–{MAX_PASSWORD} 个字符",
        ),
        metadata={
            "title": "新密码",
            "description": f"{MIN_PASSWORD}–{MAX_PASSWORD} 个字符；不能与用户名、原密码相同，"
            "不能用演示密码 daiban-demo",
        },
    )


class PasswordChangedSchema(Schema):
    """修改密码的结果"""

    class Meta:
        title = "密码已修改"

    revoked_tokens = fields.Integer(
        required=True,
        metadata={"description": "注销的本人其他令牌数（其他已登录的会话结束，本次令牌仍有效）"},
    )
