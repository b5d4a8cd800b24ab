"""`nhiemvu`: the operators' command line (serve, token, migrate, worker, worker-health,
dead-letters, audit verify, import, reporting rebuild, models list/deploy/activate)."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from services.intake import bulk_import
from services.workflow import model_commands
from shared.auth import ALL_ROLES
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.config import ConfigError
from shared.heap import settle as settle_heap
from shared.logs import configure_logging
from shared.worker_health import WorkerMonitor, read_health

SERVICES = ("intake", "workflow", "notify", "reporting")
log = logging.getLogger("nhiemvu")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    configure_logging()
    try:
        return int(args.run(args) or 0)
    except ConfigError as exc:
        # A refused start: one line naming the setting, no traceback (README, Configuration).
        print(f"nhiemvu: không khởi động được: {exc}", file=sys.stderr, flush=True)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nhiemvu", description="Nhiệm vụ — công cụ vận hành")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="all four services in one process (development)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--no-demo", action="store_true", help="do not load demo documents")
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="mint a development JWT")
    token.add_argument("--role", action="append", required=True, choices=sorted(ALL_ROLES))
    token.add_argument("--unit", default=None, help="unit code, e.g. VP_UBND, SO_TC, 14812")
    token.add_argument("--sub", default=None)
    token.add_argument("--name", default=None)
    token.add_argument("--ttl", type=int, default=8 * 3600, help="seconds; 0 = no expiry")
    token.add_argument(
        "--private-key-file",
        default=None,
        help="PEM private key: sign RS256 (staging) instead of HS256",
    )
    token.set_defaults(run=_token)

    migrate = commands.add_parser("migrate", help="apply a service's database migrations")
    migrate.add_argument("service", choices=(*SERVICES, "all"))
    migrate.set_defaults(run=_migrate)

    worker = commands.add_parser("worker", help="a service's consumer and outbox relay")
    worker.add_argument("service", choices=SERVICES)
    worker.set_defaults(run=_worker)

    health = commands.add_parser(
        "worker-health",
        help="exit 0 if the service's worker on this host is healthy (containers' health check)",
    )
    health.add_argument("service", choices=SERVICES)
    health.add_argument(
        "--max-age", type=float, default=30.0, help="seconds after which a status is stale"
    )
    health.set_defaults(run=_worker_health)

    dead = commands.add_parser("dead-letters", help="list or replay a service's dead letters")
    dead_commands = dead.add_subparsers(title="dead-letters commands")
    listing = dead_commands.add_parser("list", help="list the dead letters (nothing is removed)")
    listing.add_argument("service", choices=SERVICES)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(run=_dead_letters_list)
    replay = dead_commands.add_parser(
        "replay", help="send dead letters back to the service's queue (after a fix)"
    )
    replay.add_argument("service", choices=SERVICES)
    chosen = replay.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--id", action="append", dest="ids", help="event id (repeatable)")
    chosen.add_argument("--all", action="store_true", help="every dead letter of the service")
    replay.set_defaults(run=_dead_letters_replay)

    audit = commands.add_parser("audit", help="audit trail tools")
    audit_commands = audit.add_subparsers(title="audit commands")
    verify = audit_commands.add_parser("verify", help="check every hash chain")
    verify.add_argument("service", nargs="?", default="all", choices=(*SERVICES, "all"))
    verify.set_defaults(run=_audit_verify)

    reporting = commands.add_parser("reporting", help="reporting service tools")
    reporting_commands = reporting.add_subparsers(title="reporting commands")
    rebuild = reporting_commands.add_parser(
        "rebuild", help="rebuild the read model by replaying the event log"
    )
    rebuild.set_defaults(run=_reporting_rebuild)

    model_commands.register(commands)
    bulk_import.register(commands)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from services.demo import load_demo
    from services.embedded import build_system

    system = build_system({**os.environ, "HOST": args.host})
    system.migrate()
    # The web application calls the APIs over HTTP on this same (threaded) server.
    loopback = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    app = system.wsgi(api_url=f"http://{loopback}:{args.port}")
    system.start()
    if not args.no_demo:
        load_demo(system)
    server = make_server(args.host, args.port, app, threaded=True)
    # Built: as a worker's (shared/heap.py), else a request that builds a large answer (a page
    # of documents with their tasks) sets off the collector's full passes over all of it.
    settle_heap()
    print(_welcome(args.host, args.port, system), flush=True)
    _until_signalled(server.shutdown)
    server.serve_forever()
    system.stop()
    return 0


def _welcome(host: str, port: int, system: Any) -> str:
    """What is running, as it is: the mode NHIEMVU_ENV gave, the databases and the bus in use,
    and only the development helpers (sign-in form, tokens, clock) that this start offers."""
    from services.embedded import is_loopback

    base = f"http://{host}:{port}"
    settings = system.intake.runtime.settings
    schemes = {p.settings.database_url.split(":", 1)[0] for p in system.platforms.values()}
    databases = " và ".join(sorted({"SQLite" if s == "sqlite" else "PostgreSQL" for s in schemes}))
    bus = "bus trong tiến trình" if settings.broker_url.startswith("memory") else "RabbitMQ"
    mode = "phát triển" if settings.development else "production"
    lines = [f"Nhiệm vụ đang chạy tại {base} (chế độ {mode}, {databases} + {bus})."]
    if settings.development:
        lines += [
            f"Ứng dụng web: {base}/ — đăng nhập thử tại {base}/login (chọn vai trò và đơn vị).",
            "Lấy token để gọi API, ví dụ:",
            "  .venv/bin/nhiemvu token --role office --unit VP_UBND",
            "  .venv/bin/nhiemvu token --role unit_officer --unit SO_TC",
            f'  curl -H "Authorization: Bearer $TOKEN" {base}/api/workflow/tasks',
        ]
        if not is_loopback(host):
            lines.append(f"Đồng hồ thử nghiệm tắt: HOST={host} không phải địa chỉ loopback.")
    else:
        lines.append(f"Ứng dụng web: {base}/ (đăng nhập qua OIDC; không có đồng hồ thử nghiệm).")
    lines.append(f"Tài liệu API: {base}/api/intake/openapi.json (và workflow, notify, reporting).")
    return "\n".join(lines)


def _until_signalled(stop: Any) -> None:
    def handler(_signum: int, _frame: Any) -> None:
        threading.Thread(target=stop, daemon=True).start()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _token(args: argparse.Namespace) -> int:
    sub = args.sub or f"{args.role[0]}@{args.unit or 'tinh'}"
    private_key = None
    if args.private_key_file:
        with open(args.private_key_file, encoding="utf-8") as handle:
            private_key = handle.read()
        settings = AuthSettings(
            mode="rs256",
            secret=None,
            public_key=None,
            jwks_url=None,
            issuer=os.environ.get("JWT_ISSUER"),
            audience=os.environ.get("JWT_AUDIENCE"),
        )
    else:
        settings = AuthSettings.from_env()
    print(
        mint_token(
            settings,
            sub=sub,
            name=args.name or sub,
            unit=args.unit,
            roles=args.role,
            ttl_seconds=args.ttl or None,
            private_key=private_key,
        )
    )
    return 0


def check_settings(service: str, env: Any = None) -> None:
    """Read every setting a service's processes read, without connecting to anything; the first
    missing or wrong one raises ConfigError (deploy/gunicorn.conf.py calls it at start)."""
    from shared.auth_tokens import TokenVerifier

    env = os.environ if env is None else env
    importlib.import_module(f"services.{service}.config").settings_from_env(env)
    TokenVerifier(AuthSettings.from_env(env))
    if service == "notify":
        from services.notify.config import ChannelSettings

        ChannelSettings.from_env(env)
    if service == "reporting":
        from services.reporting.config import confirmation_wait_days

        confirmation_wait_days(env)


def refuse_misconfigured_start(wsgi_app: str) -> None:
    """For gunicorn's master: "services.<svc>.app:create_app()" (a service or the web) with a
    wrong or missing setting prints one line and exits with code 2, instead of every worker
    failing with a traceback."""
    parts = wsgi_app.split(".")
    if len(parts) < 3 or parts[0] != "services" or parts[1] not in (*SERVICES, "web"):
        return
    try:
        if parts[1] == "web":
            from services.web.config import WebSettings
            from services.web.tokens import check_token_settings

            check_token_settings(WebSettings.from_env())
        else:
            check_settings(parts[1])
    except ConfigError as exc:
        print(f"nhiemvu: không khởi động được: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def build_service(name: str) -> Any:
    return importlib.import_module(f"services.{name}.app").create_service()


def _migrate(args: argparse.Namespace) -> int:
    for name in SERVICES if args.service == "all" else (args.service,):
        build_service(name).migrate()
        print(f"{name}: đã cập nhật cơ sở dữ liệu")
    return 0


def _worker(args: argparse.Namespace) -> int:
    entrypoint = importlib.import_module(f"services.{args.service}.consumer")
    service = build_service(args.service)
    platform = _platform(service)
    stop = threading.Event()
    _until_signalled(stop.set)
    consumer = entrypoint.create_consumer(service)
    if consumer.handlers:
        consumer.start()
    platform.start()
    # A service with timers (workflow's, reporting's Đ18 schedule) fires them from its workers.
    create_scheduler = getattr(entrypoint, "create_scheduler", None)
    scheduler = create_scheduler(service) if create_scheduler else None
    if scheduler is not None:
        scheduler.start()
    # A service with outgoing deliveries (notify: webhooks, email) sends them from its workers.
    create_delivery_worker = getattr(entrypoint, "create_delivery_worker", None)
    delivery = create_delivery_worker(service) if create_delivery_worker else None
    if delivery is not None:
        delivery.start()
    monitor = WorkerMonitor(platform, consumer)
    monitor.start()
    # Built: freeze what startup made out of the collector's passes (shared/heap.py).
    settle_heap()
    log.info("worker %s started", args.service)
    stop.wait()
    monitor.stop()
    if delivery is not None:
        delivery.stop()
    if scheduler is not None:
        scheduler.stop()
    consumer.stop()
    platform.stop()
    return 0


def _worker_health(args: argparse.Namespace) -> int:
    namespace = os.environ.get("BUS_NAMESPACE", "").strip() or "nhiemvu"
    healthy, statuses = read_health(namespace, args.service, os.environ, max_age=args.max_age)
    for status in statuses:
        print(json.dumps(status, ensure_ascii=False))
    if not statuses:
        print(f"{args.service}: no running worker has reported its status", file=sys.stderr)
    return 0 if healthy else 1


def _bus_of(service: str) -> Any:
    from shared.bus import Bus
    from shared.config import PlatformSettings
    from shared.topology import Topology

    settings = PlatformSettings.from_env(service, {**os.environ, "NHIEMVU_ENV": "development"})
    topology = Topology(namespace=settings.bus_namespace, retry_delays=settings.retry_delays)
    return Bus(settings.broker_url, topology)


def _dead_letters_list(args: argparse.Namespace) -> int:
    from shared.deadletters import list_dead_letters

    bus = _bus_of(args.service)
    if bus.is_memory:
        print("dead letters live in RabbitMQ: set BROKER_URL", file=sys.stderr)
        return 2
    letters = list_dead_letters(bus, args.service)
    for letter in letters:
        if args.json:
            print(json.dumps(letter.summary(), ensure_ascii=False, default=str))
        else:
            print(f"{letter.id}\t{letter.type}\t{letter.dead_at or '-'}\t{letter.reason}")
    if not args.json:
        print(f"{args.service}: {len(letters)} thư chết (dead letters)", file=sys.stderr)
    return 0


def _dead_letters_replay(args: argparse.Namespace) -> int:
    from shared.deadletters import replay_dead_letters

    bus = _bus_of(args.service)
    if bus.is_memory:
        print("dead letters live in RabbitMQ: set BROKER_URL", file=sys.stderr)
        return 2
    replayed = replay_dead_letters(bus, args.service, None if args.all else args.ids)
    for letter in replayed:
        print(f"replayed {letter.id}\t{letter.type}")
    missing = sorted(set(args.ids or ()) - {letter.id for letter in replayed})
    for event_id in missing:
        print(f"not found: {event_id}", file=sys.stderr)
    print(f"{args.service}: {len(replayed)} replayed", file=sys.stderr)
    return 1 if missing else 0


def _audit_verify(args: argparse.Namespace) -> int:
    failed = False
    for name in SERVICES if args.service == "all" else (args.service,):
        platform = _platform(build_service(name))
        with platform.database.read() as conn:
            problems = platform.audit_log.verify(conn)
        if problems:
            failed = True
            print(f"{name}: {len(problems)} vấn đề")
            for line in problems:
                print(f"  - {line}")
        else:
            print(f"{name}: chuỗi nhật ký toàn vẹn")
    return 1 if failed else 0


def _reporting_rebuild(args: argparse.Namespace) -> int:
    from services.reporting.rebuild import RebuildRefused, rebuild

    service = build_service("reporting")
    try:
        summary = rebuild(service.runtime.platform, progress=True)
    except RebuildRefused as exc:
        print(f"reporting: {exc}", file=sys.stderr)
        return 1
    finally:
        service.runtime.platform.stop()
    print(summary.text())
    return 0


def _platform(service: Any) -> Any:
    return service.runtime.platform if hasattr(service, "runtime") else service.platform


if __name__ == "__main__":
    sys.exit(main())
