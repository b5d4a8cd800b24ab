"""JSON logs that carry the correlation id of the request or event being handled."""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def new_correlation_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def correlation(correlation_id: str | None) -> Iterator[str]:
    """Run a block under a correlation id (a fresh one when none is given)."""
    value = correlation_id or new_correlation_id()
    token = _correlation_id.set(value)
    try:
        yield value
    finally:
        _correlation_id.reset(token)


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation_id.get()
        return True


class _JsonHandler(logging.StreamHandler[TextIO]):
    """The one handler `configure_logging` installs on the root logger. It writes to the
    process's standard error as it is when a record comes (as logging's last-resort handler
    does), not the stream it was at install time: a stream replaced since (a test run's capture,
    closed at the end of its test) would turn a later thread's record into a logging error."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # StreamHandler's __init__ and setStream assign it; the property decides


def configure_logging(level: str | None = None) -> None:
    """Install one JSON handler on the root logger; safe to call more than once."""
    root = logging.getLogger()
    if any(isinstance(h, _JsonHandler) for h in root.handlers):
        return
    handler = _JsonHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(_CorrelationFilter())
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("LOG_LEVEL", "INFO")).upper())
    # Request lines from the development server duplicate our own access log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
