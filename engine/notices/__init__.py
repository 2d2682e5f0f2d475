"""短信通知: the notice outbox and its sender (``engine.notices.service``), the moments
that cause notices (``moments``), their Chinese texts (``templates``) and the channels
they go out by (``channels``)."""

from __future__ import annotations

from engine.notices.channels import Channel, Delivery, HttpGateway, LogChannel, Outcome
from engine.notices.service import NoticeService, SendPolicy, SendReport
from engine.notices.templates import Template, load_templates

__all__ = [
    "Channel",
    "Delivery",
    "HttpGateway",
    "LogChannel",
    "NoticeService",
    "Outcome",
    "SendPolicy",
    "SendReport",
    "Template",
    "load_templates",
]
