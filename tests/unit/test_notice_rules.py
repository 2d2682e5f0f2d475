"""The notices' texts (processes/notices.yaml), the sender's back-off and the SMS
settings: checked without a database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.notices import SendPolicy, load_templates
from engine.records import NOTICE_KINDS
from processes.yamlfile import DataFileError
from webapi.config import ConfigError
from webapi.settings import Settings

PARAMS = {
    "case_number": "511725201001202609240001",
    "item": "临时便民服务摊点设置",
    "unit": "青丝乡",
    "due_date": "2026年10月12日",
    "missing": "户口簿复印件、收入证明",
    "delivery": "窗口领取",
    "link": "http://127.0.0.1:5000/progress",
}


def test_every_kind_has_a_text_of_at_most_two_segments() -> None:
    templates = load_templates()
    assert set(templates) == set(NOTICE_KINDS)
    for kind, template in templates.items():
        text = template.render(PARAMS)
        assert "{" not in text and "—" not in text, kind
        assert len(text) <= 2 * 67, (kind, len(text))
    invitation = templates["rating_invitation"]
    assert PARAMS["link"] in invitation.render(PARAMS)
    assert "http" not in invitation.render({**PARAMS, "link": ""})


def test_a_county_file_with_an_unknown_parameter_or_a_kind_missing_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "notices.yaml"
    texts = {kind: f"  text: 办件{{case_number}}（{kind}）" for kind in NOTICE_KINDS}
    texts["refused"] = "  text: 您的{name}不予受理"
    del texts["supplement"]
    path.write_text("".join(f"{k}:\n{v}\n" for k, v in texts.items()), encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        load_templates(path)
    assert error.value.problems == [
        f"{path}:0: supplement.text: 缺少通知模板",
        f"{path}:0: refused.text: 未知参数 {{name}}",
    ]


def test_back_off_doubles_with_a_deterministic_jitter_and_a_ceiling() -> None:
    policy = SendPolicy(retry_seconds=30)
    waits = [policy.backoff("uid-accepted-2", n) for n in range(1, 6)]
    for n, wait in enumerate(waits, start=1):
        full = timedelta(seconds=30 * 2 ** (n - 1))
        assert full / 2 <= wait <= full
    assert waits == [policy.backoff("uid-accepted-2", n) for n in range(1, 6)]
    assert policy.backoff("uid-accepted-3", 1) != waits[0]  # notices spread out
    assert policy.backoff("x", 40) <= timedelta(hours=2)


def test_sms_settings_are_read_and_checked() -> None:
    environ = {
        "DAIBAN_SMS_URL": "https://sms.example.org/send",
        "DAIBAN_SMS_TEMPLATES": "accepted=SMS_001, supplement=SMS_002",
        "DAIBAN_SMS_MAX_ATTEMPTS": "5",
        "DAIBAN_SMS_RETRY_SECONDS": "0.5",
    }
    settings = Settings.from_environ(environ)
    assert settings.sms_templates == {"accepted": "SMS_001", "supplement": "SMS_002"}
    assert (settings.sms_max_attempts, settings.sms_retry_seconds) == (5, 0.5)
    for name, value in (
        ("DAIBAN_SMS_TEMPLATES", "accepted=SMS_001,welcome=SMS_009"),
        ("DAIBAN_SMS_TEMPLATES", "accepted="),
        ("DAIBAN_SMS_URL", "ftp://sms"),
        ("DAIBAN_SMS_MAX_ATTEMPTS", "0"),
        ("DAIBAN_SMS_LEASE_SECONDS", "-1"),
    ):
        with pytest.raises(ConfigError, match=name):
            Settings.from_environ({name: value})
