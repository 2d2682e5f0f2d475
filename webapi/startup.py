"""What a server or worker refuses to start with outside a demo or training database: accounts
that still have the demo password, and an SMS gateway without its secret.

The API keeps no secret of its own (tokens are random and stored hashed; nothing signs a
session), so the one secret a production set-up must have is ``DAIBAN_SMS_KEY``, with which
the worker signs what it posts to the gateway: a gateway that accepts unsigned requests is
a way to text residents in the county's name. ``DAIBAN_SMS_UNSIGNED=true`` says it is
known and wanted (a gateway on a private link that checks nothing).
"""

from __future__ import annotations

from engine import Engine, Unavailable, logs
from engine.identity import DEMO_PASSWORD
from webapi.settings import Settings

log = logs.get_logger(__name__)

SHOWN_ACCOUNTS = 5  # named in the message; the rest counted


class StartRefused(RuntimeError):
    """The server or worker must not start: the message (Chinese) says why and what to do.
    ``create_app`` raises it, so gunicorn's workers fail to boot; ``daiban`` exits 2."""


def check_start(engine: Engine, settings: Settings) -> None:
    """Refuse (``StartRefused``) a start a production database must not see; a database
    flagged for training or demos (``daiban clock init``) may have both."""
    try:
        if engine.training.status().setting is not None:
            return
        demo = engine.identity.demo_password_users()
    except Unavailable as error:
        # The database is not there yet (it answers 503 until it is, and the readiness
        # check says so). Starting anyway is safe: a production database never accepts
        # the demo password at login (``IdentityService.login``).
        log.warning("start_check_deferred", reason=error.reason)
        demo = []
    if demo:
        log.error("start_refused", reason="demo_passwords", accounts=len(demo))
        shown = "、".join(demo[:SHOWN_ACCOUNTS]) + ("等" if len(demo) > SHOWN_ACCOUNTS else "")
        raise StartRefused(
            f"本数据库不是演示或培训数据库，但有 {len(demo)} 个账号（{shown}）仍使用演示密码 "
            f"{DEMO_PASSWORD}，拒绝启动。请用 daiban users password 账号 --temporary 为每个账号"
            "重设密码；只为试用，请换一个新的数据库（daiban serve 会把新库标记为演示库）"
        )
    if settings.sms_url and not settings.sms_key and not settings.sms_unsigned:
        log.error("start_refused", reason="sms_key_missing")
        raise StartRefused(
            "设置了短信网关 DAIBAN_SMS_URL，却没有签名密钥 DAIBAN_SMS_KEY，拒绝启动。"
            "请设置 DAIBAN_SMS_KEY（与网关约定的密钥）；网关确实不验签时，设置 "
            "DAIBAN_SMS_UNSIGNED=true 明确允许"
        )
