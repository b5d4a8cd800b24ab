"""Workflow figures (docs/architecture.md, Benchmarks) on the distributed profile, besides the
release burst of run.py:

* action → event latency: concurrent HTTP clients perform task actions (accept, then
  report_progress) on distinct released tasks; from the request's sending to its event's arrival
  on the bus (a queue of our own bound to the domain exchange), p50/p99, and the HTTP answer's.
* timer lateness: instances whose timer falls due at a known instant, among 100 and among 100 000
  waiting timers; from that instant to the announced event's arrival on the bus, p50/max.

Both watch the bus with `BusWatch` (bench/bus_watch.py): arrival times (time.time()) per (event
type, subject).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from kombu.connection import Connection

from bench.action_clients import ActionClients
from bench.bus_watch import BusWatch
from bench.cpu import CpuMeter, per_task_ms
from services.distributed import SERVICES
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.topology import Topology

ACTIONS = (("accept", "task.accepted"), ("report_progress", "task.progress_reported"))
SETTLE_SECONDS = 1.0


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _ms(value: float) -> float:
    return round(value * 1000, 1)


# -- action → event latency ----------------------------------------------------------------------


def measure_action_latency(
    workflow_url: str,
    broker_url: str,
    database_url: str,
    secret: str,
    *,
    clients: int = 50,
    tasks_per_client: int = 6,
    think_seconds: float = 0.0,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """`clients` clients, each with its own tasks and connection (bench/action_clients.py):
    accept, then report_progress, on each task, one request at a time, pausing `think_seconds`
    (±50 %) after each answer. With `meter`, also the
    CPU each process spent per action (`cpu_ms_per_action`), from the first request until the
    services' queues are empty again: the action and what its event costs every consumer."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT task_id, lead_unit FROM task_instances WHERE status = 'assigned' "
            "ORDER BY task_id LIMIT %s",
            (clients * tasks_per_client,),
        ).fetchall()
    if len(rows) < clients * tasks_per_client:
        raise RuntimeError(f"only {len(rows)} assigned tasks to act on")
    settings = AuthSettings(
        mode="hs256",
        secret=secret,
        public_key=None,
        jwks_url=None,
        issuer=None,
        audience=None,
    )
    tokens = {
        unit: mint_token(
            settings,
            sub=f"bench@{unit}",
            name="bench",
            unit=unit,
            roles=["unit_officer"],
        )
        for unit in {unit for _task, unit in rows}
    }
    shares = [rows[i::clients] for i in range(clients)]
    http = ActionClients(workflow_url)
    plans = [_plan(http, share, tokens) for share in shares]
    quiet_after = wait_until_quiet(broker_url)
    with BusWatch(broker_url, [t for _a, t in ACTIONS]) as watch:
        cpu_before = meter.snapshot() if meter else {}
        began = time.monotonic()
        # Back to back, on one thread (its CPU is measured: CPU the services cannot use);
        # pausing, a thread per client as before: fifty threads get more of a busy machine's
        # scheduler than one, whose answers then wait as a whole (the paced run's HTTP p99,
        # docs/architecture.md, Benchmarks).
        run = http.run_threads if think_seconds else http.run
        answers = run(plans, think_seconds)
        elapsed = time.monotonic() - began
        sent: dict[tuple[str, str], tuple[float, float]] = {}
        failures: list[str] = []
        for answer in answers:
            action, event_type, task_id = answer.key
            if 200 <= answer.status < 400:
                sent[(event_type, task_id)] = (answer.began, answer.answered)
            else:
                body = answer.body[:200].decode(errors="replace")
                failures.append(f"{action} {answer.status} {body}")
        missing = watch.wait_for(sent, timeout=30)
        arrivals = dict(watch.arrivals)
    cpu: dict[str, float] | None = None
    if meter:
        wait_until_quiet(broker_url)
        time.sleep(SETTLE_SECONDS)  # the last batches taken off the queues, still being applied
        cpu = per_task_ms(cpu_before, meter.snapshot(), len(sent))
    if failures:
        raise RuntimeError(f"{len(failures)} actions failed, e.g. {failures[0]}")
    to_event = [arrivals[k] - s for k, (s, _a) in sent.items() if k in arrivals]
    http = [a - s for s, a in sent.values()]
    # The relay's and the broker's part: from the HTTP answer (after commit) to the bus.
    hop = [arrivals[k] - a for k, (_s, a) in sent.items() if k in arrivals]
    return {
        "actions": len(sent),
        "actions_per_s": round(len(sent) / elapsed, 1),
        "events_missing": missing,
        "http_p50_ms": _ms(_pct(http, 50)),
        "http_p99_ms": _ms(_pct(http, 99)),
        "event_p50_ms": _ms(_pct(to_event, 50)),
        "event_p99_ms": _ms(_pct(to_event, 99)),
        "answer_to_event_p50_ms": _ms(_pct(hop, 50)),
        "answer_to_event_p99_ms": _ms(_pct(hop, 99)),
        "quiet_after_s": round(quiet_after, 1),
        **({"cpu_ms_per_action": cpu} if cpu else {}),
    }


