"""`nhiemvu models`: the operators' view and choice of the workflow's process model versions,
and the move of running instances between them (docs/adding-a-process.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any


def _service() -> Any:
    """The workflow service on its configured database, imported only when a command runs (the
    engine's imports would slow every other `nhiemvu` command)."""
    from services.workflow.app import create_service

    return create_service()


def register(commands: Any) -> None:
    """`nhiemvu models …`: the workflow's process model versions (README, Process models and
    their versions)."""
    models = commands.add_parser("models", help="the workflow's process models (BPMN versions)")
    models_commands = models.add_subparsers(title="models commands")
    model_list = models_commands.add_parser(
        "list", help="deployed versions, the active one (*) and the instances running on each"
    )
    model_list.add_argument("--process", default=None, help="one process id, e.g. task_lifecycle")
    model_list.set_defaults(run=_models_list)
    model_deploy = models_commands.add_parser(
        "deploy", help="deploy a BPMN file as a new version (kept across restarts)"
    )
    model_deploy.add_argument("file", help="the diagram, e.g. bpmn/task_lifecycle.bpmn")
    model_deploy.add_argument(
        "--process", default=None, help="process id (default: the file's name without .bpmn)"
    )
    model_deploy.add_argument(
        "--activate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="new instances start on it (default: yes)",
    )
    model_deploy.set_defaults(run=_models_deploy)
    model_activate = models_commands.add_parser(
        "activate", help="make a deployed version the one new instances start on"
    )
    model_activate.add_argument("process_id")
    model_activate.add_argument("version", type=int)
    model_activate.set_defaults(run=_models_activate)
    model_migrate = models_commands.add_parser(
        "migrate",
        help="move the running instances of one version onto another (a preview unless --apply)",
    )
    model_migrate.add_argument("process_id")
    model_migrate.add_argument("from_version", type=int)
    model_migrate.add_argument("to_version", type=int)
    model_migrate.add_argument("--apply", action="store_true", help="move them (default: preview)")
    model_migrate.set_defaults(run=_models_migrate)
    model_preview = models_commands.add_parser(
        "preview",
        help="what deploying a BPMN file would have changed for the tasks of a period "
        "(replayed; nothing is deployed)",
    )
    model_preview.add_argument("file", help="the candidate diagram, e.g. bpmn/task_lifecycle.bpmn")
    model_preview.add_argument(
        "--process", default=None, help="process id (default: the file's name without .bpmn)"
    )
    model_preview.add_argument(
        "--from", dest="start", type=_date, default=None, help="first day (default: last quarter's)"
    )
    model_preview.add_argument(
        "--to", dest="end", type=_date, default=None, help="last day (default: last quarter's)"
    )
    model_preview.set_defaults(run=_models_preview)


def _operator() -> dict[str, Any]:
    """The audit trail's actor for an operator's command: the account that ran it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"sub": f"operator:{user}", "name": "nhiemvu models", "role": "operator", "unit": None}


def _model_line(row: dict[str, Any]) -> str:
    from shared.calendar import TZ

    mark = "*" if row["active"] else " "
    deployed = row["deployed_at"].astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    return (
        f"{mark} {row['process_id']}\tv{row['version']}\t{row['sha256'][:12]}\t{deployed}"
        f"\t{row['deployed_by'] or '-'}\t{row['source']}\t{row['running']}"
    )


def _models_list(args: argparse.Namespace) -> int:
    from services.workflow.models import model_listing

    service = _service()
    try:
        with service.runtime.platform.database.read() as conn:
            rows = model_listing(conn, args.process)
    finally:
        service.runtime.platform.stop()
    if not rows:
        print(f"chưa triển khai quy trình {args.process or 'nào'}", file=sys.stderr)
        return 1 if args.process else 0
    print("  quy trình\tphiên bản\tsha256\ttriển khai lúc\tbởi\tnguồn\tđang chạy")
    for row in rows:
        print(_model_line(row))
    print("* phiên bản các phiên mới dùng (đang hoạt động)", file=sys.stderr)
    return 0


def _models_deploy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.workflow.models import CLI, audit_model
    from shared.errors import DomainError, ValidationFailed

    path = Path(args.file)
    try:
        xml = path.read_bytes()
    except OSError as exc:
        print(f"không đọc được {path}: {exc.strerror}", file=sys.stderr)
        return 1
    process_id = args.process or path.stem
    actor = _operator()
    service = _service()
    try:
        with service.runtime.platform.unit_of_work() as uow:
            row, created, activated = service.models.deploy(
                uow.conn, process_id, xml, uow.now, actor["sub"], source=CLI, activate=args.activate
            )
            audit_model(uow, actor, row, created, activated)
    except DomainError as exc:
        print(f"{process_id}: {exc.detail}", file=sys.stderr)
        for problem in exc.errors.get("bpmn", []) if isinstance(exc, ValidationFailed) else []:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    finally:
        service.runtime.platform.stop()
    done = "đã triển khai" if created else "sơ đồ này đã có:"
    state = "đang hoạt động" if row["active"] else "chưa hoạt động"
    print(f"{process_id}: {done} phiên bản {row['version']} ({state})")
    return 0


def _models_activate(args: argparse.Namespace) -> int:
    from services.workflow.models import audit_model
    from shared.errors import DomainError

    actor = _operator()
    service = _service()
    try:
        with service.runtime.platform.unit_of_work() as uow:
            row, activated = service.models.activate(
                uow.conn, args.process_id, args.version, uow.now, actor["sub"]
            )
            audit_model(uow, actor, row, False, activated)
    except DomainError as exc:
        print(f"{args.process_id}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        service.runtime.platform.stop()
    already = "" if activated else " (đã như vậy)"
    print(
        f"{args.process_id}: các phiên mới dùng phiên bản {row['version']}{already}; "
        "các phiên đang chạy giữ phiên bản của mình"
    )
    return 0


def _models_migrate(args: argparse.Namespace) -> int:
    from services.workflow.instances.migration import migrate
    from shared.errors import DomainError

    actor = _operator()
    service = _service()
    try:
        with service.runtime.platform.unit_of_work() as uow:
            result = migrate(
                service,
                uow,
                args.process_id,
                args.from_version,
                args.to_version,
                apply=args.apply,
                actor=actor,
            )
    except DomainError as exc:
        print(f"{args.process_id}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        service.runtime.platform.stop()
    for item in result["items"]:
        state = "chuyển" if item["moved"] else f"giữ nguyên: {item['reason']}"
        print(f"{item['kind']}\t{item['id']}\t{item['status']}\t{state}")
    verb = "Đã chuyển" if args.apply else "Sẽ chuyển (xem trước; thêm --apply để chuyển)"
    print(
        f"{args.process_id}: {verb} {result['moved']} phiên từ phiên bản {args.from_version} "
        f"sang {args.to_version}; {result['refused']} phiên giữ nguyên"
    )
    return 0


def _date(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"không phải ngày YYYY-MM-DD: {text!r}") from None


def _models_preview(args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.workflow.instances.preview import run
    from shared.errors import DomainError, ValidationFailed

    path = Path(args.file)
    try:
        xml = path.read_bytes()
    except OSError as exc:
        print(f"không đọc được {path}: {exc.strerror}", file=sys.stderr)
        return 1
    process_id = args.process or path.stem
    service = _service()
    try:
        now = service.runtime.platform.clock.now()
        result = run(service, process_id, xml, args.start, args.end, now)
    except DomainError as exc:
        print(f"{process_id}: {exc.detail}", file=sys.stderr)
        if isinstance(exc, ValidationFailed):
            for problems in exc.errors.values():
                for problem in problems:
                    print(f"  - {problem}", file=sys.stderr)
        return 1
    finally:
        service.runtime.platform.stop()
    for line in preview_summary(result):
        print(line)
    return 0


def preview_summary(result: dict[str, Any]) -> list[str]:
    """A deploy preview as people read it, in Vietnamese."""
    from shared import dates

    tasks = result["tasks"]
    lines = [
        f"{result['process_id']}: xem trước sơ đồ {dates.vn(result['from'])} – "
        f"{dates.vn(result['to'])} (chưa triển khai, không ghi gì)",
        f"Nhiệm vụ phát lại: {tasks['replayed']}; không đổi: {tasks['unchanged']}; "
        f"thay đổi: {tasks['changed']}; lệch quy trình: {tasks['diverging']}",
    ]
    if tasks["approximate"]:
        lines.append(f"Phát lại gần đúng: {tasks['approximate']} nhiệm vụ")
        lines += [f"  - {r['label']}: {r['tasks']}" for r in result["approximate"]]
    if tasks["not_replayed"]:
        lines.append(f"Không phát lại được: {tasks['not_replayed']} nhiệm vụ")
    lines.append("Thông báo (trước → sau; số nhiệm vụ có thêm / mất):")
    for notice in result["notices"]:
        lines.append(
            f"  {notice['label'] or notice['type']}: {notice['before']} → {notice['after']}; "
            f"+{notice['tasks_gaining']} / -{notice['tasks_losing']} nhiệm vụ"
        )
    if result["categories"]:
        lines.append("Phân loại thay đổi:")
        lines += [
            f"  {c['from_label']} → {c['to_label']}: {c['tasks']} nhiệm vụ"
            for c in result["categories"]
        ]
    for action in result["diverging"]["actions"]:
        label = action["label"] or action["action"]
        lines.append(f"Thao tác '{label}' không còn được cho phép: {action['tasks']} nhiệm vụ")
    if result["changed_sample"]:
        lines.append("Nhiệm vụ thay đổi (tối đa 50): " + ", ".join(result["changed_sample"]))
    return lines
