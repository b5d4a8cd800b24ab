"""The web application's tests: a real embedded system (four services, SQLite, in-process bus,
demo data) served over HTTP on a free port in a thread, and a web app built by create_app that
calls it there, driven with Flask's test client."""

from __future__ import annotations

import re
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from services.demo import demo_documents, load_demo
from services.embedded import build_system
from services.web.app import create_app
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from tests.polling import wait_for

SECRET = "web-test-secret-0123456789-0123456789-abcdef"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebSystem:
    base_url: str
    env: dict[str, str]
    system: Any

    def app(self, **extra: str) -> Flask:
        app = create_app({**self.env, **extra})
        app.config["TESTING"] = True
        return app

    def api(self, method: str, path: str, role: str, unit: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {api_token(role, unit)}"}
        answer = requests.request(
            method, self.base_url + path, headers=headers, timeout=30, **kwargs
        )
        return answer


def api_token(role: str, unit: str | None) -> str:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    return mint_token(
        settings, sub=f"{role}.{unit}", name=f"{role} {unit}", unit=unit, roles=[role]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def running_system(tmp_path: Path) -> Iterator[WebSystem]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DATA_DIR": str(tmp_path),
        "JWT_SECRET": SECRET,
        "BUS_NAMESPACE": f"nvweb{uuid.uuid4().hex[:10]}",
        "WEB_API_URL": base,
        "NHIEMVU_ENV": "development",
    }
    system = build_system(env)
    system.migrate()
    app = system.wsgi(api_url=base)
    system.start()
    load_demo(system)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    web = WebSystem(base, env, system)
    wait_for(
        lambda: _demo_tasks_assigned(web), timeout=30, what="the demo's tasks assigned in workflow"
    )
    try:
        yield web
    finally:
        server.shutdown()
        system.stop()


DEMO_TASKS = sum(len(document["tasks"]) for document in demo_documents(date.today()))


def _demo_tasks_assigned(web: WebSystem) -> bool:
    """Tests read the demo's tasks as the Office would find them: released, started, assigned.
    load_demo only enters the documents; the tasks reach workflow through the bus."""
    answer = web.api("GET", "/api/workflow/tasks?status=assigned", "office", "VP_UBND")
    return answer.status_code == 200 and answer.json()["total"] >= DEMO_TASKS


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: FlaskClient, role: str, unit: str) -> str:
    """Sign in through the development form; returns a CSRF token of the new session."""
    page = client.get("/login")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    answer = client.post(
        "/login",
        data={"role": role, "unit": unit, "csrf_token": csrf_of(page.get_data(as_text=True))},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return csrf_of(client.get("/me").get_data(as_text=True))
