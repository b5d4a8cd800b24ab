"""The JSON log handler writes to standard error as it is now (shared/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from shared import logs


@pytest.fixture
def fresh_root() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    root.handlers = [h for h in root.handlers if not isinstance(h, logs._JsonHandler)]
    yield root
    root.handlers, level = kept
    root.setLevel(level)


def test_records_go_to_the_standard_error_of_the_moment(
    fresh_root: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logs.configure_logging("INFO")
    logging.getLogger("nhiemvu.test").info("một")
    first.close()  # as a test's capture is closed when that test ends
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    raised: list[BaseException] = []
    monkeypatch.setattr(logging, "raiseExceptions", True)
    monkeypatch.setattr(
        logging.Handler, "handleError", lambda self, record: raised.append(sys.exc_info()[1])
    )

    logging.getLogger("nhiemvu.test").info("hai")

    assert raised == []
    line = json.loads(second.getvalue().strip().splitlines()[-1])
    assert line["message"] == "hai" and line["logger"] == "nhiemvu.test"
