"""What orjson saves on the real path (shared/json_codec.py), in one process on PostgreSQL: accept
then report_progress on released tasks through the workflow's Flask app, in chunks of 10 tasks
(20 actions) alternating ABBA between the codec as it is ("on") and the standard library in its
place ("off"). Per action: CPU (`time.process_time`), and the CPU spent in psycopg's JSON loader
(the JSON and JSONB columns read) and in `json_response` (the answer), timed in place; each
cycle's saving is its two "off" chunks less its two "on" chunks.

The codec's functions are the very objects psycopg holds (registered by `make_engine`), so "off"
swaps their code for the standard library's. Run from the repository root (PostgreSQL on
127.0.0.1): ``python -m bench.json_path [cycles]`` (40 by default).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg.types.json as psycopg_json

import shared.http_responses as http_responses
from bench.action_path import workflow_on_postgres
from shared import json_codec
from tests.integration import workflowkit as wk

CHUNK = 10
SPENT = {"load": 0.0, "answer": 0.0}


def _std_loads(data: Any) -> Any:
    return json.loads(data)


def _std_dumps(value: Any, default: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, default=default)


FAST = (json_codec.loads.__code__, json_codec.dumps.__code__)
STANDARD = (_std_loads.__code__, _std_dumps.__code__)


def _use(on: bool) -> None:
    json_codec.loads.__code__, json_codec.dumps.__code__ = FAST if on else STANDARD


def _timed(function: Callable[..., Any], key: str) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[key] += time.process_time() - began

    return timed


def _act(service: Any, task_ids: list[str]) -> None:
    for task_id in task_ids:
        assert wk.act(service, task_id, "accept", wk.LEAD).status_code == 200
        done = wk.act(service, task_id, "report_progress", wk.LEAD, note="50%")
        assert done.status_code == 200


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    psycopg_json._JsonLoader.load = _timed(psycopg_json._JsonLoader.load, "load")  # type: ignore[method-assign]
    http_responses.json_response = _timed(http_responses.json_response, "answer")
    seen: dict[bool, dict[str, list[float]]] = {
        on: {"cpu": [], "load": [], "answer": []} for on in (False, True)
    }
    with workflow_on_postgres("bench-json") as service:
        task_ids = [wk.release(service) for _ in range((4 * cycles + 2) * CHUNK)]
        for on in (False, True):  # both paths warm
            _use(on)
            _act(service, [task_ids.pop() for _ in range(CHUNK)])
        for cycle in range(cycles):
            for on in (False, True, True, False) if cycle % 2 == 0 else (True, False, False, True):
                _use(on)
                SPENT.update(load=0.0, answer=0.0)
                began = time.process_time()
                _act(service, [task_ids.pop() for _ in range(CHUNK)])
                per_action = 1e6 / (2 * CHUNK)
                seen[on]["cpu"].append((time.process_time() - began) * per_action)
                seen[on]["load"].append(SPENT["load"] * per_action)
                seen[on]["answer"].append(SPENT["answer"] * per_action)
        _use(True)
    for key in ("cpu", "load", "answer"):
        off, fast = seen[False][key], seen[True][key]
        saved = [
            (off[2 * i] + off[2 * i + 1] - fast[2 * i] - fast[2 * i + 1]) / 2 for i in range(cycles)
        ]
        print(
            f"{key}: off {statistics.median(off):.1f} µs per action, "
            f"on {statistics.median(fast):.1f};"
            f" saved per cycle: median {statistics.median(saved):.1f} µs, mean "
            f"{statistics.mean(saved):.1f}, more than 0 in {sum(s > 0 for s in saved)}/{cycles}"
        )


if __name__ == "__main__":
    main()