def _plan(
    http: ActionClients, share: list[tuple[str, str]], tokens: dict[str, str]
) -> list[tuple[bytes, tuple[str, str, str]]]:
    """One client's requests, encoded once: accept then report_progress on each of its tasks,
    each keyed by (action, event type, task)."""
    return [
        (
            http.request(
                f"/api/workflow/tasks/{task_id}/actions/{action}",
                {"Authorization": f"Bearer {tokens[unit]}"},
            ),
            (action, event_type, task_id),
        )
        for task_id, unit in share
        for action, event_type in ACTIONS
    ]


def wait_until_quiet(broker_url: str, timeout: float = 120) -> float:
    """Until every service's queue is empty (three looks in a row, 0.2 s apart), so that a run
    measures its own actions, not the previous run's events still being consumed; returns the
    seconds waited."""
    topology = Topology()
    names = [topology.queue_name(service) for service in SERVICES]
    began = time.monotonic()
    empty_looks = 0
    with Connection(broker_url, heartbeat=0) as conn:
        channel = conn.channel()
        while empty_looks < 3 and time.monotonic() - began < timeout:
            waiting = 0
            for name in names:
                try:
                    _name, messages, _consumers = channel.queue_declare(name, passive=True)
                except Exception:  # not declared (a service without a queue): nothing waits there
                    channel = conn.channel()
                    messages = 0
                waiting += messages
            empty_looks = empty_looks + 1 if waiting == 0 else 0
            time.sleep(0.2)
    return time.monotonic() - began


# -- timer lateness ------------------------------------------------------------------------------

FILLER_STATE = '{"bench": "filler: never due during the run, never loaded"}'


