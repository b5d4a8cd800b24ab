"""What a web worker's first action costs beyond the next ones: released tasks on a fresh
PostgreSQL database, then, in fresh processes (one per run, as a gunicorn worker is one), the
workflow's Flask app built on them and `--tasks` tasks accepted then reported on, with the worker's
boot as deploy/gunicorn.conf.py runs it (`post_worker_init`'s loads) or without; alternating,
`--pairs` times. Prints the CPU of each run's first action and its mean per action.

    python -m bench.first_action [--pairs 3] [--tasks 50]
"""

from __future__ import annotations

import argparse
import json
import runpy
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from tests.integration import workflowkit as wk

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.first_action")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=50, help="tasks per run (two actions each)")
    parser.add_argument("--run", nargs=3, metavar=("DATABASE", "IDS_FILE", "BOOT"))
    args = parser.parse_args(argv)
    if args.run:
        database, ids_file, boot = args.run
        print(json.dumps(_run(database, json.loads(Path(ids_file).read_text()), boot == "1")))
        return 0
    name = f"nv_first_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        service = _service(name, units=True)
        try:
            ids = [wk.release(service) for _ in range(2 * args.pairs * args.tasks)]
        finally:
            service.runtime.platform.stop()
        for pair in range(args.pairs):
            for boot in (False, True):
                part = (2 * pair + boot) * args.tasks
                _spawn(name, ids[part : part + args.tasks], boot)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


def _service(database: str, *, units: bool) -> Any:
    # The directory's units are written once, by the process that releases the tasks.
    setup = wk.Setup(database="postgresql", units=wk.KNOWN_UNITS if units else ())
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    return wk.build(setup, Path(tempfile.mkdtemp()), "first-action", lambda: url)


def _spawn(database: str, ids: list[str], boot: bool) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as ids_file:
        json.dump(ids, ids_file)
    argv = [sys.executable, "-m", "bench.first_action", "--run", database, ids_file.name]
    done = subprocess.run([*argv, str(int(boot))], cwd=ROOT, capture_output=True, check=True)
    figures = json.loads(done.stdout.decode().strip().splitlines()[-1])
    print(
        f"{'với' if boot else 'không'} khởi động của worker: thao tác đầu "
        f"{figures['first_ms']:.1f} ms CPU, trung bình {figures['mean_ms']:.2f} ms / thao tác "
        f"({figures['actions']} thao tác)",
        flush=True,
    )


def _run(database: str, ids: list[str], boot: bool) -> dict[str, Any]:
    service = _service(database, units=False)
    try:
        if boot:
            settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
            settings["_load_public_holidays"]()
        began = time.process_time()
        assert wk.act(service, ids[0], "accept", wk.LEAD).status_code == 200
        first = time.process_time()
        for task_id in ids[1:]:
            assert wk.act(service, task_id, "accept", wk.LEAD).status_code == 200
        for task_id in ids:
            done = wk.act(service, task_id, "report_progress", wk.LEAD, note="50%")
            assert done.status_code == 200
        ended = time.process_time()
    finally:
        service.runtime.platform.stop()
    actions = 2 * len(ids)
    return {
        "first_ms": (first - began) * 1000,
        "mean_ms": (ended - began) * 1000 / actions,
        "actions": actions,
    }


if __name__ == "__main__":
    sys.exit(main())
