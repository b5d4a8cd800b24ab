"""deploy/gunicorn.conf.py as gunicorn reads it: several workers listen on sockets of their own
(SO_REUSEPORT), so that the kernel spreads kept-alive clients over them; one worker keeps the
master's socket."""

from __future__ import annotations

from pathlib import Path

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, object] = {"__file__": str(CONF)}
    exec(compile(CONF.read_text(encoding="utf-8"), str(CONF), "exec"), namespace)
    config = Config()
    for name, value in namespace.items():
        if name in config.settings and not callable(value):
            config.set(name, value)
    return config


def test_several_workers_listen_on_sockets_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    config = settings(monkeypatch, GUNICORN_WORKERS="2", GUNICORN_THREADS="4")

    assert config.workers == 2
    assert config.threads == 4
    assert config.worker_class_str == "gthread"
    assert config.reuse_port is True


def test_one_worker_keeps_the_masters_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    config = settings(monkeypatch)

    assert config.workers == 1
    assert config.reuse_port is False
