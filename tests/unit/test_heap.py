"""Every long-running process settles its heap once built (shared/heap.py): gunicorn's web
workers through deploy/gunicorn.conf.py, `nhiemvu worker` for every service, and `nhiemvu
serve`."""

from __future__ import annotations

import gc
import runpy
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from services import cli
from shared import heap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def python_defaults() -> Iterator[None]:
    """The test process's collector as it was, whatever a test settled."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settle_freezes_what_exists_and_raises_the_thresholds(python_defaults: None) -> None:
    built = [{"startup": index} for index in range(1_000)]
    assert gc.get_freeze_count() == 0
    heap.settle()
    assert gc.get_freeze_count() >= len(built)
    assert gc.get_threshold() == heap.THRESHOLDS
    # Garbage cycles made afterwards are still collected.
    cycle: list[Any] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


def test_a_gunicorn_worker_settles_its_heap_after_building_the_app(python_defaults: None) -> None:
    started: list[bool] = []
    platform = SimpleNamespace(start=lambda: started.append(True))
    worker = SimpleNamespace(wsgi=SimpleNamespace(extensions={"nhiemvu": platform}))
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    settings["post_worker_init"](worker)
    assert started == [True]
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == heap.THRESHOLDS


def test_a_gunicorn_worker_loads_the_public_holidays_before_its_first_request(
    python_defaults: None,
) -> None:
    # Đ112 of the Labour Code's holidays (shared/calendar.py): their first read imports the
    # `holidays` package's countries, which a worker does once built, not in a request.
    from shared import calendar

    calendar._public_holidays.cache_clear()
    worker = SimpleNamespace(wsgi=SimpleNamespace(extensions={}))
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    settings["post_worker_init"](worker)
    this_year = calendar.local_date(datetime.now(UTC)).year
    assert calendar._public_holidays.cache_info().currsize == 1
    hits = calendar._public_holidays.cache_info().hits
    calendar._public_holidays(this_year)
    assert calendar._public_holidays.cache_info().hits == hits + 1


@pytest.mark.parametrize("service", ["intake", "workflow", "notify", "reporting"])
def test_the_worker_command_settles_its_heap_once_built_for_every_service(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    stops: list[Any] = []
    monkeypatch.setattr(cli, "_until_signalled", stops.append)
    settled: list[bool] = []

    def settle_then_stop() -> None:
        # What the worker runs is built and started by now; stop as a signal would.
        settled.append(True)
        stops[0]()

    monkeypatch.setattr(cli, "settle_heap", settle_then_stop)
    cli.build_service(service).migrate()
    # A worker that never settled would wait for a signal for ever: send it one after a while.
    guard = threading.Timer(60, lambda: stops[0]())
    guard.start()
    try:
        assert cli.main(["worker", service]) == 0
    finally:
        guard.cancel()
    assert settled == [True]


def test_the_serve_command_settles_its_heap_once_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`nhiemvu serve` (`make run`, bench/web_pages.py): the four services and the web in one
    process, settled before it serves its first request."""
    from werkzeug import serving

    events: list[str] = []

    class Server:
        def serve_forever(self) -> None:
            events.append("serve")

        def shutdown(self) -> None:
            pass

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NHIEMVU_ENV", "development")
    monkeypatch.setattr(serving, "make_server", lambda *_, **__: Server())
    monkeypatch.setattr(cli, "_until_signalled", lambda _stop: None)
    monkeypatch.setattr(cli, "settle_heap", lambda: events.append("settle"))
    assert cli.main(["serve", "--no-demo", "--port", "0"]) == 0
    assert events == ["settle", "serve"]
