"""``daiban worker``: the background worker — each round fires due timers and raises
warnings (as ``daiban tick``), makes the day's scheduled pickup and delivery runs
(``engine.runs``), then sends the notices due (短信通知); and ``daiban
notices``: the outbox for an operator (list, one sending round, send a dead one again)."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine import Engine
from engine.clock import SHANGHAI
from engine.errors import OutcomeUnknown, Unavailable
from engine.logs import get_logger
from engine.notices import Channel, HttpGateway, LogChannel, SendPolicy, SendReport
from engine.records import NOTICE_KINDS, NOTICE_STATES, NoticeQuery
from engine.worker import RoundReport, Worker, engine_round, single_worker
from webapi.cli.common import engine_for, settings_for
from webapi.settings import Settings
from webapi.startup import check_start

log = get_logger(__name__)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = sub.add_parser("worker", help="后台作业：触发到期定时器、预警，发送短信通知")
    worker.set_defaults(handler=cmd_worker)
    worker.add_argument("--once", action="store_true", help="只做一轮")
    worker.add_argument(
        "--interval", type=_seconds, default=10.0, metavar="S", help="两轮之间的秒数（默认 10）"
    )
    worker.add_argument(
        "--metrics-port",
        type=_port,
        metavar="PORT",
        help="在此端口提供 Prometheus 指标（/metrics；默认不提供）",
    )
    worker.add_argument(
        "--metrics-address",
        default="127.0.0.1",
        metavar="ADDR",
        help="指标服务监听的地址（默认 127.0.0.1，仅本机）",
    )
    worker.add_argument(
        "--status", action="store_true", help="只显示积压：到期未触发的定时器、待发送的通知"
    )
    notices = sub.add_parser("notices", help="短信通知：列出、发送一轮、重发失败的通知")
    notices.set_defaults(handler=cmd_notices)
    actions = notices.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="列出通知（新的在前，电话遮蔽）")
    listing.add_argument("--state", choices=list(NOTICE_STATES))
    listing.add_argument("--kind", choices=list(NOTICE_KINDS))
    listing.add_argument("--case", type=int, metavar="CASE_ID")
    listing.add_argument("--limit", type=int, default=50)
    actions.add_parser("send", help="发送到期的通知一轮（不触发定时器）")
    retry = actions.add_parser("retry", help="重发一条发送失败的通知（同一幂等编号）")
    retry.add_argument("notice", type=int, metavar="ID")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError("应为 1 到 65535 之间的端口号")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("应为 0 到 3600 之间的秒数")
    return value


def channel_of(settings: Settings) -> Channel:
    """The HTTP gateway when ``DAIBAN_SMS_URL`` is set, else the log."""
    if settings.sms_url is None:
        return LogChannel()
    return HttpGateway(
        settings.sms_url,
        settings.sms_sign_name,
        dict(settings.sms_templates or {}),
        settings.sms_key,
        settings.sms_timeout,
    )


def policy_of(settings: Settings) -> SendPolicy:
    return SendPolicy(
        max_attempts=settings.sms_max_attempts,
        retry_seconds=settings.sms_retry_seconds,
        lease_seconds=settings.sms_lease_seconds,
    )


def worker_name() -> str:
    """Who holds a claim: this host and process (several workers on one database)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def cmd_worker(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    settings = settings_for(args)
    if args.status:
        return _print_status(engine)
    check_start(engine, settings)  # it signs what it sends: no gateway without the key
    channel, policy, name = channel_of(settings), policy_of(settings), worker_name()
    engine.notices.templates  # noqa: B018 (a broken notices.yaml stops here, not a change)
    show = _printer(args.once)
    on_round, on_failure = show, None
    if args.metrics_port is not None:
        from webapi import metrics  # prometheus-client: only when asked for

        try:
            metrics.start_metrics_server(args.metrics_port, args.metrics_address, engine)
        except OSError as error:  # in use, not an address of this machine
            print(
                f"错误：--metrics-port：无法在 {args.metrics_address}:{args.metrics_port} "
                f"提供指标（{error.strerror or error}）",
                file=sys.stderr,
            )
            return 2

        def on_round(report: RoundReport) -> None:
            metrics.worker_round("ok")
            show(report)

        def on_failure(error: BaseException) -> None:
            database = isinstance(error, Unavailable | OutcomeUnknown)
            metrics.worker_round("database" if database else "error")

    worker = Worker(
        engine_round(engine, lambda: engine.notices.send_due(channel, policy, name)),
        interval=args.interval,
        on_round=on_round,
        on_failure=on_failure,
    )
    with single_worker(engine):
        if args.once:
            worker.run_once()
            return 0
        with stopping_on_signals(worker):
            worker.run()
    return 0


def run_loop(engine: Engine, worker: Worker) -> None:
    """``daiban tick --loop``: the same rounds as the worker (without notices), the same
    survival of database outages and the same clean stop on SIGTERM."""
    with single_worker(engine), stopping_on_signals(worker):
        worker.run()


@contextmanager
def stopping_on_signals(worker: Worker) -> Iterator[None]:
    """SIGTERM (systemd, ``kill``) and SIGINT (Ctrl-C) end the worker after the case in
    hand; the handlers before are put back afterwards."""

    def stop(signum: int, _frame: object) -> None:
        log.info("worker_stopping", signal=signal.Signals(signum).name)
        worker.stop.set()

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _printer(always: bool) -> Callable[[RoundReport], None]:
    def show(report: RoundReport) -> None:
        if always or report.busy:
            print(
                f"触发 {len(report.tick.fired)} 件，预警 {len(report.tick.warnings)} 条，"
                f"定期取送件批次 {report.runs} 个；通知发送 {report.sent} 条，"
                f"待重试 {report.retried} 条，失败 {report.dead} 条；"
                f"到期未触发 {report.due_timers} 件（最久 {report.lag_seconds:.0f} 秒）",
                flush=True,
            )

    return show


def _print_status(engine: Engine) -> int:
    """``daiban worker --status``: how far behind the timers and the outbox are."""
    backlog = engine.operations.backlog()
    print(
        f"到期未触发的定时器 {backlog.timers_due} 件，最久已到期 "
        f"{backlog.timer_lag_seconds:.0f} 秒；待发送通知 {backlog.notices_due} 条"
    )
    return 0


def _sent_line(report: SendReport) -> str:
    return (
        f"通知发送 {len(report.sent)} 条，待重试 {len(report.retried)} 条，"
        f"失败 {len(report.dead)} 条"
    )


def cmd_notices(args: argparse.Namespace) -> int:
    engine = engine_for(args)
    settings = settings_for(args)
    if args.action == "send":
        report = engine.notices.send_due(channel_of(settings), policy_of(settings), worker_name())
        print(_sent_line(report))
        return 0
    if args.action == "retry":
        notice = engine.notices.retry(args.notice, args.user)
        print(f"通知 {notice.id} 已重新排队发送")
        return 0
    query = NoticeQuery(args.state, args.case, args.kind)
    found, total = engine.notices.find(query, 0, max(args.limit, 1))
    for notice in found:
        at = notice.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        error = f"  {notice.last_error}" if notice.last_error else ""
        print(
            f"{notice.id}  办件 {notice.case_id}  {NOTICE_KINDS[notice.kind]}  "
            f"{notice.phone_masked}  {NOTICE_STATES[notice.state]}  尝试 {notice.attempts} 次  "
            f"{at}{error}"
        )
    print(f"共 {total} 条")
    return 0