def measure_timer_lateness(
    cluster: Any,
    env: dict[str, str],
    sizes: tuple[int, ...] = (100, 100_000),
    due: int = 20,
    lead_seconds: float = 3.0,
) -> dict[str, Any]:
    """Start the workflow worker alone (scheduler polling every second, relay), then for each
    size: `due` instances whose timer falls due `lead_seconds` from now among `size` waiting in
    all; lateness is the due instant → the announced task.due_soon's arrival on the bus.

    The due instances are real ones, started in this process on a clock 30 days back, so their
    "due soon" timer (08:00, three working days before a due date two days from now) is already
    past by the worker's clock; their `next_timer_at` is set to the instant under test, which is
    the only thing the scheduler looks at to pick them. The rest are filler rows inserted with
    one statement: a far-future `next_timer_at` each (what the scheduler's index holds) and a
    placeholder state that nothing loads."""
    database_url = env["WORKFLOW_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    cluster.start_worker("workflow")
    figures: dict[str, Any] = {}
    try:
        _wait_for_worker(env["BROKER_URL"])
        starter = _DueInstances(database_url)
        with BusWatch(env["BROKER_URL"], ["task.due_soon"]) as watch:
            waiting = 0
            for size in sizes:
                fillers = size - due - waiting
                began = time.monotonic()
                _insert_fillers(database_url, waiting, fillers)
                waiting += fillers
                seeded = time.monotonic() - began
                instant = datetime.now(UTC) + timedelta(seconds=lead_seconds)
                task_ids = starter.insert(due, instant)
                waiting += due
                keys = [("task.due_soon", task_id) for task_id in task_ids]
                missing = watch.wait_for(keys, timeout=lead_seconds + 30)
                late = [
                    watch.arrivals[k] - instant.timestamp() for k in keys if k in watch.arrivals
                ]
                figures[str(size)] = {
                    "waiting": waiting,
                    "due": due,
                    "missing": missing,
                    "lateness_p50_ms": _ms(_pct(late, 50)),
                    "lateness_max_ms": _ms(max(late) if late else float("nan")),
                    "seed_s": round(seeded, 1),
                }
                # Fired instances wait for their next timer (overdue) like the fillers.
    finally:
        cluster.stop()
    return {"timer_lateness": figures}


def _wait_for_worker(broker_url: str, timeout: float = 60) -> None:
    """Until the worker consumes its queue (its scheduler thread starts right after)."""
    deadline = time.monotonic() + timeout
    name = Topology().queue_name("workflow")
    while time.monotonic() < deadline:
        with Connection(broker_url, heartbeat=0) as conn:
            try:
                _name, _messages, consumers = conn.default_channel.queue_declare(name, passive=True)
            except Exception:  # not declared yet: the channel is closed, reconnect
                consumers = 0
        if consumers:
            time.sleep(0.5)
            return
        time.sleep(0.2)
    raise RuntimeError("the workflow worker did not start")


def _insert_fillers(database_url: str, start: int, count: int) -> None:
    if count <= 0:
        return
    with psycopg.connect(database_url) as conn:
        process_id, version = conn.execute(
            "SELECT process_id, max(version) FROM process_models "
            "WHERE process_id = 'task_lifecycle' GROUP BY process_id"
        ).fetchone()
        conn.execute(
            """
            INSERT INTO task_instances (task_id, document_id, document_number, assigned_by,
                content, search_text, lead_unit, coordinating_units, due_on, cadence, assigned_on,
                status, extension_pending, process_id, process_version, state, revision,
                created_at, updated_at, next_timer_at)
            SELECT 'filler' || lpad(g::text, 26, '0'), repeat('d', 32), 'bench', 'ubnd_tinh',
                'bench filler', 'bench filler', 'SO_TC', '[]', current_date + 400, NULL,
                current_date, 'assigned', false, %(process_id)s, %(version)s, %(state)s, 0,
                now(), now(), now() + interval '30 days' + g * interval '37 seconds'
            FROM generate_series(%(first)s::int, %(last)s::int) AS g
            """,
            {
                "process_id": process_id,
                "version": version,
                "state": FILLER_STATE,
                "first": start + 1,
                "last": start + count,
            },
        )
        conn.execute("ANALYZE task_instances")


class _DueInstances:
    """Real task_lifecycle instances whose "due soon" timer is already past by the real clock."""

    def __init__(self, database_url: str) -> None:
        from services.workflow.deadlines import deadline_functions
        from services.workflow.engine import Engine
        from shared.calendar import WorkingCalendar
        from shared.clock import FixedClock

        self.database_url = database_url
        self.calendar = WorkingCalendar.default()
        past = datetime.now(UTC) - timedelta(days=30)
        self.engine = Engine(deadline_functions(self.calendar), clock=FixedClock(past))
        with psycopg.connect(database_url) as conn:
            self.process_id, self.version, xml = conn.execute(
                "SELECT process_id, version, bpmn_xml FROM process_models "
                "WHERE process_id = 'task_lifecycle' ORDER BY version DESC LIMIT 1"
            ).fetchone()
        self.model = self.engine.parse(bytes(xml), self.process_id, self.version)

    def insert(self, count: int, instant: datetime) -> list[str]:
        from services.workflow import domain
        from shared.calendar import local_date

        today = local_date(datetime.now(UTC))
        due_on = self.calendar.add_working_days(today, 2)
        rows = []
        for _ in range(count):
            task = {
                "task_id": uuid.uuid4().hex,
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": due_on,
                "cadence": None,
                "assigned_on": today,
                "extension_pending": False,
            }
            step = self.engine.start(self.model, domain.workflow_data(task))
            state, status = step.state, step.status
            rows.append((task["task_id"], due_on, today, status, state, instant))
        with psycopg.connect(self.database_url) as conn, conn.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO task_instances (task_id, document_id, document_number, assigned_by,
                    content, search_text, lead_unit, coordinating_units, due_on, cadence,
                    assigned_on, status, extension_pending, process_id, process_version, state,
                    revision, created_at, updated_at, next_timer_at)
                VALUES (%s, repeat('d', 32), 'bench', 'ubnd_tinh', 'bench due', 'bench due',
                    'SO_TC', '[]', %s, NULL, %s, %s, false, %s, %s, %s, 0, now(), now(), %s)
                """,
                [(t, d, a, s, self.process_id, self.version, st, i) for t, d, a, s, st, i in rows],
            )
        return [row[0] for row in rows]
